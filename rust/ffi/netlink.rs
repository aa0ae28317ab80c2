// SPDX-License-Identifier: GPL-2.0

//! Safe generic netlink: borrowed attributes, requests, replies and dumps.
//!
//! The C shim owns the family, its strict per-command policies and the
//! permission flags; by the time a handler here runs, every attribute has been
//! validated against the policy of its command (type, maximum length, NUL
//! termination for strings).

use crate::ffi::bindings;
use crate::ffi::errno::{check, DResult, Errno, EMSGSIZE, ENOMEM};
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::alloc::AllocError;
use kernel::alloc::KBox;

/// An error with the text for the extended ACK.
pub(crate) struct NlError {
    /// The errno returned to the sender.
    pub(crate) err: Errno,
    /// What went wrong, for people. At most 79 bytes are kept.
    pub(crate) msg: &'static str,
}

impl NlError {
    pub(crate) const fn new(err: Errno, msg: &'static str) -> Self {
        Self { err, msg }
    }
}

impl From<Errno> for NlError {
    fn from(err: Errno) -> Self {
        Self { err, msg: "" }
    }
}

impl From<kernel::error::Error> for NlError {
    fn from(err: kernel::error::Error) -> Self {
        Self {
            err: err.into(),
            msg: "",
        }
    }
}

impl From<crate::graph::path::Invalid> for NlError {
    fn from(e: crate::graph::path::Invalid) -> Self {
        Self {
            err: crate::ffi::errno::EINVAL,
            msg: e.0,
        }
    }
}

impl From<AllocError> for NlError {
    fn from(_: AllocError) -> Self {
        Self {
            err: ENOMEM,
            msg: "out of memory",
        }
    }
}

/// Shorthand for results carrying extended-ACK text.
pub(crate) type NlResult<T = ()> = core::result::Result<T, NlError>;

/// Fails with `err` and the extended-ACK message `msg`.
pub(crate) fn fail<T>(err: Errno, msg: &'static str) -> NlResult<T> {
    Err(NlError::new(err, msg))
}

/// A validated netlink attribute borrowed from a request.
///
/// # Invariants
///
/// `ptr` points to a complete attribute (header and payload) inside a message
/// that lives at least for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct Attr<'a> {
    ptr: NonNull<bindings::nlattr>,
    _p: PhantomData<&'a bindings::nlattr>,
}

impl<'a> Attr<'a> {
    /// # Safety
    ///
    /// `ptr` must be null or point to a complete attribute valid for `'a`.
    unsafe fn from_ptr(ptr: *const bindings::nlattr) -> Option<Self> {
        NonNull::new(ptr.cast_mut()).map(|ptr| Self {
            ptr,
            _p: PhantomData,
        })
    }

    /// The payload.
    pub(crate) fn payload(&self) -> &'a [u8] {
        // SAFETY: `ptr` is a valid attribute (type invariant), so its payload
        // is `nla_len` readable bytes that live for `'a`.
        unsafe {
            let len = bindings::ng_shim_nla_len(self.ptr.as_ptr());
            let data = bindings::ng_shim_nla_data(self.ptr.as_ptr());
            core::slice::from_raw_parts(data.cast::<u8>(), len.max(0) as usize)
        }
    }

    /// The attribute's type (its position, inside message arguments).
    pub(crate) fn kind(&self) -> u32 {
        // SAFETY: `ptr` is a valid attribute (type invariant).
        unsafe { bindings::ng_shim_nla_type(self.ptr.as_ptr()) as u32 }
    }

    /// The attributes nested in this one (stops at a malformed one).
    pub(crate) fn nested(self) -> impl Iterator<Item = Attr<'a>> {
        let mut pos: *const bindings::nlattr = core::ptr::null();
        let mut done = false;
        core::iter::from_fn(move || {
            if done {
                return None;
            }
            // SAFETY: `self.ptr` is a complete attribute; `pos` is null or an
            // attribute the shim returned from inside it, and the shim checks
            // that the next one lies completely inside the nest.
            let next = unsafe { bindings::ng_shim_nla_next_in(self.ptr.as_ptr(), pos) };
            pos = next;
            // SAFETY: the shim returned null or a complete attribute inside
            // `self`, which lives for `'a`.
            let a = unsafe { Attr::from_ptr(next) };
            done = a.is_none();
            a
        })
    }

    /// A string attribute without its NUL (the policy guarantees one).
    pub(crate) fn str_bytes(&self) -> &'a [u8] {
        let p = self.payload();
        match p.iter().position(|&b| b == 0) {
            Some(n) => &p[..n],
            None => p,
        }
    }
}

