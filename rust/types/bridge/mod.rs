// SPDX-License-Identifier: GPL-2.0

//! `bridge`: a learning Ethernet switch (FreeBSD `ng_bridge`).
//!
//! Hooks `linkN` and `uplinkN` (bare `link`/`uplink` take the lowest free
//! number). The data path takes no lock: the links are an RCU-published
//! sorted array, the host table an rhashtable ([`crate::ffi::fdb`]) that the
//! data path reads and inserts into, counters are per CPU. A tick each
//! second ages hosts and unmutes looped links.

// Shared with the host tests (tests/host), where its items are public API.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod logic;

use crate::ffi::errno::{DResult, EINVAL, ELOOP, ENOENT, ENOMEM, ENOSPC, ENOTCONN};
use crate::ffi::fdb::{Entry, Fdb, FdbIter};
use crate::ffi::netlink::DumpCursor;
use crate::ffi::netlink::{fail, NetRef, NlResult};
use crate::ffi::percpu::Counters;
use crate::ffi::rcu::{self, RcuArc};
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::ffi::tick::Tick;
use crate::ffi::vec_ext::VecExt;
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::path::Name;
use crate::graph::{Emit, Fwd, Hook, NewHook, Node, NodeImpl, TypeInfo};
use crate::types::bridge::logic::{self as bl, HookName, Learn, STATS, UPLINK};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

/// The `bridge` type (FreeBSD `NGM_BRIDGE_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "bridge",
    cookie: 1569321993,
    ctor: Some(new),
    msgs: &MSGS,
};

const CONFIG: Kind = Kind::Struct(&[
    Field::new("debugLevel", Kind::U8),
    Field::new("loopTimeout", Kind::U32),
    Field::new("maxStaleness", Kind::U32),
    Field::new("minStableAge", Kind::U32),
]);

const STATS_KIND: Kind = Kind::Struct(&[
    Field::new("recvOctets", Kind::U64),
    Field::new("recvPackets", Kind::U64),
    Field::new("recvMulticast", Kind::U64),
    Field::new("recvBroadcast", Kind::U64),
    Field::new("recvUnknown", Kind::U64),
    Field::new("recvRunts", Kind::U64),
    Field::new("recvInvalid", Kind::U64),
    Field::new("xmitOctets", Kind::U64),
    Field::new("xmitPackets", Kind::U64),
    Field::new("xmitMulticasts", Kind::U64),
    Field::new("xmitBroadcasts", Kind::U64),
    Field::new("loopDrops", Kind::U64),
    Field::new("loopDetects", Kind::U64),
    Field::new("memoryFailures", Kind::U64),
]);

static HOST: Field = Field::new(
    "",
    Kind::Struct(&[
        Field::new("addr", Kind::EthAddr),
        Field::new("hook", Kind::Str(31)),
        Field::new("age", Kind::U16),
        Field::new("staleness", Kind::U16),
    ]),
);

const TABLE: Kind = Kind::Struct(&[
    Field::new("numHosts", Kind::U32),
    Field::new(
        "hosts",
        Kind::Array {
            elem: &HOST,
            max: usize::MAX,
        },
    ),
]);

const MOVE: Kind = Kind::Struct(&[
    Field::new("addr", Kind::EthAddr),
    Field::new("hook", Kind::Str(31)),
]);

/// Hosts a bridge learns at most unless configured (`setmaxhosts`): a table
/// fed from the wire must be bounded. FreeBSD has no bound.
const DEFAULT_MAX_HOSTS: u32 = 65536;

