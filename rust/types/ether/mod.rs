// SPDX-License-Identifier: GPL-2.0

//! `ether`: the attach point of an Ethernet device. One node per device in
//! each namespace, named after it, made and removed with the device (not by
//! `mkpeer`). Hooks:
//!
//! - `lower` (alias `divert`): frames received on the device go here
//!   instead of the host stack; frames written here are transmitted.
//! - `upper`: frames the host transmits go here instead of the wire;
//!   frames written here are received by the host stack.
//! - `orphans`: like `lower`, but only for frames the stack would drop
//!   (unknown EtherType), and only while `lower` is not connected.
//!
//! Shutdown and the loss of the last hook only reset the node.

use crate::ffi::errno::{DResult, EADDRINUSE, EBUSY, EEXIST, EINVAL, EISCONN, ENETDOWN};
use crate::ffi::netdev::{DevRef, DevSlot, TxHook};
use crate::ffi::netlink::{fail, NetRef, NlError, NlResult};
use crate::ffi::rcu;
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::path::{self, Name};
use crate::graph::{
    DevEvent, Dir, Fwd, GraphState, Hook, Mcast, NewHook, Node, NodeImpl, Op, TypeInfo,
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

/// The `ether` type (FreeBSD `NGM_ETHER_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "ether",
    cookie: 1108206947,
    ctor: None,
    msgs: &MSGS,
};

const INT: Kind = Kind::S32;

