// SPDX-License-Identifier: GPL-2.0

//! Net devices for node types: a slot holding the device a node uses, safe
//! operations on it, and the callbacks of the device layer (transmit,
//! receive handler, egress hook), each a trampoline for the handler type
//! that asked for it ([`EifacePort`], [`EtherPort`]).
//!
//! The C side keeps a reference of the handler (a [`Port`], the "port")
//! where the device layer calls back: an eiface device's private area, an
//! ether node's rx_handler data and egress hook.

use crate::ffi::bindings as b;
use crate::ffi::errno::{check, DResult, ENXIO};
use crate::ffi::netlink::NetRef;
use crate::ffi::port::Port;
use crate::ffi::rcu;
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::graph::path::Name;
use core::cell::Cell;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::sync::{Arc, ArcBorrow};

/// What an eiface device calls back (see [`eiface_create`]).
pub(crate) trait EifacePort: Send + Sync + Sized + 'static {
    /// The host transmits `skb` on the device (BH, RCU).
    fn xmit(this: ArcBorrow<'_, Self>, skb: Skb) -> DResult;
    /// The device is being unregistered by someone else (RTNL held): stop
    /// using it.
    fn gone(this: ArcBorrow<'_, Self>);
    /// `ip link del` of the device (RTNL held): let it go (the caller
    /// unregisters it).
    fn dellink(this: ArcBorrow<'_, Self>, rtnl: &Rtnl, dev: DevRef<'_>);
}

/// A frame the receive handler offers (see [`EtherPort::rx`]): left to the
/// stack untouched unless the handler takes it.
pub(crate) struct RxFrame {
    skb: Cell<*mut b::sk_buff>,
}

impl RxFrame {
    /// Whether the stack handles the frame's EtherType (else it would be
    /// dropped: an orphan).
    pub(crate) fn known_type(&self) -> bool {
        let skb = self.skb.get();
        // SAFETY: a valid skb from the receive path while not taken (null
        // once taken).
        !skb.is_null() && unsafe { b::ng_shim_ethertype_known(skb) }
    }

    /// The frame, for the graph (once; the stack no longer sees it).
    pub(crate) fn take(&self) -> Option<Skb> {
        let skb = self.skb.replace(core::ptr::null_mut());
        // SAFETY: a valid, unshared skb, ours from here on: the handler
        // consumes it when the trampoline returns true, which it does once
        // the frame is taken.
        NonNull::new(skb).map(|p| unsafe { Skb::from_raw(p) })
    }
}

/// What an ether node's device hooks call back (see [`DevRef::attach_rx`],
/// [`DevRef::attach_tx`]).
pub(crate) trait EtherPort: Send + Sync + Sized + 'static {
    /// The receive handler (BH, under `g`): take the frame or leave it.
    fn rx(this: ArcBorrow<'_, Self>, g: &rcu::Guard, frame: &RxFrame);
    /// The egress hook: does the node take what the host transmits?
    fn wants_tx(this: ArcBorrow<'_, Self>) -> bool;
    /// The egress hook: a frame the host transmits.
    fn tx(this: ArcBorrow<'_, Self>, skb: Skb);
}

/// The device a node uses, or none.
///
/// # Invariants
///
/// `ptr` is null or a device that is registered, or being unregistered and
/// not yet past its final RCU grace period: holders clear the slot when the
/// device layer says the device goes (eiface `ndo_uninit`, ether
/// `NETDEV_UNREGISTER`), both of which run before the core's last
/// `synchronize_net()` of the unregistration.
pub(crate) struct DevSlot {
    ptr: AtomicPtr<b::net_device>,
}

impl DevSlot {
    pub(crate) const fn empty() -> Self {
        Self {
            ptr: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// The device, for the data path.
    pub(crate) fn get<'g>(&self, _g: &'g rcu::Guard) -> Option<DevRef<'g>> {
        NonNull::new(self.ptr.load(Ordering::Acquire)).map(|ptr| DevRef {
            ptr,
            _p: PhantomData,
        })
    }

    /// The device, for control operations (no unregistration can finish
    /// while the RTNL is held).
    pub(crate) fn get_rtnl<'r>(&self, _r: &'r Rtnl) -> Option<DevRef<'r>> {
        NonNull::new(self.ptr.load(Ordering::Acquire)).map(|ptr| DevRef {
            ptr,
            _p: PhantomData,
        })
    }

    /// The device is going; the slot forgets it.
    pub(crate) fn clear(&self) {
        self.ptr.store(core::ptr::null_mut(), Ordering::Release);
    }

    /// A slot holding `d`.
    pub(crate) fn new(d: &DevRef<'_>) -> Self {
        Self {
            ptr: AtomicPtr::new(d.ptr.as_ptr()),
        }
    }

    fn set(&self, d: NonNull<b::net_device>) {
        self.ptr.store(d.as_ptr(), Ordering::Release);
    }
}

/// A device borrowed for `'a` (an RCU read section or the RTNL).
///
/// # Invariants
///
/// `ptr` is a live device (see [`DevSlot`]) for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct DevRef<'a> {
    ptr: NonNull<b::net_device>,
    _p: PhantomData<&'a b::net_device>,
}

