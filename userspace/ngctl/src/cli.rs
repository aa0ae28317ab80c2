//! What the command implementations, the output formats and the main
//! program share: the command table's entry type, the state commands run
//! with, how a command fails and how a failure is reported, and the output
//! switches (debug level, JSON indentation).

use netgraph::{Client, Error};
use std::sync::atomic::{AtomicU32, Ordering};

pub const EX_USAGE: u8 = 64;
pub const EX_OSERR: u8 = 71;

/// How a command failed.
#[derive(Debug)]
pub enum CmdError {
    /// Wrong arguments (inside a command, before its usage is known).
    Usage,
    /// Wrong arguments: print `usage: <usage>`, exit 64.
    BadUsage(&'static str),
    /// The operation failed: the message is printed after "ngctl: ", exit 71.
    Failed(String),
    /// `quit`.
    Quit,
}

pub type CmdResult = Result<(), CmdError>;

/// Formats a kernel error the way FreeBSD ngctl does (`send msg: ...`),
/// with the kernel's extended-ACK text appended.
pub fn send_err(what: &str, e: Error) -> CmdError {
    match e.ext_ack() {
        Some(m) => CmdError::Failed(format!("{what}: {} ({m})", e.strerror())),
        None => CmdError::Failed(format!("{what}: {}", e.strerror())),
    }
}

#[derive(Debug)]
pub struct Cmd {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub usage: &'static str,
    pub summary: &'static str,
    pub help: &'static str,
    pub run: fn(&mut Ctx, &[String]) -> CmdResult,
}

/// The state commands run with.
pub struct Ctx {
    pub client: Client,
    pub json: bool,
    /// Nesting depth of `read` (guards against a file reading itself).
    pub depth: usize,
    /// `-k`: a failing line of a command file does not stop it.
    pub keep_going: bool,
    /// A line failed while going on past failures.
    pub failed: bool,
}

/// The debug level (`-d`, `debug`): the library's netlink trace level.
pub fn debug_level() -> u32 {
    netgraph::debug()
}

pub fn set_debug_level(n: u32) {
    netgraph::set_debug(n);
}

pub static PRETTY: AtomicU32 = AtomicU32::new(0);

/// Prints a JSON value (compact, or indented with --pretty).
pub fn print_json(v: &serde_json::Value) {
    let s = if PRETTY.load(Ordering::Relaxed) != 0 {
        serde_json::to_string_pretty(v)
    } else {
        serde_json::to_string(v)
    };
    println!("{}", s.unwrap_or_default());
}

/// Reports a command's failure; returns the exit status.
pub fn report(e: &CmdError) -> u8 {
    match e {
        CmdError::Usage => {
            eprintln!("ngctl: usage error");
            EX_USAGE
        }
        CmdError::BadUsage(u) => {
            eprintln!("ngctl: usage: {u}");
            EX_USAGE
        }
        CmdError::Failed(m) => {
            eprintln!("ngctl: {m}");
            EX_OSERR
        }
        CmdError::Quit => 0,
    }
}
