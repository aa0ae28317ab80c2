//! Client library for netgraph for Linux.
//!
//! Talks to the kernel module over the `netgraph` generic netlink family:
//! family resolution, requests with extended-ACK errors, dumps, data and
//! events. The ABI constants are generated from the module's uapi header.

use netlink_packet_core::{
    DecodeError, DefaultNla, Emitable, ErrorContext, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    Nla, NlaBuffer, NlasIterator, ParseableParametrized, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::{GenlCtrlAttrs, McastGrpAttrs};
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};
use std::collections::VecDeque;
use std::fmt;

pub mod ascii;
pub mod generic;
mod trace;
pub use trace::{debug, set_debug};
mod text;
pub use text::{MsgError, TextReply};

/// Constants of the uapi header `include/uapi/linux/netgraph.h`.
#[allow(non_upper_case_globals, non_camel_case_types, dead_code, clippy::all)]
pub mod sys {
    include!(concat!(env!("OUT_DIR"), "/uapi.rs"));
}

/// A NUL-terminated C string constant of the header as `&str`.
const fn c_str(b: &'static [u8]) -> &'static str {
    match b.split_last() {
        Some((0, s)) => match std::str::from_utf8(s) {
            Ok(s) => s,
            Err(_) => panic!("not UTF-8"),
        },
        _ => panic!("not NUL-terminated"),
    }
}

/// The generic netlink family's name (`NETGRAPH_GENL_NAME`).
pub const FAMILY_NAME: &str = c_str(sys::NETGRAPH_GENL_NAME);
/// The multicast group of topology events (`NETGRAPH_MCGRP_EVENTS`).
pub const EVENTS_GROUP: &str = c_str(sys::NETGRAPH_MCGRP_EVENTS);

use sys::netgraph_attr as a;
use sys::netgraph_cmd as c;
use sys::netgraph_link_attr as la;
use sys::netgraph_node_attr as na;
use sys::netgraph_type_attr as ta;

/// Errors from the kernel or the socket.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kernel refused a request: errno and its extended-ACK text.
    #[error("{}", fmt_kernel(*errno, msg))]
    Kernel { errno: i32, msg: Option<String> },
    /// The `netgraph` family is not registered (module not loaded).
    #[error("the netgraph kernel module is not loaded (no generic netlink family \"netgraph\")")]
    NotLoaded,
    /// Socket error.
    #[error("netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// A reply that does not parse.
    #[error("malformed reply from the kernel: {0}")]
    Decode(String),
}

fn fmt_kernel(errno: i32, msg: &Option<String>) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    match msg {
        Some(m) if !m.is_empty() => format!("{text} ({m})"),
        _ => text,
    }
}

impl Error {
    /// The errno, for errors that have one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Kernel { errno, .. } => Some(*errno),
            Error::Io(e) => e.raw_os_error(),
            _ => None,
        }
    }

    /// Just the strerror text (FreeBSD ngctl's wording).
    pub fn strerror(&self) -> String {
        match self {
            Error::Kernel { errno, .. } => fmt_kernel(*errno, &None),
            other => other.to_string(),
        }
    }

    /// The extended-ACK text, if the kernel gave one.
    pub fn ext_ack(&self) -> Option<&str> {
        match self {
            Error::Kernel { msg: Some(m), .. } if !m.is_empty() => Some(m),
            _ => None,
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An attribute to send.
#[derive(Debug, Clone)]
pub enum Attr {
    U32(u16, u32),
    Str(u16, String),
    Flag(u16),
    Bytes(u16, Vec<u8>),
    Nested(u16, Vec<Attr>),
}

impl Nla for Attr {
    fn value_len(&self) -> usize {
        match self {
            Attr::U32(..) => 4,
            Attr::Str(_, s) => s.len() + 1,
            Attr::Flag(_) => 0,
            Attr::Bytes(_, b) => b.len(),
            Attr::Nested(_, v) => v.as_slice().buffer_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Attr::U32(k, _) | Attr::Str(k, _) | Attr::Flag(k) | Attr::Bytes(k, _) => *k,
            Attr::Nested(k, _) => *k,
        }
    }

    fn is_nested(&self) -> bool {
        matches!(self, Attr::Nested(..))
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Attr::U32(_, v) => buf[..4].copy_from_slice(&v.to_ne_bytes()),
            Attr::Str(_, s) => {
                buf[..s.len()].copy_from_slice(s.as_bytes());
                buf[s.len()] = 0;
            }
            Attr::Flag(_) => {}
            Attr::Bytes(_, b) => buf[..b.len()].copy_from_slice(b),
            Attr::Nested(_, v) => v.as_slice().emit(buf),
        }
    }
}

/// Attributes received from the kernel, kept raw and read on demand.
#[derive(Debug, Clone, Default)]
pub struct Attrs(Vec<(u16, Vec<u8>)>);

impl Attrs {
    /// Parses a sequence of attributes.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let mut v = Vec::new();
        for nla in NlasIterator::new(buf) {
            let nla = nla?;
            v.push((nla.kind() & 0x3fff, nla.value().to_vec()));
        }
        Ok(Attrs(v))
    }

    fn raw(&self, kind: u32) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(k, _)| *k as u32 == kind)
            .map(|(_, v)| v.as_slice())
    }

    /// All attributes of a kind, in order (repeated nests).
    pub fn all(&self, kind: u32) -> impl Iterator<Item = &[u8]> {
        self.0
            .iter()
            .filter(move |(k, _)| *k as u32 == kind)
            .map(|(_, v)| v.as_slice())
    }

    /// Every (kind, payload) pair.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &[u8])> {
        self.0.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    pub fn has(&self, kind: u32) -> bool {
        self.raw(kind).is_some()
    }

    pub fn u32(&self, kind: u32) -> Option<u32> {
        self.raw(kind)
            .and_then(|v| v.try_into().ok())
            .map(u32::from_ne_bytes)
    }

    pub fn u64(&self, kind: u32) -> Option<u64> {
        self.raw(kind)
            .and_then(|v| v.try_into().ok())
            .map(u64::from_ne_bytes)
    }

    pub fn string(&self, kind: u32) -> Option<String> {
        self.raw(kind).map(|v| {
            let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
            String::from_utf8_lossy(&v[..end]).into_owned()
        })
    }

    pub fn bytes(&self, kind: u32) -> Option<&[u8]> {
        self.raw(kind)
    }

    pub fn nested(&self, kind: u32) -> Result<Option<Attrs>> {
        self.raw(kind).map(Attrs::parse).transpose()
    }
}

