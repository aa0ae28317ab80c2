//! FreeBSD's ASCII form of control messages (`ng_parse`), done in userspace.
//!
//! Node types describe their messages (`NETGRAPH_CMD_GETTYPE`): a [`Field`]
//! tree per argument and reply. This module parses FreeBSD's syntax against
//! such a description into a [`Value`], encodes values as the typed
//! attributes the kernel expects, decodes replies, and prints values the way
//! FreeBSD's `ngctl` does (fields equal to their default are omitted).
//!
//! Syntax: integers in C notation (`10`, `0x1f`, `017`, `-1`); strings in
//! double quotes with C escapes (a bare word is accepted too); Ethernet
//! addresses `0:1:2:3:4:5`; structures `{ name=value ... }` in any order;
//! arrays `[ v0 v1 3=v3 ]`.

use crate::{Attr, Attrs};
use std::fmt::{self, Write as _};

/// The shape of one value (mirrors `enum netgraph_field_kind`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    U8,
    U16,
    U32,
    U64,
    S32,
    S64,
    Hex32,
    /// A `u16` printed in hex (FreeBSD's `hint16`).
    Hex16,
    /// A string of at most this many bytes.
    Str(usize),
    EthAddr,
    Struct(Vec<Field>),
    Array(Box<Field>),
}

/// One named value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub kind: Kind,
    pub default: i64,
    /// Accepted range, when limited.
    pub range: Option<(i64, i64)>,
}

/// One message of a node type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgSchema {
    pub name: String,
    pub id: u32,
    pub args: Option<Field>,
    pub reply: Option<Field>,
    /// The reply comes as a dump (see [`merge`]).
    pub dump: bool,
    /// Allowed without CAP_NET_ADMIN.
    pub readonly: bool,
}

/// A parsed or received value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i128),
    Str(Vec<u8>),
    Eth([u8; 6]),
    /// Fields by position (0-based) in the schema; absent ones are default.
    Struct(Vec<(usize, Value)>),
    Array(Vec<Value>),
}

/// A syntax or range error at a byte offset of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub pos: usize,
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.msg, self.pos)
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// The input with a caret under the offending position.
    pub fn show(&self, input: &str) -> String {
        format!(
            "{}\n  {}\n  {}^",
            self,
            input,
            " ".repeat(self.pos.min(input.len()))
        )
    }
}

// --- schema from netlink attributes ---

use crate::sys::netgraph_field_attr as fa;
use crate::sys::netgraph_field_kind as fk;
use crate::sys::netgraph_msg_attr as ma;

impl Field {
    /// Reads a `netgraph_field_attr` nest.
    pub fn from_attrs(at: &Attrs) -> crate::Result<Self> {
        let i64_of = |t: u32| {
            at.bytes(t).map(|b| match b.len() {
                8 => i64::from_ne_bytes(b.try_into().unwrap_or([0; 8])),
                4 => u32::from_ne_bytes(b.try_into().unwrap_or([0; 4])) as i64,
                _ => 0,
            })
        };
        let subs = || -> crate::Result<Vec<Field>> {
            let mut v = Vec::new();
            if let Some(n) = at.nested(fa::NETGRAPH_FIELD_A_FIELDS)? {
                for (_, b) in n.iter() {
                    v.push(Field::from_attrs(&Attrs::parse(b)?)?);
                }
            }
            Ok(v)
        };
        let kind = match at.u32(fa::NETGRAPH_FIELD_A_KIND).unwrap_or(0) {
            fk::NETGRAPH_FIELD_U8 => Kind::U8,
            fk::NETGRAPH_FIELD_U16 => Kind::U16,
            fk::NETGRAPH_FIELD_U32 => Kind::U32,
            fk::NETGRAPH_FIELD_U64 => Kind::U64,
            fk::NETGRAPH_FIELD_S32 => Kind::S32,
            fk::NETGRAPH_FIELD_S64 => Kind::S64,
            fk::NETGRAPH_FIELD_HEX32 => Kind::Hex32,
            fk::NETGRAPH_FIELD_HEX16 => Kind::Hex16,
            fk::NETGRAPH_FIELD_STRING => {
                Kind::Str(i64_of(fa::NETGRAPH_FIELD_A_MAXVAL).unwrap_or(255) as usize)
            }
            fk::NETGRAPH_FIELD_ETHADDR => Kind::EthAddr,
            fk::NETGRAPH_FIELD_STRUCT => Kind::Struct(subs()?),
            fk::NETGRAPH_FIELD_ARRAY => {
                let mut s = subs()?;
                if s.is_empty() {
                    return Err(crate::Error::Decode("array without element".into()));
                }
                Kind::Array(Box::new(s.remove(0)))
            }
            other => return Err(crate::Error::Decode(format!("unknown field kind {other}"))),
        };
        let ranged = !matches!(kind, Kind::Str(_));
        let range = match (
            i64_of(fa::NETGRAPH_FIELD_A_MINVAL),
            i64_of(fa::NETGRAPH_FIELD_A_MAXVAL),
        ) {
            (Some(lo), Some(hi)) if ranged => Some((lo, hi)),
            _ => None,
        };
        Ok(Field {
            name: at.string(fa::NETGRAPH_FIELD_A_NAME).unwrap_or_default(),
            kind,
            default: i64_of(fa::NETGRAPH_FIELD_A_DEFAULT).unwrap_or(0),
            range,
        })
    }
}

