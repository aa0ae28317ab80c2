// SPDX-License-Identifier: GPL-2.0

//! RCU for the data path: read-side guards, RCU-published `Arc` pointers,
//! and deferred release of what writers unpublish.
//!
//! Writers (the graph's control operations) are serialised by the graph
//! mutex, which owns the [`Writer`] token that [`RcuArc::replace`] demands.
//! Readers (frames) take a [`Guard`] and get references that live no longer
//! than it. An unpublished object is kept in a [`Retired`] list whose drop
//! waits for a grace period before releasing it.

use crate::ffi::bindings;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};

/// An RCU read-side critical section.
///
/// # Invariants
///
/// The guard exists inside an RCU read-side critical section that lasts at
/// least as long as it. Unless `kind` is [`Kind::Caller`], the constructor
/// entered that section (`rcu_read_lock()`, after `local_bh_disable()` for
/// [`Kind::OwnBh`]) and drop leaves it, in the same context (the guard is
/// neither `Send` nor `Sync`).
pub(crate) struct Guard {
    kind: Kind,
    _p: PhantomData<*mut ()>,
}

/// What a [`Guard`] undoes when dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `rcu_read_unlock()`.
    Own,
    /// `rcu_read_unlock()`, then `local_bh_enable()`.
    OwnBh,
    /// Nothing: the section belongs to the caller (see [`held`]).
    Caller,
}

/// Enters an RCU read-side critical section (softirq callers).
pub(crate) fn read_lock() -> Guard {
    // SAFETY: always allowed; balanced by `Guard::drop`.
    unsafe { bindings::ng_shim_rcu_read_lock() };
    Guard {
        kind: Kind::Own,
        _p: PhantomData,
    }
}

/// Enters an RCU read-side critical section with bottom halves disabled, so
/// that a frame injected from process context runs the data path in the
/// same conditions as one arriving in softirq.
pub(crate) fn read_lock_bh() -> Guard {
    // SAFETY: process or softirq context; balanced by `Guard::drop`.
    unsafe {
        bindings::ng_shim_local_bh_disable();
        bindings::ng_shim_rcu_read_lock();
    }
    Guard {
        kind: Kind::OwnBh,
        _p: PhantomData,
    }
}

/// The RCU read-side critical section the caller is already in, without
/// entering another one: for the receive handler, which the core always
/// runs under `rcu_read_lock()`. (Nesting would be correct too, but costs
/// two calls and, with lockdep, two lock-map updates per frame.)
///
/// # Safety
///
/// The caller holds `rcu_read_lock()` for as long as the guard lives. (A
/// section that only disables bottom halves is not enough: C code reached
/// from the guard, e.g. `rhashtable_lookup()`, checks `rcu_read_lock_held()`.)
pub(crate) unsafe fn held() -> Guard {
    Guard {
        kind: Kind::Caller,
        _p: PhantomData,
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.kind == Kind::Caller {
            return;
        }
        // SAFETY: the guard's invariant: we hold what the constructor took.
        unsafe {
            bindings::ng_shim_rcu_read_unlock();
            if self.kind == Kind::OwnBh {
                bindings::ng_shim_local_bh_enable();
            }
        }
    }
}

/// Proof that the caller is the only writer of a set of [`RcuArc`]s.
pub(crate) struct Writer(());

impl Writer {
    /// # Safety
    ///
    /// The caller keeps the token behind the lock that serialises every
    /// writer of the pointers it is used with.
    pub(crate) unsafe fn new() -> Self {
        Writer(())
    }
}

/// An `Option<Arc<T>>` that readers load under RCU without locks.
///
/// # Invariants
///
/// `ptr` is null or the result of `Arc::into_raw` owned by this cell.
///
/// Loads are acquire loads, stronger than the `READ_ONCE()` of
/// `rcu_dereference()` (which adds only lockdep's check that a read section
/// is held: here a [`Guard`] proves it at compile time); stores are release
/// stores, as `rcu_assign_pointer()`.
pub(crate) struct RcuArc<T: 'static> {
    ptr: AtomicPtr<T>,
    _p: PhantomData<Arc<T>>,
}

// `Send`/`Sync` as `Arc<T>` (through `_p`): the cell hands out `&T` to
// readers on any CPU and moves `Arc<T>` between writers.

