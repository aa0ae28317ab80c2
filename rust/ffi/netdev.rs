// SPDX-License-Identifier: GPL-2.0

//! Net devices for node types: a slot holding the device a node uses, safe
//! operations on it, and the entry points from the device layer (transmit,
//! receive handler, egress hook, netdevice events) into the graph.
//!
//! The C side keeps a node reference (`Arc<Node>` as a raw pointer, the
//! "port") where the device layer calls back: an eiface device's private
//! area, an ether node's rx_handler data and egress hook.

use crate::ffi::bindings as b;
use crate::ffi::errno::{check, DResult, ENOTCONN, ENXIO};
use crate::ffi::netlink::NetRef;
use crate::ffi::rcu;
use crate::ffi::rtnl::Rtnl;
use crate::ffi::sched::NodeCtx;
use crate::ffi::skb::Skb;
use crate::graph::path::Name;
use crate::graph::{Fwd, Node};
use core::ffi::c_void;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::sync::Arc;

/// Which way a frame crosses a device.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Received from the wire (ether rx_handler).
    In,
    /// Transmitted by the host (eiface transmit, ether egress hook).
    Out,
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
            _p: core::marker::PhantomData,
        })
    }

    /// The device, for control operations (no unregistration can finish
    /// while the RTNL is held).
    pub(crate) fn get_rtnl<'r>(&self, _r: &'r Rtnl) -> Option<DevRef<'r>> {
        NonNull::new(self.ptr.load(Ordering::Acquire)).map(|ptr| DevRef {
            ptr,
            _p: core::marker::PhantomData,
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
    _p: core::marker::PhantomData<&'a b::net_device>,
}

impl<'a> DevRef<'a> {
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

    pub(crate) fn net(&self) -> NetRef {
        // SAFETY: live device: its namespace is live.
        let n = unsafe { b::ng_shim_dev_net(self.raw()) };
        NetRef(NonNull::new(n).unwrap_or(NonNull::dangling()))
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

    /// ether: frames received on the device are offered to `node`
    /// ([`crate::graph::NodeImpl::device_hook`]). `EBUSY` if the
    /// device's receive handler is taken (bridge, bond, macvlan port).
    pub(crate) fn attach_rx(&self, _r: &Rtnl, node: &Arc<Node>) -> DResult {
        let port = Arc::into_raw(node.clone());
        // SAFETY: live device, RTNL held; on success the device keeps the
        // port reference until `detach_rx`.
        let r = check(unsafe { b::ng_shim_ether_attach_rx(self.raw(), port.cast_mut().cast()) });
        if r.is_err() {
            // SAFETY: the reference taken above was not handed over.
            drop(unsafe { Arc::from_raw(port) });
        }
        r
    }

    /// Undoes [`DevRef::attach_rx`] for the same `node`.
    pub(crate) fn detach_rx(&self, _r: &Rtnl, node: &Arc<Node>) {
        // SAFETY: live device, RTNL held; returns after a grace period, so
        // no receive handler uses the port any more.
        unsafe { b::ng_shim_ether_detach_rx(self.raw()) };
        // SAFETY: `attach_rx` leaked one reference of this same Arc.
        drop(unsafe { Arc::from_raw(&**node as *const Node) });
    }

    /// ether: frames the host transmits on the device are offered to
    /// `node` first.
    pub(crate) fn attach_tx(&self, _r: &Rtnl, node: &Arc<Node>) -> DResult<TxHook> {
        let port = Arc::into_raw(node.clone());
        let mut ops: *mut c_void = core::ptr::null_mut();
        // SAFETY: live device, RTNL held; `ops` receives the hook.
        let r = check(unsafe {
            b::ng_shim_ether_attach_tx(self.raw(), port.cast_mut().cast(), &mut ops)
        });
        match r {
            Ok(()) => Ok(TxHook { ops }),
            Err(e) => {
                // SAFETY: the reference was not handed over.
                drop(unsafe { Arc::from_raw(port) });
                Err(e)
            }
        }
    }

    /// Undoes [`DevRef::attach_tx`] for the same `node`.
    pub(crate) fn detach_tx(&self, _r: &Rtnl, hook: TxHook, node: &Arc<Node>) {
        // SAFETY: live device, RTNL held; `hook.ops` came from attach_tx on
        // this device; the shim waits for the hook's readers.
        unsafe { b::ng_shim_ether_detach_tx(self.raw(), hook.ops) };
        // SAFETY: `attach_tx` leaked one reference of this same Arc.
        drop(unsafe { Arc::from_raw(&**node as *const Node) });
    }
}

/// A device kept across a deferral within one RTNL section (see
/// [`crate::graph::Graph::defer`]).
///
/// # Invariants
///
/// `ptr` was a live device when the value was made.
pub(crate) struct DevKeep {
    ptr: NonNull<b::net_device>,
}

impl DevRef<'_> {
    /// Keeps the device for use later in the same RTNL section.
    pub(crate) fn keep(&self) -> DevKeep {
        DevKeep { ptr: self.ptr }
    }
}

impl DevKeep {
    /// The device again.
    ///
    /// # Safety
    ///
    /// The RTNL has been held without a break since [`DevRef::keep`]: a
    /// device is only freed after its unregistration's `rtnl_unlock()`
    /// (`netdev_run_todo`), so it is still live (being unregistered at
    /// worst) for as long as `r` lasts.
    pub(crate) unsafe fn get<'r>(&self, _r: &'r Rtnl) -> DevRef<'r> {
        DevRef {
            ptr: self.ptr,
            _p: core::marker::PhantomData,
        }
    }
}

