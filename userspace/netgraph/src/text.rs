//! Type-specific messages in FreeBSD's ASCII syntax (`ngctl msg`): the
//! library converts the text to the binary argument and the reply back,
//! against the schema the kernel publishes for the node's type (cached per
//! type), so that every client speaks the same syntax.

use crate::ascii::{self, Field, Kind, MsgSchema, Value};
use crate::generic::Generic;
use crate::{Client, Error, MsgReply};

/// Why a text message could not be sent or its reply read.
#[derive(Debug, thiserror::Error)]
pub enum MsgError {
    /// The kernel refused (finding the node, its type, or the message).
    #[error(transparent)]
    Kernel(#[from] Error),
    /// The node's type has no message of that name.
    #[error("type \"{type_name}\" has no message \"{cmd}\"; it has: {}", known_list(.known))]
    Unknown {
        type_name: String,
        cmd: String,
        known: Vec<String>,
    },
    /// An argument was given to a message that takes none.
    #[error("\"{0}\" takes no arguments")]
    TakesNoArgs(String),
    /// A message that needs an argument got none.
    #[error("\"{0}\" needs an argument")]
    NeedsArg(String),
    /// The argument does not parse: the text with the error marked.
    #[error("{0}")]
    Parse(String),
    /// The reply does not match its schema.
    #[error("{0}")]
    Decode(String),
    /// `textstatus`/`textconfig` to a type that has no text form (FreeBSD:
    /// EINVAL from the type's message method).
    #[error("type \"{type_name}\" has no {cmd}")]
    NoText { type_name: String, cmd: String },
    /// `ascii2binary`/`binary2ascii`: the conversion is this library's
    /// work (FreeBSD's kernel does it); there is no binary `ng_mesg` to
    /// convert.
    #[error("\"{0}\" is done by the netgraph library, not sent to a node")]
    Conversion(String),
}

fn known_list(k: &[String]) -> String {
    if k.is_empty() {
        "none".to_string()
    } else {
        k.join(", ")
    }
}

/// The reply to a text message, decoded against its schema.
#[derive(Debug, Clone)]
pub struct TextReply {
    /// The message's name and number, as the node answered.
    pub cmd: String,
    pub id: u32,
    /// The node's address by ID (`[3]:`).
    pub from: String,
    /// The reply's value (`None`: the reply carried none).
    pub value: Option<Value>,
    /// The reply's shape.
    pub field: Field,
}

impl TextReply {
    /// The value in FreeBSD's ASCII syntax; `None` when there is nothing
    /// to print ("No arguments").
    pub fn ascii(&self) -> Option<String> {
        let t = ascii::format(self.value.as_ref()?, &self.field);
        (!t.is_empty()).then_some(t)
    }

    /// The reply as JSON (`ngctl -j msg`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "cmd": self.cmd,
            "id": self.id,
            "from": self.from,
            "args": self.value.as_ref().map(|v| ascii::to_json(v, &self.field)),
        })
    }
}

impl Client {
    /// The messages of node type `name`, asked once per client.
    pub fn schemas(&mut self, name: &str) -> Result<&[MsgSchema], Error> {
        if !self.schemas.contains_key(name) {
            let v = self.gettype(name)?;
            self.schemas.insert(name.to_string(), v);
        }
        Ok(self
            .schemas
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default())
    }

    /// Sends message `cmd` with argument `text` (FreeBSD's ASCII syntax;
    /// empty: none, or the default of a struct) to the node at `path`, and
    /// decodes the reply. `Ok(None)` for a message without a reply.
    pub fn msg_text(
        &mut self,
        path: &str,
        cmd: &str,
        text: &str,
    ) -> Result<Option<TextReply>, MsgError> {
        let node = self.nodeinfo(path)?;
        let msgs = self.schemas(&node.type_name)?;
        let found = msgs.iter().find(|m| m.name == cmd).cloned();
        let from = format!("[{:x}]:", node.id);
        // FreeBSD looks a name up in the type's list, then the generic one.
        if let (None, Some(g)) = (&found, Generic::by_name(cmd)) {
            let value = self.msg_generic(path, &node, g, text)?;
            let (Some(value), Some(field)) = (value, g.reply()) else {
                return Ok(None);
            };
            return Ok(Some(TextReply {
                cmd: g.name().to_string(),
                id: g.cmd(),
                from,
                value: Some(value),
                field,
            }));
        }
        let Some(m) = found else {
            return Err(MsgError::Unknown {
                type_name: node.type_name.clone(),
                cmd: cmd.to_string(),
                known: msgs.iter().map(|m| m.name.clone()).collect(),
            });
        };
        let arg = match (&m.args, text.trim().is_empty()) {
            (None, true) => None,
            (None, false) => return Err(MsgError::TakesNoArgs(cmd.to_string())),
            (Some(f), true) if matches!(f.kind, Kind::Struct(_)) => {
                Some(ascii::encode(&ascii::default_value(f), f, 1))
            }
            (Some(_), true) => return Err(MsgError::NeedsArg(cmd.to_string())),
            (Some(f), false) => match ascii::parse(text, f) {
                Ok(v) => Some(ascii::encode(&v, f, 1)),
                Err(e) => return Err(MsgError::Parse(e.show(text))),
            },
        };
        let decode =
            |b: &[u8], f: &Field| ascii::decode(b, f).map_err(|e| MsgError::Decode(e.to_string()));
        let (reply, value) = if m.dump {
            let parts = self.msg_dump(path, cmd, arg)?;
            let Some(rf) = &m.reply else {
                return Ok(None);
            };
            let mut acc = None;
            for p in parts {
                acc = Some(ascii::merge(acc, decode(&p, rf)?));
            }
            let reply = MsgReply {
                cmd: m.name.clone(),
                id: m.id,
                args: None,
            };
            (reply, acc.or_else(|| Some(ascii::default_value(rf))))
        } else {
            let reply = self.msg(path, cmd, arg)?;
            let Some(rf) = &m.reply else {
                return Ok(None);
            };
            let value = match &reply.args {
                Some(b) => Some(decode(b, rf)?),
                None => None,
            };
            (reply, value)
        };
        let Some(field) = m.reply else {
            return Ok(None);
        };
        Ok(Some(TextReply {
            cmd: reply.cmd,
            id: reply.id,
            from,
            value,
            field,
        }))
    }
}
