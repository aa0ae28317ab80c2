use crate::pipe_logic::*;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
struct Fr {
    id: u32,
    len: u32,
    due: u64,
}

impl Frame for Fr {
    fn len(&self) -> u32 {
        self.len
    }
    fn truesize(&self) -> u32 {
        self.len + 256
    }
    fn due(&self) -> u64 {
        self.due
    }
    fn set_due(&mut self, t: u64) {
        self.due = t;
    }
}

#[derive(Default)]
struct Fq(VecDeque<Fr>);

impl FrameQueue for Fq {
    type F = Fr;
    fn push_back(&mut self, f: Fr) {
        self.0.push_back(f)
    }
    fn pop_front(&mut self) -> Option<Fr> {
        self.0.pop_front()
    }
    fn pop_back(&mut self) -> Option<Fr> {
        self.0.pop_back()
    }
    fn front(&self) -> Option<&Fr> {
        self.0.front()
    }
}

/// xorshift64*: deterministic "random" numbers.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn fr(id: u32, len: u32) -> Fr {
    Fr { id, len, due: 0 }
}

/// Runs the link like the kernel does: service after every arrival and at
/// every event the link asks for. Returns (departure time, frame).
fn simulate(
    cfg: &DirCfg,
    delay_ns: u64,
    overhead: u32,
    arrivals: &[(u64, Fr, usize)],
    rng: &mut Rng,
) -> (Vec<(u64, Fr)>, Link<Fq>) {
    let mut link: Link<Fq> = Link::default();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let next_arrival = arrivals.get(i).map(|a| a.0);
        let now = match (next_arrival, link.next_event()) {
            (Some(a), Some(e)) => a.min(e),
            (Some(a), None) => a,
            (None, Some(e)) => e,
            (None, None) => break,
        };
        while i < arrivals.len() && arrivals[i].0 == now {
            link.enqueue(arrivals[i].1.clone(), arrivals[i].2, now, cfg);
            i += 1;
            run(&mut link, cfg, delay_ns, overhead, now, rng, &mut out);
        }
        run(&mut link, cfg, delay_ns, overhead, now, rng, &mut out);
    }
    (out, link)
}

fn run(
    link: &mut Link<Fq>,
    cfg: &DirCfg,
    delay_ns: u64,
    overhead: u32,
    now: u64,
    rng: &mut Rng,
    out: &mut Vec<(u64, Fr)>,
) {
    let mut rand = || rng.next();
    let mut copy = |f: &Fr| Some(f.clone());
    let mut env = Env {
        cfg,
        delay_ns,
        overhead,
        rand: &mut rand,
        copy: &mut copy,
    };
    link.service(now, &mut env, &mut |f| out.push((now, f)));
}

fn cfg_with(f: impl FnOnce(&mut DirCfg)) -> DirCfg {
    let mut c = DirCfg::DEFAULT;
    f(&mut c);
    c
}

