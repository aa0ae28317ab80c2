//! ngfuzz: a structure-aware fuzzer of the netgraph generic netlink family.
//!
//! It learns the family from its YNL spec (every operation and attribute,
//! their numbers, types and checks) and every node type's message schemas
//! from the kernel (`NETGRAPH_CMD_GETTYPE`), then forks workers that send
//! mostly valid-shaped requests, a share of them mutated, in several
//! network namespaces at once (some workers share one, racing on its
//! graph). It only ever talks netlink. Kernel splats are for the VM
//! harness to find in the kernel log; this prints one summary line:
//!
//!   fuzz: N messages sent, K kernel errors (ENOENT n, ...), X workers
//!
//! and exits 0 when every worker finished, 1 when one died by a signal or
//! hit an internal error, 2 on bad usage or setup.

mod faults;
mod gen;
mod nl;
mod rng;
mod schema;
mod spec;
mod stats;
mod worker;
mod world;

use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const SPEC: &str = "Documentation/netlink/specs/netgraph.yaml";
const FIXTURE: &str = "tests/fixtures/netgraph-types.json";

fn usage() -> String {
    format!(
        "\
usage: ngfuzz [options]
       ngfuzz faults [options]   (fault-injection sweep: ngfuzz faults --help)
  -m, --messages N    netlink messages to send in all (default 20000)
  -s, --seconds S     stop after S seconds (with --messages: whichever first)
      --seed N        seed of the run (default: from the clock, printed)
  -p, --procs N       worker processes (default 4)
  -n, --netns K       network namespaces to create; workers are dealt to
                      them in turn, so with procs > K some share one (default 2)
      --mutate PCT    share of requests that are mutated (default 30)
      --timeout-ms MS receive timeout (SO_RCVTIMEO) per answer (default 3000)
      --spec FILE     the family's YNL spec (default: $NG_TOP/{SPEC},
                      or found from the current directory upwards)
      --types FILE    read the type schemas from this JSON (the format of
                      {FIXTURE}) instead of asking the kernel
      --dry-run       generate and encode, send nothing (types from the
                      kernel if it answers, else from the fixture)
      --stats         print histograms of what was generated and answered
  -v, --verbose       print every request
  -h, --help          this text"
    )
}

#[derive(Debug, Clone)]
struct Opts {
    messages: Option<u64>,
    seconds: Option<u64>,
    seed: Option<u64>,
    procs: u32,
    netns: u32,
    mutate: u32,
    timeout_ms: u64,
    spec: Option<PathBuf>,
    types: Option<PathBuf>,
    dry_run: bool,
    stats: bool,
    verbose: bool,
}

fn parse_args(args: &[String]) -> Result<Option<Opts>, String> {
    let mut o = Opts {
        messages: None,
        seconds: None,
        seed: None,
        procs: 4,
        netns: 2,
        mutate: 30,
        timeout_ms: 3000,
        spec: None,
        types: None,
        dry_run: false,
        stats: false,
        verbose: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it.next().cloned().ok_or(format!("{name} needs a value")),
            }
        };
        let num = |name: &str, v: String| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v}"))
        };
        match key {
            "-m" | "--messages" => o.messages = Some(num(key, value(key)?)?),
            "-s" | "--seconds" => o.seconds = Some(num(key, value(key)?)?),
            "--seed" => o.seed = Some(num(key, value(key)?)?),
            "-p" | "--procs" => o.procs = num(key, value(key)?)? as u32,
            "-n" | "--netns" => o.netns = num(key, value(key)?)? as u32,
            "--mutate" => o.mutate = num(key, value(key)?)?.min(100) as u32,
            "--timeout-ms" => o.timeout_ms = num(key, value(key)?)?.max(1),
            "--spec" => o.spec = Some(value(key)?.into()),
            "--types" => o.types = Some(value(key)?.into()),
            "--dry-run" => o.dry_run = true,
            "--stats" => o.stats = true,
            "-v" | "--verbose" => o.verbose = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.procs == 0 || o.procs > 256 {
        return Err("--procs must be 1..256".into());
    }
    if o.netns == 0 || o.netns > 64 {
        return Err("--netns must be 1..64".into());
    }
    Ok(Some(o))
}

/// The checkout: $NG_TOP, else the first directory from the current one
/// upwards (then from the executable's) that holds the spec.
fn find_top() -> Option<PathBuf> {
    if let Some(t) = std::env::var_os("NG_TOP") {
        return Some(PathBuf::from(t));
    }
    let from = |start: PathBuf| -> Option<PathBuf> {
        start
            .ancestors()
            .find(|d| d.join(SPEC).is_file())
            .map(Path::to_path_buf)
    };
    std::env::current_dir()
        .ok()
        .and_then(from)
        .or_else(|| std::env::current_exe().ok().and_then(from))
}

