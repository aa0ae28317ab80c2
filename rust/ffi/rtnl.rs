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
