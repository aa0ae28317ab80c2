//! The kernel's message-argument check (`rust/graph/msg_schema.rs`), fuzzed over
//! a byte-slice attribute iterator with the node types' real schemas (read
//! from `tests/fixtures/netgraph-types.json`, the kernel's own
//! `NETGRAPH_CMD_GETTYPE` output):
//!
//! - arbitrary bytes, and valid encodings with random bytes changed, never
//!   make the check panic (overflow checks are on in test builds);
//! - every value generated from a schema is accepted;
//! - every value with one break in it (an integer of the wrong width or out
//!   of range, a string without its NUL or too long, an address of 5 bytes,
//!   an unknown or repeated struct field, an array too long or with a
//!   misnumbered element, a second top-level value) is refused.
//!
//! PROPTEST_CASES sets the cases per property (`make fuzz` runs a million).

use crate::msg_schema::*;
use proptest::prelude::*;
use proptest::test_runner::TestRng;
use std::sync::OnceLock;

/// `NLA_TYPE_MASK`: the type without NLA_F_NESTED and NLA_F_NET_BYTEORDER.
const TYPE_MASK: u16 = 0x3fff;

/// An attribute inside a byte buffer: `buf` is the whole attribute, header
/// included, exactly `nla_len` bytes long.
#[derive(Clone, Copy)]
struct Bytes<'a> {
    buf: &'a [u8],
}

/// The attributes in `rem`, walked by the kernel's own `attr_walk`.
fn attrs(rem: &[u8]) -> impl Iterator<Item = Bytes<'_>> {
    attr_walk(rem).map(|buf| Bytes { buf })
}

/// `nla_ok()` of include/net/netlink.h, the reference for `attr_walk`.
fn nla_ok(rem: &[u8]) -> bool {
    rem.len() >= 4 && {
        let len = u16::from_ne_bytes([rem[0], rem[1]]) as usize;
        len >= 4 && len <= rem.len()
    }
}

#[test]
fn attr_walk_stops_where_nla_ok_does() {
    // Two good attributes (the first padded), then garbage.
    let mut buf = attr(1, &[9]);
    buf.extend(attr(2, &[1, 2, 3, 4]));
    let good = buf.len();
    for tail in [&[][..], &[1, 0][..], &[3, 0, 1, 0][..], &[200, 0, 1, 0, 0, 0][..]] {
        let mut b = buf.clone();
        b.extend_from_slice(tail);
        let got: Vec<&[u8]> = attr_walk(&b).collect();
        assert_eq!(got.len(), 2, "tail {tail:?}");
        assert_eq!(got[0], &b[..5]);
        assert_eq!(got[1], &b[8..good]);
        assert!(!nla_ok(&b[good..]));
    }
}

proptest! {
    /// On any bytes, the walk yields exactly the attributes the kernel's
    /// `nla_for_each_attr` would, in place.
    #[test]
    fn attr_walk_is_nla_for_each_attr(b in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut want = Vec::new();
        let mut rem = &b[..];
        while nla_ok(rem) {
            let len = u16::from_ne_bytes([rem[0], rem[1]]) as usize;
            want.push(&rem[..len]);
            rem = rem.get((len + 3) & !3..).unwrap_or(&[]);
        }
        let got: Vec<&[u8]> = attr_walk(&b).collect();
        prop_assert_eq!(got, want);
    }
}

impl<'a> ArgAttr<'a> for Bytes<'a> {
    fn kind(&self) -> u32 {
        (u16::from_ne_bytes([self.buf[2], self.buf[3]]) & TYPE_MASK) as u32
    }

    fn payload(&self) -> &'a [u8] {
        &self.buf[4..]
    }

    fn nested(self) -> impl Iterator<Item = Self> + 'a {
        attrs(&self.buf[4..])
    }
}

