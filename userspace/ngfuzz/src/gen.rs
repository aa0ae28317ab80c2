//! The request generator: valid-shaped requests built from the YNL spec
//! (which operation takes which attributes, their numbers, types and
//! length checks) and the node types' message schemas, then mutated.
//!
//! Valid shapes reach deep code: mkpeer of every constructible type with
//! its hook names, connect between known nodes, name, rmhook, shutdown,
//! nodeinfo, the dumps, MSG with arguments built from each message's schema
//! (boundary integers, strings, Ethernet addresses, structs, arrays) and
//! frames on the socket node's hooks. Paths come from what the worker has
//! learned (`name:`, `[id]:`, `.`, `hook.hook`) or are garbage.
//!
//! Mutations break them on purpose, at the attribute level (wrong types and
//! lengths, bad nesting, unknown and foreign attributes, strings without or
//! with extra NULs, oversized strings, missing attributes, schema-aware
//! damage inside ARGS) and at the message level (unknown commands, flags,
//! generic netlink header, truncation, batches with interleaved DATA).
//! Every message the kernel can parse is addressed to the netgraph family.

use crate::nl::{self, GenlMsg, Tlv, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK};
use crate::nl::{NLM_F_ACK, NLM_F_APPEND, NLM_F_ATOMIC, NLM_F_DUMP, NLM_F_ECHO, NLM_F_MATCH};
use crate::nl::{NLM_F_REQUEST, NLM_F_ROOT};
use crate::rng::Rng;
use crate::schema::TypeSchema;
use crate::spec::{AttrSet, AttrSpec, AttrType, Op, Spec};
use crate::world::{Intent, NodeRec, World};
use netgraph::ascii::{self, Field, Kind, Value};
use netgraph::{Attr, Attrs};

/// Attribute and command numbers the worker reads replies with, from the
/// spec (the header's values when the spec lacks one).
#[derive(Debug, Clone)]
pub struct Ids {
    pub node: u16,
    pub link: u16,
    pub hook: u16,
    pub n_name: u16,
    pub n_type: u16,
    pub n_id: u16,
    pub l_ourhook: u16,
    pub l_peer: u16,
    pub cmd_data: u8,
}

impl Ids {
    pub fn from_spec(spec: &Spec) -> Ids {
        use netgraph::sys::netgraph_attr as a;
        use netgraph::sys::netgraph_link_attr as la;
        use netgraph::sys::netgraph_node_attr as na;
        let top = &spec.name;
        let v = |set: &str, n: &str, dflt: u32| spec.attr_value(set, n).unwrap_or(dflt as u16);
        Ids {
            node: v(top, "node", a::NETGRAPH_A_NODE),
            link: v(top, "link", a::NETGRAPH_A_LINK),
            hook: v(top, "hook", a::NETGRAPH_A_HOOK),
            n_name: v("node", "name", na::NETGRAPH_NODE_A_NAME),
            n_type: v("node", "type", na::NETGRAPH_NODE_A_TYPE),
            n_id: v("node", "id", na::NETGRAPH_NODE_A_ID),
            l_ourhook: v("link", "ourhook", la::NETGRAPH_LINK_A_OURHOOK),
            l_peer: v("link", "peer", la::NETGRAPH_LINK_A_PEER),
            cmd_data: spec
                .op("data")
                .map(|o| o.value)
                .unwrap_or(netgraph::sys::netgraph_cmd::NETGRAPH_CMD_DATA as u8),
        }
    }
}

/// Whether the kernel answers a message for sure (an ACK, an error or the
/// end of a dump), or only perhaps (no ACK asked, or a header it drops).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Answer,
    Maybe,
}

/// One netlink message of a send.
#[derive(Debug, Clone)]
pub struct Part {
    pub bytes: Vec<u8>,
    pub seq: u32,
    pub expect: Expect,
    /// The operation's name (or `cmd#N`).
    pub cmd: String,
    pub mutated: bool,
}

/// One send: a request, perhaps with others in the same buffer.
#[derive(Debug, Clone)]
pub struct Plan {
    pub parts: Vec<Part>,
    pub main_seq: u32,
    pub mutations: Vec<&'static str>,
    pub intent: Intent,
    /// `type.message` of a MSG request.
    pub msg: Option<String>,
    pub data_size: Option<usize>,
    /// Built generically from the spec rather than by the per-command builder.
    pub generic: bool,
}

impl Plan {
    /// The whole buffer to send: every part, each aligned to 4 bytes.
    pub fn buffer(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in &self.parts {
            out.extend_from_slice(&p.bytes);
            while out.len() % 4 != 0 {
                out.push(0);
            }
        }
        out
    }

    /// One line: command, message, size, mutations and the main
    /// request's header and attributes (strings shown, others by size).
    pub fn describe(&self) -> String {
        let p = self.parts.iter().find(|p| p.seq == self.main_seq);
        let detail = p.map(|p| show_message(&p.bytes)).unwrap_or_default();
        format!(
            "{}{}{} [{} part{}, {} bytes]{}: {detail}",
            p.map_or("?", |p| p.cmd.as_str()),
            self.msg
                .as_deref()
                .map(|m| format!(" {m}"))
                .unwrap_or_default(),
            if self.generic { " (generic)" } else { "" },
            self.parts.len(),
            if self.parts.len() == 1 { "" } else { "s" },
            self.parts.iter().map(|p| p.bytes.len()).sum::<usize>(),
            if self.mutations.is_empty() {
                String::new()
            } else {
                format!(" mutations: {}", self.mutations.join(","))
            }
        )
    }
}

/// `cmd=N flags=0x.. path="." type-name="hub" 15=<8 bytes> ...`
fn show_message(b: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if b.len() < nl::ATTRS_OFFSET {
        return format!("<{} bytes>", b.len());
    }
    let flags = u16::from_ne_bytes([b[6], b[7]]);
    let _ = write!(
        s,
        "cmd={} flags={flags:#x} len={}",
        b[16],
        u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
    );
    match Attrs::parse(&b[nl::ATTRS_OFFSET..]) {
        Ok(at) => {
            for (k, v) in at.iter() {
                let printable = v.split_last().is_some_and(|(last, body)| {
                    *last == 0 && body.len() <= 64 && body.iter().all(|c| (0x20..0x7f).contains(c))
                });
                if printable {
                    let _ = write!(s, " {k}={:?}", String::from_utf8_lossy(&v[..v.len() - 1]));
                } else {
                    let _ = write!(s, " {k}=<{} bytes>", v.len());
                }
            }
        }
        Err(_) => s.push_str(" <attributes do not parse>"),
    }
    s
}

/// Every mutation with its weight.
pub const MUTATIONS: &[(&str, u32)] = &[
    ("wrong-type", 6),
    ("wrong-len", 5),
    ("truncated-attr", 4),
    ("truncated-msg", 2),
    ("bad-nest", 5),
    ("deep-nest", 2),
    ("unknown-attr", 5),
    ("foreign-attr", 5),
    ("unknown-cmd", 3),
    ("cmd-swap", 3),
    ("oversized-string", 5),
    ("missing-attr", 7),
    ("no-nul", 4),
    ("excess-nul", 3),
    ("flags", 7),
    ("duplicate-attr", 4),
    ("interleaved-data", 4),
    ("batch", 3),
    ("genl-header", 3),
    ("nlmsg-len", 2),
    ("tail-garbage", 3),
    ("garbage-path", 6),
    ("garbage-name", 4),
    ("nla-flags", 3),
    ("zero-len-attr", 3),
    ("random-bytes", 1),
    ("args-value", 8),
    ("args-shape", 8),
    ("args-other", 3),
];

/// A request being built.
#[derive(Debug, Clone)]
struct Req {
    cmd: u8,
    label: String,
    flags: u16,
    version: u8,
    reserved: u16,
    no_genl: bool,
    attrs: Vec<Tlv>,
    /// Index of its operation in the spec.
    op: Option<usize>,
}

struct Built {
    req: Req,
    intent: Intent,
    msg: Option<String>,
    data_size: Option<usize>,
    /// The argument schema of a MSG request.
    args_field: Option<Field>,
    /// Mutations the builder made itself (e.g. an oversized frame).
    extra: Vec<&'static str>,
    generic: bool,
}

enum ByteMut {
    /// Cut inside the attributes; nlmsg_len follows the cut.
    TruncateAttrs,
    /// nlmsg_len larger than what is sent (the kernel drops it).
    OverLong,
    /// nlmsg_len below a header (the kernel drops the rest of the buffer).
    ShortLen,
    /// Unaligned bytes after the attributes, inside nlmsg_len.
    TailGarbage(Vec<u8>),
}

#[derive(Default)]
struct MutCtx {
    bytes: Vec<ByteMut>,
    before: Vec<Req>,
    after: Vec<Req>,
}

/// Types `mkpeer` cannot make (documented in Documentation/types.rst).
const NOT_CONSTRUCTIBLE: &[&str] = &["socket", "ether"];

