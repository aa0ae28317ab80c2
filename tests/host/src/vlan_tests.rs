use crate::vlan_logic::*;

fn args(vlan: u16, vid: u16, pcp: u8, cfi: u8) -> FilterArgs {
    FilterArgs {
        vlan,
        vid,
        pcp,
        cfi,
    }
}

#[test]
fn old_and_new_filter_forms_resolve_as_freebsd() {
    // IMUNES's old form: only `vlan`.
    assert_eq!(filter_tci(&args(123, 0, 0, 0)), Ok(123));
    // The new form, with priority and CFI written on egress.
    assert_eq!(filter_tci(&args(0, 200, 5, 0)), Ok(5 << 13 | 200));
    assert_eq!(filter_tci(&args(0, 7, 0, 1)), Ok(1 << 12 | 7));
    // Both, agreeing.
    assert_eq!(filter_tci(&args(9, 9, 0, 0)), Ok(9));
    // Neither: VLAN 0 (priority-tagged frames).
    assert_eq!(filter_tci(&args(0, 0, 3, 0)), Ok(3 << 13));
}

#[test]
fn bad_filters_are_refused() {
    assert_eq!(filter_tci(&args(10, 11, 0, 0)), Err(FilterError::Conflict));
    assert_eq!(filter_tci(&args(0, 4096, 0, 0)), Err(FilterError::Vid));
    assert_eq!(filter_tci(&args(5000, 0, 0, 0)), Err(FilterError::Vid));
    assert_eq!(filter_tci(&args(0, 1, 8, 0)), Err(FilterError::Pcp));
    assert_eq!(filter_tci(&args(0, 1, 0, 2)), Err(FilterError::Cfi));
    assert_eq!(filter_tci(&args(0, 4095, 7, 1)), Ok(0xffff));
}

#[test]
fn tci_fields_split_back() {
    assert_eq!(tci_fields(5 << 13 | 1 << 12 | 300), (300, 5, 1));
    assert_eq!(tci_fields(0), (0, 0, 0));
}

fn frame(ethertype: u16, tci: u16) -> [u8; 18] {
    let mut f = [0u8; 18];
    f[12..14].copy_from_slice(&ethertype.to_be_bytes());
    f[14..16].copy_from_slice(&tci.to_be_bytes());
    f
}

#[test]
fn downstream_tags_are_read_in_band_and_out_of_band() {
    let tagged = frame(0x8100, 0x2000 | 42);
    assert_eq!(
        downstream_tag(64, &tagged, None, ETH_P_8021Q),
        Ok(Tag::InBand(0x2000 | 42))
    );
    assert_eq!(Tag::InBand(0x2000 | 42).vid(), Some(42));
    // The out-of-band tag wins over whatever the bytes say.
    assert_eq!(
        downstream_tag(64, &tagged, Some(7), ETH_P_8021Q),
        Ok(Tag::OutOfBand(7))
    );
    // Only the configured TPID counts as a tag (802.1ad here).
    assert_eq!(downstream_tag(64, &tagged, None, 0x88a8), Ok(Tag::Untagged));
    let qinq = frame(0x88a8, 5);
    assert_eq!(downstream_tag(64, &qinq, None, 0x88a8), Ok(Tag::InBand(5)));
    let ip = frame(0x0800, 0);
    assert_eq!(
        downstream_tag(64, &ip, None, ETH_P_8021Q),
        Ok(Tag::Untagged)
    );
    assert_eq!(Tag::Untagged.vid(), None);
}

#[test]
fn short_frames_are_runts() {
    let tagged = frame(0x8100, 1);
    assert_eq!(
        downstream_tag(13, &tagged[..13], None, ETH_P_8021Q),
        Err(Runt)
    );
    // A tag needs 18 bytes; an untagged frame only its header.
    assert_eq!(
        downstream_tag(17, &tagged[..17], None, ETH_P_8021Q),
        Err(Runt)
    );
    assert_eq!(
        downstream_tag(14, &frame(0x0800, 0)[..14], None, ETH_P_8021Q),
        Ok(Tag::Untagged)
    );
    // An out-of-band tag needs no bytes for itself.
    assert_eq!(
        downstream_tag(14, &tagged[..14], Some(3), ETH_P_8021Q),
        Ok(Tag::OutOfBand(3))
    );
}

#[test]
fn egress_follows_the_encap_bits() {
    assert_eq!(from_filter(ENCAP_FROM_FILTER, 10), Egress::InBand(10));
    assert_eq!(from_filter(0, 10), Egress::OutOfBand(10));
    assert_eq!(from_filter(ENCAP_FROM_NOMATCH, 10), Egress::OutOfBand(10));
    assert_eq!(from_nomatch(ENCAP_FROM_FILTER, Some(3)), Egress::Unchanged);
    assert_eq!(
        from_nomatch(ENCAP_FROM_NOMATCH, Some(3)),
        Egress::MoveInBand(3)
    );
    assert_eq!(from_nomatch(ENCAP_FROM_NOMATCH, None), Egress::Unchanged);
}
