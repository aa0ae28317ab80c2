//! Tracing of the netlink conversation (FreeBSD's `NgSetDebug`): at level 1
//! every request, its attributes, and the answer (ACK, replies, errno with
//! the extended-ACK text) are written to standard error; at level 2 the
//! raw messages too, as hex dumps.

use crate::sys::netgraph_cmd as c;
use crate::Attr;
use std::sync::atomic::{AtomicU32, Ordering};

static LEVEL: AtomicU32 = AtomicU32::new(0);

/// Sets the trace level (0: off) and returns the previous one.
pub fn set_debug(level: u32) -> u32 {
    LEVEL.swap(level, Ordering::Relaxed)
}

/// The trace level.
pub fn debug() -> u32 {
    LEVEL.load(Ordering::Relaxed)
}

/// The command's name in the uapi header, without the prefix.
fn cmd_name(cmd: u32) -> &'static str {
    match cmd {
        c::NETGRAPH_CMD_SOCKET => "SOCKET",
        c::NETGRAPH_CMD_MKPEER => "MKPEER",
        c::NETGRAPH_CMD_CONNECT => "CONNECT",
        c::NETGRAPH_CMD_NAME => "NAME",
        c::NETGRAPH_CMD_RMHOOK => "RMHOOK",
        c::NETGRAPH_CMD_SHUTDOWN => "SHUTDOWN",
        c::NETGRAPH_CMD_NODEINFO => "NODEINFO",
        c::NETGRAPH_CMD_LISTHOOKS => "LISTHOOKS",
        c::NETGRAPH_CMD_LISTNODES => "LISTNODES",
        c::NETGRAPH_CMD_LISTTYPES => "LISTTYPES",
        c::NETGRAPH_CMD_MSG => "MSG",
        c::NETGRAPH_CMD_DATA => "DATA",
        c::NETGRAPH_CMD_EVT_NEWNODE => "EVT_NEWNODE",
        c::NETGRAPH_CMD_EVT_DELNODE => "EVT_DELNODE",
        c::NETGRAPH_CMD_EVT_NEWHOOK => "EVT_NEWHOOK",
        c::NETGRAPH_CMD_EVT_DELHOOK => "EVT_DELHOOK",
        c::NETGRAPH_CMD_EVT_RENAME => "EVT_RENAME",
        c::NETGRAPH_CMD_GETTYPE => "GETTYPE",
        _ => "?",
    }
}

fn attr_text(a: &Attr) -> String {
    match a {
        Attr::U32(k, v) => format!("{k}={v}"),
        Attr::Str(k, s) => format!("{k}={s:?}"),
        Attr::Flag(k) => format!("{k}"),
        Attr::Bytes(k, b) => format!("{k}=<{} bytes>", b.len()),
        Attr::Nested(k, v) => format!(
            "{k}={{{}}}",
            v.iter().map(attr_text).collect::<Vec<_>>().join(" ")
        ),
    }
}

/// A request going out.
pub(crate) fn request(cmd: u32, seq: u32, dump: bool, attrs: &[Attr], raw: &[u8]) {
    if debug() == 0 {
        return;
    }
    let attrs: Vec<String> = attrs.iter().map(attr_text).collect();
    eprintln!(
        "netgraph: -> {}{} seq {seq} [{}]",
        cmd_name(cmd),
        if dump { " (dump)" } else { "" },
        attrs.join(" ")
    );
    if debug() >= 2 {
        eprint!("{}", crate::hexdump(raw));
    }
}

/// One answer to request `seq`: a reply, the final ACK/DONE, or an error.
pub(crate) fn answer(seq: u32, what: Answer<'_>, raw: &[u8]) {
    if debug() == 0 {
        return;
    }
    match what {
        Answer::Reply(cmd) => eprintln!(
            "netgraph: <- {} seq {seq} ({} bytes)",
            cmd_name(cmd),
            raw.len()
        ),
        Answer::Done => eprintln!("netgraph: <- ACK seq {seq}"),
        Answer::Error(e) => eprintln!("netgraph: <- error seq {seq}: {e}"),
    }
    if debug() >= 2 {
        eprint!("{}", crate::hexdump(raw));
    }
}

pub(crate) enum Answer<'a> {
    Reply(u32),
    Done,
    Error(&'a crate::Error),
}