/// One netgraph generic netlink message (either direction).
#[derive(Debug, Clone)]
pub struct NgMsg {
    pub cmd: u8,
    pub attrs: Vec<Attr>,
    /// Raw attribute bytes of a received message.
    pub raw: Vec<u8>,
}

impl NgMsg {
    /// Parsed attributes of a received message.
    pub fn parsed(&self) -> Result<Attrs> {
        Attrs::parse(&self.raw)
    }
}

impl GenlFamily for NgMsg {
    fn family_name() -> &'static str {
        FAMILY_NAME
    }
    fn command(&self) -> u8 {
        self.cmd
    }
    fn version(&self) -> u8 {
        sys::NETGRAPH_GENL_VERSION as u8
    }
}

impl Emitable for NgMsg {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }
    fn emit(&self, buf: &mut [u8]) {
        self.attrs.as_slice().emit(buf)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for NgMsg {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        Ok(NgMsg {
            cmd: header.cmd,
            attrs: Vec::new(),
            raw: buf.to_vec(),
        })
    }
}

/// FreeBSD `struct nodeinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub name: Option<String>,
    pub type_name: String,
    pub id: u32,
    pub hooks: u32,
    /// Frames dropped here by the forwarding budget (loops, deep chains).
    pub loop_drops: u64,
    /// Other frames the node dropped (out of memory, too big, socket full).
    pub drops: u64,
}

impl NodeInfo {
    fn from_attrs(a: &Attrs) -> Result<Self> {
        Ok(NodeInfo {
            name: a.string(na::NETGRAPH_NODE_A_NAME),
            type_name: a
                .string(na::NETGRAPH_NODE_A_TYPE)
                .ok_or_else(|| Error::Decode("node without type".into()))?,
            id: a
                .u32(na::NETGRAPH_NODE_A_ID)
                .ok_or_else(|| Error::Decode("node without id".into()))?,
            hooks: a.u32(na::NETGRAPH_NODE_A_HOOKS).unwrap_or(0),
            loop_drops: a.u64(na::NETGRAPH_NODE_A_LOOP_DROPS).unwrap_or(0),
            drops: a.u64(na::NETGRAPH_NODE_A_DROPS).unwrap_or(0),
        })
    }

    fn from_nest(a: &Attrs, kind: u32) -> Result<Self> {
        let n = a
            .nested(kind)?
            .ok_or_else(|| Error::Decode("reply without node".into()))?;
        Self::from_attrs(&n)
    }

    /// The absolute address of the node: `name:` or `[id]:`.
    pub fn addr(&self) -> String {
        match &self.name {
            Some(n) => format!("{n}:"),
            None => format!("[{:x}]:", self.id),
        }
    }
}

/// FreeBSD `struct linkinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    pub ourhook: String,
    pub peerhook: String,
    pub peer: NodeInfo,
    /// What crossed the hook (the core counts every hook).
    pub counters: HookCounters,
}

