// SPDX-License-Identifier: GPL-2.0

//! The RTNL, the lock that serialises every graph's control operations
//! together with the device changes they make.

use crate::ffi::bindings as b;
use core::marker::PhantomData;

/// Proof that this thread holds the RTNL.
///
/// # Invariants
///
/// The RTNL is held while the token exists; if `owned`, the token took it
/// and releases it when dropped.
pub(crate) struct Rtnl {
    owned: bool,
    // The RTNL is a mutex: the token must stay on this thread.
    _not_send: PhantomData<*mut ()>,
}

impl Rtnl {
    /// Takes the RTNL (may sleep).
    pub(crate) fn lock() -> Self {
        // SAFETY: called in process context, without the RTNL (a recursive
        // take would deadlock, which lockdep reports).
        unsafe { b::ng_shim_rtnl_lock() };
        Self {
            owned: true,
            _not_send: PhantomData,
        }
    }

    /// A token for code that runs with the RTNL already held (netdevice
    /// notifiers, rtnetlink callbacks).
    ///
    /// # Safety
    ///
    /// The caller holds the RTNL for the token's whole life.
    pub(crate) unsafe fn assume_held() -> Self {
        // SAFETY: only checks (and warns) that the RTNL is held.
        unsafe { b::ng_shim_assert_rtnl() };
        Self {
            owned: false,
            _not_send: PhantomData,
        }
    }
}

impl Drop for Rtnl {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: `lock` took the RTNL (type invariant). Unlocking also
            // finishes device unregistrations queued meanwhile.
            unsafe { b::ng_shim_rtnl_unlock() };
        }
    }
}

/// A `Cell` that threads may share because every access holds the RTNL:
/// the RTNL serialises the threads, and, as with `Cell`, no reference to
/// the value is ever handed out, so reentrant use on one thread is sound.
///
/// # Invariants
///
/// `v` is only accessed by the methods below, each of which takes an RTNL
/// token and neither keeps nor returns a reference into it.
pub(crate) struct RtnlCell<T> {
    v: core::cell::UnsafeCell<T>,
}

// SAFETY: every access holds the RTNL (type invariant), which serialises
// the threads; the value may move between them (`T: Send`).
unsafe impl<T: Send> Sync for RtnlCell<T> {}

impl<T> RtnlCell<T> {
    pub(crate) const fn new(v: T) -> Self {
        Self {
            v: core::cell::UnsafeCell::new(v),
        }
    }

    /// Puts `v` in, returning the old value.
    pub(crate) fn replace(&self, _r: &Rtnl, v: T) -> T {
        // SAFETY: the RTNL is held, so no other thread accesses the cell,
        // and no reference into it exists on this one (type invariant).
        unsafe { core::mem::replace(&mut *self.v.get(), v) }
    }

    pub(crate) fn set(&self, r: &Rtnl, v: T) {
        drop(self.replace(r, v));
    }
}

impl<T: Copy> RtnlCell<T> {
    pub(crate) fn get(&self, _r: &Rtnl) -> T {
        // SAFETY: as in `replace`.
        unsafe { *self.v.get() }
    }
}

impl<T: Default> RtnlCell<T> {
    pub(crate) fn take(&self, r: &Rtnl) -> T {
        self.replace(r, T::default())
    }
}
