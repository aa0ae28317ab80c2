// SPDX-License-Identifier: GPL-2.0

//! Owned socket buffers: every frame is forwarded, consumed or dropped
//! exactly once.

use crate::bindings;
use crate::errno::{DResult, EMSGSIZE, ENOMEM};
use core::ptr::NonNull;

/// An `sk_buff` we own.
///
/// # Invariants
///
/// `0` points to a valid `sk_buff` to which we hold the only reference that
/// will be released (by drop, `consume` or `into_raw`).
pub(crate) struct Skb(NonNull<bindings::sk_buff>);

// SAFETY: an owned skb may be handed to another CPU; the kernel does so.
unsafe impl Send for Skb {}

impl Skb {
    /// A new frame holding a copy of `data`.
    pub(crate) fn from_bytes(data: &[u8], atomic: bool) -> DResult<Self> {
        let len = u32::try_from(data.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: `data` is readable for `len` bytes.
        let p = unsafe { bindings::ng_shim_skb_from_bytes(data.as_ptr().cast(), len, atomic) };
        NonNull::new(p).map(Skb).ok_or(ENOMEM)
    }

    /// Takes ownership of a raw skb.
    ///
    /// # Safety
    ///
    /// `p` is a valid skb whose reference the caller gives up.
    #[allow(dead_code)]
    pub(crate) unsafe fn from_raw(p: NonNull<bindings::sk_buff>) -> Self {
        Skb(p)
    }

    /// Gives up ownership (to a kernel function that consumes skbs).
    pub(crate) fn into_raw(self) -> *mut bindings::sk_buff {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }

    pub(crate) fn as_ptr(&self) -> *const bindings::sk_buff {
        self.0.as_ptr()
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: valid skb (invariant).
        unsafe { bindings::ng_shim_skb_len(self.0.as_ptr()) }
    }

    /// The first `N` bytes (e.g. the Ethernet header), if the frame has
    /// that many.
    pub(crate) fn head<const N: usize>(&self) -> Option<[u8; N]> {
        let mut buf = [0u8; N];
        // SAFETY: valid skb; `buf` has room for N bytes.
        let r = unsafe {
            bindings::ng_shim_skb_copy_bits(self.0.as_ptr(), 0, buf.as_mut_ptr().cast(), N as u32)
        };
        (r == 0).then_some(buf)
    }

    /// A clone sharing the data (for flooding), without sleeping.
    pub(crate) fn clone_atomic(&self) -> Option<Self> {
        // SAFETY: valid skb; skb_clone returns a new reference or null.
        let p = unsafe { bindings::ng_shim_skb_clone(self.0.as_ptr()) };
        NonNull::new(p).map(Skb)
    }

    /// Frees a frame that was delivered (not a drop).
    pub(crate) fn consume(self) {
        // SAFETY: we own the reference (invariant).
        unsafe { bindings::consume_skb(self.into_raw()) };
    }
}

impl Drop for Skb {
    fn drop(&mut self) {
        // SAFETY: we own the reference (invariant). Dropping a frame without
        // delivering it is a drop, visible to drop monitors.
        unsafe { bindings::ng_shim_kfree_skb(self.0.as_ptr()) };
    }
}
