//! nghook: connect to a hook of a netgraph node and exchange frames with it
//! through standard input and output (FreeBSD nghook(8)).
//!
//! `nghook [-a] [-l] [-n] [-c COUNT] [-N NETNS] path [hookname]`: connects
//! the hook `hook` of this program's socket node to hook `hookname`
//! (default `debug`) of the node at `path`. Frames arriving are written to
//! standard output (raw, or as a hex dump with -a); each read from standard
//! input is sent as one frame. -n: do not read standard input. -l: loop
//! frames back out. Additions: -c COUNT exits after COUNT frames; -N NETNS
//! runs in another network namespace.

use clap::Parser;
use netgraph::{Async, Client};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "nghook", about = "connect to a netgraph hook")]
struct Args {
    /// Print frames as a hex dump instead of raw bytes
    #[arg(short = 'a')]
    ascii: bool,
    /// Send every received frame back out of the hook
    #[arg(short = 'l')]
    lo: bool,
    /// Do not read standard input
    #[arg(short = 'n')]
    no_input: bool,
    /// Exit after COUNT received frames
    #[arg(short = 'c', value_name = "COUNT")]
    count: Option<u64>,
    /// Network namespace (an `ip netns` name or a path)
    #[arg(short = 'N', value_name = "NETNS")]
    netns: Option<String>,
    /// The node to connect to
    path: String,
    /// Its hook
    #[arg(default_value = "debug")]
    hookname: String,
}

const HOOK: &str = "hook";

fn run(args: &Args) -> Result<(), String> {
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
    .map_err(|e| format!("can't create node: {e}"))?;
    cl.connect(".", &args.path, HOOK, &args.hookname)
        .map_err(|e| format!("can't connect to {}: {e}", args.path))?;
    let mut out = std::io::stdout().lock();
    let mut stdin = std::io::stdin().lock();
    let mut received = 0u64;
    let mut buf = vec![0u8; 65536];
    let input_open = !args.no_input;
    loop {
        if args.count.is_some_and(|c| received >= c) {
            return Ok(());
        }
        if !cl.has_pending() {
            use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
            let sfd = cl.socket().as_raw_fd();
            // SAFETY: both descriptors are open for the duration of the call.
            let (s, i) = unsafe { (BorrowedFd::borrow_raw(sfd), BorrowedFd::borrow_raw(0)) };
            let mut fds = vec![PollFd::new(s, PollFlags::POLLIN)];
            if input_open {
                fds.push(PollFd::new(i, PollFlags::POLLIN));
            }
            poll(&mut fds, PollTimeout::NONE).map_err(|e| e.to_string())?;
            let input_ready = input_open
                && fds[1]
                    .revents()
                    .is_some_and(|r| r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP));
            let sock_ready = fds[0]
                .revents()
                .is_some_and(|r| r.contains(PollFlags::POLLIN));
            if input_ready {
                let n = stdin.read(&mut buf).map_err(|e| e.to_string())?;
                if n == 0 {
                    return Ok(());
                }
                cl.send_data(HOOK, &buf[..n])
                    .map_err(|e| format!("write: {e}"))?;
            }
            if !sock_ready {
                continue;
            }
        }
        match cl.next_async().map_err(|e| e.to_string())? {
            Async::Data { hook: _, data } => {
                received += 1;
                if args.ascii {
                    let _ = out.write_all(netgraph::hexdump(&data).as_bytes());
                } else {
                    let _ = out.write_all(&data);
                }
                let _ = out.flush();
                if args.lo {
                    cl.send_data(HOOK, &data)
                        .map_err(|e| format!("write: {e}"))?;
                }
            }
            Async::Event { .. } => {}
        }
    }
}

fn main() -> ExitCode {
    netgraph::default_sigpipe();
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nghook: {e}");
            ExitCode::from(71)
        }
    }
}