/// Frames and octets through one hook, in (from the peer) and out (to
/// it), since the hook was made or its type cleared them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookCounters {
    pub rx_frames: u64,
    pub rx_octets: u64,
    pub tx_frames: u64,
    pub tx_octets: u64,
}

impl LinkInfo {
    fn from_attrs(a: &Attrs) -> Result<Self> {
        let c = |k| a.u64(k).unwrap_or(0);
        Ok(LinkInfo {
            ourhook: a.string(la::NETGRAPH_LINK_A_OURHOOK).unwrap_or_default(),
            peerhook: a.string(la::NETGRAPH_LINK_A_PEERHOOK).unwrap_or_default(),
            peer: NodeInfo::from_nest(a, la::NETGRAPH_LINK_A_PEER)?,
            counters: HookCounters {
                rx_frames: c(la::NETGRAPH_LINK_A_RX_FRAMES),
                rx_octets: c(la::NETGRAPH_LINK_A_RX_OCTETS),
                tx_frames: c(la::NETGRAPH_LINK_A_TX_FRAMES),
                tx_octets: c(la::NETGRAPH_LINK_A_TX_OCTETS),
            },
        })
    }
}

/// What MKPEER or CONNECT made: the node the request went to, and its new
/// hook as `listhooks` would show it (final names, the node at the other
/// end — for MKPEER the new node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub node: NodeInfo,
    pub link: LinkInfo,
}

/// FreeBSD `struct typeinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeInfo {
    pub name: String,
    pub numnodes: u32,
    pub cookie: u32,
}

impl Client {
    /// A type-specific message whose reply is a dump: the payloads of the
    /// reply values of every part, in order.
    pub fn msg_dump(&mut self, path: &str, cmd: &str, args: Option<Attr>) -> Result<Vec<Vec<u8>>> {
        let mut attrs = vec![s(a::NETGRAPH_A_PATH, path), s(a::NETGRAPH_A_MSG_CMD, cmd)];
        if let Some(arg) = args {
            attrs.push(Attr::Nested(a::NETGRAPH_A_ARGS as u16, vec![arg]));
        }
        let mut parts = Vec::new();
        self.dump(c::NETGRAPH_CMD_MSG, attrs, |m| {
            let at = m.parsed()?;
            if let Some(args) = at.nested(a::NETGRAPH_A_ARGS)? {
                if let Some(b) = args.bytes(1) {
                    parts.push(b.to_vec());
                }
            }
            Ok(())
        })?;
        Ok(parts)
    }
}

/// The answer to a type-specific message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsgReply {
    /// The command's name and number.
    pub cmd: String,
    pub id: u32,
    /// The payload of the reply value, when the message has one.
    pub args: Option<Vec<u8>>,
}

/// Something that arrived without being asked for.
#[derive(Debug, Clone)]
pub enum Async {
    /// A frame arrived on a hook of this socket's node.
    Data { hook: String, data: Vec<u8> },
    /// A topology event (only after [`Client::subscribe_events`]).
    Event {
        kind: EventKind,
        node: NodeInfo,
        link: Option<LinkInfo>,
    },
}

/// What a topology event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    NewNode,
    DelNode,
    Rename,
    NewHook,
    DelHook,
}

impl EventKind {
    /// The event of a `NETGRAPH_CMD_EVT_*` command.
    pub fn from_cmd(cmd: u32) -> Option<Self> {
        Some(match cmd {
            c::NETGRAPH_CMD_EVT_NEWNODE => Self::NewNode,
            c::NETGRAPH_CMD_EVT_DELNODE => Self::DelNode,
            c::NETGRAPH_CMD_EVT_RENAME => Self::Rename,
            c::NETGRAPH_CMD_EVT_NEWHOOK => Self::NewHook,
            c::NETGRAPH_CMD_EVT_DELHOOK => Self::DelHook,
            _ => return None,
        })
    }

    /// Its name (`ngctl monitor` prints it).
    pub fn name(self) -> &'static str {
        match self {
            Self::NewNode => "newnode",
            Self::DelNode => "delnode",
            Self::Rename => "rename",
            Self::NewHook => "newhook",
            Self::DelHook => "delhook",
        }
    }
}

/// A connection to the netgraph of the current network namespace.
pub struct Client {
    sock: Socket,
    family: u16,
    events_group: Option<u32>,
    /// The family's version, as the kernel registered it.
    version: u32,
    seq: u32,
    pending: VecDeque<NgMsg>,
    /// The message schemas of the node types asked so far.
    schemas: std::collections::HashMap<String, Vec<ascii::MsgSchema>>,
}

const NLMSGERR_ATTR_MSG: u16 = 1;

