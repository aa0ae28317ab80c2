// SPDX-License-Identifier: GPL-2.0

//! Pure logic of the `pipe` node type (no kernel dependencies), shared with
//! the host tests: configuration and FreeBSD's `setcfg` rules, and the
//! per-direction link engine (bandwidth queue with FIFO, DRR or WFQ
//! scheduling, serialisation at the configured rate, bit errors,
//! duplication, propagation delay). The engine is generic over its frame
//! queues, so the host tests drive it with simulated time and fake frames
//! and the module with socket buffers and high-resolution timers.

/// Sub-queues of the bandwidth queue in DRR/WFQ mode (flows are hashed
/// onto them).
pub const NQ: usize = 32;
/// FreeBSD's default `queuelen`.
pub const DEFAULT_QUEUELEN: u32 = 50;
/// FreeBSD's DRR quantum for `drr=1`.
pub const DRR_QUANTUM: u32 = 2048;
/// Lowest accepted bandwidth (bit/s), as in FreeBSD.
pub const MIN_BANDWIDTH: u64 = 100;
/// Highest accepted bandwidth: 1 Tbit/s (FreeBSD: 1 Gbit/s).
pub const MAX_BANDWIDTH: u64 = 1_000_000_000_000;
/// Longest accepted delay: one hour in µs (FreeBSD: just under 10 s).
pub const MAX_DELAY_US: u64 = 3_600_000_000;
/// Highest accepted `overhead` (bytes), as in FreeBSD.
pub const MAX_OVERHEAD: u32 = 255;
/// Highest accepted `header_offset`, as in FreeBSD.
pub const MAX_HEADER_OFFSET: u32 = 63;
/// Smallest accepted `queuelen` / `delaylen`, as in FreeBSD.
pub const MIN_QUEUE: u32 = 5;
/// Highest accepted `duplicate` (percent), as in FreeBSD.
pub const MAX_DUPLICATE: u32 = 50;
/// Memory (frame truesize) one direction may hold queued and delayed,
/// whatever the limits say; beyond it frames are dropped and counted.
pub const MAX_HELD_BYTES: u64 = 128 << 20;

/// "Set to zero" in a `setcfg` field (FreeBSD's −1).
const ZERO64: u64 = u64::MAX;
const ZERO32: u32 = u32::MAX;

/// How the bandwidth queue picks the next frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sched {
    /// One queue, first in first out.
    Fifo,
    /// Deficit round robin over the flows with this quantum (bytes).
    Drr(u32),
    /// Weighted (here: equal-weight) fair queueing over the flows.
    Wfq,
}

/// The configuration of one direction (FreeBSD `struct ng_pipe_hookcfg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirCfg {
    /// Bit/s; 0 = unlimited.
    pub bandwidth: u64,
    /// One bit in `ber` is wrong (1 = every frame lost); 0 = none.
    pub ber: u64,
    /// Most frames in the bandwidth queue (`queuelen`); 0 = no limit.
    pub queuelen: u32,
    /// Most frames in the delay line (`delaylen`); 0 = no limit.
    pub delaylen: u32,
    /// Percent of frames duplicated.
    pub duplicate: u32,
    pub sched: Sched,
    /// Drop from the head (else the tail) of the longest queue.
    pub drophead: bool,
}

impl DirCfg {
    /// What connecting a hook sets (FreeBSD).
    pub const DEFAULT: DirCfg = DirCfg {
        bandwidth: 0,
        ber: 0,
        queuelen: DEFAULT_QUEUELEN,
        delaylen: 0,
        duplicate: 0,
        sched: Sched::Fifo,
        drophead: false,
    };
}

/// The whole configuration (FreeBSD `struct ng_pipe_cfg`). Direction 0 is
/// downstream (`upper` to `lower`), 1 upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cfg {
    /// Propagation delay, µs.
    pub delay_us: u64,
    /// Bytes added to every frame for the bandwidth and BER maths.
    pub overhead: u32,
    /// Where the IP header starts in a frame (flow hashing).
    pub header_offset: u32,
    pub dirs: [DirCfg; 2],
}

impl Default for Cfg {
    fn default() -> Self {
        Cfg {
            delay_us: 0,
            overhead: 0,
            header_offset: 0,
            dirs: [DirCfg::DEFAULT; 2],
        }
    }
}

