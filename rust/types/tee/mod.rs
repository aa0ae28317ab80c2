// SPDX-License-Identifier: GPL-2.0

//! `tee`: a passive tap (FreeBSD `ng_tee`). Frames between `left` and
//! `right` pass through; copies go to `left2right` / `right2left`. Frames
//! written to `left2right` leave through `left`, those written to
//! `right2left` through `right`. A tap whose real destination is missing
//! becomes the primary. When the node goes, `left` and `right`'s peers are
//! joined directly.

use crate::ffi::errno::{DResult, EINVAL};
use crate::ffi::netlink::{fail, NetRef, NlResult};
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::path::Name;
use crate::graph::{Fwd, Hook, NewHook, Node, NodeImpl, TypeInfo};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The `tee` type (FreeBSD `NGM_TEE_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "tee",
    cookie: 916107047,
    ctor: Some(new),
    msgs: &MSGS,
};

const HOOKSTAT: Kind = Kind::Struct(&[
    Field::new("inOctets", Kind::U64),
    Field::new("inFrames", Kind::U64),
    Field::new("outOctets", Kind::U64),
    Field::new("outFrames", Kind::U64),
]);

/// FreeBSD `struct ng_tee_stats` order.
const STATS: Kind = Kind::Struct(&[
    Field::new("right", HOOKSTAT),
    Field::new("left", HOOKSTAT),
    Field::new("right2left", HOOKSTAT),
    Field::new("left2right", HOOKSTAT),
]);

messages! {
    /// The tee's messages (FreeBSD's `NGM_TEE_*`).
    enum Msg {
        GetStats = MsgDesc::get("getstats", 1, Field::new("", STATS)),
        ClrStats = MsgDesc::set("clrstats", 2, None),
        GetClrStats = MsgDesc::get("getclrstats", 3, Field::new("", STATS)).writes(),
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

/// Hook tags, in `struct ng_tee_stats` order.
const RIGHT: u32 = 0;
const LEFT: u32 = 1;
const R2L: u32 = 2;
const L2R: u32 = 3;

#[derive(Default)]
struct HookStats {
    in_octets: AtomicU64,
    in_frames: AtomicU64,
    out_octets: AtomicU64,
    out_frames: AtomicU64,
}

impl HookStats {
    fn clear(&self) {
        for c in [
            &self.in_octets,
            &self.in_frames,
            &self.out_octets,
            &self.out_frames,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

struct Tee {
    stats: [HookStats; 4],
}

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    let t = Arc::new(
        Tee {
            stats: Default::default(),
        },
        GFP_KERNEL,
    )?;
    Ok(t)
}

impl Tee {
    /// FreeBSD's `struct ng_tee_stats`: one counter set per hook.
    fn put_stats(&self, out: &mut Out<'_>) -> DResult {
        out.nest(1, |o| {
            for (i, s) in self.stats.iter().enumerate() {
                o.nest(i as u32 + 1, |o| {
                    o.u64(1, s.in_octets.load(Ordering::Relaxed))?;
                    o.u64(2, s.in_frames.load(Ordering::Relaxed))?;
                    o.u64(3, s.out_octets.load(Ordering::Relaxed))?;
                    o.u64(4, s.out_frames.load(Ordering::Relaxed))
                })?;
            }
            Ok(())
        })
    }
}

impl NodeImpl for Tee {
    fn newhook(&self, name: &[u8], _taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        let tag = match name {
            b"right" => RIGHT,
            b"left" => LEFT,
            b"right2left" => R2L,
            b"left2right" => L2R,
            _ => {
                return fail(
                    EINVAL,
                    "tee hooks are left, right, left2right and right2left",
                )
            }
        };
        match Name::new(name) {
            Some(name) => Ok(NewHook { name, tag }),
            None => fail(EINVAL, "bad hook name"),
        }
    }

    fn connected(&self, _rtnl: &Rtnl, _node: &Arc<Node>, hook: &Hook) -> NlResult {
        // FreeBSD: reconnecting a hook starts its counters afresh.
        if let Some(s) = self.stats.get(hook.tag as usize) {
            s.clear();
        }
        Ok(())
    }

    /// Flow messages pass through between `left` and `right` (FreeBSD).
    fn link_state(&self, _rtnl: &Rtnl, _node: &Node, hook: &Hook, _up: bool) -> Option<u32> {
        match hook.tag {
            LEFT => Some(RIGHT),
            RIGHT => Some(LEFT),
            _ => None,
        }
    }

    fn bypass(&self) -> Option<(&'static str, &'static str)> {
        Some(("left", "right"))
    }

    fn reads_without_rtnl(&self) -> bool {
        true
    }

    /// `getstats` (the only read-only message).
    fn rcvmsg_ro(
        &self,
        _node: &Arc<Node>,
        msg: &'static MsgDesc,
        _args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult {
        match Msg::of(msg) {
            Some(Msg::GetStats) => Ok(self.put_stats(out)?),
            Some(Msg::ClrStats | Msg::GetClrStats) => fail(EINVAL, "this message changes the tee"),
            None => fail(EINVAL, "unknown message for tee"),
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
        let Some(m) = Msg::of(msg) else {
            return fail(EINVAL, "unknown message for tee");
        };
        match m {
            Msg::GetStats => self.rcvmsg_ro(node, msg, args, out)?,
            Msg::ClrStats | Msg::GetClrStats => {
                if m == Msg::GetClrStats {
                    self.put_stats(out)?;
                }
                for s in self.stats.iter() {
                    s.clear();
                }
            }
        }
        Ok(After::Keep)
    }

    fn rcvdata(&self, fwd: &mut Fwd<'_>, node: &Node, hook: &Hook, skb: Skb) -> DResult {
        let len = skb.len() as u64;
        if let Some(s) = self.stats.get(hook.tag as usize) {
            s.in_frames.fetch_add(1, Ordering::Relaxed);
            s.in_octets.fetch_add(len, Ordering::Relaxed);
        }
        let (dest, tap) = match hook.tag {
            LEFT => (RIGHT, Some(L2R)),
            RIGHT => (LEFT, Some(R2L)),
            L2R => (LEFT, None),
            _ => (RIGHT, None),
        };
        let hooks = fwd.hooks(node);
        let find = |t: u32| hooks.iter().find(|h| h.tag == t);
        let (primary, copy) = match (find(dest), tap.and_then(find)) {
            (Some(p), c) => (Some(p), c),
            // The tap becomes the primary when the destination is missing.
            (None, Some(t)) => (Some(t), None),
            (None, None) => (None, None),
        };
        let Some(primary) = primary else {
            skb.consume();
            return Ok(());
        };
        if let Some(c) = copy {
            match skb.clone_atomic() {
                Some(dup) => {
                    if fwd.send(c, dup).is_ok() {
                        let s = &self.stats[c.tag as usize];
                        s.out_frames.fetch_add(1, Ordering::Relaxed);
                        s.out_octets.fetch_add(len, Ordering::Relaxed);
                    }
                }
                // No memory for the tap's copy: dropped and counted.
                None => node.count_drop(),
            }
        }
        let s = &self.stats[primary.tag as usize];
        s.out_frames.fetch_add(1, Ordering::Relaxed);
        s.out_octets.fetch_add(len, Ordering::Relaxed);
        fwd.send(primary, skb)
    }
}