/// Where extended-ACK text goes.
pub(crate) struct ExtAck(*mut bindings::netlink_ext_ack);

impl ExtAck {
    /// Records `e`'s message (if any) and returns its errno.
    pub(crate) fn report(&self, e: &NlError) -> Errno {
        if !e.msg.is_empty() {
            // SAFETY: the pointer is null or the request's extack, which the
            // shim checks; `msg` is valid for its length.
            unsafe { bindings::ng_shim_extack_msg(self.0, e.msg.as_ptr().cast(), e.msg.len()) };
        }
        e.err
    }
}

// The limits of the pure path code (rust/graph/path.rs, no kernel dependency)
// are the uapi header's sizes less the NUL.
const _: () = assert!(crate::graph::path::NAME_MAX + 1 == bindings::NG_NODESIZ as usize);
const _: () = assert!(crate::graph::path::NAME_MAX + 1 == bindings::NG_HOOKSIZ as usize);
const _: () = assert!(crate::graph::path::PATH_MAX + 1 == bindings::NG_PATHSIZ as usize);

/// The network namespace a request came from.
///
/// # Invariants
///
/// `ptr` is a live `struct net` for the duration of the request.
#[derive(Clone, Copy)]
pub(crate) struct NetRef(pub(crate) NonNull<bindings::net>);

// SAFETY: `struct net` is shared kernel state designed for use from any CPU;
// a `NetRef` is only an address and every use goes through kernel functions
// that do their own locking.
unsafe impl Send for NetRef {}
// SAFETY: as above.
unsafe impl Sync for NetRef {}

/// A `doit` request.
pub(crate) struct Request<'a> {
    skb: *mut bindings::sk_buff,
    info: *mut bindings::genl_info,
    _p: PhantomData<&'a bindings::genl_info>,
}

impl<'a> Request<'a> {
    /// # Safety
    ///
    /// `skb` and `info` must be the arguments of a `doit` callback, valid for
    /// `'a`.
    pub(crate) unsafe fn new(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> Self {
        Self {
            skb,
            info,
            _p: PhantomData,
        }
    }

    pub(crate) fn cmd(&self) -> u8 {
        // SAFETY: `info` is valid (constructor contract).
        unsafe { bindings::ng_shim_info_cmd(self.info) }
    }

    pub(crate) fn attr(&self, t: u32) -> Option<Attr<'a>> {
        // SAFETY: `info` is valid; the shim bounds-checks `t`; the attribute
        // table points into the request message, valid for `'a`.
        unsafe { Attr::from_ptr(bindings::ng_shim_info_attr(self.info, t as i32)) }
    }

    pub(crate) fn portid(&self) -> u32 {
        // SAFETY: `info` is valid.
        unsafe { bindings::ng_shim_info_portid(self.info) }
    }

    pub(crate) fn net(&self) -> NetRef {
        // SAFETY: `info` is valid; genl_info_net never returns null.
        let net = unsafe { bindings::ng_shim_info_net(self.info) };
        NetRef(NonNull::new(net).expect("genl request without a namespace"))
    }

    pub(crate) fn extack(&self) -> ExtAck {
        // SAFETY: `info` is valid.
        ExtAck(unsafe { bindings::ng_shim_info_extack(self.info) })
    }

    /// Starts a reply to this request with command `cmd`.
    pub(crate) fn reply(&self, cmd: u32) -> DResult<Msg> {
        // SAFETY: `info` is valid.
        let (portid, seq) = unsafe {
            (
                bindings::ng_shim_info_portid(self.info),
                bindings::ng_shim_info_seq(self.info),
            )
        };
        Msg::new(portid, seq, cmd, false)
    }

    /// Sends `msg` back to the requester.
    pub(crate) fn send_reply(&self, msg: Msg) -> DResult {
        let skb = msg.finish();
        // SAFETY: `skb` is a finished message we own; genlmsg_reply takes it
        // in every case. `info` is valid.
        check(unsafe { bindings::ng_shim_genlmsg_reply(skb, self.info) })
    }

    pub(crate) fn skb(&self) -> *mut bindings::sk_buff {
        self.skb
    }

    pub(crate) fn info(&self) -> *mut bindings::genl_info {
        self.info
    }
}

/// Where a dump that spans many calls resumes (type-specific parts).
#[derive(Default)]
pub(crate) struct DumpCursor {
    /// The reply's fixed part is sent.
    pub(crate) header_sent: bool,
    /// A walk over a bridge's host table.
    pub(crate) fdb: Option<crate::ffi::fdb::FdbIter>,
}