/// One attribute: header, payload, padding.
fn attr(kind: u16, payload: &[u8]) -> Vec<u8> {
    let len = 4 + payload.len();
    let mut v = Vec::with_capacity((len + 3) & !3);
    v.extend_from_slice(&(len.min(0xffff) as u16).to_ne_bytes());
    v.extend_from_slice(&kind.to_ne_bytes());
    v.extend_from_slice(payload);
    v.resize((len + 3) & !3, 0);
    v
}

/// Runs the check on `payload` as the contents of `NETGRAPH_A_ARGS`.
fn check_payload(d: &MsgDesc, payload: &[u8]) -> Result<bool, &'static str> {
    let nest = attr(8 | 0x8000, payload);
    let a = attrs(&nest).next();
    check_args(d, a).map(|v| v.is_some())
}

// --- the node types' schemas, from the fixture ---

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

fn field(j: &serde_json::Value) -> Field {
    let (_, f) = j.as_object().unwrap().iter().next().unwrap();
    let name: &'static str = Box::leak(f["name"].as_str().unwrap_or("").to_string().into_boxed_str());
    let int = |k: &str| f.get(k).and_then(|v| v.as_i64());
    let sub = || -> Vec<Field> {
        f.get("fields")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().map(field).collect())
            .unwrap_or_default()
    };
    let kind = match f["kind"].as_str().unwrap() {
        "u8" => Kind::U8,
        "u16" => Kind::U16,
        "u32" => Kind::U32,
        "u64" => Kind::U64,
        "s32" => Kind::S32,
        "s64" => Kind::S64,
        "hex32" => Kind::Hex32,
        "hex16" => Kind::Hex16,
        "ethaddr" => Kind::EthAddr,
        "string" => Kind::Str(int("maxval").unwrap() as usize),
        "struct" => Kind::Struct(Box::leak(sub().into_boxed_slice())),
        "array" => Kind::Array {
            elem: leak(sub().remove(0)),
            max: int("maxval").unwrap_or(64) as usize,
        },
        k => panic!("unknown kind {k}"),
    };
    let mut fl = Field::new(name, kind).default(int("default").unwrap_or(0));
    if fl.kind.width().is_some() {
        if let (Some(min), Some(max)) = (int("minval"), int("maxval")) {
            fl.min = min;
            fl.max = max;
        }
    }
    fl
}

/// Every message of every type that takes an argument, plus a few made
/// up to reach every kind and a deep nesting.
fn schemas() -> &'static [(String, MsgDesc)] {
    static S: OnceLock<Vec<(String, MsgDesc)>> = OnceLock::new();
    S.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/netgraph-types.json");
        let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut v = Vec::new();
        for t in j.as_array().unwrap() {
            for m in t.get("msg").and_then(|m| m.as_array()).into_iter().flatten() {
                let args = m.get("args").and_then(|a| a.as_array()).map(|a| field(&a[0]));
                let name = format!("{} {}", t["name"].as_str().unwrap(), m["name"].as_str().unwrap());
                v.push((name, MsgDesc::set("m", 1, args)));
            }
        }
        static INNER: [Field; 4] = [
            Field::new("a", Kind::U16),
            Field::range("b", Kind::S64, -5, 5),
            Field::new("c", Kind::Hex32),
            Field::new("d", Kind::Str(3)),
        ];
        static ELEM: Field = Field::new("", Kind::Struct(&INNER));
        static OUTER: [Field; 3] = [
            Field::new("list", Kind::Array { elem: &ELEM, max: 4 }),
            Field::range("small", Kind::U8, 1, 9),
            Field::new("mac", Kind::EthAddr),
        ];
        v.push((
            "made-up nested".into(),
            MsgDesc::set("m", 1, Some(Field::new("", Kind::Struct(&OUTER)))),
        ));
        v.push((
            "made-up array of strings".into(),
            MsgDesc::set(
                "m",
                1,
                Some(Field::new(
                    "",
                    Kind::Array {
                        elem: leak(Field::new("", Kind::Str(5))),
                        max: 3,
                    },
                )),
            ),
        ));
        v.push(("made-up no argument".into(), MsgDesc::set("m", 1, None)));
        v
    })
}

