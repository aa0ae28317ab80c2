// SPDX-License-Identifier: GPL-2.0

//! The bridge's forwarding database: MAC address -> (link, age, staleness),
//! with lock-free lookups and inserts from the data path (the kernel's
//! rhashtable, through the shim).

use crate::ffi::bindings as b;
use crate::ffi::rcu;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};

/// A forwarding database.
///
/// # Invariants
///
/// `ptr` is a table from `ng_shim_fdb_new` owned by this value.
pub(crate) struct Fdb {
    ptr: NonNull<b::ng_fdb>,
}

// SAFETY: the table is built for concurrent use (RCU readers, concurrent
// inserts and removals).
unsafe impl Send for Fdb {}
// SAFETY: as above.
unsafe impl Sync for Fdb {}

/// One entry, borrowed for an RCU read section or a walk.
///
/// # Invariants
///
/// `ptr` is an entry of the table that stays allocated for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct Entry<'a> {
    ptr: NonNull<b::ng_fdb_entry>,
    _p: core::marker::PhantomData<&'a ()>,
}

#[derive(Clone, Copy)]
enum F {
    Link,
    Age,
    Staleness,
}

impl<'a> Entry<'a> {
    /// # Safety
    ///
    /// `p` is null or an entry of the table that stays allocated for `'a`.
    unsafe fn from_ptr(p: *mut b::ng_fdb_entry) -> Option<Self> {
        // INVARIANT: by the caller's guarantee.
        NonNull::new(p).map(|ptr| Entry {
            ptr,
            _p: core::marker::PhantomData,
        })
    }
}

impl Entry<'_> {
    fn field(&self, f: F) -> &AtomicU32 {
        let p = self.ptr.as_ptr();
        // SAFETY: the entry is live (type invariant); the fields are
        // properly aligned u32s that every user accesses atomically.
        unsafe {
            let fp = match f {
                F::Link => core::ptr::addr_of_mut!((*p).link),
                F::Age => core::ptr::addr_of_mut!((*p).age),
                F::Staleness => core::ptr::addr_of_mut!((*p).staleness),
            };
            AtomicU32::from_ptr(fp)
        }
    }

    pub(crate) fn addr(&self) -> [u8; 6] {
        // SAFETY: live entry; the address never changes after insertion.
        unsafe { (*self.ptr.as_ptr()).addr }
    }

    pub(crate) fn link(&self) -> u32 {
        self.field(F::Link).load(Ordering::Relaxed)
    }

    pub(crate) fn set_link(&self, l: u32) {
        self.field(F::Link).store(l, Ordering::Relaxed)
    }

    pub(crate) fn age(&self) -> u32 {
        self.field(F::Age).load(Ordering::Relaxed)
    }

    pub(crate) fn set_age(&self, v: u32) {
        self.field(F::Age).store(v, Ordering::Relaxed)
    }

    pub(crate) fn staleness(&self) -> u32 {
        self.field(F::Staleness).load(Ordering::Relaxed)
    }

    pub(crate) fn set_staleness(&self, v: u32) {
        self.field(F::Staleness).store(v, Ordering::Relaxed)
    }
}

impl Fdb {
    /// A new, empty table (process context).
    pub(crate) fn new() -> Option<Self> {
        // SAFETY: no preconditions.
        NonNull::new(unsafe { b::ng_shim_fdb_new() }).map(|ptr| Self { ptr })
    }