messages! {
    /// The bridge's messages (FreeBSD's `NGM_BRIDGE_*`).
    enum Msg {
        SetConfig = MsgDesc::set("setconfig", 1, Some(Field::new("", CONFIG))),
        GetConfig = MsgDesc::get("getconfig", 2, Field::new("", CONFIG)),
        Reset = MsgDesc::set("reset", 3, None),
        GetStats = MsgDesc {
            args: Some(Field::new("", Kind::S32)),
            ..MsgDesc::get("getstats", 4, Field::new("", STATS_KIND))
        },
        ClrStats = MsgDesc::set("clrstats", 5, Some(Field::new("", Kind::S32))),
        GetClrStats = MsgDesc {
            args: Some(Field::new("", Kind::S32)),
            ..MsgDesc::get("getclrstats", 6, Field::new("", STATS_KIND)).writes()
        },
        GetTable = MsgDesc::get("gettable", 7, Field::new("", TABLE)).dumped(),
        SetPersistent = MsgDesc::set("setpersistent", 8, None),
        MoveHost = MsgDesc::set("movehost", 9, Some(Field::new("", MOVE))),
        // Not in FreeBSD: the bound on the host table (numbers past FreeBSD's).
        SetMaxHosts = MsgDesc::set("setmaxhosts", 100, Some(Field::new("", Kind::U32))),
        GetMaxHosts = MsgDesc::get("getmaxhosts", 101, Field::new("", Kind::U32)),
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

/// One connected link.
struct Link {
    tag: u32,
    hook: Arc<Hook>,
    stats: Counters<STATS>,
    /// Seconds this link stays muted by loop detection.
    muted: AtomicU32,
    /// Hosts on this link are to be forgotten (by the next tick).
    flush: AtomicBool,
    learns: bool,
    send_unknown: bool,
}

/// The links, sorted by tag (copy-on-write under the RTNL).
struct Links {
    v: KVec<Arc<Link>>,
}

impl Links {
    /// The link of hook `tag`.
    #[inline(always)]
    fn find(&self, tag: u32) -> Option<&Arc<Link>> {
        bl::find_sorted(&self.v, tag, |l| l.tag)
    }
}

#[pin_data]
struct Bridge {
    fdb: Arc<Fdb>,
    links: RcuArc<Links>,
    debug_level: AtomicU32,
    loop_timeout: AtomicU32,
    max_staleness: AtomicU32,
    min_stable_age: AtomicU32,
    /// Most hosts learned; past it frames still go, unlearned, counted in
    /// their link's `memoryFailures`.
    max_hosts: AtomicU32,
    persistent: AtomicBool,
    /// Decided by the first hook: an uplink first makes the bridge
    /// restrictive (normal links get no unknown unicast), for good.
    restrictive: AtomicBool,
    /// Normal links ever connected decide the mode once.
    mode_set: AtomicBool,
    #[pin]
    tick: Mutex<Option<Tick<Node>>>,
}

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    let Some(fdb) = Fdb::new() else {
        return fail(ENOMEM, "no memory for the host table");
    };
    let fdb = Arc::new(fdb, GFP_KERNEL)?;
    let b = Arc::pin_init(
        pin_init!(Bridge {
            fdb,
            links: RcuArc::empty(),
            debug_level: AtomicU32::new(1),
            loop_timeout: AtomicU32::new(60),
            max_staleness: AtomicU32::new(900),
            min_stable_age: AtomicU32::new(1),
            max_hosts: AtomicU32::new(DEFAULT_MAX_HOSTS),
            persistent: AtomicBool::new(false),
            restrictive: AtomicBool::new(false),
            mode_set: AtomicBool::new(false),
            tick <- new_mutex!(None, "netgraph_bridge_tick"),
        }),
        GFP_KERNEL,
    )?;
    Ok(b)
}

fn is_multicast(a: &[u8]) -> bool {
    a[0] & 1 != 0
}

fn is_broadcast(a: &[u8]) -> bool {
    a.iter().all(|&b| b == 0xff)
}

/// Which of a direction's broadcast / multicast counters a frame to `dst`
/// also counts in, if any.
fn cast_counter(dst: &[u8], broadcast: usize, multicast: usize) -> Option<usize> {
    if is_broadcast(dst) {
        Some(broadcast)
    } else if is_multicast(dst) {
        Some(multicast)
    } else {
        None
    }
}

impl Bridge {
    /// Republishes the links with `f` applied (RTNL held).
    fn update_links(
        &self,
        rtnl: &Rtnl,
        f: impl FnOnce(&mut KVec<Arc<Link>>) -> DResult,
    ) -> DResult {
        let mut v = self.links.copy_vec(|l| &l.v)?;
        f(&mut v)?;
        self.links
            .publish_rtnl(Some(Arc::new(Links { v }, GFP_KERNEL)?), rtnl);
        Ok(())
    }

    /// Forgets the hosts on `tag` (process context).
    fn forget_link(&self, tag: u32) {
        self.fdb.walk(|e| {
            if e.link() == tag {
                self.fdb.remove(e);
            }
            true
        });
    }

    fn config(&self, out: &mut Out<'_>) -> DResult {
        out.nest(1, |o| {
            o.u8(1, self.debug_level.load(Ordering::Relaxed) as u8)?;
            o.u32(2, self.loop_timeout.load(Ordering::Relaxed))?;
            o.u32(3, self.max_staleness.load(Ordering::Relaxed))?;
            o.u32(4, self.min_stable_age.load(Ordering::Relaxed))
        })
    }

    /// A link's counters, as FreeBSD's `struct ng_bridge_link_stats`.
    fn put_link_stats(&self, link: &Link, out: &mut Out<'_>) -> DResult {
        out.nest(1, |o| {
            for i in 0..STATS {
                o.u64(i as u32 + 1, link.stats.get(i))?;
            }
            Ok(())
        })
    }

    fn link_by_number(&self, n: i64) -> NlResult<Arc<Link>> {
        let tag = i32::try_from(n).ok().and_then(bl::stats_tag);
        let g = rcu::read_lock();
        match (tag, self.links.get(&g)) {
            (Some(t), Some(l)) => match l.find(t) {
                Some(link) => Ok(link.clone()),
                None => fail(ENOTCONN, "no such link"),
            },
            _ => fail(ENOTCONN, "no such link"),
        }
    }

    /// Sends `skb` out of `to`, counting it.
    #[inline(always)]
    fn xmit(&self, fwd: &mut Fwd<'_>, to: &Link, skb: Skb, len: u64, dst: &[u8]) -> DResult {
        let extra = cast_counter(dst, bl::XMIT_BROADCASTS, bl::XMIT_MULTICASTS);
        to.stats
            .count_frame(bl::XMIT_PACKETS, bl::XMIT_OCTETS, len, extra);
        let r = fwd.send(&to.hook, skb);
        if r == Err(ENOMEM) {
            to.stats.add(bl::MEMORY_FAILURES, 1);
        }
        r
    }
}

impl NodeImpl for Bridge {
    fn attach(
        &self,
        _rtnl: &Rtnl,
        _net: NetRef,
        node: &Arc<Node>,
        _named: &dyn Fn(&Name) -> bool,
    ) -> NlResult {
        match Tick::start(node, 1000) {
            Some(t) => {
                *self.tick.lock() = Some(t);
                Ok(())
            }
            None => fail(ENOMEM, "no memory for the bridge's timer"),
        }
    }

    fn newhook(&self, name: &[u8], taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        let mut buf = [0u8; 32];
        let tag = match bl::parse_hook(name) {
            Some(HookName::Tag(t)) => t,
            Some(any) => {
                let (base, first) = match any {
                    HookName::AnyUplink => (UPLINK, 1),
                    _ => (0, 0),
                };
                let mut n = first;
                loop {
                    let len = bl::hook_name(base | n, &mut buf);
                    if !taken(&buf[..len]) {
                        break base | n;
                    }
                    n += 1;
                }
            }
            None => {
                return fail(
                    EINVAL,
                    "bridge hooks are linkN, uplinkN (N >= 1), link or uplink",
                )
            }
        };
        let len = bl::hook_name(tag, &mut buf);
        match Name::new(&buf[..len]) {
            Some(name) => Ok(NewHook { name, tag }),
            None => fail(EINVAL, "bad hook name"),
        }
    }

    fn allows_self_loop(&self) -> bool {
        false
    }

    fn connected(&self, rtnl: &Rtnl, _node: &Arc<Node>, hook: &Hook) -> NlResult {
        let uplink = hook.tag & UPLINK != 0;
        // FreeBSD: an uplink connected before any normal link makes the
        // bridge restrictive for good; a normal link first keeps it classic.
        if !self.mode_set.load(Ordering::Relaxed) {
            let normal_links = {
                let g = rcu::read_lock();
                self.links
                    .get(&g)
                    .is_some_and(|l| l.v.iter().any(|x| x.tag & UPLINK == 0))
            };
            if uplink && !normal_links {
                self.restrictive.store(true, Ordering::Relaxed);
                self.mode_set.store(true, Ordering::Relaxed);
            } else if !uplink {
                self.mode_set.store(true, Ordering::Relaxed);
            }
        }
        let Some(stats) = Counters::new() else {
            return fail(ENOMEM, "no memory for link counters");
        };
        // The hook Arc for sending: find it among the node's hooks.
        let hook_arc = {
            let g = rcu::read_lock();
            hook.node
                .hooks(&g)
                .iter()
                .find(|h| core::ptr::eq(&***h, hook))
                .cloned()
        };
        let Some(hook_arc) = hook_arc else {
            return fail(ENOENT, "hook vanished");
        };
        let link = Arc::new(
            Link {
                tag: hook.tag,
                hook: hook_arc,
                stats,
                muted: AtomicU32::new(0),
                flush: AtomicBool::new(false),
                learns: !uplink,
                send_unknown: uplink || !self.restrictive.load(Ordering::Relaxed),
            },
            GFP_KERNEL,
        )?;
        self.update_links(rtnl, |v| {
            let pos = v
                .binary_search_by(|l| l.tag.cmp(&link.tag))
                .unwrap_or_else(|p| p);
            Ok(v.insert_at(pos, link)?)
        })?;
        Ok(())
    }

    fn disconnect(&self, rtnl: &Rtnl, _node: &Arc<Node>, hook: &Hook, left: usize) -> bool {
        let tag = hook.tag;
        let _ = self.update_links(rtnl, |v| {
            if let Some(i) = v.iter().position(|l| l.tag == tag) {
                drop(v.remove_at(i));
            }
            Ok(())
        });
        self.forget_link(tag);
        left == 0 && !self.persistent.load(Ordering::Relaxed)
    }

    fn shutdown(&self, rtnl: &Rtnl, _node: &Arc<Node>) {
        drop(self.tick.lock().take());
        self.links.publish_rtnl(None, rtnl);
    }

    fn tick(&self, _node: &Node) {
        let max_stale = self.max_staleness.load(Ordering::Relaxed);
        let mut flush: KVec<u32> = KVec::new();
        {
            let g = rcu::read_lock();
            if let Some(l) = self.links.get(&g) {
                for link in l.v.iter() {
                    let m = link.muted.load(Ordering::Relaxed);
                    if m > 0 {
                        link.muted.store(m - 1, Ordering::Relaxed);
                    }
                    if link.flush.swap(false, Ordering::Relaxed) {
                        let _ = flush.push(link.tag, GFP_ATOMIC);
                    }
                }
            }
        }
        for tag in flush.iter() {
            self.forget_link(*tag);
        }
        self.fdb.walk(|e| {
            let s = e.staleness().saturating_add(1);
            if s >= max_stale {
                self.fdb.remove(e);
            } else {
                e.set_staleness(s);
                e.set_age(e.age().saturating_add(1).min(65535));
            }
            true
        });
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
        let Some(m) = Msg::of(msg) else {
            return fail(EINVAL, "unknown message for bridge");
        };
        match m {
            Msg::GetConfig => Ok(self.config(out)?),
            Msg::GetStats => {
                let link = self.link_by_number(args.map_or(0, |a| a.sint()))?;
                Ok(self.put_link_stats(&link, out)?)
            }
            Msg::GetMaxHosts => Ok(out.u32(1, self.max_hosts.load(Ordering::Relaxed))?),
            Msg::GetTable => fail(EINVAL, "gettable answers as a dump (NLM_F_DUMP)"),
            Msg::SetConfig
            | Msg::Reset
            | Msg::ClrStats
            | Msg::GetClrStats
            | Msg::SetPersistent
            | Msg::MoveHost
            | Msg::SetMaxHosts => fail(EINVAL, "this message changes the bridge"),
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
            return fail(EINVAL, "unknown message for bridge");
        };
        match m {
            Msg::SetConfig => {
                // FreeBSD replaces the whole struct: omitted fields are 0.
                let a = args;
                let f = |i| a.and_then(|v| v.field(i)).map_or(0, |x| x.int() as u32);
                self.debug_level.store(f(1) & 0xff, Ordering::Relaxed);
                self.loop_timeout.store(f(2), Ordering::Relaxed);
                self.max_staleness.store(f(3), Ordering::Relaxed);
                self.min_stable_age.store(f(4), Ordering::Relaxed);
            }
            Msg::Reset => {
                self.fdb.walk(|e| {
                    self.fdb.remove(e);
                    true
                });
                let g = rcu::read_lock();
                if let Some(l) = self.links.get(&g) {
                    for link in l.v.iter() {
                        link.muted.store(0, Ordering::Relaxed);
                        link.stats.clear();
                    }
                }
            }
            Msg::ClrStats | Msg::GetClrStats => {
                let link = self.link_by_number(args.map_or(0, |a| a.sint()))?;
                if m == Msg::GetClrStats {
                    self.put_link_stats(&link, out)?;
                }
                link.stats.clear();
            }
            Msg::SetPersistent => self.persistent.store(true, Ordering::Relaxed),
            Msg::MoveHost => {
                let a = args;
                let addr = a.and_then(|v| v.field(1)).map_or([0; 6], |x| x.ethaddr());
                let hook = a.and_then(|v| v.field(2)).map_or(&[][..], |x| x.str());
                let tag = match bl::parse_hook(hook) {
                    Some(HookName::Tag(t)) => t,
                    _ => return fail(ENOENT, "no such hook"),
                };
                let g = rcu::read_lock();
                let Some(link) = self.links.get(&g).and_then(|l| l.find(tag)) else {
                    return fail(ENOENT, "no such hook");
                };
                if is_multicast(&addr) {
                    return fail(EINVAL, "not a unicast address");
                }
                match self.learn(&g, &addr, self.fdb.lookup(&g, &addr), link, true) {
                    Err(e) if e == ENOMEM => return fail(ENOMEM, "no memory for the host"),
                    Err(e) if e == ENOSPC => {
                        return fail(ENOSPC, "the host table is full (see setmaxhosts)")
                    }
                    Err(_) => return fail(ELOOP, "loop detected: host moved too fast"),
                    Ok(_) => {}
                }
            }
            Msg::SetMaxHosts => self.max_hosts.store(
                args.map_or(DEFAULT_MAX_HOSTS, |a| a.int() as u32),
                Ordering::Relaxed,
            ),
            // Read-only: answered from the bridge's own state.
            Msg::GetConfig | Msg::GetStats | Msg::GetTable | Msg::GetMaxHosts => {
                self.rcvmsg_ro(node, msg, args, out)?
            }
        }
        Ok(After::Keep)
    }

    fn dumpmsg(
        &self,
        _msg: &'static MsgDesc,
        cursor: &mut DumpCursor,
        emit: &mut Emit<'_>,
    ) -> NlResult<bool> {
        if !cursor.header_sent {
            let n = self.fdb.count();
            if !emit(&mut |o| o.nest(1, |o| o.u32(1, n)))? {
                return Ok(false);
            }
            cursor.header_sent = true;
        }
        if cursor.fdb.is_none() {
            cursor.fdb = FdbIter::new(&self.fdb);
        }
        let Some(it) = cursor.fdb.as_mut() else {
            return fail(ENOMEM, "no memory for the table walk");
        };
        let mut err = Ok(());
        let done = it.walk(|e| {
            let mut name = [0u8; 32];
            let len = bl::hook_name(e.link(), &mut name);
            let (addr, age, stale) = (e.addr(), e.age(), e.staleness());
            let r = emit(&mut |o| {
                o.nest(1, |o| {
                    o.nest(2, |o| {
                        o.nest(1, |o| {
                            o.ethaddr(1, &addr)?;
                            o.str(2, &name[..len])?;
                            o.u16(3, age.min(65535) as u16)?;
                            o.u16(4, stale.min(65535) as u16)
                        })
                    })
                })
            });
            match r {
                Ok(fits) => fits,
                Err(e) => {
                    err = Err(e);
                    false
                }
            }
        });
        err?;
        Ok(done)
    }

    fn rcvdata(&self, fwd: &mut Fwd<'_>, _node: &Node, hook: &Hook, skb: Skb) -> DResult {
        let g = fwd.guard();
        let Some(links) = self.links.get(g) else {
            drop(skb);
            return Ok(());
        };
        let Some(link) = links.find(hook.tag) else {
            drop(skb);
            return Ok(());
        };
        let Some((len, h)) = skb.head::<12>().filter(|&(len, _)| len >= 14) else {
            link.stats.add(bl::RECV_RUNTS, 1);
            drop(skb);
            return Err(EINVAL);
        };
        let len = u64::from(len);
        let [d0, d1, d2, d3, d4, d5, s0, s1, s2, s3, s4, s5] = h;
        let (dst, src) = ([d0, d1, d2, d3, d4, d5], [s0, s1, s2, s3, s4, s5]);
        if is_multicast(&src) {
            link.stats.add(bl::RECV_INVALID, 1);
            drop(skb);
            return Err(EINVAL);
        }
        if link.muted.load(Ordering::Relaxed) != 0 {
            link.stats.add(bl::LOOP_DROPS, 1);
            drop(skb);
            return Err(ELOOP);
        }
        let manycast = is_multicast(&dst);
        let extra = cast_counter(&dst, bl::RECV_BROADCAST, bl::RECV_MULTICAST);
        link.stats
            .count_frame(bl::RECV_PACKETS, bl::RECV_OCTETS, len, extra);
        // Both table reads in one call; a multicast destination, or one
        // that is the source, is not looked up.
        let to_src = dst == src;
        let (known, found) = self
            .fdb
            .lookup2(g, &src, (!manycast && !to_src).then_some(&dst));
        // Learning, visible to the very next frame.
        let learned = match self.learn(g, &src, known, link, link.learns) {
            Ok(e) => e,
            // A full table, or no memory for the entry: the frame goes on,
            // its source unlearned, counted in memoryFailures (FreeBSD has
            // no bound, and drops what it cannot learn).
            Err(e) if e == ENOSPC || e == ENOMEM => {
                link.stats.add(bl::MEMORY_FAILURES, 1);
                None
            }
            Err(e) => {
                link.stats.add(bl::LOOP_DROPS, 1);
                drop(skb);
                return Err(e);
            }
        };
        let mut unknown = false;
        if !manycast {
            // A frame to its own source goes where learning just put it.
            match if to_src { learned } else { found } {
                Some(e) if e.link() == link.tag => {
                    skb.consume();
                    return Ok(());
                }
                Some(e) => {
                    if let Some(to) = links.find(e.link()) {
                        return self.xmit(fwd, to, skb, len, &dst);
                    }
                    unknown = true;
                }
                None => unknown = true,
            }
            link.stats.add(bl::RECV_UNKNOWN, 1);
        }
        // Flood: every other link (for unknown unicast, only those that
        // take it); copies to all but the last target.
        let eligible = |l: &&Arc<Link>| l.tag != link.tag && (!unknown || l.send_unknown);
        let mut left = links.v.iter().filter(eligible).count();
        if left == 0 {
            skb.consume();
            return Ok(());
        }
        for to in links.v.iter().filter(eligible) {
            left -= 1;
            if left == 0 {
                return self.xmit(fwd, to, skb, len, &dst);
            }
            if fwd.exhausted() {
                hook.node
                    .loop_drops
                    .fetch_add(left as u64 + 1, Ordering::Relaxed);
                drop(skb);
                return Err(ELOOP);
            }
            // A copy that cannot be made is dropped and counted (in the
            // node's drops and the link's memoryFailures); the flood goes
            // on to the other links (FreeBSD gives up on them and the
            // original).
            match skb.clone_atomic() {
                Some(copy) => {
                    let _ = self.xmit(fwd, to, copy, len, &dst);
                }
                None => {
                    link.stats.add(bl::MEMORY_FAILURES, 1);
                    hook.node.count_drop();
                }
            }
        }
        Ok(())
    }
}

impl Bridge {
    /// Learning of source `addr`, whose entry is `known`, seen on `link`
    /// (FreeBSD's movehost rules): refreshes, inserts or moves the host and
    /// returns its entry (none if unknown and not learned); `ENOMEM`, or
    /// `ELOOP` after muting `link` when the host moved faster than
    /// `minStableAge`.
    #[inline(always)]
    fn learn<'g>(
        &self,
        g: &'g rcu::Guard,
        addr: &[u8; 6],
        known: Option<Entry<'g>>,
        link: &Link,
        learns: bool,
    ) -> DResult<Option<Entry<'g>>> {
        // Written only when it changes: a busy host's entry stays a clean
        // cache line for the CPUs that read it.
        if let Some(e) = known.filter(|e| e.staleness() != 0) {
            e.set_staleness(0);
        }
        match bl::learn(
            known.map(|e| (e.link(), e.age())),
            link.tag,
            learns,
            self.min_stable_age.load(Ordering::Relaxed),
        ) {
            Learn::Keep => Ok(known),
            Learn::Insert if self.fdb.count() >= self.max_hosts.load(Ordering::Relaxed) => {
                Err(ENOSPC)
            }
            Learn::Insert => self
                .fdb
                .learn(g, addr, link.tag, true)
                .ok_or(ENOMEM)
                .map(Some),
            Learn::Move => {
                if let Some(e) = known {
                    e.set_link(link.tag);
                    e.set_age(0);
                }
                Ok(known)
            }
            Learn::Loop => {
                self.loop_detected(link);
                Err(ELOOP)
            }
        }
    }

    /// A host moved to `link` faster than `minStableAge`: mute the link,
    /// count it, and have its hosts forgotten.
    fn loop_detected(&self, link: &Link) {
        if link.muted.swap(
            self.loop_timeout.load(Ordering::Relaxed).max(1),
            Ordering::Relaxed,
        ) == 0
        {
            link.stats.add(bl::LOOP_DETECTS, 1);
            if self.debug_level.load(Ordering::Relaxed) >= 2 {
                pr_info!("bridge: loop detected, muting a link\n");
            }
        }
        // The next tick (within a second) forgets its hosts.
        link.flush.store(true, Ordering::Relaxed);
    }
}
