//! FreeBSD's generic messages (`ng_generic_cmds`, cookie
//! `NGM_GENERIC_COOKIE`) in their ASCII form, so that `ngctl msg l0:
//! shutdown` or `msg foo: mkpeer { type="hub" ourhook="a" peerhook="b" }`
//! — how IMUNES and other FreeBSD clients drive a graph — work unchanged.
//!
//! FreeBSD's `ng_base` answers these for every node; here each one maps to
//! the family command that does the same thing, and the reply is built in
//! FreeBSD's reply structure (`nodeinfo`, `hooklist`, `namelist`,
//! `typelist`), so it prints field for field as FreeBSD's ngctl prints it.
//! As in FreeBSD, a type's own message of the same name wins
//! ([`crate::Client::msg_text`] looks at the type's list first).

use crate::ascii::{self, Field, Kind, Value};
use crate::{Client, LinkInfo, NodeInfo, TypeInfo};

/// `NGM_GENERIC_COOKIE`.
pub const NGM_GENERIC_COOKIE: u32 = crate::sys::NGM_GENERIC_COOKIE;
/// `NGM_READONLY`: the command changes nothing.
pub const NGM_READONLY: u32 = 0x1000_0000;
/// `NGM_HASREPLY`: the command is answered.
pub const NGM_HASREPLY: u32 = 0x2000_0000;

// `ng_message.h` buffer sizes, less the terminating NUL.
const NODE_LEN: usize = crate::sys::NG_NODESIZ as usize - 1;
const TYPE_LEN: usize = crate::sys::NG_TYPESIZ as usize - 1;
const HOOK_LEN: usize = crate::sys::NG_HOOKSIZ as usize - 1;
const PATH_LEN: usize = crate::sys::NG_PATHSIZ as usize - 1;

/// One generic message, in the order of FreeBSD's ASCII table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generic {
    Shutdown,
    Mkpeer,
    Connect,
    Name,
    Rmhook,
    Nodeinfo,
    Listhooks,
    Listnames,
    Listnodes,
    Listtypes,
    Textconfig,
    Textstatus,
    Ascii2binary,
    Binary2ascii,
}

impl Generic {
    /// Every generic message.
    pub const ALL: [Generic; 14] = [
        Generic::Shutdown,
        Generic::Mkpeer,
        Generic::Connect,
        Generic::Name,
        Generic::Rmhook,
        Generic::Nodeinfo,
        Generic::Listhooks,
        Generic::Listnames,
        Generic::Listnodes,
        Generic::Listtypes,
        Generic::Textconfig,
        Generic::Textstatus,
        Generic::Ascii2binary,
        Generic::Binary2ascii,
    ];

    /// The ASCII name (`cmdstr`).
    pub fn name(self) -> &'static str {
        match self {
            Generic::Shutdown => "shutdown",
            Generic::Mkpeer => "mkpeer",
            Generic::Connect => "connect",
            Generic::Name => "name",
            Generic::Rmhook => "rmhook",
            Generic::Nodeinfo => "nodeinfo",
            Generic::Listhooks => "listhooks",
            Generic::Listnames => "listnames",
            Generic::Listnodes => "listnodes",
            Generic::Listtypes => "listtypes",
            Generic::Textconfig => "textconfig",
            Generic::Textstatus => "textstatus",
            Generic::Ascii2binary => "ascii2binary",
            Generic::Binary2ascii => "binary2ascii",
        }
    }

    /// The message of this ASCII name.
    pub fn by_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.name() == s)
    }

    /// The command number with its flag bits, as FreeBSD's ngctl prints it.
    pub fn cmd(self) -> u32 {
        let ro = NGM_READONLY | NGM_HASREPLY;
        match self {
            Generic::Shutdown => 1,
            Generic::Mkpeer => 2,
            Generic::Connect => 3,
            Generic::Name => 4,
            Generic::Rmhook => 5,
            Generic::Nodeinfo => 6 | ro,
            Generic::Listhooks => 7 | ro,
            Generic::Listnames => 8 | ro,
            Generic::Listnodes => 9 | ro,
            Generic::Listtypes => 10 | ro,
            Generic::Textstatus => 11 | ro,
            Generic::Binary2ascii => 12 | ro,
            Generic::Ascii2binary => 13 | ro,
            Generic::Textconfig => 14,
        }
    }

    /// The argument's shape (FreeBSD's parse type), if it takes one.
    pub fn args(self) -> Option<Field> {
        let s = |n: &str, len| field(n, Kind::Str(len));
        let st = |fields| field("", Kind::Struct(fields));
        match self {
            Generic::Mkpeer => Some(st(vec![
                s("type", TYPE_LEN),
                s("ourhook", HOOK_LEN),
                s("peerhook", HOOK_LEN),
            ])),
            Generic::Connect => Some(st(vec![
                s("path", PATH_LEN),
                s("ourhook", HOOK_LEN),
                s("peerhook", HOOK_LEN),
            ])),
            Generic::Name => Some(st(vec![s("name", NODE_LEN)])),
            Generic::Rmhook => Some(st(vec![s("hook", HOOK_LEN)])),
            _ => None,
        }
    }

    /// The reply's shape, if it has one.
    pub fn reply(self) -> Option<Field> {
        match self {
            Generic::Nodeinfo => Some(nodeinfo_field("")),
            Generic::Listhooks => Some(field(
                "",
                Kind::Struct(vec![
                    nodeinfo_field("nodeinfo"),
                    field(
                        "linkinfo",
                        Kind::Array(Box::new(field(
                            "",
                            Kind::Struct(vec![
                                field("ourhook", Kind::Str(HOOK_LEN)),
                                field("peerhook", Kind::Str(HOOK_LEN)),
                                nodeinfo_field("nodeinfo"),
                            ]),
                        ))),
                    ),
                ]),
            )),
            Generic::Listnames | Generic::Listnodes => Some(field(
                "",
                Kind::Struct(vec![
                    field("numnames", Kind::U32),
                    field("nodeinfo", Kind::Array(Box::new(nodeinfo_field("")))),
                ]),
            )),
            Generic::Listtypes => Some(field(
                "",
                Kind::Struct(vec![
                    field("numtypes", Kind::U32),
                    field(
                        "typeinfo",
                        Kind::Array(Box::new(field(
                            "",
                            Kind::Struct(vec![
                                field("typename", Kind::Str(TYPE_LEN)),
                                field("numnodes", Kind::U32),
                            ]),
                        ))),
                    ),
                ]),
            )),
            _ => None,
        }
    }
}