impl<T: 'static> RcuArc<T> {
    /// An empty cell.
    pub(crate) const fn empty() -> Self {
        Self {
            ptr: AtomicPtr::new(core::ptr::null_mut()),
            _p: PhantomData,
        }
    }

    /// A cell holding `v` (nobody reads a new cell yet).
    pub(crate) fn new(v: Option<Arc<T>>) -> Self {
        Self {
            ptr: AtomicPtr::new(v.map_or(core::ptr::null_mut(), |a| Arc::into_raw(a).cast_mut())),
            _p: PhantomData,
        }
    }

    /// The current value, valid while `_g` is held.
    pub(crate) fn get<'g>(&self, _g: &'g Guard) -> Option<&'g T> {
        // Pairs with the release store in `replace`: the object's contents
        // are visible.
        let p = self.ptr.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // A writer that unpublishes the value keeps it in a `Retired` list,
        // released only after a grace period, which cannot end while `_g`
        // is held: the object outlives `'g`.
        // SAFETY: non-null values come from `Arc::into_raw` (invariant) and
        // live for `'g` (above).
        Some(unsafe { &*p })
    }

    /// The current value as a new reference of its own (which outlives
    /// the read section).
    pub(crate) fn get_arc(&self, _g: &Guard) -> Option<Arc<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: as in `get`: `p` came from `Arc::into_raw` and the object
        // lives while `_g` is held; the borrow becomes a new reference.
        Some(unsafe { ArcBorrow::from_raw(p) }.into())
    }

    /// Publishes `new` and returns the previous value, which readers may
    /// still see until a grace period has passed: put it in a [`Retired`].
    #[must_use]
    pub(crate) fn replace(&self, new: Option<Arc<T>>, _w: &mut Writer) -> Option<Arc<T>> {
        let newp = new.map_or(core::ptr::null_mut(), |a| Arc::into_raw(a).cast_mut());
        // Writers are serialised by `_w`, so nobody stores between the two
        // operations; readers only load.
        let old = self.ptr.swap(newp, Ordering::Release);
        if old.is_null() {
            None
        } else {
            // SAFETY: `old` came from `into_raw` and this cell owned it;
            // ownership moves to the caller.
            Some(unsafe { Arc::from_raw(old) })
        }
    }
}

impl<T: 'static> RcuArc<T> {
    /// [`RcuArc::replace`] for cells that node types write only under the
    /// RTNL (their control callbacks), which serialises the writers.
    #[must_use]
    pub(crate) fn replace_rtnl(
        &self,
        new: Option<Arc<T>>,
        _r: &crate::ffi::rtnl::Rtnl,
    ) -> Option<Arc<T>> {
        // SAFETY: every writer of a cell written through this function holds
        // the RTNL (the caller's token proves it), so they are serialised.
        let mut w = unsafe { Writer::new() };
        self.replace(new, &mut w)
    }

    /// [`RcuArc::replace_rtnl`], the old value released after a grace
    /// period (readers may still hold it until then).
    pub(crate) fn publish_rtnl(&self, new: Option<Arc<T>>, r: &crate::ffi::rtnl::Rtnl)
    where
        T: Send + Sync,
    {
        let mut old = Retired::new();
        if let Some(o) = self.replace_rtnl(new, r) {
            old.push(o);
        }
    }

    /// For a copy-on-write change of the vector `items` shows of the
    /// current value (written only under the RTNL, so it cannot change
    /// meanwhile): a copy of it with room for one more (empty if none).
    pub(crate) fn copy_vec<E: Clone>(&self, items: impl Fn(&T) -> &[E]) -> Result<KVec<E>> {
        let len = {
            let g = read_lock();
            self.get(&g).map_or(0, |t| items(t).len())
        };
        // Allocated outside the read section.
        let mut v = KVec::with_capacity(len + 1, GFP_KERNEL)?;
        let g = read_lock();
        if let Some(t) = self.get(&g) {
            for x in items(t).iter().take(len) {
                // Cannot allocate: the capacity is there.
                v.push(x.clone(), GFP_ATOMIC)?;
            }
        }
        Ok(v)
    }
}

