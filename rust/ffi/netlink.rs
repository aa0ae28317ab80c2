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

/// `NLA_HDRLEN`: an attribute's header, aligned (a cast macro bindgen
/// cannot evaluate).
const NLA_HDRLEN: usize = 4;
const _: () = assert!(core::mem::size_of::<bindings::nlattr>() == NLA_HDRLEN);

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

    fn header(&self) -> bindings::nlattr {
        // SAFETY: `ptr` is a complete attribute (type invariant).
        unsafe { *self.ptr.as_ptr() }
    }

    /// The payload.
    pub(crate) fn payload(&self) -> &'a [u8] {
        let len = (self.header().nla_len as usize).saturating_sub(NLA_HDRLEN);
        // SAFETY: `ptr` is a complete attribute (type invariant): its
        // payload, after the header, is `nla_len - NLA_HDRLEN` readable bytes
        // that live for `'a`.
        unsafe {
            let data = self.ptr.as_ptr().cast::<u8>().add(NLA_HDRLEN);
            core::slice::from_raw_parts(data, len)
        }
    }

    /// The attribute's type (its position, inside message arguments).
    pub(crate) fn kind(&self) -> u32 {
        let flags = (bindings::NLA_F_NESTED | bindings::NLA_F_NET_BYTEORDER) as u16;
        (self.header().nla_type & !flags) as u32
    }

    /// The attributes nested in this one (stops at a malformed one, as
    /// `nla_for_each_nested` does).
    pub(crate) fn nested(self) -> impl Iterator<Item = Attr<'a>> {
        crate::graph::msg_schema::attr_walk(self.payload()).filter_map(|a| {
            // SAFETY: `attr_walk` yields complete attributes (header and
            // payload within bounds) inside this one, which lives for `'a`;
            // attributes in a message are 4-byte aligned.
            unsafe { Attr::from_ptr(a.as_ptr().cast()) }
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
pub(crate) struct NetRef(pub(in crate::ffi) NonNull<bindings::net>);

// SAFETY: `struct net` is shared kernel state designed for use from any CPU;
// a `NetRef` is only an address and every use goes through kernel functions
// that do their own locking.
unsafe impl Send for NetRef {}
// SAFETY: as above.
unsafe impl Sync for NetRef {}

/// The command of a request genetlink parsed (a `doit`'s, or the one that
/// started a dump).
fn genl_cmd(i: &bindings::genl_info) -> u8 {
    // SAFETY: genetlink set `genlhdr` to the request's header, which lives
    // as long as `i`.
    unsafe { (*i.genlhdr).cmd }
}

/// Attribute `t` of a request genetlink parsed, living as long as `i`.
fn genl_attr(i: &bindings::genl_info, t: u32) -> Option<Attr<'_>> {
    if t > bindings::netgraph_attr_NETGRAPH_A_MAX {
        return None;
    }
    // `attrs` has `maxattr + 1` (NETGRAPH_A_MAX + 1, checked above)
    // entries, each null or an attribute of the request message.
    // SAFETY: as just said; the message lives as long as `i`.
    unsafe { Attr::from_ptr(*i.attrs.add(t as usize)) }
}

/// A `doit` request.
///
/// # Invariants
///
/// `skb` and `info` are the arguments of a `doit` callback, valid for `'a`;
/// `net` is the request's namespace.
pub(crate) struct Request<'a> {
    skb: *mut bindings::sk_buff,
    info: *mut bindings::genl_info,
    net: NetRef,
    _p: PhantomData<&'a bindings::genl_info>,
}

impl<'a> Request<'a> {
    /// # Safety
    ///
    /// `skb` and `info` must be the arguments of a `doit` callback, valid for
    /// `'a`. `None` if the request has no namespace (genetlink always sets
    /// one).
    pub(crate) unsafe fn new(
        skb: *mut bindings::sk_buff,
        info: *mut bindings::genl_info,
    ) -> Option<Self> {
        // SAFETY: `info` is valid (the caller's promise); genl_info_net().
        let net = NonNull::new(unsafe { (*info)._net.net })?;
        Some(Self {
            skb,
            info,
            net: NetRef(net),
            _p: PhantomData,
        })
    }

    fn genl(&self) -> &'a bindings::genl_info {
        // SAFETY: `info` is valid for `'a` (constructor contract).
        unsafe { &*self.info }
    }

    pub(crate) fn cmd(&self) -> u8 {
        genl_cmd(self.genl())
    }

    pub(crate) fn attr(&self, t: u32) -> Option<Attr<'a>> {
        genl_attr(self.genl(), t)
    }

    pub(crate) fn portid(&self) -> u32 {
        self.genl().snd_portid
    }

    pub(crate) fn net(&self) -> NetRef {
        self.net
    }

    pub(crate) fn extack(&self) -> ExtAck {
        ExtAck(self.genl().extack)
    }

    /// Starts a reply to this request with command `cmd`.
    pub(crate) fn reply(&self, cmd: u32) -> DResult<Msg> {
        let i = self.genl();
        Msg::new(i.snd_portid, i.snd_seq, cmd, false)
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
    /// A position in a type's own table (vlan: the next VLAN ID).
    pub(crate) pos: u32,
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
        let slot = &mut (*cb).__bindgen_anon_1.args[5];
        let p = core::mem::replace(slot, 0) as *mut DumpCursor;
        if !p.is_null() {
            drop(KBox::from_raw(p));
        }
    }
}

const _: [unsafe extern "C" fn(*mut bindings::netlink_callback); 2] =
    [bindings::ng_rs_dump_done, ng_rs_dump_done];

