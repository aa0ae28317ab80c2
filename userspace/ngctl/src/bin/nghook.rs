//! nghook: connect to a hook of a netgraph node and exchange frames with it
//! through standard input and output (FreeBSD nghook(8)).
//!
//! ```text
//! nghook [-adlnsS] [-m msg]... path [hookname]
//! nghook -e [-n] [-m msg]... path hookname prog [args...]
//! ```
//!
//! Connects the hook `hook` of this program's socket node to hook
//! `hookname` (default `debug`) of the node at `path`, sends the `-m`
//! messages (FreeBSD's ASCII form, `"setcfg { delay=10 }"`) to that node,
//! then relays: each frame arriving is written to standard output (raw, or
//! as a hex dump with -a), each read from standard input is sent as one
//! frame. -l sends every received frame back; -n does not read standard
//! input; -s writes to file descriptor 0 instead of 1, -S reads from 1
//! instead of 0 (a bidirectional socket on one descriptor); -e runs `prog`
//! with the hook as its standard input and output (one frame per datagram)
//! and exits with its status; -d traces the netlink conversation.
//!
//! Exit status as FreeBSD's: 64 for a usage error, 71 for everything else
//! that stops it — including the end of standard input ("EOF(stdin)").
//!
//! Additions: `-N NETNS` / `--netns NETNS` (an `ip netns` name or a path;
//! FreeBSD's `-n` is "no input" here too), `-c COUNT` (exit 0 after COUNT
//! frames), `-b` (go to the background once the hook is connected and the
//! messages are sent: the command returns when the hook exists, so scripts
//! need no polling loop) with `-p FILE` (the relaying process's PID).

#[path = "../man.rs"]
mod man;

use clap::Parser;
use netgraph::{Async, Client};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::process::ExitCode;

const EX_USAGE: u8 = 64;
const EX_OSERR: u8 = 71;

#[derive(Parser, Debug)]
#[command(
    name = "nghook",
    about = "connect to a netgraph hook",
    long_about = "nghook connects a hook of its own socket node to hook HOOKNAME (default \"debug\") \
                  of the node at PATH, sends the -m messages to that node, then writes every frame \
                  that arrives to standard output and sends every read from standard input as one \
                  frame, as FreeBSD's nghook(8). With -e it runs PROG with the hook as its standard \
                  input and output instead.",
    version,
    override_usage = "nghook [-adlnsS] [-m msg]... path [hookname]\n       \
                      nghook -e [-n] [-m msg]... path hookname prog [args...]"
)]
struct Args {
    /// Print frames as a hex dump instead of raw bytes
    #[arg(short = 'a')]
    ascii: bool,
    /// Trace the netlink requests and answers (repeat for hex dumps)
    #[arg(short = 'd', action = clap::ArgAction::Count)]
    debug: u8,
    /// Run prog with the hook as its standard input and output
    #[arg(short = 'e')]
    exec: bool,
    /// Send every received frame back out of the hook
    #[arg(short = 'l')]
    lo: bool,
    /// Send this message to the node once connected (repeatable)
    #[arg(short = 'm', value_name = "MSG")]
    msgs: Vec<String>,
    /// Do not read standard input
    #[arg(short = 'n')]
    no_input: bool,
    /// Write frames to file descriptor 0 instead of 1
    #[arg(short = 's')]
    out_stdin: bool,
    /// Read frames from file descriptor 1 instead of 0
    #[arg(short = 'S')]
    in_stdout: bool,
    /// Exit after COUNT received frames
    #[arg(short = 'c', value_name = "COUNT")]
    count: Option<u64>,
    /// Go to the background once the hook is connected
    #[arg(short = 'b')]
    background: bool,
    /// With -b: write the relaying process's PID to FILE
    #[arg(short = 'p', value_name = "FILE", requires = "background")]
    pidfile: Option<String>,
    /// Network namespace (an `ip netns` name or a path)
    #[arg(short = 'N', long = "netns", value_name = "NETNS")]
    netns: Option<String>,
    /// The node to connect to
    path: String,
    /// Its hook
    hookname: Option<String>,
    /// With -e: the program and its arguments
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    prog: Vec<String>,
}

const HOOK: &str = "hook";

/// Why nghook stops: the message and the exit status.
struct Stop(String, u8);

impl From<String> for Stop {
    fn from(m: String) -> Self {
        Stop(m, EX_OSERR)
    }
}

fn usage(m: &str) -> Stop {
    Stop(
        format!("{m}\nusage: nghook [-adlnsS] [-m msg]... path [hookname]\n   or: nghook -e [-n] [-m msg]... path hookname prog [args...]"),
        EX_USAGE,
    )
}