/// One received netlink message: its header, a netgraph payload (None for
/// ACK/DONE/error) and the error it carries.
type Received = (NetlinkHeader, Option<NgMsg>, Option<Error>);

impl Client {
    /// Opens a socket and resolves the family.
    pub fn open() -> Result<Self> {
        let mut sock = Socket::new(NETLINK_GENERIC)?;
        sock.bind_auto()?;
        sock.set_ext_ack(true)?;
        sock.set_cap_ack(true)?;
        sock.connect(&SocketAddr::new(0, 0))?;
        let mut cl = Client {
            sock,
            family: 0,
            events_group: None,
            version: 0,
            seq: 0,
            pending: VecDeque::new(),
            schemas: Default::default(),
        };
        cl.resolve()?;
        Ok(cl)
    }

    fn resolve(&mut self) -> Result<()> {
        let mut genl = GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(FAMILY_NAME.into())],
        });
        genl.finalize();
        let mut msg = NetlinkMessage::from(genl);
        self.seq += 1;
        msg.header.flags = NLM_F_REQUEST;
        msg.header.sequence_number = self.seq;
        msg.finalize();
        let mut buf = vec![0; msg.buffer_len()];
        msg.serialize(&mut buf);
        self.sock.send(&buf, 0)?;
        loop {
            let (data, _) = self.sock.recv_from_full()?;
            let mut off = 0;
            while off < data.len() {
                let m = NetlinkMessage::<GenlMessage<GenlCtrl>>::deserialize(&data[off..])
                    .context("ctrl reply")?;
                off += m.header.length as usize;
                match m.payload {
                    NetlinkPayload::Error(e) if e.code.is_some() => {
                        let errno = -e.raw_code();
                        if errno == libc_enoent() {
                            return Err(Error::NotLoaded);
                        }
                        return Err(Error::Kernel { errno, msg: None });
                    }
                    NetlinkPayload::InnerMessage(g) => {
                        for nla in g.payload.nlas {
                            match nla {
                                GenlCtrlAttrs::FamilyId(id) => self.family = id,
                                GenlCtrlAttrs::Version(v) => self.version = v,
                                GenlCtrlAttrs::McastGroups(groups) => {
                                    for g in groups {
                                        let mut name = None;
                                        let mut id = None;
                                        for a in g {
                                            match a {
                                                McastGrpAttrs::Name(n) => name = Some(n),
                                                McastGrpAttrs::Id(i) => id = Some(i),
                                            }
                                        }
                                        if name.as_deref() == Some(EVENTS_GROUP) {
                                            self.events_group = id;
                                        }
                                    }
                                }
                                _ => {}
                            }
                        }
                        return Ok(());
                    }
                    _ => {}
                }
            }
        }
    }

    /// The kernel module's ABI: the family's version (`NETGRAPH_GENL_VERSION`).
    pub fn abi_version(&self) -> u32 {
        self.version
    }

    /// The generic netlink family ID (differs between boots, not namespaces).
    pub fn family_id(&self) -> u16 {
        self.family
    }

    fn send(&mut self, cmd: u32, attrs: Vec<Attr>, flags: u16) -> Result<u32> {
        let mut genl = GenlMessage::from_payload(NgMsg {
            cmd: cmd as u8,
            attrs,
            raw: Vec::new(),
        });
        genl.set_resolved_family_id(self.family);
        genl.finalize();
        let mut header = NetlinkHeader::default();
        self.seq = self.seq.wrapping_add(1).max(1);
        header.flags = flags;
        header.sequence_number = self.seq;
        let mut msg = NetlinkMessage::new(header, NetlinkPayload::from(genl));
        msg.finalize();
        let mut buf = vec![0; msg.buffer_len()];
        msg.serialize(&mut buf);
        if let NetlinkPayload::InnerMessage(g) = &msg.payload {
            trace::request(
                cmd,
                self.seq,
                flags & NLM_F_DUMP != 0,
                &g.payload.attrs,
                &buf,
            );
        }
        self.sock.send(&buf, 0)?;
        Ok(self.seq)
    }

    /// Receives one datagram and splits it into messages.
    fn recv_batch(&mut self) -> Result<Vec<Received>> {
        let (data, _) = self.sock.recv_from_full()?;
        let mut out = Vec::new();
        let mut off = 0;
        while off + 16 <= data.len() {
            let len = u32::from_ne_bytes(data[off..off + 4].try_into().unwrap()) as usize;
            if len < 16 || off + len > data.len() {
                return Err(Error::Decode("truncated netlink message".into()));
            }
            let raw = &data[off..off + len];
            off += (len + 3) & !3;
            let m = NetlinkMessage::<GenlMessage<NgMsg>>::deserialize(raw).context("reply")?;
            let header = m.header;
            match m.payload {
                NetlinkPayload::Error(e) => {
                    if e.code.is_none() {
                        out.push((header, None, None));
                    } else {
                        let msg = ext_ack_msg(&e.header);
                        out.push((
                            header,
                            None,
                            Some(Error::Kernel {
                                errno: -e.raw_code(),
                                msg,
                            }),
                        ));
                    }
                }
                NetlinkPayload::Done(d) => {
                    if d.code != 0 {
                        let msg = ext_ack_msg_done(&d.extended_ack);
                        out.push((
                            header,
                            None,
                            Some(Error::Kernel {
                                errno: -d.code,
                                msg,
                            }),
                        ));
                    } else {
                        out.push((header, None, None));
                    }
                }
                NetlinkPayload::InnerMessage(g) => {
                    let (_, payload) = g.into_parts();
                    out.push((header, Some(payload), None));
                }
                _ => {}
            }
            if let Some((h, m, e)) = out.last() {
                let what = match (m, e) {
                    (_, Some(e)) => trace::Answer::Error(e),
                    (Some(m), None) => trace::Answer::Reply(m.cmd as u32),
                    (None, None) => trace::Answer::Done,
                };
                trace::answer(h.sequence_number, what, raw);
            }
        }
        Ok(out)
    }

    /// Collects the answers to request `seq`: `f` gets each message until
    /// the ACK (or NLMSG_DONE); unrelated messages are kept for
    /// [`Client::next_async`].
    fn answers(&mut self, seq: u32, mut f: impl FnMut(NgMsg) -> Result<()>) -> Result<()> {
        loop {
            let batch = match self.recv_batch() {
                // Frames for this socket's node overran its buffer: they
                // are lost (the kernel counts them), the answer is not.
                Err(Error::Io(e)) if e.raw_os_error() == Some(nix::libc::ENOBUFS) => continue,
                r => r?,
            };
            for (h, m, e) in batch {
                if h.sequence_number != seq {
                    if let Some(m) = m {
                        self.pending.push_back(m);
                    }
                    continue;
                }
                if let Some(e) = e {
                    return Err(e);
                }
                match m {
                    Some(m) => f(m)?,
                    None => return Ok(()),
                }
            }
        }
    }

    /// A request answered by zero or more replies and an ACK.
    pub fn request(&mut self, cmd: u32, attrs: Vec<Attr>) -> Result<Vec<NgMsg>> {
        let seq = self.send(cmd, attrs, NLM_F_REQUEST | NLM_F_ACK)?;
        let mut replies = Vec::new();
        self.answers(seq, |m| {
            replies.push(m);
            Ok(())
        })?;
        Ok(replies)
    }

    /// A dump: `f` gets every message until NLMSG_DONE.
    pub fn dump(
        &mut self,
        cmd: u32,
        attrs: Vec<Attr>,
        f: impl FnMut(NgMsg) -> Result<()>,
    ) -> Result<()> {
        let seq = self.send(cmd, attrs, NLM_F_REQUEST | NLM_F_DUMP)?;
        self.answers(seq, f)
    }

    /// Gives this socket its node (FreeBSD's ngctl socket node).
    pub fn create_socket_node(&mut self, name: Option<&str>) -> Result<NodeInfo> {
        let mut attrs = Vec::new();
        if let Some(n) = name {
            attrs.push(Attr::Str(a::NETGRAPH_A_NAME as u16, n.into()));
        }
        let r = self.request(c::NETGRAPH_CMD_SOCKET, attrs)?;
        let m = r.first().ok_or_else(|| Error::Decode("no reply".into()))?;
        NodeInfo::from_nest(&m.parsed()?, a::NETGRAPH_A_NODE)
    }

    /// Makes a node of `type_name` connected to the node at `path`; says
    /// what was made (the new node's ID, the final hook names).
    pub fn mkpeer(
        &mut self,
        path: &str,
        type_name: &str,
        ourhook: &str,
        peerhook: &str,
    ) -> Result<Made> {
        self.request_made(
            c::NETGRAPH_CMD_MKPEER,
            vec![
                s(a::NETGRAPH_A_PATH, path),
                s(a::NETGRAPH_A_TYPE_NAME, type_name),
                s(a::NETGRAPH_A_OURHOOK, ourhook),
                s(a::NETGRAPH_A_PEERHOOK, peerhook),
            ],
        )
    }

    /// Connects the nodes at `path` and `peerpath` (relative to `path`);
    /// says what was made (the final hook names, the peer node).
    pub fn connect(
        &mut self,
        path: &str,
        peerpath: &str,
        ourhook: &str,
        peerhook: &str,
    ) -> Result<Made> {
        self.request_made(
            c::NETGRAPH_CMD_CONNECT,
            vec![
                s(a::NETGRAPH_A_PATH, path),
                s(a::NETGRAPH_A_PEERPATH, peerpath),
                s(a::NETGRAPH_A_OURHOOK, ourhook),
                s(a::NETGRAPH_A_PEERHOOK, peerhook),
            ],
        )
    }

    fn request_made(&mut self, cmd: u32, attrs: Vec<Attr>) -> Result<Made> {
        let r = self.request(cmd, attrs)?;
        let m = r.first().ok_or_else(|| Error::Decode("no reply".into()))?;
        let at = m.parsed()?;
        let link = at
            .nested(a::NETGRAPH_A_LINK)?
            .ok_or_else(|| Error::Decode("reply without link".into()))?;
        Ok(Made {
            node: NodeInfo::from_nest(&at, a::NETGRAPH_A_NODE)?,
            link: LinkInfo::from_attrs(&link)?,
        })
    }

    /// The interface name of `node`, for types that have one
    /// (`getifname`: eiface, ether).
    pub fn ifname(&mut self, node: &NodeInfo) -> Result<Option<String>> {
        if !self
            .schemas(&node.type_name)?
            .iter()
            .any(|m| m.name == "getifname")
        {
            return Ok(None);
        }
        let r = self.msg(&format!("[{:x}]:", node.id), "getifname", None)?;
        Ok(r.args.map(|b| {
            String::from_utf8_lossy(b.split(|&c| c == 0).next().unwrap_or_default()).into_owned()
        }))
    }

    pub fn name(&mut self, path: &str, name: &str) -> Result<()> {
        self.request(
            c::NETGRAPH_CMD_NAME,
            vec![s(a::NETGRAPH_A_PATH, path), s(a::NETGRAPH_A_NAME, name)],
        )
        .map(drop)
    }

    pub fn rmhook(&mut self, path: &str, hook: &str) -> Result<()> {
        self.request(
            c::NETGRAPH_CMD_RMHOOK,
            vec![s(a::NETGRAPH_A_PATH, path), s(a::NETGRAPH_A_HOOK, hook)],
        )
        .map(drop)
    }

    pub fn shutdown(&mut self, path: &str) -> Result<()> {
        self.request(c::NETGRAPH_CMD_SHUTDOWN, vec![s(a::NETGRAPH_A_PATH, path)])
            .map(drop)
    }

    pub fn nodeinfo(&mut self, path: &str) -> Result<NodeInfo> {
        let r = self.request(c::NETGRAPH_CMD_NODEINFO, vec![s(a::NETGRAPH_A_PATH, path)])?;
        let m = r.first().ok_or_else(|| Error::Decode("no reply".into()))?;
        NodeInfo::from_nest(&m.parsed()?, a::NETGRAPH_A_NODE)
    }

    /// The node at `path` and its hooks, newest first.
    pub fn listhooks(&mut self, path: &str) -> Result<(NodeInfo, Vec<LinkInfo>)> {
        let mut node = None;
        let mut links = Vec::new();
        self.dump(
            c::NETGRAPH_CMD_LISTHOOKS,
            vec![s(a::NETGRAPH_A_PATH, path)],
            |m| {
                let at = m.parsed()?;
                if let Some(n) = at.nested(a::NETGRAPH_A_NODE)? {
                    node = Some(NodeInfo::from_attrs(&n)?);
                }
                if let Some(l) = at.nested(a::NETGRAPH_A_LINK)? {
                    links.push(LinkInfo::from_attrs(&l)?);
                }
                Ok(())
            },
        )?;
        let node = node.ok_or_else(|| Error::Decode("listhooks without node".into()))?;
        Ok((node, links))
    }

    /// Every node (or only the named ones), in ID order.
    pub fn listnodes(&mut self, named_only: bool) -> Result<Vec<NodeInfo>> {
        let mut v = Vec::new();
        let attrs = if named_only {
            vec![Attr::Flag(a::NETGRAPH_A_NAMED_ONLY as u16)]
        } else {
            vec![]
        };
        self.dump(c::NETGRAPH_CMD_LISTNODES, attrs, |m| {
            v.push(NodeInfo::from_nest(&m.parsed()?, a::NETGRAPH_A_NODE)?);
            Ok(())
        })?;
        Ok(v)
    }

    pub fn listtypes(&mut self) -> Result<Vec<TypeInfo>> {
        let mut v = Vec::new();
        self.dump(c::NETGRAPH_CMD_LISTTYPES, vec![], |m| {
            let at = m.parsed()?;
            if let Some(t) = at.nested(a::NETGRAPH_A_TYPE)? {
                v.push(TypeInfo {
                    name: t.string(ta::NETGRAPH_TYPE_A_NAME).unwrap_or_default(),
                    numnodes: t.u32(ta::NETGRAPH_TYPE_A_NUMNODES).unwrap_or(0),
                    cookie: t.u32(ta::NETGRAPH_TYPE_A_COOKIE).unwrap_or(0),
                });
            }
            Ok(())
        })?;
        Ok(v)
    }

    /// The messages a node type accepts (`NETGRAPH_CMD_GETTYPE`).
    pub fn gettype(&mut self, name: &str) -> Result<Vec<ascii::MsgSchema>> {
        let mut v = Vec::new();
        self.dump(
            c::NETGRAPH_CMD_GETTYPE,
            vec![s(a::NETGRAPH_A_TYPE_NAME, name)],
            |m| {
                let at = m.parsed()?;
                if let Some(t) = at.nested(a::NETGRAPH_A_TYPE)? {
                    for b in t.all(ta::NETGRAPH_TYPE_A_MSG) {
                        v.push(ascii::MsgSchema::from_attrs(&Attrs::parse(b)?)?);
                    }
                }
                Ok(())
            },
        )?;
        Ok(v)
    }

    /// A type-specific control message; `args` is the encoded top-level
    /// value (position 1). Returns the reply's top-level payload, if any.
    pub fn msg(&mut self, path: &str, cmd: &str, args: Option<Attr>) -> Result<MsgReply> {
        let mut attrs = vec![s(a::NETGRAPH_A_PATH, path), s(a::NETGRAPH_A_MSG_CMD, cmd)];
        if let Some(arg) = args {
            attrs.push(Attr::Nested(a::NETGRAPH_A_ARGS as u16, vec![arg]));
        }
        let mut reply = MsgReply::default();
        for m in self.request(c::NETGRAPH_CMD_MSG, attrs)? {
            let at = m.parsed()?;
            reply.cmd = at.string(a::NETGRAPH_A_MSG_CMD).unwrap_or_default();
            reply.id = at.u32(a::NETGRAPH_A_MSG_ID).unwrap_or(0);
            if let Some(args) = at.nested(a::NETGRAPH_A_ARGS)? {
                reply.args = args.bytes(1).map(|b| b.to_vec());
            }
        }
        Ok(reply)
    }

    /// Sends one frame out of `hook` of this socket's node.
    pub fn send_data(&mut self, hook: &str, data: &[u8]) -> Result<()> {
        self.request(
            c::NETGRAPH_CMD_DATA,
            vec![
                s(a::NETGRAPH_A_HOOK, hook),
                Attr::Bytes(a::NETGRAPH_A_DATA as u16, data.to_vec()),
            ],
        )
        .map(drop)
    }

    /// Joins the events multicast group.
    pub fn subscribe_events(&mut self) -> Result<()> {
        let g = self
            .events_group
            .ok_or_else(|| Error::Decode("family has no events group".into()))?;
        self.sock.add_membership(g)?;
        Ok(())
    }

    /// Waits for the next unsolicited message (data or event).
    pub fn next_async(&mut self) -> Result<Async> {
        loop {
            if let Some(m) = self.pending.pop_front() {
                if let Some(a) = to_async(&m)? {
                    return Ok(a);
                }
                continue;
            }
            for (_, m, _) in self.recv_batch()? {
                if let Some(m) = m {
                    self.pending.push_back(m);
                }
            }
        }
    }

    /// The raw socket, for poll().
    pub fn socket(&self) -> &Socket {
        &self.sock
    }

    /// Whether unsolicited messages are already buffered.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// Moves this thread into network namespace `ns`: an `ip netns` name
