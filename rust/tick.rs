// SPDX-License-Identifier: GPL-2.0

//! A periodic tick for a node (ageing tables, timeouts), in process context
//! on the module's workqueue.

use crate::bindings as b;
use crate::graph::Node;
use core::ptr::NonNull;
use kernel::sync::{Arc, ArcBorrow};

/// A running tick that calls `NodeImpl::tick` of its node.
///
/// # Invariants
///
/// `ptr` is a running tick whose context is a node reference leaked with
/// `Arc::into_raw`; both are released by `stop` (or drop).
pub(crate) struct Tick {
    ptr: NonNull<b::ng_tick>,
    node: *const Node,
}

// SAFETY: the tick handle is only used to stop it.
unsafe impl Send for Tick {}
// SAFETY: as above.
unsafe impl Sync for Tick {}

impl Tick {
    /// Starts calling `node.imp.tick()` every `ms` milliseconds.
    pub(crate) fn start(node: &Arc<Node>, ms: u32) -> Option<Self> {
        let raw = Arc::into_raw(node.clone());
        // SAFETY: `raw` stays valid until `stop` releases it.
        let p = unsafe { b::ng_shim_tick_start(raw.cast_mut().cast(), ms) };
        match NonNull::new(p) {
            Some(ptr) => Some(Self { ptr, node: raw }),
            None => {
                // SAFETY: not handed over.
                drop(unsafe { Arc::from_raw(raw) });
                None
            }
        }
    }
}

impl Drop for Tick {
    fn drop(&mut self) {
        // SAFETY: running tick; after this returns no tick runs or will.
        unsafe { b::ng_shim_tick_stop(self.ptr.as_ptr()) };
        // SAFETY: the reference leaked in `start`, no longer used.
        drop(unsafe { Arc::from_raw(self.node) });
    }
}

/// A tick fired (called by the shim, process context).
#[no_mangle]
pub(crate) extern "C" fn ng_rs_tick(ctx: *mut core::ffi::c_void) {
    // SAFETY: `ctx` is the node reference the tick owns until it is
    // stopped, which waits for this call.
    let node = unsafe { ArcBorrow::from_raw(ctx.cast::<Node>().cast_const()) };
    node.imp.tick(&node);
}

const _: [unsafe extern "C" fn(*mut core::ffi::c_void); 2] = [b::ng_rs_tick, ng_rs_tick];