/// Attribute writer shared by new messages and dump messages.
///
/// # Safety
///
/// `skb()` returns a netlink message under construction that the
/// implementor owns for as long as it lives (the default methods append to
/// it).
pub(crate) unsafe trait AttrWriter {
    fn skb(&self) -> *mut bindings::sk_buff;

    fn put_u32(&mut self, t: u32, v: u32) -> DResult {
        self.put_bytes(t, &v.to_ne_bytes())
    }

    /// A 64-bit value; `pad` is the pad attribute type of this nest.
    fn put_u64(&mut self, t: u32, v: u64, pad: u32) -> DResult {
        let v = v.to_ne_bytes();
        // SAFETY: `skb()` is our message (trait contract); `v` is readable
        // for its 8 bytes.
        check(unsafe {
            bindings::nla_put_64bit(self.skb(), t as i32, 8, v.as_ptr().cast(), pad as i32)
        })
    }

    fn put_flag(&mut self, t: u32) -> DResult {
        self.put_bytes(t, &[])
    }

    fn put_bytes(&mut self, t: u32, v: &[u8]) -> DResult {
        let len = i32::try_from(v.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: `skb()` is our message (trait contract); `v` is readable
        // for `len` bytes.
        check(unsafe { bindings::nla_put(self.skb(), t as i32, len, v.as_ptr().cast()) })
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

// SAFETY: `skb` is the message this value owns until `finish` or drop.
unsafe impl AttrWriter for Msg {
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

/// A dump's state between its calls: five integers the callback keeps
/// (all zero on the first call), seen as a typed value.
pub(crate) trait DumpState {
    fn load(slots: &[isize; 5]) -> Self;
    fn save(&self, slots: &mut [isize; 5]);
}

/// One step of a netlink dump: the skb to fill and the callback state.
///
/// # Invariants
///
/// `skb` and `cb` are the arguments of a genl `dumpit` callback, valid for
/// `'a` (so `cb->data` is the dump's `genl_dumpit_info`); `net` is the
/// dumping socket's namespace.
pub(crate) struct Dump<'a> {
    skb: *mut bindings::sk_buff,
    cb: *mut bindings::netlink_callback,
    net: NetRef,
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
    /// The arguments of a genl `dumpit` callback, valid for `'a`. `None`
    /// if the dumping socket has no namespace (it always has one).
    pub(crate) unsafe fn new(
        skb: *mut bindings::sk_buff,
        cb: *mut bindings::netlink_callback,
    ) -> Option<Self> {
        // SAFETY: `cb` is valid (the caller's promise).
        let net = NonNull::new(unsafe { bindings::ng_shim_cb_net(cb) })?;
        Some(Self {
            skb,
            cb,
            net: NetRef(net),
            _p: PhantomData,
        })
    }

    fn cb(&self) -> &bindings::netlink_callback {
        // SAFETY: `cb` is valid for `'a` (type invariant).
        unsafe { &*self.cb }
    }

    /// The request that started the dump, as genetlink parsed it.
    fn info(&self) -> &'a bindings::genl_info {
        // SAFETY: a genl dump's `data` is its `genl_dumpit_info` (type
        // invariant), valid for the whole dump.
        unsafe { &(*self.cb().data.cast::<bindings::genl_dumpit_info>()).info }
    }

    pub(crate) fn cmd(&self) -> u8 {
        genl_cmd(self.info())
    }

    pub(crate) fn net(&self) -> NetRef {
        self.net
    }

    pub(crate) fn attr(&self, t: u32) -> Option<Attr<'a>> {
        genl_attr(self.info(), t)
    }

    pub(crate) fn portid(&self) -> u32 {
        // SAFETY: `cb` is valid.
        unsafe { bindings::ng_shim_cb_portid(self.cb) }
    }

    pub(crate) fn extack(&self) -> ExtAck {
        ExtAck(self.cb().extack)
    }

    /// The callback's `args`: slots 0 to 4 hold the dump's state, slot 5
    /// its cursor.
    fn args(&mut self) -> &mut [isize; 6] {
        // SAFETY: `cb` is valid and we hold `&mut self`, so no other
        // reference to its `args` exists; the union's `args` view is what
        // genetlink dumps use.
        unsafe { &mut (*self.cb).__bindgen_anon_1.args }
    }

    /// The dump's state as the previous call left it (the default on the
    /// first call).
    pub(crate) fn load<S: DumpState>(&mut self) -> S {
        let a = self.args();
        S::load(&[a[0], a[1], a[2], a[3], a[4]])
    }

    /// Keeps the dump's state for its next call.
    pub(crate) fn save<S: DumpState>(&mut self, s: &S) {
        let mut v = [0; 5];
        s.save(&mut v);
        self.args()[..5].copy_from_slice(&v);
    }

    /// Takes the dump's cursor (kept between calls in `cb->args[5]`).
    pub(crate) fn take_cursor(&mut self) -> Option<KBox<DumpCursor>> {
        let slot = &mut self.args()[5];
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
        self.args()[5] = KBox::into_raw(c) as isize;
    }

    /// Starts one message of the dump.
    pub(crate) fn start(&self) -> Option<DumpMsg<'_, 'a>> {
        // SAFETY: `nlh` is the dump request's header, valid for the dump.
        let (portid, seq) = (self.portid(), unsafe { (*self.cb().nlh).nlmsg_seq });
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
        // SAFETY: `cb` is valid and ours for this call (`&mut self`).
        unsafe { (*self.cb).seq = generation };
    }

    /// The length written so far (the dumpit return value).
    pub(crate) fn len(&self) -> i32 {
        // SAFETY: `skb` is valid.
        unsafe { (*self.skb).len as i32 }
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

// SAFETY: `dump.skb` is the dump's buffer, this message's while it lives.
unsafe impl AttrWriter for DumpMsg<'_, '_> {
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
