//! Netlink at the byte level: attributes that can be malformed on purpose,
//! generic netlink messages, a raw socket with a receive timeout, and a
//! parser of whatever the kernel answers that never panics.

use netgraph::Attrs;
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};
use nix::libc;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

pub const NLA_F_NESTED: u16 = 0x8000;
pub const NLA_F_NET_BYTEORDER: u16 = 0x4000;
pub const NLA_TYPE_MASK: u16 = 0x3fff;

pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_ECHO: u16 = 0x8;
pub const NLM_F_ROOT: u16 = 0x100;
pub const NLM_F_MATCH: u16 = 0x200;
pub const NLM_F_ATOMIC: u16 = 0x400;
pub const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;
pub const NLM_F_APPEND: u16 = 0x800;
const NLM_F_CAPPED: u16 = 0x100;
const NLM_F_ACK_TLVS: u16 = 0x200;

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_HDRLEN: usize = 16;
const GENL_HDRLEN: usize = 4;

const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u32 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
const CTRL_ATTR_MCAST_GROUPS: u32 = 7;
const CTRL_ATTR_MCAST_GRP_NAME: u32 = 1;
const CTRL_ATTR_MCAST_GRP_ID: u32 = 2;
const NLMSGERR_ATTR_MSG: u32 = 1;

/// One attribute as it will be emitted, right or wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tlv {
    /// Type (flag bits included) and payload; the length is computed.
    Attr { ty: u16, data: Vec<u8> },
    /// A nest; its length is computed from its contents.
    Nest { ty: u16, items: Vec<Tlv> },
    /// A header whose length field says `len`, whatever follows.
    Lying { ty: u16, len: u16, data: Vec<u8> },
    /// Bytes emitted as they are: no header, no padding.
    Junk(Vec<u8>),
}

fn pad(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

impl Tlv {
    pub fn attr(ty: u16, data: Vec<u8>) -> Tlv {
        Tlv::Attr { ty, data }
    }

    /// A nest with `NLA_F_NESTED` set, as the kernel's strict policies want.
    pub fn nest(ty: u16, items: Vec<Tlv>) -> Tlv {
        Tlv::Nest {
            ty: ty | NLA_F_NESTED,
            items,
        }
    }

    pub fn string(ty: u16, s: &[u8]) -> Tlv {
        let mut d = s.to_vec();
        d.push(0);
        Tlv::Attr { ty, data: d }
    }

    /// The attribute number without flag bits (None for junk).
    pub fn kind(&self) -> Option<u16> {
        match self {
            Tlv::Attr { ty, .. } | Tlv::Nest { ty, .. } | Tlv::Lying { ty, .. } => {
                Some(ty & NLA_TYPE_MASK)
            }
            Tlv::Junk(_) => None,
        }
    }

    pub fn ty_mut(&mut self) -> Option<&mut u16> {
        match self {
            Tlv::Attr { ty, .. } | Tlv::Nest { ty, .. } | Tlv::Lying { ty, .. } => Some(ty),
            Tlv::Junk(_) => None,
        }
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Tlv::Attr { ty, data } => {
                let len = (4 + data.len()) as u16;
                out.extend_from_slice(&len.to_ne_bytes());
                out.extend_from_slice(&ty.to_ne_bytes());
                out.extend_from_slice(data);
                pad(out);
            }
            Tlv::Lying { ty, len, data } => {
                out.extend_from_slice(&len.to_ne_bytes());
                out.extend_from_slice(&ty.to_ne_bytes());
                out.extend_from_slice(data);
                pad(out);
            }
            Tlv::Nest { ty, items } => {
                let start = out.len();
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(&ty.to_ne_bytes());
                for t in items {
                    t.emit(out);
                }
                let len = (out.len() - start) as u16;
                out[start..start + 2].copy_from_slice(&len.to_ne_bytes());
                pad(out);
            }
            Tlv::Junk(b) => out.extend_from_slice(b),
        }
    }

    /// Every attribute of the tree, depth first (for picking a victim).
    pub fn count(&self) -> usize {
        match self {
            Tlv::Nest { items, .. } => 1 + items.iter().map(Tlv::count).sum::<usize>(),
            _ => 1,
        }
    }

    /// The `n`th attribute of the tree, depth first.
    pub fn nth_mut(&mut self, n: usize) -> Option<&mut Tlv> {
        if n == 0 {
            return Some(self);
        }
        let mut n = n - 1;
        if let Tlv::Nest { items, .. } = self {
            for t in items {
                let c = t.count();
                if n < c {
                    return t.nth_mut(n);
                }
                n -= c;
            }
        }
        None
    }
}

