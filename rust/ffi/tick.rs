// SPDX-License-Identifier: GPL-2.0

//! A periodic tick for a node (ageing tables, timeouts), in process context
//! on the module's workqueue.

use crate::ffi::bindings as b;
use crate::ffi::sched::NodeCtx;
use crate::graph::Node;
use core::ptr::NonNull;
use kernel::sync::Arc;

/// A running tick that calls `NodeImpl::tick` of its node.
///
/// # Invariants
///
/// `ptr` is a running tick whose context is `_node`; dropping the tick
/// stops it (waiting for a running one) before `_node` is released.
pub(crate) struct Tick {
    ptr: NonNull<b::ng_tick>,
    /// Kept (and released after the C side has stopped) for the callback.
    _node: NodeCtx,
}

// SAFETY: the tick handle is only used to stop it.
unsafe impl Send for Tick {}
// SAFETY: as above.
unsafe impl Sync for Tick {}

impl Tick {
    /// Starts calling `node.imp.tick()` every `ms` milliseconds.
    pub(crate) fn start(node: &Arc<Node>, ms: u32) -> Option<Self> {
        let node = NodeCtx::new(node);
        // SAFETY: the context stays valid until `stop` (drop).
        let p = unsafe { b::ng_shim_tick_start(node.as_ptr(), ms) };
        NonNull::new(p).map(|ptr| Self { ptr, _node: node })
    }
}

impl Drop for Tick {
    fn drop(&mut self) {
        // SAFETY: running tick; after this returns no tick runs or will.
        // `_node` is released after this body.
        unsafe { b::ng_shim_tick_stop(self.ptr.as_ptr()) };
    }
}

/// A tick fired (called by the shim, process context).
///
/// # Safety
///
/// `ctx` is the `NodeCtx` of a tick that is not yet stopped.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_tick(ctx: *mut core::ffi::c_void) {
    // SAFETY: `ctx` is the tick's `NodeCtx`, dropped only after the tick
    // is stopped, which waits for this call.
    let node = unsafe { NodeCtx::borrow(ctx) };
    node.imp.tick(&node);
}

const _: [unsafe extern "C" fn(*mut core::ffi::c_void); 2] = [b::ng_rs_tick, ng_rs_tick];
