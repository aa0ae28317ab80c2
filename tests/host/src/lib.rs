//! The module's `core`-only files, compiled on the host exactly as they are
//! compiled into netgraph.ko, with their unit tests beside them here.

#[path = "../../../rust/graph/path.rs"]
pub mod path;

#[cfg(test)]
mod path_tests;

#[path = "../../../rust/types/bridge/logic.rs"]
pub mod bridge_logic;

#[cfg(test)]
mod bridge_tests;

#[path = "../../../rust/types/pipe/logic.rs"]
pub mod pipe_logic;

#[cfg(test)]
mod pipe_tests;

#[path = "../../../rust/graph/msg_schema.rs"]
pub mod msg_schema;

#[cfg(test)]
mod msg_tests;

#[path = "../../../rust/types/vlan/logic.rs"]
pub mod vlan_logic;

#[cfg(test)]
mod vlan_tests;

#[path = "../../../rust/types/one2many/logic.rs"]
pub mod one2many_logic;

#[cfg(test)]
mod one2many_tests;
