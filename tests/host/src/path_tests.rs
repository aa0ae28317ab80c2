use crate::path::*;

fn hops(a: &Addr<'_>) -> Vec<String> {
    a.hops()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect()
}

#[test]
fn valid_addresses_from_freebsd_reference() {
    for (s, base, h) in [
        (".:", Base::Local, vec![]),
        (".", Base::Local, vec![]),
        ("[3f]:", Base::Id(0x3f), vec![]),
        ("foo:", Base::Name(b"foo"), vec![]),
        (".:hook1", Base::Local, vec!["hook1"]),
        ("hook1", Base::Local, vec!["hook1"]),
        (
            "foo:hook1.hook2",
            Base::Name(b"foo"),
            vec!["hook1", "hook2"],
        ),
        ("[d80]:hook1", Base::Id(0xd80), vec!["hook1"]),
        ("foo:.", Base::Name(b"foo"), vec![]),
        ("foo:.a.b.", Base::Name(b"foo"), vec!["a", "b"]),
        ("test hub:", Base::Name(b"test hub"), vec![]),
    ] {
        let a = parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        assert_eq!(a.base, base, "{s}");
        assert_eq!(hops(&a), h, "{s}");
    }
}

#[test]
fn invalid_addresses() {
    for s in [
        ":", ":hook", "a.b:", "foo:a..b", "foo:a:b", "a..b", "..", "foo:..", "x.:",
    ] {
        assert!(parse(s.as_bytes()).is_err(), "{s} should be invalid");
    }
}

#[test]
fn path_length_limit() {
    let ok = "a".repeat(PATH_MAX);
    assert!(parse(ok.as_bytes()).is_ok());
    let long = "a".repeat(PATH_MAX + 1);
    assert!(parse(long.as_bytes()).is_err());
}

#[test]
fn ids_parse_any_case_and_leading_zeros() {
    assert_eq!(parse_id(b"[1F]"), Some(0x1f));
    assert_eq!(parse_id(b"[0001f]"), Some(0x1f));
    assert_eq!(parse_id(b"[0]"), Some(0));
    assert_eq!(parse_id(b"[ffffffff]"), Some(u32::MAX));
    assert_eq!(parse_id(b"[100000000]"), None);
    assert_eq!(parse_id(b"[]"), None);
    assert_eq!(parse_id(b"[xyz]"), None);
    assert_eq!(parse_id(b"1f"), None);
}

#[test]
fn last_hop_is_the_entry_hook() {
    let a = parse(b"foo:a.b").unwrap();
    assert_eq!(a.last_hop(), Some(&b"b"[..]));
    assert_eq!(parse(b"foo:").unwrap().last_hop(), None);
}

#[test]
fn node_names() {
    assert!(check_node_name(b"test hub").is_ok());
    assert!(check_node_name(&[b'x'; 31]).is_ok());
    assert!(check_node_name(&[b'x'; 32]).is_err());
    assert!(check_node_name(b"").is_err());
    assert!(check_node_name(b"a.b").is_err());
    assert!(check_node_name(b"a:b").is_err());
    assert!(check_node_name(b"[1f]").is_err());
    // "[0]" is not a valid ID, so it may be a name, as in FreeBSD.
    assert!(check_node_name(b"[0]").is_ok());
    assert!(check_node_name(b"[zz]").is_ok());
}

#[test]
fn hook_names() {
    assert!(check_hook_name(b"link0").is_ok());
    assert!(check_hook_name(&[b'h'; 31]).is_ok());
    assert!(check_hook_name(&[b'h'; 32]).is_err());
    assert!(check_hook_name(b"").is_err());
    assert!(check_hook_name(b"a.b").is_err());
    assert!(check_hook_name(b"a:b").is_err());
}

#[test]
fn names_store_and_compare() {
    let a = Name::new(b"abc").unwrap();
    assert_eq!(a.as_bytes(), b"abc");
    assert!(Name::new(&[b'x'; 32]).is_none());
    assert!(Name::new(b"abc").unwrap() == a);
    assert!(Name::new(b"abd").unwrap() > a);
}

#[test]
fn ether_node_names_replace_dots_and_colons() {
    assert_eq!(
        ether_node_name(b"eth0.100").unwrap().as_bytes(),
        b"eth0_100"
    );
    assert_eq!(ether_node_name(b"a:b").unwrap().as_bytes(), b"a_b");
}

#[test]
fn eiface_names() {
    assert_eq!(eiface_name(0).as_bytes(), b"ngeth0");
    assert_eq!(eiface_name(10).as_bytes(), b"ngeth10");
    assert_eq!(eiface_name(u32::MAX).as_bytes(), b"ngeth4294967295");
}

#[test]
fn name_write_stops_at_name_max() {
    use core::fmt::Write;
    let mut n = Name::new(b"").unwrap();
    assert!(write!(n, "{}", "a".repeat(NAME_MAX - 1)).is_ok());
    assert!(write!(n, "bc").is_err(), "one byte too many");
    assert_eq!(n.as_bytes().len(), NAME_MAX - 1, "nothing appended on error");
    assert!(write!(n, "b").is_ok());
    assert_eq!(n.as_bytes().len(), NAME_MAX);
}
