// SPDX-License-Identifier: GPL-2.0

//! A reference-counted object handed to C as a callback's context (the
//! "port"): the C side keeps the pointer and hands it back to a trampoline
//! for the object's own type, the `Adapter<T>` pattern of the kernel's
//! `rust/kernel/net/phy.rs`. The FFI layer never names what it calls back.

use core::ffi::c_void;
use core::marker::PhantomData;
use kernel::sync::{Arc, ArcBorrow};

/// One reference of an `Arc<T>`, held for C: taken on creation, released
/// on drop (after whoever calls back has stopped).
///
/// # Invariants
///
/// `ptr` comes from `Arc::into_raw` of an `Arc<T>` and is released only by
/// `drop` (or handed over by [`Port::into_raw`]).
pub(crate) struct Port<T: Send + Sync> {
    ptr: *const T,
    _p: PhantomData<Arc<T>>,
}

// SAFETY: it stands for an `Arc<T>`, which is `Send` and `Sync` when `T` is.
unsafe impl<T: Send + Sync> Send for Port<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for Port<T> {}

impl<T: Send + Sync> Port<T> {
    /// A new reference of `obj` for C.
    pub(crate) fn new(obj: &Arc<T>) -> Self {
        Self {
            ptr: Arc::into_raw(obj.clone()),
            _p: PhantomData,
        }
    }

    /// The context pointer to hand to C.
    pub(crate) fn as_ptr(&self) -> *mut c_void {
        self.ptr.cast_mut().cast()
    }

    /// Hands the reference over to C, which gives it back through
    /// [`Port::from_raw`].
    pub(crate) fn into_raw(self) -> *mut c_void {
        let p = self.as_ptr();
        core::mem::forget(self);
        p
    }

    /// Takes back a reference handed over by [`Port::into_raw`].
    ///
    /// # Safety
    ///
    /// `ctx` came from [`Port::into_raw`] for this `T` and is passed back
    /// once.
    pub(crate) unsafe fn from_raw(ctx: *mut c_void) -> Self {
        Self {
            ptr: ctx.cast::<T>().cast_const(),
            _p: PhantomData,
        }
    }

    /// The object of a context pointer, in a callback.
    ///
    /// # Safety
    ///
    /// `ctx` is the pointer of a live `Port<T>` (or of one handed over by
    /// [`Port::into_raw`] and not yet taken back) that is not released
    /// during `'a`.
    pub(crate) unsafe fn borrow<'a>(ctx: *mut c_void) -> ArcBorrow<'a, T> {
        // SAFETY: the reference is alive (the caller's promise), and it
        // came from `Arc::into_raw` (type invariant).
        unsafe { ArcBorrow::from_raw(ctx.cast::<T>().cast_const()) }
    }
}

impl<T: Send + Sync> Drop for Port<T> {
    fn drop(&mut self) {
        // SAFETY: taken in `new` (invariant), no longer used.
        drop(unsafe { Arc::from_raw(self.ptr) });
    }
}
