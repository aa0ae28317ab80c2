// SPDX-License-Identifier: GPL-2.0

//! Owned socket buffers: every frame is forwarded, consumed or dropped
//! exactly once.

use crate::ffi::bindings;
use crate::ffi::errno::{self, DResult, EINVAL, EMSGSIZE, ENOMEM};
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

    /// The frame as plain frames: a GSO frame's segments, any other frame
    /// itself. `ENOMEM` (the frame gone) if it could not be segmented.
    pub(crate) fn segments(self) -> DResult<Segments> {
        // SAFETY: we own the skb; the shim consumes it and hands back the
        // segments (or the skb itself), each owned by the list.
        let head = unsafe { bindings::ng_shim_skb_segment(self.into_raw()) };
        if head.is_null() {
            Err(ENOMEM)
        } else {
            Ok(Segments { head })
        }
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: valid skb (invariant).
        unsafe { (*self.0.as_ptr()).len }
    }

    /// The frame's length and its first `N` bytes (e.g. the Ethernet
    /// header), if it has that many: one call for what a forwarding
    /// decision reads.
    #[inline(always)]
    pub(crate) fn head<const N: usize>(&self) -> Option<(u32, [u8; N])> {
        // SAFETY: valid skb (invariant).
        let s = unsafe { &*self.0.as_ptr() };
        if (s.len as usize) < N {
            return None;
        }
        let mut buf = [0u8; N];
        // skb_headlen(): the linear part.
        if s.len.saturating_sub(s.data_len) as usize >= N {
            // The linear part stays in place and unwritten while we hold
            // `&self` (a clone sharing it copies before writing).
            // SAFETY: `data` holds `len - data_len` >= N bytes, unchanged
            // meanwhile.
            let linear = unsafe { core::slice::from_raw_parts(s.data, N) };
            buf.copy_from_slice(linear);
        } else if self.copy_prefix(&mut buf) < N {
            return None;
        }
        Some((s.len, buf))
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
        unsafe { bindings::ng_shim_consume_skb(self.into_raw()) };
    }
}

impl Drop for Skb {
    fn drop(&mut self) {
        // SAFETY: we own the reference (invariant). Dropping a frame without
        // delivering it is a drop, visible to drop monitors.
        unsafe { bindings::ng_shim_kfree_skb(self.0.as_ptr()) };
    }
}

impl Skb {
    /// Up to `buf.len()` leading bytes; returns how many were copied.
    pub(crate) fn copy_prefix(&self, buf: &mut [u8]) -> usize {
        let n = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: valid skb; `buf` has room for `n` bytes.
        let copied = unsafe {
            bindings::ng_shim_skb_copy_prefix(self.0.as_ptr(), buf.as_mut_ptr().cast(), n)
        };
        copied as usize
    }

    /// The out-of-band 802.1Q tag (Linux's accelerated tag, kept beside
    /// the bytes): its TPID and TCI.
    pub(crate) fn vlan_tag(&self) -> Option<(u16, u16)> {
        let (mut proto, mut tci) = (0u16, 0u16);
        // SAFETY: valid skb (invariant); the shim writes both on `true`.
        unsafe { bindings::ng_shim_skb_vlan_get(self.0.as_ptr(), &mut proto, &mut tci) }
            .then_some((proto, tci))
    }

    /// Sets the out-of-band tag.
    pub(crate) fn set_vlan_tag(&mut self, proto: u16, tci: u16) {
        // SAFETY: we own the skb (invariant).
        unsafe { bindings::ng_shim_skb_vlan_set(self.0.as_ptr(), proto, tci) }
    }

    /// Clears the out-of-band tag.
    pub(crate) fn clear_vlan_tag(&mut self) {
        // SAFETY: we own the skb (invariant).
        unsafe { bindings::ng_shim_skb_vlan_clear(self.0.as_ptr()) }
    }