/// A `setcfg` request for one direction, field for field as FreeBSD's
/// structure: 0 leaves a value unchanged, all ones (−1) sets it to zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirReq {
    pub bandwidth: u64,
    pub ber: u64,
    pub queuelen: u32,
    pub delaylen: u32,
    pub duplicate: u32,
    pub fifo: u32,
    pub drr: u32,
    pub wfq: u32,
    pub droptail: u32,
    pub drophead: u32,
}

/// A `setcfg` request (see [`DirReq`] for the rule).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Req {
    pub bandwidth: u64,
    pub delay: u64,
    pub header_offset: u32,
    pub overhead: u32,
    pub dirs: [DirReq; 2],
}

/// `getcfg`'s view of one direction (FreeBSD field values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirView {
    pub bandwidth: u64,
    pub ber: u64,
    pub queuelen: u32,
    pub delaylen: u32,
    pub duplicate: u32,
    pub fifo: u32,
    pub drr: u32,
    pub wfq: u32,
    pub droptail: u32,
    pub drophead: u32,
}

/// `getcfg`'s reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub bandwidth: u64,
    pub delay: u64,
    pub header_offset: u32,
    pub overhead: u32,
    pub dirs: [DirView; 2],
}

fn range64(v: u64, min: u64, max: u64, what: &'static str) -> Result<Option<u64>, &'static str> {
    match v {
        0 => Ok(None),
        ZERO64 => Ok(Some(0)),
        v if (min..=max).contains(&v) => Ok(Some(v)),
        _ => Err(what),
    }
}

fn range32(v: u32, min: u32, max: u32, what: &'static str) -> Result<Option<u32>, &'static str> {
    range64(v as u64, min as u64, max as u64, what).map(|o| o.map(|x| x as u32))
}

fn range32z(v: u32, min: u32, max: u32, what: &'static str) -> Result<Option<u32>, &'static str> {
    if v == ZERO32 {
        return Ok(Some(0));
    }
    range32(v, min, max, what)
}

/// The refusal texts of a direction's fields (static: they go into the
/// extended ACK).
macro_rules! dir_refusals {
    ($d:literal) => {
        [
            concat!(
                $d,
                " bandwidth must be 100..1000000000000 bit/s (-1 clears)"
            ),
            concat!($d, " BER must be at least 1 (-1 clears)"),
            concat!($d, " queuelen must be at least 5 (-1 clears)"),
            concat!($d, " delaylen must be at least 5 (-1 clears)"),
            concat!($d, " duplicate must be 1..50 percent (-1 clears)"),
        ]
    };
}

fn dir_names(d: usize) -> [&'static str; 5] {
    if d == 0 {
        dir_refusals!("downstream")
    } else {
        dir_refusals!("upstream")
    }
}

fn apply_dir(c: &mut DirCfg, r: &DirReq, d: usize) -> Result<(), &'static str> {
    let n = dir_names(d);
    let bw = range64(r.bandwidth, MIN_BANDWIDTH, MAX_BANDWIDTH, n[0])?;
    let ber = range64(r.ber, 1, u64::MAX - 1, n[1])?;
    let ql = range32z(r.queuelen, MIN_QUEUE, u32::MAX - 1, n[2])?;
    let dl = range32z(r.delaylen, MIN_QUEUE, u32::MAX - 1, n[3])?;
    let dup = range32z(r.duplicate, 1, MAX_DUPLICATE, n[4])?;
    if let Some(v) = ber {
        c.ber = v;
    }
    if let Some(v) = ql {
        c.queuelen = v;
    }
    if let Some(v) = dl {
        c.delaylen = v;
    }
    if let Some(v) = dup {
        c.duplicate = v;
    }
    // Mode flags: setting one clears the others of its group (FreeBSD
    // order: fifo, wfq, drr; droptail, drophead).
    if r.fifo != 0 {
        c.sched = Sched::Fifo;
    }
    if r.wfq != 0 {
        c.sched = Sched::Wfq;
    }
    if r.drr != 0 {
        c.sched = Sched::Drr(if r.drr >= 32 { r.drr } else { DRR_QUANTUM });
    }
    if r.droptail != 0 {
        c.drophead = false;
    }
    if r.drophead != 0 {
        c.drophead = true;
    }
    match bw {
        Some(0) => {
            // FreeBSD: clearing the bandwidth also returns to FIFO.
            c.bandwidth = 0;
            c.sched = Sched::Fifo;
        }
        Some(v) => c.bandwidth = v,
        None => {}
    }
    Ok(())
}

impl Cfg {
    /// The configuration after `setcfg` with `r`, or why `r` is refused.
    /// Nothing changes unless every given value is in range (FreeBSD
    /// ignores out-of-range values one by one, silently).
    pub fn apply(&self, r: &Req) -> Result<Cfg, &'static str> {
        let mut c = *self;
        let delay = range64(
            r.delay,
            1,
            MAX_DELAY_US,
            "delay must be 1..3600000000 us (-1 clears)",
        )?;
        let bw = range64(
            r.bandwidth,
            MIN_BANDWIDTH,
            MAX_BANDWIDTH,
            "bandwidth must be 100..1000000000000 bit/s (-1 clears)",
        )?;
        let oh = range32z(
            r.overhead,
            1,
            MAX_OVERHEAD,
            "overhead must be 1..255 bytes (-1 clears)",
        )?;
        let ho = range32z(
            r.header_offset,
            1,
            MAX_HEADER_OFFSET,
            "header_offset must be 1..63 (-1 clears)",
        )?;
        if let Some(v) = delay {
            c.delay_us = v;
        }
        match bw {
            Some(0) => {
                c.dirs[0].bandwidth = 0;
                c.dirs[1].bandwidth = 0;
                c.overhead = 0;
            }
            Some(v) => {
                c.dirs[0].bandwidth = v;
                c.dirs[1].bandwidth = v;
                // Ethernet: preamble 8 + FCS 4 + gap 12; slower: HDLC.
                c.overhead = if v >= 10_000_000 { 24 } else { 10 };
            }
            None => {}
        }
        if let Some(v) = oh {
            c.overhead = v;
        }
        if let Some(v) = ho {
            c.header_offset = v;
        }
        for d in 0..2 {
            apply_dir(&mut c.dirs[d], &r.dirs[d], d)?;
        }
        Ok(c)
    }

    /// Whether the link is down: every frame is lost in some direction.
    pub fn link_down(&self) -> bool {
        self.dirs.iter().any(|d| d.ber == 1)
    }

    /// Whether direction `d` forwards frames at once (nothing to emulate).
    pub fn passthrough(&self, d: usize) -> bool {
        let c = &self.dirs[d];
        c.bandwidth == 0 && self.delay_us == 0 && c.duplicate == 0 && c.ber == 0
    }

    /// The values `getcfg` reports (FreeBSD: a bandwidth common to both
    /// directions is reported at the top and as 0 in each direction).
    pub fn view(&self) -> View {
        let same = self.dirs[0].bandwidth == self.dirs[1].bandwidth;
        let dir = |c: &DirCfg| DirView {
            bandwidth: if same { 0 } else { c.bandwidth },
            ber: c.ber,
            queuelen: c.queuelen,
            delaylen: c.delaylen,
            duplicate: c.duplicate,
            fifo: (c.sched == Sched::Fifo) as u32,
            drr: match c.sched {
                Sched::Drr(q) => q,
                _ => 0,
            },
            wfq: (c.sched == Sched::Wfq) as u32,
            droptail: (!c.drophead) as u32,
            drophead: c.drophead as u32,
        };
        View {
            bandwidth: if same { self.dirs[0].bandwidth } else { 0 },
            delay: self.delay_us,
            header_offset: self.header_offset,
            overhead: self.overhead,
            dirs: [dir(&self.dirs[0]), dir(&self.dirs[1])],
        }
    }
}

/// The high 64 bits of `a * b` (Q0.64 fixed-point product).
fn mulhi(a: u64, b: u64) -> u64 {
    let (a1, a0) = (a >> 32, a & 0xffff_ffff);
    let (b1, b0) = (b >> 32, b & 0xffff_ffff);
    let lo = a0 * b0;
    let m1 = a1 * b0;
    let m2 = a0 * b1;
    let mid = (lo >> 32) + (m1 & 0xffff_ffff) + (m2 & 0xffff_ffff);
    a1 * b1 + (m1 >> 32) + (m2 >> 32) + (mid >> 32)
}

/// The probability that `bits` bits all pass a channel with bit error
/// rate 1/`ber`, in Q0.64 (`u64::MAX` ≈ 1): (1 − 1/ber)^bits.
pub fn survival(ber: u64, bits: u64) -> u64 {
    if ber == 0 {
        return u64::MAX;
    }
    let mut base = u64::MAX - u64::MAX / ber;
    let mut acc = u64::MAX;
    let mut n = bits;
    while n != 0 && acc != 0 {
        if n & 1 != 0 {
            acc = mulhi(acc, base);
        }
        base = mulhi(base, base);
        n >>= 1;
    }
    acc
}

/// Nanoseconds to serialise `bits` at `bw` bit/s; `rem` carries the
/// fraction from frame to frame, so the long-run rate is exact.
pub fn serialise_ns(bits: u64, bw: u64, rem: &mut u64) -> u64 {
    if bw == 0 {
        return 0;
    }
    let num = bits * 1_000_000_000 + *rem;
    *rem = num % bw;
    num / bw
}

/// The flow (sub-queue) of a frame whose first bytes are `head`: a hash
/// of the IPv4 or IPv6 source and destination found at `off`; 0 for
/// anything else.
pub fn flow_of(head: &[u8], off: usize) -> usize {
    let ip = match head.get(off..) {
        Some(ip) if !ip.is_empty() => ip,
        _ => return 0,
    };
    let addrs = match ip[0] >> 4 {
        4 if ip.len() >= 20 => &ip[12..20],
        6 if ip.len() >= 40 => &ip[8..40],
        _ => return 0,
    };
    // FNV-1a, folded.
    let mut h: u32 = 0x811c_9dc5;
    for &b in addrs {
        h = (h ^ b as u32).wrapping_mul(0x0100_0193);
    }
    ((h ^ (h >> 16)) as usize) % NQ
}

/// A frame as the engine sees it.
pub trait Frame {
    /// Length in bytes.
    fn len(&self) -> u32;
    /// Memory it holds (for [`MAX_HELD_BYTES`]).
    fn truesize(&self) -> u32;
    /// When it leaves the delay line (ns), stored in the frame.
    fn due(&self) -> u64;
    fn set_due(&mut self, t: u64);
}

/// A FIFO of frames.
pub trait FrameQueue: Default {
    type F: Frame;
    fn push_back(&mut self, f: Self::F);
    fn pop_front(&mut self) -> Option<Self::F>;
    fn pop_back(&mut self) -> Option<Self::F>;
    fn front(&self) -> Option<&Self::F>;
}

/// A queue with its counts.
struct Counted<Q> {
    q: Q,
    frames: u32,
    octets: u64,
}

impl<Q: FrameQueue> Counted<Q> {
    fn new() -> Self {
        Self {
            q: Q::default(),
            frames: 0,
            octets: 0,
        }
    }

    fn push(&mut self, f: Q::F) {
        self.frames += 1;
        self.octets += f.len() as u64;
        self.q.push_back(f);
    }

    fn took(&mut self, f: Option<Q::F>) -> Option<Q::F> {
        if let Some(f) = &f {
            self.frames -= 1;
            self.octets -= f.len() as u64;
        }
        f
    }

    fn pop(&mut self) -> Option<Q::F> {
        let f = self.q.pop_front();
        self.took(f)
    }

    fn pop_back(&mut self) -> Option<Q::F> {
        let f = self.q.pop_back();
        self.took(f)
    }

    fn front_len(&self) -> u32 {
        self.q.front().map_or(0, |f| f.len())
    }
}

/// Drops and deliveries of one direction (FreeBSD `struct ng_pipe_hookstat`
/// without the forwarding counters, which the caller keeps).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drops {
    /// Dropped at the bandwidth queue limit (`queueDrop*`).
    pub queue_frames: u64,
    pub queue_octets: u64,
    /// Lost to bit errors or the delay line limit (`delayDrop*`).
    pub delay_frames: u64,
    pub delay_octets: u64,
}