// --- generating values, and breaking them ---

fn int_range(f: &Field) -> (i128, i128) {
    if f.ranged() {
        return (f.min as i128, f.max as i128);
    }
    let w = f.kind.width().unwrap() as u32 * 8;
    if f.kind.signed() {
        (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1)
    } else {
        (0, (1i128 << w) - 1)
    }
}

fn int_bytes(w: usize, v: i128) -> Vec<u8> {
    (v as u64).to_ne_bytes()[..w].to_vec()
}

/// A valid encoding of a value of `f` at position `pos`. With `brk`, one
/// break somewhere in it (false when the shape offers none there).
fn gen(f: &Field, pos: u16, rng: &mut TestRng, brk: &mut bool) -> Vec<u8> {
    // Break here, or deeper down.
    let here = *brk && rng.random_ratio(1, 3);
    if let Some(w) = f.kind.width() {
        let (lo, hi) = int_range(f);
        let v = rng.random_range(lo..=hi);
        if here {
            *brk = false;
            if f.ranged() && hi < i128::from(i64::MAX) && rng.random_bool(0.5) {
                return attr(pos, &int_bytes(w, hi + 1));
            }
            let bad = [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 16]
                .into_iter()
                .filter(|&n| n != w)
                .nth(rng.random_range(0..9))
                .unwrap();
            let mut b = int_bytes(8, v);
            b.resize(bad, 0xab);
            return attr(pos, &b);
        }
        return attr(pos, &int_bytes(w, v));
    }
    match &f.kind {
        Kind::Str(max) => {
            let n = rng.random_range(0..=*max);
            let mut s: Vec<u8> = (0..n).map(|_| rng.random_range(1..=255u8)).collect();
            if here {
                *brk = false;
                if rng.random_bool(0.5) {
                    // Too long.
                    s.extend((0..=rng.random_range(0..4)).map(|_| b'x'));
                    s.resize(max + 1 + (s.len() - n), b'x');
                    s.push(0);
                }
                // else: no NUL at all.
                return attr(pos, &s);
            }
            s.push(0);
            // Bytes after the NUL are allowed (the kernel reads to the NUL).
            s.extend((0..rng.random_range(0..3)).map(|_| rng.random::<u8>()));
            attr(pos, &s)
        }
        Kind::EthAddr => {
            let n = if here {
                *brk = false;
                [0, 5, 7, 12][rng.random_range(0..4)]
            } else {
                6
            };
            attr(pos, &(0..n).map(|_| rng.random::<u8>()).collect::<Vec<_>>())
        }
        Kind::Struct(fs) => {
            let mut idx: Vec<usize> = (0..fs.len()).filter(|_| rng.random_bool(0.7)).collect();
            // Any order.
            for i in (1..idx.len()).rev() {
                idx.swap(i, rng.random_range(0..=i));
            }
            let mut body = Vec::new();
            for &i in &idx {
                body.extend(gen(&fs[i], i as u16 + 1, rng, brk));
            }
            if here && *brk {
                *brk = false;
                if !idx.is_empty() && rng.random_bool(0.5) {
                    let i = idx[0];
                    let mut ok = false;
                    body.extend(gen(&fs[i], i as u16 + 1, rng, &mut ok));
                } else {
                    let unknown = [0, fs.len() as u16 + 1, 65][rng.random_range(0..3)];
                    body.extend(attr(unknown, &[1, 2, 3, 4]));
                }
            }
            attr(pos | 0x8000, &body)
        }
        Kind::Array { elem, max } => {
            let n = rng.random_range(0..=*max);
            let mut body = Vec::new();
            for _ in 0..n {
                body.extend(gen(elem, 1, rng, brk));
            }
            if here && *brk {
                *brk = false;
                let mut ok = false;
                if rng.random_bool(0.5) {
                    for _ in n..=*max {
                        body.extend(gen(elem, 1, rng, &mut ok));
                    }
                } else {
                    body.extend(gen(elem, 2, rng, &mut ok));
                }
            }
            attr(pos | 0x8000, &body)
        }
        _ => unreachable!("integers are handled above"),
    }
}