/// (under /run/netns) or a path such as /proc/PID/ns/net.
pub fn enter_netns(ns: &str) -> std::result::Result<(), String> {
    use std::os::fd::AsFd;
    let path = if ns.contains('/') {
        ns.to_string()
    } else {
        format!("/run/netns/{ns}")
    };
    let f = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    nix::sched::setns(f.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("setns {path}: {e}"))
}

/// FreeBSD's hex dump of a frame: 16 bytes a line, offset, hex, ASCII.
pub fn hexdump(data: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for (i, chunk) in data.chunks(16).enumerate() {
        let _ = write!(s, "{:04x}:  ", i * 16);
        for j in 0..16 {
            match chunk.get(j) {
                Some(b) => {
                    let _ = write!(s, "{b:02x} ");
                }
                None => s.push_str("   "),
            }
        }
        s.push(' ');
        for j in 0..16 {
            s.push(match chunk.get(j) {
                Some(&b) if (0x20..0x7f).contains(&b) => b as char,
                Some(_) => '.',
                // FreeBSD pads the last line's characters too.
                None => ' ',
            });
        }
        s.push('\n');
    }
    s
}

/// Restores the default SIGPIPE action, so that a tool writing into a
/// closed pipe ends quietly like a C program. Call first thing in main.
pub fn default_sigpipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: sets a signal disposition to the default; called before any
    // other thread exists.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