/// A registered egress hook (see [`DevRef::attach_tx`]).
pub(crate) struct TxHook {
    ops: *mut c_void,
}

// SAFETY: the hook registration is only used under the RTNL.
unsafe impl Send for TxHook {}

/// Creates an eiface device called `name` in `net` for `node` and puts it in
/// `slot`; `EEXIST` if `net` has a device of that name.
pub(crate) fn eiface_create(
    _r: &Rtnl,
    net: NetRef,
    name: &Name,
    node: &Arc<Node>,
    slot: &DevSlot,
) -> DResult {
    let port = Arc::into_raw(node.clone());
    let mut dev: *mut b::net_device = core::ptr::null_mut();
    let name = name.as_bytes();
    // SAFETY: `net` is live, RTNL held, `name` is valid for `name.len()`
    // bytes; on success the device owns the port reference and returns it
    // through `ng_rs_eiface_release`.
    let r = check(unsafe {
        b::ng_shim_eiface_create(
            net.0.as_ptr(),
            name.as_ptr(),
            name.len(),
            port.cast_mut().cast(),
            &mut dev,
        )
    });
    match (r, NonNull::new(dev)) {
        (Ok(()), Some(d)) => {
            slot.set(d);
            Ok(())
        }
        (r, _) => {
            // SAFETY: the reference was not handed over.
            drop(unsafe { Arc::from_raw(port) });
            r.and(Err(ENXIO))
        }
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

/// A frame from the node's device enters the graph, in read section `g`,
/// by the hook the node's type picks; `ENOTCONN` (frame dropped) if none.
fn frame_from_device(g: &rcu::Guard, node: &Node, skb: Skb, dir: Dir) -> DResult {
    match node.imp.device_hook(g, node, dir, &|| true) {
        Some(h) => Fwd::run(g, |f| f.send(h, skb)),
        None => {
            drop(skb);
            Err(ENOTCONN)
        }
    }
}

/// eiface transmit (BH, RCU): 0 if the frame was sent on.
///
/// # Safety
///
/// `p` is null or the port owned by a transmitting eiface device; `skb`
/// is null or a frame handed over.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_eiface_xmit(p: *mut c_void, skb: *mut b::sk_buff) -> i32 {
    // SAFETY: the device owns the port until its destructor runs, after
    // transmission stopped; the skb is handed to us.
    let (node, skb) = unsafe { (NodeCtx::borrow(p), take(skb)) };
    match skb {
        Some(skb) => match frame_from_device(&rcu::read_lock(), &node, skb, Dir::Out) {
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
/// `p` is null or the port of an eiface device being unregistered
/// (`ndo_uninit`, RTNL held).
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_eiface_gone(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: the device still owns the port.
    let node = unsafe { NodeCtx::borrow(p) };
    node.imp.device_gone();
}

/// eiface `dellink` (RTNL held): `ip link del`. The node lets the device go
/// (the caller unregisters it) and is shut down.
///
/// # Safety
///
/// `p` is null or the port of eiface device `dev`, which is null or
/// registered; the caller (rtnetlink's `dellink`) holds the RTNL.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_eiface_dellink(p: *mut c_void, dev: *mut b::net_device) {
    let Some(ptr) = NonNull::new(dev) else {
        return;
    };
    if p.is_null() {
        return;
    }
    // SAFETY: the device still owns the port.
    let node = unsafe { NodeCtx::borrow(p) };
    // SAFETY: rtnetlink calls dellink with the RTNL held.
    let rtnl = unsafe { Rtnl::assume_held() };
    // `None`: the node is already gone (its graph is being torn down).
    let Some((home, handler)) = node.imp.let_device_go(&rtnl) else {
        return;
    };
    let d = DevRef {
        ptr,
        _p: core::marker::PhantomData,
    };
    if let Some(g) = crate::ffi::pernet::graph(home) {
        let ev = DevEvent::Deleted {
            node: node.id,
            home,
        };
        g.device_event(&rtnl, handler, ev, d);
    }
}

/// eiface device destructor: the device's port reference goes.
///
/// # Safety
///
/// `p` is null or the port reference of an eiface device being freed,
/// passed once.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_eiface_release(p: *mut c_void) {
    if !p.is_null() {
        // SAFETY: the device owned this reference (from `eiface_create`).
        drop(unsafe { Arc::from_raw(p.cast::<Node>().cast_const()) });
    }
}

fn known_type(skb: *const b::sk_buff) -> bool {
    // SAFETY: a valid skb from the receive path.
    unsafe { b::ng_shim_ethertype_known(skb) }
}

/// ether receive handler: `false` leaves the frame to the stack; `true`
/// when the graph took it.
///
/// # Safety
///
/// `p` is the port registered as the receive handler's data, called by
/// the core under `rcu_read_lock()`; `skb` is an unshared frame handed over.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_ether_rx(p: *mut c_void, skb: *mut b::sk_buff) -> bool {
    // SAFETY: the receive handler's data is the port until detach_rx,
    // which waits for running handlers.
    let node = unsafe { NodeCtx::borrow(p) };
    // SAFETY: the core runs receive handlers under rcu_read_lock(), for the
    // whole call (it reads `dev->rx_handler` with rcu_dereference(), and so
    // does the C handler for its data: PROVE_RCU checks both).
    let guard = unsafe { rcu::held() };
    let Some(hook) = node
        .imp
        .device_hook(&guard, &node, Dir::In, &|| known_type(skb))
    else {
        return false;
    };
    // SAFETY: a valid, unshared skb, ours from here on (the handler
    // consumes it when we return true).
    if let Some(skb) = unsafe { take(skb) } {
        let _ = Fwd::run(&guard, |f| f.send(hook, skb));
    }
    true
}

/// ether egress hook: does the node take what the host transmits?
///
/// # Safety
///
/// `p` is the port registered as the egress hook's data (until
/// detach, which waits for running hooks).
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_ether_wants_tx(p: *mut c_void) -> bool {
    // SAFETY: the hook's priv is the port until detach_tx, which waits for
    // running hooks.
    let node = unsafe { NodeCtx::borrow(p) };
    let guard = rcu::read_lock();
    node.imp
        .device_hook(&guard, &node, Dir::Out, &|| true)
        .is_some()
}

/// ether egress hook: a frame the host transmits (consumed).
///
/// # Safety
///
/// As for [`ng_rs_ether_wants_tx`]; `skb` is null or a frame handed over.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_ether_tx(p: *mut c_void, skb: *mut b::sk_buff) {
    // SAFETY: as above; the skb is handed to us.
    let (node, skb) = unsafe { (NodeCtx::borrow(p), take(skb)) };
    if let Some(skb) = skb {
        let _ = frame_from_device(&rcu::read_lock(), &node, skb, Dir::Out);
    }
}

