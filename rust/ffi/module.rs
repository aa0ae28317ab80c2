// SPDX-License-Identifier: GPL-2.0

//! The module's registration: the genl family, the pernet operations and
//! the notifiers, all calling back into a [`Module`] through trampolines
//! made for it here. The FFI layer names no node type and no command: the
//! crate root says what handles what.

use crate::ffi::bindings as b;
use crate::ffi::errno::ENODEV;
use crate::ffi::netdev::{DevRef, NetdevEvent};
use crate::ffi::netlink::{Dump, NetRef, NlResult, Request};
use crate::ffi::pernet;
use crate::ffi::rtnl::Rtnl;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::types::ForeignOwnable;

/// What the module does when the kernel calls.
pub(crate) trait Module: Sized + 'static {
    /// The state of one network namespace.
    type PerNet: Send + Sync + 'static;

    /// A namespace appears (or exists at load): its state, `None` when
    /// memory is short.
    fn net_init(net: NetRef) -> Option<Pin<KBox<Self::PerNet>>>;

    /// A namespace goes (or the module unloads), RTNL held: empty the
    /// state, which is freed when this returns.
    fn net_exit(state: &'static Self::PerNet, rtnl: &Rtnl);

    /// A request of the family, from a namespace with state `state`.
    fn doit(state: &'static Self::PerNet, r: &Request<'_>) -> NlResult;

    /// A part of a dump of the family (written into `d`).
    fn dumpit(state: &'static Self::PerNet, d: &mut Dump<'_>) -> NlResult;

    /// A generic netlink socket of `net` closed.
    fn sock_release(state: &'static Self::PerNet, net: NetRef, portid: u32);

    /// A netdevice event (RTNL held).
    fn netdev_event(rtnl: &Rtnl, ev: NetdevEvent, dev: DevRef<'_>);
}

/// The module registered with the kernel; unregistered on drop.
pub(crate) struct Registration<M: Module> {
    _p: PhantomData<M>,
}

impl<M: Module> Registration<M> {
    const OPS: b::ng_module_ops = b::ng_module_ops {
        net_init: Some(net_init::<M>),
        net_exit: Some(net_exit::<M>),
        netdev_event: Some(netdev_event::<M>),
        sock_release: Some(sock_release::<M>),
        doit: Some(doit::<M>),
        dumpit: Some(dumpit::<M>),
    };

    /// Registers the module (module init).
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: module init runs once, before the pernet operations that
        // read the type are registered just below.
        unsafe { pernet::set_type::<M::PerNet>() };
        // SAFETY: `OPS` is a constant (promoted to a static) with this
        // module's trampolines; the shim refuses a second registration.
        kernel::error::to_result(unsafe { b::ng_shim_register(&Self::OPS) })?;
        Ok(Self { _p: PhantomData })
    }
}

impl<M: Module> Drop for Registration<M> {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; this runs once, at unload.
        unsafe { b::ng_shim_unregister() };
    }
}

/// # Safety
///
/// `net` is null or a namespace being initialised (pernet init).
unsafe extern "C" fn net_init<M: Module>(net: *mut b::net) -> *mut core::ffi::c_void {
    let Some(net) = NonNull::new(net) else {
        return core::ptr::null_mut();
    };
    match M::net_init(NetRef(net)) {
        Some(s) => s.into_foreign().cast_mut(),
        None => core::ptr::null_mut(),
    }
}

/// Shuts a namespace's state down and frees it (called by the shim with
/// the RTNL held, in the same section that then clears the namespace's
/// slot: no device can go between the teardown and the clearing).
///
/// # Safety
///
/// `state` is null or what [`net_init`] returned for a namespace being
/// dismantled, passed once; the caller holds the RTNL.
unsafe extern "C" fn net_exit<M: Module>(state: *mut core::ffi::c_void) {
    if state.is_null() {
        return;
    }
    // SAFETY: the shim holds the RTNL for the whole call.
    let rtnl = unsafe { Rtnl::assume_held() };
    {
        // `state` came from `into_foreign` in `net_init` and is reclaimed
        // only below; the `'static` borrow ends with this block.
        // SAFETY: as just said.
        let b = unsafe { <Pin<KBox<M::PerNet>> as ForeignOwnable>::borrow(state) };
        M::net_exit(b.get_ref(), &rtnl);
    }
    // SAFETY: as above; the shim clears the slot before it drops the RTNL,
    // and nothing else reaches the state meanwhile (RTNL held, and a dying
    // namespace has no netlink socket left to send requests).
    drop(unsafe { <Pin<KBox<M::PerNet>> as ForeignOwnable>::from_foreign(state) });
}

/// # Safety
///
/// Called as the family's `doit`: `skb` and `info` are a request's, valid
/// for the call.
unsafe extern "C" fn doit<M: Module>(skb: *mut b::sk_buff, info: *mut b::genl_info) -> i32 {
    // SAFETY: genetlink calls doit with a valid request skb and info that
    // outlive this call.
    let Some(r) = (unsafe { Request::new(skb, info) }) else {
        return ENODEV.to_errno();
    };
    let Some(s) = pernet::get::<M::PerNet>(r.net()) else {
        return ENODEV.to_errno();
    };
    match M::doit(s, &r) {
        Ok(()) => 0,
        Err(e) => r.extack().report(&e).to_errno(),
    }
}

/// # Safety
///
/// Called as the family's `dumpit`: `skb` is the dump's buffer and `cb`
/// its callback, both valid for the call.
unsafe extern "C" fn dumpit<M: Module>(skb: *mut b::sk_buff, cb: *mut b::netlink_callback) -> i32 {
    // SAFETY: genetlink calls dumpit with the dump skb and its callback,
    // both valid for this call.
    let Some(mut d) = (unsafe { Dump::new(skb, cb) }) else {
        return ENODEV.to_errno();
    };
    let Some(s) = pernet::get::<M::PerNet>(d.net()) else {
        return ENODEV.to_errno();
    };
    match M::dumpit(s, &mut d) {
        Ok(()) => d.len(),
        Err(e) => d.extack().report(&e).to_errno(),
    }
}

/// # Safety
///
/// `net` is null or the live namespace of the netlink socket being
/// released (the netlink release notifier).
unsafe extern "C" fn sock_release<M: Module>(net: *mut b::net, portid: u32) {
    let Some(net) = NonNull::new(net) else {
        return;
    };
    let net = NetRef(net);
    if let Some(s) = pernet::get::<M::PerNet>(net) {
        M::sock_release(s, net, portid);
    }
}

/// # Safety
///
/// `dev` is null or the device a netdevice notifier reports; the RTNL is
/// held.
unsafe extern "C" fn netdev_event<M: Module>(event: i32, dev: *mut b::net_device) {
    let ev = match event {
        1 => NetdevEvent::Register,
        2 => NetdevEvent::Unregister,
        4 => NetdevEvent::Link(true),
        5 => NetdevEvent::Link(false),
        _ => NetdevEvent::Rename,
    };
    let Some(ptr) = NonNull::new(dev) else {
        return;
    };
    // SAFETY: the notifier runs with the RTNL held.
    let rtnl = unsafe { Rtnl::assume_held() };
    // SAFETY: a device a notifier reports is registered (or being
    // unregistered) for the call, which holds the RTNL.
    let d = unsafe { DevRef::from_raw(ptr, &rtnl) };
    M::netdev_event(&rtnl, ev, d);
}