fn to_async(m: &NgMsg) -> Result<Option<Async>> {
    let at = m.parsed()?;
    if m.cmd as u32 == c::NETGRAPH_CMD_DATA {
        return Ok(Some(Async::Data {
            hook: at.string(a::NETGRAPH_A_HOOK).unwrap_or_default(),
            data: at.bytes(a::NETGRAPH_A_DATA).unwrap_or_default().to_vec(),
        }));
    }
    if let Some(kind) = EventKind::from_cmd(m.cmd as u32) {
        let node = NodeInfo::from_nest(&at, a::NETGRAPH_A_NODE)?;
        let link = match at.nested(a::NETGRAPH_A_LINK)? {
            Some(l) => Some(LinkInfo::from_attrs(&l)?),
            None => None,
        };
        return Ok(Some(Async::Event { kind, node, link }));
    }
    Ok(None)
}

fn s(kind: u32, v: &str) -> Attr {
    Attr::Str(kind as u16, v.to_string())
}

fn libc_enoent() -> i32 {
    2
}

/// Extended-ACK text in an NLMSG_ERROR payload (capped: header only).
fn ext_ack_msg(payload: &[u8]) -> Option<String> {
    // With NETLINK_CAP_ACK the payload is the request's 16-byte header,
    // followed by the NLMSGERR_ATTR_* attributes.
    ext_ack_msg_done(payload.get(16..)?)
}