/// Emits a list of attributes.
#[cfg(test)]
pub fn emit_all(attrs: &[Tlv]) -> Vec<u8> {
    let mut out = Vec::new();
    for a in attrs {
        a.emit(&mut out);
    }
    out
}

/// One generic netlink request, before byte-level damage.
#[derive(Debug, Clone)]
pub struct GenlMsg {
    pub nl_type: u16,
    pub flags: u16,
    pub seq: u32,
    pub cmd: u8,
    pub version: u8,
    pub reserved: u16,
    /// Leave the generic netlink header out.
    pub no_genl_header: bool,
    pub attrs: Vec<Tlv>,
}

impl GenlMsg {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0u8; NLMSG_HDRLEN];
        if !self.no_genl_header {
            out.push(self.cmd);
            out.push(self.version);
            out.extend_from_slice(&self.reserved.to_ne_bytes());
        }
        for a in &self.attrs {
            a.emit(&mut out);
        }
        let len = out.len() as u32;
        out[0..4].copy_from_slice(&len.to_ne_bytes());
        out[4..6].copy_from_slice(&self.nl_type.to_ne_bytes());
        out[6..8].copy_from_slice(&self.flags.to_ne_bytes());
        out[8..12].copy_from_slice(&self.seq.to_ne_bytes());
        out
    }
}

/// Sets the `nlmsg_len` field of an encoded message.
pub fn set_nlmsg_len(msg: &mut [u8], len: u32) {
    if msg.len() >= 4 {
        msg[0..4].copy_from_slice(&len.to_ne_bytes());
    }
}

/// The offset of the attributes in an encoded generic netlink message.
pub const ATTRS_OFFSET: usize = NLMSG_HDRLEN + GENL_HDRLEN;

/// One message received from the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// NLMSG_ERROR: errno 0 is an ACK.
    Error {
        seq: u32,
        errno: i32,
        msg: Option<String>,
    },
    /// NLMSG_DONE, the end of a dump, with its error code.
    Done { seq: u32, errno: i32 },
    /// A message of the family (reply, event or data).
    Genl { seq: u32, cmd: u8, attrs: Vec<u8> },
    /// Anything else (another type, or a header that does not parse).
    Other { seq: u32, ty: u16 },
}

impl Reply {
    pub fn seq(&self) -> u32 {
        match self {
            Reply::Error { seq, .. }
            | Reply::Done { seq, .. }
            | Reply::Genl { seq, .. }
            | Reply::Other { seq, .. } => *seq,
        }
    }
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn ext_ack(tlvs: &[u8]) -> Option<String> {
    Attrs::parse(tlvs).ok()?.string(NLMSGERR_ATTR_MSG)
}

/// Splits a datagram into messages; stops at the first broken header.
pub fn parse_replies(buf: &[u8], family: u16) -> Vec<Reply> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + NLMSG_HDRLEN <= buf.len() {
        let (Some(len), Some(ty), Some(flags), Some(seq)) = (
            u32_at(buf, off),
            u16_at(buf, off + 4),
            u16_at(buf, off + 6),
            u32_at(buf, off + 8),
        ) else {
            break;
        };
        let len = len as usize;
        if len < NLMSG_HDRLEN || off + len > buf.len() {
            out.push(Reply::Other { seq, ty });
            break;
        }
        let m = &buf[off..off + len];
        let code = |at: usize| {
            u32_at(m, at)
                .map(|v| (v as i32).wrapping_neg())
                .unwrap_or(0)
        };
        match ty {
            NLMSG_ERROR => {
                let errno = code(NLMSG_HDRLEN);
                let msg = if flags & NLM_F_ACK_TLVS != 0 {
                    let orig = if flags & NLM_F_CAPPED != 0 {
                        NLMSG_HDRLEN
                    } else {
                        u32_at(m, NLMSG_HDRLEN + 4).unwrap_or(0) as usize
                    };
                    let at = (NLMSG_HDRLEN + 4 + orig + 3) & !3;
                    m.get(at..).and_then(ext_ack)
                } else {
                    None
                };
                out.push(Reply::Error { seq, errno, msg });
            }
            NLMSG_DONE => out.push(Reply::Done {
                seq,
                errno: code(NLMSG_HDRLEN),
            }),
            t if t == family && len >= ATTRS_OFFSET => out.push(Reply::Genl {
                seq,
                cmd: m[NLMSG_HDRLEN],
                attrs: m[ATTRS_OFFSET..].to_vec(),
            }),
            _ => out.push(Reply::Other { seq, ty }),
        }
        off += (len + 3) & !3;
    }
    out
}