const COMMON_HOOKS: &[&str] = &[
    "link0",
    "link1",
    "uplink1",
    "upper",
    "lower",
    "left",
    "right",
    "left2right",
    "right2left",
    "ether",
    "orphans",
    "divert",
    "data",
    "in",
    "out",
    "a",
    "b",
];

const ODD_NAMES: &[&[u8]] = &[
    b"",
    b".",
    b":",
    b"[1]",
    b"[",
    b"]",
    b"a.b",
    b"a:b",
    b" ",
    b"\t",
    b"\n",
    b"\xff\xfe",
    b"a b",
    b"0",
    b"-",
    b"..",
    b"name:",
    b"\x01",
    b"\xc3\xa9t\xc3\xa9",
];

const GARBAGE_PATHS: &[&[u8]] = &[
    b"",
    b":",
    b"::",
    b"[",
    b"]",
    b"[]:",
    b"[]",
    b"[zz]:",
    b"[-1]:",
    b"[ffffffff]:",
    b"[100000000]:",
    b"[0]:",
    b"[1]",
    b"..",
    b"...",
    b".h",
    b"h.",
    b"h..h",
    b"a:b:c",
    b"x:.",
    b"x:h.",
    b":h",
    b"[1]:[2]:",
    b"a b",
    b"\t",
    b"\x01",
    b"\xff\xfe\xfd",
    b"[0x1]:",
    b"[ 1]:",
    b"[1] :",
    b".:",
    b"[1]:.",
    b"[1]:..",
    b"\\",
    b"%s%s%n",
];

fn kind_limits(k: &Kind) -> (i128, i128) {
    match k {
        Kind::U8 => (0, u8::MAX as i128),
        Kind::U16 | Kind::Hex16 => (0, u16::MAX as i128),
        Kind::U32 | Kind::Hex32 => (0, u32::MAX as i128),
        Kind::U64 => (0, u64::MAX as i128),
        Kind::S32 => (i32::MIN as i128, i32::MAX as i128),
        _ => (i64::MIN as i128, i64::MAX as i128),
    }
}

fn to_tlv(a: &Attr) -> Tlv {
    match a {
        Attr::U32(k, v) => Tlv::attr(*k, v.to_ne_bytes().to_vec()),
        Attr::Str(k, s) => Tlv::string(*k, s.as_bytes()),
        Attr::Flag(k) => Tlv::attr(*k, Vec::new()),
        Attr::Bytes(k, b) => Tlv::attr(*k, b.clone()),
        Attr::Nested(k, v) => Tlv::nest(*k, v.iter().map(to_tlv).collect()),
    }
}

fn expect_of(flags: u16) -> Expect {
    if flags & NLM_F_REQUEST == 0 {
        if flags & NLM_F_ACK != 0 {
            Expect::Answer
        } else {
            Expect::Maybe
        }
    } else if flags & NLM_F_DUMP == NLM_F_DUMP || flags & NLM_F_ACK != 0 {
        Expect::Answer
    } else {
        Expect::Maybe
    }
}

pub struct Gen<'a> {
    spec: &'a Spec,
    types: &'a [TypeSchema],
    pub ids: Ids,
    pub world: World,
    family: u16,
    version: u8,
    seq: u32,
    mutate_pct: u32,
    worker: u32,
    macs: Vec<[u8; 6]>,
    request_ops: Vec<usize>,
    top: String,
    /// The longest path (NG_PATHSIZ less its NUL).
    path_max: usize,
}

