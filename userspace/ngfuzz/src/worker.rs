//! One fuzzing process: its socket, its generator, the send/receive loop
//! and its counters. Some workers close and reopen their socket now and
//! then (which destroys their socket node), some also move to a fresh
//! network namespace and back, and subscribe to the events group.

use crate::gen::{Expect, Gen, Plan};
use crate::nl::{parse_replies, NlSock, Reply};
use crate::rng::Rng;
use crate::schema::TypeSchema;
use crate::spec::Spec;
use crate::stats::{bump, errno_name, size_bucket, Stats};
use crate::world::Intent;
use nix::libc;
use std::fs::File;
use std::time::{Duration, Instant};

pub struct Config<'a> {
    pub id: u32,
    pub seed: u64,
    /// Messages this worker sends.
    pub budget: u64,
    pub deadline: Option<Instant>,
    pub timeout: Duration,
    pub mutate_pct: u32,
    pub dry_run: bool,
    pub verbose: bool,
    /// Close and reopen the socket now and then.
    pub reopen: bool,
    /// Move to a fresh namespace (and back to `home`) now and then.
    pub hop: bool,
    /// Join the events multicast group.
    pub events: bool,
    /// The shared namespace this worker lives in.
    pub home: Option<&'a File>,
}

struct Conn {
    sock: NlSock,
    family: u16,
}

fn open(spec: &Spec, cfg: &Config, gen: &mut Gen) -> Result<Conn, String> {
    let mut last = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut sock = match NlSock::open(cfg.timeout) {
            Ok(s) => s,
            Err(e) => {
                last = format!("netlink socket: {e}");
                continue;
            }
        };
        match sock.resolve(&spec.name) {
            Ok(f) => {
                gen.set_family(f.id);
                if cfg.events {
                    for (name, g) in &f.groups {
                        if spec.mcast_groups.contains(name) {
                            let _ = sock.add_membership(*g);
                        }
                    }
                }
                return Ok(Conn { sock, family: f.id });
            }
            Err(e @ crate::nl::ResolveError::NotFound) => {
                return Err(format!("family {}: {e}", spec.name))
            }
            Err(e) => last = format!("family {}: {e}", spec.name),
        }
    }
    Err(last)
}