impl<'a> DevRef<'a> {
    /// A device the caller knows to be live while the RTNL is held.
    ///
    /// # Safety
    ///
    /// `ptr` is registered, or being unregistered and not yet freed, for as
    /// long as `_r` lasts.
    pub(crate) unsafe fn from_raw(ptr: NonNull<b::net_device>, _r: &'a Rtnl) -> Self {
        Self {
            ptr,
            _p: PhantomData,
        }
    }

    fn raw(&self) -> *mut b::net_device {
        self.ptr.as_ptr()
    }

    /// A key identifying the device while it lives.
    pub(crate) fn key(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// The interface name.
    pub(crate) fn name(&self) -> Option<Name> {
        // SAFETY: a live device's name is a NUL-terminated string of at
        // most IFNAMSIZ bytes; renames happen under the RTNL, and readers
        // of the data path never ask for the name.
        let s = unsafe { core::ffi::CStr::from_ptr(b::ng_shim_dev_name(self.raw()).cast()) };
        Name::new(s.to_bytes())
    }

    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: live device (type invariant).
        unsafe { b::ng_shim_dev_ifindex(self.raw()) }
    }

    pub(crate) fn addr(&self) -> [u8; 6] {
        let mut a = [0u8; 6];
        // SAFETY: live device; `a` has room for ETH_ALEN bytes.
        unsafe { b::ng_shim_dev_addr(self.raw(), a.as_mut_ptr()) };
        a
    }

    /// The device's namespace (`dev_net`, never null for a live device;
    /// `None` would be a kernel bug, not a dangling reference).
    pub(crate) fn net(&self) -> Option<NetRef> {
        // SAFETY: live device: its namespace is live.
        let n = unsafe { b::ng_shim_dev_net(self.raw()) };
        NonNull::new(n).map(NetRef)
    }

    /// Whether an ether node attaches to this device.
    pub(crate) fn is_ether(&self) -> bool {
        // SAFETY: live device.
        unsafe { b::ng_shim_dev_is_ether(self.raw()) }
    }

    pub(crate) fn set_carrier(&self, on: bool) {
        // SAFETY: live device; carrier changes are allowed in any context.
        unsafe { b::ng_shim_netif_carrier(self.raw(), on) }
    }

    pub(crate) fn set_mac(&self, _r: &Rtnl, mac: &[u8; 6]) -> DResult {
        // SAFETY: live device, RTNL held; `mac` has 6 bytes; a null extack
        // is allowed.
        check(unsafe { b::ng_shim_dev_set_mac(self.raw(), mac.as_ptr(), core::ptr::null_mut()) })
    }

    pub(crate) fn promisc(&self, _r: &Rtnl, inc: i32) -> DResult {
        // SAFETY: live device, RTNL held.
        check(unsafe { b::ng_shim_dev_set_promisc(self.raw(), inc) })
    }

    pub(crate) fn multi(&self, _r: &Rtnl, mac: &[u8; 6], add: bool) -> DResult {
        // SAFETY: live device, RTNL held; `mac` has 6 bytes.
        check(unsafe { b::ng_shim_dev_multi(self.raw(), mac.as_ptr(), add) })
    }