impl<'a> Gen<'a> {
    pub fn new(
        spec: &'a Spec,
        types: &'a [TypeSchema],
        worker: u32,
        mutate_pct: u32,
    ) -> Result<Gen<'a>, String> {
        let request_ops: Vec<usize> = spec
            .ops
            .iter()
            .enumerate()
            .filter(|(_, o)| o.is_request())
            .map(|(i, _)| i)
            .collect();
        if request_ops.is_empty() {
            return Err("the spec has no request operation".into());
        }
        let macs = (0..8u8)
            .map(|i| [0x02, 0x6e, 0x67, worker as u8, 0, i])
            .collect();
        Ok(Gen {
            spec,
            types,
            ids: Ids::from_spec(spec),
            world: World::default(),
            family: 0,
            version: netgraph::sys::NETGRAPH_GENL_VERSION as u8,
            seq: 1000,
            mutate_pct,
            worker,
            macs,
            request_ops,
            top: spec.name.clone(),
            path_max: spec
                .constant("ng-pathsiz")
                .and_then(|v| usize::try_from(v - 1).ok())
                .unwrap_or(511),
        })
    }

    pub fn set_family(&mut self, id: u16) {
        self.family = id;
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1).max(1000);
        self.seq
    }

    // --- small generators ---

    fn type_names(&self) -> Vec<&'a str> {
        self.types.iter().map(|t| t.name.as_str()).collect()
    }

    fn constructible(&self) -> Vec<&'a str> {
        self.type_names()
            .into_iter()
            .filter(|t| !NOT_CONSTRUCTIBLE.contains(t))
            .collect()
    }

    fn type_name(&mut self, rng: &mut Rng) -> String {
        let c = self.constructible();
        if !c.is_empty() && rng.percent(93) {
            return c[rng.below(c.len())].to_string();
        }
        match rng.below(4) {
            0 => rng.pick(NOT_CONSTRUCTIBLE).unwrap_or(&"socket").to_string(),
            1 => "nosuchtype".into(),
            2 => "a".repeat(31),
            _ => rng
                .pick(&self.type_names())
                .map_or("hub", |v| *v)
                .to_uppercase(),
        }
    }

    fn generic_hook(&mut self, rng: &mut Rng) -> String {
        match rng.below(10) {
            0..=3 => format!("h{}", rng.below(16)),
            4..=6 => rng.pick(COMMON_HOOKS).unwrap_or(&"h").to_string(),
            7 => "h".repeat(31),
            _ => {
                let n = 1 + rng.below(31);
                rng.word(n, b"abcdefghijklmnopqrstuvwxyz0123456789_-")
            }
        }
    }

    /// A hook name that node type `ty` plausibly accepts.
    fn hook_for(&mut self, rng: &mut Rng, ty: Option<&str>) -> String {
        if rng.one_in(12) {
            return self.generic_hook(rng);
        }
        match ty {
            Some("bridge") => match rng.below(12) {
                0 | 1 => "link".into(),
                2..=7 => format!("link{}", rng.below(34)),
                8 | 9 => format!("uplink{}", 1 + rng.below(8)),
                _ => [
                    "uplink0",
                    "uplink",
                    "link-1",
                    "link01",
                    "link4294967296",
                    "link99999",
                    "linkx",
                ][rng.below(7)]
                .into(),
            },
            Some("tee") => ["left", "right", "left2right", "right2left"][rng.below(4)].into(),
            Some("pipe") => ["upper", "lower"][rng.below(2)].into(),
            Some("eiface") => "ether".into(),
            Some("ether") => ["lower", "upper", "orphans", "divert"][rng.below(4)].into(),
            _ => self.generic_hook(rng),
        }
    }

    fn node_name(&mut self, rng: &mut Rng) -> String {
        match rng.below(10) {
            0..=5 => {
                self.world.serial += 1;
                format!("f{}n{}", self.worker, self.world.serial)
            }
            6 => match rng.pick(&self.world.names) {
                Some(n) => n.clone(),
                None => "x".into(),
            },
            7 => format!("f{}", "n".repeat(30)),
            8 => ["ngeth0", "eth0", "lo", "hub", "x", "y", "ngctl1"][rng.below(7)].into(),
            _ => {
                let n = 1 + rng.below(31);
                rng.word(
                    n,
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
                )
            }
        }
    }

    /// A well-formed path, mostly to a node that exists.
    fn path(&mut self, rng: &mut Rng) -> String {
        let w = &self.world;
        match rng.below(20) {
            0..=4 => ".".into(),
            5..=7 if !w.my_hooks.is_empty() => w.my_hooks[rng.below(w.my_hooks.len())].clone(),
            8..=10 if !w.paths.is_empty() => w.paths[rng.below(w.paths.len())].0.clone(),
            11 | 12 if !w.names.is_empty() => format!("{}:", w.names[rng.below(w.names.len())]),
            13..=15 if !w.nodes.is_empty() => {
                let n = w.nodes[rng.below(w.nodes.len())].clone();
                n.addr(rng)
            }
            16 if !w.paths.is_empty() && !w.my_hooks.is_empty() => {
                // A longer relative chain.
                let a = w.my_hooks[rng.below(w.my_hooks.len())].clone();
                let b = self.generic_hook(rng);
                format!("{a}.{b}")
            }
            17 => format!("[{:x}]:", 1 + rng.below(0x400)),
            18 => format!("{}:", self.node_name(rng)),
            _ => match rng.below(3) {
                0 => ".".into(),
                1 => self.generic_hook(rng),
                _ => match self.world.nodes.first() {
                    Some(n) => format!("[{:x}]:", n.id),
                    None => ".".into(),
                },
            },
        }
    }

    fn garbage_path(&mut self, rng: &mut Rng) -> Vec<u8> {
        match rng.below(8) {
            0..=3 => rng.pick(GARBAGE_PATHS).unwrap_or(&&b""[..]).to_vec(),
            4 => "a".repeat(self.path_max).into_bytes(),
            5 => {
                // Many hops: h.h.h... up to the longest path.
                let n = 1 + rng.below(self.path_max / 2);
                let mut s = vec!["h"; n].join(".");
                s.truncate(self.path_max);
                s.into_bytes()
            }
            6 => {
                let n = 1 + rng.below(64);
                rng.nonzero_bytes(n)
            }
            _ => {
                let mut p = self.path(rng).into_bytes();
                let i = rng.below(p.len() + 1);
                let g = *rng.pick(b".:[]\xff ").unwrap_or(&b'.');
                p.insert(i, g);
                p
            }
        }
    }

    fn odd_name(&mut self, rng: &mut Rng, max: Option<usize>) -> Vec<u8> {
        match rng.below(4) {
            0 => vec![b'n'; max.unwrap_or(31)],
            1 => {
                let n = 1 + rng.below(31);
                rng.nonzero_bytes(n)
            }
            _ => rng.pick(ODD_NAMES).unwrap_or(&&b""[..]).to_vec(),
        }
    }

    fn mac(&mut self, rng: &mut Rng) -> [u8; 6] {
        match rng.below(10) {
            0..=4 => self.macs[rng.below(self.macs.len())],
            5 => [0xff; 6],
            6 => [0x01, 0x00, 0x5e, 0x00, 0x00, rng.below(256) as u8],
            7 => [0x33, 0x33, 0, 0, 0, 1],
            8 => [0; 6],
            _ => {
                let b = rng.bytes(6);
                [b[0] & 0xfe, b[1], b[2], b[3], b[4], b[5]]
            }
        }
    }

    /// An Ethernet frame of `size` bytes. IP headers carry loopback
    /// addresses only: these frames never leave the fuzzer's namespaces,
    /// and nothing in them names another host.
    fn frame(&mut self, rng: &mut Rng, size: usize) -> Vec<u8> {
        let mut f = Vec::with_capacity(size.max(64));
        let dst = if rng.percent(30) {
            [0xff; 6]
        } else {
            self.mac(rng)
        };
        let src = if rng.percent(80) {
            self.macs[rng.below(self.macs.len())]
        } else {
            self.mac(rng)
        };
        f.extend_from_slice(&dst);
        f.extend_from_slice(&src);
        let et: u16 = match rng.below(10) {
            0..=2 => 0x0800,
            3 | 4 => 0x86dd,
            5 => 0x0806,
            6 => 0x8100,
            7 => 0x88b5,
            _ => rng.u32() as u16,
        };
        f.extend_from_slice(&et.to_be_bytes());
        match et {
            0x0800 => {
                let tot = (size.saturating_sub(14)).min(65535) as u16;
                f.extend_from_slice(&[0x45, 0]);
                f.extend_from_slice(&tot.to_be_bytes());
                f.extend_from_slice(&[0, 0, 0x40, 0, 64, [1u8, 6, 17][rng.below(3)], 0, 0]);
                f.extend_from_slice(&[127, 0, 0, 1 + rng.below(254) as u8]);
                f.extend_from_slice(&[127, 0, 0, 1 + rng.below(254) as u8]);
            }
            0x86dd => {
                let pl = (size.saturating_sub(54)).min(65535) as u16;
                f.extend_from_slice(&[0x60, 0, 0, 0]);
                f.extend_from_slice(&pl.to_be_bytes());
                f.extend_from_slice(&[[17u8, 58, 6][rng.below(3)], 64]);
                let mut lo = [0u8; 16];
                lo[15] = 1;
                f.extend_from_slice(&lo);
                f.extend_from_slice(&lo);
            }
            0x0806 => {
                f.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
                f.extend_from_slice(&src);
                f.extend_from_slice(&[127, 0, 0, 1]);
                f.extend_from_slice(&[0; 6]);
                f.extend_from_slice(&[127, 0, 0, 2]);
            }
            _ => {}
        }
        if f.len() < size {
            let fill = if rng.percent(50) {
                vec![0; size - f.len()]
            } else {
                rng.bytes(size - f.len())
            };
            f.extend_from_slice(&fill);
        }
        f.truncate(size);
        f
    }

    fn frame_size(&mut self, rng: &mut Rng, small: bool) -> usize {
        let w: &[u32] = if small {
            &[3, 5, 3, 20, 5, 30, 5, 0, 0, 0]
        } else {
            &[3, 5, 3, 20, 5, 30, 5, 10, 6, 3]
        };
        match rng.weighted(w) {
            0 => 0,
            1 => 1 + rng.below(13),
            2 => 14,
            3 => 15 + rng.below(86),
            4 => [60, 64][rng.below(2)],
            5 => 101 + rng.below(1414),
            6 => [1514, 1518][rng.below(2)],
            7 => 1515 + rng.below(7504),
            8 => 9018 + rng.below(65531 - 9018 + 1),
            _ => 65532 + rng.below(70000 - 65532 + 1),
        }
    }

    // --- schema values ---

    fn gen_int(&mut self, rng: &mut Rng, f: &Field, hostile: bool) -> i128 {
        let (klo, khi) = kind_limits(&f.kind);
        let (lo, hi) = f.range.map_or((klo, khi), |(a, b)| (a as i128, b as i128));
        if hostile {
            return match rng.below(9) {
                0 => lo - 1,
                1 => hi + 1,
                2 => -1,
                3 => klo,
                4 => khi,
                5 => khi + 1,
                6 => i64::MIN as i128,
                7 => u64::MAX as i128,
                _ => 0,
            };
        }
        let v = match rng.below(10) {
            0 => 0,
            1 => 1,
            2 => f.default as i128,
            3 => lo,
            4 => hi,
            5 => rng.below(64) as i128,
            6 => -1 - rng.below(64) as i128,
            7 => 1i128 << rng.below(64),
            _ => {
                let span = (hi - lo).max(0) as u128;
                let r = (rng.next_u64() as u128) % span.saturating_add(1);
                lo + r as i128
            }
        };
        v.clamp(lo.min(hi), hi.max(lo))
    }

    fn gen_str(&mut self, rng: &mut Rng, f: &Field, max: usize, hostile: bool) -> Vec<u8> {
        let len = if hostile {
            [max + 1, max + 8, 255, 1024, 4000][rng.below(5)]
        } else {
            match rng.below(6) {
                0 => 0,
                1 => 1.min(max),
                2 => max,
                3 => max.saturating_sub(1),
                _ => rng.below(max + 1),
            }
        };
        if f.name.contains("hook") && rng.percent(70) {
            let ty = rng.pick(&["bridge", "hub"]).copied();
            let mut h = self.hook_for(rng, ty).into_bytes();
            if !hostile && h.len() <= max {
                return h;
            }
            h.resize(len, b'k');
            return h;
        }
        if rng.percent(80) {
            rng.word(len, b"abcdefghijklmnopqrstuvwxyz0123456789")
                .into_bytes()
        } else {
            rng.nonzero_bytes(len)
        }
    }

    /// A value of shape `f`: plausible, or `hostile` (out of range,
    /// oversized, too many elements, fields out of order).
    fn gen_value(&mut self, rng: &mut Rng, f: &Field, hostile: bool, depth: u32) -> Value {
        let h = hostile && rng.percent(40);
        match &f.kind {
            Kind::Str(max) => Value::Str(self.gen_str(rng, f, *max, h)),
            Kind::EthAddr => Value::Eth(self.mac(rng)),
            Kind::Struct(fields) => {
                let mut items = Vec::new();
                for (i, sf) in fields.iter().enumerate() {
                    if rng.percent(80) {
                        items.push((i, self.gen_value(rng, sf, hostile, depth + 1)));
                    }
                }
                if h && items.len() > 1 {
                    items.reverse();
                }
                Value::Struct(items)
            }
            Kind::Array(elem) => {
                let n = if h {
                    match f.range {
                        Some((_, hi)) if hi >= 0 => (hi as usize).saturating_add(1).min(2000),
                        _ if depth == 0 => 65 + rng.below(400),
                        _ => 9 + rng.below(60),
                    }
                } else {
                    match rng.below(10) {
                        0 | 1 => 0,
                        2..=4 => 1,
                        5..=8 => 2 + rng.below(7),
                        _ => 9 + rng.below(56),
                    }
                };
                let n = if depth > 3 { n.min(4) } else { n };
                Value::Array(
                    (0..n)
                        .map(|_| self.gen_value(rng, elem, hostile, depth + 1))
                        .collect(),
                )
            }
            _ => Value::Int(self.gen_int(rng, f, h)),
        }
    }

    fn args_tlv(&mut self, rng: &mut Rng, f: &Field, hostile: bool) -> Option<Tlv> {
        let a = self.spec.attr_value(&self.top, "args")?;
        let v = self.gen_value(rng, f, hostile, 0);
        Some(Tlv::nest(a, vec![to_tlv(&ascii::encode(&v, f, 1))]))
    }

    // --- attributes from the spec ---

    fn set_of(&self, op: &Op) -> Option<&'a AttrSet> {
        self.spec.set(&op.set)
    }

    fn anum(&self, op: &Op, name: &str) -> Option<u16> {
        self.set_of(op)?.get(name).map(|a| a.value)
    }

    fn put_str(&self, r: &mut Req, op: &Op, name: &str, v: &[u8]) {
        if let Some(n) = self.anum(op, name) {
            r.attrs.push(Tlv::string(n, v));
        }
    }

    fn string_for(&mut self, rng: &mut Rng, name: &str, max: Option<usize>) -> String {
        if name.contains("path") {
            self.path(rng)
        } else if name.contains("type") {
            self.type_name(rng)
        } else if name.contains("hook") {
            self.hook_for(rng, None)
        } else if name.contains("cmd") {
            let t = self.types;
            let all: Vec<&str> = t
                .iter()
                .flat_map(|t| t.msgs.iter().map(|m| m.name.as_str()))
                .collect();
            rng.pick(&all).map_or("getstats", |v| *v).to_string()
        } else if name.contains("name") {
            self.node_name(rng)
        } else {
            let n = rng.below(max.unwrap_or(31) + 1);
            rng.word(n, b"abcdefghijklmnopqrstuvwxyz")
        }
    }

    /// A plausible value of attribute `a` of its set, by its spec type.
    fn spec_value(&mut self, rng: &mut Rng, a: &AttrSpec, depth: u32) -> Tlv {
        let n = a.value;
        match &a.ty {
            AttrType::String => {
                let s = self.string_for(rng, &a.name, a.max_len);
                Tlv::string(n, s.as_bytes())
            }
            AttrType::Flag => Tlv::attr(n, Vec::new()),
            AttrType::Binary if a.name == "data" => {
                let size = self.frame_size(rng, true);
                Tlv::attr(n, self.frame(rng, size))
            }
            AttrType::Binary | AttrType::Other(_) => {
                let l = rng.below(65);
                Tlv::attr(n, rng.bytes(l))
            }
            AttrType::Pad => {
                let l = rng.below(9);
                Tlv::attr(n, vec![0; l])
            }
            AttrType::Nest | AttrType::IndexedArray => {
                let set = a.nested.as_deref().and_then(|s| self.spec.set(s));
                let mut items = Vec::new();
                if let (Some(set), true) = (set, depth < 3) {
                    if a.ty == AttrType::IndexedArray {
                        for i in 1..=rng.below(4) as u16 {
                            let inner = self.set_values(rng, set, depth + 1);
                            items.push(Tlv::nest(i, inner));
                        }
                    } else {
                        items = self.set_values(rng, set, depth + 1);
                    }
                }
                Tlv::nest(n, items)
            }
            t => {
                let len = t.fixed_len().unwrap_or(4);
                let v: u64 = match rng.below(4) {
                    0 => 0,
                    1 => u64::MAX,
                    2 => rng.below(64) as u64,
                    _ => rng.next_u64(),
                };
                Tlv::attr(n, v.to_ne_bytes()[..len].to_vec())
            }
        }
    }

    fn set_values(&mut self, rng: &mut Rng, set: &AttrSet, depth: u32) -> Vec<Tlv> {
        let mut v = Vec::new();
        for a in &set.attrs {
            if rng.percent(50) {
                v.push(self.spec_value(rng, a, depth));
            }
        }
        v
    }

    // --- valid-shaped requests ---

    fn weight(&self, name: &str) -> u32 {
        match name {
            "socket" => 2,
            "mkpeer" => 16,
            "connect" => 9,
            "name" | "rmhook" | "nodeinfo" | "listhooks" | "listnodes" => 5,
            "shutdown" => 3 + (self.world.nodes.len() as u32 / 40).min(9),
            "listtypes" | "gettype" => 2,
            "msg" => 22,
            "data" => 14,
            _ => 3,
        }
    }

    fn new_req(&self, oi: usize) -> Req {
        let op = &self.spec.ops[oi];
        let flags = if op.do_req.is_some() {
            NLM_F_REQUEST | NLM_F_ACK
        } else {
            NLM_F_REQUEST | NLM_F_DUMP
        };
        Req {
            cmd: op.value,
            label: op.name.clone(),
            flags,
            version: self.version,
            reserved: 0,
            no_genl: false,
            attrs: Vec::new(),
            op: Some(oi),
        }
    }

    /// A request of operation `oi` with attributes chosen from its spec
    /// alone (any request attribute, any plausible value).
    fn generic(&mut self, rng: &mut Rng, oi: usize) -> Built {
        let spec = self.spec;
        let op = &spec.ops[oi];
        let mut req = self.new_req(oi);
        let empty = Vec::new();
        let list = match (&op.do_req, &op.dump_req) {
            (Some(d), Some(u)) => {
                if rng.percent(50) {
                    req.flags = NLM_F_REQUEST | NLM_F_DUMP;
                    u
                } else {
                    d
                }
            }
            (Some(d), None) => d,
            (None, Some(u)) => u,
            (None, None) => &empty,
        };
        if let Some(set) = self.set_of(op) {
            for name in list {
                if let (Some(a), true) = (set.get(name), rng.percent(85)) {
                    let t = self.spec_value(rng, a, 0);
                    req.attrs.push(t);
                }
            }
        }
        Built {
            req,
            intent: Intent::None,
            msg: None,
            data_size: None,
            args_field: None,
            extra: Vec::new(),
            generic: true,
        }
    }

    fn valid(&mut self, rng: &mut Rng) -> Built {
        let weights: Vec<u32> = self
            .request_ops
            .iter()
            .map(|&i| self.weight(&self.spec.ops[i].name))
            .collect();
        let oi = self.request_ops[rng.weighted(&weights)];
        if rng.one_in(12) {
            return self.generic(rng, oi);
        }
        let spec = self.spec;
        let op = &spec.ops[oi];
        let mut r = self.new_req(oi);
        let mut b_intent = Intent::None;
        let mut msg = None;
        let mut data_size = None;
        let mut args_field = None;
        let mut extra = Vec::new();
        match op.name.as_str() {
            "socket" => {
                if rng.percent(60) {
                    let n = self.node_name(rng);
                    self.put_str(&mut r, op, "name", n.as_bytes());
                }
                b_intent = Intent::Socket;
            }
            "mkpeer" => {
                let path = self.path(rng);
                let ty = self.type_name(rng);
                let pty = self.world.type_of(&path);
                let ourhook = self.hook_for(rng, pty.as_deref());
                let peerhook = self.hook_for(rng, Some(&ty));
                if path != "." || rng.percent(70) {
                    self.put_str(&mut r, op, "path", path.as_bytes());
                }
                self.put_str(&mut r, op, "type-name", ty.as_bytes());
                self.put_str(&mut r, op, "ourhook", ourhook.as_bytes());
                self.put_str(&mut r, op, "peerhook", peerhook.as_bytes());
                b_intent = Intent::Mkpeer { path, ty, ourhook };
            }
            "connect" => {
                let path = self.path(rng);
                let peer = if rng.percent(70) {
                    let n = self.world.nodes.clone();
                    match rng.pick(&n) {
                        Some(n) => n.addr(rng),
                        None => self.path(rng),
                    }
                } else {
                    self.path(rng)
                };
                let ourhook = self.hook_for(rng, self.world.type_of(&path).as_deref());
                let peerhook = self.hook_for(rng, self.world.type_of(&peer).as_deref());
                if path != "." || rng.percent(70) {
                    self.put_str(&mut r, op, "path", path.as_bytes());
                }
                self.put_str(&mut r, op, "peerpath", peer.as_bytes());
                self.put_str(&mut r, op, "ourhook", ourhook.as_bytes());
                self.put_str(&mut r, op, "peerhook", peerhook.as_bytes());
                b_intent = Intent::Connect { path, ourhook };
            }
            "name" => {
                let path = self.path(rng);
                let name = self.node_name(rng);
                self.put_str(&mut r, op, "path", path.as_bytes());
                self.put_str(&mut r, op, "name", name.as_bytes());
                b_intent = Intent::Name { path, name };
            }
            "rmhook" => {
                let path = if rng.percent(60) {
                    ".".to_string()
                } else {
                    self.path(rng)
                };
                let hook = if path == "." && !self.world.my_hooks.is_empty() && rng.percent(85) {
                    self.world.my_hooks[rng.below(self.world.my_hooks.len())].clone()
                } else {
                    self.hook_for(rng, self.world.type_of(&path).as_deref())
                };
                if path != "." || rng.percent(70) {
                    self.put_str(&mut r, op, "path", path.as_bytes());
                }
                self.put_str(&mut r, op, "hook", hook.as_bytes());
                b_intent = Intent::Rmhook { path, hook };
            }
            "shutdown" => {
                let mut path = self.path(rng);
                if path == "." && !rng.one_in(8) {
                    path = self.path(rng);
                }
                self.put_str(&mut r, op, "path", path.as_bytes());
                b_intent = Intent::Shutdown { path };
            }
            "nodeinfo" | "listhooks" => {
                let path = self.path(rng);
                if path != "." || rng.percent(70) {
                    self.put_str(&mut r, op, "path", path.as_bytes());
                }
                b_intent = if op.name == "nodeinfo" {
                    Intent::Nodeinfo { path }
                } else {
                    Intent::Listhooks { path }
                };
            }
            "listnodes" => {
                if rng.percent(30) {
                    if let Some(n) = self.anum(op, "named-only") {
                        r.attrs.push(Tlv::attr(n, Vec::new()));
                    }
                }
            }
            "gettype" => {
                if rng.percent(70) {
                    let t = self.type_names();
                    let name = match rng.pick(&t) {
                        Some(t) if rng.percent(90) => t.to_string(),
                        _ => self.type_name(rng),
                    };
                    self.put_str(&mut r, op, "type-name", name.as_bytes());
                }
            }
            "msg" => {
                let (m, f) = self.build_msg(rng, op, &mut r);
                msg = Some(m);
                args_field = f;
            }
            "data" => {
                let (size, over) = self.build_data(rng, op, &mut r, false);
                data_size = Some(size);
                if over {
                    extra.push("oversized-data");
                }
            }
            "listtypes" => {}
            _ => return self.generic(rng, oi),
        }
        if r.flags & NLM_F_DUMP == NLM_F_DUMP && rng.percent(30) {
            r.flags |= NLM_F_ACK;
        }
        Built {
            req: r,
            intent: b_intent,
            msg,
            data_size,
            args_field,
            extra,
            generic: false,
        }
    }

    /// MSG: a message of a node type to a node of that type, its argument
    /// built from the message's schema.
    fn build_msg(&mut self, rng: &mut Rng, op: &Op, r: &mut Req) -> (String, Option<Field>) {
        let types = self.types;
        let with_msgs: Vec<&TypeSchema> = types.iter().filter(|t| !t.msgs.is_empty()).collect();
        let t: Option<&TypeSchema> = match rng.below(20) {
            // Every type alike, or every message alike.
            0..=8 if !with_msgs.is_empty() => Some(with_msgs[rng.below(with_msgs.len())]),
            9..=18 if !with_msgs.is_empty() => {
                let total: usize = with_msgs.iter().map(|t| t.msgs.len()).sum();
                let mut k = rng.below(total);
                with_msgs.iter().copied().find(|t| {
                    let hit = k < t.msgs.len();
                    k = k.saturating_sub(t.msgs.len());
                    hit
                })
            }
            _ => rng.pick(types),
        };
        let tname = t.map_or("?", |t| t.name.as_str());
        let known = self.world.paths_of_type(tname, rng);
        let path = match rng.pick(&known) {
            Some(p) if rng.percent(85) => p.clone(),
            _ => self.path(rng),
        };
        let all: Vec<(&str, &netgraph::ascii::MsgSchema)> = types
            .iter()
            .flat_map(|t| t.msgs.iter().map(move |m| (t.name.as_str(), m)))
            .collect();
        let own = t.map(|t| t.msgs.as_slice()).unwrap_or(&[]);
        let (label, cmd, schema) = match rng.below(20) {
            0 if !all.is_empty() => {
                let (tn, m) = all[rng.below(all.len())];
                (
                    format!("{tn}.{}", m.name),
                    m.name.as_bytes().to_vec(),
                    Some(m),
                )
            }
            1 => {
                let g: &[&[u8]] = &[
                    b"",
                    b"x",
                    b"getstats ",
                    b"GETSTATS",
                    b"shutdown",
                    b"1",
                    b"getstats\n",
                ];
                let c = g[rng.below(g.len())].to_vec();
                (format!("{tname}.?"), c, None)
            }
            _ if !own.is_empty() => {
                let m = &own[rng.below(own.len())];
                (
                    format!("{tname}.{}", m.name),
                    m.name.as_bytes().to_vec(),
                    Some(m),
                )
            }
            _ => (format!("{tname}.?"), b"getstats".to_vec(), None),
        };
        if path != "." || rng.percent(80) {
            self.put_str(r, op, "path", path.as_bytes());
        }
        self.put_str(r, op, "msg-cmd", &cmd);
        let mut field = None;
        if let Some(m) = schema {
            if let Some(f) = &m.args {
                if rng.percent(95) {
                    if let Some(t) = self.args_tlv(rng, f, false) {
                        r.attrs.push(t);
                    }
                }
                field = Some(f.clone());
            }
            r.flags = if m.dump {
                NLM_F_REQUEST | NLM_F_DUMP
            } else {
                NLM_F_REQUEST | NLM_F_ACK
            };
        }
        (label, field)
    }

    /// DATA: a frame out of one of the socket node's hooks.
    fn build_data(&mut self, rng: &mut Rng, op: &Op, r: &mut Req, small: bool) -> (usize, bool) {
        let hook = match rng.pick(&self.world.my_hooks) {
            Some(h) if rng.percent(85) => h.clone(),
            _ => self.hook_for(rng, None),
        };
        let size = self.frame_size(rng, small);
        let frame = self.frame(rng, size);
        self.put_str(r, op, "hook", hook.as_bytes());
        if let Some(n) = self.anum(op, "data") {
            r.attrs.push(Tlv::attr(n, frame));
        }
        (size, size + 4 > u16::MAX as usize)
    }

    // --- mutations ---

    /// The spec of a top-level attribute of the request.
    fn attr_spec(&self, r: &Req, t: &Tlv) -> Option<&'a AttrSpec> {
        let op = &self.spec.ops[r.op?];
        let k = t.kind()?;
        self.set_of(op)?.attrs.iter().find(|a| a.value == k)
    }

    /// Indices of top-level attributes whose spec type is `pred`.
    fn attrs_where(&self, r: &Req, pred: impl Fn(&AttrSpec) -> bool) -> Vec<usize> {
        (0..r.attrs.len())
            .filter(|&i| self.attr_spec(r, &r.attrs[i]).is_some_and(&pred))
            .collect()
    }

    fn mutate(
        &mut self,
        rng: &mut Rng,
        kind: &str,
        b: &mut Built,
        ctx: &mut MutCtx,
        max_parts: usize,
    ) -> bool {
        let spec = self.spec;
        let r = &mut b.req;
        let n = r.attrs.len();
        let args_num = spec.attr_value(&self.top, "args");
        let args_idx = r
            .attrs
            .iter()
            .position(|t| t.kind().is_some() && t.kind() == args_num);
        match kind {
            "wrong-type" => {
                if n == 0 {
                    return false;
                }
                let i = rng.below(n);
                let ty = self.attr_spec(r, &r.attrs[i]).map(|a| a.ty.clone());
                let k = r.attrs[i].kind().unwrap_or(1);
                r.attrs[i] = match ty {
                    Some(AttrType::String) => match rng.below(4) {
                        0 => Tlv::attr(k, rng.u32().to_ne_bytes().to_vec()),
                        1 => Tlv::attr(k, rng.next_u64().to_ne_bytes().to_vec()),
                        2 => Tlv::attr(k, Vec::new()),
                        _ => Tlv::nest(k, vec![Tlv::string(1, b"x")]),
                    },
                    Some(AttrType::Flag) => match rng.below(2) {
                        0 => Tlv::attr(k, 1u32.to_ne_bytes().to_vec()),
                        _ => Tlv::string(k, b"yes"),
                    },
                    Some(AttrType::Nest | AttrType::IndexedArray) => match rng.below(3) {
                        0 => Tlv::string(k, b"{ a=1 }"),
                        1 => Tlv::attr(k, rng.u32().to_ne_bytes().to_vec()),
                        _ => Tlv::attr(k, Vec::new()),
                    },
                    Some(AttrType::Binary) => match rng.below(2) {
                        0 => Tlv::nest(k, vec![Tlv::attr(1, rng.bytes(8))]),
                        _ => Tlv::attr(k, Vec::new()),
                    },
                    _ => {
                        let l = rng.below(12);
                        Tlv::attr(k, rng.bytes(l))
                    }
                };
                true
            }
            "wrong-len" => {
                if n == 0 {
                    return false;
                }
                let i = rng.below(n);
                let ty = self.attr_spec(r, &r.attrs[i]).map(|a| a.ty.clone());
                let k = r.attrs[i].kind().unwrap_or(1);
                let len = match ty.as_ref().and_then(AttrType::fixed_len) {
                    Some(fixed) => loop {
                        let l = rng.below(9);
                        if l != fixed {
                            break l;
                        }
                    },
                    None => rng.below(4),
                };
                r.attrs[i] = Tlv::attr(k, rng.bytes(len));
                true
            }
            "truncated-attr" => {
                if n == 0 {
                    return false;
                }
                ctx.bytes.push(ByteMut::TruncateAttrs);
                true
            }
            "truncated-msg" => {
                ctx.bytes.push(ByteMut::OverLong);
                true
            }
            "nlmsg-len" => {
                ctx.bytes.push(ByteMut::ShortLen);
                true
            }
            "tail-garbage" => {
                let l = 1 + rng.below(3);
                ctx.bytes.push(ByteMut::TailGarbage(rng.bytes(l)));
                true
            }
            "bad-nest" => {
                let i = match args_idx {
                    Some(i) if rng.percent(70) => i,
                    _ if n > 0 => rng.below(n),
                    _ => return false,
                };
                let k = r.attrs[i].kind().unwrap_or(1);
                let inner = match std::mem::replace(&mut r.attrs[i], Tlv::Junk(Vec::new())) {
                    Tlv::Nest { items, .. } => items,
                    Tlv::Attr { data, .. } => vec![Tlv::attr(1, data)],
                    other => vec![other],
                };
                r.attrs[i] = match rng.below(5) {
                    0 => {
                        let mut items = inner;
                        let l = 1 + rng.below(7);
                        items.insert(rng.below(items.len() + 1), Tlv::Junk(rng.bytes(l)));
                        Tlv::nest(k, items)
                    }
                    1 => {
                        // An inner attribute longer than its nest.
                        let mut items = inner;
                        let l = 8 + rng.below(200) as u16;
                        items.push(Tlv::Lying {
                            ty: 1,
                            len: l,
                            data: vec![0; 4],
                        });
                        Tlv::nest(k, items)
                    }
                    2 => Tlv::Nest {
                        ty: k,
                        items: inner,
                    },
                    3 => Tlv::nest(
                        k,
                        vec![Tlv::Lying {
                            ty: 1 | NLA_F_NESTED,
                            len: rng.below(4) as u16,
                            data: Vec::new(),
                        }],
                    ),
                    _ => Tlv::nest(k, vec![Tlv::nest(1, inner)]),
                };
                true
            }
            "deep-nest" => {
                let depth = [8, 16, 32, 64, 128, 512][rng.below(6)];
                let (i, mut t) = match args_idx {
                    Some(i) => match &r.attrs[i] {
                        Tlv::Nest { items, .. } if !items.is_empty() => (i, items[0].clone()),
                        _ => (i, Tlv::attr(1, rng.bytes(4))),
                    },
                    None if n > 0 => {
                        let i = rng.below(n);
                        (i, r.attrs[i].clone())
                    }
                    None => return false,
                };
                for _ in 0..depth {
                    t = Tlv::nest(1, vec![t]);
                }
                let k = r.attrs[i].kind().unwrap_or(1);
                r.attrs[i] = Tlv::nest(k, vec![t]);
                true
            }
            "unknown-attr" => {
                let max =
                    r.op.and_then(|oi| self.set_of(&spec.ops[oi]))
                        .map_or(16, AttrSet::max_value)
                        .min(NLA_TYPE_MASK - 1);
                let ty = match rng.below(4) {
                    0 => 0,
                    1 => max + 1,
                    2 => NLA_TYPE_MASK,
                    _ => max + 1 + rng.below((NLA_TYPE_MASK - max) as usize) as u16,
                };
                let ty = if rng.percent(30) {
                    ty | NLA_F_NESTED
                } else {
                    ty
                };
                let l = rng.below(17);
                let t = Tlv::attr(ty, rng.bytes(l));
                r.attrs.insert(rng.below(n + 1), t);
                true
            }
            "foreign-attr" => {
                let Some(oi) = r.op else { return false };
                let op = &spec.ops[oi];
                let Some(set) = self.set_of(op) else {
                    return false;
                };
                let used: Vec<&String> = op.do_req.iter().chain(&op.dump_req).flatten().collect();
                let foreign: Vec<&AttrSpec> = set
                    .attrs
                    .iter()
                    .filter(|a| !used.contains(&&a.name))
                    .collect();
                let Some(a) = rng.pick(&foreign) else {
                    return false;
                };
                let t = self.spec_value(rng, a, 0);
                let r = &mut b.req;
                r.attrs.insert(rng.below(r.attrs.len() + 1), t);
                true
            }
            "unknown-cmd" => {
                let max = spec.ops.iter().map(|o| o.value).max().unwrap_or(0);
                let events: Vec<u8> = spec
                    .ops
                    .iter()
                    .filter(|o| !o.is_request())
                    .map(|o| o.value)
                    .collect();
                r.cmd = match rng.below(4) {
                    0 => 0,
                    1 if !events.is_empty() => events[rng.below(events.len())],
                    2 => u8::MAX,
                    _ => {
                        let lo = max as usize + 1;
                        (lo + rng.below(256usize.saturating_sub(lo))).min(255) as u8
                    }
                };
                r.label = match spec.ops.iter().find(|o| o.value == r.cmd) {
                    Some(o) => o.name.clone(),
                    None if r.cmd > max => "cmd#unknown".into(),
                    None => format!("cmd#{}", r.cmd),
                };
                true
            }
            "cmd-swap" => {
                let reqs = &self.request_ops;
                let oi = reqs[rng.below(reqs.len())];
                if Some(oi) == r.op {
                    return false;
                }
                r.cmd = spec.ops[oi].value;
                r.label = spec.ops[oi].name.clone();
                true
            }
            "oversized-string" => {
                let idx = self.attrs_where(r, |a| a.ty == AttrType::String);
                let Some(&i) = rng.pick(&idx) else {
                    return false;
                };
                let max = self.attr_spec(r, &r.attrs[i]).and_then(|a| a.max_len);
                let len = match max {
                    Some(m) => [m + 1, m + 1, m + 2, 2 * m + 1, 1000, 4096, 65000][rng.below(7)],
                    None => [4096, 65000][rng.below(2)],
                };
                let k = r.attrs[i].kind().unwrap_or(1);
                let s = rng.word(len, b"abcdefghijklmnopqrstuvwxyz.:");
                r.attrs[i] = Tlv::string(k, s.as_bytes());
                true
            }
            "missing-attr" => {
                if n == 0 {
                    return false;
                }
                let drop = 1 + rng.below(n);
                for _ in 0..drop {
                    let i = rng.below(r.attrs.len());
                    r.attrs.remove(i);
                }
                true
            }
            "no-nul" => {
                let idx: Vec<usize> = (0..n)
                    .filter(|&i| matches!(&r.attrs[i], Tlv::Attr { data, .. } if data.last() == Some(&0)))
                    .collect();
                let Some(&i) = rng.pick(&idx) else {
                    return false;
                };
                if let Tlv::Attr { data, .. } = &mut r.attrs[i] {
                    while data.last() == Some(&0) {
                        data.pop();
                    }
                    if data.is_empty() || rng.percent(30) {
                        data.push(b'x');
                    }
                }
                true
            }
            "excess-nul" => {
                let idx = self.attrs_where(r, |a| a.ty == AttrType::String);
                let Some(&i) = rng.pick(&idx) else {
                    return false;
                };
                if let Tlv::Attr { data, .. } = &mut r.attrs[i] {
                    match rng.below(3) {
                        0 => data.extend(std::iter::repeat_n(0, 1 + rng.below(4))),
                        1 => {
                            let at = rng.below(data.len().max(1));
                            data.insert(at, 0);
                        }
                        _ => *data = vec![0],
                    }
                }
                true
            }
            "flags" => {
                let is_dump = r.flags & NLM_F_DUMP == NLM_F_DUMP;
                r.flags = match rng.below(7) {
                    0 if is_dump => (r.flags & !NLM_F_DUMP) | NLM_F_ACK,
                    0 => r.flags | NLM_F_DUMP,
                    1 => {
                        let bits = [
                            NLM_F_ROOT,
                            NLM_F_MATCH,
                            NLM_F_ATOMIC,
                            NLM_F_ECHO,
                            NLM_F_APPEND,
                            0x10,
                            0x20,
                            0x1000,
                            0x2000,
                            0x4000,
                            0x8000,
                        ];
                        r.flags | bits[rng.below(bits.len())]
                    }
                    2 => r.flags & !NLM_F_REQUEST,
                    3 => r.flags & !NLM_F_ACK,
                    4 => rng.u32() as u16,
                    5 => r.flags | NLM_F_ECHO,
                    _ => NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP | NLM_F_ECHO,
                };
                true
            }
            "duplicate-attr" => {
                if n == 0 {
                    return false;
                }
                let i = rng.below(n);
                let mut t = r.attrs[i].clone();
                if rng.percent(50) {
                    if let Some(a) = self.attr_spec(r, &t) {
                        t = self.spec_value(rng, a, 0);
                    }
                }
                let r = &mut b.req;
                r.attrs.insert(rng.below(r.attrs.len() + 1), t);
                true
            }
            "interleaved-data" => {
                if ctx.before.len() + ctx.after.len() + 2 > max_parts {
                    return false;
                }
                let Some(oi) = spec.ops.iter().position(|o| o.name == "data") else {
                    return false;
                };
                let mut d = self.new_req(oi);
                self.build_data(rng, &spec.ops[oi], &mut d, true);
                if rng.percent(50) {
                    ctx.before.push(d);
                } else {
                    ctx.after.push(d);
                }
                true
            }
            "batch" => {
                let room = max_parts.saturating_sub(ctx.before.len() + ctx.after.len() + 1);
                if room == 0 {
                    return false;
                }
                for _ in 0..(1 + rng.below(4)).min(room) {
                    let x = self.valid(rng).req;
                    if rng.percent(50) {
                        ctx.before.push(x);
                    } else {
                        ctx.after.push(x);
                    }
                }
                true
            }
            "genl-header" => {
                match rng.below(4) {
                    0 => r.version = [0, 2, 3, 255][rng.below(4)],
                    1 => r.reserved = 1 + rng.below(0xfffe) as u16,
                    2 => r.no_genl = true,
                    _ => {
                        r.no_genl = true;
                        let l = 1 + rng.below(3);
                        r.attrs = vec![Tlv::Junk(rng.bytes(l))];
                    }
                }
                true
            }
            "garbage-path" => {
                let idx = self.attrs_where(r, |a| a.name.contains("path"));
                let Some(&i) = rng.pick(&idx) else {
                    return false;
                };
                let k = r.attrs[i].kind().unwrap_or(1);
                let p = self.garbage_path(rng);
                b.req.attrs[i] = Tlv::string(k, &p);
                true
            }
            "garbage-name" => {
                let idx =
                    self.attrs_where(r, |a| a.ty == AttrType::String && !a.name.contains("path"));
                let Some(&i) = rng.pick(&idx) else {
                    return false;
                };
                let max = self.attr_spec(r, &r.attrs[i]).and_then(|a| a.max_len);
                let k = r.attrs[i].kind().unwrap_or(1);
                let s = self.odd_name(rng, max);
                b.req.attrs[i] = Tlv::string(k, &s);
                true
            }
            "nla-flags" => {
                if n == 0 {
                    return false;
                }
                let i = rng.below(n);
                if let Some(ty) = r.attrs[i].ty_mut() {
                    *ty ^= if rng.percent(50) {
                        NLA_F_NET_BYTEORDER
                    } else {
                        NLA_F_NESTED
                    };
                }
                true
            }
            "zero-len-attr" => {
                let ty = r
                    .attrs
                    .get(rng.below(n.max(1)))
                    .and_then(Tlv::kind)
                    .unwrap_or(1);
                let t = Tlv::Lying {
                    ty,
                    len: rng.below(5) as u16,
                    data: Vec::new(),
                };
                r.attrs.insert(rng.below(n + 1), t);
                true
            }
            "random-bytes" => {
                let l = rng.below(257);
                r.attrs = vec![Tlv::Junk(rng.bytes(l))];
                true
            }
            "args-value" => {
                let (Some(f), Some(i)) = (b.args_field.clone(), args_idx) else {
                    return false;
                };
                match self.args_tlv(rng, &f, true) {
                    Some(t) => {
                        b.req.attrs[i] = t;
                        true
                    }
                    None => false,
                }
            }
            "args-shape" => {
                let Some(i) = args_idx else { return false };
                let Tlv::Nest { items, .. } = &mut r.attrs[i] else {
                    return false;
                };
                if items.is_empty() {
                    items.push(Tlv::attr(1, Vec::new()));
                }
                let j = rng.below(items.len());
                mutate_tree(rng, &mut items[j]);
                true
            }
            "args-other" => {
                let types = self.types;
                let shapes: Vec<&Field> = types
                    .iter()
                    .flat_map(|t| t.msgs.iter())
                    .filter_map(|m| {
                        if rng.percent(50) {
                            m.args.as_ref()
                        } else {
                            m.reply.as_ref()
                        }
                    })
                    .collect();
                let (Some(f), true) = (rng.pick(&shapes).copied(), r.op.is_some()) else {
                    return false;
                };
                let Some(t) = self.args_tlv(rng, f, false) else {
                    return false;
                };
                let r = &mut b.req;
                match args_idx {
                    Some(i) => r.attrs[i] = t,
                    None => r.attrs.push(t),
                }
                true
            }
            _ => false,
        }
    }

    fn encode(&self, r: &Req, seq: u32) -> Vec<u8> {
        GenlMsg {
            nl_type: self.family,
            flags: r.flags,
            seq,
            cmd: r.cmd,
            version: r.version,
            reserved: r.reserved,
            no_genl_header: r.no_genl,
            attrs: r.attrs.clone(),
        }
        .encode()
    }

    fn part(&mut self, r: &Req, mutated: bool) -> Part {
        let seq = self.next_seq();
        Part {
            bytes: self.encode(r, seq),
            seq,
            expect: expect_of(r.flags),
            cmd: r.label.clone(),
            mutated,
        }
    }

    /// The next send, of at most `max_parts` messages.
    pub fn plan(&mut self, rng: &mut Rng, max_parts: usize) -> Plan {
        let mut b = self.valid(rng);
        let mut ctx = MutCtx::default();
        let mut muts: Vec<&'static str> = std::mem::take(&mut b.extra);
        if rng.percent(self.mutate_pct) {
            let weights: Vec<u32> = MUTATIONS.iter().map(|m| m.1).collect();
            let count = match rng.below(10) {
                0..=6 => 1,
                7 | 8 => 2,
                _ => 3,
            };
            for _ in 0..count {
                for _ in 0..10 {
                    let k = if b.args_field.is_some() && rng.percent(40) {
                        ["args-value", "args-shape", "args-other"][rng.below(3)]
                    } else {
                        MUTATIONS[rng.weighted(&weights)].0
                    };
                    if self.mutate(rng, k, &mut b, &mut ctx, max_parts.max(1)) {
                        muts.push(k);
                        break;
                    }
                }
            }
        }
        let mutated = !muts.is_empty();
        let mut parts = Vec::new();
        for r in std::mem::take(&mut ctx.before) {
            parts.push(self.part(&r, false));
        }
        let main_at = parts.len();
        let mut main = self.part(&b.req, mutated);
        let mut dropped = false;
        for m in &ctx.bytes {
            let len = main.bytes.len();
            match m {
                ByteMut::TruncateAttrs if len > nl::ATTRS_OFFSET + 1 => {
                    let cut = nl::ATTRS_OFFSET + 1 + rng.below(len - nl::ATTRS_OFFSET - 1);
                    main.bytes.truncate(cut);
                    nl::set_nlmsg_len(&mut main.bytes, cut as u32);
                }
                ByteMut::TruncateAttrs => {}
                ByteMut::OverLong => {
                    let claim = len + 4 + rng.below(4096);
                    nl::set_nlmsg_len(&mut main.bytes, claim as u32);
                    dropped = true;
                }
                ByteMut::ShortLen => {
                    nl::set_nlmsg_len(&mut main.bytes, rng.below(16) as u32);
                    dropped = true;
                }
                ByteMut::TailGarbage(g) => {
                    main.bytes.extend_from_slice(g);
                    let l = main.bytes.len() as u32;
                    nl::set_nlmsg_len(&mut main.bytes, l);
                }
            }
        }
        let main_seq = main.seq;
        parts.push(main);
        for r in std::mem::take(&mut ctx.after) {
            parts.push(self.part(&r, false));
        }
        if dropped {
            // The kernel stops at a broken header: nothing from here on
            // is answered for sure.
            for p in &mut parts[main_at..] {
                p.expect = Expect::Maybe;
            }
        }
        Plan {
            parts,
            main_seq,
            mutations: muts,
            intent: if mutated { Intent::None } else { b.intent },
            msg: b.msg,
            data_size: b.data_size,
            generic: b.generic,
        }
    }

    // --- learning from replies ---

    fn node_of(&self, a: &Attrs) -> Option<NodeRec> {
        Some(NodeRec {
            id: a.u32(self.ids.n_id as u32)?,
            name: a.string(self.ids.n_name as u32).filter(|n| !n.is_empty()),
            ty: a.string(self.ids.n_type as u32),
        })
    }

    /// Learns nodes, hooks and paths from a message of the family.
    pub fn learn(&mut self, rng: &mut Rng, cmd: u8, attrs: &[u8], intent: &Intent) {
        let Ok(at) = Attrs::parse(attrs) else { return };
        if cmd == self.ids.cmd_data {
            if let Some(h) = at.string(self.ids.hook as u32) {
                self.world.add_my_hook(&h, rng);
            }
            return;
        }
        if let Ok(Some(n)) = at.nested(self.ids.node as u32) {
            if let Some(rec) = self.node_of(&n) {
                let mine = matches!(intent, Intent::Socket)
                    || matches!(intent, Intent::Nodeinfo { path } | Intent::Listhooks { path } if path == ".");
                if mine && rec.ty.as_deref() == Some("socket") {
                    self.world.my_id = Some(rec.id);
                }
                self.world.add_node(rec, rng);
            }
        }
        if let Ok(Some(l)) = at.nested(self.ids.link as u32) {
            let ourhook = l.string(self.ids.l_ourhook as u32).unwrap_or_default();
            let peer = l
                .nested(self.ids.l_peer as u32)
                .ok()
                .flatten()
                .and_then(|p| self.node_of(&p));
            if let Intent::Listhooks { path } = intent {
                if path == "." && !ourhook.is_empty() {
                    self.world.add_my_hook(&ourhook, rng);
                }
                let ty = peer.as_ref().and_then(|p| p.ty.clone());
                self.world
                    .add_path(crate::world::join(path, &ourhook), ty, rng);
            }
            if let Some(p) = peer {
                self.world.add_node(p, rng);
            }
        }
    }
}