/// The family's number and its multicast groups.
#[derive(Debug, Clone, Default)]
pub struct Family {
    pub id: u16,
    pub groups: Vec<(String, u32)>,
}

#[derive(Debug)]
pub enum ResolveError {
    /// No such family (the module is not loaded).
    NotFound,
    Io(io::Error),
    Other(String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::NotFound => write!(f, "no generic netlink family (module not loaded)"),
            ResolveError::Io(e) => write!(f, "{e}"),
            ResolveError::Other(s) => write!(f, "{s}"),
        }
    }
}

/// A generic netlink socket with a receive timeout.
pub struct NlSock {
    sock: Socket,
    buf: Vec<u8>,
}

const RECV_BUF: usize = 256 * 1024;

impl NlSock {
    pub fn open(timeout: Duration) -> io::Result<NlSock> {
        let mut sock = Socket::new(NETLINK_GENERIC)?;
        sock.bind_auto()?;
        sock.set_ext_ack(true)?;
        sock.set_cap_ack(true)?;
        let _ = sock.set_rx_buf_sz(1 << 20);
        sock.connect(&SocketAddr::new(0, 0))?;
        let tv = libc::timeval {
            tv_sec: timeout.as_secs() as libc::time_t,
            tv_usec: timeout.subsec_micros() as libc::suseconds_t,
        };
        // SAFETY: the option value is a live timeval of the size passed,
        // on a socket this function owns.
        let r = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(NlSock {
            sock,
            buf: Vec::with_capacity(RECV_BUF),
        })
    }

    pub fn send(&self, b: &[u8]) -> io::Result<usize> {
        self.sock.send(b, 0)
    }

