// SPDX-License-Identifier: GPL-2.0

//! The control plane: generic netlink commands mapped to graph operations.

use crate::ffi::errno::{
    DResult, Errno, EHOSTUNREACH, EINVAL, ELOOP, EMSGSIZE, ENETDOWN, ENOBUFS, ENOENT, ENOMEM,
    ENOTCONN, EOPNOTSUPP, EPERM,
};
use crate::ffi::netlink::{
    dump_one, fail, AttrWriter, Dump, DumpCursor, DumpState, Msg, NetRef, NlError, NlResult,
    Request,
};
use crate::ffi::pernet;
use crate::ffi::rcu;
use crate::ffi::skb::Skb;
use crate::ffi::uapi as b;
use crate::graph::events::{put_link, put_node, Mcast};
use crate::graph::msg::{self, After, MsgDesc, Out, Value};
use crate::graph::{Caller, Fwd, Graph, Made, NodeInfo, Op};
use crate::types;
use kernel::alloc::{flags::GFP_KERNEL, KBox};

/// A required string attribute.
fn req_str<'a>(r: &Request<'a>, t: u32, what: &'static str) -> NlResult<&'a [u8]> {
    match r.attr(t) {
        Some(a) => Ok(a.str_bytes()),
        None => fail(EINVAL, what),
    }
}

/// OURHOOK and PEERHOOK, both required.
fn hook_pair<'a>(r: &Request<'a>) -> NlResult<(&'a [u8], &'a [u8])> {
    let ours = req_str(
        r,
        b::netgraph_attr_NETGRAPH_A_OURHOOK,
        "missing local hook name",
    )?;
    let peer = req_str(
        r,
        b::netgraph_attr_NETGRAPH_A_PEERHOOK,
        "missing peer hook name",
    )?;
    Ok((ours, peer))
}

/// An optional path, "." when absent.
fn path_or_dot<'a>(r: &Request<'a>) -> &'a [u8] {
    r.attr(b::netgraph_attr_NETGRAPH_A_PATH)
        .map(|a| a.str_bytes())
        .unwrap_or(b".")
}

fn reply_node(r: &Request<'_>, n: &NodeInfo) -> DResult {
    let mut m = r.reply(r.cmd() as u32)?;
    put_node(&mut m, b::netgraph_attr_NETGRAPH_A_NODE, n)?;
    r.send_reply(m)
}

pub(crate) fn doit(g: &'static Graph, r: &Request<'_>) -> NlResult {
    let c = Caller {
        portid: r.portid(),
        net: g.net,
    };
    let cmd = r.cmd() as u32;
    // What is open to everyone is listed; everything else needs the
    // capability (a new command is closed until it is listed here). MSG is
    // checked per message (read-only ones are open), SOCKET's name too.
    let open = matches!(
        cmd,
        b::netgraph_cmd_NETGRAPH_CMD_SOCKET
            | b::netgraph_cmd_NETGRAPH_CMD_NODEINFO
            | b::netgraph_cmd_NETGRAPH_CMD_MSG
    );
    if !open && !pernet::capable(r) {
        return fail(
            EPERM,
            "needs CAP_NET_ADMIN in the namespace's user namespace",
        );
    }
    match cmd {
        b::netgraph_cmd_NETGRAPH_CMD_SOCKET => cmd_socket(g, r, c),
        b::netgraph_cmd_NETGRAPH_CMD_MKPEER => cmd_mkpeer(g, r, c),
        b::netgraph_cmd_NETGRAPH_CMD_CONNECT => cmd_connect(g, r, c),
        b::netgraph_cmd_NETGRAPH_CMD_NAME => cmd_name(g, r, c),
        b::netgraph_cmd_NETGRAPH_CMD_RMHOOK => cmd_rmhook(g, r, c),
        b::netgraph_cmd_NETGRAPH_CMD_SHUTDOWN => cmd_shutdown(g, r, c),
        b::netgraph_cmd_NETGRAPH_CMD_NODEINFO => cmd_nodeinfo(g, r, c),
        b::netgraph_cmd_NETGRAPH_CMD_MSG => cmd_msg(g, r, c),
        b::netgraph_cmd_NETGRAPH_CMD_DATA => cmd_data(g, r, c),
        _ => fail(EOPNOTSUPP, "command not supported yet"),
    }
}

