// SPDX-License-Identifier: GPL-2.0

//! `one2many` (FreeBSD `ng_one2many`): one hook to up to 64. Frames from
//! `one` go to the active `manyN` links by round robin, to all of them, or
//! to the lowest-numbered one (failover); frames from any `manyN` go to
//! `one`. A link is active when connected and enabled; with `failAlg=2`
//! (notify) link-state news arriving on a link enables or disables it, and
//! the node tells `one`'s peer when its first link comes or its last goes.
//! Shuts down with its last hook.

#[allow(dead_code, unreachable_pub)]
pub(crate) mod logic;

use crate::ffi::errno::{DResult, EINVAL, ENETDOWN, ENOTCONN};
use crate::ffi::netlink::{fail, NetRef, NlResult};
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::path::Name;
use crate::graph::{announce_link_on, Fwd, Hook, NewHook, Node, NodeImpl, TypeInfo};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;
use logic::{Config, Link, MAX_LINKS};

/// The `one2many` type (FreeBSD `NGM_ONE2MANY_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "one2many",
    cookie: 1100897444,
    ctor: Some(new),
    msgs: &MSGS,
};

static ENABLED_ELEM: Field = Field::new("", Kind::U8);

/// FreeBSD's `struct ng_one2many_config`.
const CONFIG: Kind = Kind::Struct(&[
    Field::new("xmitAlg", Kind::U32),
    Field::new("failAlg", Kind::U32),
    Field::new(
        "enabledLinks",
        Kind::Array {
            elem: &ENABLED_ELEM,
            max: MAX_LINKS as usize,
        },
    ),
]);

/// FreeBSD's `struct ng_one2many_link_stats`.
const STATS: Kind = Kind::Struct(&[
    Field::new("recvOctets", Kind::U64),
    Field::new("recvPackets", Kind::U64),
    Field::new("xmitOctets", Kind::U64),
    Field::new("xmitPackets", Kind::U64),
    Field::new("memoryFailures", Kind::U64),
]);

/// A link number (`-1` for `one`).
const LINKNUM: Option<Field> = Some(Field::new("", Kind::S32));