/// A dump ends (called by the shim): its cursor goes.
///
/// # Safety
///
/// `cb` is null or the callback of a dump of this family, whose `args`
/// only this module wrote; called once, when the dump ends.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_dump_done(cb: *mut bindings::netlink_callback) {
    if cb.is_null() {
        return;
    }
    // SAFETY: netlink calls `done` with the dump's callback; `args` has 6
    // longs; a non-zero `args[5]` is a cursor from `Dump::put_cursor`.
    unsafe {
        let slot = bindings::ng_shim_cb_args(cb).add(5);
        let p = core::mem::replace(&mut *slot, 0) as *mut DumpCursor;
        if !p.is_null() {
            drop(KBox::from_raw(p));
        }
    }
}

const _: [unsafe extern "C" fn(*mut bindings::netlink_callback); 2] =
    [bindings::ng_rs_dump_done, ng_rs_dump_done];

/// Attribute writer shared by new messages and dump messages.
pub(crate) trait AttrWriter {
    fn skb(&self) -> *mut bindings::sk_buff;

    fn put_u32(&mut self, t: u32, v: u32) -> DResult {
        // SAFETY: `skb()` is a message under construction that we own.
        check(unsafe { bindings::ng_shim_nla_put_u32(self.skb(), t as i32, v) })
    }

    /// A 64-bit value; `pad` is the pad attribute type of this nest.
    fn put_u64(&mut self, t: u32, v: u64, pad: u32) -> DResult {
        // SAFETY: as above.
        check(unsafe { bindings::ng_shim_nla_put_u64(self.skb(), t as i32, v, pad as i32) })
    }

    /// A signed 64-bit value; `pad` is the pad attribute type of this nest.
    #[allow(dead_code)]
    fn put_s64(&mut self, t: u32, v: i64, pad: u32) -> DResult {
        // SAFETY: as above.
        check(unsafe { bindings::ng_shim_nla_put_s64(self.skb(), t as i32, v, pad as i32) })
    }

    fn put_flag(&mut self, t: u32) -> DResult {
        // SAFETY: `skb()` is a message under construction that we own.
        check(unsafe { bindings::ng_shim_nla_put_flag(self.skb(), t as i32) })
    }

    fn put_bytes(&mut self, t: u32, v: &[u8]) -> DResult {
        let len = i32::try_from(v.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: as above; `v` is readable for `len` bytes.
        check(unsafe { bindings::ng_shim_nla_put(self.skb(), t as i32, len, v.as_ptr().cast()) })
    }

    /// An attribute holding a copy of a frame's bytes.
    fn put_skb(&mut self, t: u32, skb: &crate::ffi::skb::Skb) -> DResult {
        // SAFETY: `skb()` is our message; `skb` is a valid frame.
        check(unsafe { bindings::ng_shim_nla_put_skb(self.skb(), t as i32, skb.as_ptr()) })
    }

    /// A NUL-terminated string attribute.
    fn put_str(&mut self, t: u32, v: &[u8]) -> DResult {
        let mut buf = [0u8; 513];
        let n = v.len().min(buf.len() - 1);
        buf[..n].copy_from_slice(&v[..n]);
        self.put_bytes(t, &buf[..=n])
    }

    /// Writes a nest; `f` fills it. The nest is cancelled on failure.
    fn nest(&mut self, t: u32, f: impl FnOnce(&mut Self) -> DResult) -> DResult
    where
        Self: Sized,
    {
        // SAFETY: as above.
        let start = unsafe { bindings::ng_shim_nla_nest_start(self.skb(), t as i32) };
        if start.is_null() {
            return Err(EMSGSIZE);
        }
        match f(self) {
            Ok(()) => {
                // SAFETY: `start` was returned by nest_start on this skb.
                unsafe { bindings::ng_shim_nla_nest_end(self.skb(), start) };
                Ok(())
            }
            Err(e) => {
                // SAFETY: as above.
                unsafe { bindings::ng_shim_nla_nest_cancel(self.skb(), start) };
                Err(e)
            }
        }
    }
}

/// [`AttrWriter::nest`] for a writer behind `dyn`.
pub(crate) fn nest_dyn(
    w: &mut dyn AttrWriter,
    t: u32,
    f: impl FnOnce(&mut dyn AttrWriter) -> DResult,
) -> DResult {
    // SAFETY: `w.skb()` is a message under construction that we own.
    let start = unsafe { bindings::ng_shim_nla_nest_start(w.skb(), t as i32) };
    if start.is_null() {
        return Err(EMSGSIZE);
    }
    match f(w) {
        Ok(()) => {
            // SAFETY: `start` was returned by nest_start on this skb.
            unsafe { bindings::ng_shim_nla_nest_end(w.skb(), start) };
            Ok(())
        }
        Err(e) => {
            // SAFETY: as above.
            unsafe { bindings::ng_shim_nla_nest_cancel(w.skb(), start) };
            Err(e)
        }
    }
}

/// Attribute room of a default message (NLMSG_GOODSIZE less the headers).
const GOODSIZE: usize = 3776;

/// A new generic netlink message that we own until it is sent.
///
/// # Invariants
///
/// `skb` is an skb we own holding one started genl message at `hdr`.
pub(crate) struct Msg {
    skb: *mut bindings::sk_buff,
    hdr: *mut core::ffi::c_void,
}

impl Msg {
    /// Allocates a message for `portid`/`seq` with command `cmd` and room
    /// for NLMSG_GOODSIZE bytes of attributes; `atomic` for callers that
    /// cannot sleep.
    pub(crate) fn new(portid: u32, seq: u32, cmd: u32, atomic: bool) -> DResult<Self> {
        Self::sized(portid, seq, cmd, atomic, GOODSIZE)
    }