/// `NETGRAPH_CMD_SOCKET`: the caller's socket node (made if it has none).
fn cmd_socket(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let mut ev = Mcast { net: g.net };
    let name = r
        .attr(b::netgraph_attr_NETGRAPH_A_NAME)
        .map(|a| a.str_bytes());
    // A socket node is anyone's, a name is not: unprivileged users
    // could squat on the names admin scripts use (or on ngctlPID).
    if name.is_some() && !pernet::capable(r) {
        return fail(
            EPERM,
            "naming a node needs CAP_NET_ADMIN in the namespace's user namespace",
        );
    }
    // The answer's buffer first: once the node is made, nothing may fail.
    let mut m = r.reply(r.cmd() as u32)?;
    let info = g.with(|s, rtnl| {
        let id = s.socket_node(c, name, &types::socket::SOCKET, &mut Op::new(rtnl, &mut ev))?;
        s.nodeinfo(id).ok_or(NlError::from(ENOENT))
    })?;
    put_node(&mut m, b::netgraph_attr_NETGRAPH_A_NODE, &info)?;
    r.send_reply(m)?;
    Ok(())
}

/// `NETGRAPH_CMD_MKPEER`: a new node, connected to the node at PATH.
fn cmd_mkpeer(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let mut ev = Mcast { net: g.net };
    let ty = req_str(
        r,
        b::netgraph_attr_NETGRAPH_A_TYPE_NAME,
        "missing node type",
    )?;
    let (ours, peer) = hook_pair(r)?;
    // The answer's buffer first: once the node is made, nothing may fail.
    let m = r.reply(r.cmd() as u32)?;
    let made = g.with(|s, rtnl| {
        let at = s.resolve_from(c, path_or_dot(r))?;
        s.mkpeer(g.net, at, ty, ours, peer, &mut Op::new(rtnl, &mut ev))
    })?;
    reply_made(r, m, &made)?;
    Ok(())
}

/// The answer to MKPEER and CONNECT: the node the request was sent to
/// (NODE) and its new hook (LINK: final hook names, the node at the other
/// end), so that a client knows which `linkN` and which node it got.
fn reply_made(r: &Request<'_>, mut m: Msg, made: &Made) -> DResult {
    put_node(&mut m, b::netgraph_attr_NETGRAPH_A_NODE, &made.node)?;
    put_link(&mut m, &made.link)?;
    r.send_reply(m)
}

/// `NETGRAPH_CMD_CONNECT`: an edge between two existing nodes.
fn cmd_connect(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let mut ev = Mcast { net: g.net };
    let pp = req_str(r, b::netgraph_attr_NETGRAPH_A_PEERPATH, "missing peer path")?;
    let (ours, peer) = hook_pair(r)?;
    let m = r.reply(r.cmd() as u32)?;
    let made = g.with(|s, rtnl| {
        let at = s.resolve_from(c, path_or_dot(r))?;
        s.connect(at, pp, ours, peer, &mut Op::new(rtnl, &mut ev))
    })?;
    reply_made(r, m, &made)?;
    Ok(())
}

/// `NETGRAPH_CMD_NAME`: names a node.
fn cmd_name(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let mut ev = Mcast { net: g.net };
    let path = req_str(r, b::netgraph_attr_NETGRAPH_A_PATH, "missing path")?;
    let name = req_str(r, b::netgraph_attr_NETGRAPH_A_NAME, "missing name")?;
    g.with(|s, rtnl| {
        let id = s.resolve_from(c, path)?;
        s.name(id, name, &mut Op::new(rtnl, &mut ev))
    })?;
    Ok(())
}

/// `NETGRAPH_CMD_RMHOOK`: removes an edge.
fn cmd_rmhook(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let mut ev = Mcast { net: g.net };
    let hook = req_str(r, b::netgraph_attr_NETGRAPH_A_HOOK, "missing hook name")?;
    g.with(|s, rtnl| {
        let id = s.resolve_from(c, path_or_dot(r))?;
        s.rmhook(id, hook, &mut Op::new(rtnl, &mut ev))
    })?;
    Ok(())
}

