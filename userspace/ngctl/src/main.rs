//! ngctl: FreeBSD's netgraph control utility for netgraph for Linux.
//!
//! Commands, aliases, output formats and exit codes follow FreeBSD ngctl(8).
//! Additions: `-n NETNS` (run in another network namespace: an `ip netns`
//! name or a path), `-j`/`--json`. FreeBSD's `-n nodename` (the name of
//! ngctl's own node) is `-N nodename` here.

mod cli;
mod commands;
mod man;
mod output;

use clap::Parser;
use cli::{report, set_debug_level, CmdError, Ctx, EX_OSERR, EX_USAGE, PRETTY};
use commands::run_file;
use netgraph::Client;
use std::io::{BufRead, IsTerminal, Write};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

#[derive(Parser, Debug)]
#[command(
    name = "ngctl",
    about = "netgraph control utility",
    disable_help_subcommand = true,
    disable_version_flag = true
)]
struct Args {
    /// Increase the debugging verbosity level
    #[arg(short = 'd', action = clap::ArgAction::Count)]
    debug: u8,
    /// Read commands from FILE ("-" for standard input)
    #[arg(short = 'f', value_name = "FILE")]
    file: Option<String>,
    /// Run in network namespace NETNS (an `ip netns` name or a path)
    #[arg(short = 'n', long = "netns", value_name = "NETNS")]
    netns: Option<String>,
    /// Name of ngctl's own socket node (FreeBSD's -n nodename)
    #[arg(short = 'N', value_name = "NODENAME")]
    nodename: Option<String>,
    /// Print data as JSON
    #[arg(short = 'j', long = "json")]
    json: bool,
    /// Indent JSON output
    #[arg(short = 'p', long = "pretty")]
    pretty: bool,
    /// With -f: go on past a failing line (the status is still 71)
    #[arg(short = 'k', long = "keep-going")]
    keep_going: bool,
    /// Print the version of ngctl and of the kernel module's ABI
    #[arg(short = 'V', long = "version")]
    version: bool,
    /// Print a shell completion script (bash, zsh or fish) and exit
    #[arg(long = "completions", value_name = "SHELL", hide = true)]
    completions: Option<clap_complete::Shell>,
    /// Print the manual page ngctl(8) (roff) and exit
    #[arg(long = "man", hide = true)]
    man: bool,
    /// The command and its arguments
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

/// The whole CLI as one clap definition: the options above plus the
/// FreeBSD command table as subcommands. Completions and the man page are
/// generated from it, so they cannot drift from what ngctl accepts.
fn cli_definition() -> clap::Command {
    use clap::CommandFactory;
    let mut cmd = Args::command()
        .mut_arg("command", |a| a.hide(true))
        .mut_arg("completions", |a| a.hide(true))
        .mut_arg("man", |a| a.hide(true))
        .about("netgraph control utility")
        .long_about(
            "ngctl manipulates netgraph nodes and hooks, one graph per network namespace, \
             over the generic netlink family \"netgraph\". With no command it runs \
             interactively; with -f it reads commands from a file. Commands, aliases, \
             output formats and exit codes follow FreeBSD's ngctl(8).",
        )
        .version(env!("CARGO_PKG_VERSION"));
    for c in commands::COMMANDS {
        let mut sub = clap::Command::new(c.name)
            .about(c.summary)
            .long_about(c.help)
            .override_usage(c.usage)
            .arg(
                clap::Arg::new("args")
                    .num_args(0..)
                    .trailing_var_arg(true)
                    .allow_hyphen_values(true)
                    .value_name("ARGS"),
            );
        for a in c.aliases {
            sub = sub.visible_alias(*a);
        }
        cmd = cmd.subcommand(sub);
    }
    cmd
}

/// FreeBSD's usage line, with this ngctl's options.
const USAGE: &str = "usage: ngctl [-dkjp] [-f file] [-n netns] [-N nodename] [command ...]";

/// The man page's sections that clap does not write.
const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
.B 0
success (also after
.BR quit )
.TP
.B 64
a usage error (EX_USAGE), including an unknown option
.TP
.B 71
an operation failed (EX_OSERR): the kernel refused (the message shows its
strerror text and the kernel's reason), an unknown command, a failing line
of a
.B \-f
script (with
.BR \-k ,
after running the rest)
.SH EXAMPLES
.nf
# A hub joined to an eiface, named and made persistent
ngctl mkpeer . hub tmp link0
ngctl name .:tmp sw
ngctl msg sw: setpersistent
ngctl mkpeer sw: eiface link1 ether
# What was made, for a script
ngctl \-j mkpeer sw: eiface link2 ether
# FreeBSD's generic messages, replies as FreeBSD prints them
ngctl msg sw: nodeinfo
ngctl msg sw: shutdown
# A script from standard input, in another network namespace
printf 'list\enshow sw:\en' | ngctl \-n testbed
# The graph as a picture
ngctl dot graph.svg
# Every hook's counters, then their rates every second
ngctl show \-s sw:
ngctl stats \-i 1
.fi
.SH "SEE ALSO"
.BR nghook (8),
.BR ip\-netns (8),
.BR dot (1),
FreeBSD's
.BR ngctl (8)
and
.BR netgraph (4);
the node types: Documentation/types.rst.
"#;

/// `--completions SHELL` / `--man`: prints what is asked and exits.
fn generate() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().collect();
    let pos = |f: &str| args.iter().position(|a| a == f);
    if let Some(i) = pos("--completions") {
        let shell: clap_complete::Shell = args.get(i + 1)?.parse().ok()?;
        let mut cmd = cli_definition();
        clap_complete::generate(shell, &mut cmd, "ngctl", &mut std::io::stdout());
        return Some(ExitCode::SUCCESS);
    }
    if pos("--man").is_some() {
        return Some(man::print(cli_definition(), MAN_EXTRA));
    }
    None
}

/// Prints whatever arrived at the socket node without blocking.
fn drain_async(ctx: &mut Ctx) {
    loop {
        if !ctx.client.has_pending() && !readable(ctx.client.socket().as_raw_fd(), 0) {
            return;
        }
        match ctx.client.next_async() {
            Ok(a) => commands::print_async(&a),
            Err(_) => return,
        }
    }
}

fn readable(fd: i32, timeout_ms: u16) -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    // SAFETY: `fd` is an open descriptor owned by the caller for this call.
    let bfd = unsafe { BorrowedFd::borrow_raw(fd) };
    let mut fds = [PollFd::new(bfd, PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::from(timeout_ms)), Ok(n) if n > 0)
}

