// SPDX-License-Identifier: GPL-2.0

//! `eiface`: a virtual Ethernet interface `ngethN` whose wire is the hook
//! `ether`. What the host sends on the interface leaves through `ether`;
//! what arrives on `ether` is received by the host. Carrier is up while
//! `ether` is connected. The node stays in the namespace that made it when
//! the interface moves elsewhere, and its shutdown removes the interface
//! wherever it is.

use crate::ffi::errno::{DResult, EEXIST, ENETDOWN, ENFILE, EPFNOSUPPORT};
use crate::ffi::netdev::{self, DevRef, DevSlot};
use crate::ffi::netlink::{fail, NetRef, NlError, NlResult};
use crate::ffi::rcu;
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::path::{self, Name};
use crate::graph::{
    DevEvent, DevHandler, Dir, Fwd, GraphState, Hook, Mcast, NewHook, Node, NodeImpl, Op, TypeInfo,
};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The `eiface` type (FreeBSD `NGM_EIFACE_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "eiface",
    cookie: 948105892,
    ctor: Some(new),
    msgs: &MSGS,
};

messages! {
    /// The eiface's messages (FreeBSD's `NGM_EIFACE_*`).
    enum Msg {
        GetIfName = MsgDesc::get("getifname", 1, Field::new("", Kind::Str(15))),
        Set = MsgDesc::set("set", 3, Some(Field::new("", Kind::EthAddr))),
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

/// Units tried for `ngethN` (the kernel's own `%d` allocator stops at
/// 32 768 too).
const MAX_UNITS: u32 = 32768;

struct Eiface {
    dev: DevSlot,
    /// The namespace of the node's graph (live while `dev` holds a device:
    /// the graph's teardown shuts the node down, which empties it).
    home: NetRef,
}

fn new(net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    let e = Arc::new(
        Eiface {
            dev: DevSlot::empty(),
            home: net,
        },
        GFP_KERNEL,
    )?;
    Ok(e)
}

/// The graph's half of `ip link del ngethN` (see [`NodeImpl::let_device_go`]):
/// the node goes, as it would with `shutdown`.
fn deleted(s: &mut GraphState, rtnl: &Rtnl, ev: DevEvent, _d: DevRef<'_>) {
    if let DevEvent::Deleted { node, home } = ev {
        if s.type_of(node).is_some_and(|t| core::ptr::eq(t, &TYPE)) {
            s.destroy(node, &mut Op::new(rtnl, &mut Mcast { net: home }));
        }
    }
}

impl NodeImpl for Eiface {
    /// Makes `ngethN` with the lowest N whose name is free both for the
    /// interface in `net` and for the node in the graph, so the node is
    /// named after its interface even when an earlier `ngethN` moved to
    /// another namespace or was renamed.
    fn attach(
        &self,
        rtnl: &Rtnl,
        net: NetRef,
        node: &Arc<Node>,
        named: &dyn Fn(&Name) -> bool,
    ) -> NlResult {
        for unit in 0..MAX_UNITS {
            let name = path::eiface_name(unit);
            if named(&name) {
                continue;
            }
            match netdev::eiface_create(rtnl, net, &name, node, &self.dev) {
                Err(EEXIST) => continue,
                r => return r.map_err(|e| NlError::new(e, "cannot create the interface")),
            }
        }
        fail(ENFILE, "no free ngethN unit")
    }

    fn name_hint(&self, rtnl: &Rtnl) -> Option<Name> {
        self.dev.get_rtnl(rtnl).and_then(|d| d.name())
    }

    fn newhook(&self, name: &[u8], _taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        match Name::new(name) {
            Some(n) if name == b"ether" => Ok(NewHook { name: n, tag: 0 }),
            _ => fail(EPFNOSUPPORT, "eiface has one hook: \"ether\""),
        }
    }

    fn connected(&self, rtnl: &Rtnl, _node: &Arc<Node>, _hook: &Hook) -> NlResult {
        if let Some(d) = self.dev.get_rtnl(rtnl) {
            d.set_carrier(true);
        }
        Ok(())
    }

    fn disconnect(&self, rtnl: &Rtnl, _node: &Arc<Node>, _hook: &Hook, _left: usize) -> bool {
        if let Some(d) = self.dev.get_rtnl(rtnl) {
            d.set_carrier(false);
        }
        false
    }

    /// A link emulator at the other end reports its state: carrier
    /// follows it (FreeBSD sets the interface's link state).
    fn link_state(&self, rtnl: &Rtnl, _node: &Node, _hook: &Hook, up: bool) -> Option<u32> {
        if let Some(d) = self.dev.get_rtnl(rtnl) {
            d.set_carrier(up);
        }
        None
    }

    fn shutdown(&self, rtnl: &Rtnl, _node: &Arc<Node>) {
        netdev::eiface_destroy(rtnl, &self.dev);
    }

    fn device_gone(&self) {
        self.dev.clear();
    }

    fn let_device_go(&self, rtnl: &Rtnl) -> Option<(NetRef, DevHandler)> {
        self.dev.get_rtnl(rtnl)?;
        self.dev.clear();
        Some((self.home, deleted))
    }

    fn rcvmsg(
        &self,
        rtnl: &Rtnl,
        _node: &Arc<Node>,
        msg: &'static MsgDesc,
        args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult<After> {
        let Some(d) = self.dev.get_rtnl(rtnl) else {
            return fail(ENETDOWN, "the interface is gone");
        };
        match (Msg::of(msg), args) {
            (Some(Msg::GetIfName), _) => {
                let name = d.name();
                out.str(1, name.as_ref().map_or(&[][..], |n| n.as_bytes()))?;
            }
            (Some(Msg::Set), Some(a)) => d
                .set_mac(rtnl, &a.ethaddr())
                .map_err(|e| NlError::new(e, "cannot set the interface's address"))?,
            (Some(Msg::Set), None) => {
                return fail(crate::ffi::errno::EINVAL, "set needs an Ethernet address")
            }
            (None, _) => return fail(crate::ffi::errno::EINVAL, "unknown message for eiface"),
        }
        Ok(After::Keep)
    }

    /// From the wire to the host.
    fn rcvdata(&self, fwd: &mut Fwd<'_>, _node: &Node, _hook: &Hook, skb: Skb) -> DResult {
        match self.dev.get(fwd.guard()) {
            Some(d) => d.eiface_rx(skb),
            None => {
                drop(skb);
                Err(ENETDOWN)
            }
        }
    }

    /// From the host to the wire: the one hook.
    fn device_hook<'g>(
        &self,
        g: &'g rcu::Guard,
        node: &'g Node,
        _dir: Dir,
        _known: &dyn Fn() -> bool,
    ) -> Option<&'g Hook> {
        node.hooks(g).first().map(|h| &**h)
    }
}