/// `NETGRAPH_CMD_SHUTDOWN`: removes a node (or resets a surviving one).
fn cmd_shutdown(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let mut ev = Mcast { net: g.net };
    let path = req_str(r, b::netgraph_attr_NETGRAPH_A_PATH, "missing path")?;
    g.with(|s, rtnl| {
        let id = s.resolve_from(c, path)?;
        s.shutdown(id, &mut Op::new(rtnl, &mut ev));
        Ok::<(), NlError>(())
    })?;
    Ok(())
}

/// `NETGRAPH_CMD_NODEINFO`: one node's information.
fn cmd_nodeinfo(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let info = g.read(|s| {
        let id = s.resolve_from(c, path_or_dot(r))?;
        s.nodeinfo(id).ok_or(NlError::from(ENOENT))
    })?;
    reply_node(r, &info)?;
    Ok(())
}

/// `NETGRAPH_CMD_MSG`: a type-specific message (a dumped one goes to `dumpit`).
fn cmd_msg(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let mut ev = Mcast { net: g.net };
    let cmd = r.cmd() as u32;
    let name = req_str(
        r,
        b::netgraph_attr_NETGRAPH_A_MSG_CMD,
        "missing message name",
    )?;
    let mut reply = r.reply(cmd)?;
    // A read-only message of a type that answers those from its
    // own state runs without the RTNL or the graph's lock.
    let ro = g.read(|s| -> NlResult<_> {
        let id = s.resolve_from(c, path_or_dot(r))?;
        let Some(node) = s.node(id) else {
            return fail(ENOENT, "no such node");
        };
        let desc = node.ty.msgs.iter().find(|m| m.name.as_bytes() == name);
        Ok(match desc {
            Some(d) if d.readonly && node.imp.reads_without_rtnl() => Some((node, d)),
            _ => None,
        })
    })?;
    if let Some((node, desc)) = ro {
        msg_reply(r, &mut reply, desc, |args, out| {
            node.imp.rcvmsg_ro(&node, desc, args, out)
        })?;
        if desc.reply.is_some() {
            r.send_reply(reply)?;
        }
        return Ok(());
    }
    let desc = g.with(|s, rtnl| {
        let id = s.resolve_from(c, path_or_dot(r))?;
        let Some(node) = s.node(id) else {
            return fail(ENOENT, "no such node");
        };
        let Some(desc) = node.ty.msgs.iter().find(|m| m.name.as_bytes() == name) else {
            return fail(EINVAL, "unknown message for this node type");
        };
        if !desc.readonly && !pernet::capable(r) {
            return fail(
                EPERM,
                "needs CAP_NET_ADMIN in the namespace's user namespace",
            );
        }
        let after = msg_reply(r, &mut reply, desc, |args, out| {
            node.imp.rcvmsg(rtnl, &node, desc, args, out)
        })?;
        if after == After::Destroy {
            s.destroy(id, &mut Op::new(rtnl, &mut ev));
        }
        Ok(desc)
    })?;
    if desc.reply.is_some() {
        r.send_reply(reply)?;
    }
    Ok(())
}

/// `NETGRAPH_CMD_DATA`: a frame out of a hook of the caller's socket node.
fn cmd_data(g: &'static Graph, r: &Request<'_>, c: Caller) -> NlResult {
    let hook = req_str(r, b::netgraph_attr_NETGRAPH_A_HOOK, "missing hook name")?;
    let Some(data) = r.attr(b::netgraph_attr_NETGRAPH_A_DATA) else {
        return fail(EINVAL, "missing data");
    };
    let h = g.with(|s, _rtnl| {
        let Some(id) = s.socket_of(c) else {
            return fail(
                ENOTCONN,
                "this socket has no node: send NETGRAPH_CMD_SOCKET",
            );
        };
        match s.hook(id, hook) {
            Some(h) => Ok(h),
            None => fail(EHOSTUNREACH, "no such hook on this socket's node"),
        }
    })?;
    let skb = Skb::from_bytes(data.payload(), false)?;
    let guard = rcu::read_lock_bh();
    let r = Fwd::run(&guard, |f| f.send(&h, skb));
    drop(guard);
    match r {
        Ok(()) => {}
        Err(e) if e == ELOOP => {
            return fail(ELOOP, "frame dropped: forwarding loop or chain too deep")
        }
        Err(e) if e == ENOTCONN => return fail(ENOTCONN, "hook is not connected"),
        Err(e) => return fail(e, data_error_text(e)),
    }
    Ok(())
}

