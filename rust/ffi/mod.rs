// SPDX-License-Identifier: GPL-2.0

//! The FFI and abstraction layer: the only place with `unsafe` and
//! `bindings::`. The generated bindings of the C glue (`include/
//! netgraph_shim.h`, C files here and in the type folders that need device
//! code) and the safe types over them that the core and the node types use.

pub(crate) mod bindings;
pub(crate) mod cpu_scope;
pub(crate) mod errno;
pub(crate) mod fdb;
pub(crate) mod module;
pub(crate) mod netdev;
pub(crate) mod netlink;
pub(crate) mod percpu;
pub(crate) mod pernet;
pub(crate) mod port;
pub(crate) mod rcu;
pub(crate) mod rtnl;
pub(crate) mod sched;
pub(crate) mod skb;
pub(crate) mod tick;
pub(crate) mod uapi;
pub(crate) mod vec_ext;
