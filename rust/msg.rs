// SPDX-License-Identifier: GPL-2.0

//! Type-specific control messages as typed attributes.
//!
//! Every node type declares its messages ([`MsgDesc`]): FreeBSD's ASCII name
//! and number, and the shape of the argument and of the reply ([`Field`]).
//! The shapes are published to userspace (`NETGRAPH_CMD_GETTYPE`), which
//! converts FreeBSD's ASCII syntax to attributes and back; the kernel never
//! parses text. Arguments are checked against the shape here, before a node
//! type sees them, so node types read them with infallible accessors.
//!
//! Encoding (see the uapi header): a value is one attribute whose type is
//! its 1-based position in its parent; the message's top-level value is
//! position 1 inside `NETGRAPH_A_ARGS`. Integers are 1, 2, 4 or 8 bytes in
//! host order, strings NUL-terminated, Ethernet addresses 6 bytes, structs
//! and arrays nests (array elements all have position 1).

use crate::bindings as b;
use crate::errno::{DResult, EINVAL, EMSGSIZE};
use crate::netlink::{fail, Attr, AttrWriter, NlResult};

/// The shape of one value.
#[allow(dead_code)] // the kinds the node types of later issues use
pub(crate) enum Kind {
    U8,
    U16,
    U32,
    U64,
    S32,
    S64,
    /// A `u32` printed in hex.
    Hex32,
    /// A string of at most `.0` bytes (without the NUL).
    Str(usize),
    /// Six bytes.
    EthAddr,
    /// Named fields in order.
    Struct(&'static [Field]),
    /// Repeated values of one shape, at most `max` of them.
    Array {
        elem: &'static Field,
        max: usize,
    },
}

impl Kind {
    fn uapi(&self) -> u32 {
        match self {
            Kind::U8 => b::netgraph_field_kind_NETGRAPH_FIELD_U8,
            Kind::U16 => b::netgraph_field_kind_NETGRAPH_FIELD_U16,
            Kind::U32 => b::netgraph_field_kind_NETGRAPH_FIELD_U32,
            Kind::U64 => b::netgraph_field_kind_NETGRAPH_FIELD_U64,
            Kind::S32 => b::netgraph_field_kind_NETGRAPH_FIELD_S32,
            Kind::S64 => b::netgraph_field_kind_NETGRAPH_FIELD_S64,
            Kind::Hex32 => b::netgraph_field_kind_NETGRAPH_FIELD_HEX32,
            Kind::Str(_) => b::netgraph_field_kind_NETGRAPH_FIELD_STRING,
            Kind::EthAddr => b::netgraph_field_kind_NETGRAPH_FIELD_ETHADDR,
            Kind::Struct(_) => b::netgraph_field_kind_NETGRAPH_FIELD_STRUCT,
            Kind::Array { .. } => b::netgraph_field_kind_NETGRAPH_FIELD_ARRAY,
        }
    }

    /// Payload width of an integer kind.
    fn width(&self) -> Option<usize> {
        match self {
            Kind::U8 => Some(1),
            Kind::U16 => Some(2),
            Kind::U32 | Kind::S32 | Kind::Hex32 => Some(4),
            Kind::U64 | Kind::S64 => Some(8),
            _ => None,
        }
    }

    fn signed(&self) -> bool {
        matches!(self, Kind::S32 | Kind::S64)
    }
}

/// One named value of a message (FreeBSD's ASCII field name).
pub(crate) struct Field {
    /// The ASCII field name; empty for a top-level value or array element.
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// Printed only when different (integers).
    pub(crate) default: i64,
    /// Accepted range (integers); `min > max` means the kind's full range.
    pub(crate) min: i64,
    pub(crate) max: i64,
}

impl Field {
    /// A field of `kind` with default 0 and the kind's full range.
    pub(crate) const fn new(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            default: 0,
            min: 1,
            max: 0,
        }
    }