/// A part of a dump of the family.
pub(crate) fn dumpit(g: &'static Graph, d: &mut Dump<'_>) -> NlResult {
    match d.cmd() as u32 {
        b::netgraph_cmd_NETGRAPH_CMD_LISTNODES => dump_nodes(g, d),
        b::netgraph_cmd_NETGRAPH_CMD_LISTHOOKS => dump_hooks(g, d),
        b::netgraph_cmd_NETGRAPH_CMD_LISTTYPES | b::netgraph_cmd_NETGRAPH_CMD_GETTYPE => {
            dump_types(g, d)
        }
        b::netgraph_cmd_NETGRAPH_CMD_MSG => dump_msg(g, d),
        _ => fail(EOPNOTSUPP, "command cannot be dumped"),
    }
}

/// Where a `LISTNODES` dump resumes: the next node ID to list.
struct NodesState {
    from: u32,
    done: bool,
}

impl DumpState for NodesState {
    fn load(s: &[isize; 5]) -> Self {
        Self {
            from: s[0] as u32,
            done: s[1] != 0,
        }
    }
    fn save(&self, s: &mut [isize; 5]) {
        s[0] = self.from as isize;
        s[1] = self.done as isize;
    }
}

/// Where a `LISTHOOKS` dump resumes: after the node's header, after the
/// hook with creation stamp `after`.
struct HooksState {
    header_sent: bool,
    after: Option<u64>,
    done: bool,
}

impl DumpState for HooksState {
    fn load(s: &[isize; 5]) -> Self {
        Self {
            header_sent: s[0] != 0,
            after: (s[1] != 0).then_some(s[1] as u64),
            done: s[2] != 0,
        }
    }
    fn save(&self, s: &mut [isize; 5]) {
        s[0] = self.header_sent as isize;
        s[1] = self.after.map_or(0, |v| v as isize);
        s[2] = self.done as isize;
    }
}

/// Where a `LISTTYPES`/`GETTYPE` dump resumes: the next type's index.
struct TypesState {
    next: usize,
}

impl DumpState for TypesState {
    fn load(s: &[isize; 5]) -> Self {
        Self {
            next: s[0] as usize,
        }
    }
    fn save(&self, s: &mut [isize; 5]) {
        s[0] = self.next as isize;
    }
}

/// Whether a dumped message's reply is complete.
struct MsgState {
    done: bool,
}

impl DumpState for MsgState {
    fn load(s: &[isize; 5]) -> Self {
        Self { done: s[1] != 0 }
    }
    fn save(&self, s: &mut [isize; 5]) {
        s[1] = self.done as isize;
    }
}

/// `LISTNODES`: one node per message, in ID order.
fn dump_nodes(g: &'static Graph, d: &mut Dump<'_>) -> NlResult {
    let named = d.attr(b::netgraph_attr_NETGRAPH_A_NAMED_ONLY).is_some();
    let mut st: NodesState = d.load();
    if st.done {
        return Ok(());
    }
    let from = st.from.max(1);
    let mut next = None;
    let mut err = Ok(());
    g.read(|s| {
        d.set_generation(s.generation());
        s.list_from(from, named, |n| {
            match dump_one(d, |m| put_node(m, b::netgraph_attr_NETGRAPH_A_NODE, &n)) {
                Ok(true) => true,
                Ok(false) => {
                    next = Some(n.id);
                    false
                }
                Err(e) => {
                    err = Err(e);
                    false
                }
            }
        });
    });
    err?;
    match next {
        Some(id) => st.from = id,
        None => st.done = true,
    }
    d.save(&st);
    Ok(())
}