    /// As [`Msg::new`], with room for `payload` bytes of attributes.
    pub(crate) fn sized(
        portid: u32,
        seq: u32,
        cmd: u32,
        atomic: bool,
        payload: usize,
    ) -> DResult<Self> {
        // SAFETY: plain allocation; genlmsg_new adds the headers' room.
        let skb = unsafe { bindings::ng_shim_genlmsg_new(payload, atomic) };
        if skb.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `skb` is a fresh message with room for the header.
        let hdr = unsafe { bindings::ng_shim_genlmsg_put(skb, portid, seq, 0, cmd as u8) };
        if hdr.is_null() {
            // SAFETY: we own `skb`.
            unsafe { bindings::ng_shim_kfree_skb(skb) };
            return Err(EMSGSIZE);
        }
        Ok(Self { skb, hdr })
    }

    /// Ends the message and hands the skb over.
    fn finish(self) -> *mut bindings::sk_buff {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: type invariant.
        unsafe { bindings::ng_shim_genlmsg_end(this.skb, this.hdr) };
        this.skb
    }

    /// Sends to the multicast events group of `net`.
    pub(crate) fn multicast(self, net: NetRef) {
        let skb = self.finish();
        // SAFETY: `net` is live (NetRef invariant); the call consumes `skb`.
        unsafe { bindings::ng_shim_genlmsg_multicast(net.0.as_ptr(), skb) };
    }

    /// Sends to one socket of `net`. The skb is consumed either way.
    pub(crate) fn unicast(self, net: NetRef, portid: u32) -> DResult {
        let skb = self.finish();
        // SAFETY: `net` is live; the call consumes `skb`.
        check(unsafe { bindings::ng_shim_genlmsg_unicast(net.0.as_ptr(), skb, portid) })
    }
}

impl AttrWriter for Msg {
    fn skb(&self) -> *mut bindings::sk_buff {
        self.skb
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        // SAFETY: we still own `skb` (not finished).
        unsafe { bindings::ng_shim_kfree_skb(self.skb) };
    }
}

/// One step of a netlink dump: the skb to fill and the callback state.
pub(crate) struct Dump<'a> {
    skb: *mut bindings::sk_buff,
    cb: *mut bindings::netlink_callback,
    _p: PhantomData<&'a bindings::netlink_callback>,
}

/// A message inside a dump skb. Dropping it without `end` cancels it.
pub(crate) struct DumpMsg<'d, 'a> {
    dump: &'d Dump<'a>,
    hdr: *mut core::ffi::c_void,
}

impl<'a> Dump<'a> {
    /// # Safety
    ///
    /// The arguments of a `dumpit` callback, valid for `'a`.
    pub(crate) unsafe fn new(
        skb: *mut bindings::sk_buff,
        cb: *mut bindings::netlink_callback,
    ) -> Self {
        Self {
            skb,
            cb,
            _p: PhantomData,
        }
    }

    pub(crate) fn cmd(&self) -> u8 {
        // SAFETY: `cb` is valid for a genl dump.
        unsafe { bindings::ng_shim_cb_cmd(self.cb) }
    }

    pub(crate) fn net(&self) -> NetRef {
        // SAFETY: `cb` is valid; the dumping socket has a namespace.
        let net = unsafe { bindings::ng_shim_cb_net(self.cb) };
        NetRef(NonNull::new(net).expect("dump without a namespace"))
    }

