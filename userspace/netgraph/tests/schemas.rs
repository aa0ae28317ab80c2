//! Every message of every node type, through the ASCII codec: a sample
//! value of each argument and reply shape is printed in FreeBSD's form,
//! parsed back, encoded as attributes and decoded again, unchanged; and
//! malformed text is refused with the offending position.
//!
//! The shapes come from `tests/fixtures/netgraph-types.json`: the kernel's
//! `gettype` dump as the kernel tools' YNL CLI prints it with the family's
//! spec. The VM test `30-ynl` fails when the fixture and the running
//! module disagree, so this list is always the module's.

use netgraph::ascii::{self, Field, Kind, Value};
use netlink_packet_core::Nla;
use serde_json::Value as J;

fn fixture() -> J {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/netgraph-types.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// An element of a YNL indexed array: `{ "1": value }`.
fn elem(j: &J) -> &J {
    j.as_object()
        .and_then(|o| o.values().next())
        .expect("indexed-array element")
}

/// A field from the YNL JSON form of `enum netgraph_field_attr`.
fn field(j: &J) -> Field {
    let int = |k: &str| j.get(k).and_then(J::as_i64);
    let sub: Vec<Field> = j
        .get("fields")
        .and_then(J::as_array)
        .map(|a| a.iter().map(|e| field(elem(e))).collect())
        .unwrap_or_default();
    let kind = match j["kind"].as_str().expect("kind") {
        "u8" => Kind::U8,
        "u16" => Kind::U16,
        "u32" => Kind::U32,
        "u64" => Kind::U64,
        "s32" => Kind::S32,
        "s64" => Kind::S64,
        "hex32" => Kind::Hex32,
        "hex16" => Kind::Hex16,
        "string" => Kind::Str(int("maxval").expect("string length") as usize),
        "ethaddr" => Kind::EthAddr,
        "struct" => Kind::Struct(sub),
        "array" => Kind::Array(Box::new(sub.into_iter().next().expect("array element"))),
        k => panic!("unknown kind {k}"),
    };
    let range = match (&kind, int("minval"), int("maxval")) {
        (Kind::Str(_), ..) => None,
        (_, Some(lo), Some(hi)) => Some((lo, hi)),
        _ => None,
    };
    Field {
        name: j.get("name").and_then(J::as_str).unwrap_or("").to_string(),
        kind,
        default: int("default").unwrap_or(0),
        range,
    }
}

fn limits(k: &Kind) -> (i128, i128) {
    match k {
        Kind::U8 => (0, 255),
        Kind::U16 | Kind::Hex16 => (0, 65535),
        Kind::U32 | Kind::Hex32 => (0, u32::MAX as i128),
        Kind::U64 => (0, u64::MAX as i128),
        Kind::S32 => (i32::MIN as i128, i32::MAX as i128),
        _ => (i64::MIN as i128, i64::MAX as i128),
    }
}

/// A value of shape `f` with nothing at its default (so that printing
/// omits nothing), varied by `n`.
fn sample(f: &Field, n: &mut i128) -> Value {
    *n += 1;
    match &f.kind {
        Kind::Str(max) => Value::Str(format!("v{n}").into_bytes()[..(*max).min(3)].to_vec()),
        Kind::EthAddr => Value::Eth([2, 0, 0, 0, 0, *n as u8]),
        Kind::Struct(fs) => Value::Struct(
            fs.iter()
                .enumerate()
                .map(|(i, sf)| (i, sample(sf, n)))
                .collect(),
        ),
        Kind::Array(e) => Value::Array(vec![sample(e, n), sample(e, n)]),
        k => {
            let (lo, hi) = f.range.map_or(limits(k), |(a, b)| (a as i128, b as i128));
            let signed = matches!(k, Kind::S32 | Kind::S64);
            let want = if signed { -(*n) } else { 3 + *n };
            let mut v = want.clamp(lo, hi);
            if v == f.default as i128 {
                v = if v < hi { v + 1 } else { v - 1 };
            }
            Value::Int(v)
        }
    }
}

fn roundtrip(what: &str, f: &Field, n: &mut i128) {
    let v = sample(f, n);
    let text = ascii::format(&v, f);
    let back = ascii::parse(&text, f).unwrap_or_else(|e| panic!("{what}: {text}: {e}"));
    assert_eq!(back, v, "{what}: parse(format(v)) for {text}");
    let attr = ascii::encode(&v, f, 1);
    let mut buf = vec![0u8; attr.value_len()];
    attr.emit_value(&mut buf);
    assert_eq!(
        ascii::decode(&buf, f).unwrap(),
        v,
        "{what}: decode(encode(v))"
    );
    assert!(!ascii::to_json(&v, f).is_null(), "{what}: JSON");
    // Malformed: trailing text, and an unknown field in a struct.
    let e = ascii::parse(&format!("{text} junk"), f).unwrap_err();
    assert_eq!(e.pos, text.len() + 1, "{what}: position of trailing junk");
    if let Kind::Struct(_) = f.kind {
        let e = ascii::parse("{ nosuchfield=1 }", f).unwrap_err();
        assert_eq!(e.pos, 2, "{what}: position of an unknown field");
    }
}

#[test]
fn every_message_of_every_type_round_trips() {
    let types = fixture();
    let types = types.as_array().expect("a list of types");
    let mut names = Vec::new();
    let mut shapes = 0;
    let mut n = 0i128;
    for t in types {
        let tname = t["name"].as_str().unwrap();
        names.push(tname.to_string());
        for m in t.get("msg").and_then(J::as_array).into_iter().flatten() {
            let mname = m["name"].as_str().unwrap();
            for part in ["args", "reply"] {
                if let Some(top) = m.get(part).and_then(J::as_array).and_then(|a| a.first()) {
                    roundtrip(
                        &format!("{tname} {mname} {part}"),
                        &field(elem(top)),
                        &mut n,
                    );
                    shapes += 1;
                }
            }
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "bridge", "echo", "eiface", "etf", "ether", "hole", "hub", "one2many", "pipe",
            "socket", "tee", "vlan"
        ]
    );
    assert!(shapes >= 33, "only {shapes} shapes");
}