/// `LISTHOOKS`: the node, then one of its hooks per message, newest first.
fn dump_hooks(g: &'static Graph, d: &mut Dump<'_>) -> NlResult {
    let c = Caller {
        portid: d.portid(),
        net: g.net,
    };
    let path = d
        .attr(b::netgraph_attr_NETGRAPH_A_PATH)
        .map(|a| a.str_bytes())
        .unwrap_or(b".");
    let mut st: HooksState = d.load();
    if st.done {
        return Ok(());
    }
    let (header_sent, after) = (st.header_sent, st.after);
    let (header_now, last, full) = g.read(|s| -> NlResult<(bool, Option<u64>, bool)> {
        d.set_generation(s.generation());
        let id = s.resolve_from(c, path)?;
        if !header_sent {
            let Some(info) = s.nodeinfo(id) else {
                return fail(ENOENT, "no such node");
            };
            if !dump_one(d, |m| put_node(m, b::netgraph_attr_NETGRAPH_A_NODE, &info))? {
                return Ok((false, after, true));
            }
        }
        let (mut last, mut full, mut err) = (after, false, Ok(()));
        s.hooks_after(id, after, |serial, l| {
            match dump_one(d, |m| put_link(m, &l)) {
                Ok(true) => {
                    last = Some(serial);
                    true
                }
                Ok(false) => {
                    full = true;
                    false
                }
                Err(e) => {
                    err = Err(e);
                    false
                }
            }
        });
        err?;
        Ok((true, last, full))
    })?;
    st.header_sent |= header_now;
    st.after = last;
    st.done = !full;
    d.save(&st);
    Ok(())
}

/// `LISTTYPES`, `GETTYPE`: one type per message (with its message
/// schemas for `GETTYPE`).
fn dump_types(g: &'static Graph, d: &mut Dump<'_>) -> NlResult {
    let cmd = d.cmd() as u32;
    let want = d
        .attr(b::netgraph_attr_NETGRAPH_A_TYPE_NAME)
        .map(|a| a.str_bytes());
    if let Some(w) = want {
        if g.types().find(w).is_none() {
            return fail(ENOENT, "unknown node type");
        }
    }
    let mut i = d.load::<TypesState>().next;
    while let Some(t) = g.types().get(i) {
        if want.map_or(true, |w| w == t.name.as_bytes()) {
            let n = g.read(|s| s.type_count(i));
            let ok = dump_one(d, |m| {
                m.nest(b::netgraph_attr_NETGRAPH_A_TYPE, |m| {
                    m.put_str(
                        b::netgraph_type_attr_NETGRAPH_TYPE_A_NAME,
                        t.name.as_bytes(),
                    )?;
                    m.put_u32(b::netgraph_type_attr_NETGRAPH_TYPE_A_NUMNODES, n)?;
                    m.put_u32(b::netgraph_type_attr_NETGRAPH_TYPE_A_COOKIE, t.cookie)?;
                    if cmd == b::netgraph_cmd_NETGRAPH_CMD_GETTYPE {
                        for desc in t.msgs {
                            m.nest(b::netgraph_type_attr_NETGRAPH_TYPE_A_MSG, |m| {
                                msg::put_desc(m, desc)
                            })?;
                        }
                    }
                    Ok(())
                })
            })?;
            if !ok {
                break;
            }
        }
        i += 1;
    }
    d.save(&TypesState { next: i });
    Ok(())
}

