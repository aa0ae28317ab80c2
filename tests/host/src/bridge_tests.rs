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