    /// Cuts the in-band tag out of a frame that has one (at least 18 bytes,
    /// its EtherType a TPID); on error the frame is unchanged.
    pub(crate) fn vlan_pop(&mut self) -> DResult {
        if self.len() < 18 {
            return Err(EINVAL);
        }
        // SAFETY: we own the skb (invariant), which is long enough.
        errno::check(unsafe { bindings::ng_shim_skb_vlan_pop(self.0.as_ptr()) })
    }

    /// Inserts an in-band tag after the MAC addresses; on error the frame
    /// is unchanged.
    pub(crate) fn vlan_insert(&mut self, proto: u16, tci: u16) -> DResult {
        if self.len() < 14 {
            return Err(EINVAL);
        }
        // SAFETY: we own the skb (invariant), which holds an Ethernet
        // header.
        errno::check(unsafe { bindings::ng_shim_skb_vlan_insert(self.0.as_ptr(), proto, tci) })
    }

    /// The frame with an out-of-band tag moved into its bytes, as every
    /// frame from a device enters the graph; `ENOMEM` (frame gone) if there
    /// was no room.
    pub(crate) fn tag_inside(self) -> DResult<Self> {
        // SAFETY: we give up the skb; the shim returns it (or frees it and
        // returns null).
        let p = unsafe { bindings::ng_shim_skb_vlan_inside(self.into_raw()) };
        NonNull::new(p).map(Skb).ok_or(ENOMEM)
    }

    /// Detaches a frame that is going to be held for a while from its
    /// socket, route and device.
    pub(crate) fn park(&mut self) {
        // SAFETY: we own the skb (invariant).
        unsafe { bindings::ng_shim_skb_park(self.0.as_ptr()) };
    }
}

/// A held frame carries its departure time in its control buffer.
impl crate::types::pipe::logic::Frame for Skb {
    fn len(&self) -> u32 {
        Skb::len(self)
    }

    fn truesize(&self) -> u32 {
        // SAFETY: valid skb (invariant).
        unsafe { (*self.0.as_ptr()).truesize }
    }

    fn due(&self) -> u64 {
        // SAFETY: valid skb; its control buffer (48 bytes) belongs to the
        // frame's holder, which keeps the time in its first 8.
        let cb = unsafe { &(*self.0.as_ptr()).cb };
        let mut t = [0u8; 8];
        t.copy_from_slice(&cb[..8]);
        u64::from_ne_bytes(t)
    }

    fn set_due(&mut self, t: u64) {
        // SAFETY: as in `due`; we own the frame.
        let cb = unsafe { &mut (*self.0.as_ptr()).cb };
        cb[..8].copy_from_slice(&t.to_ne_bytes());
    }
}

/// The frame after `p` in a list (`skb->next`).
///
/// # Safety
///
/// `p` is a valid skb the caller owns.
unsafe fn next(p: *mut bindings::sk_buff) -> *mut bindings::sk_buff {
    // SAFETY: valid skb (the caller's promise); the list view of its first
    // union is the one lists use.
    unsafe { (*p).__bindgen_anon_1.__bindgen_anon_1.next }
}

/// # Safety
///
/// As for [`next`].
unsafe fn prev(p: *mut bindings::sk_buff) -> *mut bindings::sk_buff {
    // SAFETY: as in `next`.
    unsafe { (*p).__bindgen_anon_1.__bindgen_anon_1.prev }
}

/// # Safety
///
/// As for [`next`].
unsafe fn set_next(p: *mut bindings::sk_buff, n: *mut bindings::sk_buff) {
    // SAFETY: as in `next`; the caller owns the frame.
    unsafe { (*p).__bindgen_anon_1.__bindgen_anon_1.next = n };
}

/// # Safety
///
/// As for [`next`].
unsafe fn set_prev(p: *mut bindings::sk_buff, n: *mut bindings::sk_buff) {
    // SAFETY: as in `next`; the caller owns the frame.
    unsafe { (*p).__bindgen_anon_1.__bindgen_anon_1.prev = n };
}

