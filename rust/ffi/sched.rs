// SPDX-License-Identifier: GPL-2.0

//! What node types that hold frames need: a spinlock taken with bottom
//! halves disabled ([`BhLock`]), a high-resolution timer that calls
//! [`NodeImpl::timer`](crate::graph::NodeImpl::timer) in softirq context
//! ([`Timer`]), the monotonic clock and random numbers.

use crate::ffi::bindings as b;
use crate::graph::Node;
use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use kernel::sync::{Arc, ArcBorrow};

/// Nanoseconds of `CLOCK_MONOTONIC`.
pub(crate) fn now_ns() -> u64 {
    // SAFETY: no preconditions.
    unsafe { b::ng_shim_now_ns() }
}

/// A uniformly distributed random number.
pub(crate) fn random_u64() -> u64 {
    // SAFETY: no preconditions; any context.
    unsafe { b::get_random_u64() }
}

/// Data behind a spinlock taken with bottom halves disabled: usable from
/// process context, softirqs and timers alike.
///
/// # Invariants
///
/// `lock` is an initialised lock from `ng_shim_bhlock_new`, owned; `data`
/// is only accessed through a [`BhGuard`], which holds the lock.
pub(crate) struct BhLock<T> {
    lock: NonNull<b::ng_bhlock>,
    data: UnsafeCell<T>,
}

// SAFETY: the lock serialises all access to `data`.
unsafe impl<T: Send> Send for BhLock<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for BhLock<T> {}

impl<T> BhLock<T> {
    /// A new lock (process context; `None` when memory is short).
    pub(crate) fn new(data: T) -> Option<Self> {
        // SAFETY: no preconditions.
        let lock = NonNull::new(unsafe { b::ng_shim_bhlock_new() })?;
        Some(Self {
            lock,
            data: UnsafeCell::new(data),
        })
    }

    /// Takes the lock (spins; never sleeps).
    pub(crate) fn lock(&self) -> BhGuard<'_, T> {
        // SAFETY: initialised lock (invariant); released by the guard.
        unsafe { b::ng_shim_bhlock_lock(self.lock.as_ptr()) };
        BhGuard { l: self }
    }
}

impl<T> Drop for BhLock<T> {
    fn drop(&mut self) {
        // SAFETY: nobody holds the lock (we are its only owner).
        unsafe { b::ng_shim_bhlock_free(self.lock.as_ptr()) };
    }
}

/// Access to the data of a [`BhLock`], which is held until the guard drops.
pub(crate) struct BhGuard<'a, T> {
    l: &'a BhLock<T>,
}

impl<T> Deref for BhGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the lock is held (type invariant of BhLock).
        unsafe { &*self.l.data.get() }
    }
}

impl<T> DerefMut for BhGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held, so this is the only reference.
        unsafe { &mut *self.l.data.get() }
    }
}

impl<T> Drop for BhGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: taken in `lock`.
        unsafe { b::ng_shim_bhlock_unlock(self.l.lock.as_ptr()) };
    }
}

/// A node reference handed to C as a callback's context: taken on
/// creation, released on drop (after whoever calls back has stopped).
///
/// # Invariants
///
/// `0` comes from `Arc::into_raw` and is released only by `drop`.
pub(crate) struct NodeCtx(*const Node);

// SAFETY: it stands for an `Arc<Node>`, which is `Send` and `Sync`.
unsafe impl Send for NodeCtx {}
// SAFETY: as above.
unsafe impl Sync for NodeCtx {}

impl NodeCtx {
    pub(crate) fn new(node: &Arc<Node>) -> Self {
        Self(Arc::into_raw(node.clone()))
    }

    /// The context pointer to hand to C.
    pub(crate) fn as_ptr(&self) -> *mut core::ffi::c_void {
        self.0.cast_mut().cast()
    }

    /// The node of a context pointer, in a callback.
    ///
    /// # Safety
    ///
    /// `ctx` is a node reference leaked by `Arc::into_raw` (such as
    /// [`NodeCtx::as_ptr`], or a device's port) that is not released during
    /// `'a`.
    pub(crate) unsafe fn borrow<'a>(ctx: *mut core::ffi::c_void) -> ArcBorrow<'a, Node> {
        // SAFETY: the reference is alive (the caller's promise).
        unsafe { ArcBorrow::from_raw(ctx.cast::<Node>().cast_const()) }
    }
}

impl Drop for NodeCtx {
    fn drop(&mut self) {
        // SAFETY: taken in `new` (invariant), no longer used.
        drop(unsafe { Arc::from_raw(self.0) });
    }
}

/// A high-resolution timer that calls `node.imp.timer(node, which)` in
/// softirq context when it expires.
///
/// # Invariants
///
/// `ptr` is a timer from `ng_shim_timer_new` whose context is `node`;
/// dropping the timer cancels it (waiting for a running callback) before
/// `node` is released.
pub(crate) struct Timer {
    ptr: NonNull<b::ng_timer>,
    /// Kept (and released after the C side has stopped) for the callback.
    _node: NodeCtx,
}

// SAFETY: the handle only arms or cancels the timer, which any CPU may do.
unsafe impl Send for Timer {}
// SAFETY: as above.
unsafe impl Sync for Timer {}

impl Timer {
    /// A disarmed timer for `node` (process context).
    pub(crate) fn new(node: &Arc<Node>, which: u32) -> Option<Self> {
        let node = NodeCtx::new(node);
        // SAFETY: the context stays valid until the timer is dropped.
        let p = unsafe { b::ng_shim_timer_new(node.as_ptr(), which) };
        NonNull::new(p).map(|ptr| Self { ptr, _node: node })
    }

    /// Fires at `at_ns` (`CLOCK_MONOTONIC`), replacing any earlier arming.
    /// Any context, including the timer's own callback.
    pub(crate) fn arm(&self, at_ns: u64) {
        // SAFETY: live timer (invariant).
        unsafe { b::ng_shim_timer_arm(self.ptr.as_ptr(), at_ns) };
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // SAFETY: live timer; after this returns its callback neither runs
        // nor will (process context: never dropped from the callback).
        // `_node` is released after this body.
        unsafe { b::ng_shim_timer_free(self.ptr.as_ptr()) };
    }
}

/// A timer expired (called by the shim, softirq context).
///
/// # Safety
///
/// `ctx` is the `NodeCtx` of a timer that is not yet cancelled.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_timer(ctx: *mut core::ffi::c_void, which: u32) {
    // SAFETY: `ctx` is the timer's `NodeCtx`, dropped only after the timer
    // is cancelled, which waits for this call.
    let node = unsafe { NodeCtx::borrow(ctx) };
    node.imp.timer(&node, which);
}

const _: [unsafe extern "C" fn(*mut core::ffi::c_void, u32); 2] = [b::ng_rs_timer, ng_rs_timer];
