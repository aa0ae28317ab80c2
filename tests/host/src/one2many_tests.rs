use crate::one2many_logic::*;

#[test]
fn hook_names_follow_freebsd() {
    assert_eq!(parse_hook(b"one"), Some(Link::One));
    assert_eq!(parse_hook(b"many0"), Some(Link::Many(0)));
    assert_eq!(parse_hook(b"many63"), Some(Link::Many(63)));
    for bad in [
        &b"many"[..],
        b"many64",
        b"many01",
        b"many1a",
        b"manyX",
        b"many-1",
        b"two",
        b"many100",
    ] {
        assert_eq!(parse_hook(bad), None, "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn stats_take_one_and_the_many_links() {
    assert_eq!(stats_link(-1), Some(None));
    assert_eq!(stats_link(0), Some(Some(0)));
    assert_eq!(stats_link(63), Some(Some(63)));
    assert_eq!(stats_link(64), None);
    assert_eq!(stats_link(-2), None);
}

#[test]
fn configs_are_checked() {
    assert_eq!(check(&Config::default()), Ok(()));
    let c = |x, f| Config {
        xmit_alg: x,
        fail_alg: f,
        enabled: 0,
    };
    assert!(check(&c(0, 1)).is_err());
    assert!(check(&c(4, 1)).is_err());
    assert!(check(&c(3, 0)).is_err());
    assert!(check(&c(3, 3)).is_err());
    assert_eq!(check(&c(3, 2)), Ok(()));
}

#[test]
fn the_active_set_and_its_announcements() {
    assert_eq!(active(0b111, 0b101), 0b101);
    assert_eq!(active(0b010, 0b101), 0);
    assert_eq!(announce(0b1, 0), Some(false));
    assert_eq!(announce(0, 0b100), Some(true));
    assert_eq!(announce(0b1, 0b11), None);
    assert_eq!(announce(0, 0), None);
}

#[test]
fn round_robin_cycles() {
    let picks: Vec<usize> = (0..6).map(|i| round_robin(i, 3)).collect();
    assert_eq!(picks, [0, 1, 2, 0, 1, 2]);
    assert_eq!(round_robin(5, 0), 0);
}