/// Runtime figures (FreeBSD `struct ng_pipe_hookrun`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub queues: u32,
    pub queued_octets: u64,
    pub queued_frames: u32,
    pub delayed_octets: u64,
    pub delayed_frames: u32,
}

/// What a direction's link needs from its surroundings for one step.
pub struct Env<'a, F> {
    pub cfg: &'a DirCfg,
    pub delay_ns: u64,
    pub overhead: u32,
    /// Uniform random numbers.
    pub rand: &'a mut dyn FnMut() -> u64,
    /// A copy of a frame (duplication); `None` when memory is short.
    pub copy: &'a mut dyn FnMut(&F) -> Option<F>,
}

/// One direction of a pipe: bandwidth queue, transmitter, delay line.
pub struct Link<Q: FrameQueue> {
    subq: [Counted<Q>; NQ],
    /// Non-empty sub-queues, one bit each.
    mask: u64,
    /// DRR: the sub-queue being visited, whether it got its quantum.
    cur: usize,
    visiting: bool,
    deficit: [u32; NQ],
    /// WFQ: finish tag of each sub-queue's head frame, and virtual time.
    tag: [u64; NQ],
    vtime: u64,
    delayq: Counted<Q>,
    held: u64,
    /// When the transmitter is free (ns) and the fraction carried over.
    busy_until: u64,
    rem: u64,
    pub drops: Drops,
}