messages! {
    /// The ether node's messages (FreeBSD's `NGM_ETHER_*`).
    enum Msg {
        GetIfName = MsgDesc::get("getifname", 1, Field::new("", Kind::Str(15))),
        GetIfIndex = MsgDesc::get("getifindex", 2, Field::new("", INT)),
        GetEnAddr = MsgDesc::get("getenaddr", 3, Field::new("", Kind::EthAddr)),
        SetEnAddr = MsgDesc::set("setenaddr", 4, Some(Field::new("", Kind::EthAddr))),
        GetPromisc = MsgDesc::get("getpromisc", 5, Field::new("", INT)),
        SetPromisc = MsgDesc::set("setpromisc", 6, Some(Field::new("", INT))),
        GetAutoSrc = MsgDesc::get("getautosrc", 7, Field::new("", INT)),
        SetAutoSrc = MsgDesc::set("setautosrc", 8, Some(Field::new("", INT))),
        AddMulti = MsgDesc::set("addmulti", 9, Some(Field::new("", Kind::EthAddr))),
        DelMulti = MsgDesc::set("delmulti", 10, Some(Field::new("", Kind::EthAddr))),
        Detach = MsgDesc::set("detach", 11, None),
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

/// Hook tags.
const LOWER: u32 = 1;
const UPPER: u32 = 2;
const ORPHANS: u32 = 3;

#[pin_data]
struct Ether {
    dev: DevSlot,
    /// Control state below is changed under the RTNL only; atomics let the
    /// data path read it.
    promisc: AtomicBool,
    autosrc: AtomicBool,
    lower_on: AtomicBool,
    orphans_on: AtomicBool,
    #[pin]
    tx: Mutex<Option<TxHook>>,
}

impl Ether {
    fn hook_with<'g>(&self, g: &'g rcu::Guard, node: &'g Node, tag: u32) -> Option<&'g Arc<Hook>> {
        node.hooks(g).iter().find(|h| h.tag == tag)
    }

    fn rx_users(&self) -> bool {
        self.lower_on.load(Ordering::Relaxed) || self.orphans_on.load(Ordering::Relaxed)
    }

    fn reset_promisc(&self, rtnl: &Rtnl, d: &DevRef<'_>) {
        if self.promisc.swap(false, Ordering::Relaxed) {
            let _ = d.promisc(rtnl, -1);
        }
    }
}

impl NodeImpl for Ether {
    fn newhook(&self, name: &[u8], taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        let tag = match name {
            b"lower" | b"divert" => LOWER,
            b"upper" => UPPER,
            b"orphans" => ORPHANS,
            _ => return fail(EINVAL, "ether hooks are lower (divert), upper and orphans"),
        };
        if tag == LOWER && (taken(b"lower") || taken(b"divert")) {
            return fail(EISCONN, "lower (divert) is already connected");
        }
        match Name::new(name) {
            Some(name) => Ok(NewHook { name, tag }),
            None => fail(EINVAL, "bad hook name"),
        }
    }

    fn connected(&self, rtnl: &Rtnl, node: &Arc<Node>, hook: &Hook) -> NlResult {
        let Some(d) = self.dev.get_rtnl(rtnl) else {
            return fail(ENETDOWN, "the device is gone");
        };
        match hook.tag {
            LOWER | ORPHANS => {
                if !self.rx_users() {
                    d.attach_rx(rtnl, node).map_err(|e| {
                        if e == EBUSY {
                            NlError::new(
                                EBUSY,
                                "device's receive handler is taken (bridge/bond port?)",
                            )
                        } else {
                            NlError::new(e, "cannot attach to the device's receive path")
                        }
                    })?;
                }
                let flag = if hook.tag == LOWER {
                    &self.lower_on
                } else {
                    &self.orphans_on
                };
                flag.store(true, Ordering::Relaxed);
            }
            _ => {
                let mut tx = self.tx.lock();
                if tx.is_none() {
                    let h = d.attach_tx(rtnl, node).map_err(|e| {
                        NlError::new(e, "cannot attach to the device's transmit path")
                    })?;
                    *tx = Some(h);
                }
            }
        }
        Ok(())
    }

    fn disconnect(&self, rtnl: &Rtnl, node: &Arc<Node>, hook: &Hook, left: usize) -> bool {
        let Some(d) = self.dev.get_rtnl(rtnl) else {
            return false;
        };
        match hook.tag {
            LOWER | ORPHANS => {
                let flag = if hook.tag == LOWER {
                    &self.lower_on
                } else {
                    &self.orphans_on
                };
                if flag.swap(false, Ordering::Relaxed) && !self.rx_users() {
                    d.detach_rx(rtnl, node);
                }
            }
            _ => {
                if let Some(h) = self.tx.lock().take() {
                    d.detach_tx(rtnl, h, node);
                }
            }
        }
        if left == 0 {
            self.reset_promisc(rtnl, &d);
        }
        false
    }

    fn survives_shutdown(&self) -> bool {
        true
    }

    fn reset(&self, rtnl: &Rtnl) {
        if let Some(d) = self.dev.get_rtnl(rtnl) {
            self.reset_promisc(rtnl, &d);
        }
    }

    fn shutdown(&self, rtnl: &Rtnl, _node: &Arc<Node>) {
        // The hooks are gone, so the device hooks are detached.
        if let Some(d) = self.dev.get_rtnl(rtnl) {
            self.reset_promisc(rtnl, &d);
        }
        self.dev.clear();
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
            return fail(ENETDOWN, "the device is gone");
        };
        let Some(m) = Msg::of(msg) else {
            return fail(EINVAL, "unknown message for ether");
        };
        let int = args.map_or(0, |a| a.sint());
        let mac = args.map_or([0; 6], |a| a.ethaddr());
        match m {
            Msg::GetIfName => out.str(1, d.name().as_ref().map_or(&[][..], |n| n.as_bytes()))?,
            Msg::GetIfIndex => out.u32(1, d.ifindex() as u32)?,
            Msg::GetEnAddr => out.ethaddr(1, &d.addr())?,
            Msg::SetEnAddr => d
                .set_mac(rtnl, &mac)
                .map_err(|e| NlError::new(e, "cannot set the device's address"))?,
            Msg::GetPromisc => out.u32(1, self.promisc.load(Ordering::Relaxed) as u32)?,
            Msg::SetPromisc => {
                let on = int != 0;
                if self.promisc.load(Ordering::Relaxed) != on {
                    d.promisc(rtnl, if on { 1 } else { -1 })?;
                    self.promisc.store(on, Ordering::Relaxed);
                }
            }
            Msg::GetAutoSrc => out.u32(1, self.autosrc.load(Ordering::Relaxed) as u32)?,
            Msg::SetAutoSrc => self.autosrc.store(int != 0, Ordering::Relaxed),
            Msg::AddMulti | Msg::DelMulti => {
                d.multi(rtnl, &mac, m == Msg::AddMulti)
                    .map_err(|e| match e {
                        e if e == EEXIST => {
                            NlError::new(EADDRINUSE, "already a member of that group")
                        }
                        e if e == EINVAL => NlError::new(EINVAL, "not a multicast address"),
                        e => NlError::new(e, "cannot change the multicast filter"),
                    })?
            }
            Msg::Detach => return Ok(After::Destroy),
        }
        Ok(After::Keep)
    }

    /// Written to `lower`/`orphans`: to the wire; to `upper`: to the host.
    fn rcvdata(&self, fwd: &mut Fwd<'_>, _node: &Node, hook: &Hook, skb: Skb) -> DResult {
        let Some(d) = self.dev.get(fwd.guard()) else {
            drop(skb);
            return Err(ENETDOWN);
        };
        if hook.tag == UPPER {
            d.inject(skb)
        } else {
            d.xmit(skb, self.autosrc.load(Ordering::Relaxed))
        }
    }

    fn device_hook<'g>(
        &self,
        g: &'g rcu::Guard,
        node: &'g Node,
        dir: Dir,
        known: &dyn Fn() -> bool,
    ) -> Option<&'g Hook> {
        let hook = match dir {
            Dir::Out => self.hook_with(g, node, UPPER),
            Dir::In => self
                .hook_with(g, node, LOWER)
                .or_else(|| self.hook_with(g, node, ORPHANS).filter(|_| !known())),
        };
        hook.map(|h| &**h)
    }
}