    /// A field limited to `min..=max`.
    #[allow(dead_code)]
    pub(crate) const fn range(name: &'static str, kind: Kind, min: i64, max: i64) -> Self {
        Self {
            name,
            kind,
            default: 0,
            min,
            max,
        }
    }

    /// The same field with another default.
    #[allow(dead_code)]
    pub(crate) const fn default(mut self, d: i64) -> Self {
        self.default = d;
        self
    }

    fn ranged(&self) -> bool {
        self.min <= self.max
    }
}

/// One message a node type accepts.
pub(crate) struct MsgDesc {
    /// FreeBSD's ASCII command name.
    pub(crate) name: &'static str,
    /// FreeBSD's command number.
    pub(crate) id: u32,
    /// The argument's shape; `None` takes no argument.
    pub(crate) args: Option<Field>,
    /// The reply's shape; `None` replies with nothing.
    pub(crate) reply: Option<Field>,
    /// Changes nothing: allowed without CAP_NET_ADMIN.
    pub(crate) readonly: bool,
    /// The reply comes as a netlink dump (many messages, each holding part
    /// of the reply; arrays are concatenated by the reader).
    pub(crate) dump: bool,
}

impl MsgDesc {
    /// A message without argument or reply that changes state.
    pub(crate) const fn set(name: &'static str, id: u32, args: Option<Field>) -> Self {
        Self {
            name,
            id,
            args,
            reply: None,
            readonly: false,
            dump: false,
        }
    }

    /// A read-only message answering with `reply`.
    pub(crate) const fn get(name: &'static str, id: u32, reply: Field) -> Self {
        Self {
            name,
            id,
            args: None,
            reply: Some(reply),
            readonly: true,
            dump: false,
        }
    }

    /// The same message with a dumped reply.
    pub(crate) const fn dumped(mut self) -> Self {
        self.dump = true;
        self
    }

    /// The same message, changing state.
    pub(crate) const fn writes(mut self) -> Self {
        self.readonly = false;
        self
    }
}

/// What the graph does after a node type handled a message.
#[derive(PartialEq, Eq)]
pub(crate) enum After {
    /// Nothing.
    Keep,
    /// Destroy the node for good (e.g. `ether`'s `detach`).
    Destroy,
}

/// Writes a message schema (`NETGRAPH_TYPE_A_MSG` contents).
pub(crate) fn put_desc(w: &mut impl AttrWriter, d: &MsgDesc) -> DResult {
    w.put_str(b::netgraph_msg_attr_NETGRAPH_MSG_A_NAME, d.name.as_bytes())?;
    w.put_u32(b::netgraph_msg_attr_NETGRAPH_MSG_A_ID, d.id)?;
    if let Some(a) = &d.args {
        w.nest(b::netgraph_msg_attr_NETGRAPH_MSG_A_ARGS, |w| {
            put_field(w, 1, a)
        })?;
    }
    if let Some(r) = &d.reply {
        w.nest(b::netgraph_msg_attr_NETGRAPH_MSG_A_REPLY, |w| {
            put_field(w, 1, r)
        })?;
    }
    if d.dump {
        w.put_flag(b::netgraph_msg_attr_NETGRAPH_MSG_A_DUMP)?;
    }
    if d.readonly {
        w.put_flag(b::netgraph_msg_attr_NETGRAPH_MSG_A_READONLY)?;
    }
    Ok(())
}