impl MsgSchema {
    /// Reads a `netgraph_msg_attr` nest.
    pub fn from_attrs(at: &Attrs) -> crate::Result<Self> {
        let top = |t: u32| -> crate::Result<Option<Field>> {
            match at.nested(t)? {
                Some(n) => match n.iter().next() {
                    Some((_, b)) => Ok(Some(Field::from_attrs(&Attrs::parse(b)?)?)),
                    None => Ok(None),
                },
                None => Ok(None),
            }
        };
        Ok(MsgSchema {
            name: at.string(ma::NETGRAPH_MSG_A_NAME).unwrap_or_default(),
            id: at.u32(ma::NETGRAPH_MSG_A_ID).unwrap_or(0),
            args: top(ma::NETGRAPH_MSG_A_ARGS)?,
            reply: top(ma::NETGRAPH_MSG_A_REPLY)?,
            dump: at.has(ma::NETGRAPH_MSG_A_DUMP),
            readonly: at.has(ma::NETGRAPH_MSG_A_READONLY),
        })
    }
}

// --- tokens ---

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    LBrack,
    RBrack,
    Eq,
    Str(Vec<u8>),
    Word(String),
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn err<T>(&self, pos: usize, msg: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            pos,
            msg: msg.into(),
        })
    }

    /// The next token and its offset; `None` at the end.
    fn next(&mut self) -> Result<Option<(usize, Tok)>, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let Some(&c) = self.s.get(self.pos) else {
            return Ok(None);
        };
        let single = match c {
            b'{' => Some(Tok::Open),
            b'}' => Some(Tok::Close),
            b'[' => Some(Tok::LBrack),
            b']' => Some(Tok::RBrack),
            b'=' => Some(Tok::Eq),
            _ => None,
        };
        if let Some(t) = single {
            self.pos += 1;
            return Ok(Some((start, t)));
        }
        if c == b'"' {
            return self.string(start).map(|s| Some((start, Tok::Str(s))));
        }
        while self.pos < self.s.len() {
            let c = self.s[self.pos];
            if c.is_ascii_whitespace() || b"{}[]=\"".contains(&c) {
                break;
            }
            self.pos += 1;
        }
        let w = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        Ok(Some((start, Tok::Word(w))))
    }

    fn string(&mut self, start: usize) -> Result<Vec<u8>, ParseError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return self.err(start, "unterminated string");
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        return self.err(self.pos, "unterminated escape");
                    };
                    self.pos += 1;
                    match e {
                        b't' => out.push(b'\t'),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b'v' => out.push(0x0b),
                        b'f' => out.push(0x0c),
                        b'0'..=b'7' => {
                            let mut v = (e - b'0') as u32;
                            for _ in 0..2 {
                                match self.s.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        b'x' => {
                            let mut v = 0u32;
                            let mut n = 0;
                            while n < 2 {
                                match self.s.get(self.pos).and_then(|c| (*c as char).to_digit(16)) {
                                    Some(d) => {
                                        v = v * 16 + d;
                                        self.pos += 1;
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            if n == 0 {
                                return self.err(self.pos, "\\x needs hex digits");
                            }
                            out.push(v as u8);
                        }
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }
}

/// Parses a C integer (`strtol` with base 0).
fn c_int(w: &str) -> Option<i128> {
    let (neg, body) = match w.as_bytes().first() {
        Some(b'-') => (true, &w[1..]),
        Some(b'+') => (false, &w[1..]),
        _ => (false, w),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u128::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        u128::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<u128>().ok()?
    };
    let v = i128::try_from(v).ok()?;
    Some(if neg { -v } else { v })
}

fn int_limits(k: &Kind) -> (i128, i128) {
    match k {
        Kind::U8 => (-128, 255),
        Kind::U16 | Kind::Hex16 => (-32768, 65535),
        Kind::U32 | Kind::Hex32 => (i32::MIN as i128, u32::MAX as i128),
        Kind::S32 => (i32::MIN as i128, i32::MAX as i128),
        Kind::U64 => (i64::MIN as i128, u64::MAX as i128),
        _ => (i64::MIN as i128, i64::MAX as i128),
    }
}

fn is_int(k: &Kind) -> bool {
    matches!(
        k,
        Kind::U8
            | Kind::U16
            | Kind::U32
            | Kind::U64
            | Kind::S32
            | Kind::S64
            | Kind::Hex32
            | Kind::Hex16
    )
}

fn eth(w: &str) -> Option<[u8; 6]> {
    let mut a = [0u8; 6];
    let mut n = 0;
    for part in w.split(':') {
        if n == 6 || part.is_empty() || part.len() > 2 {
            return None;
        }
        a[n] = u8::from_str_radix(part, 16).ok()?;
        n += 1;
    }
    (n == 6).then_some(a)
}

struct Parser<'a> {
    lx: Lexer<'a>,
    peeked: Option<(usize, Tok)>,
}

impl<'a> Parser<'a> {
    fn peek(&mut self) -> Result<Option<&(usize, Tok)>, ParseError> {
        if self.peeked.is_none() {
            self.peeked = self.lx.next()?;
        }
        Ok(self.peeked.as_ref())
    }

    fn take(&mut self) -> Result<Option<(usize, Tok)>, ParseError> {
        self.peek()?;
        Ok(self.peeked.take())
    }

    fn end_pos(&self) -> usize {
        self.lx.s.len()
    }

    fn value(&mut self, f: &Field) -> Result<Value, ParseError> {
        let Some((pos, tok)) = self.take()? else {
            return self.lx.err(self.end_pos(), "value expected");
        };
        let what = |k: &Kind| match k {
            Kind::Str(_) => "a string",
            Kind::EthAddr => "an Ethernet address",
            Kind::Struct(_) => "'{'",
            Kind::Array(_) => "'['",
            _ => "an integer",
        };
        match (&f.kind, tok) {
            (k, Tok::Word(w)) if is_int(k) => {
                let Some(v) = c_int(&w) else {
                    return self.lx.err(pos, format!("\"{w}\" is not an integer"));
                };
                let (lo, hi) = int_limits(k);
                if v < lo || v > hi {
                    return self.lx.err(pos, format!("{v} does not fit the field"));
                }
                if let Some((lo, hi)) = f.range {
                    if v < lo as i128 || v > hi as i128 {
                        return self.lx.err(pos, format!("{v} is out of range {lo}..{hi}"));
                    }
                }
                Ok(Value::Int(v))
            }
            (Kind::Str(max), Tok::Str(s)) => {
                if s.len() > *max {
                    return self.lx.err(pos, format!("string longer than {max} bytes"));
                }
                Ok(Value::Str(s))
            }
            (Kind::Str(max), Tok::Word(w)) => {
                if w.len() > *max {
                    return self.lx.err(pos, format!("string longer than {max} bytes"));
                }
                Ok(Value::Str(w.into_bytes()))
            }
            (Kind::EthAddr, Tok::Word(w)) => match eth(&w) {
                Some(a) => Ok(Value::Eth(a)),
                None => self
                    .lx
                    .err(pos, format!("\"{w}\" is not an Ethernet address")),
            },
            (Kind::Struct(fields), Tok::Open) => self.structure(fields),
            (Kind::Array(elem), Tok::LBrack) => self.array(elem),
            (k, _) => self.lx.err(pos, format!("{} expected", what(k))),
        }
    }

    fn structure(&mut self, fields: &[Field]) -> Result<Value, ParseError> {
        let mut got: Vec<(usize, Value)> = Vec::new();
        loop {
            let Some((pos, tok)) = self.take()? else {
                return self.lx.err(self.end_pos(), "'}' expected");
            };
            let name = match tok {
                Tok::Close => break,
                Tok::Word(w) => w,
                _ => return self.lx.err(pos, "field name expected"),
            };
            let Some(i) = fields.iter().position(|f| f.name == name) else {
                return self.lx.err(pos, format!("unknown field \"{name}\""));
            };
            if got.iter().any(|(j, _)| *j == i) {
                return self.lx.err(pos, format!("field \"{name}\" given twice"));
            }
            match self.take()? {
                Some((_, Tok::Eq)) => {}
                Some((p, _)) => return self.lx.err(p, "'=' expected"),
                None => return self.lx.err(self.end_pos(), "'=' expected"),
            }
            let v = self.value(&fields[i])?;
            got.push((i, v));
        }
        got.sort_by_key(|(i, _)| *i);
        Ok(Value::Struct(got))
    }

    fn array(&mut self, elem: &Field) -> Result<Value, ParseError> {
        let mut v: Vec<Value> = Vec::new();
        let mut next = 0usize;
        loop {
            match self.peek()? {
                None => return self.lx.err(self.end_pos(), "']' expected"),
                Some((_, Tok::RBrack)) => {
                    self.take()?;
                    break;
                }
                _ => {}
            }
            // Optional explicit index: `N=`.
            if let Some((pos, Tok::Word(w))) = self.peek()?.cloned() {
                let save_pos = self.lx.pos;
                let save = self.peeked.take();
                let after = self.lx.next()?;
                if matches!(after, Some((_, Tok::Eq))) {
                    match c_int(&w) {
                        Some(i) if i >= 0 && (i as usize) >= next => next = i as usize,
                        _ => return self.lx.err(pos, "bad array index"),
                    }
                } else {
                    self.lx.pos = save_pos;
                    self.peeked = save;
                }
            }
            let val = self.value(elem)?;
            while v.len() < next {
                v.push(default_value(elem));
            }
            v.push(val);
            next += 1;
        }
        Ok(Value::Array(v))
    }
}

/// The default value of a field.
pub fn default_value(f: &Field) -> Value {
    match &f.kind {
        Kind::Str(_) => Value::Str(Vec::new()),
        Kind::EthAddr => Value::Eth([0; 6]),
        Kind::Struct(_) => Value::Struct(Vec::new()),
        Kind::Array(_) => Value::Array(Vec::new()),
        _ => Value::Int(f.default as i128),
    }
}

/// Parses `text` as a value of `f`.
pub fn parse(text: &str, f: &Field) -> Result<Value, ParseError> {
    let mut p = Parser {
        lx: Lexer {
            s: text.as_bytes(),
            pos: 0,
        },
        peeked: None,
    };
    let v = p.value(f)?;
    if let Some((pos, _)) = p.take()? {
        return p.lx.err(pos, "unexpected text after the value");
    }
    Ok(v)
}

// --- attributes ---

fn int_bytes(k: &Kind, v: i128) -> Vec<u8> {
    match k {
        Kind::U8 => vec![v as u8],
        Kind::U16 | Kind::Hex16 => (v as u16).to_ne_bytes().to_vec(),
        Kind::U32 | Kind::S32 | Kind::Hex32 => (v as u32).to_ne_bytes().to_vec(),
        _ => (v as u64).to_ne_bytes().to_vec(),
    }
}

/// Encodes `v` (of shape `f`) as the attribute at position `pos` (1-based).
pub fn encode(v: &Value, f: &Field, pos: u16) -> Attr {
    match (v, &f.kind) {
        (Value::Int(i), k) => Attr::Bytes(pos, int_bytes(k, *i)),
        (Value::Str(s), _) => {
            let mut b = s.clone();
            b.push(0);
            Attr::Bytes(pos, b)
        }
        (Value::Eth(a), _) => Attr::Bytes(pos, a.to_vec()),
        (Value::Struct(items), Kind::Struct(fields)) => Attr::Nested(
            pos,
            items
                .iter()
                .filter_map(|(i, v)| fields.get(*i).map(|sf| encode(v, sf, *i as u16 + 1)))
                .collect(),
        ),
        (Value::Array(items), Kind::Array(elem)) => {
            Attr::Nested(pos, items.iter().map(|v| encode(v, elem, 1)).collect())
        }
        _ => Attr::Nested(pos, Vec::new()),
    }
}

fn int_of(k: &Kind, b: &[u8]) -> i128 {
    let u = |n: usize| {
        let mut a = [0u8; 8];
        a[..n.min(b.len())].copy_from_slice(&b[..n.min(b.len())]);
        u64::from_ne_bytes(a)
    };
    match k {
        Kind::U8 => u(1) as i128,
        Kind::U16 | Kind::Hex16 => u(2) as i128,
        Kind::U32 | Kind::Hex32 => u(4) as u32 as i128,
        Kind::S32 => u(4) as u32 as i32 as i128,
        Kind::U64 => u(8) as i128,
        _ => u(8) as i64 as i128,
    }
}

/// Decodes the payload `b` of an attribute holding a value of shape `f`.
pub fn decode(b: &[u8], f: &Field) -> crate::Result<Value> {
    Ok(match &f.kind {
        k if is_int(k) => Value::Int(int_of(k, b)),
        Kind::Str(_) => Value::Str(b.iter().take_while(|&&c| c != 0).copied().collect()),
        Kind::EthAddr => {
            let mut a = [0u8; 6];
            if b.len() >= 6 {
                a.copy_from_slice(&b[..6]);
            }
            Value::Eth(a)
        }
        Kind::Struct(fields) => {
            let at = Attrs::parse(b)?;
            let mut items = Vec::new();
            for (t, p) in at.iter() {
                let i = t as usize;
                if i >= 1 && i <= fields.len() {
                    items.push((i - 1, decode(p, &fields[i - 1])?));
                }
            }
            items.sort_by_key(|(i, _)| *i);
            Value::Struct(items)
        }
        Kind::Array(elem) => {
            let at = Attrs::parse(b)?;
            let mut items = Vec::new();
            for (_, p) in at.iter() {
                items.push(decode(p, elem)?);
            }
            Value::Array(items)
        }
        _ => Value::Int(0),
    })
}

/// Merges the parts of a dumped reply: struct fields are merged field by
/// field, arrays concatenated, scalars taken from the latest part.
pub fn merge(acc: Option<Value>, part: Value) -> Value {
    match (acc, part) {
        (None, p) => p,
        (Some(Value::Struct(mut a)), Value::Struct(b)) => {
            for (i, v) in b {
                match a.iter().position(|(j, _)| *j == i) {
                    Some(k) => {
                        let old = std::mem::replace(&mut a[k].1, Value::Int(0));
                        a[k].1 = merge(Some(old), v);
                    }
                    None => a.push((i, v)),
                }
            }
            a.sort_by_key(|(i, _)| *i);
            Value::Struct(a)
        }
        (Some(Value::Array(mut a)), Value::Array(b)) => {
            a.extend(b);
            Value::Array(a)
        }
        (Some(_), p) => p,
    }
}

// --- printing ---

fn quote(s: &[u8]) -> String {
    let mut o = String::from("\"");
    for &c in s {
        match c {
            b'\t' => o.push_str("\\t"),
            b'\n' => o.push_str("\\n"),
            b'\r' => o.push_str("\\r"),
            0x0b => o.push_str("\\v"),
            0x0c => o.push_str("\\f"),
            b'"' => o.push_str("\\\""),
            b'\\' => o.push_str("\\\\"),
            0x20..=0x7e => o.push(c as char),
            _ => {
                let _ = write!(o, "\\x{c:02x}");
            }
        }
    }
    o.push('"');
    o
}

fn is_default(v: &Value, f: &Field) -> bool {
    match (v, &f.kind) {
        (Value::Int(i), _) => *i == f.default as i128,
        (Value::Str(s), _) => s.is_empty(),
        (Value::Eth(a), _) => a == &[0; 6],
        (Value::Struct(items), Kind::Struct(fields)) => items
            .iter()
            .all(|(i, v)| fields.get(*i).is_none_or(|sf| is_default(v, sf))),
        (Value::Array(items), Kind::Array(elem)) => items.iter().all(|v| is_default(v, elem)),
        _ => true,
    }
}

/// FreeBSD's ASCII form of `v` (defaults omitted inside structs/arrays).
pub fn format(v: &Value, f: &Field) -> String {
    match (v, &f.kind) {
        (Value::Int(i), Kind::Hex32) => format!("0x{:x}", *i as u32),
        (Value::Int(i), Kind::Hex16) => format!("0x{:x}", *i as u16),
        (Value::Int(i), _) => i.to_string(),
        (Value::Str(s), _) => quote(s),
        (Value::Eth(a), _) => a
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
        (Value::Struct(items), Kind::Struct(fields)) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|(i, v)| {
                    let sf = fields.get(*i)?;
                    (!is_default(v, sf)).then(|| format!("{}={}", sf.name, format(v, sf)))
                })
                .collect();
            if parts.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", parts.join(" "))
            }
        }
        (Value::Array(items), Kind::Array(elem)) => {
            let mut parts = Vec::new();
            let mut expect = 0;
            for (i, v) in items.iter().enumerate() {
                if is_default(v, elem) {
                    continue;
                }
                if i == expect {
                    parts.push(format(v, elem));
                } else {
                    parts.push(format!("{i}={}", format(v, elem)));
                }
                expect = i + 1;
            }
            if parts.is_empty() {
                "[]".into()
            } else {
                format!("[ {} ]", parts.join(" "))
            }
        }
        _ => String::new(),
    }
}

