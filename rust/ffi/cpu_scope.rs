// SPDX-License-Identifier: GPL-2.0

//! The scope of the frame being forwarded on this CPU. An entry into the
//! data path that finds a scope further up its own stack (a device that
//! handed a frame back synchronously: a Linux bridge with eiface ports, an
//! ether node's `lower` on an eiface) joins it instead of opening a fresh
//! one, so that loops through devices share one budget. Only in BH context
//! (a softirq, or bottom halves off), where nothing else that forwards runs
//! on this CPU until the entry is done; elsewhere every entry is outermost.

use crate::ffi::bindings as b;
use core::any::TypeId;

/// A scope as the per-CPU slot holds it: its type first, so that a reader
/// can tell whether the scope is of the type it expects.
#[repr(C)]
struct Tagged<S> {
    ty: TypeId,
    s: S,
}

/// Runs `f` in this CPU's scope of type `S`: the one an entry further up
/// this stack opened (`f(s, false)`) or, at the outermost entry, a new one
/// made by `make` (`f(s, true)`), which entries nested in `f` join and which
/// closes when `f` returns.
pub(crate) fn run<S: 'static, R>(make: impl FnOnce() -> S, f: impl FnOnce(&S, bool) -> R) -> R {
    // SAFETY: reads this CPU's slot; NULL outside BH context.
    let cur = unsafe { b::ng_shim_fwd_ctx() };
    if !cur.is_null() {
        // A non-null slot was set below by an outer `run` on this CPU, still
        // running further up this stack (it clears the slot before its
        // `Tagged` goes); every `Tagged` starts with its `TypeId` (repr(C)).
        // SAFETY: as just said.
        let ty = unsafe { *cur.cast::<TypeId>() };
        if ty == TypeId::of::<S>() {
            // SAFETY: as above, and the tag says the scope is an `S`.
            let t = unsafe { &*cur.cast::<Tagged<S>>() };
            return f(&t.s, false);
        }
    }
    let t = Tagged {
        ty: TypeId::of::<S>(),
        s: make(),
    };
    let p = core::ptr::from_ref(&t).cast_mut().cast();
    // SAFETY: `t` outlives the slot: it is cleared below. The shim refuses
    // (false) outside BH context or when a scope is already open.
    let entered = unsafe { b::ng_shim_fwd_ctx_enter(p) };
    let r = f(&t.s, true);
    if entered {
        // SAFETY: we set the slot above.
        unsafe { b::ng_shim_fwd_ctx_leave(p) };
    }
    r
}