    /// eiface: hands a frame to the host stack as received on this device.
    pub(crate) fn eiface_rx(&self, skb: Skb) -> DResult {
        // SAFETY: live device; the shim consumes the skb.
        check(unsafe { b::ng_shim_eiface_rx(self.raw(), skb.into_raw()) })
    }

    /// ether: transmits a frame on the wire (bypassing `upper`).
    pub(crate) fn xmit(&self, skb: Skb, autosrc: bool) -> DResult {
        // SAFETY: live device; the shim consumes the skb.
        check(unsafe { b::ng_shim_ether_xmit(self.raw(), skb.into_raw(), autosrc) })
    }

    /// ether: hands a frame to the host stack as received from the wire.
    pub(crate) fn inject(&self, skb: Skb) -> DResult {
        // SAFETY: live device; the shim consumes the skb.
        check(unsafe { b::ng_shim_ether_inject(self.raw(), skb.into_raw()) })
    }

    /// ether: frames received on the device are offered to `port`
    /// ([`EtherPort::rx`]). `EBUSY` if the device's receive handler is
    /// taken (bridge, bond, macvlan port).
    pub(crate) fn attach_rx<T: EtherPort>(&self, _r: &Rtnl, port: &Arc<T>) -> DResult {
        let port = Port::new(port);
        // SAFETY: live device, RTNL held; on success the device keeps the
        // port reference until `detach_rx`; the table has the trampolines
        // of the port's type.
        let r = check(unsafe {
            b::ng_shim_ether_attach_rx(self.raw(), port.as_ptr(), &EtherAdapter::<T>::OPS)
        });
        if r.is_ok() {
            let _ = port.into_raw();
        }
        r
    }

    /// Undoes [`DevRef::attach_rx`] for the same `port`.
    pub(crate) fn detach_rx<T: EtherPort>(&self, _r: &Rtnl, port: &Arc<T>) {
        // SAFETY: live device, RTNL held; returns after a grace period, so
        // no receive handler uses the port any more.
        unsafe { b::ng_shim_ether_detach_rx(self.raw()) };
        // SAFETY: `attach_rx` handed over one reference of this same Arc.
        drop(unsafe { Port::<T>::from_raw(core::ptr::from_ref::<T>(port).cast_mut().cast()) });
    }

    /// ether: frames the host transmits on the device are offered to
    /// `port` first ([`EtherPort::tx`]).
    pub(crate) fn attach_tx<T: EtherPort>(&self, _r: &Rtnl, port: &Arc<T>) -> DResult<TxHook> {
        let port = Port::new(port);
        let mut err = 0;
        // SAFETY: live device, RTNL held; the table has the trampolines of
        // the port's type; `err` receives the error.
        let hook = unsafe {
            b::ng_shim_ether_attach_tx(self.raw(), port.as_ptr(), &EtherAdapter::<T>::OPS, &mut err)
        };
        match NonNull::new(hook) {
            Some(hook) => {
                let _ = port.into_raw();
                Ok(TxHook { hook })
            }
            None => check(err).and(Err(ENXIO)),
        }
    }

    /// Undoes [`DevRef::attach_tx`] for the same `port`.
    pub(crate) fn detach_tx<T: EtherPort>(&self, _r: &Rtnl, hook: TxHook, port: &Arc<T>) {
        // SAFETY: live device, RTNL held; `hook` came from attach_tx on
        // this device; the shim waits for the hook's readers.
        unsafe { b::ng_shim_ether_detach_tx(self.raw(), hook.hook.as_ptr()) };
        // SAFETY: `attach_tx` handed over one reference of this same Arc.
        drop(unsafe { Port::<T>::from_raw(core::ptr::from_ref::<T>(port).cast_mut().cast()) });
    }
}

/// A device kept across a deferral within one RTNL section (see
/// [`crate::graph::Graph::defer`]).
///
/// # Invariants
///
/// `ptr` is a device on which the value holds a reference (`dev_hold`),
/// released on drop: the device is not freed while the value lives. (Its
/// unregistration waits for the reference after the RTNL is released, so a
/// keeper must drop it within the RTNL section it was made in; one that
/// does not stalls the unregistration, loudly, but frees nothing early.)
pub(crate) struct DevKeep {
    ptr: NonNull<b::net_device>,
}

// SAFETY: a device reference may be released on any thread.
unsafe impl Send for DevKeep {}