messages! {
    /// The node's messages (FreeBSD's `NGM_ONE2MANY_*`, numbered from 0).
    enum Msg {
        SetConfig = MsgDesc::set("setconfig", 0, Some(Field::new("", CONFIG))),
        GetConfig = MsgDesc::get("getconfig", 1, Field::new("", CONFIG)),
        GetStats = MsgDesc {
            args: LINKNUM,
            ..MsgDesc::get("getstats", 2, Field::new("", STATS))
        },
        ClrStats = MsgDesc::set("clrstats", 3, LINKNUM),
        GetClrStats = MsgDesc {
            args: LINKNUM,
            ..MsgDesc::get("getclrstats", 4, Field::new("", STATS)).writes()
        },
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

/// Hook tags: `manyN` is N; `one` comes after the many links.
const ONE: u32 = MAX_LINKS;

/// [`LinkStats`] positions (each octet counter is followed by its packet
/// counter).
const RECV_OCTETS: usize = 0;
const XMIT_OCTETS: usize = 2;
const MEMORY_FAILURES: usize = 4;

/// One link's counters (they outlive its hook, as in FreeBSD).
#[derive(Default)]
struct LinkStats([AtomicU64; 5]);

impl LinkStats {
    fn add(&self, dir_octets: usize, len: u32) {
        self.0[dir_octets].fetch_add(u64::from(len), Ordering::Relaxed);
        self.0[dir_octets + 1].fetch_add(1, Ordering::Relaxed);
    }

    fn clear(&self) {
        for c in &self.0 {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// Written under the RTNL, read anywhere.
struct One2Many {
    xmit_alg: AtomicU32,
    fail_alg: AtomicU32,
    /// Bit N: link N enabled.
    enabled: AtomicU64,
    /// Bit N: `manyN` connected.
    connected: AtomicU64,
    /// `connected & enabled`: where frames from `one` may go.
    active: AtomicU64,
    /// The round robin's position.
    next: AtomicU32,
    /// Links 0..63, then `one`.
    stats: KBox<[LinkStats; MAX_LINKS as usize + 1]>,
}

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    let d = Config::default();
    Ok(Arc::new(
        One2Many {
            xmit_alg: AtomicU32::new(d.xmit_alg),
            fail_alg: AtomicU32::new(d.fail_alg),
            enabled: AtomicU64::new(0),
            connected: AtomicU64::new(0),
            active: AtomicU64::new(0),
            next: AtomicU32::new(0),
            stats: KBox::new(core::array::from_fn(|_| LinkStats::default()), GFP_KERNEL)?,
        },
        GFP_KERNEL,
    )?)
}

/// The hook of link `tag`.
fn hook_of<'a>(hooks: &'a [Arc<Hook>], tag: u32) -> Option<&'a Hook> {
    hooks.iter().find(|h| h.tag == tag).map(|h| &**h)
}

/// The `i`-th set bit of `mask` (0-based), lowest first.
fn nth_bit(mut mask: u64, i: usize) -> u32 {
    for _ in 0..i {
        mask &= mask - 1;
    }
    mask.trailing_zeros()
}

impl One2Many {
    fn stats_of(&self, link: Option<u32>) -> &LinkStats {
        &self.stats[link.unwrap_or(ONE) as usize]
    }

    /// Recomputes the active set; what it announces out of `one`, if the
    /// first link came or the last went.
    fn recompute(&self) -> Option<bool> {
        let new = logic::active(
            self.connected.load(Ordering::Relaxed),
            self.enabled.load(Ordering::Relaxed),
        );
        let old = self.active.swap(new, Ordering::Relaxed);
        logic::announce(old, new)
    }

    fn recompute_and_announce(&self, rtnl: &Rtnl, node: &Node) {
        if let Some(up) = self.recompute() {
            announce_link_on(rtnl, node, ONE, up);
        }
    }

    fn put_stats(&self, link: Option<u32>, out: &mut Out<'_>) -> DResult {
        let s = self.stats_of(link);
        out.nest(1, |o| {
            for (i, c) in s.0.iter().enumerate() {
                o.u64(i as u32 + 1, c.load(Ordering::Relaxed))?;
            }
            Ok(())
        })
    }

    /// Frames from `one`: to the active links by the transmit algorithm.
    fn spread(&self, fwd: &mut Fwd<'_>, node: &Node, skb: Skb) -> DResult {
        let active = self.active.load(Ordering::Relaxed);
        if active == 0 {
            return node.drop_frame(skb, ENOTCONN);
        }
        let len = skb.len();
        let hooks = fwd.hooks(node);
        let link = match self.xmit_alg.load(Ordering::Relaxed) {
            logic::XMIT_ALL => {
                // Copies to the others in ascending order, the frame itself
                // to the first.
                let first = active.trailing_zeros();
                let mut rest = active & (active - 1);
                while rest != 0 {
                    let n = rest.trailing_zeros();
                    rest &= rest - 1;
                    let Some(h) = hook_of(hooks, n) else {
                        continue;
                    };
                    match skb.clone_atomic() {
                        Some(copy) => {
                            self.stats[n as usize].add(XMIT_OCTETS, len);
                            let _ = fwd.send(h, copy);
                        }
                        // No memory for this link's copy: counted, and the
                        // others still get theirs (FreeBSD drops the
                        // original too).
                        None => {
                            self.stats[n as usize].0[MEMORY_FAILURES]
                                .fetch_add(1, Ordering::Relaxed);
                            node.count_drop();
                        }
                    }
                }
                first
            }
            logic::XMIT_FAILOVER => active.trailing_zeros(),
            _ => {
                let n = active.count_ones() as usize;
                let i = logic::round_robin(self.next.fetch_add(1, Ordering::Relaxed), n);
                nth_bit(active, i)
            }
        };
        self.stats[link as usize].add(XMIT_OCTETS, len);
        match hook_of(hooks, link) {
            Some(h) => fwd.send(h, skb),
            // The hook is going (the active set is about to change).
            None => node.drop_frame(skb, ENOTCONN),
        }
    }
}

impl NodeImpl for One2Many {
    fn newhook(&self, name: &[u8], _taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        let tag = match logic::parse_hook(name) {
            Some(Link::One) => ONE,
            Some(Link::Many(n)) => n,
            None => return fail(EINVAL, "one2many hooks are one and many0 to many63"),
        };
        match Name::new(name) {
            Some(name) => Ok(NewHook { name, tag }),
            None => fail(EINVAL, "hook name too long"),
        }
    }

    /// FreeBSD: a connected link starts its counters afresh, and a many
    /// link is enabled.
    fn connected(&self, rtnl: &Rtnl, node: &Arc<Node>, hook: &Hook) -> NlResult {
        self.stats[hook.tag as usize].clear();
        if hook.tag < MAX_LINKS {
            let bit = 1u64 << hook.tag;
            self.enabled.fetch_or(bit, Ordering::Relaxed);
            self.connected.fetch_or(bit, Ordering::Relaxed);
            self.recompute_and_announce(rtnl, node);
        }
        Ok(())
    }

    fn disconnect(&self, rtnl: &Rtnl, node: &Arc<Node>, hook: &Hook, left: usize) -> bool {
        if hook.tag < MAX_LINKS {
            let bit = 1u64 << hook.tag;
            self.enabled.fetch_and(!bit, Ordering::Relaxed);
            self.connected.fetch_and(!bit, Ordering::Relaxed);
            self.recompute_and_announce(rtnl, node);
        }
        left == 0
    }

    /// With `failAlg=2`, news arriving on `manyN` enables or disables link
    /// N; `one`'s peer hears when the first link comes or the last goes.
    fn link_state(&self, _rtnl: &Rtnl, _node: &Node, hook: &Hook, up: bool) -> Option<u32> {
        if hook.tag >= MAX_LINKS || self.fail_alg.load(Ordering::Relaxed) != logic::FAIL_NOTIFY {
            return None;
        }
        let bit = 1u64 << hook.tag;
        if up {
            self.enabled.fetch_or(bit, Ordering::Relaxed);
        } else {
            self.enabled.fetch_and(!bit, Ordering::Relaxed);
        }
        self.recompute().map(|_| ONE)
    }

    fn reads_without_rtnl(&self) -> bool {
        true
    }

    fn rcvmsg_ro(
        &self,
        _node: &Arc<Node>,
        msg: &'static MsgDesc,
        args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult {
        match Msg::of(msg) {
            Some(Msg::GetConfig) => {
                let enabled = self.enabled.load(Ordering::Relaxed);
                Ok(out.nest(1, |o| {
                    o.u32(1, self.xmit_alg.load(Ordering::Relaxed))?;
                    o.u32(2, self.fail_alg.load(Ordering::Relaxed))?;
                    o.nest(3, |o| {
                        for n in 0..MAX_LINKS {
                            o.u8(1, ((enabled >> n) & 1) as u8)?;
                        }
                        Ok(())
                    })
                })?)
            }
            Some(Msg::GetStats) => {
                let Some(link) = args.and_then(|a| logic::stats_link(a.sint())) else {
                    return fail(EINVAL, "the link is -1 (one) or 0 to 63");
                };
                Ok(self.put_stats(link, out)?)
            }
            Some(_) => fail(EINVAL, "this message changes the one2many node"),
            None => fail(EINVAL, "unknown message for one2many"),
        }
    }

    fn rcvmsg(
        &self,
        rtnl: &Rtnl,
        node: &Arc<Node>,
        msg: &'static MsgDesc,
        args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult<After> {
        let Some(m) = Msg::of(msg) else {
            return fail(EINVAL, "unknown message for one2many");
        };
        match m {
            Msg::GetConfig | Msg::GetStats => self.rcvmsg_ro(node, msg, args, out)?,
            Msg::SetConfig => {
                let int = |pos| args.and_then(|a| a.field(pos)).map_or(0, |v| v.int());
                let mut enabled = 0u64;
                if let Some(a) = args.and_then(|a| a.field(3)) {
                    for (n, e) in a.elems().enumerate().take(MAX_LINKS as usize) {
                        if e.int() != 0 {
                            enabled |= 1 << n;
                        }
                    }
                }
                let c = Config {
                    xmit_alg: int(1) as u32,
                    fail_alg: int(2) as u32,
                    enabled,
                };
                if let Err(why) = logic::check(&c) {
                    return fail(EINVAL, why);
                }
                // The whole configuration is replaced (FreeBSD).
                self.xmit_alg.store(c.xmit_alg, Ordering::Relaxed);
                self.fail_alg.store(c.fail_alg, Ordering::Relaxed);
                self.enabled.store(c.enabled, Ordering::Relaxed);
                self.recompute_and_announce(rtnl, node);
            }
            Msg::ClrStats | Msg::GetClrStats => {
                let Some(link) = args.and_then(|a| logic::stats_link(a.sint())) else {
                    return fail(EINVAL, "the link is -1 (one) or 0 to 63");
                };
                if m == Msg::GetClrStats {
                    self.put_stats(link, out)?;
                }
                self.stats_of(link).clear();
            }
        }
        Ok(After::Keep)
    }

    fn rcvdata(&self, fwd: &mut Fwd<'_>, node: &Node, hook: &Hook, skb: Skb) -> DResult {
        let len = skb.len();
        self.stats[hook.tag as usize].add(RECV_OCTETS, len);
        if hook.tag == ONE {
            return self.spread(fwd, node, skb);
        }
        // From a many link (enabled or not): to `one`.
        self.stats[ONE as usize].add(XMIT_OCTETS, len);
        let hooks = fwd.hooks(node);
        match hook_of(hooks, ONE) {
            Some(h) => fwd.send(h, skb),
            None => node.drop_frame(skb, ENETDOWN),
        }
    }
}