impl<Q: FrameQueue> Default for Link<Q> {
    fn default() -> Self {
        Self {
            subq: core::array::from_fn(|_| Counted::new()),
            mask: 0,
            cur: 0,
            visiting: false,
            deficit: [0; NQ],
            tag: [0; NQ],
            vtime: 0,
            delayq: Counted::new(),
            held: 0,
            busy_until: 0,
            rem: 0,
            drops: Drops::default(),
        }
    }
}

fn next_set(mask: u64, from: usize) -> usize {
    // NQ divides 64: a wrapped-around bit lands on its own index.
    let rot = mask.rotate_right(from as u32);
    (from + rot.trailing_zeros() as usize) % NQ
}

impl<Q: FrameQueue> Link<Q> {
    /// Frames waiting for the transmitter.
    pub fn queued(&self) -> u32 {
        self.subq.iter().map(|s| s.frames).sum()
    }

    /// Whether nothing is queued or delayed.
    pub fn idle(&self) -> bool {
        self.mask == 0 && self.delayq.frames == 0
    }

    pub fn run(&self) -> Run {
        Run {
            queues: self.mask.count_ones(),
            queued_octets: self.subq.iter().map(|s| s.octets).sum(),
            queued_frames: self.queued(),
            delayed_octets: self.delayq.octets,
            delayed_frames: self.delayq.frames,
        }
    }

