// SPDX-License-Identifier: GPL-2.0

//! `hole` (FreeBSD `ng_hole`): a sink. What arrives is counted on the hook
//! it came in on and freed. Any hook name; each hook's statistics start at
//! zero and go with it; shuts down with its last hook.

use crate::ffi::errno::{DResult, EINVAL, ENOENT};
use crate::ffi::netlink::{fail, NetRef, NlResult};
use crate::ffi::rcu;
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::{Fwd, Hook, Node, NodeImpl, TypeInfo, RX_FRAMES, RX_OCTETS};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The `hole` type (FreeBSD `NGM_HOLE_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "hole",
    cookie: 915433206,
    ctor: Some(new),
    msgs: &MSGS,
};

/// FreeBSD's `struct ng_hole_hookstat`.
const HOOKSTAT: Kind = Kind::Struct(&[
    Field::new("frames", Kind::U64),
    Field::new("octets", Kind::U64),
]);

/// The argument of every message: a hook name (FreeBSD's `hookbuf`).
const HOOKBUF: Option<Field> = Some(Field::new("", Kind::Str(31)));

messages! {
    /// The hole's messages (FreeBSD's `NGM_HOLE_*`).
    enum Msg {
        GetStats = MsgDesc {
            args: HOOKBUF,
            ..MsgDesc::get("getstats", 1, Field::new("", HOOKSTAT))
        },
        ClrStats = MsgDesc::set("clrstats", 2, HOOKBUF),
        GetClrStats = MsgDesc {
            args: HOOKBUF,
            ..MsgDesc::get("getclrstats", 3, Field::new("", HOOKSTAT)).writes()
        },
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

struct Hole;

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    Ok(Arc::new(Hole, GFP_KERNEL)?)
}

/// Answers `m` for the hook named in `args`: the hook's receive counters
/// (which the core keeps on every hook) as `struct ng_hole_hookstat`,
/// cleared after reading for `getclrstats`, only cleared for `clrstats`.
fn hook_stats(node: &Node, m: Msg, args: Option<Value<'_>>, out: &mut Out<'_>) -> NlResult {
    let Some(name) = args.map(|a| a.str()) else {
        return fail(EINVAL, "a hook name is needed, as in getstats \"in\"");
    };
    let g = rcu::read_lock();
    let Some(hook) = node.hooks(&g).iter().find(|h| h.name.as_bytes() == name) else {
        return fail(ENOENT, "no such hook on this hole");
    };
    if !matches!(m, Msg::ClrStats) {
        out.nest(1, |o| {
            o.u64(1, hook.rx.get(RX_FRAMES))?;
            o.u64(2, hook.rx.get(RX_OCTETS))
        })?;
    }
    if !matches!(m, Msg::GetStats) {
        hook.rx.clear();
    }
    Ok(())
}

impl NodeImpl for Hole {
    fn reads_without_rtnl(&self) -> bool {
        true
    }

    fn rcvmsg_ro(
        &self,
        node: &Arc<Node>,
        msg: &'static MsgDesc,
        args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult {
        match Msg::of(msg) {
            Some(m @ Msg::GetStats) => hook_stats(node, m, args, out),
            Some(Msg::ClrStats | Msg::GetClrStats) => fail(EINVAL, "this message changes the hole"),
            None => fail(EINVAL, "unknown message for hole"),
        }
    }

    fn rcvmsg(
        &self,
        _rtnl: &Rtnl,
        node: &Arc<Node>,
        msg: &'static MsgDesc,
        args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult<After> {
        match Msg::of(msg) {
            Some(m) => hook_stats(node, m, args, out).map(|()| After::Keep),
            None => fail(EINVAL, "unknown message for hole"),
        }
    }

    /// Counted on `hook` by the core on the way in; freed here.
    fn rcvdata(&self, _fwd: &mut Fwd<'_>, _node: &Node, _hook: &Hook, skb: Skb) -> DResult {
        skb.consume();
        Ok(())
    }
}