/// A dumped message's reply (`gettable`), written by the node's type.
fn dump_msg(g: &'static Graph, d: &mut Dump<'_>) -> NlResult {
    // The node type's own position is in the cursor.
    if d.load::<MsgState>().done {
        return Ok(());
    }
    let c = Caller {
        portid: d.portid(),
        net: g.net,
    };
    let Some(name) = d
        .attr(b::netgraph_attr_NETGRAPH_A_MSG_CMD)
        .map(|a| a.str_bytes())
    else {
        return fail(EINVAL, "missing message name");
    };
    let path = d
        .attr(b::netgraph_attr_NETGRAPH_A_PATH)
        .map(|a| a.str_bytes())
        .unwrap_or(b".");
    let (node, desc) = g.read(|s| {
        let id = s.resolve_from(c, path)?;
        let Some(node) = s.node(id) else {
            return fail(ENOENT, "no such node");
        };
        match node.ty.msgs.iter().find(|m| m.name.as_bytes() == name) {
            Some(desc) if desc.dump && desc.readonly => Ok((node, desc)),
            Some(_) => fail(EINVAL, "this message is not a dump"),
            None => fail(EINVAL, "unknown message for this node type"),
        }
    })?;
    let mut cursor = match d.take_cursor() {
        Some(c) => c,
        None => KBox::new(DumpCursor::default(), GFP_KERNEL)?,
    };
    let mut emit = |w: &mut dyn FnMut(&mut Out<'_>) -> DResult| -> NlResult<bool> {
        dump_one(d, |m| {
            m.put_str(b::netgraph_attr_NETGRAPH_A_MSG_CMD, desc.name.as_bytes())?;
            m.put_u32(b::netgraph_attr_NETGRAPH_A_MSG_ID, desc.id)?;
            m.nest(b::netgraph_attr_NETGRAPH_A_ARGS, |m| w(&mut Out::new(m)))
        })
        .map_err(NlError::from)
    };
    let done = node.imp.dumpmsg(desc, &mut cursor, &mut emit);
    match done {
        Ok(true) => d.save(&MsgState { done: true }),
        Ok(false) => d.put_cursor(cursor),
        Err(e) => return Err(e),
    }
    Ok(())
}

/// A generic netlink socket of `net` closed: its socket node goes.
pub(crate) fn sock_release(g: &'static Graph, net: NetRef, portid: u32) {
    // Most sockets closing anywhere have no node: no RTNL for them.
    if !g.may_have_socket(portid) {
        return;
    }
    let mut ev = Mcast { net };
    let _ = g.with(|s, rtnl| {
        s.socket_closed(portid, &mut Op::new(rtnl, &mut ev));
        Ok(())
    });
}

/// Why a frame written by a socket was not (all) delivered: the errno a
/// node or device on its way returned, in words.
fn data_error_text(e: Errno) -> &'static str {
    match e {
        e if e == ENETDOWN => "frame dropped: the interface is down",
        e if e == EMSGSIZE => "frame dropped: too big for where it was going",
        e if e == ENOBUFS || e == ENOMEM => {
            "frame dropped: out of memory or a full socket buffer (counted in the node's drops)"
        }
        e if e == EINVAL => "frame refused by a node on its way (too short or malformed for it)",
        _ => "frame not delivered",
    }
}

/// Checks a MSG request's arguments against `desc` and fills `reply`: the
/// message's name and number, then the value `handle` writes. A handler's
/// error (with its text) wins over the reply buffer's.
fn msg_reply<T>(
    r: &Request<'_>,
    reply: &mut Msg,
    desc: &'static MsgDesc,
    handle: impl FnOnce(Option<Value<'_>>, &mut Out<'_>) -> NlResult<T>,
) -> NlResult<T> {
    let args = msg::parse(desc, r.attr(b::netgraph_attr_NETGRAPH_A_ARGS))?;
    reply.put_str(b::netgraph_attr_NETGRAPH_A_MSG_CMD, desc.name.as_bytes())?;
    reply.put_u32(b::netgraph_attr_NETGRAPH_A_MSG_ID, desc.id)?;
    let mut res = None;
    let mut err = None;
    reply
        .nest(b::netgraph_attr_NETGRAPH_A_ARGS, |m| {
            match handle(args, &mut Out::new(m)) {
                Ok(v) => {
                    res = Some(v);
                    Ok(())
                }
                Err(e) => {
                    err = Some(e);
                    Err(EINVAL)
                }
            }
        })
        .map_err(|e| err.take().unwrap_or_else(|| NlError::from(e)))?;
    match res {
        Some(v) => Ok(v),
        None => fail(EINVAL, "message handler gave no answer"),
    }
}