fn account(stats: &mut Stats, plan: &Plan) {
    for p in &plan.parts {
        let e = stats.cmds.entry(p.cmd.clone()).or_insert((0, 0));
        if p.mutated {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    for m in &plan.mutations {
        bump(&mut stats.mutations, m);
    }
    if let Some(m) = &plan.msg {
        bump(&mut stats.msgs, m);
    }
    if let Some(n) = plan.data_size {
        bump(&mut stats.sizes, size_bucket(n));
    }
    if plan.generic {
        stats.generic += 1;
    }
}

/// Where answers come from: the socket (or a script, in the tests).
trait Source {
    /// The next datagram, as [`NlSock::recv`].
    fn next(&mut self, wait: Option<Duration>) -> std::io::Result<Option<Vec<u8>>>;
}

impl Source for NlSock {
    fn next(&mut self, wait: Option<Duration>) -> std::io::Result<Option<Vec<u8>>> {
        self.recv(wait).map(|o| o.map(<[u8]>::to_vec))
    }
}

const DRAIN_WAIT: Duration = Duration::from_millis(20);
const DRAIN_MAX: usize = 64;

/// Reads answers to `plan` until every sure answer is in (or the timeout),
/// then briefly whatever else comes; learns from all of it.
fn receive(
    src: &mut dyn Source,
    family: u16,
    plan: &Plan,
    gen: &mut Gen,
    rng: &mut Rng,
    stats: &mut Stats,
    timeout: Duration,
) {
    let mut waiting: Vec<u32> = plan
        .parts
        .iter()
        .filter(|p| p.expect == Expect::Answer)
        .map(|p| p.seq)
        .collect();
    let maybe = plan.parts.iter().any(|p| p.expect == Expect::Maybe);
    let ours = |seq: u32| plan.parts.iter().any(|p| p.seq == seq);
    let start = Instant::now();
    let mut lost = false;
    let mut drained = 0;
    loop {
        let sure = !waiting.is_empty() && !lost;
        if !sure {
            if (!maybe && !lost) || drained >= DRAIN_MAX {
                break;
            }
            drained += 1;
        }
        if start.elapsed() > timeout * 2 {
            // Unsolicited traffic kept the socket busy: give up on the rest.
            if !waiting.is_empty() && !lost {
                stats.timeouts += 1;
            }
            break;
        }
        let buf = match src.next(if sure { None } else { Some(DRAIN_WAIT) }) {
            Ok(Some(b)) => b,
            Ok(None) => {
                if sure {
                    stats.timeouts += 1;
                }
                break;
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                stats.lost += 1;
                lost = true;
                continue;
            }
            Err(e) => {
                bump(
                    &mut stats.recv_errors,
                    &errno_name(e.raw_os_error().unwrap_or(0)),
                );
                break;
            }
        };
        for r in parse_replies(&buf, family) {
            match r {
                Reply::Error { seq, errno, .. } => {
                    if errno == 0 {
                        stats.acks += 1;
                        if seq == plan.main_seq {
                            gen.world.apply(&plan.intent, false, rng);
                        }
                    } else {
                        stats.kernel_errors += 1;
                        bump(&mut stats.errnos, &errno_name(errno));
                    }
                    waiting.retain(|&s| s != seq);
                }
                Reply::Done { seq, errno } => {
                    stats.dumps += 1;
                    if errno != 0 {
                        stats.kernel_errors += 1;
                        bump(&mut stats.errnos, &errno_name(errno));
                    }
                    waiting.retain(|&s| s != seq);
                }
                Reply::Genl { seq, cmd, attrs } => {
                    let intent = if seq == plan.main_seq {
                        &plan.intent
                    } else {
                        &Intent::None
                    };
                    if seq != 0 && ours(seq) {
                        stats.replies += 1;
                    } else {
                        stats.unsolicited += 1;
                    }
                    gen.learn(rng, cmd, &attrs, intent);
                }
                Reply::Other { .. } => {}
            }
        }
    }
}

/// Moves between the worker's shared namespace and a fresh one.
fn hop(home: Option<&File>, away: &mut bool) -> Result<(), String> {
    use nix::sched::{setns, unshare, CloneFlags};
    if *away {
        let home = home.ok_or("no home namespace")?;
        setns(home, CloneFlags::CLONE_NEWNET).map_err(|e| format!("setns home: {e}"))?;
        *away = false;
    } else {
        unshare(CloneFlags::CLONE_NEWNET).map_err(|e| format!("unshare: {e}"))?;
        *away = true;
    }
    Ok(())
}

/// Runs one worker; returns its counters and the internal error that
/// stopped it, if any.
pub fn run(spec: &Spec, types: &[TypeSchema], cfg: &Config) -> (Stats, Option<String>) {
    let mut stats = Stats::default();
    let mut rng = Rng::new(cfg.seed, cfg.id as u64);
    let mut gen = match Gen::new(spec, types, cfg.id, cfg.mutate_pct) {
        Ok(g) => g,
        Err(e) => return (stats, Some(e)),
    };
    let mut conn = None;
    if !cfg.dry_run {
        match open(spec, cfg, &mut gen) {
            Ok(c) => conn = Some(c),
            Err(e) => return (stats, Some(e)),
        }
    } else {
        gen.set_family(0x20);
    }
    let mut away = false;
    while stats.sent < cfg.budget {
        if cfg.deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if cfg.hop && rng.one_in(1000) {
            stats.hops += 1;
            gen.world.reset();
            if !cfg.dry_run {
                drop(conn.take());
                if let Err(e) = hop(cfg.home, &mut away) {
                    return (stats, Some(e));
                }
                match open(spec, cfg, &mut gen) {
                    Ok(c) => conn = Some(c),
                    Err(e) => return (stats, Some(e)),
                }
            }
        }
        let room = (cfg.budget - stats.sent).min(8) as usize;
        let plan = gen.plan(&mut rng, room);
        account(&mut stats, &plan);
        if cfg.verbose {
            eprintln!("ngfuzz[{}] {}", cfg.id, plan.describe());
        }
        stats.sent += plan.parts.len() as u64;
        // Now and then the socket closes after this request: half of the
        // time before its answers are read (a dump may be under way).
        let reopen = cfg.reopen && rng.one_in(300);
        let read = !reopen || rng.percent(50);
        match conn.as_mut() {
            None => {
                // Dry run: pretend the valid requests worked, so that the
                // generator builds on its graph as it would on the kernel's.
                stats.bytes += plan.buffer().len() as u64;
                gen.world.apply(&plan.intent, true, &mut rng);
            }
            Some(c) => {
                let buf = plan.buffer();
                match c.sock.send(&buf) {
                    Ok(_) => {
                        stats.bytes += buf.len() as u64;
                        if read {
                            receive(
                                &mut c.sock,
                                c.family,
                                &plan,
                                &mut gen,
                                &mut rng,
                                &mut stats,
                                cfg.timeout,
                            );
                        }
                    }
                    Err(e) => bump(
                        &mut stats.send_errors,
                        &errno_name(e.raw_os_error().unwrap_or(0)),
                    ),
                }
            }
        }
        if reopen {
            stats.reopens += 1;
            gen.world.socket_gone();
            if !cfg.dry_run {
                // The old socket (and with it its node) goes first.
                drop(conn.take());
                match open(spec, cfg, &mut gen) {
                    Ok(c) => conn = Some(c),
                    Err(e) => return (stats, Some(e)),
                }
            }
        }
    }
    (stats, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Answers in order; `None` is a timeout.
    struct Script(VecDeque<std::io::Result<Option<Vec<u8>>>>);

    impl Source for Script {
        fn next(&mut self, _: Option<Duration>) -> std::io::Result<Option<Vec<u8>>> {
            self.0.pop_front().unwrap_or(Ok(None))
        }
    }

    fn msg(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&ty.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(payload);
        m
    }

    fn error(seq: u32, errno: i32) -> Vec<u8> {
        let mut p = (-errno).to_ne_bytes().to_vec();
        p.extend_from_slice(&[0; 16]);
        msg(2, 0x100, seq, &p)
    }

    fn setup() -> (Spec, Vec<TypeSchema>) {
        let spec = Spec::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../Documentation/netlink/specs/netgraph.yaml"
        ))
        .unwrap();
        let types = crate::schema::from_fixture(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/netgraph-types.json"
        ))
        .unwrap();
        (spec, types)
    }

    fn run_script(answers: Vec<std::io::Result<Option<Vec<u8>>>>) -> Stats {
        let (spec, types) = setup();
        let mut g = Gen::new(&spec, &types, 0, 0).unwrap();
        g.set_family(0x22);
        let mut rng = Rng::new(3, 0);
        // A plan answered for sure, whatever the script says.
        let plan = loop {
            let p = g.plan(&mut rng, 1);
            if p.parts[0].expect == Expect::Answer {
                break p;
            }
        };
        let seq = plan.main_seq;
        let answers = answers
            .into_iter()
            .map(|a| {
                a.map(|o| {
                    o.map(|b| {
                        // Give the scripted answers the plan's seq.
                        let mut b = b;
                        if b.len() >= 12 && u32::from_ne_bytes(b[8..12].try_into().unwrap()) == 1 {
                            b[8..12].copy_from_slice(&seq.to_ne_bytes());
                        }
                        b
                    })
                })
            })
            .collect();
        let mut st = Stats::default();
        receive(
            &mut Script(answers),
            0x22,
            &plan,
            &mut g,
            &mut rng,
            &mut st,
            Duration::from_millis(50),
        );
        st
    }

    #[test]
    fn an_ack_ends_the_wait() {
        let st = run_script(vec![Ok(Some(error(1, 0)))]);
        assert_eq!((st.acks, st.timeouts, st.kernel_errors), (1, 0, 0));
    }

    #[test]
    fn errors_are_counted_by_name() {
        let st = run_script(vec![Ok(Some(error(1, 22)))]);
        assert_eq!(st.kernel_errors, 1);
        assert_eq!(st.errnos["EINVAL"], 1);
        let mut done = msg(3, 0x2, 1, &(-12i32).to_ne_bytes());
        done.extend(error(7, 0));
        let st = run_script(vec![Ok(Some(done))]);
        assert_eq!((st.dumps, st.errnos["ENOMEM"]), (1, 1));
    }

    #[test]
    fn silence_is_a_timeout_and_noise_is_no_answer() {
        let st = run_script(vec![Ok(None)]);
        assert_eq!(st.timeouts, 1);
        // Unsolicited data (seq 0), a broken datagram, then the ACK.
        let data = msg(0x22, 0, 0, &[12, 1, 0, 0]);
        let st = run_script(vec![
            Ok(Some(data)),
            Ok(Some(vec![0xff; 7])),
            Ok(Some(error(1, 0))),
        ]);
        assert_eq!((st.unsolicited, st.acks, st.timeouts), (1, 1, 0));
    }

    #[test]
    fn enobufs_is_lost_messages_not_a_timeout() {
        let st = run_script(vec![Err(std::io::Error::from_raw_os_error(libc::ENOBUFS))]);
        assert_eq!((st.lost, st.timeouts), (1, 0));
        let st = run_script(vec![Err(std::io::Error::from_raw_os_error(libc::EBADF))]);
        assert_eq!(st.recv_errors["EBADF"], 1);
    }
}