fn create(s: &mut GraphState, rtnl: &Rtnl, net: NetRef, d: DevRef<'_>) -> NlResult {
    let Some(name) = d.name().and_then(|n| path::ether_node_name(n.as_bytes())) else {
        return Ok(());
    };
    let imp = Arc::pin_init(
        pin_init!(Ether {
            dev: DevSlot::new(&d),
            promisc: AtomicBool::new(false),
            autosrc: AtomicBool::new(false),
            lower_on: AtomicBool::new(false),
            orphans_on: AtomicBool::new(false),
            tx <- new_mutex!(None, "netgraph_ether_tx"),
        }),
        GFP_KERNEL,
    )?;
    s.devices.try_create_and_insert(d.key(), 0, GFP_KERNEL)?;
    let mut ev = Mcast { net };
    // FreeBSD: no node when the name is taken (an eiface node `ngethN`).
    match s.add_node(&TYPE, imp, Some(name), net, &mut Op::new(rtnl, &mut ev)) {
        Ok(id) => {
            if let Some(v) = s.devices.get_mut(&d.key()) {
                *v = id;
            }
            Ok(())
        }
        Err(e) => {
            s.devices.remove(&d.key());
            Err(e)
        }
    }
}

/// A netdevice event: ether nodes follow their devices. An event caused by
/// the graph's own operation (an eiface shutdown unregistering a device
/// that has an ether node) is handled when that operation ends, still under
/// the same RTNL section: none is lost.
pub(crate) fn netdev_event(rtnl: &Rtnl, ev: DevEvent, d: DevRef<'_>) {
    if !d.is_ether() {
        return;
    }
    if let Some(g) = d.net().and_then(crate::graph::of) {
        g.device_event(rtnl, handle_event, ev, d);
    }
}

fn handle_event(s: &mut GraphState, rtnl: &Rtnl, ev: DevEvent, d: DevRef<'_>) {
    let Some(net) = d.net() else {
        return;
    };
    let mut mc = Mcast { net };
    match ev {
        DevEvent::Register => {
            if s.devices.get(&d.key()).is_none() {
                let _ = create(s, rtnl, net, d);
            }
        }
        DevEvent::Unregister => {
            if let Some(id) = s.devices.remove(&d.key()) {
                s.destroy(id, &mut Op::new(rtnl, &mut mc));
            }
        }
        DevEvent::Rename => {
            if let Some(&id) = s.devices.get(&d.key()) {
                if let Some(n) = d.name().and_then(|n| path::ether_node_name(n.as_bytes())) {
                    if s.name(id, n.as_bytes(), &mut Op::new(rtnl, &mut mc))
                        .is_err()
                    {
                        pr_info!("cannot rename the ether node of a renamed device\n");
                    }
                }
            }
        }
        // FreeBSD's ng_ether_link_state: the news goes out of every hook
        // (FreeBSD: lower and orphans; upper's peer is told too, so that an
        // eiface spliced to upper follows the wire's carrier).
        DevEvent::Link(up) => {
            if let Some(node) = s.devices.get(&d.key()).and_then(|&id| s.node(id)) {
                crate::graph::announce_link(rtnl, &node, up);
            }
        }
        DevEvent::Deleted { .. } => {}
    }
}