fn pick(seed: u64) -> &'static (String, MsgDesc) {
    let s = schemas();
    &s[(seed % s.len() as u64) as usize]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(i in any::<u64>(), bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (_, d) = pick(i);
        let _ = check_payload(d, &bytes);
    }

    #[test]
    fn valid_values_are_accepted(i in any::<u64>(), seed in any::<[u8; 32]>()) {
        let (name, d) = pick(i);
        let Some(f) = &d.args else {
            prop_assert_eq!(check_payload(d, &[]), Ok(false));
            prop_assert!(check_payload(d, &attr(1, &[0; 4])).is_err());
            return Ok(());
        };
        let mut rng = TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed);
        let mut no = false;
        let v = gen(f, 1, &mut rng, &mut no);
        prop_assert_eq!(check_payload(d, &v), Ok(true), "{}: {:02x?}", name, v);
        prop_assert!(check_payload(d, &[]).is_err(), "{}: no argument accepted", name);
        let mut two = v.clone();
        two.extend_from_slice(&v);
        prop_assert!(check_payload(d, &two).is_err(), "{}: two top-level values accepted", name);
    }

    #[test]
    fn broken_values_are_refused(i in any::<u64>(), seed in any::<[u8; 32]>()) {
        let (name, d) = pick(i);
        let Some(f) = &d.args else { return Ok(()) };
        let mut rng = TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed);
        // Keep trying until a break landed (shapes with optional parts may
        // generate none on the first try).
        for _ in 0..64 {
            let mut brk = true;
            let v = gen(f, 1, &mut rng, &mut brk);
            if !brk {
                prop_assert!(check_payload(d, &v).is_err(), "{}: accepted {:02x?}", name, v);
                return Ok(());
            }
        }
    }

    #[test]
    fn changed_bytes_never_panic(i in any::<u64>(), seed in any::<[u8; 32]>(), flips in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..6)) {
        let (_, d) = pick(i);
        let Some(f) = &d.args else { return Ok(()) };
        let mut rng = TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed);
        let mut no = false;
        let mut v = gen(f, 1, &mut rng, &mut no);
        for (at, b) in flips {
            let n = v.len();
            v[at as usize % n] = b;
        }
        let _ = check_payload(d, &v);
    }
}

#[test]
fn fixture_schemas_are_read() {
    // bridge, eiface, ether and pipe take arguments; the made-up ones.
    assert!(schemas().iter().filter(|(_, d)| d.args.is_some()).count() >= 14);
}

#[test]
fn nesting_deeper_than_eight_is_refused() {
    static L0: Field = Field::new("", Kind::U8);
    static A1: Field = Field::new("", Kind::Array { elem: &L0, max: 2 });
    static A2: Field = Field::new("", Kind::Array { elem: &A1, max: 2 });
    static A3: Field = Field::new("", Kind::Array { elem: &A2, max: 2 });
    static A4: Field = Field::new("", Kind::Array { elem: &A3, max: 2 });
    static A5: Field = Field::new("", Kind::Array { elem: &A4, max: 2 });
    static A6: Field = Field::new("", Kind::Array { elem: &A5, max: 2 });
    static A7: Field = Field::new("", Kind::Array { elem: &A6, max: 2 });
    static A8: Field = Field::new("", Kind::Array { elem: &A7, max: 2 });
    static A9: Field = Field::new("", Kind::Array { elem: &A8, max: 2 });
    let d = MsgDesc::set("m", 1, Some(Field::new("", Kind::Array { elem: &A9, max: 2 })));
    let mut v = attr(1, &[7]);
    for _ in 0..10 {
        v = attr(1 | 0x8000, &v);
    }
    assert_eq!(check_payload(&d, &v), Err("message arguments nested too deeply"));
}
