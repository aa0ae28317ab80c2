//! `ngfuzz faults`: a fault-injection sweep (the kernel's fail-nth).
//!
//! For each case (a control command, a node type's message, socket
//! creation, a dump, or a frame through nodes that copy it), the case's
//! graph is built, then the command is made with its n-th kernel
//! allocation failing, for n = 1, 2, ... until the command makes fewer
//! than n allocations (every allocation it makes has failed once) or the
//! cap is reached. After each point:
//!
//! - the answer was success, an error carrying extended-ACK text, or an
//!   out-of-memory error from the netlink core (ENOMEM/ENOBUFS with no
//!   text: it failed before the module saw the request) or a lost answer
//!   (the core could not allocate the ACK); anything else fails the case;
//! - a frame's copies are all accounted for: those that reached this
//!   socket's hooks plus the drops the nodes counted equal the copies the
//!   graph makes when nothing fails (or none at all, when the request was
//!   refused before anything was forwarded);
//! - the graph is consistent: every hook's peer hook exists and points
//!   back, each node's hook count matches its listing, and no socket node
//!   other than this one is left;
//! - everything but this socket's node and the interfaces' ether nodes is
//!   shut down, leaving an empty graph for the next point.
//!
//! Leaks and kernel reports are for the VM harness (kmemleak and the
//! kernel log). One process does it all, so a point costs a few netlink
//! round trips rather than several process starts.
//!
//! Output: one line per case and a total:
//!
//!   faults: mkpeer hub: 31 points (all), ok 1, errors with text 27, core ENOMEM 2, answers lost 1
//!   faults: 2345 points over 48 cases, every one clean

