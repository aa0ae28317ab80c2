// SPDX-License-Identifier: GPL-2.0

//! Pure logic of the `one2many` node type (no kernel dependencies), shared
//! with the host tests: hook names, the configuration's values, the active
//! set and what a change of it announces.

/// Most `manyN` links (`NG_ONE2MANY_MAX_LINKS`).
pub const MAX_LINKS: u32 = 64;
/// The link number of `one` in messages (`NG_ONE2MANY_ONE_LINKNUM`).
pub const ONE_LINKNUM: i32 = -1;

/// `xmitAlg` values.
pub const XMIT_ROUNDROBIN: u32 = 1;
pub const XMIT_ALL: u32 = 2;
pub const XMIT_FAILOVER: u32 = 3;
/// `failAlg` values.
pub const FAIL_MANUAL: u32 = 1;
pub const FAIL_NOTIFY: u32 = 2;

/// A hook name's link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    One,
    Many(u32),
}

/// Parses `one` or `manyN` (N in 0..64 written plainly: no sign, no
/// leading zero, nothing after it), as FreeBSD does.
pub fn parse_hook(name: &[u8]) -> Option<Link> {
    if name == b"one" {
        return Some(Link::One);
    }
    let n = name.strip_prefix(b"many")?;
    if n.is_empty() || n.len() > 2 || (n.len() > 1 && n[0] == b'0') {
        return None;
    }
    let mut v = 0u32;
    for &c in n {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    (v < MAX_LINKS).then_some(Link::Many(v))
}

/// The link a `getstats` argument names: `Some(None)` for `one`.
pub fn stats_link(n: i64) -> Option<Option<u32>> {
    match n {
        -1 => Some(None),
        0..=63 => Some(Some(n as u32)),
        _ => None,
    }
}

/// The node's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub xmit_alg: u32,
    pub fail_alg: u32,
    /// Bit N: link N is enabled.
    pub enabled: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            xmit_alg: XMIT_ROUNDROBIN,
            fail_alg: FAIL_MANUAL,
            enabled: 0,
        }
    }
}

/// Why `setconfig` refuses a configuration (`EINVAL`).
pub fn check(c: &Config) -> Result<(), &'static str> {
    if !(XMIT_ROUNDROBIN..=XMIT_FAILOVER).contains(&c.xmit_alg) {
        return Err("xmitAlg is 1 (round robin), 2 (all) or 3 (failover)");
    }
    if !(FAIL_MANUAL..=FAIL_NOTIFY).contains(&c.fail_alg) {
        return Err("failAlg is 1 (manual) or 2 (notify)");
    }
    Ok(())
}

/// The active links: connected (bit N of `connected`) and enabled.
pub fn active(connected: u64, enabled: u64) -> u64 {
    connected & enabled
}

/// What a change of the active set from `before` to `after` announces out
/// of `one`: `Some(false)` when the last active link went, `Some(true)`
/// when the first came.
pub fn announce(before: u64, after: u64) -> Option<bool> {
    match (before != 0, after != 0) {
        (true, false) => Some(false),
        (false, true) => Some(true),
        _ => None,
    }
}

/// The round-robin pick among `n` active links for counter value `next`.
pub fn round_robin(next: u32, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        next as usize % n
    }
}