fn put_field(w: &mut impl AttrWriter, pos: u32, f: &Field) -> DResult {
    w.nest(pos, |w| {
        w.put_str(
            b::netgraph_field_attr_NETGRAPH_FIELD_A_NAME,
            f.name.as_bytes(),
        )?;
        w.put_u32(b::netgraph_field_attr_NETGRAPH_FIELD_A_KIND, f.kind.uapi())?;
        if f.default != 0 {
            w.put_bytes(
                b::netgraph_field_attr_NETGRAPH_FIELD_A_DEFAULT,
                &f.default.to_ne_bytes(),
            )?;
        }
        if f.ranged() {
            w.put_bytes(
                b::netgraph_field_attr_NETGRAPH_FIELD_A_MINVAL,
                &f.min.to_ne_bytes(),
            )?;
            w.put_bytes(
                b::netgraph_field_attr_NETGRAPH_FIELD_A_MAXVAL,
                &f.max.to_ne_bytes(),
            )?;
        }
        match &f.kind {
            Kind::Struct(fs) => w.nest(b::netgraph_field_attr_NETGRAPH_FIELD_A_FIELDS, |w| {
                for (i, sub) in fs.iter().enumerate() {
                    put_field(w, i as u32 + 1, sub)?;
                }
                Ok(())
            }),
            Kind::Array { elem, .. } => w
                .nest(b::netgraph_field_attr_NETGRAPH_FIELD_A_FIELDS, |w| {
                    put_field(w, 1, elem)
                }),
            Kind::Str(max) => w.put_bytes(
                b::netgraph_field_attr_NETGRAPH_FIELD_A_MAXVAL,
                &(*max as i64).to_ne_bytes(),
            ),
            _ => Ok(()),
        }
    })
}

/// A validated value of a message argument.
#[derive(Clone, Copy)]
pub(crate) struct Value<'a> {
    attr: Attr<'a>,
}

fn int_of(p: &[u8], signed: bool) -> i128 {
    match (p.len(), signed) {
        (1, _) => p[0] as i128,
        (2, _) => u16::from_ne_bytes([p[0], p[1]]) as i128,
        (4, false) => u32::from_ne_bytes([p[0], p[1], p[2], p[3]]) as i128,
        (4, true) => i32::from_ne_bytes([p[0], p[1], p[2], p[3]]) as i128,
        (8, false) => u64::from_ne_bytes([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]]) as i128,
        (8, true) => i64::from_ne_bytes([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]]) as i128,
        _ => 0,
    }
}

impl<'a> Value<'a> {
    /// An integer value (any width), as `i64`; `u64` values wrap.
    #[allow(dead_code)]
    pub(crate) fn int(&self) -> i64 {
        let p = self.attr.payload();
        int_of(p, false) as i64
    }

    /// A signed integer value.
    pub(crate) fn sint(&self) -> i64 {
        let p = self.attr.payload();
        int_of(p, true) as i64
    }

    /// An Ethernet address.
    pub(crate) fn ethaddr(&self) -> [u8; 6] {
        let mut a = [0u8; 6];
        let p = self.attr.payload();
        if p.len() == 6 {
            a.copy_from_slice(p);
        }
        a
    }

    /// A string without its NUL.
    #[allow(dead_code)]
    pub(crate) fn str(&self) -> &'a [u8] {
        self.attr.str_bytes()
    }

    /// Field `pos` (1-based) of a struct, if given.
    #[allow(dead_code)]
    pub(crate) fn field(&self, pos: u32) -> Option<Value<'a>> {
        self.attr
            .nested()
            .find(|a| a.kind() == pos)
            .map(|attr| Value { attr })
    }

    /// The elements of an array.
    #[allow(dead_code)]
    pub(crate) fn elems(&self) -> impl Iterator<Item = Value<'a>> {
        self.attr.nested().map(|attr| Value { attr })
    }
}

/// Checks the `NETGRAPH_A_ARGS` nest of a request against `d` and returns
/// its top-level value.
pub(crate) fn parse<'a>(d: &MsgDesc, args: Option<Attr<'a>>) -> NlResult<Option<Value<'a>>> {
    let top = match args {
        None => None,
        Some(a) => {
            let mut it = a.nested();
            let top = it.next();
            if it.next().is_some() || top.is_some_and(|t| t.kind() != 1) {
                return fail(EINVAL, "malformed message arguments");
            }
            top
        }
    };
    match (&d.args, top) {
        (None, None) => Ok(None),
        (None, Some(_)) => fail(EINVAL, "this message takes no arguments"),
        (Some(_), None) => fail(EINVAL, "this message needs an argument"),
        (Some(f), Some(v)) => {
            check(f, v, 0)?;
            Ok(Some(Value { attr: v }))
        }
    }
}

