// SPDX-License-Identifier: GPL-2.0

//! What node types that hold frames need: a spinlock taken with bottom
//! halves disabled ([`BhLock`]), a high-resolution timer that calls its
//! owner's [`TimerHandler`] in softirq context ([`Timer`]), the monotonic
//! clock and random numbers.

use crate::ffi::bindings as b;
use crate::ffi::port::Port;
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

/// What a [`Timer`] calls when it expires (softirq context).
pub(crate) trait TimerHandler: Send + Sync + Sized + 'static {
    /// Timer `which` of `this` expired.
    fn expired(this: ArcBorrow<'_, Self>, which: u32);
}

/// A high-resolution timer that calls `T::expired(obj, which)` in softirq
/// context when it expires.
///
/// # Invariants
///
/// `ptr` is a timer from `ng_shim_timer_new` whose callback is
/// [`expired::<T>`] and whose context is `_obj`; dropping the timer cancels
/// it (waiting for a running callback) before `_obj` is released.
pub(crate) struct Timer<T: TimerHandler> {
    ptr: NonNull<b::ng_timer>,
    /// Kept (and released after the C side has stopped) for the callback.
    _obj: Port<T>,
}

// SAFETY: the handle only arms or cancels the timer, which any CPU may do.
unsafe impl<T: TimerHandler> Send for Timer<T> {}
// SAFETY: as above.
unsafe impl<T: TimerHandler> Sync for Timer<T> {}

impl<T: TimerHandler> Timer<T> {
    /// A disarmed timer for `obj` (process context).
    pub(crate) fn new(obj: &Arc<T>, which: u32) -> Option<Self> {
        let obj = Port::new(obj);
        // SAFETY: the context stays valid until the timer is dropped; the
        // callback is `expired::<T>`, for this context's type.
        let p = unsafe { b::ng_shim_timer_new(Some(expired::<T>), obj.as_ptr(), which) };
        NonNull::new(p).map(|ptr| Self { ptr, _obj: obj })
    }

    /// Fires at `at_ns` (`CLOCK_MONOTONIC`), replacing any earlier arming.
    /// Any context, including the timer's own callback.
    pub(crate) fn arm(&self, at_ns: u64) {
        // SAFETY: live timer (invariant).
        unsafe { b::ng_shim_timer_arm(self.ptr.as_ptr(), at_ns) };
    }
}

impl<T: TimerHandler> Drop for Timer<T> {
    fn drop(&mut self) {
        // SAFETY: live timer; after this returns its callback neither runs
        // nor will (process context: never dropped from the callback).
        // `_obj` is released after this body.
        unsafe { b::ng_shim_timer_free(self.ptr.as_ptr()) };
    }
}

/// A timer expired (called by the shim, softirq context).
///
/// # Safety
///
/// `ctx` is the `Port<T>` of a timer that is not yet cancelled.
unsafe extern "C" fn expired<T: TimerHandler>(ctx: *mut core::ffi::c_void, which: u32) {
    // SAFETY: `ctx` is the timer's `Port<T>`, dropped only after the timer
    // is cancelled, which waits for this call.
    T::expired(unsafe { Port::<T>::borrow(ctx) }, which);
}
