// SPDX-License-Identifier: GPL-2.0

//! Pure logic of the `bridge` node type (no kernel dependencies), shared
//! with the host tests: hook names and numbers, and the learning decision.

/// The tag bit that marks an uplink.
pub const UPLINK: u32 = 1 << 31;

/// What a hook name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookName {
    /// `linkN` / `uplinkN`: this tag.
    Tag(u32),
    /// `link`: the lowest free link number (from 0).
    AnyLink,
    /// `uplink`: the lowest free uplink number (from 1).
    AnyUplink,
}

fn number(s: &[u8]) -> Option<u32> {
    // FreeBSD: the number must round-trip through "%u": no sign, no
    // leading zeros (except "0"), nothing after it.
    if s.is_empty() || s.len() > 10 || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u64;
    }
    if v >= UPLINK as u64 {
        return None;
    }
    Some(v as u32)
}

/// Parses a bridge hook name.
pub fn parse_hook(name: &[u8]) -> Option<HookName> {
    if name == b"link" {
        return Some(HookName::AnyLink);
    }
    if name == b"uplink" {
        return Some(HookName::AnyUplink);
    }
    if let Some(n) = name.strip_prefix(b"uplink") {
        return match number(n)? {
            0 => None,
            n => Some(HookName::Tag(UPLINK | n)),
        };
    }
    let n = name.strip_prefix(b"link")?;
    number(n).map(HookName::Tag)
}

/// Writes the hook name of `tag` into `buf`; returns its length.
pub fn hook_name(tag: u32, buf: &mut [u8; 32]) -> usize {
    let (prefix, mut n): (&[u8], u32) = if tag & UPLINK != 0 {
        (b"uplink", tag & !UPLINK)
    } else {
        (b"link", tag)
    };
    buf[..prefix.len()].copy_from_slice(prefix);
    let mut digits = [0u8; 10];
    let mut d = 0;
    loop {
        digits[d] = b'0' + (n % 10) as u8;
        d += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..d {
        buf[prefix.len() + i] = digits[d - 1 - i];
    }
    prefix.len() + d
}

/// The tag `getstats N` selects: negative numbers are uplinks.
pub fn stats_tag(n: i32) -> Option<u32> {
    if n >= 0 {
        Some(n as u32)
    } else if n == i32::MIN {
        None
    } else {
        Some(UPLINK | n.unsigned_abs())
    }
}

/// The element of `v` (sorted by `key`, keys unique) whose key is `k`. A
/// binary search written out rather than `binary_search_by`, which is not
/// inlined: the bridge's data path does two per frame.
#[inline(always)]
pub fn find_sorted<T>(v: &[T], k: u32, key: impl Fn(&T) -> u32) -> Option<&T> {
    let (mut lo, mut hi) = (0, v.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let x = v.get(mid)?;
        match key(x).cmp(&k) {
            core::cmp::Ordering::Less => lo = mid + 1,
            core::cmp::Ordering::Greater => hi = mid,
            core::cmp::Ordering::Equal => return Some(x),
        }
    }
    None
}

/// What a frame's source address means for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learn {
    /// Known on this link (or not to be learned): nothing to do.
    Keep,
    /// Unknown: add it on the receiving link.
    Insert,
    /// Known elsewhere and stable: move it to the receiving link.
    Move,
    /// Known elsewhere and younger than `minStableAge`: a loop.
    Loop,
}

/// FreeBSD's decision for source address `known` = (link, age) seen on
/// link `on`, which learns if `learns`.
pub fn learn(known: Option<(u32, u32)>, on: u32, learns: bool, min_stable_age: u32) -> Learn {
    match known {
        None if learns => Learn::Insert,
        None => Learn::Keep,
        Some((link, _)) if link == on => Learn::Keep,
        Some((_, age)) if age < min_stable_age => Learn::Loop,
        Some(_) => Learn::Move,
    }
}

/// Counter indices (FreeBSD `struct ng_bridge_link_stats` order).
pub const STATS: usize = 14;
pub const RECV_OCTETS: usize = 0;
pub const RECV_PACKETS: usize = 1;
pub const RECV_MULTICAST: usize = 2;
pub const RECV_BROADCAST: usize = 3;
pub const RECV_UNKNOWN: usize = 4;
pub const RECV_RUNTS: usize = 5;
pub const RECV_INVALID: usize = 6;
pub const XMIT_OCTETS: usize = 7;
pub const XMIT_PACKETS: usize = 8;
pub const XMIT_MULTICASTS: usize = 9;
pub const XMIT_BROADCASTS: usize = 10;
pub const LOOP_DROPS: usize = 11;
pub const LOOP_DETECTS: usize = 12;
pub const MEMORY_FAILURES: usize = 13;