/// Interactive mode: FreeBSD's prompt, with data arriving at the socket
/// node printed while waiting for input.
fn interactive(ctx: &mut Ctx) -> u8 {
    print!("{}", output::help_summary(commands::COMMANDS));
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        print!("+ ");
        let _ = std::io::stdout().flush();
        loop {
            drain_async(ctx);
            if readable(stdin.as_raw_fd(), 100) {
                break;
            }
        }
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) => {
                println!();
                return 0;
            }
            Ok(_) => {}
            Err(_) => return EX_OSERR,
        }
        let words = commands::split_line(&line);
        match commands::run_words(ctx, &words) {
            Ok(()) => {}
            Err(CmdError::Quit) => return 0,
            Err(e) => {
                report(&e);
            }
        }
    }
}

fn main() -> ExitCode {
    if let Some(code) = generate() {
        return code;
    }
    // Like a C program: a closed pipe (`ngctl list | head`) ends ngctl
    // quietly instead of failing a write.
    // SAFETY: setting a signal disposition to the default before any other
    // thread exists.
    let _ = unsafe {
        nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        )
    };
    let args = match Args::try_parse() {
        Ok(a) => a,
        // --help: not an error.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // Usage errors are 64 (EX_USAGE), clap's own too.
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(EX_USAGE);
        }
    };
    // The command words may hold hyphens (`msg x: setx -1`), the first not.
    if let Some(w) = args
        .command
        .first()
        .filter(|w| w.starts_with('-') && w.len() > 1)
    {
        eprintln!("ngctl: unknown option {w}");
        eprintln!("{USAGE}");
        return ExitCode::from(EX_USAGE);
    }
    if args.version {
        println!("ngctl {}", env!("CARGO_PKG_VERSION"));
        match Client::open() {
            Ok(c) => println!(
                "kernel: netgraph generic netlink family version {} (this ngctl speaks {})",
                c.abi_version(),
                netgraph::sys::NETGRAPH_GENL_VERSION
            ),
            Err(e) => println!("kernel: {e}"),
        }
        return ExitCode::SUCCESS;
    }
    set_debug_level(args.debug as u32);
    if args.pretty {
        PRETTY.store(1, Ordering::Relaxed);
    }
    if let Some(ns) = &args.netns {
        if let Err(e) = netgraph::enter_netns(ns) {
            eprintln!("ngctl: {e}");
            eprintln!("ngctl: (-n names a network namespace here; FreeBSD's -n nodename is -N)");
            return ExitCode::from(EX_OSERR);
        }
    }
    let mut client = match Client::open() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ngctl: {e}");
            return ExitCode::from(EX_OSERR);
        }
    };
    // FreeBSD names the node ngctlPID; naming needs CAP_NET_ADMIN here, so
    // an unprivileged ngctl (reads only) runs unnamed when refused. A name
    // asked for with -N is not dropped silently.
    let name = args
        .nodename
        .clone()
        .unwrap_or_else(|| format!("ngctl{}", std::process::id()));
    let made = match client.create_socket_node(Some(&name)) {
        Err(e) if e.errno() == Some(libc_eperm()) && args.nodename.is_none() => {
            client.create_socket_node(None)
        }
        r => r,
    };
    if let Err(e) = made {
        eprintln!("ngctl: can't create node: {e}");
        return ExitCode::from(EX_OSERR);
    }
    let mut ctx = Ctx {
        client,
        json: args.json,
        depth: 0,
        keep_going: args.keep_going,
        failed: false,
    };
    // Fault-injection sweeps (tests/scenarios/41-fault-injection.sh): the
    // n-th allocation the kernel makes for the commands fails (fail-nth,
    // Documentation/fault-injection); "not reached" when they made fewer,
    // so a sweep knows it is done.
    let nth = std::env::var("NGCTL_FAIL_NTH").ok();
    if let Some(n) = &nth {
        if let Err(e) = std::fs::write("/proc/thread-self/fail-nth", n) {
            eprintln!("ngctl: fail-nth: {e}");
            return ExitCode::from(EX_OSERR);
        }
    }
    let status = if !args.command.is_empty() {
        if args.json && commands::lookup(&args.command[0]).is_err() {
            // `ngctl -j jail cmd`: FreeBSD's jail option.
            eprintln!(
                "ngctl: \"{}\": unknown command (-j prints JSON here; FreeBSD's -j jail is -n NETNS)",
                args.command[0]
            );
            return ExitCode::from(EX_OSERR);
        }
        match commands::run_words(&mut ctx, &args.command) {
            Ok(()) => 0,
            Err(e) => report(&e),
        }
    } else if let Some(f) = &args.file {
        from_file(&mut ctx, f)
    } else if !std::io::stdin().is_terminal() {
        // Commands from a pipe (`echo list | ngctl`), as from -f -.
        from_file(&mut ctx, "-")
    } else if std::io::stdout().is_terminal() {
        interactive(&mut ctx)
    } else {
        eprintln!("{USAGE}");
        EX_USAGE
    };
    if nth.is_some() {
        let left = std::fs::read_to_string("/proc/thread-self/fail-nth").unwrap_or_default();
        let _ = std::fs::write("/proc/thread-self/fail-nth", "0");
        if left.trim() != "0" {
            eprintln!("ngctl: fail-nth: not reached");
        }
    }
    ExitCode::from(status)
}

/// Runs a command file (`-`: standard input); returns the exit status.
fn from_file(ctx: &mut Ctx, file: &str) -> u8 {
    match run_file(ctx, file) {
        // -k: every line ran; a failure still shows in the status.
        Ok(()) if ctx.failed => EX_OSERR,
        Ok(()) | Err(CmdError::Quit) => 0,
        Err(CmdError::Usage) => EX_USAGE,
        Err(CmdError::Failed(m)) => {
            if !m.is_empty() {
                eprintln!("ngctl: {m}");
            }
            EX_OSERR
        }
        Err(e) => report(&e),
    }
}

/// EPERM, the refusal of an unprivileged node name.
fn libc_eperm() -> i32 {
    nix::errno::Errno::EPERM as i32
}