    /// The entry for `addr`.
    pub(crate) fn lookup<'g>(&self, _g: &'g rcu::Guard, addr: &[u8; 6]) -> Option<Entry<'g>> {
        // SAFETY: valid table; RCU is held (`_g`), so a returned entry stays
        // allocated until `'g` ends (removals free after a grace period).
        unsafe { Entry::from_ptr(b::ng_shim_fdb_lookup(self.ptr.as_ptr(), addr.as_ptr())) }
    }

    /// The entries for `a` and, if given, `b`, in one call into the table
    /// (a forwarding decision reads its source's and its destination's).
    pub(crate) fn lookup2<'g>(
        &self,
        _g: &'g rcu::Guard,
        a: &[u8; 6],
        b: Option<&[u8; 6]>,
    ) -> (Option<Entry<'g>>, Option<Entry<'g>>) {
        let bp = b.map_or(core::ptr::null(), |b| b.as_ptr());
        // SAFETY: valid table, `a` and `bp` (or null) point to 6 bytes; RCU
        // is held (`_g`), so returned entries stay allocated until `'g`
        // ends.
        unsafe {
            let r = b::ng_shim_fdb_lookup2(self.ptr.as_ptr(), a.as_ptr(), bp);
            (Entry::from_ptr(r.a), Entry::from_ptr(r.b))
        }
    }

    /// Inserts `addr` on `link` (or finds the entry a racing insert made).
    /// `None` if memory is short.
    pub(crate) fn learn<'g>(
        &self,
        _g: &'g rcu::Guard,
        addr: &[u8; 6],
        link: u32,
        atomic: bool,
    ) -> Option<Entry<'g>> {
        // SAFETY: valid table; RCU held as above.
        unsafe {
            Entry::from_ptr(b::ng_shim_fdb_learn(
                self.ptr.as_ptr(),
                addr.as_ptr(),
                link,
                atomic,
            ))
        }
    }

    /// Removes `e` (freed after a grace period).
    pub(crate) fn remove(&self, e: Entry<'_>) {
        let _g = rcu::read_lock();
        // SAFETY: valid table; `e` is one of its entries (or already
        // removed, which the shim ignores).
        unsafe { b::ng_shim_fdb_remove(self.ptr.as_ptr(), e.ptr.as_ptr()) };
    }

    /// Number of entries.
    pub(crate) fn count(&self) -> u32 {
        // SAFETY: valid table.
        unsafe { b::ng_shim_fdb_count(self.ptr.as_ptr()) }
    }

    /// Calls `f` for every entry until it returns `false` (process
    /// context; entries inserted or removed meanwhile may or may not be
    /// seen).
    pub(crate) fn walk(&self, mut f: impl FnMut(Entry<'_>) -> bool) {
        let mut cb: &mut dyn FnMut(Entry<'_>) -> bool = &mut f;
        // SAFETY: valid table; the callback and its context live for the
        // whole call; process context.
        unsafe {
            b::ng_shim_fdb_walk(
                self.ptr.as_ptr(),
                Some(walk_cb),
                (&mut cb as *mut &mut dyn FnMut(Entry<'_>) -> bool).cast(),
            )
        };
    }
}

/// # Safety
///
/// `ctx` is the callback `Fdb::walk` passed, and `e` null or an entry of
/// the table being walked (under RCU).
unsafe extern "C" fn walk_cb(ctx: *mut core::ffi::c_void, e: *mut b::ng_fdb_entry) -> bool {
    // SAFETY: `ctx` is the `&mut dyn FnMut` passed by `Fdb::walk`, alive for
    // the walk.
    let f = unsafe { &mut *ctx.cast::<&mut dyn FnMut(Entry<'_>) -> bool>() };
    // SAFETY: the walk holds RCU while calling back: the entry stays
    // allocated for the call.
    unsafe { Entry::from_ptr(e) }.is_some_and(f)
}

/// A resumable walk over a table, for dumps that span many calls.
///
/// # Invariants
///
/// `ptr` is a walk from `ng_shim_fdb_iter_new` over `fdb`'s table, which
/// the `Arc` keeps alive; freed by drop.
pub(crate) struct FdbIter {
    ptr: NonNull<b::ng_fdb_iter>,
    fdb: kernel::sync::Arc<Fdb>,
}

// SAFETY: the walk is used by one dump call at a time (netlink serialises
// a socket's dump calls), possibly on different threads.
unsafe impl Send for FdbIter {}

impl FdbIter {
    /// A walk from the start of `fdb` (process context).
    pub(crate) fn new(fdb: &kernel::sync::Arc<Fdb>) -> Option<Self> {
        // SAFETY: valid table, kept alive by the clone stored beside.
        let p = unsafe { b::ng_shim_fdb_iter_new(fdb.ptr.as_ptr()) };
        NonNull::new(p).map(|ptr| Self {
            ptr,
            fdb: fdb.clone(),
        })
    }

    /// Calls `f` from the current position on; an entry `f` refuses
    /// (returns `false` for) is offered again next time. `true` at the end.
    pub(crate) fn walk(&mut self, mut f: impl FnMut(Entry<'_>) -> bool) -> bool {
        let _ = &self.fdb;
        let mut cb: &mut dyn FnMut(Entry<'_>) -> bool = &mut f;
        // SAFETY: valid walk over a live table; the callback and its
        // context live for the call; process context.
        unsafe {
            b::ng_shim_fdb_iter_walk(
                self.ptr.as_ptr(),
                Some(walk_cb),
                (&mut cb as *mut &mut dyn FnMut(Entry<'_>) -> bool).cast(),
            )
        }
    }
}

impl Drop for FdbIter {
    fn drop(&mut self) {
        // SAFETY: our walk; the table is still alive (`self.fdb` is dropped
        // after this).
        unsafe { b::ng_shim_fdb_iter_free(self.ptr.as_ptr()) };
    }
}

impl Drop for Fdb {
    fn drop(&mut self) {
        // SAFETY: we own the table; the owner is dropped only after every
        // reader is gone (the bridge is released after a grace period).
        unsafe { b::ng_shim_fdb_destroy(self.ptr.as_ptr()) };
    }
}
