// SPDX-License-Identifier: GPL-2.0

//! Per-CPU `u64` counters: the data path adds to its CPU's copy without
//! locks or shared cache lines; readers sum the copies.

use crate::ffi::bindings as b;
use core::ptr::NonNull;

/// `N` per-CPU counters.
///
/// # Invariants
///
/// `ptr` is a per-CPU area of `N` `u64`s from `ng_shim_pcpu_alloc`, owned.
pub(crate) struct Counters<const N: usize> {
    ptr: NonNull<core::ffi::c_void>,
}

// SAFETY: each CPU only writes its own copy (this_cpu_add); reads are sums.
unsafe impl<const N: usize> Send for Counters<N> {}
// SAFETY: as above.
unsafe impl<const N: usize> Sync for Counters<N> {}

impl<const N: usize> Counters<N> {
    /// Zeroed counters (process context).
    pub(crate) fn new() -> Option<Self> {
        // SAFETY: no preconditions.
        NonNull::new(unsafe { b::ng_shim_pcpu_alloc(N as u32) }).map(|ptr| Self { ptr })
    }

    /// Adds `v` to counter `i` on this CPU (any context: `this_cpu_add`).
    pub(crate) fn add(&self, i: usize, v: u64) {
        if i < N {
            // SAFETY: valid area (invariant) with counter `i < N`.
            unsafe { b::ng_shim_pcpu_add(self.ptr.as_ptr(), i as u32, v) }
        }
    }

    /// One frame's accounting: 1 to counter `packets`, `len` to `octets`,
    /// and 1 to `extra` if given (any context), in one call.
    pub(crate) fn count_frame(
        &self,
        packets: usize,
        octets: usize,
        len: u64,
        extra: Option<usize>,
    ) {
        let extra = match extra {
            Some(e) if e < N => e as i32,
            _ => -1,
        };
        if packets < N && octets < N {
            // SAFETY: valid area (invariant); every index is `< N`.
            unsafe {
                b::ng_shim_pcpu_add_frame(
                    self.ptr.as_ptr(),
                    packets as u32,
                    octets as u32,
                    len,
                    extra,
                )
            }
        }
    }

    /// The sum of counter `i` over all CPUs.
    pub(crate) fn get(&self, i: usize) -> u64 {
        if i >= N {
            return 0;
        }
        // SAFETY: valid area with N counters.
        unsafe { b::ng_shim_pcpu_sum(self.ptr.as_ptr(), i as u32) }
    }

    /// Zeroes every counter (concurrent adds may survive).
    pub(crate) fn clear(&self) {
        // SAFETY: valid area with N counters.
        unsafe { b::ng_shim_pcpu_clear(self.ptr.as_ptr(), N as u32) }
    }
}

impl<const N: usize> Drop for Counters<N> {
    fn drop(&mut self) {
        // SAFETY: we own the area; nobody adds any more (the owner is
        // released after a grace period).
        unsafe { b::ng_shim_pcpu_free(self.ptr.as_ptr()) }
    }
}
