// SPDX-License-Identifier: GPL-2.0

//! A periodic tick (ageing tables, timeouts), in process context on the
//! module's workqueue.

use crate::ffi::bindings as b;
use crate::ffi::port::Port;
use core::ptr::NonNull;
use kernel::sync::{Arc, ArcBorrow};

/// What a [`Tick`] calls (process context, no lock held).
pub(crate) trait TickHandler: Send + Sync + Sized + 'static {
    /// A period of `this`'s tick has passed.
    fn tick(this: ArcBorrow<'_, Self>);
}

/// A running tick that calls `T::tick` of its object.
///
/// # Invariants
///
/// `ptr` is a running tick whose callback is [`ticked::<T>`] and whose
/// context is `_obj`; dropping the tick stops it (waiting for a running
/// one) before `_obj` is released.
pub(crate) struct Tick<T: TickHandler> {
    ptr: NonNull<b::ng_tick>,
    /// Kept (and released after the C side has stopped) for the callback.
    _obj: Port<T>,
}

// SAFETY: the tick handle is only used to stop it.
unsafe impl<T: TickHandler> Send for Tick<T> {}
// SAFETY: as above.
unsafe impl<T: TickHandler> Sync for Tick<T> {}

impl<T: TickHandler> Tick<T> {
    /// Starts calling `T::tick(obj)` every `ms` milliseconds.
    pub(crate) fn start(obj: &Arc<T>, ms: u32) -> Option<Self> {
        let obj = Port::new(obj);
        // SAFETY: the context stays valid until `stop` (drop); the callback
        // is `ticked::<T>`, for this context's type.
        let p = unsafe { b::ng_shim_tick_start(Some(ticked::<T>), obj.as_ptr(), ms) };
        NonNull::new(p).map(|ptr| Self { ptr, _obj: obj })
    }
}

impl<T: TickHandler> Drop for Tick<T> {
    fn drop(&mut self) {
        // SAFETY: running tick; after this returns no tick runs or will.
        // `_obj` is released after this body.
        unsafe { b::ng_shim_tick_stop(self.ptr.as_ptr()) };
    }
}

/// A tick fired (called by the shim, process context).
///
/// # Safety
///
/// `ctx` is the `Port<T>` of a tick that is not yet stopped.
unsafe extern "C" fn ticked<T: TickHandler>(ctx: *mut core::ffi::c_void) {
    // SAFETY: `ctx` is the tick's `Port<T>`, dropped only after the tick is
    // stopped, which waits for this call.
    T::tick(unsafe { Port::<T>::borrow(ctx) });
}
