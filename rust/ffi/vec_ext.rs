// SPDX-License-Identifier: GPL-2.0

//! `Vec` (`KVec`, `KVVec`) operations this kernel's `alloc` does not have yet.

use kernel::alloc::{Allocator, Vec};

/// Removal helpers for `KVec`.
pub(crate) trait VecExt<T> {
    /// Removes and returns the last element.
    fn pop_last(&mut self) -> Option<T>;
    /// Removes and returns element `i`, shifting the rest down (keeps
    /// order); `None` if there is no element `i`.
    fn remove_at(&mut self, i: usize) -> Option<T>;
    /// Inserts `v` at `i` (at most `len`), shifting the rest up.
    fn insert_at(&mut self, i: usize, v: T) -> Result<(), kernel::alloc::AllocError>;
}

impl<T, A: Allocator> VecExt<T> for Vec<T, A> {
    fn insert_at(&mut self, i: usize, v: T) -> Result<(), kernel::alloc::AllocError> {
        let i = i.min(self.len());
        self.push(v, kernel::alloc::flags::GFP_KERNEL)?;
        self[i..].rotate_right(1);
        Ok(())
    }

    fn pop_last(&mut self) -> Option<T> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        // SAFETY: element `n - 1` is initialised; after `set_len(n - 1)` the
        // vector no longer owns it, so reading it out moves ownership to us
        // exactly once.
        unsafe {
            let v = core::ptr::read(self.as_ptr().add(n - 1));
            self.set_len(n - 1);
            Some(v)
        }
    }

    fn remove_at(&mut self, i: usize) -> Option<T> {
        let n = self.len();
        if i >= n {
            return None;
        }
        // SAFETY: `i < n`: element `i` is initialised and read out once; the
        // `n - i - 1` elements after it are moved down by one (overlapping
        // copy), then the length shrinks so the last slot is not dropped twice.
        unsafe {
            let p = self.as_mut_ptr().add(i);
            let v = core::ptr::read(p);
            core::ptr::copy(p.add(1), p, n - i - 1);
            self.set_len(n - 1);
            Some(v)
        }
    }
}
