//! The family as its YNL spec describes it
//! (`Documentation/netlink/specs/netgraph.yaml`): every operation with its
//! number and the attributes of its do and dump requests, and every
//! attribute set with each attribute's number, type, nested set and checks.
//! Numbers follow YNL's rules: attributes and operations count from 1 in
//! order unless a `value` says otherwise.

use yaml_rust2::{Yaml, YamlLoader};

/// The type of an attribute (YNL's `type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrType {
    String,
    Binary,
    Flag,
    U8,
    U16,
    U32,
    U64,
    S8,
    S16,
    S32,
    S64,
    Nest,
    IndexedArray,
    Pad,
    Other(String),
}

impl AttrType {
    fn from_name(s: &str) -> Self {
        match s {
            "string" => AttrType::String,
            "binary" => AttrType::Binary,
            "flag" => AttrType::Flag,
            "u8" => AttrType::U8,
            "u16" => AttrType::U16,
            "u32" => AttrType::U32,
            "u64" | "uint" => AttrType::U64,
            "s8" => AttrType::S8,
            "s16" => AttrType::S16,
            "s32" => AttrType::S32,
            "s64" | "sint" => AttrType::S64,
            "nest" => AttrType::Nest,
            "indexed-array" => AttrType::IndexedArray,
            "pad" => AttrType::Pad,
            other => AttrType::Other(other.to_string()),
        }
    }