impl DevRef<'_> {
    /// Keeps the device for use later in the same RTNL section.
    pub(crate) fn keep(&self) -> DevKeep {
        // SAFETY: live device (type invariant); the reference is released
        // by `DevKeep::drop`.
        unsafe { b::ng_shim_dev_hold(self.raw()) };
        DevKeep { ptr: self.ptr }
    }
}

impl DevKeep {
    /// The device again, under the RTNL.
    pub(crate) fn get<'r>(&'r self, _r: &'r Rtnl) -> DevRef<'r> {
        // A held device is not freed, and its unregistration does not end
        // while the RTNL is held (type invariant).
        DevRef {
            ptr: self.ptr,
            _p: PhantomData,
        }
    }
}

impl Drop for DevKeep {
    fn drop(&mut self) {
        // SAFETY: the reference taken in `keep` (type invariant).
        unsafe { b::ng_shim_dev_put(self.ptr.as_ptr()) };
    }
}

/// A registered egress hook (see [`DevRef::attach_tx`]).
pub(crate) struct TxHook {
    hook: NonNull<b::ng_ether_tx>,
}

// SAFETY: the hook registration is only used under the RTNL.
unsafe impl Send for TxHook {}

/// Creates an eiface device called `name` in `net` whose callbacks go to
/// `port`, and puts it in `slot`; `EEXIST` if `net` has a device of that
/// name.
pub(crate) fn eiface_create<T: EifacePort>(
    _r: &Rtnl,
    net: NetRef,
    name: &Name,
    port: &Arc<T>,
    slot: &DevSlot,
) -> DResult {
    let port = Port::new(port);
    let mut dev: *mut b::net_device = core::ptr::null_mut();
    let name = name.as_bytes();
    // On success the device owns the port reference and returns it through
    // `eiface_release::<T>`; the table has the trampolines of `T`.
    // SAFETY: `net` is live, RTNL held, `name` valid for `name.len()` bytes.
    let r = check(unsafe {
        b::ng_shim_eiface_create(
            net.0.as_ptr(),
            name.as_ptr(),
            name.len(),
            port.as_ptr(),
            &EifaceAdapter::<T>::OPS,
            &mut dev,
        )
    });
    match (r, NonNull::new(dev)) {
        (Ok(()), Some(d)) => {
            let _ = port.into_raw();
            slot.set(d);
            Ok(())
        }
        (r, _) => r.and(Err(ENXIO)),
    }
}

/// Unregisters an eiface device (wherever it lives) and empties `slot`.
pub(crate) fn eiface_destroy(r: &Rtnl, slot: &DevSlot) {
    if let Some(d) = slot.get_rtnl(r) {
        slot.clear();
        // SAFETY: live eiface device, RTNL held.
        unsafe { b::ng_shim_eiface_destroy(d.raw()) };
    }
}

/// # Safety
///
/// `skb` is a valid skb whose reference is handed to us.
unsafe fn take(skb: *mut b::sk_buff) -> Option<Skb> {
    // SAFETY: by the function's contract.
    NonNull::new(skb).map(|p| unsafe { Skb::from_raw(p) })
}

/// The eiface callbacks for ports of type `T`.
struct EifaceAdapter<T>(PhantomData<T>);

impl<T: EifacePort> EifaceAdapter<T> {
    const OPS: b::ng_eiface_ops = b::ng_eiface_ops {
        xmit: Some(eiface_xmit::<T>),
        gone: Some(eiface_gone::<T>),
        dellink: Some(eiface_dellink::<T>),
        release: Some(eiface_release::<T>),
    };
}

/// eiface transmit (BH, RCU): 0 if the frame was sent on.
///
/// # Safety
///
/// `p` is the port owned by a transmitting eiface device; `skb` is null
/// or a frame handed over.
unsafe extern "C" fn eiface_xmit<T: EifacePort>(p: *mut c_void, skb: *mut b::sk_buff) -> i32 {
    // SAFETY: the device owns the port until its destructor runs, after
    // transmission stopped; the skb is handed to us.
    let (port, skb) = unsafe { (Port::<T>::borrow(p), take(skb)) };
    match skb {
        Some(skb) => match T::xmit(port, skb) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        },
        None => 0,
    }
}

