// SPDX-License-Identifier: GPL-2.0

//! Per-namespace state: each `struct net` owns one object of the type the
//! module registered ([`crate::ffi::module::Module::PerNet`]), kept by the
//! shim in `net_generic` from the namespace's pernet init to its exit.

use crate::ffi::bindings as b;
use crate::ffi::netlink::{NetRef, Request};
use core::any::TypeId;
use core::cell::UnsafeCell;
use kernel::prelude::*;
use kernel::types::ForeignOwnable;

/// The type of the registered per-namespace state.
///
/// # Invariants
///
/// Written only by [`set_type`], at registration, before the shim can call
/// anything that reads it; read-only afterwards.
struct StateType(UnsafeCell<Option<TypeId>>);

// SAFETY: written once before any reader exists (type invariant).
unsafe impl Sync for StateType {}

static STATE_TYPE: StateType = StateType(UnsafeCell::new(None));

/// Records the per-namespace state's type.
///
/// # Safety
///
/// Called once, at module init, before the pernet operations are
/// registered (so before any [`get`]).
pub(super) unsafe fn set_type<P: 'static>() {
    // SAFETY: no reader exists yet (the caller's promise).
    unsafe { *STATE_TYPE.0.get() = Some(TypeId::of::<P>()) };
}

/// The state of `net`, when the registered state is a `P`.
///
/// The state lives from the namespace's pernet init to its pernet exit.
/// Every caller reaches here from a netlink request, dump or socket release
/// of that namespace, or under the RTNL from a device of it, all of which
/// hold the namespace alive and run before the exit (the family and the
/// notifiers are unregistered before the pernet operations, and the exit
/// runs under the RTNL).
pub(crate) fn get<P: Send + Sync + 'static>(net: NetRef) -> Option<&'static P> {
    // SAFETY: read-only after registration (StateType invariant), which
    // precedes every caller.
    if unsafe { *STATE_TYPE.0.get() } != Some(TypeId::of::<P>()) {
        return None;
    }
    // SAFETY: `net` is live (NetRef invariant).
    let p = unsafe { b::ng_shim_net_graph(net.0.as_ptr()) };
    if p.is_null() {
        return None;
    }
    // A non-null slot came from `into_foreign` of a `Pin<KBox<P>>` (the
    // registered type, checked above) in the pernet init, and is reclaimed
    // only by the pernet exit, after every caller is done (see above).
    // SAFETY: as just said.
    Some(unsafe { <Pin<KBox<P>> as ForeignOwnable>::borrow(p) }.get_ref())
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
