// SPDX-License-Identifier: GPL-2.0

//! Per-namespace state: each `struct net` owns one [`Graph`].
//!
//! The shim's pernet operations call [`ng_rs_net_init`] when a namespace
//! appears (or at module load for existing ones) and [`ng_rs_net_exit`] when
//! it goes (or at module unload), and keep the pointer in `net_generic`.

use crate::ffi::bindings as b;
use crate::ffi::netlink::{NetRef, Request};
use crate::graph::Graph;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::types::ForeignOwnable;

/// The graph of `net`.
///
/// The graph lives from the namespace's pernet init to its pernet exit. Every
/// caller reaches here from a netlink request, dump or socket release of that
/// namespace, all of which hold the namespace alive and run before the exit
/// (the family and notifier are unregistered before the pernet operations).
pub(crate) fn graph(net: NetRef) -> Option<&'static Graph> {
    // SAFETY: `net` is live (NetRef invariant).
    let p = unsafe { b::ng_shim_net_graph(net.0.as_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: a non-null pointer in the slot came from `into_foreign` in
    // `ng_rs_net_init` and is only reclaimed by `ng_rs_net_exit`, which runs
    // after every caller of this function is done (see above).
    Some(unsafe { <Pin<KBox<Graph>> as ForeignOwnable>::borrow(p) }.get_ref())
}

/// Whether anyone listens to `net`'s events group.
pub(crate) fn has_listeners(net: NetRef) -> bool {
    // SAFETY: `net` is live.
    unsafe { b::ng_shim_has_listeners(net.0.as_ptr()) }
}

/// Whether the sender of `r` has CAP_NET_ADMIN over the namespace.
pub(crate) fn capable(r: &Request<'_>) -> bool {
    // SAFETY: both pointers belong to the request being handled.
    unsafe { b::ng_shim_net_admin(r.skb(), r.info()) }
}

/// Creates the graph of a new namespace (called by the shim).
///
/// # Safety
///
/// `net` is null or a namespace being initialised (pernet init).
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_net_init(net: *mut b::net) -> *mut core::ffi::c_void {
    let Some(net) = NonNull::new(net) else {
        return core::ptr::null_mut();
    };
    let Ok(graph) = Graph::new(NetRef(net)) else {
        return core::ptr::null_mut();
    };
    match KBox::pin_init(graph, GFP_KERNEL) {
        Ok(g) => g.into_foreign().cast_mut(),
        Err(_) => core::ptr::null_mut(),
    }
}

/// Shuts a namespace's graph down and frees it (called by the shim with the
/// RTNL held, in the same section that then clears the namespace's slot:
/// no device can go between the teardown and the clearing, and device
/// events the teardown itself causes find the graph busy and run before the
/// teardown returns).
///
/// # Safety
///
/// `graph` is null or what [`ng_rs_net_init`] returned for a namespace
/// being dismantled, passed once; the caller holds the RTNL.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_net_exit(graph: *mut core::ffi::c_void) {
    if graph.is_null() {
        return;
    }
    // SAFETY: the shim holds the RTNL for the whole call.
    let rtnl = unsafe { crate::ffi::rtnl::Rtnl::assume_held() };
    {
        // `graph` came from `into_foreign` in `ng_rs_net_init` and is
        // reclaimed only below; the `'static` borrow ends with this block
        // (`with_rtnl` leaves no graph on its pending list).
        // SAFETY: as just said.
        let b = unsafe { <Pin<KBox<Graph>> as ForeignOwnable>::borrow(graph) };
        let g: &'static Graph = b.get_ref();
        // A device event handled after the teardown could (in principle)
        // make a node again: repeat until the graph stays empty.
        for _ in 0..4 {
            let empty = g.with_rtnl(&rtnl, |s| {
                s.destroy_all();
                s.is_empty()
            });
            if empty != Some(false) {
                break;
            }
        }
    }
    // SAFETY: as above; the shim clears the slot before it drops the RTNL,
    // and nothing else reaches the graph meanwhile (RTNL held, and a dying
    // namespace has no netlink socket left to send requests).
    drop(unsafe { <Pin<KBox<Graph>> as ForeignOwnable>::from_foreign(graph) });
}

const _: [unsafe extern "C" fn(*mut b::net) -> *mut core::ffi::c_void; 2] =
    [b::ng_rs_net_init, ng_rs_net_init];
const _: [unsafe extern "C" fn(*mut core::ffi::c_void); 2] = [b::ng_rs_net_exit, ng_rs_net_exit];
