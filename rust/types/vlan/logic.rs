// SPDX-License-Identifier: GPL-2.0

//! Pure logic of the `vlan` node type (no kernel dependencies), shared
//! with the host tests: FreeBSD's filter arguments, tag fields, and where
//! a frame goes and how its tag changes.

/// The low 12 bits of a TCI: the VLAN ID.
pub const VID_MASK: u16 = 0x0fff;
/// Most VLAN IDs (0..=4095).
pub const VIDS: usize = 4096;
/// `setencap` bit: frames from filter hooks get an in-band tag.
pub const ENCAP_FROM_FILTER: u32 = 0x1;
/// `setencap` bit: an out-of-band tag on frames from `nomatch` goes in-band.
pub const ENCAP_FROM_NOMATCH: u32 = 0x2;
/// The 802.1Q TPID, the default `encap_proto`.
pub const ETH_P_8021Q: u16 = 0x8100;

/// FreeBSD's `struct ng_vlan_filter` without its hook name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterArgs {
    /// The old field name (FreeBSD 9 and before, and IMUNES).
    pub vlan: u16,
    pub vid: u16,
    pub pcp: u8,
    pub cfi: u8,
}

/// Why `addfilter` refuses a filter (all `EINVAL` in FreeBSD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterError {
    /// `vlan` and `vid` both given and different.
    Conflict,
    Vid,
    Pcp,
    Cfi,
}

impl FilterError {
    /// The extended-ACK text.
    pub fn message(self) -> &'static str {
        match self {
            FilterError::Conflict => "vlan and vid name different VLANs (give one of them)",
            FilterError::Vid => "a VLAN ID is 0 to 4095",
            FilterError::Pcp => "pcp is 0 to 7",
            FilterError::Cfi => "cfi is 0 or 1",
        }
    }
}

/// The TCI a filter writes on frames going downstream (PCP, CFI, VID), as
/// FreeBSD resolves the old (`vlan`) and new (`vid`) forms: `vid` wins when
/// set, `vlan` counts when `vid` is 0, both set must agree.
pub fn filter_tci(a: &FilterArgs) -> Result<u16, FilterError> {
    let vid = match (a.vid, a.vlan) {
        (0, v) => v,
        (v, 0) => v,
        (v, w) if v == w => v,
        _ => return Err(FilterError::Conflict),
    };
    if vid > VID_MASK {
        return Err(FilterError::Vid);
    }
    if a.pcp > 7 {
        return Err(FilterError::Pcp);
    }
    if a.cfi > 1 {
        return Err(FilterError::Cfi);
    }
    Ok(u16::from(a.pcp) << 13 | u16::from(a.cfi) << 12 | vid)
}

/// The fields of a TCI, as `gettable` prints them: VID, PCP, CFI.
pub fn tci_fields(tci: u16) -> (u16, u8, u8) {
    (tci & VID_MASK, (tci >> 13) as u8, ((tci >> 12) & 1) as u8)
}

/// The tag of a frame that arrived on `downstream`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// No tag: the frame goes to `nomatch` as it is.
    Untagged,
    /// Linux's accelerated tag (FreeBSD's `M_VLANTAG`), with this TCI.
    OutOfBand(u16),
    /// An 802.1Q header in the bytes, with this TCI.
    InBand(u16),
}

impl Tag {
    /// The VLAN ID a filter is looked up by.
    pub fn vid(self) -> Option<u16> {
        match self {
            Tag::Untagged => None,
            Tag::OutOfBand(t) | Tag::InBand(t) => Some(t & VID_MASK),
        }
    }
}

/// A frame too short for what its header says (FreeBSD: `EINVAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runt;

/// Reads the tag of a frame from `downstream`: `len` bytes long, `head`
/// its first bytes (as many as it has, up to 18), `oob` its out-of-band
/// TCI. An in-band tag is one whose TPID is `encap_proto`.
pub fn downstream_tag(
    len: u32,
    head: &[u8],
    oob: Option<u16>,
    encap_proto: u16,
) -> Result<Tag, Runt> {
    if len < 14 || head.len() < 14 {
        return Err(Runt);
    }
    if let Some(t) = oob {
        return Ok(Tag::OutOfBand(t));
    }
    if u16::from_be_bytes([head[12], head[13]]) != encap_proto {
        return Ok(Tag::Untagged);
    }
    if len < 18 || head.len() < 16 {
        return Err(Runt);
    }
    Ok(Tag::InBand(u16::from_be_bytes([head[14], head[15]])))
}

/// What happens to the tag of a frame going out of `downstream`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Egress {
    /// Sent as it is.
    Unchanged,
    /// An in-band tag with this TCI is inserted (TPID `encap_proto`).
    InBand(u16),
    /// The out-of-band tag becomes this TCI (TPID `encap_proto`).
    OutOfBand(u16),
    /// The out-of-band tag (this TCI) moves into the bytes.
    MoveInBand(u16),
}

/// From a filter hook whose filter writes `tci`.
pub fn from_filter(encap: u32, tci: u16) -> Egress {
    if encap & ENCAP_FROM_FILTER != 0 {
        Egress::InBand(tci)
    } else {
        Egress::OutOfBand(tci)
    }
}

/// From `nomatch`, the frame's out-of-band tag being `oob`.
pub fn from_nomatch(encap: u32, oob: Option<u16>) -> Egress {
    match oob {
        Some(t) if encap & ENCAP_FROM_NOMATCH != 0 => Egress::MoveInBand(t),
        _ => Egress::Unchanged,
    }
}