fn connect(args: &Args, hook: &str) -> Result<Client, Stop> {
    if let Some(ns) = &args.netns {
        netgraph::enter_netns(ns)?;
    }
    let mut cl = Client::open().map_err(|e| e.to_string())?;
    // Unnamed when naming is refused (it needs CAP_NET_ADMIN).
    let name = format!("nghook{}", std::process::id());
    match cl.create_socket_node(Some(&name)) {
        Err(e) if e.errno() == Some(nix::errno::Errno::EPERM as i32) => cl.create_socket_node(None),
        r => r,
    }
    .map_err(|e| format!("can't get sockets: {e}"))?;
    cl.connect(".", &args.path, HOOK, hook)
        .map_err(|e| format!("can't connect to node: {e}"))?;
    for m in &args.msgs {
        let t = m.trim_start();
        let (cmd, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        cl.msg_text(&args.path, cmd, rest)
            .map_err(|e| format!("sending message '{m}': {e}"))?;
    }
    Ok(cl)
}

/// `-b`: the parent waits until the child says it is connected (one byte
/// on a pipe) and exits; the child relays.
fn background(pidfile: Option<&str>) -> Result<Option<OwnedFd>, Stop> {
    use nix::unistd::{fork, pipe, ForkResult};
    let (r, w) = pipe().map_err(|e| format!("pipe: {e}"))?;
    // SAFETY: single-threaded at this point; the child only continues this
    // program.
    match unsafe { fork() }.map_err(|e| format!("fork: {e}"))? {
        ForkResult::Parent { child } => {
            drop(w);
            let mut b = [0u8; 1];
            let ok = matches!(nix::unistd::read(&r, &mut b), Ok(1));
            if !ok {
                // The child said why on its standard error.
                let status = match nix::sys::wait::waitpid(child, None) {
                    Ok(nix::sys::wait::WaitStatus::Exited(_, c)) => c as u8,
                    _ => EX_OSERR,
                };
                return Err(Stop(String::new(), status));
            }
            if let Some(f) = pidfile {
                std::fs::write(f, format!("{child}\n")).map_err(|e| format!("{f}: {e}"))?;
            }
            Err(Stop(String::new(), 0))
        }
        ForkResult::Child => {
            drop(r);
            Ok(Some(w))
        }
    }
}

fn run(args: &Args) -> Result<(), Stop> {
    netgraph::set_debug(args.debug.into());
    let hook = match (&args.hookname, args.exec) {
        (Some(h), _) => h.clone(),
        (None, false) => "debug".to_string(),
        (None, true) => return Err(usage("-e needs a hook name and a program")),
    };
    if args.exec && (args.ascii || args.lo) {
        return Err(usage("conflicting options"));
    }
    if args.exec && args.prog.is_empty() {
        return Err(usage("-e needs a program"));
    }
    if !args.exec && !args.prog.is_empty() {
        return Err(usage("too many arguments"));
    }
    let ready = if args.background {
        background(args.pidfile.as_deref())?
    } else {
        None
    };
    let mut cl = connect(args, &hook)?;
    if let Some(w) = ready {
        let _ = nix::unistd::write(&w, b"x");
    }
    if args.exec {
        return exec(args, &mut cl);
    }
    let infd = if args.in_stdout { 1 } else { 0 };
    let outfd = if args.out_stdin { 0 } else { 1 };
    relay(args, &mut cl, (!args.no_input).then_some(infd), outfd)
}

fn write_all(fd: i32, mut b: &[u8]) -> Result<(), String> {
    // SAFETY: the descriptor is one of the standard ones, open for the
    // program's life.
    let f = unsafe { BorrowedFd::borrow_raw(fd) };
    while !b.is_empty() {
        match nix::unistd::write(f, b) {
            Ok(n) => b = &b[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(format!("write(stdout): {e}")),
        }
    }
    Ok(())
}

/// Relays between the hook and the descriptors `infd` (None: no input)
/// and `outfd`.
fn relay(args: &Args, cl: &mut Client, infd: Option<i32>, outfd: i32) -> Result<(), Stop> {
    let mut received = 0u64;
    let mut buf = vec![0u8; 65536];
    loop {
        if args.count.is_some_and(|c| received >= c) {
            return Ok(());
        }
        if !cl.has_pending() {
            let sfd = cl.socket().as_raw_fd();
            // SAFETY: both descriptors are open for the duration of the call.
            let s = unsafe { BorrowedFd::borrow_raw(sfd) };
            let mut fds = vec![PollFd::new(s, PollFlags::POLLIN)];
            if let Some(i) = infd {
                // SAFETY: as above.
                fds.push(PollFd::new(
                    unsafe { BorrowedFd::borrow_raw(i) },
                    PollFlags::POLLIN,
                ));
            }
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(format!("select: {e}").into()),
            }
            let input_ready = infd.is_some()
                && fds[1]
                    .revents()
                    .is_some_and(|r| r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP));
            let sock_ready = fds[0]
                .revents()
                .is_some_and(|r| r.contains(PollFlags::POLLIN));
            if let (true, Some(i)) = (input_ready, infd) {
                // SAFETY: a standard descriptor, open for the program's life.
                let n = nix::unistd::read(unsafe { BorrowedFd::borrow_raw(i) }, &mut buf)
                    .map_err(|e| format!("read(stdin): {e}"))?;
                if n == 0 {
                    return Err("EOF(stdin)".to_string().into());
                }
                cl.send_data(HOOK, &buf[..n])
                    .map_err(|e| format!("write(hook): {e}"))?;
            }
            if !sock_ready {
                continue;
            }
        }
        match cl.next_async().map_err(|e| format!("read(hook): {e}"))? {
            Async::Data { hook: _, data } => {
                received += 1;
                if args.ascii {
                    // FreeBSD: the dump, then an empty line.
                    write_all(outfd, format!("{}\n", netgraph::hexdump(&data)).as_bytes())?;
                } else {
                    write_all(outfd, &data)?;
                }
                if args.lo {
                    cl.send_data(HOOK, &data)
                        .map_err(|e| format!("write(hook): {e}"))?;
                }
            }
            Async::Event { .. } => {}
        }
    }
}

