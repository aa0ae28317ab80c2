// SPDX-License-Identifier: GPL-2.0

//! The shapes of type-specific control messages, and the check of a
//! message's arguments against them.
//!
//! No kernel dependency: the check runs over any attribute tree that
//! implements [`ArgAttr`] — in the module, the request's netlink
//! attributes; on the host (tests/host), a byte-slice iterator that the
//! property tests and `make fuzz` drive with arbitrary input.
//!
//! Encoding (see the uapi header): a value is one attribute whose type is
//! its 1-based position in its parent; the message's top-level value is
//! position 1 inside `NETGRAPH_A_ARGS`. Integers are 1, 2, 4 or 8 bytes in
//! host order, strings NUL-terminated, Ethernet addresses 6 bytes, structs
//! and arrays nests (array elements all have position 1).

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
    /// A `u16` printed in hex.
    Hex16,
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
    /// Payload width of an integer kind.
    pub(crate) fn width(&self) -> Option<usize> {
        match self {
            Kind::U8 => Some(1),
            Kind::U16 | Kind::Hex16 => Some(2),
            Kind::U32 | Kind::S32 | Kind::Hex32 => Some(4),
            Kind::U64 | Kind::S64 => Some(8),
            _ => None,
        }
    }

    pub(crate) fn signed(&self) -> bool {
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

    pub(crate) fn ranged(&self) -> bool {
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

/// A netlink attribute as the check sees it: its type (masked of the
/// nesting and byte-order flags), its payload, and the attributes nested in
/// it (stopping at the first malformed one, as `nla_ok` does).
pub(crate) trait ArgAttr<'a>: Copy + 'a {
    fn kind(&self) -> u32;
    fn payload(&self) -> &'a [u8];
    fn nested(self) -> impl Iterator<Item = Self> + 'a;
}

/// The attributes one after the other in `rem` (a nest's payload), each
/// with its header and payload but not its padding, stopping at the first
/// malformed one where `nla_ok()` would: a header that does not fit, a
/// length below the header's or past the end.
pub(crate) fn attr_walk(mut rem: &[u8]) -> impl Iterator<Item = &[u8]> {
    core::iter::from_fn(move || {
        let hdr = rem.get(..4)?;
        let len = u16::from_ne_bytes([hdr[0], hdr[1]]) as usize;
        if len < 4 || len > rem.len() {
            return None;
        }
        let (a, _) = rem.split_at(len);
        rem = rem.get((len + 3) & !3..).unwrap_or(&[]);
        Some(a)
    })
}

/// An integer payload of 1, 2, 4 or 8 bytes (anything else reads 0).
pub(crate) fn int_of(p: &[u8], signed: bool) -> i128 {
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

/// Checks the contents of a request's `NETGRAPH_A_ARGS` nest (`args`)
/// against `d`; returns its top-level value, or why it is refused.
pub(crate) fn check_args<'a, A: ArgAttr<'a>>(
    d: &MsgDesc,
    args: Option<A>,
) -> Result<Option<A>, &'static str> {
    let top = match args {
        None => None,
        Some(a) => {
            let mut it = a.nested();
            let top = it.next();
            if it.next().is_some() || top.is_some_and(|t| t.kind() != 1) {
                return Err("malformed message arguments");
            }
            top
        }
    };
    match (&d.args, top) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err("this message takes no arguments"),
        (Some(_), None) => Err("this message needs an argument"),
        (Some(f), Some(v)) => {
            check(f, v, 0)?;
            Ok(Some(v))
        }
    }
}

fn check<'a, A: ArgAttr<'a>>(f: &Field, a: A, depth: u32) -> Result<(), &'static str> {
    if depth > 8 {
        return Err("message arguments nested too deeply");
    }
    let p = a.payload();
    if let Some(w) = f.kind.width() {
        if p.len() != w {
            return Err("message argument has the wrong size");
        }
        if f.ranged() {
            let v = int_of(p, f.kind.signed());
            if v < f.min as i128 || v > f.max as i128 {
                return Err("message argument out of range");
            }
        }
        return Ok(());
    }
    match &f.kind {
        Kind::Str(max) => match p.iter().position(|&c| c == 0) {
            Some(n) if n <= *max => Ok(()),
            Some(_) => Err("message argument string too long"),
            None => Err("message argument string not terminated"),
        },
        Kind::EthAddr if p.len() == 6 => Ok(()),
        Kind::EthAddr => Err("an Ethernet address has 6 bytes"),
        Kind::Struct(fs) => {
            let mut seen = 0u64;
            for sub in a.nested() {
                let pos = sub.kind() as usize;
                if pos == 0 || pos > fs.len() || pos > 64 {
                    return Err("unknown field in message argument");
                }
                if seen & (1 << (pos - 1)) != 0 {
                    return Err("field given twice in message argument");
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
                    return Err("malformed or too long array in message argument");
                }
                check(elem, sub, depth + 1)?;
            }
            Ok(())
        }
        _ => Err("malformed message argument"),
    }
}