    pub(crate) fn attr(&self, t: u32) -> Option<Attr<'a>> {
        // SAFETY: `cb` is valid; the attributes live as long as the dump.
        unsafe { Attr::from_ptr(bindings::ng_shim_cb_attr(self.cb, t as i32)) }
    }

    pub(crate) fn portid(&self) -> u32 {
        // SAFETY: `cb` is valid.
        unsafe { bindings::ng_shim_cb_portid(self.cb) }
    }

    pub(crate) fn extack(&self) -> ExtAck {
        // SAFETY: `cb` is valid.
        ExtAck(unsafe { bindings::ng_shim_cb_extack(self.cb) })
    }

    /// The dump's resumable state: `args[i]`, zero on the first call.
    pub(crate) fn state(&mut self, i: usize) -> &mut isize {
        assert!(i < 6);
        // SAFETY: `cb->args` has 6 longs and lives as long as the dump; we
        // hold `&mut self`, so no other reference exists.
        unsafe { &mut *bindings::ng_shim_cb_args(self.cb).add(i) }
    }

    /// Takes the dump's cursor (kept between calls in `cb->args[5]`).
    pub(crate) fn take_cursor(&mut self) -> Option<KBox<DumpCursor>> {
        let slot = self.state(5);
        let p = core::mem::replace(slot, 0) as *mut DumpCursor;
        if p.is_null() {
            None
        } else {
            // SAFETY: a non-zero slot holds a pointer from `put_cursor`
            // (`KBox::into_raw`), taken out exactly once here.
            Some(unsafe { KBox::from_raw(p) })
        }
    }

    /// Keeps the cursor for the next call (released by the dump's `done`).
    pub(crate) fn put_cursor(&mut self, c: KBox<DumpCursor>) {
        *self.state(5) = KBox::into_raw(c) as isize;
    }

    /// Starts one message of the dump.
    pub(crate) fn start(&self) -> Option<DumpMsg<'_, 'a>> {
        // SAFETY: `cb` and `skb` are valid.
        let (portid, seq) = unsafe {
            (
                bindings::ng_shim_cb_portid(self.cb),
                bindings::ng_shim_cb_seq(self.cb),
            )
        };
        let cmd = self.cmd();
        // SAFETY: `skb` is the dump skb we are filling.
        let hdr = unsafe {
            bindings::ng_shim_genlmsg_put(self.skb, portid, seq, bindings::NLM_F_MULTI as i32, cmd)
        };
        if hdr.is_null() {
            None
        } else {
            // SAFETY: `hdr` was just put into this dump's skb.
            unsafe { bindings::ng_shim_dump_check_consistent(self.cb, hdr) };
            Some(DumpMsg { dump: self, hdr })
        }
    }

    /// The generation of what this part of the dump shows: messages made
    /// under another generation than the part before them are flagged
    /// `NLM_F_DUMP_INTR` (the listing may be inconsistent; start again).
    pub(crate) fn set_generation(&mut self, generation: u32) {
        // SAFETY: `cb` is valid and ours for this call.
        unsafe { bindings::ng_shim_cb_set_generation(self.cb, generation) };
    }

    /// The length written so far (the dumpit return value).
    pub(crate) fn len(&self) -> i32 {
        // SAFETY: `skb` is valid.
        unsafe { bindings::ng_shim_skb_len(self.skb) as i32 }
    }
}

impl DumpMsg<'_, '_> {
    /// Completes this message.
    pub(crate) fn end(self) {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `hdr` was started on this skb.
        unsafe { bindings::ng_shim_genlmsg_end(this.dump.skb, this.hdr) };
    }
}

impl AttrWriter for DumpMsg<'_, '_> {
    fn skb(&self) -> *mut bindings::sk_buff {
        self.dump.skb
    }
}

impl Drop for DumpMsg<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: `hdr` was started on this skb and not ended.
        unsafe { bindings::ng_shim_genlmsg_cancel(self.dump.skb, self.hdr) };
    }
}

/// Fills one dump message with `f`; `Ok(false)` when the skb is full.
pub(crate) fn dump_one(
    d: &Dump<'_>,
    f: impl FnOnce(&mut DumpMsg<'_, '_>) -> DResult,
) -> DResult<bool> {
    let Some(mut m) = d.start() else {
        return Ok(false);
    };
    match f(&mut m) {
        Ok(()) => {
            m.end();
            Ok(true)
        }
        Err(e) if e == EMSGSIZE => Ok(false),
        Err(e) => Err(e),
    }
}