    fn queue_drop(&mut self, f: Q::F) {
        self.drops.queue_frames += 1;
        self.drops.queue_octets += f.len() as u64;
        self.held -= f.truesize() as u64;
    }

    fn delay_drop(&mut self, f: &Q::F) {
        self.drops.delay_frames += 1;
        self.drops.delay_octets += f.len() as u64;
    }

    /// A frame of flow `flow` arrives at `now` (ns). It may be dropped
    /// (counted) at the queue limit, or another frame in its place.
    pub fn enqueue(&mut self, f: Q::F, flow: usize, now: u64, cfg: &DirCfg) {
        let ts = f.truesize() as u64;
        if self.held + ts > MAX_HELD_BYTES {
            self.held += ts;
            self.queue_drop(f);
            return;
        }
        self.held += ts;
        let q = match cfg.sched {
            Sched::Fifo => 0,
            _ => flow % NQ,
        };
        if self.mask == 0 && self.busy_until < now {
            // The transmitter was idle: it starts on this frame now.
            self.busy_until = now;
        }
        if self.mask & (1 << q) == 0 {
            self.mask |= 1 << q;
            let start = self.vtime.max(self.tag[q]);
            self.tag[q] = start + f.len() as u64;
        }
        self.subq[q].push(f);
        if cfg.queuelen != 0 && self.queued() > cfg.queuelen {
            // FreeBSD: drop from the longest sub-queue.
            let mut l = q;
            for i in 0..NQ {
                if self.subq[i].frames > self.subq[l].frames {
                    l = i;
                }
            }
            let victim = if cfg.drophead {
                let v = self.subq[l].pop();
                if self.subq[l].frames != 0 {
                    self.tag[l] = self.vtime.max(self.tag[l]) + self.subq[l].front_len() as u64;
                }
                v
            } else {
                self.subq[l].pop_back()
            };
            if self.subq[l].frames == 0 {
                self.emptied(l);
            }
            if let Some(v) = victim {
                self.queue_drop(v);
            }
        }
    }

