// SPDX-License-Identifier: GPL-2.0

//! netgraph for Linux: FreeBSD's netgraph node graph, one graph per network
//! namespace, driven over the `netgraph` generic netlink family.
//!
//! Layers, bottom up, each using only those below it: [`ffi`], the one
//! place with `unsafe` (generated bindings, the C glue's safe wrappers);
//! [`graph`], the core (nodes, hooks, forwarding, messages); node
//! [`types`], one folder each; the [`control`] plane (the genl commands);
//! this file on top, which names every type.

use ffi::netdev::{DevRef, NetdevEvent};
use ffi::netlink::{Dump, NetRef, NlResult, Request};
use ffi::rtnl::Rtnl;
use graph::Graph;
use kernel::prelude::*;

// Only the FFI layer may use `unsafe`: the build fails if anything else does.
#[forbid(unsafe_code)]
mod control;
mod ffi;
#[forbid(unsafe_code)]
mod graph;
#[forbid(unsafe_code)]
mod types;

module! {
    type: Netgraph,
    name: "netgraph",
    author: "netgraph for Linux developers",
    description: "FreeBSD netgraph node graph, one graph per network namespace",
    license: "GPL",
}

struct Netgraph {
    _reg: ffi::module::Registration<Netgraph>,
}

impl kernel::Module for Netgraph {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let reg = ffi::module::Registration::new()?;
        pr_info!("loaded\n");
        Ok(Netgraph { _reg: reg })
    }
}

impl Drop for Netgraph {
    fn drop(&mut self) {
        // `_reg` unregisters after this.
        pr_info!("unloading\n");
    }
}

/// Every node type, in `listtypes` order.
static TYPES: [&graph::TypeInfo; 12] = [
    &types::socket::TYPE,
    &types::ether::TYPE,
    &types::eiface::TYPE,
    &types::hub::TYPE,
    &types::bridge::TYPE,
    &types::tee::TYPE,
    &types::pipe::TYPE,
    &types::hole::TYPE,
    &types::echo::TYPE,
    &types::vlan::TYPE,
    &types::etf::TYPE,
    &types::one2many::TYPE,
];

/// Who handles what: the graph is each namespace's state, the control plane
/// answers the genl family, and ether nodes follow the netdevice events.
impl ffi::module::Module for Netgraph {
    type PerNet = graph::Graph;

    fn net_init(net: NetRef) -> Option<Pin<KBox<Graph>>> {
        Graph::create(net, graph::Types::new(&TYPES))
    }

    fn net_exit(g: &'static Graph, rtnl: &Rtnl) {
        g.teardown(rtnl)
    }

    fn doit(g: &'static Graph, r: &Request<'_>) -> NlResult {
        control::doit(g, r)
    }

    fn dumpit(g: &'static Graph, d: &mut Dump<'_>) -> NlResult {
        control::dumpit(g, d)
    }

    fn sock_release(g: &'static Graph, net: NetRef, portid: u32) {
        control::sock_release(g, net, portid)
    }

    fn netdev_event(rtnl: &Rtnl, ev: NetdevEvent, d: DevRef<'_>) {
        types::ether::netdev_event(rtnl, ev.into(), d)
    }
}