impl<T: 'static> Drop for RcuArc<T> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        if !p.is_null() {
            // SAFETY: we own the value (invariant) and, being dropped, no
            // reader can reach this cell any more: the cell itself was only
            // reachable through an object retired after a grace period.
            drop(unsafe { Arc::from_raw(p) });
        }
    }
}

/// Objects unpublished by a writer, released (dropped) in process context
/// once a grace period has passed, without making the writer wait.
///
/// # Invariants
///
/// `items` is empty or its contents are no longer reachable by new readers.
pub(crate) struct Retired<T: Send + 'static> {
    items: KVec<T>,
}

impl<T: Send + 'static> Retired<T> {
    pub(crate) fn new() -> Self {
        Self { items: KVec::new() }
    }

    /// Keeps `v` until a grace period after the list is dropped. If memory
    /// is short, waits for a grace period now and releases `v` at once.
    pub(crate) fn push(&mut self, v: T) {
        // Hand off in batches, so that a big teardown never needs one huge
        // allocation.
        if self.items.len() >= BATCH {
            self.flush();
        }
        // `KVec::push` drops its argument when it cannot grow: reserve
        // first, so that `v` is never released before a grace period.
        if self.items.reserve(1, GFP_KERNEL).is_err() {
            synchronize();
            drop(v);
            return;
        }
        // Cannot fail: capacity is reserved.
        let _ = self.items.push(v, GFP_KERNEL);
    }
}

/// What the shim hands back to [`release`]: a boxed drop function
/// and its data.
struct Deferred {
    release: fn(*mut core::ffi::c_void),
    data: *mut core::ffi::c_void,
}

fn release_vec<T>(data: *mut core::ffi::c_void) {
    // SAFETY: `data` came from `KBox::into_raw` of a `KBox<KVec<T>>` in
    // `Retired::flush`, with the same `T` (this function was chosen there).
    drop(unsafe { KBox::from_raw(data.cast::<KVec<T>>()) });
}

/// Most objects handed off for release at once.
const BATCH: usize = 2048;

impl<T: Send + 'static> Drop for Retired<T> {
    fn drop(&mut self) {
        self.flush();
    }
}

impl<T: Send + 'static> Retired<T> {
    /// Hands the objects collected so far off for release after a grace
    /// period.
    fn flush(&mut self) {
        if self.items.is_empty() {
            return;
        }
        // Allocate both boxes before moving the items, so that a failure
        // never frees them early (`KBox::new` drops its argument on failure).
        let (Ok(slot), Ok(dslot)) = (
            KBox::<KVec<T>>::new_uninit(GFP_KERNEL),
            KBox::<Deferred>::new_uninit(GFP_KERNEL),
        ) else {
            // Out of memory: wait for the grace period here instead.
            synchronize();
            self.items = KVec::new();
            return;
        };
        let items = core::mem::take(&mut self.items);
        let boxed = KBox::write(slot, items);
        let d = KBox::write(
            dslot,
            Deferred {
                release: release_vec::<T>,
                data: KBox::into_raw(boxed).cast(),
            },
        );
        // SAFETY: the shim calls `release` with this pointer exactly once,
        // in process context, after a grace period.
        unsafe { bindings::ng_shim_defer_release(Some(release), KBox::into_raw(d).cast()) };
    }
}

/// Runs a deferred release (called by the shim after a grace period).
///
/// # Safety
///
/// `data` is a release queued by `Retired::flush`, passed back once,
/// after a grace period.
unsafe extern "C" fn release(data: *mut core::ffi::c_void) {
    // SAFETY: `data` is the `KBox<Deferred>` given to the shim in
    // `Retired::flush`; the shim passes it back once.
    let d = unsafe { KBox::from_raw(data.cast::<Deferred>()) };
    (d.release)(d.data);
}

/// Waits for every pre-existing RCU reader to finish (may sleep).
pub(crate) fn synchronize() {
    // SAFETY: called from process context by writers, never under a guard.
    unsafe { bindings::synchronize_rcu() };
}

/// Lets the scheduler run something else during a long loop in process
/// context (a big teardown).
pub(crate) fn cond_resched() {
    // SAFETY: process context, no RCU read lock held (writers only).
    unsafe { bindings::ng_shim_cond_resched() };
}