fn check(f: &Field, a: Attr<'_>, depth: u32) -> NlResult {
    if depth > 8 {
        return fail(EINVAL, "message arguments nested too deeply");
    }
    let p = a.payload();
    if let Some(w) = f.kind.width() {
        if p.len() != w {
            return fail(EINVAL, "message argument has the wrong size");
        }
        if f.ranged() {
            let v = int_of(p, f.kind.signed());
            if v < f.min as i128 || v > f.max as i128 {
                return fail(EINVAL, "message argument out of range");
            }
        }
        return Ok(());
    }
    match &f.kind {
        Kind::Str(max) => match p.iter().position(|&c| c == 0) {
            Some(n) if n <= *max => Ok(()),
            Some(_) => fail(EINVAL, "message argument string too long"),
            None => fail(EINVAL, "message argument string not terminated"),
        },
        Kind::EthAddr if p.len() == 6 => Ok(()),
        Kind::EthAddr => fail(EINVAL, "an Ethernet address has 6 bytes"),
        Kind::Struct(fs) => {
            let mut seen = 0u64;
            for sub in a.nested() {
                let pos = sub.kind() as usize;
                if pos == 0 || pos > fs.len() || pos > 64 {
                    return fail(EINVAL, "unknown field in message argument");
                }
                if seen & (1 << (pos - 1)) != 0 {
                    return fail(EINVAL, "field given twice in message argument");
                }
                seen |= 1 << (pos - 1);
                check(&fs[pos - 1], sub, depth + 1)?;
            }
            Ok(())
        }
        Kind::Array { elem, max } => {
            let mut n = 0;
            for sub in a.nested() {
                n += 1;
                if sub.kind() != 1 || n > *max {
                    return fail(EINVAL, "malformed or too long array in message argument");
                }
                check(elem, sub, depth + 1)?;
            }
            Ok(())
        }
        _ => fail(EINVAL, "malformed message argument"),
    }
}

/// Writes a reply value (inside `NETGRAPH_A_ARGS`), into a reply or a
/// dump message.
pub(crate) struct Out<'m> {
    w: &'m mut dyn AttrWriter,
}

impl<'m> Out<'m> {
    pub(crate) fn new(w: &'m mut dyn AttrWriter) -> Self {
        Self { w }
    }

    /// An 8-bit integer at `pos`.
    pub(crate) fn u8(&mut self, pos: u32, v: u8) -> DResult {
        self.w.put_bytes(pos, &[v])
    }

    /// A 16-bit integer at `pos`.
    pub(crate) fn u16(&mut self, pos: u32, v: u16) -> DResult {
        self.w.put_bytes(pos, &v.to_ne_bytes())
    }

    /// A 32-bit integer (signed or not) at `pos`.
    pub(crate) fn u32(&mut self, pos: u32, v: u32) -> DResult {
        self.w.put_u32(pos, v)
    }

    /// A 64-bit integer at `pos`.
    pub(crate) fn u64(&mut self, pos: u32, v: u64) -> DResult {
        self.w.put_bytes(pos, &v.to_ne_bytes())
    }

    /// A string at `pos`.
    pub(crate) fn str(&mut self, pos: u32, v: &[u8]) -> DResult {
        if v.len() > 512 {
            return Err(EMSGSIZE);
        }
        self.w.put_str(pos, v)
    }

    /// An Ethernet address at `pos`.
    pub(crate) fn ethaddr(&mut self, pos: u32, v: &[u8; 6]) -> DResult {
        self.w.put_bytes(pos, v)
    }

    /// A struct or array at `pos`; `f` writes its members.
    pub(crate) fn nest(&mut self, pos: u32, f: impl FnOnce(&mut Out<'_>) -> DResult) -> DResult {
        crate::netlink::nest_dyn(self.w, pos, |w| f(&mut Out { w }))
    }
}