/// A connected pair of `AF_UNIX` `SOCK_SEQPACKET` sockets (close-on-exec):
/// datagrams that keep frame boundaries and report the peer's close.
fn seqpacket_pair() -> std::io::Result<(OwnedFd, OwnedFd)> {
    use nix::libc;
    use std::os::fd::FromRawFd;
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair writes.
    let r = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: socketpair succeeded: both descriptors are open and ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `-e`: the program gets one end of a datagram socket pair as standard
/// input (unless -n) and output: one frame per datagram, as FreeBSD's data
/// socket. nghook relays between the pair and the hook until the program
/// closes its end, and exits with the program's status.
fn exec(args: &Args, cl: &mut Client) -> Result<(), Stop> {
    let (ours, theirs) = seqpacket_pair().map_err(|e| format!("socketpair: {e}"))?;
    let mut cmd = std::process::Command::new(&args.prog[0]);
    cmd.args(&args.prog[1..]);
    let dup = || theirs.try_clone().map_err(|e| format!("dup: {e}"));
    cmd.stdout(dup()?);
    if args.no_input {
        cmd.stdin(std::process::Stdio::null());
    } else {
        cmd.stdin(dup()?);
    }
    let mut child = cmd.spawn().map_err(|e| format!("{}: {e}", args.prog[0]))?;
    // Only the program may hold its end (the Command keeps the copies it
    // was given), or its close would never be seen.
    drop(cmd);
    drop(theirs);
    let mut buf = vec![0u8; 65536];
    loop {
        if !cl.has_pending() {
            let sfd = cl.socket().as_raw_fd();
            // SAFETY: the netlink socket is open for the duration of the call.
            let s = unsafe { BorrowedFd::borrow_raw(sfd) };
            let mut fds = [
                PollFd::new(s, PollFlags::POLLIN),
                PollFd::new(ours.as_fd(), PollFlags::POLLIN),
            ];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(format!("select: {e}").into()),
            }
            if fds[1]
                .revents()
                .is_some_and(|r| r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP))
            {
                let n =
                    nix::unistd::read(&ours, &mut buf).map_err(|e| format!("read(prog): {e}"))?;
                if n == 0 {
                    break;
                }
                cl.send_data(HOOK, &buf[..n])
                    .map_err(|e| format!("write(hook): {e}"))?;
            }
            if !fds[0]
                .revents()
                .is_some_and(|r| r.contains(PollFlags::POLLIN))
            {
                continue;
            }
        }
        if let Async::Data { data, .. } = cl.next_async().map_err(|e| format!("read(hook): {e}"))? {
            // A program that stopped reading loses frames, as a full
            // FreeBSD data socket does.
            let _ = nix::unistd::write(&ours, &data);
        }
    }
    let status = child.wait().map_err(|e| format!("wait: {e}"))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(c) => Err(Stop(String::new(), c as u8)),
        None => Err(Stop(format!("{}: {status}", args.prog[0]), EX_OSERR)),
    }
}

/// The man page's sections that clap does not write.
const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
.B 0
the program of
.B \-e
exited 0, or
.B \-c
frames were received, or (with
.BR \-b )
the hook is connected
.TP
.B 64
a usage error (EX_USAGE)
.TP
.B 71
anything else that stops nghook (EX_OSERR), including the end of standard
input ("EOF(stdin)"), a refused connection or message
.PP
With
.BR \-e ,
the program's own exit status.
.SH EXAMPLES
.nf
# Print what arrives on a bridge's link5 as hex dumps
nghook \-an br0: link5
# Send one frame read from a file into a hub
nghook hub0: link3 < frame.bin
# A tap for a script: returns once connected, PID in a file
nghook \-b \-p /run/tap.pid \-an sw: link9 > /tmp/frames.txt
# Echo every frame back through a program
nghook \-e sw: link4 /bin/cat
.fi
.SH "SEE ALSO"
.BR ngctl (8),
FreeBSD's
.BR nghook (8)
and
.BR ng_socket (4).
"#;

fn main() -> ExitCode {
    netgraph::default_sigpipe();
    if std::env::args().any(|a| a == "--man") {
        use clap::CommandFactory;
        return man::print(Args::command(), MAN_EXTRA);
    }
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(EX_USAGE);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Stop(m, code)) => {
            if !m.is_empty() {
                eprintln!("nghook: {m}");
            }
            ExitCode::from(code)
        }
    }
}