    fn emptied(&mut self, q: usize) {
        self.mask &= !(1 << q);
        self.deficit[q] = 0;
        if self.cur == q {
            self.visiting = false;
        }
    }

    /// The sub-queue to serve next (some is non-empty).
    fn pick(&mut self, sched: Sched) -> usize {
        match sched {
            Sched::Fifo => next_set(self.mask, 0),
            Sched::Wfq => {
                let mut best = next_set(self.mask, 0);
                let mut m = self.mask;
                while m != 0 {
                    let i = m.trailing_zeros() as usize;
                    if self.tag[i] < self.tag[best] {
                        best = i;
                    }
                    m &= m - 1;
                }
                best
            }
            Sched::Drr(quantum) => loop {
                if self.mask & (1 << self.cur) == 0 {
                    self.cur = next_set(self.mask, self.cur);
                    self.visiting = false;
                }
                let c = self.cur;
                if !self.visiting {
                    self.deficit[c] = self.deficit[c].saturating_add(quantum);
                    self.visiting = true;
                }
                let len = self.subq[c].front_len();
                if len <= self.deficit[c] {
                    self.deficit[c] -= len;
                    return c;
                }
                self.visiting = false;
                self.cur = next_set(self.mask, (c + 1) % NQ);
            },
        }
    }

    /// Takes the head frame off sub-queue `q` (chosen by `pick`).
    fn take(&mut self, q: usize, sched: Sched) -> Option<Q::F> {
        let f = self.subq[q].pop()?;
        self.vtime = self.tag[q];
        if self.subq[q].frames == 0 {
            self.emptied(q);
            if matches!(sched, Sched::Drr(_)) {
                self.cur = (q + 1) % NQ;
            }
        } else {
            self.tag[q] += self.subq[q].front_len() as u64;
        }
        Some(f)
    }

    /// Runs the link up to `now`: frames whose turn has come are
    /// serialised, lose bits, are duplicated and enter the delay line;
    /// frames due leave through `out`.
    pub fn service(&mut self, now: u64, env: &mut Env<'_, Q::F>, out: &mut dyn FnMut(Q::F)) {
        let cfg = env.cfg;
        while self.mask != 0 && self.busy_until <= now {
            let q = self.pick(cfg.sched);
            // Duplication: a copy goes, the original stays for its turn;
            // without memory for the copy the original goes.
            let dup = cfg.duplicate != 0 && (env.rand)() % 100 < cfg.duplicate as u64;
            let copy = if dup {
                self.subq[q].q.front().and_then(|f| (env.copy)(f))
            } else {
                None
            };
            let f = match copy {
                Some(c) => {
                    self.held += c.truesize() as u64;
                    Some(c)
                }
                None => self.take(q, cfg.sched),
            };
            let Some(mut f) = f else { break };
            let bits = (f.len() as u64 + env.overhead as u64) * 8;
            self.busy_until += serialise_ns(bits, cfg.bandwidth, &mut self.rem);
            let lost = cfg.ber != 0 && (env.rand)() >= survival(cfg.ber, bits);
            let full = cfg.delaylen != 0 && self.delayq.frames >= cfg.delaylen;
            if lost || full {
                self.delay_drop(&f);
                self.held -= f.truesize() as u64;
                continue;
            }
            // The line keeps order: a frame never overtakes the one ahead
            // (a smaller delay applies once the line has drained).
            f.set_due(self.busy_until + env.delay_ns);
            self.delayq.push(f);
        }
        if self.mask == 0 {
            self.rem = 0;
        }
        while self.delayq.q.front().is_some_and(|f| f.due() <= now) {
            if let Some(f) = self.delayq.pop() {
                self.held -= f.truesize() as u64;
                out(f);
            }
        }
    }

    /// When `service` next has work (ns), if ever.
    pub fn next_event(&self) -> Option<u64> {
        let tx = (self.mask != 0).then_some(self.busy_until);
        let rx = self.delayq.q.front().map(|f| f.due());
        match (tx, rx) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Drops everything held (the hook is going).
    pub fn flush(&mut self) {
        for q in 0..NQ {
            while self.subq[q].pop().is_some() {}
        }
        while self.delayq.pop().is_some() {}
        self.mask = 0;
        self.held = 0;
        self.deficit = [0; NQ];
        self.visiting = false;
    }
}
