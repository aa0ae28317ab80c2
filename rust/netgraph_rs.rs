// SPDX-License-Identifier: GPL-2.0

//! netgraph for Linux: FreeBSD's netgraph node graph, one graph per network
//! namespace, driven over the `netgraph` generic netlink family.
//!
//! Layers, bottom up: the C shim and generated [`bindings`]; safe
//! abstractions ([`netlink`], [`pernet`], [`vec_ext`]); pure logic shared
//! with host tests ([`path`]); the graph core ([`graph`]); node [`types`];
//! the control plane ([`control`]).

use kernel::prelude::*;

mod bindings;
// Shared with the host tests (tests/host), where its items are public API.
#[allow(dead_code, unreachable_pub)]
mod bridge_logic;
mod control;
mod errno;
mod fdb;
mod graph;
mod msg;
mod msg_schema;
mod netdev;
mod netlink;
// Shared with the host tests (tests/host), where its items are public API.
#[allow(dead_code, unreachable_pub)]
mod path;
mod percpu;
mod pernet;
// Shared with the host tests (tests/host), where its items are public API.
#[allow(dead_code, unreachable_pub, missing_docs)]
mod pipe_logic;
mod rcu;
mod rtnl;
mod sched;
mod skb;
mod tick;
mod types;
mod vec_ext;

module! {
    type: Netgraph,
    name: "netgraph",
    author: "netgraph for Linux developers",
    description: "FreeBSD netgraph node graph, one graph per network namespace",
    license: "GPL",
}

struct Netgraph;

impl kernel::Module for Netgraph {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: called once at module load; the shim registers the pernet
        // operations, the netlink notifier and the genl family.
        kernel::error::to_result(unsafe { bindings::ng_shim_register() })?;
        pr_info!("loaded\n");
        Ok(Netgraph)
    }
}

impl Drop for Netgraph {
    fn drop(&mut self) {
        // SAFETY: registration succeeded in `init`; this runs once at unload.
        unsafe { bindings::ng_shim_unregister() };
        pr_info!("unloaded\n");
    }
}