/// Schema-aware damage somewhere inside an argument value.
fn mutate_tree(rng: &mut Rng, t: &mut Tlv) {
    let n = t.count();
    let idx = rng.below(n);
    let Some(node) = t.nth_mut(idx) else { return };
    match rng.below(8) {
        0 => {
            if let Some(ty) = node.ty_mut() {
                let flags = *ty & !NLA_TYPE_MASK;
                let k = [0u16, 1, 2, 17, 64, NLA_TYPE_MASK][rng.below(6)];
                *ty = flags | k;
            }
        }
        1 => match node {
            Tlv::Nest { items, .. } if !items.is_empty() => {
                let c = items[rng.below(items.len())].clone();
                items.push(c);
            }
            _ => resize(rng, node),
        },
        2 => match node {
            Tlv::Nest { items, .. } if !items.is_empty() => {
                let i = rng.below(items.len());
                items.remove(i);
            }
            _ => resize(rng, node),
        },
        3 => resize(rng, node),
        4 => {
            let k = node.kind().unwrap_or(1);
            let new = match &*node {
                Tlv::Nest { .. } => {
                    let l = rng.below(17);
                    Tlv::attr(k, rng.bytes(l))
                }
                other => Tlv::nest(k, vec![other.clone()]),
            };
            *node = new;
        }
        5 => {
            if let Some(ty) = node.ty_mut() {
                *ty ^= NLA_F_NESTED;
            }
        }
        6 => match node {
            Tlv::Nest { items, .. } => {
                let l = 1 + rng.below(3);
                items.insert(rng.below(items.len() + 1), Tlv::Junk(rng.bytes(l)));
            }
            _ => {
                let k = node.kind().unwrap_or(1);
                *node = Tlv::Lying {
                    ty: k,
                    len: [0u16, 2, 3, 200, u16::MAX][rng.below(5)],
                    data: vec![0; 4],
                };
            }
        },
        _ => match node {
            Tlv::Nest { items, .. } => items.reverse(),
            Tlv::Attr { data, .. } => {
                let l = data.len();
                *data = rng.bytes(l);
            }
            _ => {}
        },
    }
}