fn ext_ack_msg_done(tlvs: &[u8]) -> Option<String> {
    for nla in NlasIterator::new(tlvs) {
        let nla: NlaBuffer<&[u8]> = nla.ok()?;
        if nla.kind() == NLMSGERR_ATTR_MSG {
            let v = nla.value();
            let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
            return Some(String::from_utf8_lossy(&v[..end]).into_owned());
        }
    }
    None
}

impl fmt::Display for NodeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) [{:x}]",
            self.name.as_deref().unwrap_or("<unnamed>"),
            self.type_name,
            self.id
        )
    }
}

#[allow(dead_code)]
fn _assert_default_nla(_: DefaultNla) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn nla(kind: u16, payload: &[u8]) -> Vec<u8> {
        let len = 4 + payload.len();
        let mut v = (len as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn ext_ack_text_is_found_after_the_capped_header() {
        let mut p = vec![0u8; 16];
        p.extend(nla(2, &7u32.to_ne_bytes()));
        p.extend(nla(NLMSGERR_ATTR_MSG, b"another node has that name\0"));
        assert_eq!(
            ext_ack_msg(&p).as_deref(),
            Some("another node has that name")
        );
        assert_eq!(ext_ack_msg(&[0u8; 16]), None);
        assert_eq!(ext_ack_msg(&[0u8; 4]), None);
    }

    #[test]
    fn kernel_errors_read_like_strerror_with_the_ack_text() {
        let e = Error::Kernel {
            errno: 17,
            msg: Some("the local hook already exists".into()),
        };
        assert_eq!(e.strerror(), "File exists");
        assert_eq!(e.to_string(), "File exists (the local hook already exists)");
        assert_eq!(e.ext_ack(), Some("the local hook already exists"));
        let e = Error::Kernel {
            errno: 98,
            msg: None,
        };
        assert_eq!(e.to_string(), "Address already in use");
    }

    #[test]
    fn attributes_round_trip() {
        let attrs = vec![
            Attr::Str(1, "hub".into()),
            Attr::U32(2, 0xdead_beef),
            Attr::Flag(3),
            Attr::Nested(4, vec![Attr::Str(1, "x".into()), Attr::U32(3, 7)]),
        ];
        let mut buf = vec![0u8; attrs.as_slice().buffer_len()];
        attrs.as_slice().emit(&mut buf);
        let a = Attrs::parse(&buf).unwrap();
        assert_eq!(a.string(1).as_deref(), Some("hub"));
        assert_eq!(a.u32(2), Some(0xdead_beef));
        assert!(a.has(3));
        let n = a.nested(4).unwrap().unwrap();
        assert_eq!(n.string(1).as_deref(), Some("x"));
        assert_eq!(n.u32(3), Some(7));
        assert_eq!(a.u32(9), None);
    }

    #[test]
    fn node_addresses() {
        let mut n = NodeInfo {
            name: None,
            type_name: "hub".into(),
            id: 0x2a,
            hooks: 0,
            loop_drops: 0,
            drops: 0,
        };
        assert_eq!(n.addr(), "[2a]:");
        n.name = Some("h".into());
        assert_eq!(n.addr(), "h:");
    }
}