fn load_types(o: &Opts, top: Option<&Path>) -> Result<Vec<schema::TypeSchema>, String> {
    let fixture = |p: &Path| schema::from_fixture(&p.to_string_lossy());
    if let Some(t) = &o.types {
        return fixture(t);
    }
    match schema::from_kernel() {
        Ok(t) => Ok(t),
        Err(e) if o.dry_run => {
            let p = top
                .map(|t| t.join(FIXTURE))
                .ok_or_else(|| format!("kernel: {e}; and no checkout to find {FIXTURE} in"))?;
            eprintln!("ngfuzz: kernel: {e}; type schemas from {}", p.display());
            fixture(&p)
        }
        Err(e) => Err(format!("cannot ask the kernel for the node types: {e}")),
    }
}

/// Creates `k` network namespaces, held open by the returned files.
fn make_namespaces(k: u32) -> Result<Vec<File>, String> {
    use nix::sched::{setns, unshare, CloneFlags};
    let orig = File::open("/proc/self/ns/net").map_err(|e| format!("/proc/self/ns/net: {e}"))?;
    let mut v = Vec::new();
    for _ in 0..k {
        unshare(CloneFlags::CLONE_NEWNET).map_err(|e| format!("unshare(CLONE_NEWNET): {e}"))?;
        let f = File::open("/proc/self/ns/net");
        setns(orig.as_fd(), CloneFlags::CLONE_NEWNET).map_err(|e| format!("setns: {e}"))?;
        v.push(f.map_err(|e| format!("/proc/self/ns/net: {e}"))?);
    }
    Ok(v)
}

struct Child {
    pid: Pid,
    out: Option<File>,
    text: Vec<u8>,
}

fn run() -> Result<ExitCode, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match parse_args(&args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{}", usage());
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => {
            eprintln!("ngfuzz: {e}\n{}", usage());
            return Ok(ExitCode::from(2));
        }
    };
    let top = find_top();
    let spec_path = match (&o.spec, &top) {
        (Some(p), _) => p.clone(),
        (None, Some(t)) => t.join(SPEC),
        (None, None) => return Err(format!("cannot find {SPEC}: set NG_TOP or --spec")),
    };
    let spec = spec::Spec::load(&spec_path.to_string_lossy())?;
    for w in spec.check_against_header() {
        eprintln!("ngfuzz: warning: spec and uapi header differ: {w}");
    }
    let types = load_types(&o, top.as_deref())?;
    let seed = o.seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        t ^ ((std::process::id() as u64) << 32)
    });
    let messages = match (o.messages, o.seconds) {
        (Some(m), _) => m,
        (None, Some(_)) => u64::MAX,
        (None, None) => 20000,
    };
    let shapes: usize = types.iter().map(|t| t.msgs.len()).sum();
    eprintln!(
        "ngfuzz: seed {seed}; {} workers in {} namespaces{}; {} commands, {} node types, {} messages",
        o.procs,
        o.netns,
        if o.dry_run {
            " (dry run: nothing is sent, no namespace is made)"
        } else {
            ""
        },
        spec.ops.iter().filter(|op| op.is_request()).count(),
        types.len(),
        shapes,
    );
    let namespaces = if o.dry_run {
        Vec::new()
    } else {
        make_namespaces(o.netns)?
    };
    let start = Instant::now();
    let deadline = o.seconds.map(|s| start + Duration::from_secs(s));
    let timeout = Duration::from_millis(o.timeout_ms);
    let mut children = Vec::new();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    for i in 0..o.procs {
        let (r, w) = nix::unistd::pipe().map_err(|e| format!("pipe: {e}"))?;
        let budget = if messages == u64::MAX {
            u64::MAX
        } else {
            messages / o.procs as u64 + u64::from((i as u64) < messages % o.procs as u64)
        };
        // SAFETY: the process is single-threaded here, so the child may do
        // anything the parent could.
        match unsafe { fork() }.map_err(|e| format!("fork: {e}"))? {
            ForkResult::Child => {
                drop(r);
                let home = namespaces.get((i % o.netns) as usize);
                let cfg = worker::Config {
                    id: i,
                    seed,
                    budget,
                    deadline,
                    timeout,
                    mutate_pct: o.mutate,
                    dry_run: o.dry_run,
                    verbose: o.verbose,
                    reopen: i % 3 != 0,
                    hop: i % 3 == 2,
                    events: i % 3 == 2,
                    home,
                };
                std::process::exit(child(&spec, &types, &cfg, w));
            }
            ForkResult::Parent { child } => {
                drop(w);
                children.push(Child {
                    pid: child,
                    out: Some(File::from(r)),
                    text: Vec::new(),
                });
            }
        }
    }
    drop(namespaces);
    collect(
        &mut children,
        deadline.map(|d| d + timeout * 2 + Duration::from_secs(20)),
    );
    let mut total = stats::Stats::default();
    let mut failed = 0;
    for c in &children {
        total.add_text(&String::from_utf8_lossy(&c.text));
        match waitpid(c.pid, None) {
            Ok(WaitStatus::Exited(_, 0)) => {}
            Ok(WaitStatus::Exited(pid, code)) => {
                eprintln!("ngfuzz: worker {pid} stopped on an internal error (exit {code})");
                failed += 1;
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) => {
                eprintln!("ngfuzz: worker {pid} died by {sig:?}");
                failed += 1;
            }
            Ok(other) => {
                eprintln!("ngfuzz: worker {}: {other:?}", c.pid);
                failed += 1;
            }
            Err(e) => {
                eprintln!("ngfuzz: waitpid {}: {e}", c.pid);
                failed += 1;
            }
        }
    }
    if o.stats {
        eprint!("{}", total.report());
    }
    eprintln!(
        "ngfuzz: {:.1} s; {} receive timeouts, {} unsolicited messages, {} ENOBUFS, {} send errors; {} socket reopens, {} netns hops",
        start.elapsed().as_secs_f64(),
        total.timeouts,
        total.unsolicited,
        total.lost,
        total.send_errors.values().sum::<u64>(),
        total.reopens,
        total.hops
    );
    let breakdown = if total.kernel_errors > 0 {
        format!(" ({})", total.errno_breakdown())
    } else {
        String::new()
    };
    println!(
        "fuzz: {} messages sent, {} kernel errors{breakdown}, {} workers",
        total.sent, total.kernel_errors, o.procs
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A worker's whole life: it sends its counters through `out` and returns
/// its exit status (0, 2 on an internal error, 3 on a panic).
fn child(
    spec: &spec::Spec,
    types: &[schema::TypeSchema],
    cfg: &worker::Config,
    out: OwnedFd,
) -> i32 {
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if let Some(home) = cfg.home {
            if let Err(e) = nix::sched::setns(home, nix::sched::CloneFlags::CLONE_NEWNET) {
                return (stats::Stats::default(), Some(format!("setns: {e}")));
            }
        }
        worker::run(spec, types, cfg)
    }));
    let mut out = File::from(out);
    match res {
        Ok((st, err)) => {
            let _ = out.write_all(st.to_text().as_bytes());
            match err {
                Some(e) => {
                    eprintln!("ngfuzz: worker {}: {e}", cfg.id);
                    2
                }
                None => 0,
            }
        }
        Err(_) => 3,
    }
}