/// Wrong width: an integer of 1, 3, 5 bytes, an address of 5 or 7, a
/// string cut before its NUL.
fn resize(rng: &mut Rng, t: &mut Tlv) {
    if let Tlv::Attr { data, .. } = t {
        if !data.is_empty() && rng.percent(50) {
            let l = rng.below(data.len());
            data.truncate(l);
        } else {
            let l = 1 + rng.below(9);
            data.extend_from_slice(&rng.bytes(l));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../Documentation/netlink/specs/netgraph.yaml"
        ))
        .unwrap()
    }

    fn types() -> Vec<TypeSchema> {
        crate::schema::from_fixture(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/netgraph-types.json"
        ))
        .unwrap()
    }

    #[test]
    fn valid_requests_parse_and_use_the_spec_numbers() {
        let s = spec();
        let t = types();
        let mut g = Gen::new(&s, &t, 0, 0).unwrap();
        g.set_family(0x22);
        let mut rng = Rng::new(5, 0);
        let mut seen = std::collections::BTreeSet::new();
        let mut decoded = 0;
        let mut learned = false;
        for _ in 0..3000 {
            let p = g.plan(&mut rng, 1);
            assert_eq!(p.parts.len(), 1);
            assert!(p.mutations.iter().all(|m| *m == "oversized-data"));
            let part = &p.parts[0];
            seen.insert(part.cmd.clone());
            let r = nl::parse_replies(&part.bytes, 0x22);
            if p.mutations.is_empty() {
                let Some(nl::Reply::Genl { cmd, attrs, .. }) = r.first() else {
                    panic!("{} does not parse", p.describe());
                };
                let op = s.ops.iter().find(|o| o.value == *cmd).unwrap();
                assert_eq!(op.name, part.cmd);
                // Strict validation would accept every top-level attribute.
                let set = s.set(&op.set).unwrap();
                let allowed: Vec<u16> = op
                    .do_req
                    .iter()
                    .chain(&op.dump_req)
                    .flatten()
                    .map(|n| set.get(n).unwrap().value)
                    .collect();
                for (k, _) in Attrs::parse(attrs).unwrap().iter() {
                    assert!(allowed.contains(&k), "{}: attribute {k}", p.describe());
                }
            }
            if let (Some(m), true) = (&p.msg, p.mutations.is_empty()) {
                // The argument decodes with its message's schema.
                let (tn, mn) = m.split_once('.').unwrap();
                let schema = t
                    .iter()
                    .filter(|x| x.name == tn)
                    .flat_map(|x| x.msgs.iter())
                    .find(|x| x.name == mn);
                let at = Attrs::parse(&part.bytes[nl::ATTRS_OFFSET..]).unwrap();
                let args = at
                    .nested(s.attr_value("netgraph", "args").unwrap() as u32)
                    .unwrap();
                if let (Some(f), Some(args)) = (schema.and_then(|x| x.args.as_ref()), args) {
                    let v = args.bytes(1).expect("value at position 1");
                    ascii::decode(v, f).unwrap_or_else(|e| panic!("{m}: {e}"));
                    decoded += 1;
                }
            }
            g.world.apply(&p.intent, true, &mut rng);
            learned |= !g.world.paths.is_empty() && !g.world.my_hooks.is_empty();
        }
        assert!(decoded > 50, "only {decoded} arguments");
        assert!(learned);
        for c in [
            "mkpeer",
            "connect",
            "msg",
            "data",
            "listnodes",
            "gettype",
            "socket",
        ] {
            assert!(seen.contains(c), "{c} never generated");
        }
    }

    #[test]
    fn every_mutation_applies_and_nothing_panics() {
        let s = spec();
        let t = types();
        let mut g = Gen::new(&s, &t, 1, 100).unwrap();
        let mut rng = Rng::new(9, 1);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20000 {
            let p = g.plan(&mut rng, 8);
            assert!(p.parts.len() <= 8);
            for m in &p.mutations {
                seen.insert(*m);
            }
            let buf = p.buffer();
            let _ = nl::parse_replies(&buf, 0);
            g.world.apply(&p.intent, true, &mut rng);
        }
        for (m, _) in MUTATIONS {
            assert!(seen.contains(m), "mutation {m} never applied");
        }
    }

    #[test]
    fn replies_teach_nodes_hooks_and_paths() {
        let s = spec();
        let t = types();
        let mut g = Gen::new(&s, &t, 0, 0).unwrap();
        let mut rng = Rng::new(1, 0);
        let node = |id: u32, ty: &str| {
            Tlv::nest(
                g.ids.node,
                vec![
                    Tlv::string(g.ids.n_type, ty.as_bytes()),
                    Tlv::attr(g.ids.n_id, id.to_ne_bytes().to_vec()),
                ],
            )
        };
        let link = Tlv::nest(
            g.ids.link,
            vec![
                Tlv::string(g.ids.l_ourhook, b"h3"),
                Tlv::nest(
                    g.ids.l_peer,
                    vec![
                        Tlv::string(g.ids.n_type, b"tee"),
                        Tlv::attr(g.ids.n_id, 9u32.to_ne_bytes().to_vec()),
                    ],
                ),
            ],
        );
        let me = nl::emit_all(&[node(5, "socket")]);
        let intent = Intent::Listhooks { path: ".".into() };
        g.learn(&mut rng, 8, &me, &intent);
        g.learn(&mut rng, 8, &nl::emit_all(&[link]), &intent);
        assert_eq!(g.world.my_id, Some(5));
        assert_eq!(g.world.my_hooks, ["h3"]);
        assert_eq!(g.world.type_of("h3").as_deref(), Some("tee"));
        assert_eq!(g.world.type_of("[9]:").as_deref(), Some("tee"));
    }
}