/// A FIFO of owned frames, linked through the frames themselves (no
/// allocation per frame).
///
/// # Invariants
///
/// `head` starts a chain of owned skbs linked both ways by `next` and
/// `prev` (null at the ends) and ending at `tail`; `tail` is null iff
/// `head` is `None`.
#[derive(Default)]
pub(crate) struct SkbList {
    head: Option<Skb>,
    tail: *mut bindings::sk_buff,
}

// SAFETY: the list owns its frames, which may move between CPUs.
unsafe impl Send for SkbList {}

impl crate::types::pipe::logic::FrameQueue for SkbList {
    type F = Skb;

    fn push_back(&mut self, f: Skb) {
        let p = f.into_raw();
        // SAFETY: we own `p`; it ends the chain, after `tail`.
        unsafe {
            set_next(p, core::ptr::null_mut());
            set_prev(p, self.tail);
        }
        if self.tail.is_null() {
            // SAFETY: `p` is owned and now belongs to the list.
            self.head = Some(unsafe { Skb::from_raw(NonNull::new_unchecked(p)) });
        } else {
            // SAFETY: `tail` is the list's last frame (invariant).
            unsafe { set_next(self.tail, p) };
        }
        self.tail = p;
    }

    fn pop_front(&mut self) -> Option<Skb> {
        let h = self.head.take()?;
        let p = h.as_ptr().cast_mut();
        // SAFETY: `p` is in the chain (invariant); it leaves it.
        let next = unsafe { next(p) };
        // SAFETY: as above.
        unsafe { set_next(p, core::ptr::null_mut()) };
        match NonNull::new(next) {
            Some(n) => {
                // SAFETY: the next frame in the chain is owned by the list
                // and becomes its head.
                unsafe { set_prev(n.as_ptr(), core::ptr::null_mut()) };
                // SAFETY: as above.
                self.head = Some(unsafe { Skb::from_raw(n) });
            }
            None => self.tail = core::ptr::null_mut(),
        }
        Some(h)
    }

    fn pop_back(&mut self) -> Option<Skb> {
        let head = self.head.as_ref()?.as_ptr().cast_mut();
        if head == self.tail {
            return self.pop_front();
        }
        let t = self.tail;
        // SAFETY: `t` is the last frame of a chain of at least two.
        let p = unsafe { prev(t) };
        // SAFETY: `p` becomes the last frame; `t` leaves the chain.
        unsafe {
            set_next(p, core::ptr::null_mut());
            set_prev(t, core::ptr::null_mut());
        }
        self.tail = p;
        // SAFETY: `t` was the list's last frame, owned by it; now ours.
        Some(unsafe { Skb::from_raw(NonNull::new_unchecked(t)) })
    }

    fn front(&self) -> Option<&Skb> {
        self.head.as_ref()
    }
}

impl Drop for SkbList {
    fn drop(&mut self) {
        while crate::types::pipe::logic::FrameQueue::pop_front(self).is_some() {}
    }
}

/// The segments of a frame ([`Skb::segments`]), handed out one by one.
///
/// # Invariants
///
/// `head` is null or the first skb of a list (through `next`) that we own.
pub(crate) struct Segments {
    head: *mut bindings::sk_buff,
}

impl Iterator for Segments {
    type Item = Skb;

    fn next(&mut self) -> Option<Skb> {
        // SAFETY: `head` is null or a list we own (invariant); the shim
        // unlinks its first skb and gives it to us.
        let p = unsafe { bindings::ng_shim_skb_list_pop(&mut self.head) };
        // SAFETY: an unlinked skb of our list, ours alone.
        NonNull::new(p).map(|p| unsafe { Skb::from_raw(p) })
    }
}

impl Drop for Segments {
    fn drop(&mut self) {
        for s in self.by_ref() {
            drop(s);
        }
    }
}
