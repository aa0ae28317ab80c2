// SPDX-License-Identifier: GPL-2.0

//! netgraph for Linux: FreeBSD's netgraph node graph, one graph per network
//! namespace, driven over the `netgraph` generic netlink family.
//!
//! Layers, bottom up, each using only those below it: [`ffi`], the one
//! place with `unsafe` (generated bindings, the C glue's safe wrappers);
//! [`graph`], the core (nodes, hooks, forwarding, messages); node
//! [`types`], one folder each; the [`control`] plane (the genl commands);
//! this file on top, which names every type.

use kernel::prelude::*;

mod control;
mod ffi;
mod graph;
mod types;

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
        kernel::error::to_result(unsafe { ffi::bindings::ng_shim_register() })?;
        pr_info!("loaded\n");
        Ok(Netgraph)
    }
}

impl Drop for Netgraph {
    fn drop(&mut self) {
        // SAFETY: registration succeeded in `init`; this runs once at unload.
        unsafe { ffi::bindings::ng_shim_unregister() };
        pr_info!("unloaded\n");
    }
}