#[test]
fn setcfg_follows_freebsd_rules() {
    let c = Cfg::default();
    assert!(c.passthrough(0) && c.passthrough(1));
    let v = c.view();
    assert_eq!(
        (v.dirs[0].queuelen, v.dirs[0].fifo, v.dirs[0].droptail),
        (50, 1, 1)
    );

    // Node bandwidth: both directions and the automatic overhead.
    let c = c
        .apply(&Req {
            bandwidth: 20_000_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (c.dirs[0].bandwidth, c.dirs[1].bandwidth, c.overhead),
        (20_000_000, 20_000_000, 24)
    );
    let v = c.view();
    assert_eq!(
        (v.bandwidth, v.dirs[0].bandwidth, v.dirs[1].bandwidth),
        (20_000_000, 0, 0)
    );
    let c = c
        .apply(&Req {
            bandwidth: 64_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(c.overhead, 10);
    // An explicit overhead wins over the automatic one.
    let c = c
        .apply(&Req {
            bandwidth: 1_000_000_000,
            overhead: 4,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(c.overhead, 4);

    // 0 leaves unchanged, -1 clears.
    let mut r = Req {
        delay: 1000,
        ..Default::default()
    };
    r.dirs[1].bandwidth = 500_000;
    r.dirs[1].duplicate = 2;
    r.dirs[1].drr = 1;
    let c = c.apply(&r).unwrap();
    assert_eq!(c.delay_us, 1000);
    assert_eq!(c.dirs[1].sched, Sched::Drr(DRR_QUANTUM));
    let v = c.view();
    assert_eq!(
        (v.bandwidth, v.dirs[0].bandwidth, v.dirs[1].bandwidth),
        (0, 1_000_000_000, 500_000)
    );
    assert_eq!(
        (v.dirs[1].drr, v.dirs[1].fifo, v.dirs[1].duplicate),
        (2048, 0, 2)
    );
    let c2 = c.apply(&Req::default()).unwrap();
    assert_eq!(c2, c);
    let mut r = Req {
        delay: u64::MAX,
        ..Default::default()
    };
    r.dirs[1].bandwidth = u64::MAX;
    r.dirs[1].duplicate = u32::MAX;
    let c = c.apply(&r).unwrap();
    assert_eq!(c.delay_us, 0);
    // Clearing the bandwidth goes back to FIFO (FreeBSD).
    assert_eq!(
        (c.dirs[1].bandwidth, c.dirs[1].sched, c.dirs[1].duplicate),
        (0, Sched::Fifo, 0)
    );

    // Mode groups are exclusive; a large drr value is the quantum.
    let mut r = Req::default();
    r.dirs[0].wfq = 1;
    r.dirs[0].drophead = 1;
    let c = c.apply(&r).unwrap();
    assert_eq!((c.dirs[0].sched, c.dirs[0].drophead), (Sched::Wfq, true));
    let mut r = Req::default();
    r.dirs[0].drr = 9000;
    r.dirs[0].droptail = 1;
    let c = c.apply(&r).unwrap();
    assert_eq!(
        (c.dirs[0].sched, c.dirs[0].drophead),
        (Sched::Drr(9000), false)
    );
    assert_eq!(c.view().dirs[0].drr, 9000);

    // Limits beyond FreeBSD's: 100 Gbit/s and 60 s are accepted.
    let c = c
        .apply(&Req {
            bandwidth: 100_000_000_000,
            delay: 60_000_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (c.dirs[0].bandwidth, c.delay_us),
        (100_000_000_000, 60_000_000)
    );
}

#[test]
fn setcfg_refuses_out_of_range_values_as_a_whole() {
    let c = Cfg::default();
    let bad: &[(Req, &str)] = &[
        (
            Req {
                bandwidth: 99,
                ..Default::default()
            },
            "bandwidth must be",
        ),
        (
            Req {
                bandwidth: MAX_BANDWIDTH + 1,
                ..Default::default()
            },
            "bandwidth must be",
        ),
        (
            Req {
                delay: MAX_DELAY_US + 1,
                ..Default::default()
            },
            "delay must be",
        ),
        (
            Req {
                overhead: 256,
                ..Default::default()
            },
            "overhead must be",
        ),
        (
            Req {
                header_offset: 64,
                ..Default::default()
            },
            "header_offset must be",
        ),
    ];
    for (r, msg) in bad {
        let e = c.apply(r).unwrap_err();
        assert!(e.starts_with(msg), "{e}");
    }
    let mut r = Req {
        delay: 5,
        ..Default::default()
    };
    r.dirs[1].queuelen = 4;
    assert!(c.apply(&r).unwrap_err().starts_with("upstream queuelen"));
    let mut r = Req::default();
    r.dirs[0].duplicate = 51;
    assert!(c.apply(&r).unwrap_err().starts_with("downstream duplicate"));
    let mut r = Req::default();
    r.dirs[0].delaylen = 3;
    assert!(c.apply(&r).unwrap_err().starts_with("downstream delaylen"));
}

#[test]
fn link_down_means_ber_one_somewhere() {
    let mut r = Req::default();
    r.dirs[0].ber = 1;
    let c = Cfg::default().apply(&r).unwrap();
    assert!(c.link_down());
    assert!(!c.passthrough(0) && c.passthrough(1));
    r.dirs[0].ber = u64::MAX;
    assert!(!c.apply(&r).unwrap().link_down());
}

#[test]
fn survival_is_the_per_bit_probability_to_the_power_of_the_bits() {
    assert_eq!(survival(0, 12_000), u64::MAX);
    assert_eq!(survival(1, 8), 0);
    for (ber, bits) in [
        (1_000_000u64, 12_192u64),
        (1000, 8 * 64),
        (1_000_000_000_000, 8 * 1500),
        (2, 3),
    ] {
        let want = (1.0 - 1.0 / ber as f64).powf(bits as f64);
        let got = survival(ber, bits) as f64 / u64::MAX as f64;
        assert!(
            (got - want).abs() < 1e-9,
            "ber {ber} bits {bits}: {got} vs {want}"
        );
    }
}

#[test]
fn serialisation_is_exact_over_many_frames() {
    let mut rem = 0;
    let total: u64 = (0..1000)
        .map(|_| serialise_ns(1524 * 8, 3_000_000, &mut rem))
        .sum();
    // 1000 * 12192 bits at 3 Mbit/s = 4.064 s, to the nanosecond.
    assert_eq!(total, 4_064_000_000);
    assert_eq!(serialise_ns(12_000, 0, &mut rem), 0);
    let mut rem = 0;
    assert_eq!(serialise_ns(1500 * 8, 100_000_000_000, &mut rem), 120);
}

#[test]
fn bandwidth_and_delay_set_each_departure() {
    // 8 Mbit/s, 1000-byte frames, no overhead: 1 ms each; 5 ms delay.
    let cfg = cfg_with(|c| {
        c.bandwidth = 8_000_000;
        c.queuelen = 0;
    });
    let arrivals: Vec<_> = (0..20).map(|i| (1_000, fr(i, 1000), 0)).collect();
    let (out, link) = simulate(&cfg, 5_000_000, 0, &arrivals, &mut Rng(1));
    assert_eq!(out.len(), 20);
    for (k, (t, f)) in out.iter().enumerate() {
        assert_eq!(f.id, k as u32);
        assert_eq!(*t, 1_000 + (k as u64 + 1) * 1_000_000 + 5_000_000);
    }
    assert!(link.idle());
    // A frame arriving on an idle link leaves after its own time only.
    let arrivals = [(0, fr(0, 1000), 0), (10_000_000, fr(1, 1000), 0)];
    let (out, _) = simulate(&cfg, 0, 24, &arrivals, &mut Rng(1));
    assert_eq!(out[1].0, 10_000_000 + 1_024_000);
}

#[test]
fn queue_limit_drops_exactly_the_excess() {
    let cfg = cfg_with(|c| {
        c.bandwidth = 1_000_000;
        c.queuelen = 10;
    });
    // 30 frames at once: one goes on the wire, 10 wait, 19 are dropped.
    let arrivals: Vec<_> = (0..30).map(|i| (0, fr(i, 100), 0)).collect();
    let (out, link) = simulate(&cfg, 0, 0, &arrivals, &mut Rng(1));
    assert_eq!(out.len(), 11);
    assert_eq!(link.drops.queue_frames, 19);
    assert_eq!(link.drops.queue_octets, 1900);
    // Tail drop keeps the oldest.
    assert_eq!(
        out.iter().map(|o| o.1.id).collect::<Vec<_>>(),
        (0..11).collect::<Vec<_>>()
    );
    // Head drop keeps the newest.
    let cfg = DirCfg {
        drophead: true,
        ..cfg
    };
    let (out, _) = simulate(&cfg, 0, 0, &arrivals, &mut Rng(1));
    let ids: Vec<_> = out.iter().map(|o| o.1.id).collect();
    assert_eq!(ids[0], 0);
    assert_eq!(&ids[1..], &(20..30).collect::<Vec<_>>()[..]);
}

#[test]
fn delay_line_limit_counts_as_delay_drop() {
    let cfg = cfg_with(|c| {
        c.delaylen = 5;
        c.queuelen = 0;
    });
    let arrivals: Vec<_> = (0..8).map(|i| (0, fr(i, 100), 0)).collect();
    let (out, link) = simulate(&cfg, 1_000_000, 0, &arrivals, &mut Rng(1));
    assert_eq!(out.len(), 5);
    assert_eq!(link.drops.delay_frames, 3);
}

#[test]
fn bit_errors_drop_the_expected_share() {
    // BER 1e5 on 1500-byte frames: survival (1 - 1e-5)^12000 = 0.8869.
    let cfg = cfg_with(|c| {
        c.ber = 100_000;
        c.queuelen = 0;
    });
    let n = 20_000;
    let arrivals: Vec<_> = (0..n).map(|i| (i as u64, fr(i, 1500), 0)).collect();
    let (out, link) = simulate(&cfg, 0, 0, &arrivals, &mut Rng(7));
    let share = out.len() as f64 / n as f64;
    assert!((share - 0.8869).abs() < 0.01, "{share}");
    assert_eq!(link.drops.delay_frames as usize + out.len(), n as usize);
    // BER 1: nothing passes.
    let cfg = DirCfg { ber: 1, ..cfg };
    let (out, _) = simulate(&cfg, 0, 0, &arrivals[..100], &mut Rng(7));
    assert!(out.is_empty());
}

#[test]
fn duplication_follows_the_probability() {
    // 20 %: every frame is sent once plus a geometric number of copies,
    // 1 / (1 - 0.2) = 1.25 departures per frame on average.
    let cfg = cfg_with(|c| {
        c.duplicate = 20;
        c.queuelen = 0;
    });
    let n = 20_000;
    let arrivals: Vec<_> = (0..n).map(|i| (i as u64, fr(i, 100), 0)).collect();
    let (out, _) = simulate(&cfg, 0, 0, &arrivals, &mut Rng(3));
    let per = out.len() as f64 / n as f64;
    assert!((per - 1.25).abs() < 0.02, "{per}");
    // Every original is delivered, in order.
    let mut last = 0;
    let mut seen = 0;
    for (_, f) in &out {
        assert!(f.id >= last);
        if f.id != last || seen == 0 {
            seen += 1;
        }
        last = f.id;
    }
    assert_eq!(seen, n);
}

fn two_flows(sched: Sched) -> (u64, u64) {
    // Flow 1 sends 1500-byte frames, flow 2 100-byte frames, both
    // backlogged, 10 Mbit/s: each should get half of the bytes.
    let cfg = cfg_with(|c| {
        c.bandwidth = 10_000_000;
        c.queuelen = 0;
        c.sched = sched;
    });
    let mut arrivals = Vec::new();
    for i in 0..400 {
        arrivals.push((0, fr(i, 1500), 1));
    }
    for i in 0..6000 {
        arrivals.push((0, fr(10_000 + i, 100), 2));
    }
    let (out, _) = simulate(&cfg, 0, 0, &arrivals, &mut Rng(1));
    // Bytes each flow got during the first 200 ms.
    let mut b = (0, 0);
    for (t, f) in out {
        if t <= 200_000_000 {
            if f.id < 10_000 {
                b.0 += f.len as u64;
            } else {
                b.1 += f.len as u64;
            }
        }
    }
    b
}

#[test]
fn drr_and_wfq_share_bandwidth_between_flows() {
    for s in [Sched::Drr(DRR_QUANTUM), Sched::Drr(300), Sched::Wfq] {
        let (a, b) = two_flows(s);
        let ratio = a as f64 / b as f64;
        assert!((ratio - 1.0).abs() < 0.1, "{s:?}: {a} vs {b}");
        // 200 ms at 10 Mbit/s = 250 000 bytes.
        assert!((a + b).abs_diff(250_000) < 1600, "{s:?}: {}", a + b);
    }
    // FIFO serves the first flow's backlog first.
    let (a, b) = two_flows(Sched::Fifo);
    assert!(a > 240_000 && b == 0, "{a} {b}");
}

#[test]
fn flows_hash_ip_addresses_at_the_header_offset() {
    let mut v4 = vec![0u8; 14 + 20];
    v4[14] = 0x45;
    v4[26..30].copy_from_slice(&[10, 0, 0, 1]);
    v4[30..34].copy_from_slice(&[10, 0, 0, 2]);
    let a = flow_of(&v4, 14);
    v4[33] = 3;
    let b = flow_of(&v4, 14);
    assert!(a < NQ && b < NQ);
    assert_ne!(a, b);
    assert_eq!(flow_of(&v4, 0), 0, "not IP at offset 0");
    assert_eq!(flow_of(&v4[..20], 14), 0, "short");
    let mut v6 = vec![0u8; 14 + 40];
    v6[14] = 0x60;
    v6[53] = 1;
    let c = flow_of(&v6, 14);
    v6[53] = 2;
    assert_ne!(c, flow_of(&v6, 14));
}

#[test]
fn delay_changes_never_reorder() {
    let cfg = cfg_with(|c| c.queuelen = 0);
    let mut link: Link<Fq> = Link::default();
    let mut out = Vec::new();
    let mut rng = Rng(1);
    link.enqueue(fr(0, 100), 0, 0, &cfg);
    run(&mut link, &cfg, 10_000, 0, 0, &mut rng, &mut out);
    link.enqueue(fr(1, 100), 0, 1, &cfg);
    run(&mut link, &cfg, 0, 0, 1, &mut rng, &mut out);
    assert!(out.is_empty(), "frame 1 waits behind frame 0");
    run(&mut link, &cfg, 0, 0, 10_000, &mut rng, &mut out);
    assert_eq!(out.iter().map(|o| o.1.id).collect::<Vec<_>>(), vec![0, 1]);
}

#[test]
fn memory_ceiling_bounds_what_one_direction_holds() {
    let cfg = cfg_with(|c| {
        c.bandwidth = 100;
        c.queuelen = 0;
    });
    let mut link: Link<Fq> = Link::default();
    let n = (MAX_HELD_BYTES / (1500 + 256)) as u32;
    for i in 0..n + 10 {
        link.enqueue(fr(i, 1500), 0, 0, &cfg);
    }
    assert_eq!(link.drops.queue_frames, 10);
    assert_eq!(link.run().queued_frames, n);
    link.flush();
    assert!(link.idle());
}

#[test]
fn failed_copies_send_the_original_once() {
    // No memory for duplicates: every frame still leaves exactly once, and
    // DRR still shares the link (the deficit is charged once per frame).
    let cfg = cfg_with(|c| {
        c.duplicate = 50;
        c.queuelen = 0;
        c.bandwidth = 10_000_000;
        c.sched = Sched::Drr(DRR_QUANTUM);
    });
    let mut link: Link<Fq> = Link::default();
    for i in 0..200 {
        link.enqueue(fr(i, 1500), 1, 0, &cfg);
        link.enqueue(fr(1000 + i, 100), 2, 0, &cfg);
    }
    let mut rng = Rng(5);
    let mut out = Vec::new();
    let mut now = 0;
    while let Some(t) = link.next_event() {
        now = t;
        let mut rand = || rng.next();
        let mut copy = |_: &Fr| None;
        let mut env = Env {
            cfg: &cfg,
            delay_ns: 0,
            overhead: 0,
            rand: &mut rand,
            copy: &mut copy,
        };
        link.service(now, &mut env, &mut |f| out.push(f.id));
    }
    assert!(now > 0);
    let mut ids = out.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 400);
    assert_eq!(out.len(), 400);
    // In the first 20 frames of flow 1, flow 2 got its share too.
    let first: Vec<_> = out.iter().take(60).collect();
    assert!(
        first.iter().filter(|&&&i| i >= 1000).count() >= 20,
        "{first:?}"
    );
}
