// SPDX-License-Identifier: GPL-2.0

//! What node types that hold frames need: a spinlock taken with bottom
//! halves disabled ([`SpinLockBh`]), a high-resolution timer that calls its
//! owner's [`TimerHandler`] in softirq context ([`Timer`]), the monotonic
//! clock and random numbers.

use crate::ffi::bindings as b;
use crate::ffi::port::Port;
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

/// The lock backend of [`SpinLockBh`]: `spin_lock_bh()`/`spin_unlock_bh()`
/// on a `spinlock_t` the lock holds in place.
pub(crate) struct SpinLockBhBackend;

// SAFETY: `init` initialises the spinlock with the given name and class;
// `lock` takes it with bottom halves disabled and `unlock` releases it in
// the same way, so the lock provides mutual exclusion, also against this
// CPU's softirqs and timers.
unsafe impl kernel::sync::lock::Backend for SpinLockBhBackend {
    type State = kernel::bindings::spinlock_t;
    type GuardState = ();

    unsafe fn init(
        ptr: *mut Self::State,
        name: *const kernel::ffi::c_char,
        key: *mut kernel::bindings::lock_class_key,
    ) {
        // SAFETY: `ptr` is valid for writes and `name`, `key` live forever
        // (the trait's contract).
        unsafe { kernel::bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: `ptr` is an initialised lock (the trait's contract).
        unsafe { b::ng_shim_spin_lock_bh(ptr) }
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: the caller holds the lock (the trait's contract).
        unsafe { b::ng_shim_spin_unlock_bh(ptr) }
    }
}

/// Data behind a spinlock taken with bottom halves disabled: usable from
/// process context, softirqs and timers alike. Each place that makes one
/// ([`new_spinlock_bh!`]) is its own lockdep class.
pub(crate) type SpinLockBh<T> = kernel::sync::lock::Lock<T, SpinLockBhBackend>;

/// A [`SpinLockBh`] initialiser, named `$name`, of a lockdep class of its
/// own.
macro_rules! new_spinlock_bh {
    ($inner:expr, $name:literal) => {
        kernel::sync::lock::Lock::<_, $crate::ffi::sched::SpinLockBhBackend>::new(
            $inner,
            kernel::c_str!($name),
            kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_spinlock_bh;

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
