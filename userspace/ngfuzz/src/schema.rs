//! The node types and their message schemas: asked from the kernel with
//! `NETGRAPH_CMD_LISTTYPES` and `NETGRAPH_CMD_GETTYPE` (through the
//! `netgraph` crate), or read from the fixture
//! `tests/fixtures/netgraph-types.json` (the YNL CLI's JSON of the gettype
//! dump) when there is no kernel to ask.

use netgraph::ascii::{Field, Kind, MsgSchema};
use serde_json::Value as J;

#[derive(Debug, Clone)]
pub struct TypeSchema {
    pub name: String,
    pub msgs: Vec<MsgSchema>,
}

/// Every type the running module has, with its messages.
pub fn from_kernel() -> Result<Vec<TypeSchema>, netgraph::Error> {
    let mut cl = netgraph::Client::open()?;
    let mut out = Vec::new();
    for t in cl.listtypes()? {
        let msgs = cl.gettype(&t.name)?;
        out.push(TypeSchema { name: t.name, msgs });
    }
    Ok(out)
}

/// The fixture's types.
pub fn from_fixture(path: &str) -> Result<Vec<TypeSchema>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let j: J = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    parse_fixture(&j).map_err(|e| format!("{path}: {e}"))
}

fn parse_fixture(j: &J) -> Result<Vec<TypeSchema>, String> {
    let mut out = Vec::new();
    for t in j.as_array().ok_or("not a list of types")? {
        // Either the normalised form ({name, msg}) or the raw dump ({type: ...}).
        let t = t.get("type").unwrap_or(t);
        let name = t
            .get("name")
            .and_then(J::as_str)
            .ok_or("type without name")?;
        let mut msgs = Vec::new();
        for m in t.get("msg").and_then(J::as_array).into_iter().flatten() {
            let top = |part: &str| -> Result<Option<Field>, String> {
                match m.get(part).and_then(J::as_array).and_then(|a| a.first()) {
                    Some(e) => field(elem(e)?).map(Some),
                    None => Ok(None),
                }
            };
            msgs.push(MsgSchema {
                name: m
                    .get("name")
                    .and_then(J::as_str)
                    .ok_or("message without name")?
                    .to_string(),
                id: m.get("id").and_then(J::as_u64).unwrap_or(0) as u32,
                args: top("args")?,
                reply: top("reply")?,
                dump: m.get("dump").is_some_and(|v| v != &J::Bool(false)),
                readonly: m.get("readonly").is_some_and(|v| v != &J::Bool(false)),
            });
        }
        out.push(TypeSchema {
            name: name.to_string(),
            msgs,
        });
    }
    Ok(out)
}

/// An element of a YNL indexed array: `{ "1": value }`.
fn elem(j: &J) -> Result<&J, String> {
    j.as_object()
        .and_then(|o| o.values().next())
        .ok_or_else(|| "bad indexed-array element".to_string())
}

fn field(j: &J) -> Result<Field, String> {
    let int = |k: &str| j.get(k).and_then(J::as_i64);
    let mut sub = Vec::new();
    for e in j.get("fields").and_then(J::as_array).into_iter().flatten() {
        sub.push(field(elem(e)?)?);
    }
    let kind = match j
        .get("kind")
        .and_then(J::as_str)
        .ok_or("field without kind")?
    {
        "u8" => Kind::U8,
        "u16" => Kind::U16,
        "u32" => Kind::U32,
        "u64" => Kind::U64,
        "s32" => Kind::S32,
        "s64" => Kind::S64,
        "hex32" => Kind::Hex32,
        "hex16" => Kind::Hex16,
        "string" => Kind::Str(int("maxval").unwrap_or(255).max(0) as usize),
        "ethaddr" => Kind::EthAddr,
        "struct" => Kind::Struct(sub),
        "array" => Kind::Array(Box::new(
            sub.into_iter().next().ok_or("array without element")?,
        )),
        k => return Err(format!("unknown field kind {k}")),
    };
    let range = match (&kind, int("minval"), int("maxval")) {
        (Kind::Str(_), ..) => None,
        (_, Some(lo), Some(hi)) => Some((lo, hi)),
        _ => None,
    };
    Ok(Field {
        name: j.get("name").and_then(J::as_str).unwrap_or("").to_string(),
        kind,
        default: int("default").unwrap_or(0),
        range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_has_every_type_and_shape() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/netgraph-types.json"
        );
        let types = from_fixture(path).unwrap();
        let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
        for t in ["bridge", "eiface", "ether", "hub", "pipe", "socket", "tee"] {
            assert!(names.contains(&t), "{t} missing");
        }
        let bridge = types.iter().find(|t| t.name == "bridge").unwrap();
        let gettable = bridge.msgs.iter().find(|m| m.name == "gettable").unwrap();
        assert!(gettable.dump && gettable.readonly);
        assert!(matches!(
            gettable.reply.as_ref().unwrap().kind,
            Kind::Struct(_)
        ));
        let movehost = bridge.msgs.iter().find(|m| m.name == "movehost").unwrap();
        assert!(movehost.args.is_some());
    }
}