    /// The payload size of a fixed-size type.
    pub fn fixed_len(&self) -> Option<usize> {
        match self {
            AttrType::Flag => Some(0),
            AttrType::U8 | AttrType::S8 => Some(1),
            AttrType::U16 | AttrType::S16 => Some(2),
            AttrType::U32 | AttrType::S32 => Some(4),
            AttrType::U64 | AttrType::S64 => Some(8),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AttrSpec {
    pub name: String,
    pub value: u16,
    pub ty: AttrType,
    /// The attribute set of a nest's contents.
    pub nested: Option<String>,
    /// `checks: max-len` (a string's longest length without its NUL).
    pub max_len: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct AttrSet {
    pub name: String,
    pub attrs: Vec<AttrSpec>,
}

impl AttrSet {
    pub fn get(&self, name: &str) -> Option<&AttrSpec> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The largest attribute number.
    pub fn max_value(&self) -> u16 {
        self.attrs.iter().map(|a| a.value).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub struct Op {
    pub name: String,
    pub value: u8,
    pub set: String,
    /// Attributes of the do request (None: no do).
    pub do_req: Option<Vec<String>>,
    /// Attributes of the dump request (None: no dump).
    pub dump_req: Option<Vec<String>>,
    /// Attributes of an event (notifications only).
    pub event: Option<Vec<String>>,
}

impl Op {
    /// Whether userspace can send it (it has a do or a dump).
    pub fn is_request(&self) -> bool {
        self.do_req.is_some() || self.dump_req.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub consts: Vec<(String, i64)>,
    pub sets: Vec<AttrSet>,
    pub ops: Vec<Op>,
    pub mcast_groups: Vec<String>,
}

impl Spec {
    pub fn load(path: &str) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        Spec::parse(&text).map_err(|e| format!("{path}: {e}"))
    }

    pub fn parse(text: &str) -> Result<Spec, String> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
        let doc = docs.first().ok_or("empty YAML document")?;
        let name = doc["name"].as_str().ok_or("no family name")?.to_string();
        let mut consts = Vec::new();
        for d in doc["definitions"]
            .as_vec()
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if d["type"].as_str() == Some("const") {
                if let (Some(n), Some(v)) = (d["name"].as_str(), d["value"].as_i64()) {
                    consts.push((n.to_string(), v));
                }
            }
        }
        let int_of = |y: &Yaml| -> Option<i64> {
            y.as_i64().or_else(|| {
                let s = y.as_str()?;
                consts.iter().find(|(n, _)| n == s).map(|(_, v)| *v)
            })
        };
        let mut sets = Vec::new();
        for s in doc["attribute-sets"].as_vec().ok_or("no attribute-sets")? {
            let sname = s["name"].as_str().ok_or("attribute set without name")?;
            let mut attrs = Vec::new();
            let mut next: i64 = 1;
            for a in s["attributes"].as_vec().map(Vec::as_slice).unwrap_or(&[]) {
                let aname = a["name"].as_str().ok_or("attribute without name")?;
                if let Some(v) = a["value"].as_i64() {
                    next = v;
                }
                let value = u16::try_from(next)
                    .map_err(|_| format!("attribute {sname}.{aname}: value {next}"))?;
                next += 1;
                let checks = &a["checks"];
                attrs.push(AttrSpec {
                    name: aname.to_string(),
                    value,
                    ty: AttrType::from_name(a["type"].as_str().unwrap_or("binary")),
                    nested: a["nested-attributes"].as_str().map(str::to_string),
                    max_len: int_of(&checks["max-len"]).and_then(|v| usize::try_from(v).ok()),
                });
            }
            sets.push(AttrSet {
                name: sname.to_string(),
                attrs,
            });
        }
        let list = |y: &Yaml| -> Vec<String> {
            y.as_vec()
                .map(|v| {
                    v.iter()
                        .filter_map(|e| e.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut ops = Vec::new();
        let mut next: i64 = 1;
        for o in doc["operations"]["list"].as_vec().ok_or("no operations")? {
            let oname = o["name"].as_str().ok_or("operation without name")?;
            if let Some(v) = o["value"].as_i64() {
                next = v;
            }
            let value =
                u8::try_from(next).map_err(|_| format!("operation {oname}: value {next}"))?;
            next += 1;
            let req = |kind: &str| -> Option<Vec<String>> {
                let k = &o[kind];
                (!k.is_badvalue()).then(|| list(&k["request"]["attributes"]))
            };
            let event = &o["event"];
            ops.push(Op {
                name: oname.to_string(),
                value,
                set: o["attribute-set"].as_str().unwrap_or(&name).to_string(),
                do_req: req("do"),
                dump_req: req("dump"),
                event: (!event.is_badvalue()).then(|| list(&event["attributes"])),
            });
        }
        let mcast_groups = doc["mcast-groups"]["list"]
            .as_vec()
            .map(|v| {
                v.iter()
                    .filter_map(|g| g["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let spec = Spec {
            name,
            consts,
            sets,
            ops,
            mcast_groups,
        };
        for op in &spec.ops {
            let set = spec
                .set(&op.set)
                .ok_or_else(|| format!("operation {}: no attribute set {}", op.name, op.set))?;
            for a in op
                .do_req
                .iter()
                .chain(&op.dump_req)
                .chain(&op.event)
                .flatten()
            {
                if set.get(a).is_none() {
                    return Err(format!(
                        "operation {}: no attribute {a} in {}",
                        op.name, set.name
                    ));
                }
            }
        }
        Ok(spec)
    }

    pub fn set(&self, name: &str) -> Option<&AttrSet> {
        self.sets.iter().find(|s| s.name == name)
    }

    pub fn op(&self, name: &str) -> Option<&Op> {
        self.ops.iter().find(|o| o.name == name)
    }

    /// The number of attribute `attr` of set `set`.
    pub fn attr_value(&self, set: &str, attr: &str) -> Option<u16> {
        self.set(set)?.get(attr).map(|a| a.value)
    }

    pub fn constant(&self, name: &str) -> Option<i64> {
        self.consts.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// Differences between the spec and the uapi header the `netgraph`
    /// crate was built from (should be none).
    pub fn check_against_header(&self) -> Vec<String> {
        use netgraph::sys::netgraph_attr as a;
        use netgraph::sys::netgraph_cmd as c;
        let cmds: &[(&str, u32)] = &[
            ("socket", c::NETGRAPH_CMD_SOCKET),
            ("mkpeer", c::NETGRAPH_CMD_MKPEER),
            ("connect", c::NETGRAPH_CMD_CONNECT),
            ("name", c::NETGRAPH_CMD_NAME),
            ("rmhook", c::NETGRAPH_CMD_RMHOOK),
            ("shutdown", c::NETGRAPH_CMD_SHUTDOWN),
            ("nodeinfo", c::NETGRAPH_CMD_NODEINFO),
            ("listhooks", c::NETGRAPH_CMD_LISTHOOKS),
            ("listnodes", c::NETGRAPH_CMD_LISTNODES),
            ("listtypes", c::NETGRAPH_CMD_LISTTYPES),
            ("msg", c::NETGRAPH_CMD_MSG),
            ("data", c::NETGRAPH_CMD_DATA),
            ("evt-newnode", c::NETGRAPH_CMD_EVT_NEWNODE),
            ("evt-rename", c::NETGRAPH_CMD_EVT_RENAME),
            ("gettype", c::NETGRAPH_CMD_GETTYPE),
        ];
        let attrs: &[(&str, u32)] = &[
            ("path", a::NETGRAPH_A_PATH),
            ("type-name", a::NETGRAPH_A_TYPE_NAME),
            ("name", a::NETGRAPH_A_NAME),
            ("node", a::NETGRAPH_A_NODE),
            ("args", a::NETGRAPH_A_ARGS),
            ("data", a::NETGRAPH_A_DATA),
            ("pad", a::NETGRAPH_A_PAD),
        ];
        let mut out = Vec::new();
        for (n, v) in cmds {
            match self.op(n) {
                Some(op) if op.value as u32 == *v => {}
                Some(op) => out.push(format!(
                    "operation {n} is {} in the spec, {v} in the header",
                    op.value
                )),
                None => out.push(format!("operation {n} is missing from the spec")),
            }
        }
        for (n, v) in attrs {
            match self.attr_value(&self.name, n) {
                Some(x) if x as u32 == *v => {}
                Some(x) => out.push(format!(
                    "attribute {n} is {x} in the spec, {v} in the header"
                )),
                None => out.push(format!("attribute {n} is missing from the spec")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../Documentation/netlink/specs/netgraph.yaml"
        );
        Spec::load(path).expect("the family's spec")
    }

    #[test]
    fn the_spec_matches_the_header() {
        let s = spec();
        assert_eq!(s.name, "netgraph");
        assert_eq!(s.check_against_header(), Vec::<String>::new());
        assert_eq!(s.constant("ng-pathsiz"), Some(512));
        let path = s.set("netgraph").unwrap().get("path").unwrap();
        assert_eq!((path.value, path.max_len), (1, Some(511)));
        let mkpeer = s.op("mkpeer").unwrap();
        assert_eq!(mkpeer.value, 2);
        assert_eq!(
            mkpeer.do_req.as_deref().unwrap(),
            ["path", "type-name", "ourhook", "peerhook"]
        );
        assert!(mkpeer.dump_req.is_none());
        let lt = s.op("listtypes").unwrap();
        assert_eq!(lt.dump_req.as_deref(), Some(&[][..]));
        assert!(s.op("evt-newnode").unwrap().event.is_some());
        assert!(!s.op("evt-newnode").unwrap().is_request());
        assert_eq!(s.mcast_groups, ["events"]);
        let msg = s.op("msg").unwrap();
        assert!(msg.do_req.is_some() && msg.dump_req.is_some());
    }

    #[test]
    fn values_count_from_one_or_from_an_explicit_value() {
        let s = Spec::parse(
            "name: f\nattribute-sets:\n - name: f\n   attributes:\n    - {name: a, type: u32}\n    - {name: b, type: string, value: 7, checks: {max-len: sz}}\n    - {name: c, type: flag}\ndefinitions:\n - {type: const, name: sz, value: 9}\noperations:\n  list:\n   - {name: x, attribute-set: f, do: {request: {attributes: [a]}}}\n   - {name: y, value: 5, attribute-set: f, dump: {request: {attributes: [b, c]}}}\n   - {name: z, attribute-set: f, event: {attributes: [a]}}\n",
        )
        .unwrap();
        let f = s.set("f").unwrap();
        assert_eq!(
            f.attrs.iter().map(|a| a.value).collect::<Vec<_>>(),
            [1, 7, 8]
        );
        assert_eq!(f.get("b").unwrap().max_len, Some(9));
        assert_eq!(s.ops.iter().map(|o| o.value).collect::<Vec<_>>(), [1, 5, 6]);
        assert!(Spec::parse("name: f\nattribute-sets: []\noperations:\n  list:\n   - {name: x, attribute-set: g, do: {}}\n").is_err());
    }
}