fn field(name: &str, kind: Kind) -> Field {
    Field {
        name: name.to_string(),
        kind,
        default: 0,
        range: None,
    }
}

fn nodeinfo_field(name: &str) -> Field {
    field(
        name,
        Kind::Struct(vec![
            field("name", Kind::Str(NODE_LEN)),
            field("type", Kind::Str(TYPE_LEN)),
            field("id", Kind::Hex32),
            field("hooks", Kind::U32),
        ]),
    )
}

fn str_val(s: &str) -> Value {
    Value::Str(s.as_bytes().to_vec())
}

/// `struct nodeinfo`.
pub fn nodeinfo_value(n: &NodeInfo) -> Value {
    Value::Struct(vec![
        (0, str_val(n.name.as_deref().unwrap_or(""))),
        (1, str_val(&n.type_name)),
        (2, Value::Int(n.id.into())),
        (3, Value::Int(n.hooks.into())),
    ])
}

/// `struct hooklist`.
pub fn hooklist_value(n: &NodeInfo, links: &[LinkInfo]) -> Value {
    let links = links
        .iter()
        .map(|l| {
            Value::Struct(vec![
                (0, str_val(&l.ourhook)),
                (1, str_val(&l.peerhook)),
                (2, nodeinfo_value(&l.peer)),
            ])
        })
        .collect();
    Value::Struct(vec![(0, nodeinfo_value(n)), (1, Value::Array(links))])
}

/// `struct namelist`.
pub fn namelist_value(nodes: &[NodeInfo]) -> Value {
    Value::Struct(vec![
        (0, Value::Int(nodes.len() as i128)),
        (1, Value::Array(nodes.iter().map(nodeinfo_value).collect())),
    ])
}

/// `struct typelist`.
pub fn typelist_value(types: &[TypeInfo]) -> Value {
    let t = types
        .iter()
        .map(|t| {
            Value::Struct(vec![
                (0, str_val(&t.name)),
                (1, Value::Int(t.numnodes.into())),
            ])
        })
        .collect();
    Value::Struct(vec![
        (0, Value::Int(types.len() as i128)),
        (1, Value::Array(t)),
    ])
}