/// A JSON-friendly tree of `v`: every struct field present (defaults too).
pub fn to_json(v: &Value, f: &Field) -> serde_json::Value {
    use serde_json::Value as J;
    match (v, &f.kind) {
        (Value::Int(i), Kind::Hex32) => J::String(format!("0x{:x}", *i as u32)),
        (Value::Int(i), Kind::Hex16) => J::String(format!("0x{:x}", *i as u16)),
        (Value::Int(i), _) => match i64::try_from(*i) {
            Ok(s) => J::from(s),
            Err(_) => J::from(*i as u64),
        },
        (Value::Str(s), _) => J::String(String::from_utf8_lossy(s).into_owned()),
        (Value::Eth(_), _) => J::String(format(v, f)),
        (Value::Struct(items), Kind::Struct(fields)) => {
            let mut m = serde_json::Map::new();
            for (i, sf) in fields.iter().enumerate() {
                let val = items
                    .iter()
                    .find(|(j, _)| *j == i)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| default_value(sf));
                m.insert(sf.name.clone(), to_json(&val, sf));
            }
            J::Object(m)
        }
        (Value::Array(items), Kind::Array(elem)) => {
            J::Array(items.iter().map(|v| to_json(v, elem)).collect())
        }
        _ => J::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, kind: Kind) -> Field {
        Field {
            name: name.into(),
            kind,
            default: 0,
            range: None,
        }
    }

    fn cfg() -> Field {
        f(
            "",
            Kind::Struct(vec![
                Field {
                    default: 1,
                    ..f("debugLevel", Kind::U32)
                },
                Field {
                    default: 60,
                    ..f("loopTimeout", Kind::U32)
                },
                f("name", Kind::Str(15)),
                f("addr", Kind::EthAddr),
                f("ids", Kind::Array(Box::new(f("", Kind::S32)))),
                f("id", Kind::Hex32),
            ]),
        )
    }

    #[test]
    fn struct_round_trip() {
        let t = "{ debugLevel=2 name=\"a\\tb\" addr=0:1:a:bb:c:d ids=[ 1 3=-4 ] id=0x1f }";
        let v = parse(t, &cfg()).unwrap();
        let s = format(&v, &cfg());
        assert_eq!(
            s,
            "{ debugLevel=2 name=\"a\\tb\" addr=00:01:0a:bb:0c:0d ids=[ 1 3=-4 ] id=0x1f }"
        );
        let a = encode(&v, &cfg(), 1);
        let mut buf = vec![0u8; netlink_packet_core::Emitable::buffer_len(&a)];
        netlink_packet_core::Emitable::emit(&a, &mut buf);
        let at = Attrs::parse(&buf).unwrap();
        let back = decode(at.bytes(1).unwrap(), &cfg()).unwrap();
        assert_eq!(format(&back, &cfg()), s);
    }

    #[test]
    fn defaults_are_omitted() {
        let v = parse("{ debugLevel=1 loopTimeout=60 }", &cfg()).unwrap();
        assert_eq!(format(&v, &cfg()), "{}");
        assert_eq!(format(&Value::Struct(vec![]), &cfg()), "{}");
    }

    #[test]
    fn errors_point_at_the_token() {
        let e = parse("{ debugLevel=2 bogus=1 }", &cfg()).unwrap_err();
        assert_eq!(e.pos, 15);
        assert!(e.msg.contains("unknown field"));
        let e = parse("{ debugLevel=x }", &cfg()).unwrap_err();
        assert_eq!(e.pos, 13);
        let e = parse("{ debugLevel=1 debugLevel=2 }", &cfg()).unwrap_err();
        assert_eq!(e.pos, 15);
        let e = parse("{ debugLevel=1", &cfg()).unwrap_err();
        assert_eq!(e.pos, 14);
        let e = parse("{ addr=1:2:3 }", &cfg()).unwrap_err();
        assert_eq!(e.pos, 7);
        assert!(parse("{ name=\"0123456789abcdef\" }", &cfg()).is_err());
        assert!(parse("{} x", &cfg()).is_err());
    }

    #[test]
    fn dumped_parts_merge() {
        let a = parse("{ debugLevel=3 ids=[ 1 2 ] }", &cfg()).unwrap();
        let b = parse("{ ids=[ 3 ] }", &cfg()).unwrap();
        let c = parse("{ ids=[ 4 ] name=\"x\" }", &cfg()).unwrap();
        let m = merge(Some(merge(Some(a), b)), c);
        assert_eq!(
            format(&m, &cfg()),
            "{ debugLevel=3 name=\"x\" ids=[ 1 2 3 4 ] }"
        );
    }

    #[test]
    fn integers_in_c_syntax() {
        let u = f("", Kind::U32);
        assert_eq!(parse("0x10", &u).unwrap(), Value::Int(16));
        assert_eq!(parse("010", &u).unwrap(), Value::Int(8));
        assert_eq!(parse("-1", &u).unwrap(), Value::Int(-1));
        assert!(parse("4294967296", &u).is_err());
        let r = Field {
            range: Some((72, 9018)),
            ..f("", Kind::S32)
        };
        assert!(parse("71", &r).is_err());
        assert_eq!(parse("9018", &r).unwrap(), Value::Int(9018));
        assert_eq!(format(&Value::Int(-1), &f("", Kind::S32)), "-1");
    }

    #[test]
    fn strings_quote_and_escape() {
        let s = f("", Kind::Str(31));
        let v = parse("\"ngeth0\"", &s).unwrap();
        assert_eq!(format(&v, &s), "\"ngeth0\"");
        let v = parse("\"\\x01\\101\\\"\"", &s).unwrap();
        assert_eq!(v, Value::Str(vec![1, b'A', b'"']));
        assert_eq!(format(&v, &s), "\"\\x01A\\\"\"");
    }
}
