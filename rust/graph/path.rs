// SPDX-License-Identifier: GPL-2.0

//! Addresses, node names and hook names (FreeBSD `ng_path_parse`,
//! `ng_name_node` rules).
//!
//! Pure logic: depends only on `core`, so the same file is unit-tested on the
//! host (`tests/host`) and compiled into the module.

/// Longest node name, type name or hook name, in bytes (FreeBSD's 32 with NUL).
pub const NAME_MAX: usize = 31;
/// Longest path, in bytes (FreeBSD's `NG_PATHSIZ` 512 with NUL).
pub const PATH_MAX: usize = 511;

/// Why an address or a name was refused. Every case maps to `EINVAL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

/// Where an address starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base<'a> {
    /// The sending node (`.`, `.:` or a relative path).
    Local,
    /// A node by name (`name:`).
    Name(&'a [u8]),
    /// A node by ID (`[1f]:`).
    Id(u32),
}

/// A parsed address: a base node and hook names to follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr<'a> {
    /// The node the walk starts at.
    pub base: Base<'a>,
    hops: &'a [u8],
}

impl<'a> Addr<'a> {
    /// The hook names to follow, in order.
    pub fn hops(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let h = self.hops;
        h.split(|&c| c == b'.').filter(move |_| !h.is_empty())
    }

    /// The last hook name of the walk, if any (the hook through which the
    /// destination was entered).
    pub fn last_hop(&self) -> Option<&'a [u8]> {
        self.hops().last()
    }
}

/// Parses `[hex]` into a node ID. `None` if `s` does not have that form.
/// The value 0 is returned as `Some(0)`; callers treat it as "no such node".
pub fn parse_id(s: &[u8]) -> Option<u32> {
    let inner = s.strip_prefix(b"[")?.strip_suffix(b"]")?;
    if inner.is_empty() || inner.len() > 64 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in inner {
        let d = (c as char).to_digit(16)? as u64;
        v = v.checked_mul(16)?.checked_add(d)?;
        if v > u32::MAX as u64 {
            return None;
        }
    }
    Some(v as u32)
}

/// Parses an address `[NODE:][PATH]`.
pub fn parse(s: &[u8]) -> Result<Addr<'_>, Invalid> {
    if s.len() > PATH_MAX {
        return Err(Invalid("path is longer than 511 bytes"));
    }
    let (base, path) = match s.iter().position(|&c| c == b':') {
        Some(i) => {
            let node = &s[..i];
            let base = if node.is_empty() {
                return Err(Invalid("empty node name before ':'"));
            } else if node == b"." {
                Base::Local
            } else if node.contains(&b'.') {
                return Err(Invalid("node name contains '.'"));
            } else if let Some(id) = parse_id(node) {
                Base::Id(id)
            } else {
                Base::Name(node)
            };
            (base, &s[i + 1..])
        }
        None => (Base::Local, s),
    };
    if path.contains(&b':') {
        return Err(Invalid("':' inside a hook path"));
    }
    if path.windows(2).any(|w| w == b"..") {
        return Err(Invalid("'..' in a hook path"));
    }
    let mut hops = path;
    if let Some(rest) = hops.strip_prefix(b".") {
        hops = rest;
    }
    if let Some(rest) = hops.strip_suffix(b".") {
        hops = rest;
    }
    if !hops.is_empty() && hops.split(|&c| c == b'.').any(|seg| seg.is_empty()) {
        return Err(Invalid("empty hook name in path"));
    }
    Ok(Addr { base, hops })
}

/// Checks a node name for `name` (FreeBSD rules).
pub fn check_node_name(name: &[u8]) -> Result<(), Invalid> {
    if name.is_empty() {
        return Err(Invalid("empty node name"));
    }
    if name.len() > NAME_MAX {
        return Err(Invalid("node name is longer than 31 bytes"));
    }
    if name.iter().any(|&c| c == b'.' || c == b':') {
        return Err(Invalid("node name contains '.' or ':'"));
    }
    if name.contains(&0) {
        return Err(Invalid("node name contains NUL"));
    }
    if matches!(parse_id(name), Some(id) if id != 0) {
        return Err(Invalid("node name looks like an ID [hex]"));
    }
    Ok(())
}

/// Checks a hook name. Stricter than FreeBSD's core, which accepts empty
/// names and names with '.' or ':' that no path can reach (documented).
pub fn check_hook_name(name: &[u8]) -> Result<(), Invalid> {
    if name.is_empty() {
        return Err(Invalid("empty hook name"));
    }
    if name.len() > NAME_MAX {
        return Err(Invalid("hook name is longer than 31 bytes"));
    }
    if name.iter().any(|&c| c == b'.' || c == b':' || c == 0) {
        return Err(Invalid("hook name contains '.' or ':'"));
    }
    Ok(())
}

/// A name of at most `NAME_MAX` bytes stored inline.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Name {
    len: u8,
    buf: [u8; NAME_MAX],
}

impl Name {
    /// Copies `s`, or `None` if it is longer than `NAME_MAX`.
    pub fn new(s: &[u8]) -> Option<Self> {
        if s.len() > NAME_MAX {
            return None;
        }
        let mut buf = [0u8; NAME_MAX];
        buf[..s.len()].copy_from_slice(s);
        Some(Self {
            len: s.len() as u8,
            buf,
        })
    }

    /// The bytes of the name.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }
}

/// Appends to the name; an error (and nothing appended) when it would grow
/// beyond `NAME_MAX`.
impl core::fmt::Write for Name {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let at = self.len as usize;
        let end = at + s.len();
        if end > NAME_MAX {
            return Err(core::fmt::Error);
        }
        self.buf[at..end].copy_from_slice(s.as_bytes());
        self.len = end as u8;
        Ok(())
    }
}

/// `ngethN`: the name of eiface unit `unit`, for its interface and its node.
pub fn eiface_name(unit: u32) -> Name {
    let mut name = Name {
        len: 0,
        buf: [0u8; NAME_MAX],
    };
    // At most 15 bytes: always fits.
    let _ = core::fmt::Write::write_fmt(&mut name, format_args!("ngeth{unit}"));
    name
}

/// The name FreeBSD gives an ether node for device `dev`: `.` and `:`
/// replaced by `_`.
pub fn ether_node_name(dev: &[u8]) -> Option<Name> {
    let mut n = Name::new(dev)?;
    for c in n.buf[..n.len as usize].iter_mut() {
        if *c == b'.' || *c == b':' {
            *c = b'_';
        }
    }
    Some(n)
}