/// eiface `ndo_uninit` (RTNL held).
///
/// # Safety
///
/// `p` is null or the port of an eiface device being unregistered.
unsafe extern "C" fn eiface_gone<T: EifacePort>(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: the device still owns the port.
    T::gone(unsafe { Port::<T>::borrow(p) });
}

/// eiface `dellink` (RTNL held): `ip link del`.
///
/// # Safety
///
/// `p` is null or the port of eiface device `dev`, which is null or
/// registered; the caller (rtnetlink's `dellink`) holds the RTNL.
unsafe extern "C" fn eiface_dellink<T: EifacePort>(p: *mut c_void, dev: *mut b::net_device) {
    let Some(ptr) = NonNull::new(dev) else {
        return;
    };
    if p.is_null() {
        return;
    }
    // SAFETY: rtnetlink calls dellink with the RTNL held.
    let rtnl = unsafe { Rtnl::assume_held() };
    // SAFETY: the device is registered and the RTNL held for the call; the
    // device still owns the port.
    let (d, port) = unsafe { (DevRef::from_raw(ptr, &rtnl), Port::<T>::borrow(p)) };
    T::dellink(port, &rtnl, d);
}

/// eiface device destructor: the device's port reference goes.
///
/// # Safety
///
/// `p` is the port reference of an eiface device being freed, passed once.
unsafe extern "C" fn eiface_release<T: EifacePort>(p: *mut c_void) {
    // SAFETY: the device owned this reference (from `eiface_create`).
    drop(unsafe { Port::<T>::from_raw(p) });
}

/// The ether callbacks for ports of type `T`.
struct EtherAdapter<T>(PhantomData<T>);

impl<T: EtherPort> EtherAdapter<T> {
    const OPS: b::ng_ether_ops = b::ng_ether_ops {
        rx: Some(ether_rx::<T>),
        wants_tx: Some(ether_wants_tx::<T>),
        tx: Some(ether_tx::<T>),
    };
}

/// ether receive handler: `false` leaves the frame to the stack; `true`
/// when the graph took it.
///
/// # Safety
///
/// `p` is the port registered as the receive handler's data, called by
/// the core under `rcu_read_lock()`; `skb` is an unshared frame, handed
/// over if this returns true.
unsafe extern "C" fn ether_rx<T: EtherPort>(p: *mut c_void, skb: *mut b::sk_buff) -> bool {
    // SAFETY: the receive handler's data is the port until detach_rx,
    // which waits for running handlers.
    let port = unsafe { Port::<T>::borrow(p) };
    // SAFETY: the core runs receive handlers under rcu_read_lock(), for the
    // whole call (it reads `dev->rx_handler` with rcu_dereference(), and so
    // does the C handler for its data: PROVE_RCU checks both).
    let guard = unsafe { rcu::held() };
    let frame = RxFrame {
        skb: Cell::new(skb),
    };
    T::rx(port, &guard, &frame);
    // Taken: the graph consumed it.
    frame.skb.get().is_null()
}

/// ether egress hook: does the node take what the host transmits?
///
/// # Safety
///
/// `p` is the port registered as the egress hook's data (until detach,
/// which waits for running hooks).
unsafe extern "C" fn ether_wants_tx<T: EtherPort>(p: *mut c_void) -> bool {
    // SAFETY: the hook's priv is the port until detach_tx, which waits for
    // running hooks.
    T::wants_tx(unsafe { Port::<T>::borrow(p) })
}

/// ether egress hook: a frame the host transmits (consumed).
///
/// # Safety
///
/// As for [`ether_wants_tx`]; `skb` is null or a frame handed over.
unsafe extern "C" fn ether_tx<T: EtherPort>(p: *mut c_void, skb: *mut b::sk_buff) {
    // SAFETY: as above; the skb is handed to us.
    let (port, skb) = unsafe { (Port::<T>::borrow(p), take(skb)) };
    if let Some(skb) = skb {
        T::tx(port, skb);
    }
}

/// What a netdevice notifier reports.
#[derive(Clone, Copy)]
pub(crate) enum NetdevEvent {
    Register,
    Unregister,
    Rename,
    /// The device's link (running and carrier) is up or down; may repeat.
    Link(bool),
}