/// Reads every worker's counters until all pipes close; after `hard`,
/// kills the workers still running (they count as failed).
fn collect(children: &mut [Child], hard: Option<Instant>) {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let mut killed = false;
    loop {
        let open: Vec<usize> = (0..children.len())
            .filter(|&i| children[i].out.is_some())
            .collect();
        if open.is_empty() {
            return;
        }
        if let (Some(h), false) = (hard, killed) {
            if Instant::now() > h {
                for &i in &open {
                    eprintln!(
                        "ngfuzz: worker {} is stuck past the deadline; killing it",
                        children[i].pid
                    );
                    let _ =
                        nix::sys::signal::kill(children[i].pid, nix::sys::signal::Signal::SIGKILL);
                }
                killed = true;
            }
        }
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd> = open
                .iter()
                .filter_map(|&i| children[i].out.as_ref())
                .map(|f| PollFd::new(f.as_fd(), PollFlags::POLLIN))
                .collect();
            match poll(&mut fds, PollTimeout::from(200u16)) {
                Ok(_) => fds
                    .iter()
                    .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                    .collect(),
                Err(_) => vec![false; open.len()],
            }
        };
        for (k, &i) in open.iter().enumerate() {
            if !ready.get(k).copied().unwrap_or(false) {
                continue;
            }
            let c = &mut children[i];
            let mut buf = [0u8; 4096];
            let n = match c.out.as_mut().map(|f| f.read(&mut buf)) {
                Some(Ok(n)) => n,
                _ => 0,
            };
            if n == 0 {
                c.out = None;
            } else {
                c.text.extend_from_slice(&buf[..n]);
            }
        }
    }
}

fn main() -> ExitCode {
    netgraph::default_sigpipe();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("faults") {
        return faults::main(&args[1..]);
    }
    match run() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ngfuzz: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn options() {
        let o = parse_args(&args(
            "--messages 100 -p 3 --netns=2 --seed 7 --dry-run --stats",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(o.messages, Some(100));
        assert_eq!((o.procs, o.netns, o.seed), (3, 2, Some(7)));
        assert!(o.dry_run && o.stats);
        assert!(parse_args(&args("--procs 0")).is_err());
        assert!(parse_args(&args("--bogus")).is_err());
        assert!(parse_args(&args("--seed")).is_err());
        assert!(parse_args(&args("-h")).unwrap().is_none());
    }
}
