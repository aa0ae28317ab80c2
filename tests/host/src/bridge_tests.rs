use crate::bridge_logic::*;

#[test]
fn hook_names_follow_freebsd() {
    assert_eq!(parse_hook(b"link0"), Some(HookName::Tag(0)));
    assert_eq!(parse_hook(b"link17"), Some(HookName::Tag(17)));
    assert_eq!(parse_hook(b"uplink1"), Some(HookName::Tag(UPLINK | 1)));
    assert_eq!(parse_hook(b"link"), Some(HookName::AnyLink));
    assert_eq!(parse_hook(b"uplink"), Some(HookName::AnyUplink));
    for bad in [
        &b"uplink0"[..],
        b"link01",
        b"link-1",
        b"link1x",
        b"lnk1",
        b"link+1",
        b"link99999999999",
        b"",
    ] {
        assert_eq!(parse_hook(bad), None, "{:?}", core::str::from_utf8(bad));
    }
}

#[test]
fn names_round_trip() {
    let mut buf = [0u8; 32];
    for tag in [0, 7, 10, 999, UPLINK | 1, UPLINK | 42] {
        let n = hook_name(tag, &mut buf);
        assert_eq!(parse_hook(&buf[..n]), Some(HookName::Tag(tag)));
    }
    let n = hook_name(UPLINK | 3, &mut buf);
    assert_eq!(&buf[..n], b"uplink3");
}

#[test]
fn negative_stats_numbers_are_uplinks() {
    assert_eq!(stats_tag(0), Some(0));
    assert_eq!(stats_tag(5), Some(5));
    assert_eq!(stats_tag(-2), Some(UPLINK | 2));
    assert_eq!(stats_tag(i32::MIN), None);
}

#[test]
fn learning_decisions() {
    assert_eq!(learn(None, 1, true, 1), Learn::Insert);
    assert_eq!(learn(None, 1, false, 1), Learn::Keep);
    assert_eq!(learn(Some((1, 0)), 1, true, 1), Learn::Keep);
    assert_eq!(learn(Some((2, 0)), 1, true, 1), Learn::Loop);
    assert_eq!(learn(Some((2, 1)), 1, true, 1), Learn::Move);
    assert_eq!(learn(Some((2, 5)), 1, false, 1), Learn::Move);
}

#[test]
fn find_sorted_finds_every_key_and_nothing_else() {
    for n in 0..40u32 {
        // Keys 1, 3, 5, ... and uplink tags above them.
        let v: Vec<u32> = (0..n)
            .map(|i| if i % 5 == 4 { UPLINK | i } else { 2 * i + 1 })
            .collect();
        let mut v = v;
        v.sort_unstable();
        for &k in &v {
            assert_eq!(find_sorted(&v, k, |&x| x), Some(&k));
        }
        for k in [0, 2, 2 * n + 2, u32::MAX, UPLINK] {
            if !v.contains(&k) {
                assert_eq!(find_sorted(&v, k, |&x| x), None, "n={n} k={k}");
            }
        }
    }
}
