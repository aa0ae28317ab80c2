//! What a worker knows about its graph: nodes learned from replies and
//! events, the hooks of its own socket node, paths that led somewhere, and
//! names it gave. Everything is bounded and may be stale (a stale path is
//! a fine request too).

use crate::rng::Rng;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRec {
    pub id: u32,
    pub name: Option<String>,
    pub ty: Option<String>,
}

impl NodeRec {
    /// An absolute address: `name:` or `[id]:`.
    pub fn addr(&self, rng: &mut Rng) -> String {
        match &self.name {
            Some(n) if !n.is_empty() && rng.percent(60) => format!("{n}:"),
            _ => match rng.below(8) {
                0 => format!("[{:X}]:", self.id),
                1 => format!("[{:08x}]:", self.id),
                _ => format!("[{:x}]:", self.id),
            },
        }
    }
}

/// What a request meant to do, applied when the kernel acknowledges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    None,
    Socket,
    Mkpeer {
        path: String,
        ty: String,
        ourhook: String,
    },
    Connect {
        path: String,
        ourhook: String,
    },
    Name {
        path: String,
        name: String,
    },
    Rmhook {
        path: String,
        hook: String,
    },
    Shutdown {
        path: String,
    },
    Nodeinfo {
        path: String,
    },
    Listhooks {
        path: String,
    },
}

const MAX_NODES: usize = 256;
const MAX_PATHS: usize = 128;
const MAX_NAMES: usize = 64;
const MAX_HOOKS: usize = 64;

#[derive(Debug, Default)]
pub struct World {
    pub nodes: Vec<NodeRec>,
    /// Paths that reached a node, with its type when known.
    pub paths: Vec<(String, Option<String>)>,
    pub names: Vec<String>,
    /// Hooks of this worker's socket node.
    pub my_hooks: Vec<String>,
    pub my_id: Option<u32>,
    /// Invented node IDs (dry run: there is no kernel to learn from).
    pub fake_id: u32,
    /// Counter for unique names.
    pub serial: u32,
}

fn bounded_push<T: PartialEq>(v: &mut Vec<T>, x: T, max: usize, rng: &mut Rng) {
    if v.contains(&x) {
        return;
    }
    if v.len() >= max {
        let i = rng.below(v.len());
        v[i] = x;
    } else {
        v.push(x);
    }
}

/// `hook` relative to `path`.
pub fn join(path: &str, hook: &str) -> String {
    if path == "." || path.is_empty() {
        hook.to_string()
    } else if path.ends_with(':') {
        format!("{path}{hook}")
    } else {
        format!("{path}.{hook}")
    }
}

impl World {
    /// The socket node is gone (socket closed): forget what hung on it.
    pub fn socket_gone(&mut self) {
        self.my_hooks.clear();
        if let Some(id) = self.my_id.take() {
            self.nodes.retain(|n| n.id != id);
        }
        self.paths
            .retain(|(p, _)| p.contains(':') && !p.starts_with('.'));
    }

    /// Another graph (netns change): forget everything.
    pub fn reset(&mut self) {
        let fake = self.fake_id;
        let serial = self.serial;
        *self = World::default();
        self.fake_id = fake;
        self.serial = serial;
    }

    pub fn add_node(&mut self, n: NodeRec, rng: &mut Rng) {
        if let Some(old) = self.nodes.iter_mut().find(|o| o.id == n.id) {
            *old = n;
            return;
        }
        if let Some(name) = &n.name {
            bounded_push(&mut self.names, name.clone(), MAX_NAMES, rng);
        }
        bounded_push(&mut self.nodes, n, MAX_NODES, rng);
    }

    pub fn add_path(&mut self, p: String, ty: Option<String>, rng: &mut Rng) {
        if p.len() > 200 || p.is_empty() {
            return;
        }
        if let Some(old) = self.paths.iter_mut().find(|(q, _)| *q == p) {
            if ty.is_some() {
                old.1 = ty;
            }
            return;
        }
        bounded_push(&mut self.paths, (p, ty), MAX_PATHS, rng);
    }

    pub fn add_my_hook(&mut self, h: &str, rng: &mut Rng) {
        if !h.is_empty() {
            bounded_push(&mut self.my_hooks, h.to_string(), MAX_HOOKS, rng);
        }
    }

