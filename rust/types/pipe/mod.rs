// SPDX-License-Identifier: GPL-2.0

//! `pipe`: a link emulator (FreeBSD `ng_pipe`). Frames entering on `upper`
//! leave through `lower` (downstream) and the other way round (upstream);
//! each direction has a bandwidth queue (FIFO, DRR or WFQ, drop-head or
//! drop-tail), a transmitter at the configured rate, bit errors,
//! duplication and a propagation delay line. The engine is
//! [`crate::types::pipe::logic`]; this file holds it under a lock per direction
//! and drives it with a high-resolution timer per direction.

// Shared with the host tests (tests/host), where its items are public API.
#[allow(dead_code, unreachable_pub, missing_docs)]
pub(crate) mod logic;

use crate::ffi::errno::{DResult, EINVAL, ENOMEM, ENOTCONN};
use crate::ffi::netlink::{fail, NetRef, NlResult};
use crate::ffi::rcu;
use crate::ffi::rtnl::Rtnl;
use crate::ffi::sched::{new_spinlock_bh, now_ns, random_u64, SpinLockBh, Timer};
use crate::ffi::skb::{Skb, SkbList};
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::path::Name;
use crate::graph::{announce_link, Fwd, Hook, NewHook, Node, NodeImpl, TypeInfo};
use crate::types::pipe::logic::{Cfg, DirCfg, DirReq, Env, FrameQueue, Link, Req, Sched};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The `pipe` type (FreeBSD `NGM_PIPE_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "pipe",
    cookie: 200708191,
    ctor: Some(new),
    msgs: &MSGS,
};

/// FreeBSD `struct ng_pipe_hookcfg`.
const HOOKCFG: Kind = Kind::Struct(&[
    Field::new("bandwidth", Kind::U64),
    Field::new("BER", Kind::U64),
    Field::new("queuelen", Kind::U32),
    Field::new("delaylen", Kind::U32),
    Field::new("duplicate", Kind::U32),
    Field::new("fifo", Kind::U32),
    Field::new("drr", Kind::U32),
    Field::new("wfq", Kind::U32),
    Field::new("droptail", Kind::U32),
    Field::new("drophead", Kind::U32),
]);

/// FreeBSD `struct ng_pipe_cfg`.
const CFG: Kind = Kind::Struct(&[
    Field::new("bandwidth", Kind::U64),
    Field::new("delay", Kind::U64),
    Field::new("header_offset", Kind::U32),
    Field::new("overhead", Kind::U32),
    Field::new("downstream", HOOKCFG),
    Field::new("upstream", HOOKCFG),
]);

/// FreeBSD `struct ng_pipe_hookstat`.
const HOOKSTAT: Kind = Kind::Struct(&[
    Field::new("FwdOctets", Kind::U64),
    Field::new("FwdFrames", Kind::U64),
    Field::new("queueDropOctets", Kind::U64),
    Field::new("queueDropFrames", Kind::U64),
    Field::new("delayDropOctets", Kind::U64),
    Field::new("delayDropFrames", Kind::U64),
]);

const STATS: Kind = Kind::Struct(&[
    Field::new("downstream", HOOKSTAT),
    Field::new("upstream", HOOKSTAT),
]);

/// FreeBSD `struct ng_pipe_hookrun`.
const HOOKRUN: Kind = Kind::Struct(&[
    Field::new("queues", Kind::U32),
    Field::new("queuedOctets", Kind::U32),
    Field::new("queuedFrames", Kind::U32),
    Field::new("delayedOctets", Kind::U32),
    Field::new("delayedFrames", Kind::U32),
]);

const RUN: Kind = Kind::Struct(&[
    Field::new("downstream", HOOKRUN),
    Field::new("upstream", HOOKRUN),
]);

messages! {
    /// The pipe's messages (FreeBSD's `NGM_PIPE_*`).
    enum Msg {
        GetStats = MsgDesc::get("getstats", 1, Field::new("", STATS)),
        ClrStats = MsgDesc::set("clrstats", 2, None),
        GetClrStats = MsgDesc::get("getclrstats", 3, Field::new("", STATS)).writes(),
        GetRun = MsgDesc::get("getrun", 4, Field::new("", RUN)),
        GetCfg = MsgDesc::get("getcfg", 5, Field::new("", CFG)),
        SetCfg = MsgDesc::set("setcfg", 6, Some(Field::new("", CFG))),
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

/// Hook tags: the direction a frame entering there takes.
const UPPER: u32 = 0;
const LOWER: u32 = 1;

/// What the data path of one direction works with, under its lock.
struct DirState {
    link: Link<SkbList>,
    cfg: DirCfg,
    delay_ns: u64,
    overhead: u32,
    header_offset: u32,
    /// Nothing to emulate: frames go straight through.
    passthrough: bool,
    /// Present while the entry hook is connected.
    timer: Option<Timer<Node>>,
    /// When the timer is due to fire; `u64::MAX` when it is not armed.
    armed: u64,
}

/// One direction.
struct Dir {
    st: Pin<KBox<SpinLockBh<DirState>>>,
    fwd_frames: AtomicU64,
    fwd_octets: AtomicU64,
    /// Frames the next node refused (FreeBSD counts them as delay drops).
    refused_frames: AtomicU64,
    refused_octets: AtomicU64,
}

impl Dir {
    /// Frees what the direction holds and stops its timer (process
    /// context). Frames arriving later are refused until it is connected
    /// again.
    fn stop(&self) {
        let timer = {
            let mut s = self.st.lock();
            s.link.flush();
            s.armed = u64::MAX;
            s.timer.take()
        };
        // Cancelling waits for a running callback, which takes the lock:
        // never under it.
        drop(timer);
    }
}

struct Pipe {
    /// The configuration as `getcfg` reports it (control path).
    cfg: Pin<KBox<SpinLockBh<Cfg>>>,
    dirs: [Dir; 2],
}

fn new_dir(cfg: &Cfg, d: usize) -> NlResult<Dir> {
    let st = KBox::pin_init(
        new_spinlock_bh!(
            DirState {
                link: Link::default(),
                cfg: cfg.dirs[d],
                delay_ns: 0,
                overhead: 0,
                header_offset: 0,
                passthrough: true,
                timer: None,
                armed: u64::MAX,
            },
            "netgraph_pipe_dir"
        ),
        GFP_KERNEL,
    )
    .or_else(|_| fail(ENOMEM, "no memory for the pipe"))?;
    Ok(Dir {
        st,
        fwd_frames: AtomicU64::new(0),
        fwd_octets: AtomicU64::new(0),
        refused_frames: AtomicU64::new(0),
        refused_octets: AtomicU64::new(0),
    })
}

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    let cfg = Cfg::default();
    let lock = KBox::pin_init(new_spinlock_bh!(cfg, "netgraph_pipe_cfg"), GFP_KERNEL)
        .or_else(|_| fail(ENOMEM, "no memory for the pipe"))?;
    let p = Arc::new(
        Pipe {
            cfg: lock,
            dirs: [new_dir(&cfg, 0)?, new_dir(&cfg, 1)?],
        },
        GFP_KERNEL,
    )?;
    Ok(p)
}

/// Reads a `setcfg` argument (absent fields are 0: unchanged).
fn request(a: Option<Value<'_>>) -> Req {
    let u64f = |v: Option<Value<'_>>, i| v.and_then(|v| v.field(i)).map_or(0, |x| x.int() as u64);
    let u32f = |v: Option<Value<'_>>, i| v.and_then(|v| v.field(i)).map_or(0, |x| x.int() as u32);
    let dir = |i| {
        let v = a.and_then(|a| a.field(i));
        DirReq {
            bandwidth: u64f(v, 1),
            ber: u64f(v, 2),
            queuelen: u32f(v, 3),
            delaylen: u32f(v, 4),
            duplicate: u32f(v, 5),
            fifo: u32f(v, 6),
            drr: u32f(v, 7),
            wfq: u32f(v, 8),
            droptail: u32f(v, 9),
            drophead: u32f(v, 10),
        }
    };
    Req {
        bandwidth: u64f(a, 1),
        delay: u64f(a, 2),
        header_offset: u32f(a, 3),
        overhead: u32f(a, 4),
        dirs: [dir(5), dir(6)],
    }
}

/// Runs the link of `s` up to `now`: due frames go to `out`, and the timer
/// is armed for the next event.
fn step(s: &mut DirState, now: u64, out: &mut SkbList) {
    let mut rand = random_u64;
    let mut copy = |f: &Skb| f.clone_atomic();
    let mut env = Env {
        cfg: &s.cfg,
        delay_ns: s.delay_ns,
        overhead: s.overhead,
        rand: &mut rand,
        copy: &mut copy,
    };
    s.link.service(now, &mut env, &mut |f| out.push_back(f));
    if let (Some(t), Some(timer)) = (s.link.next_event(), &s.timer) {
        if t < s.armed {
            timer.arm(t);
            s.armed = t;
        }
    }
}

/// The hook frames of direction `d` leave through (`lower` downstream).
fn exit_hook<'g: 'n, 'n>(fwd: &Fwd<'g>, node: &'n Node, d: usize) -> Option<&'n Hook> {
    let exit = if d == 0 { LOWER } else { UPPER };
    fwd.hooks(node).iter().find(|h| h.tag == exit).map(|h| &**h)
}

fn clamp32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Pipe {
    /// Sends the frames of direction `d` that are due out of its exit hook.
    fn deliver(&self, fwd: &mut Fwd<'_>, node: &Node, d: usize, mut out: SkbList) {
        let hook = exit_hook(fwd, node, d);
        let dir = &self.dirs[d];
        while let Some(f) = out.pop_front() {
            // Failures are counted; the frames' senders are long gone.
            let _ = self.send(fwd, dir, hook, f);
        }
    }

    fn send(&self, fwd: &mut Fwd<'_>, dir: &Dir, hook: Option<&Hook>, f: Skb) -> DResult {
        let len = f.len() as u64;
        let r = match hook {
            Some(h) => fwd.send(h, f),
            None => {
                drop(f);
                Err(ENOTCONN)
            }
        };
        let (frames, octets) = match r {
            Ok(()) => (&dir.fwd_frames, &dir.fwd_octets),
            Err(_) => (&dir.refused_frames, &dir.refused_octets),
        };
        frames.fetch_add(1, Ordering::Relaxed);
        octets.fetch_add(len, Ordering::Relaxed);
        r
    }

    /// Gives both directions the configuration `c`.
    fn publish(&self, c: &Cfg) {
        for (d, dir) in self.dirs.iter().enumerate() {
            let mut s = dir.st.lock();
            s.cfg = c.dirs[d];
            s.delay_ns = c.delay_us * 1000;
            s.overhead = c.overhead;
            s.header_offset = c.header_offset;
            s.passthrough = c.passthrough(d);
        }
    }

    fn put_stats(&self, o: &mut Out<'_>) -> DResult {
        for (d, dir) in self.dirs.iter().enumerate() {
            let drops = dir.st.lock().link.drops;
            let ld = |a: &AtomicU64| a.load(Ordering::Relaxed);
            o.nest(d as u32 + 1, |o| {
                o.u64(1, ld(&dir.fwd_octets))?;
                o.u64(2, ld(&dir.fwd_frames))?;
                o.u64(3, drops.queue_octets)?;
                o.u64(4, drops.queue_frames)?;
                o.u64(5, drops.delay_octets + ld(&dir.refused_octets))?;
                o.u64(6, drops.delay_frames + ld(&dir.refused_frames))
            })?;
        }
        Ok(())
    }

    fn clear_stats(&self) {
        for dir in &self.dirs {
            dir.st.lock().link.drops = Default::default();
            for c in [
                &dir.fwd_frames,
                &dir.fwd_octets,
                &dir.refused_frames,
                &dir.refused_octets,
            ] {
                c.store(0, Ordering::Relaxed);
            }
        }
    }

    fn put_run(&self, o: &mut Out<'_>) -> DResult {
        for (d, dir) in self.dirs.iter().enumerate() {
            let r = dir.st.lock().link.run();
            o.nest(d as u32 + 1, |o| {
                o.u32(1, r.queues)?;
                o.u32(2, clamp32(r.queued_octets))?;
                o.u32(3, r.queued_frames)?;
                o.u32(4, clamp32(r.delayed_octets))?;
                o.u32(5, r.delayed_frames)
            })?;
        }
        Ok(())
    }

    fn put_cfg(&self, o: &mut Out<'_>) -> DResult {
        let v = self.cfg.lock().view();
        o.u64(1, v.bandwidth)?;
        o.u64(2, v.delay)?;
        o.u32(3, v.header_offset)?;
        o.u32(4, v.overhead)?;
        for (d, h) in v.dirs.iter().enumerate() {
            o.nest(d as u32 + 5, |o| {
                o.u64(1, h.bandwidth)?;
                o.u64(2, h.ber)?;
                o.u32(3, h.queuelen)?;
                o.u32(4, h.delaylen)?;
                o.u32(5, h.duplicate)?;
                o.u32(6, h.fifo)?;
                o.u32(7, h.drr)?;
                o.u32(8, h.wfq)?;
                o.u32(9, h.droptail)?;
                o.u32(10, h.drophead)
            })?;
        }
        Ok(())
    }
}

impl NodeImpl for Pipe {
    fn newhook(&self, name: &[u8], _taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        let tag = match name {
            b"upper" => UPPER,
            b"lower" => LOWER,
            _ => return fail(EINVAL, "pipe hooks are upper and lower"),
        };
        match Name::new(name) {
            Some(name) => Ok(NewHook { name, tag }),
            None => fail(EINVAL, "bad hook name"),
        }
    }

    /// FreeBSD: connecting a hook resets its direction to the defaults.
    fn connected(&self, _rtnl: &Rtnl, node: &Arc<Node>, hook: &Hook) -> NlResult {
        let d = hook.tag as usize;
        let Some(timer) = Timer::new(node, hook.tag) else {
            return fail(ENOMEM, "no memory for the pipe's timer");
        };
        let c = {
            let mut c = self.cfg.lock();
            c.dirs[d] = DirCfg::DEFAULT;
            *c
        };
        self.publish(&c);
        let mut s = self.dirs[d].st.lock();
        s.timer = Some(timer);
        s.armed = u64::MAX;
        Ok(())
    }

    /// FreeBSD: the direction's queued frames go with the hook. The node
    /// stays (as FreeBSD's code does; its manual says otherwise).
    fn disconnect(&self, _rtnl: &Rtnl, _node: &Arc<Node>, hook: &Hook, _left: usize) -> bool {
        if let Some(dir) = self.dirs.get(hook.tag as usize) {
            dir.stop();
        }
        false
    }

    fn shutdown(&self, _rtnl: &Rtnl, _node: &Arc<Node>) {
        for dir in &self.dirs {
            dir.stop();
        }
    }

    fn reads_without_rtnl(&self) -> bool {
        true
    }

    fn rcvmsg_ro(
        &self,
        _node: &Arc<Node>,
        msg: &'static MsgDesc,
        _args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult {
        match Msg::of(msg) {
            Some(Msg::GetStats) => Ok(out.nest(1, |o| self.put_stats(o))?),
            Some(Msg::GetRun) => Ok(out.nest(1, |o| self.put_run(o))?),
            Some(Msg::GetCfg) => Ok(out.nest(1, |o| self.put_cfg(o))?),
            Some(Msg::ClrStats | Msg::GetClrStats | Msg::SetCfg) => {
                fail(EINVAL, "this message changes the pipe")
            }
            None => fail(EINVAL, "unknown message for pipe"),
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
            return fail(EINVAL, "unknown message for pipe");
        };
        match m {
            Msg::ClrStats | Msg::GetClrStats => {
                if m == Msg::GetClrStats {
                    out.nest(1, |o| self.put_stats(o))?;
                }
                self.clear_stats();
            }
            Msg::SetCfg => {
                let req = request(args);
                let (was_down, c) = {
                    let mut cur = self.cfg.lock();
                    let new = match cur.apply(&req) {
                        Ok(c) => c,
                        Err(why) => return fail(EINVAL, why),
                    };
                    let was = cur.link_down();
                    *cur = new;
                    (was, new)
                };
                self.publish(&c);
                if was_down != c.link_down() {
                    announce_link(rtnl, node, !c.link_down());
                }
            }
            Msg::GetStats | Msg::GetRun | Msg::GetCfg => self.rcvmsg_ro(node, msg, args, out)?,
        }
        Ok(After::Keep)
    }

    fn rcvdata(&self, fwd: &mut Fwd<'_>, node: &Node, hook: &Hook, mut skb: Skb) -> DResult {
        let d = hook.tag as usize;
        let Some(dir) = self.dirs.get(d) else {
            drop(skb);
            return Err(EINVAL);
        };
        let mut out = SkbList::default();
        {
            let mut g = dir.st.lock();
            let s = &mut *g;
            if s.timer.is_none() {
                // The hook is being disconnected.
                drop(g);
                drop(skb);
                return Err(ENOTCONN);
            }
            if s.passthrough && s.link.idle() {
                drop(g);
                return self.send(fwd, dir, exit_hook(fwd, node, d), skb);
            }
            let flow = match s.cfg.sched {
                Sched::Fifo => 0,
                _ => {
                    let mut head = [0u8; 104];
                    let n = skb.copy_prefix(&mut head);
                    crate::types::pipe::logic::flow_of(&head[..n], s.header_offset as usize)
                }
            };
            skb.park();
            let now = now_ns();
            s.link.enqueue(skb, flow, now, &s.cfg);
            step(s, now, &mut out);
        }
        self.deliver(fwd, node, d, out);
        Ok(())
    }

    fn timer(&self, node: &Node, which: u32) {
        let Some(dir) = self.dirs.get(which as usize) else {
            return;
        };
        let mut out = SkbList::default();
        {
            let mut g = dir.st.lock();
            let s = &mut *g;
            s.armed = u64::MAX;
            if s.timer.is_none() {
                return;
            }
            step(s, now_ns(), &mut out);
        }
        if out.front().is_none() {
            return;
        }
        let g = rcu::read_lock();
        Fwd::run(&g, |fwd| self.deliver(fwd, node, which as usize, out));
    }
}