use netgraph::ascii::{self, MsgSchema};
use netgraph::{Async, Attr, Client, Error, LinkInfo};
use nix::libc;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::FileExt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// One netgraph request, as the sweep makes it.
#[derive(Debug, Clone)]
enum Step {
    Mkpeer(&'static str, &'static str, &'static str, &'static str),
    Connect(&'static str, &'static str, &'static str, &'static str),
    Name(&'static str, &'static str),
    Rmhook(&'static str, &'static str),
    Shutdown(&'static str),
    /// A type's message with its arguments as ASCII (empty: the default).
    Msg(String, String, String),
    /// A frame out of this socket's hook.
    Data(&'static str, Vec<u8>),
    /// A new netlink socket with its (named) socket node.
    Socket,
    ListNodes,
    ListHooks(&'static str),
    ListTypes,
    GetType(&'static str),
    NodeInfo(&'static str),
    /// A node type this sweep has no case for.
    Uncovered,
    /// `ip ARGS...` (interfaces the cases use).
    Ip(&'static [&'static str]),
    /// The dummy interface d0 has its ether node (made anew, with a new
    /// interface, when a `detach` took it).
    Dummy,
    /// A message whose failure does not matter (undoing state an earlier
    /// point left on d0's ether node).
    Undo(&'static str, &'static str, &'static str),
}

struct Case {
    name: String,
    setup: Vec<Step>,
    target: Step,
    /// For a frame: the copies that reach this socket when nothing fails
    /// (at least, at most: a pipe duplicates by chance).
    frames: Option<(u64, u64)>,
}

/// A request ready to go: everything that needs the kernel (schemas,
/// encoding) is done before the allocations start failing.
enum Ready {
    Plain(Step),
    Msg {
        path: String,
        cmd: String,
        arg: Option<Attr>,
        dump: bool,
        /// Its failure does not matter.
        ignore: bool,
    },
}

/// `/proc/thread-self/fail-nth`, opened once: opening it while armed would
/// itself allocate.
struct FailNth(File);

impl FailNth {
    fn open() -> Result<Self, String> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open("/proc/thread-self/fail-nth")
            .map(FailNth)
            .map_err(|e| format!("/proc/thread-self/fail-nth: {e} (CONFIG_FAULT_INJECTION?)"))
    }

    fn arm(&self, n: u32) -> Result<(), String> {
        self.0
            .write_at(n.to_string().as_bytes(), 0)
            .map(drop)
            .map_err(|e| format!("fail-nth: {e}"))
    }

    /// Disarms; returns the allocations that were still to come before
    /// the failing one (0: the n-th allocation was made and failed).
    fn disarm(&self) -> Result<u32, String> {
        let mut b = [0u8; 16];
        let len = self
            .0
            .read_at(&mut b, 0)
            .map_err(|e| format!("fail-nth: {e}"))?;
        self.0
            .write_at(b"0", 0)
            .map_err(|e| format!("fail-nth: {e}"))?;
        let s = std::str::from_utf8(&b[..len]).unwrap_or("").trim();
        s.parse().map_err(|_| format!("fail-nth: unreadable {s:?}"))
    }
}

#[derive(Default)]
struct Tally {
    points: u64,
    ok: u64,
    text: u64,
    core: u64,
    lost: u64,
}

fn set_timeout(cl: &Client, ms: u64) -> Result<(), String> {
    let tv = libc::timeval {
        tv_sec: (ms / 1000) as libc::time_t,
        tv_usec: ((ms % 1000) * 1000) as libc::suseconds_t,
    };
    // SAFETY: a valid socket descriptor and a timeval of the size given.
    let r = unsafe {
        libc::setsockopt(
            cl.socket().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(format!("SO_RCVTIMEO: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

struct Sweep {
    /// Lists, checks and clears the graph between points; no socket node.
    obs: Client,
    fail: FailNth,
    schemas: HashMap<String, Vec<MsgSchema>>,
    timeout_ms: u64,
}

impl Case {
    /// Whether the point's socket can serve the next point: not when the
    /// command is about sockets or names (a name given to it must not
    /// stay).
    fn target_keeps_socket(&self) -> bool {
        !matches!(self.target, Step::Socket | Step::Name(..))
    }
}

fn ether_frame(dst: [u8; 6]) -> Vec<u8> {
    let mut f = dst.to_vec();
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x42, 0x88, 0xb5]);
    f.resize(64, 0x5a);
    f
}

fn cases(schemas: &HashMap<String, Vec<MsgSchema>>) -> Vec<Case> {
    use Step::*;
    let hub = vec![
        Mkpeer(".", "hub", "h", "a"),
        Name(".:h", "hb"),
        Msg("hb:".into(), "setpersistent".into(), String::new()),
        Rmhook(".", "h"),
    ];
    let with = |mut v: Vec<Step>, more: &[Step]| {
        v.extend_from_slice(more);
        v
    };
    let case = |name: &str, setup: Vec<Step>, target: Step| Case {
        name: name.to_string(),
        setup,
        target,
        frames: None,
    };
    // d0's ether node, without the multicast membership an earlier point
    // may have left (it would make addmulti fail for another reason).
    let dummy = |more: &[Step]| {
        let mut v = vec![Dummy, Undo("d0:", "delmulti", "01:00:5e:00:00:01")];
        v.extend_from_slice(more);
        v
    };
    let mut v = vec![
        case("mkpeer hub", vec![], Mkpeer(".", "hub", "a", "b")),
        case("mkpeer tee", vec![], Mkpeer(".", "tee", "a", "left")),
        case("mkpeer eiface", vec![], Mkpeer(".", "eiface", "e", "ether")),
        case("mkpeer bridge", vec![], Mkpeer(".", "bridge", "b", "link0")),
        case("mkpeer pipe", vec![], Mkpeer(".", "pipe", "p", "upper")),
        case("mkpeer hole", vec![], Mkpeer(".", "hole", "h", "in")),
        case("mkpeer echo", vec![], Mkpeer(".", "echo", "e", "x")),
        case(
            "mkpeer vlan",
            vec![],
            Mkpeer(".", "vlan", "v", "downstream"),
        ),
        case("mkpeer etf", vec![], Mkpeer(".", "etf", "f", "downstream")),
        case(
            "mkpeer one2many",
            vec![],
            Mkpeer(".", "one2many", "o", "one"),
        ),
        case("connect", hub.clone(), Connect("hb:", "hb:", "x", "y")),
        case(
            "connect to ether",
            with(dummy(&[]), &hub),
            Connect("hb:", "d0:", "x", "lower"),
        ),
        case("name", hub.clone(), Name("hb:", "other")),
        case(
            "rmhook",
            with(hub.clone(), &[Connect("hb:", "hb:", "x", "y")]),
            Rmhook("hb:", "x"),
        ),
        case(
            "shutdown",
            with(hub.clone(), &[Mkpeer("hb:", "tee", "t", "left")]),
            Shutdown("hb:"),
        ),
        case(
            "shutdown eiface",
            vec![Mkpeer(".", "eiface", "e", "ether"), Name(".:e", "ei")],
            Shutdown("ei:"),
        ),
        case("socket", vec![], Socket),
        case("nodeinfo", hub.clone(), NodeInfo("hb:")),
        case(
            "listnodes",
            with(hub.clone(), &[Mkpeer("hb:", "tee", "t", "left")]),
            ListNodes,
        ),
        case(
            "listhooks",
            with(
                hub.clone(),
                &[
                    Mkpeer("hb:", "tee", "t", "left"),
                    Connect("hb:", "hb:", "x", "y"),
                ],
            ),
            ListHooks("hb:"),
        ),
        case("listtypes", vec![], ListTypes),
        case("gettype", vec![], GetType("bridge")),
    ];
    // Every message of every type, on a fresh node of the type (ether: on
    // the dummy interface's node), with arguments that make it do work.
    let args: HashMap<(&str, &str), &str> = [
        (("bridge", "setconfig"), "{ debugLevel=2 loopTimeout=10 maxStaleness=20 minStableAge=2 }"),
        (("bridge", "getstats"), "0"),
        (("bridge", "clrstats"), "0"),
        (("bridge", "getclrstats"), "0"),
        (("bridge", "movehost"), "{ addr=02:00:00:00:00:07 hook=link1 }"),
        (("bridge", "setmaxhosts"), "10"),
        (("eiface", "set"), "02:00:00:00:00:09"),
        (("hole", "getstats"), "\"in\""),
        (("hole", "clrstats"), "\"in\""),
        (("hole", "getclrstats"), "\"in\""),
        (("etf", "setfilter"), "{ matchhook=\"ip\" ethertype=0x800 }"),
        (("etf", "setflag"), "1"),
        (
            ("one2many", "setconfig"),
            "{ xmitAlg=2 failAlg=2 enabledLinks=[ 1 1 ] }",
        ),
        (("one2many", "getstats"), "-1"),
        (("one2many", "clrstats"), "0"),
        (("one2many", "getclrstats"), "0"),
        (("vlan", "addfilter"), "{ vid=10 pcp=3 hook=\"v10\" }"),
        (("vlan", "delfilter"), "\"v10\""),
        (("vlan", "delvidflt"), "10"),
        (("vlan", "setdecap"), "1"),
        (("vlan", "setencap"), "0"),
        (("vlan", "setencapproto"), "0x88a8"),
        (("ether", "setenaddr"), "02:00:00:00:00:0a"),
        (("ether", "setpromisc"), "1"),
        (("ether", "setautosrc"), "0"),
        (("ether", "addmulti"), "01:00:5e:00:00:01"),
        (("ether", "delmulti"), "01:00:5e:00:00:01"),
        (
            ("pipe", "setcfg"),
            "{ bandwidth=1000000 delay=100 upstream={ queuelen=10 duplicate=50 } downstream={ BER=1000000 } }",
        ),
    ]
    .into_iter()
    .collect();
    let mut types: Vec<&String> = schemas.keys().collect();
    types.sort();
    for t in types {
        let (setup, path) = match t.as_str() {
            "socket" => continue,
            "ether" => (
                dummy(&[
                    Mkpeer(".", "hub", "h", "x"),
                    Connect(".:h", "d0:", "y", "lower"),
                ]),
                "d0:".to_string(),
            ),
            other => {
                // A new type needs its line here (the hook its node takes
                // first), or the sweep reports it as not covered.
                let Some((ty, hook)) = [
                    ("bridge", "link0"),
                    ("echo", "x"),
                    ("etf", "ip"),
                    ("eiface", "ether"),
                    ("hole", "in"),
                    ("hub", "a"),
                    ("one2many", "many0"),
                    ("pipe", "upper"),
                    ("tee", "left"),
                    ("vlan", "v10"),
                ]
                .into_iter()
                .find(|(ty, _)| *ty == other) else {
                    v.push(case(&format!("type {other}"), vec![], Uncovered));
                    continue;
                };
                (
                    vec![Mkpeer(".", ty, "t", hook), Name(".:t", "tgt")],
                    "tgt:".to_string(),
                )
            }
        };
        for m in &schemas[t] {
            let setup = match (t.as_str(), m.name.as_str()) {
                // Something to delete.
                ("ether", "delmulti") => with(
                    setup.clone(),
                    &[Msg(
                        path.clone(),
                        "addmulti".into(),
                        "01:00:5e:00:00:01".into(),
                    )],
                ),
                ("vlan", "delfilter" | "delvidflt") => with(
                    setup.clone(),
                    &[Msg(
                        path.clone(),
                        "addfilter".into(),
                        "{ vid=10 hook=\"v10\" }".into(),
                    )],
                ),
                ("bridge", "movehost") => {
                    with(setup.clone(), &[Connect(".", "tgt:", "l1", "link1")])
                }
                _ => setup.clone(),
            };
            let a = args
                .get(&(t.as_str(), m.name.as_str()))
                .copied()
                .unwrap_or("");
            v.push(case(
                &format!("{t} {}", m.name),
                setup,
                Msg(path.clone(), m.name.clone(), a.into()),
            ));
        }
    }
    // Frames through the nodes that copy them; every copy ends at one of
    // this socket's hooks.
    let frame =
        |name: &str, setup: Vec<Step>, hook: &'static str, data: Vec<u8>, n: (u64, u64)| Case {
            name: name.to_string(),
            setup,
            target: Data(hook, data),
            frames: Some(n),
        };
    v.push(frame(
        "frame through hub",
        vec![
            Mkpeer(".", "hub", "in", "a"),
            Name(".:in", "fh"),
            Connect(".", "fh:", "o1", "b"),
            Connect(".", "fh:", "o2", "c"),
            Connect(".", "fh:", "o3", "d"),
        ],
        "in",
        vec![1, 2, 3, 4],
        (3, 3),
    ));
    v.push(frame(
        "frame back from echo",
        vec![Mkpeer(".", "echo", "e", "x")],
        "e",
        vec![1, 2, 3, 4],
        (1, 1),
    ));
    v.push(frame(
        "frame untagged by vlan",
        vec![
            Mkpeer(".", "vlan", "d", "downstream"),
            Name(".:d", "fv"),
            Connect(".", "fv:", "f", "v10"),
            Msg(
                "fv:".into(),
                "addfilter".into(),
                "{ vid=10 hook=\"v10\" }".into(),
            ),
        ],
        "d",
        vec![
            2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0, 0, 10, 8, 0, 1, 2,
        ],
        (1, 1),
    ));
    v.push(frame(
        "frame filtered by etf",
        vec![
            Mkpeer(".", "etf", "d", "downstream"),
            Name(".:d", "fe"),
            Connect(".", "fe:", "f", "ip"),
            Msg(
                "fe:".into(),
                "setfilter".into(),
                "{ matchhook=\"ip\" ethertype=0x800 }".into(),
            ),
        ],
        "d",
        vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0, 1, 2],
        (1, 1),
    ));
    v.push(frame(
        "frames copied by one2many",
        vec![
            Mkpeer(".", "one2many", "in", "one"),
            Name(".:in", "fo"),
            Connect(".", "fo:", "o1", "many0"),
            Connect(".", "fo:", "o2", "many1"),
            Msg(
                "fo:".into(),
                "setconfig".into(),
                "{ xmitAlg=2 failAlg=1 enabledLinks=[ 1 1 ] }".into(),
            ),
        ],
        "in",
        vec![1, 2, 3, 4],
        (2, 2),
    ));
    v.push(frame(
        "frame through tee",
        vec![
            Mkpeer(".", "tee", "r", "right"),
            Name(".:r", "ft"),
            Connect(".", "ft:", "l", "left"),
            Connect(".", "ft:", "r2l", "right2left"),
        ],
        "r",
        vec![1, 2, 3, 4],
        (2, 2),
    ));
    v.push(frame(
        "frame flooded by bridge",
        vec![
            Mkpeer(".", "bridge", "b0", "link0"),
            Name(".:b0", "fb"),
            Connect(".", "fb:", "b1", "link1"),
            Connect(".", "fb:", "b2", "link2"),
            Connect(".", "fb:", "b3", "link3"),
        ],
        "b0",
        ether_frame([0xff; 6]),
        (3, 3),
    ));
    v.push(frame(
        "frame duplicated by pipe",
        vec![
            Mkpeer(".", "pipe", "up", "upper"),
            Name(".:up", "fp"),
            Connect(".", "fp:", "lo", "lower"),
            Msg(
                "fp:".into(),
                "setcfg".into(),
                "{ downstream={ duplicate=50 } }".into(),
            ),
        ],
        "up",
        vec![1, 2, 3, 4],
        // Each frame may be duplicated again on its next turn (FreeBSD).
        (1, u64::MAX),
    ));
    v.push(frame(
        "frame through hub, tee and bridge",
        vec![
            Mkpeer(".", "hub", "in", "a"),
            Name(".:in", "fh"),
            Mkpeer("fh:", "tee", "b", "left"),
            Name("fh:b", "ft"),
            Mkpeer("ft:", "bridge", "right", "link0"),
            Name("ft:right", "fb"),
            Connect(".", "fh:", "o1", "c"),
            Connect(".", "ft:", "o2", "left2right"),
            Connect(".", "fb:", "o3", "link1"),
            Connect(".", "fb:", "o4", "link2"),
        ],
        "in",
        ether_frame([0xff; 6]),
        // One failed copy at the hub loses what it would have become
        // downstream (3 frames) as one counted drop: at least 2 seen.
        (2, 4),
    ));
    // Frames that leave the graph (into the stack, out of an interface):
    // only a clean answer and a consistent graph are checked.
    v.push(case(
        "frame to an eiface",
        vec![
            Mkpeer(".", "eiface", "e", "ether"),
            Ip(&["link", "set", "ngeth0", "up"]),
        ],
        Data("e", ether_frame([0xff; 6])),
    ));
    v.push(case(
        "frame to a down eiface",
        vec![Mkpeer(".", "eiface", "e", "ether")],
        Data("e", ether_frame([0xff; 6])),
    ));
    v.push(case(
        "frame out of an interface",
        dummy(&[Connect(".", "d0:", "l", "lower")]),
        Data("l", ether_frame([0xff; 6])),
    ));
    v
}

/// How an armed request ended.
enum Outcome {
    Ok,
    Text,
    Core,
    Lost,
}

fn classify(r: Result<(), Error>) -> Result<Outcome, String> {
    const ENOMEM: i32 = libc::ENOMEM;
    const ENOBUFS: i32 = libc::ENOBUFS;
    match r {
        Ok(()) => Ok(Outcome::Ok),
        Err(e) if e.ext_ack().is_some() => Ok(Outcome::Text),
        Err(Error::Kernel { errno, .. }) if errno == ENOMEM || errno == ENOBUFS => {
            Ok(Outcome::Core)
        }
        // socket(2) itself (no inode, no file).
        Err(Error::Io(e))
            if matches!(e.raw_os_error(), Some(libc::ENFILE) | Some(libc::EMFILE)) =>
        {
            Ok(Outcome::Core)
        }
        Err(Error::Io(e))
            if matches!(
                e.raw_os_error(),
                Some(ENOMEM) | Some(ENOBUFS) | Some(libc::EAGAIN)
            ) =>
        {
            Ok(Outcome::Lost)
        }
        Err(e) => Err(format!("{e} (errno {:?}, no extended-ACK text)", e.errno())),
    }
}

impl Sweep {
    fn schema(&mut self, path: &str, cmd: &str) -> Result<MsgSchema, String> {
        let node = self
            .obs
            .nodeinfo(path)
            .map_err(|e| format!("nodeinfo {path}: {e}"))?;
        if !self.schemas.contains_key(&node.type_name) {
            let s = self
                .obs
                .gettype(&node.type_name)
                .map_err(|e| format!("gettype {}: {e}", node.type_name))?;
            self.schemas.insert(node.type_name.clone(), s);
        }
        self.schemas[&node.type_name]
            .iter()
            .find(|m| m.name == cmd)
            .cloned()
            .ok_or_else(|| format!("type {} has no message {cmd}", node.type_name))
    }

    fn prepare(&mut self, s: &Step) -> Result<Ready, String> {
        let (path, cmd, text, ignore) = match s {
            Step::Msg(p, c, t) => (p.as_str(), c.as_str(), t.as_str(), false),
            Step::Undo(p, c, t) => (*p, *c, *t, true),
            _ => return Ok(Ready::Plain(s.clone())),
        };
        let m = self.schema(path, cmd)?;
        let arg = match &m.args {
            None => None,
            Some(f) if text.is_empty() => Some(ascii::encode(&ascii::default_value(f), f, 1)),
            Some(f) => {
                let v = ascii::parse(text, f).map_err(|e| format!("{cmd}: {}", e.show(text)))?;
                Some(ascii::encode(&v, f, 1))
            }
        };
        Ok(Ready::Msg {
            path: path.to_string(),
            cmd: cmd.to_string(),
            arg,
            dump: m.dump,
            ignore,
        })
    }

    /// The point's own client: a socket with its (unnamed) socket node.
    /// Each point gets a new one, so what an injected failure leaves in a
    /// socket (a lost answer, a dump cut short) cannot reach the next.
    fn client(&self) -> Result<(Client, u32), String> {
        let mut cl = Client::open().map_err(|e| format!("socket: {e}"))?;
        set_timeout(&cl, self.timeout_ms)?;
        let me = cl
            .create_socket_node(None)
            .map_err(|e| format!("socket node: {e}"))?;
        Ok((cl, me.id))
    }

    fn run(&self, cl: &mut Client, r: &Ready) -> Result<(), Error> {
        match r {
            Ready::Msg {
                path,
                cmd,
                arg,
                dump,
                ignore,
            } => {
                let r = if *dump {
                    cl.msg_dump(path, cmd, arg.clone()).map(drop)
                } else {
                    cl.msg(path, cmd, arg.clone()).map(drop)
                };
                if *ignore {
                    Ok(())
                } else {
                    r
                }
            }
            Ready::Plain(s) => match s {
                Step::Mkpeer(p, t, o, h) => cl.mkpeer(p, t, o, h).map(drop),
                Step::Connect(p, q, o, h) => cl.connect(p, q, o, h).map(drop),
                Step::Name(p, n) => cl.name(p, n),
                Step::Rmhook(p, h) => cl.rmhook(p, h),
                Step::Shutdown(p) => cl.shutdown(p),
                Step::Data(h, d) => cl.send_data(h, d),
                Step::Socket => {
                    let mut other = Client::open()?;
                    set_timeout(&other, self.timeout_ms).map_err(Error::Decode)?;
                    other.create_socket_node(Some("faultsock")).map(drop)
                }
                Step::ListNodes => cl.listnodes(false).map(drop),
                Step::ListHooks(p) => cl.listhooks(p).map(drop),
                Step::ListTypes => cl.listtypes().map(drop),
                Step::GetType(t) => cl.gettype(t).map(drop),
                Step::NodeInfo(p) => cl.nodeinfo(p).map(drop),
                Step::Uncovered => Err(Error::Decode(
                    "no fault-injection case for this node type".into(),
                )),
                Step::Ip(args) => {
                    // Deleting what is not there is not an error here.
                    let ok = std::process::Command::new("ip")
                        .args(*args)
                        .stderr(std::process::Stdio::null())
                        .status()
                        .map_err(Error::Io)?
                        .success();
                    if ok || args.get(1) == Some(&"del") {
                        Ok(())
                    } else {
                        Err(Error::Decode(format!("ip {} failed", args.join(" "))))
                    }
                }
                Step::Dummy => {
                    if cl.nodeinfo("d0:").is_ok() {
                        return Ok(());
                    }
                    // One ip process (each costs a good part of a second
                    // under emulation); -force: d0 may not exist yet.
                    let mut ip = std::process::Command::new("ip")
                        .args(["-force", "-batch", "-"])
                        .stdin(std::process::Stdio::piped())
                        .stderr(std::process::Stdio::null())
                        .spawn()
                        .map_err(Error::Io)?;
                    if let Some(mut i) = ip.stdin.take() {
                        use std::io::Write;
                        i.write_all(b"link del d0\nlink add d0 type dummy\nlink set d0 up\n")
                            .map_err(Error::Io)?;
                    }
                    ip.wait().map_err(Error::Io)?;
                    cl.nodeinfo("d0:").map(drop)
                }
                Step::Undo(..) => Err(Error::Decode("message not prepared".into())),
                Step::Msg(..) => Err(Error::Decode("message not prepared".into())),
            },
        }
    }

    /// Frames that arrive on `cl`'s hooks within `wait`, stopping as soon
    /// as `want` have (with no wait: those already there).
    fn drain(cl: &mut Client, want: u64, wait: Duration) -> Result<u64, String> {
        let end = Instant::now() + wait;
        let mut n = 0;
        loop {
            while cl.has_pending() {
                if let Async::Data { .. } = cl.next_async().map_err(|e| e.to_string())? {
                    n += 1;
                }
            }
            if n >= want {
                return Ok(n);
            }
            let left = end.saturating_duration_since(Instant::now());
            let ms = left.as_millis().min(100) as u16;
            let mut fds = [PollFd::new(cl.socket().as_fd(), PollFlags::POLLIN)];
            if poll(&mut fds, PollTimeout::from(ms)).map_err(|e| format!("poll: {e}"))? > 0 {
                match cl.next_async() {
                    Ok(Async::Data { .. }) => n += 1,
                    Ok(_) => {}
                    // A frame this socket's buffer could not take: the
                    // kernel counted it.
                    Err(Error::Io(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => {}
                    Err(e) => return Err(format!("receiving frames: {e}")),
                }
            } else if left.is_zero() {
                return Ok(n);
            }
        }
    }

    fn drops(&mut self) -> Result<u64, String> {
        let nodes = self
            .obs
            .listnodes(false)
            .map_err(|e| format!("listnodes: {e}"))?;
        Ok(nodes.iter().map(|n| n.drops + n.loop_drops).sum())
    }

    /// Every hook has its peer and the peer points back; hook counts match
    /// the listings; no socket node is left but `own`.
    fn check(&mut self, own: Option<u32>) -> Result<(), String> {
        let nodes = self
            .obs
            .listnodes(false)
            .map_err(|e| format!("listnodes: {e}"))?;
        let mut links: HashMap<u32, Vec<LinkInfo>> = HashMap::new();
        for n in &nodes {
            let addr = format!("[{:x}]:", n.id);
            let (info, l) = self
                .obs
                .listhooks(&addr)
                .map_err(|e| format!("listhooks {addr}: {e}"))?;
            if info.hooks as usize != l.len() {
                return Err(format!(
                    "node {addr} ({}) says {} hooks, lists {}",
                    n.type_name,
                    info.hooks,
                    l.len()
                ));
            }
            links.insert(n.id, l);
        }
        for (id, l) in &links {
            for h in l {
                let back = links.get(&h.peer.id).ok_or_else(|| {
                    format!(
                        "hook {} of [{id:x}] leads to [{:x}], not in the list",
                        h.ourhook, h.peer.id
                    )
                })?;
                if !back
                    .iter()
                    .any(|p| p.ourhook == h.peerhook && p.peerhook == h.ourhook && p.peer.id == *id)
                {
                    return Err(format!(
                        "hook {} of [{id:x}] has peer {}:{} which does not point back",
                        h.ourhook,
                        h.peer.addr(),
                        h.peerhook
                    ));
                }
            }
        }
        let stray = nodes
            .iter()
            .filter(|n| n.type_name == "socket" && Some(n.id) != own)
            .count();
        if stray != 0 {
            return Err(format!(
                "{stray} socket nodes left after their sockets closed"
            ));
        }
        Ok(())
    }

    /// Shuts down everything but the interfaces' ether nodes and `own`.
    fn clear(&mut self, own: Option<u32>) -> Result<(), String> {
        let nodes = self
            .obs
            .listnodes(false)
            .map_err(|e| format!("listnodes: {e}"))?;
        for n in nodes {
            if n.type_name == "ether" || Some(n.id) == own {
                continue;
            }
            match self.obs.shutdown(&format!("[{:x}]:", n.id)) {
                Ok(()) => {}
                Err(e) if e.errno() == Some(libc::ENOENT) => {}
                Err(e) => return Err(format!("shutdown [{:x}]: {e}", n.id)),
            }
        }
        Ok(())
    }

    fn sweep(&mut self, c: &Case, max: u32) -> Result<(Tally, bool), String> {
        let mut t = Tally::default();
        let mut kept: Option<(Client, u32)> = None;
        for n in 1..=max {
            let (mut cl, me) = match kept.take() {
                Some(k) => k,
                None => self.client()?,
            };
            for s in &c.setup {
                let r = self.prepare(s)?;
                self.run(&mut cl, &r)
                    .map_err(|e| format!("setup {s:?}: {e}"))?;
            }
            let r = self.prepare(&c.target)?;
            let before = if c.frames.is_some() { self.drops()? } else { 0 };
            self.fail.arm(n)?;
            let res = self.run(&mut cl, &r);
            let left = self.fail.disarm()?;
            let what = || format!("allocation {n} failing");
            let outcome = classify(res).map_err(|e| format!("{}: {e}", what()))?;
            if let Some((lo, hi)) = c.frames {
                // Copies arrive at once (delivery is synchronous) or from
                // a pipe's timer: wait only while some are missing.
                let end = Instant::now() + Duration::from_millis(self.timeout_ms);
                let refused = !matches!(outcome, Outcome::Ok);
                let mut got = 0;
                let dropped = loop {
                    got += Self::drain(&mut cl, u64::MAX, Duration::ZERO)?;
                    let dropped = self.drops()? - before;
                    if got + dropped >= lo || refused || Instant::now() >= end {
                        break dropped;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                };
                // Late extra copies (a pipe's duplicate).
                got += Self::drain(&mut cl, u64::MAX, Duration::from_millis(20))?;
                let seen = got + dropped;
                let accounted = (lo..=hi).contains(&seen) || (refused && seen == 0);
                if !accounted {
                    return Err(format!(
                        "{}: {got} frames arrived and {dropped} drops were counted, of {lo}..{hi}",
                        what()
                    ));
                }
            }
            // A socket whose request ended cleanly serves the next point;
            // one that may hold a lost answer or a cut dump is closed.
            let keep = matches!(outcome, Outcome::Ok | Outcome::Text) && c.target_keeps_socket();
            let own = if keep { Some(me) } else { None };
            // (Not kept: closing the socket removes its node.)
            let cl = if keep {
                Some(cl)
            } else {
                drop(cl);
                None
            };
            if let Err(e) = self.check(own) {
                return Err(format!("{}: inconsistent graph: {e}", what()));
            }
            self.clear(own)?;
            if let Some(mut cl) = cl {
                let (_, hooks) = cl.listhooks(".").map_err(|e| format!("listhooks .: {e}"))?;
                for h in hooks {
                    cl.rmhook(".", &h.ourhook)
                        .map_err(|e| format!("rmhook {}: {e}", h.ourhook))?;
                }
                Self::drain(&mut cl, u64::MAX, Duration::ZERO)?;
                kept = Some((cl, me));
            }
            if left > 0 {
                // The command made fewer than n allocations: the n-th
                // never happened, and every one it makes has failed once.
                return Ok((t, true));
            }
            t.points += 1;
            match outcome {
                Outcome::Ok => t.ok += 1,
                Outcome::Text => t.text += 1,
                Outcome::Core => t.core += 1,
                Outcome::Lost => t.lost += 1,
            }
        }
        Ok((t, false))
    }
}

fn usage() -> &'static str {
    "\
usage: ngfuzz faults [options]
  --max N          fail at most the first N allocations of each command (default 400)
  --only SUBSTR    only the cases whose name contains SUBSTR
  --timeout-ms MS  how long to wait for a lost answer or for frames (default 1000)
  -v, --verbose    print each case as it starts
Runs in the current network namespace, which should hold a dummy
interface d0 (its ether node is used) and no other graph."
}

pub fn main(args: &[String]) -> ExitCode {
    match run(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ngfuzz faults: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut max = 400;
    let mut only = None;
    let mut timeout_ms = 1000;
    let mut verbose = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = || -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{a} needs a number"))
        };
        match a.as_str() {
            "--max" => max = num()? as u32,
            "--timeout-ms" => timeout_ms = num()?,
            "--only" => only = it.next().cloned(),
            "-v" | "--verbose" => verbose = true,
            "-h" | "--help" => {
                println!("{}", usage());
                return Ok(ExitCode::SUCCESS);
            }
            other => {
                eprintln!("ngfuzz faults: unknown option {other}\n{}", usage());
                return Ok(ExitCode::from(2));
            }
        }
    }
    let mut cl = Client::open().map_err(|e| e.to_string())?;
    set_timeout(&cl, timeout_ms)?;
    let mut schemas = HashMap::new();
    for t in cl.listtypes().map_err(|e| e.to_string())? {
        let s = cl.gettype(&t.name).map_err(|e| e.to_string())?;
        schemas.insert(t.name, s);
    }
    let all = cases(&schemas);
    let mut sw = Sweep {
        obs: cl,
        fail: FailNth::open()?,
        schemas,
        timeout_ms,
    };
    sw.clear(None)?;
    sw.check(None)
        .map_err(|e| format!("before the sweep: {e}"))?;
    let (mut points, mut ncases, mut failed) = (0, 0, 0);
    for c in all
        .iter()
        .filter(|c| only.as_ref().is_none_or(|o| c.name.contains(o.as_str())))
    {
        if verbose {
            eprintln!("faults: {} ...", c.name);
        }
        ncases += 1;
        let t0 = Instant::now();
        match sw.sweep(c, max) {
            Ok((t, all)) => {
                println!(
                    "faults: {}: {} points ({}), ok {}, errors with text {}, core ENOMEM {}, answers lost {} ({:.1} s)",
                    c.name,
                    t.points,
                    if all { "all" } else { "capped" },
                    t.ok,
                    t.text,
                    t.core,
                    t.lost,
                    t0.elapsed().as_secs_f64()
                );
                if t.points == 0 {
                    println!("faults: {}: FAILED: no allocation was failed", c.name);
                    failed += 1;
                }
                points += t.points;
            }
            Err(e) => {
                println!("faults: {}: FAILED: {e}", c.name);
                failed += 1;
                // Start the next case from an empty graph.
                let _ = sw.fail.disarm();
                sw.clear(None)?;
            }
        }
    }
    if failed > 0 {
        println!("faults: {points} points over {ncases} cases, {failed} cases FAILED");
        return Ok(ExitCode::from(1));
    }
    println!("faults: {points} points over {ncases} cases, every one clean");
    Ok(ExitCode::SUCCESS)
}