    /// The type of the node at `path`, when known.
    pub fn type_of(&self, path: &str) -> Option<String> {
        if path == "." || path.is_empty() {
            return Some("socket".into());
        }
        if let Some((_, t)) = self.paths.iter().find(|(p, _)| p == path) {
            return t.clone();
        }
        let abs = path.strip_suffix(':')?;
        if let Some(id) = abs
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .and_then(|s| u32::from_str_radix(s, 16).ok())
        {
            return self.nodes.iter().find(|n| n.id == id)?.ty.clone();
        }
        self.nodes
            .iter()
            .find(|n| n.name.as_deref() == Some(abs))?
            .ty
            .clone()
    }

    /// Known ways to reach a node of type `ty`.
    pub fn paths_of_type(&self, ty: &str, rng: &mut Rng) -> Vec<String> {
        let mut v: Vec<String> = self
            .paths
            .iter()
            .filter(|(_, t)| t.as_deref() == Some(ty))
            .map(|(p, _)| p.clone())
            .collect();
        for n in &self.nodes {
            if n.ty.as_deref() == Some(ty) {
                v.push(n.addr(rng));
            }
        }
        v
    }

    /// Applies what an acknowledged request did. `fake` (dry run) also
    /// invents the nodes the kernel would have made.
    pub fn apply(&mut self, intent: &Intent, fake: bool, rng: &mut Rng) {
        match intent {
            Intent::None | Intent::Nodeinfo { .. } | Intent::Listhooks { .. } => {}
            Intent::Socket => {
                if fake && self.my_id.is_none() {
                    self.fake_id += 1;
                    self.my_id = Some(self.fake_id);
                    let n = NodeRec {
                        id: self.fake_id,
                        name: None,
                        ty: Some("socket".into()),
                    };
                    self.add_node(n, rng);
                }
            }
            Intent::Mkpeer { path, ty, ourhook } => {
                if path == "." || path.is_empty() {
                    self.add_my_hook(ourhook, rng);
                }
                self.add_path(join(path, ourhook), Some(ty.clone()), rng);
                if fake {
                    self.fake_id += 1;
                    let n = NodeRec {
                        id: self.fake_id,
                        name: None,
                        ty: Some(ty.clone()),
                    };
                    self.add_node(n, rng);
                }
            }
            Intent::Connect { path, ourhook } => {
                if path == "." || path.is_empty() {
                    self.add_my_hook(ourhook, rng);
                }
            }
            Intent::Name { path, name } => {
                let ty = self.type_of(path);
                bounded_push(&mut self.names, name.clone(), MAX_NAMES, rng);
                self.add_path(format!("{name}:"), ty, rng);
            }
            Intent::Rmhook { path, hook } => {
                if path == "." || path.is_empty() {
                    self.my_hooks.retain(|h| h != hook);
                    self.paths
                        .retain(|(p, _)| p != hook && !p.starts_with(&format!("{hook}.")));
                }
            }
            Intent::Shutdown { path } => {
                self.paths.retain(|(p, _)| p != path);
                if let Some(name) = path.strip_suffix(':') {
                    self.names.retain(|n| n != name);
                    self.nodes.retain(|n| n.name.as_deref() != Some(name));
                }
                if path == "." {
                    self.socket_gone();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_types_are_learned_from_acknowledged_requests() {
        let mut r = Rng::new(1, 0);
        let mut w = World::default();
        w.apply(
            &Intent::Mkpeer {
                path: ".".into(),
                ty: "hub".into(),
                ourhook: "h1".into(),
            },
            false,
            &mut r,
        );
        assert_eq!(w.my_hooks, ["h1"]);
        assert_eq!(w.type_of("h1").as_deref(), Some("hub"));
        w.apply(
            &Intent::Name {
                path: "h1".into(),
                name: "x".into(),
            },
            false,
            &mut r,
        );
        assert_eq!(w.type_of("x:").as_deref(), Some("hub"));
        assert_eq!(join("x:", "a"), "x:a");
        assert_eq!(join("h1", "a"), "h1.a");
        assert_eq!(join(".", "a"), "a");
        w.add_node(
            NodeRec {
                id: 0x2a,
                name: None,
                ty: Some("tee".into()),
            },
            &mut r,
        );
        assert_eq!(w.type_of("[2a]:").as_deref(), Some("tee"));
        assert!(!w.paths_of_type("tee", &mut r).is_empty());
        w.apply(
            &Intent::Rmhook {
                path: ".".into(),
                hook: "h1".into(),
            },
            false,
            &mut r,
        );
        assert!(w.my_hooks.is_empty());
        assert_eq!(w.type_of("h1"), None);
        w.socket_gone();
        assert_eq!(w.type_of("x:").as_deref(), Some("hub"));
    }
}