/// The string field `i` of a parsed argument struct (empty if absent).
fn arg_str(v: &Value, i: usize) -> String {
    match v {
        Value::Struct(items) => items
            .iter()
            .find(|(j, _)| *j == i)
            .and_then(|(_, v)| match v {
                Value::Str(s) => Some(String::from_utf8_lossy(s).into_owned()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

impl Client {
    /// Sends generic message `g` with argument `text` to the node at `path`
    /// (already looked up as `node`). Returns the reply's value, if the
    /// message has a reply.
    pub(crate) fn msg_generic(
        &mut self,
        path: &str,
        node: &NodeInfo,
        g: Generic,
        text: &str,
    ) -> Result<Option<Value>, crate::MsgError> {
        use crate::MsgError;
        let arg = match (g.args(), text.trim().is_empty()) {
            (None, true) => None,
            (None, false) => return Err(MsgError::TakesNoArgs(g.name().to_string())),
            (Some(f), true) => Some(ascii::default_value(&f)),
            (Some(f), false) => match ascii::parse(text, &f) {
                Ok(v) => Some(v),
                Err(e) => return Err(MsgError::Parse(e.show(text))),
            },
        };
        let a = |i| arg.as_ref().map(|v| arg_str(v, i)).unwrap_or_default();
        let value = match g {
            Generic::Shutdown => {
                self.shutdown(path)?;
                None
            }
            Generic::Mkpeer => {
                self.mkpeer(path, &a(0), &a(1), &a(2))?;
                None
            }
            Generic::Connect => {
                self.connect(path, &a(0), &a(1), &a(2))?;
                None
            }
            Generic::Name => {
                self.name(path, &a(0))?;
                None
            }
            Generic::Rmhook => {
                self.rmhook(path, &a(0))?;
                None
            }
            Generic::Nodeinfo => Some(nodeinfo_value(node)),
            Generic::Listhooks => {
                let (n, links) = self.listhooks(path)?;
                Some(hooklist_value(&n, &links))
            }
            Generic::Listnames | Generic::Listnodes => {
                let nodes = self.listnodes(g == Generic::Listnames)?;
                Some(namelist_value(&nodes))
            }
            Generic::Listtypes => Some(typelist_value(&self.listtypes()?)),
            Generic::Textconfig | Generic::Textstatus => {
                return Err(MsgError::NoText {
                    type_name: node.type_name.clone(),
                    cmd: g.name().to_string(),
                })
            }
            Generic::Ascii2binary | Generic::Binary2ascii => {
                return Err(MsgError::Conversion(g.name().to_string()))
            }
        };
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: Option<&str>, t: &str, id: u32, hooks: u32) -> NodeInfo {
        NodeInfo {
            name: name.map(str::to_string),
            type_name: t.to_string(),
            id,
            hooks,
            loop_drops: 0,
            drops: 0,
        }
    }

    fn show(v: &Value, f: Option<Field>) -> String {
        ascii::format(v, &f.expect("reply shape"))
    }

    #[test]
    fn numbers_match_freebsd() {
        assert_eq!(Generic::Nodeinfo.cmd(), 805306374);
        assert_eq!(Generic::Listtypes.cmd(), 805306378);
        assert_eq!(Generic::Ascii2binary.cmd(), 805306381);
        assert_eq!(Generic::Textconfig.cmd(), 14);
        assert_eq!(Generic::by_name("rmhook"), Some(Generic::Rmhook));
        assert_eq!(Generic::by_name("getstats"), None);
    }

    // The examples of FreeBSD's ngctl output (netgraph-reference-2 §9.6).
    #[test]
    fn replies_print_as_freebsd() {
        let foo = node(Some("foo"), "vlan", 5, 2);
        assert_eq!(
            show(&nodeinfo_value(&foo), Generic::Nodeinfo.reply()),
            r#"{ name="foo" type="vlan" id=0x5 hooks=2 }"#
        );
        let em0 = node(Some("em0"), "ether", 1, 2);
        let links = [
            LinkInfo {
                ourhook: "nomatch".into(),
                peerhook: "upper".into(),
                peer: em0.clone(),
                counters: Default::default(),
            },
            LinkInfo {
                ourhook: "downstream".into(),
                peerhook: "lower".into(),
                peer: em0,
                counters: Default::default(),
            },
        ];
        assert_eq!(
            show(&hooklist_value(&foo, &links), Generic::Listhooks.reply()),
            r#"{ nodeinfo={ name="foo" type="vlan" id=0x5 hooks=2 } linkinfo=[ { ourhook="nomatch" peerhook="upper" nodeinfo={ name="em0" type="ether" id=0x1 hooks=2 } } { ourhook="downstream" peerhook="lower" nodeinfo={ name="em0" type="ether" id=0x1 hooks=2 } } ] }"#
        );
        let t = |n: &str, c| TypeInfo {
            name: n.into(),
            numnodes: c,
            cookie: 0,
        };
        assert_eq!(
            show(
                &typelist_value(&[t("vlan", 1), t("ether", 1), t("socket", 1)]),
                Generic::Listtypes.reply()
            ),
            r#"{ numtypes=3 typeinfo=[ { typename="vlan" numnodes=1 } { typename="ether" numnodes=1 } { typename="socket" numnodes=1 } ] }"#
        );
        // An unnamed socket node without hooks: defaults left out.
        assert_eq!(
            show(
                &namelist_value(&[node(None, "socket", 7, 0)]),
                Generic::Listnodes.reply()
            ),
            r#"{ numnames=1 nodeinfo=[ { type="socket" id=0x7 } ] }"#
        );
    }

    #[test]
    fn arguments_parse_in_any_order() {
        let f = Generic::Mkpeer.args().expect("mkpeer takes an argument");
        let v = ascii::parse(r#"{ peerhook="b" type="hub" ourhook="a" }"#, &f).expect("parses");
        assert_eq!(
            (arg_str(&v, 0), arg_str(&v, 1), arg_str(&v, 2)),
            ("hub".into(), "a".into(), "b".into())
        );
        let f = Generic::Rmhook.args().expect("rmhook takes an argument");
        assert!(
            ascii::parse(r#"{ ourhook="x" }"#, &f).is_err(),
            "FreeBSD's ASCII field is hook"
        );
    }
}
