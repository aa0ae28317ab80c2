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
//! The shapes and the check are pure logic in [`crate::graph::msg_schema`]
//! (host-tested and fuzzed); this file publishes them and gives node types
//! the checked values and the reply writer.

use crate::ffi::errno::{DResult, EINVAL, EMSGSIZE};
use crate::ffi::netlink::{fail, Attr, AttrWriter, NlResult};
use crate::ffi::uapi as b;
use crate::graph::msg_schema::{check_args, int_of, ArgAttr};
pub(crate) use crate::graph::msg_schema::{Field, Kind, MsgDesc};

/// The uapi `netgraph_field_kind` of a shape.
fn kind_uapi(k: &Kind) -> u32 {
    match k {
        Kind::U8 => b::netgraph_field_kind_NETGRAPH_FIELD_U8,
        Kind::U16 => b::netgraph_field_kind_NETGRAPH_FIELD_U16,
        Kind::U32 => b::netgraph_field_kind_NETGRAPH_FIELD_U32,
        Kind::U64 => b::netgraph_field_kind_NETGRAPH_FIELD_U64,
        Kind::S32 => b::netgraph_field_kind_NETGRAPH_FIELD_S32,
        Kind::S64 => b::netgraph_field_kind_NETGRAPH_FIELD_S64,
        Kind::Hex32 => b::netgraph_field_kind_NETGRAPH_FIELD_HEX32,
        Kind::Hex16 => b::netgraph_field_kind_NETGRAPH_FIELD_HEX16,
        Kind::Str(_) => b::netgraph_field_kind_NETGRAPH_FIELD_STRING,
        Kind::EthAddr => b::netgraph_field_kind_NETGRAPH_FIELD_ETHADDR,
        Kind::Struct(_) => b::netgraph_field_kind_NETGRAPH_FIELD_STRUCT,
        Kind::Array { .. } => b::netgraph_field_kind_NETGRAPH_FIELD_ARRAY,
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
        w.put_u32(
            b::netgraph_field_attr_NETGRAPH_FIELD_A_KIND,
            kind_uapi(&f.kind),
        )?;
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

impl<'a> ArgAttr<'a> for Attr<'a> {
    fn kind(&self) -> u32 {
        Attr::kind(self)
    }

    fn payload(&self) -> &'a [u8] {
        Attr::payload(self)
    }

    fn nested(self) -> impl Iterator<Item = Self> + 'a {
        Attr::nested(self)
    }
}

/// Checks the `NETGRAPH_A_ARGS` nest of a request against `d` and returns
/// its top-level value.
pub(crate) fn parse<'a>(d: &MsgDesc, args: Option<Attr<'a>>) -> NlResult<Option<Value<'a>>> {
    match check_args(d, args) {
        Ok(v) => Ok(v.map(|attr| Value { attr })),
        Err(why) => fail(EINVAL, why),
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
        crate::ffi::netlink::nest_dyn(self.w, pos, |w| f(&mut Out { w }))
    }
}

/// Declares a node type's messages once, as an enum: each variant is one
/// message, with its description (FreeBSD's ASCII name and number, the
/// argument and reply shapes: a [`MsgDesc`]). Gives the description table
/// the type publishes (`DESCS`, `COUNT`) and [`of`](Self::of), which turns
/// the description the core checked an argument against into the variant:
/// `rcvmsg` matches on the enum, so a declared message left unhandled does
/// not compile, and an id the type does not declare is refused.
macro_rules! messages {
    (
        $(#[$m:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vm:meta])* $var:ident = $desc:expr ),+ $(,)?
        }
    ) => {
        $(#[$m])*
        // Variants are named after FreeBSD's messages (getstats, clrstats).
        #[allow(clippy::enum_variant_names)]
        #[derive(Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$vm])* $var ),+
        }

        impl $name {
            /// How many messages the type has.
            $vis const COUNT: usize = [$(stringify!($var)),+].len();
            /// Their descriptions, in declaration order.
            $vis const DESCS: [$crate::graph::msg::MsgDesc; Self::COUNT] = [$($desc),+];
            const ALL: [Self; Self::COUNT] = [$(Self::$var),+];

            /// The message `d` describes, if it is one of the type's.
            $vis fn of(d: &$crate::graph::msg::MsgDesc) -> Option<Self> {
                let i = Self::DESCS
                    .iter()
                    .position(|x| x.id == d.id && x.name == d.name)?;
                Self::ALL.get(i).copied()
            }
        }
    };
}
pub(crate) use messages;