    /// The next datagram: blocking up to the socket's timeout (`None` for
    /// `wait`), or only if one comes within `wait`. Ok(None) on timeout.
    pub fn recv(&mut self, wait: Option<Duration>) -> io::Result<Option<&[u8]>> {
        let mut flags = 0;
        if let Some(w) = wait {
            use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
            let ms = u16::try_from(w.as_millis()).unwrap_or(u16::MAX);
            let mut fds = [PollFd::new(self.sock.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(ms)) {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => return Ok(None),
                Err(e) => return Err(io::Error::from(e)),
            }
            flags = libc::MSG_DONTWAIT;
        }
        self.buf.clear();
        match self.sock.recv(&mut self.buf, flags) {
            Ok(_) => Ok(Some(&self.buf)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn add_membership(&self, group: u32) -> io::Result<()> {
        self.sock.add_membership(group)
    }

    /// Asks the controller for family `name`.
    pub fn resolve(&mut self, name: &str) -> Result<Family, ResolveError> {
        let m = GenlMsg {
            nl_type: GENL_ID_CTRL,
            flags: NLM_F_REQUEST | NLM_F_ACK,
            seq: 1,
            cmd: CTRL_CMD_GETFAMILY,
            version: 2,
            reserved: 0,
            no_genl_header: false,
            attrs: vec![Tlv::string(CTRL_ATTR_FAMILY_NAME, name.as_bytes())],
        };
        self.send(&m.encode()).map_err(ResolveError::Io)?;
        let mut fam: Option<Family> = None;
        loop {
            let Some(buf) = self.recv(None).map_err(ResolveError::Io)? else {
                return Err(ResolveError::Other("no answer from the controller".into()));
            };
            for r in parse_replies(buf, GENL_ID_CTRL) {
                if r.seq() != 1 {
                    continue;
                }
                match r {
                    Reply::Genl { attrs, .. } => {
                        let at =
                            Attrs::parse(&attrs).map_err(|e| ResolveError::Other(e.to_string()))?;
                        let id = at
                            .bytes(CTRL_ATTR_FAMILY_ID)
                            .and_then(|b| u16_at(b, 0))
                            .ok_or_else(|| ResolveError::Other("family without id".into()))?;
                        let mut groups = Vec::new();
                        if let Ok(Some(gs)) = at.nested(CTRL_ATTR_MCAST_GROUPS) {
                            for (_, g) in gs.iter() {
                                if let Ok(g) = Attrs::parse(g) {
                                    if let (Some(n), Some(i)) = (
                                        g.string(CTRL_ATTR_MCAST_GRP_NAME),
                                        g.u32(CTRL_ATTR_MCAST_GRP_ID),
                                    ) {
                                        groups.push((n, i));
                                    }
                                }
                            }
                        }
                        fam = Some(Family { id, groups });
                    }
                    Reply::Error { errno: 0, .. } | Reply::Done { .. } => {
                        return fam
                            .ok_or_else(|| ResolveError::Other("no family in the reply".into()));
                    }
                    Reply::Error { errno, .. } if errno == libc::ENOENT => {
                        return Err(ResolveError::NotFound)
                    }
                    Reply::Error { errno, msg, .. } => {
                        return Err(ResolveError::Other(format!(
                            "controller: {} {}",
                            nix::errno::Errno::from_raw(errno),
                            msg.unwrap_or_default()
                        )))
                    }
                    Reply::Other { .. } => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_encode_like_the_kernel_expects() {
        let t = Tlv::nest(14, vec![Tlv::attr(1, vec![1, 2, 3]), Tlv::string(2, b"ab")]);
        let mut b = Vec::new();
        t.emit(&mut b);
        // nest header, (4+3 -> 8), (4+3 -> 8)
        assert_eq!(b.len(), 4 + 8 + 8);
        assert_eq!(u16_at(&b, 0), Some(20));
        assert_eq!(u16_at(&b, 2), Some(14 | NLA_F_NESTED));
        let at = Attrs::parse(&b).unwrap();
        let inner = at.nested(14).unwrap().unwrap();
        assert_eq!(inner.bytes(1), Some(&[1u8, 2, 3][..]));
        assert_eq!(inner.string(2).as_deref(), Some("ab"));
        assert_eq!(t.count(), 3);
        let mut t2 = t.clone();
        assert_eq!(t2.nth_mut(2).unwrap().kind(), Some(2));
        assert!(t2.nth_mut(3).is_none());
    }

    #[test]
    fn messages_and_replies() {
        let m = GenlMsg {
            nl_type: 0x20,
            flags: NLM_F_REQUEST | NLM_F_ACK,
            seq: 7,
            cmd: 2,
            version: 1,
            reserved: 0,
            no_genl_header: false,
            attrs: vec![Tlv::string(1, b".")],
        };
        let b = m.encode();
        assert_eq!(b.len(), 20 + 8);
        assert_eq!(u32_at(&b, 0), Some(28));
        // The message parses back as a family message.
        let r = parse_replies(&b, 0x20);
        assert_eq!(
            r,
            [Reply::Genl {
                seq: 7,
                cmd: 2,
                attrs: b[20..].to_vec()
            }]
        );
        // An error with a capped header and an extended ACK.
        let mut e = vec![0u8; 16];
        e[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        e[6..8].copy_from_slice(&(NLM_F_CAPPED | NLM_F_ACK_TLVS).to_ne_bytes());
        e[8..12].copy_from_slice(&7u32.to_ne_bytes());
        e.extend_from_slice(&(-22i32).to_ne_bytes());
        e.extend_from_slice(&b[..16]);
        Tlv::string(1, b"bad path").emit(&mut e);
        let l = e.len() as u32;
        e[0..4].copy_from_slice(&l.to_ne_bytes());
        let r = parse_replies(&e, 0x20);
        assert_eq!(
            r,
            [Reply::Error {
                seq: 7,
                errno: 22,
                msg: Some("bad path".into())
            }]
        );
        // Garbage never panics.
        for n in 0..e.len() {
            let _ = parse_replies(&e[..n], 0x20);
        }
        let _ = parse_replies(&[0xff; 40], 0x20);
    }

    /// The real socket against the kernel's controller (a read-only
    /// query, what every netlink tool does first).
    #[test]
    fn the_socket_resolves_families_and_times_out() {
        let mut s = NlSock::open(Duration::from_millis(50)).expect("netlink socket");
        let f = s.resolve("nlctrl").expect("nlctrl");
        assert_eq!(f.id, GENL_ID_CTRL);
        assert!(f.groups.iter().any(|(n, _)| n == "notify"));
        let r = s.resolve("ngfuzz-nosuch");
        assert!(matches!(r, Err(ResolveError::NotFound)), "{r:?}");
        let t = std::time::Instant::now();
        assert!(s.recv(None).unwrap().is_none());
        assert!(t.elapsed() >= Duration::from_millis(40));
        assert!(s.recv(Some(Duration::from_millis(5))).unwrap().is_none());
    }
}
