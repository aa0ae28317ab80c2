// SPDX-License-Identifier: GPL-2.0

//! The control plane: generic netlink commands mapped to graph operations.

use crate::ffi::errno::{
    DResult, Errno, EHOSTUNREACH, EINVAL, ELOOP, EMSGSIZE, ENETDOWN, ENOBUFS, ENOENT, ENOMEM,
    ENOTCONN, EOPNOTSUPP, EPERM,
};
use crate::ffi::netlink::{
    dump_one, fail, AttrWriter, Dump, DumpCursor, Msg, NetRef, NlError, NlResult, Request,
};
use crate::ffi::pernet;
use crate::ffi::rcu;
use crate::ffi::skb::Skb;
use crate::ffi::uapi as b;
use crate::graph::events::{put_link, put_node, Mcast};
use crate::graph::msg::{self, After, MsgDesc, Out, Value};
use crate::graph::{Caller, Fwd, Graph, NodeInfo, Op};
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
    let mut ev = Mcast { net: g.net };
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
        b::netgraph_cmd_NETGRAPH_CMD_SOCKET => {
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
            let info = g.with(|s, rtnl| {
                let id =
                    s.socket_node(c, name, &types::socket::SOCKET, &mut Op::new(rtnl, &mut ev))?;
                s.nodeinfo(id).ok_or(NlError::from(ENOENT))
            })?;
            reply_node(r, &info)?;
        }
        b::netgraph_cmd_NETGRAPH_CMD_MKPEER => {
            let ty = req_str(
                r,
                b::netgraph_attr_NETGRAPH_A_TYPE_NAME,
                "missing node type",
            )?;
            let (ours, peer) = hook_pair(r)?;
            g.with(|s, rtnl| {
                let at = s.resolve_from(c, path_or_dot(r))?;
                s.mkpeer(g.net, at, ty, ours, peer, &mut Op::new(rtnl, &mut ev))
                    .map(|_| ())
            })?;
        }
        b::netgraph_cmd_NETGRAPH_CMD_CONNECT => {
            let pp = req_str(r, b::netgraph_attr_NETGRAPH_A_PEERPATH, "missing peer path")?;
            let (ours, peer) = hook_pair(r)?;
            g.with(|s, rtnl| {
                let at = s.resolve_from(c, path_or_dot(r))?;
                s.connect(at, pp, ours, peer, &mut Op::new(rtnl, &mut ev))
            })?;
        }
        b::netgraph_cmd_NETGRAPH_CMD_NAME => {
            let path = req_str(r, b::netgraph_attr_NETGRAPH_A_PATH, "missing path")?;
            let name = req_str(r, b::netgraph_attr_NETGRAPH_A_NAME, "missing name")?;
            g.with(|s, rtnl| {
                let id = s.resolve_from(c, path)?;
                s.name(id, name, &mut Op::new(rtnl, &mut ev))
            })?;
        }
        b::netgraph_cmd_NETGRAPH_CMD_RMHOOK => {
            let hook = req_str(r, b::netgraph_attr_NETGRAPH_A_HOOK, "missing hook name")?;
            g.with(|s, rtnl| {
                let id = s.resolve_from(c, path_or_dot(r))?;
                s.rmhook(id, hook, &mut Op::new(rtnl, &mut ev))
            })?;
        }
        b::netgraph_cmd_NETGRAPH_CMD_SHUTDOWN => {
            let path = req_str(r, b::netgraph_attr_NETGRAPH_A_PATH, "missing path")?;
            g.with(|s, rtnl| {
                let id = s.resolve_from(c, path)?;
                s.shutdown(id, &mut Op::new(rtnl, &mut ev));
                Ok::<(), NlError>(())
            })?;
        }
        b::netgraph_cmd_NETGRAPH_CMD_NODEINFO => {
            let info = g.read(|s| {
                let id = s.resolve_from(c, path_or_dot(r))?;
                s.nodeinfo(id).ok_or(NlError::from(ENOENT))
            })?;
            reply_node(r, &info)?;
        }
        b::netgraph_cmd_NETGRAPH_CMD_MSG => {
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
        }
        b::netgraph_cmd_NETGRAPH_CMD_DATA => {
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
        }
        _ => return fail(EOPNOTSUPP, "command not supported yet"),
    }
    Ok(())
}

/// A part of a dump of the family.
pub(crate) fn dumpit(g: &'static Graph, d: &mut Dump<'_>) -> NlResult {
    let cmd = d.cmd() as u32;
    match cmd {
        b::netgraph_cmd_NETGRAPH_CMD_LISTNODES => {
            let named = d.attr(b::netgraph_attr_NETGRAPH_A_NAMED_ONLY).is_some();
            let from = (*d.state(0)).max(1) as u32;
            if *d.state(1) != 0 {
                return Ok(());
            }
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
                Some(id) => *d.state(0) = id as isize,
                None => *d.state(1) = 1,
            }
        }
        b::netgraph_cmd_NETGRAPH_CMD_LISTHOOKS => {
            // State: [0] = node header sent, [1] = stamp of the last hook
            // sent (0: none yet), [2] = done.
            let c = Caller {
                portid: d.portid(),
                net: g.net,
            };
            let path = d
                .attr(b::netgraph_attr_NETGRAPH_A_PATH)
                .map(|a| a.str_bytes())
                .unwrap_or(b".");
            if *d.state(2) != 0 {
                return Ok(());
            }
            let header_sent = *d.state(0) != 0;
            let after = match *d.state(1) {
                0 => None,
                v => Some(v as u64),
            };
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
            if header_now {
                *d.state(0) = 1;
            }
            *d.state(1) = last.map_or(0, |v| v as isize);
            if !full {
                *d.state(2) = 1;
            }
        }
        b::netgraph_cmd_NETGRAPH_CMD_LISTTYPES | b::netgraph_cmd_NETGRAPH_CMD_GETTYPE => {
            let want = d
                .attr(b::netgraph_attr_NETGRAPH_A_TYPE_NAME)
                .map(|a| a.str_bytes());
            if let Some(w) = want {
                if g.types().find(w).is_none() {
                    return fail(ENOENT, "unknown node type");
                }
            }
            let mut i = *d.state(0) as usize;
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
            *d.state(0) = i as isize;
        }
        b::netgraph_cmd_NETGRAPH_CMD_MSG => {
            // State: [1] = done, [5] = the node type's cursor.
            if *d.state(1) != 0 {
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
                Ok(true) => *d.state(1) = 1,
                Ok(false) => d.put_cursor(cursor),
                Err(e) => return Err(e),
            }
        }
        _ => return fail(EOPNOTSUPP, "command cannot be dumped"),
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