/// What a netdevice event is about.
#[derive(Clone, Copy)]
pub(crate) enum DevEvent {
    Register,
    Unregister,
    Rename,
    /// `dellink` of the interface of eiface node `node` of the graph of
    /// `home`, which has let the device go.
    Deleted {
        node: u32,
        home: NetRef,
    },
}

/// Netdevice notifier (RTNL held).
///
/// # Safety
///
/// `dev` is null or the device a netdevice notifier reports; the RTNL
/// is held.
#[no_mangle]
pub(crate) unsafe extern "C" fn ng_rs_netdev_event(event: i32, dev: *mut b::net_device) {
    let ev = match event {
        1 => DevEvent::Register,
        2 => DevEvent::Unregister,
        _ => DevEvent::Rename,
    };
    let Some(ptr) = NonNull::new(dev) else {
        return;
    };
    // SAFETY: the notifier runs with the RTNL held.
    let rtnl = unsafe { Rtnl::assume_held() };
    let d = DevRef {
        ptr,
        _p: core::marker::PhantomData,
    };
    crate::types::ether::netdev_event(&rtnl, ev, d);
}

const _: [unsafe extern "C" fn(*mut c_void, *mut b::sk_buff) -> i32; 2] =
    [b::ng_rs_eiface_xmit, ng_rs_eiface_xmit];
const _: [unsafe extern "C" fn(*mut c_void); 2] = [b::ng_rs_eiface_gone, ng_rs_eiface_gone];
const _: [unsafe extern "C" fn(*mut c_void); 2] = [b::ng_rs_eiface_release, ng_rs_eiface_release];
const _: [unsafe extern "C" fn(*mut c_void, *mut b::net_device); 2] =
    [b::ng_rs_eiface_dellink, ng_rs_eiface_dellink];
const _: [unsafe extern "C" fn(*mut c_void, *mut b::sk_buff) -> bool; 2] =
    [b::ng_rs_ether_rx, ng_rs_ether_rx];
const _: [unsafe extern "C" fn(*mut c_void) -> bool; 2] =
    [b::ng_rs_ether_wants_tx, ng_rs_ether_wants_tx];
const _: [unsafe extern "C" fn(*mut c_void, *mut b::sk_buff); 2] =
    [b::ng_rs_ether_tx, ng_rs_ether_tx];
const _: [unsafe extern "C" fn(i32, *mut b::net_device); 2] =
    [b::ng_rs_netdev_event, ng_rs_netdev_event];
