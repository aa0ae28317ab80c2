// SPDX-License-Identifier: GPL-2.0

//! The graph of one network namespace: nodes, hooks, names, IDs, and the
//! generic operations (mkpeer, connect, name, rmhook, shutdown).
//!
//! Control operations are serialised by the graph's mutex (process context).
//! Node types see only safe interfaces: [`NodeImpl`] callbacks.

mod device;
pub(crate) mod events;
pub(crate) mod msg;
pub(crate) mod msg_schema;
// Shared with the host tests (tests/host), where its items are public API.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod path;

use crate::ffi::cpu_scope;
use crate::ffi::errno::{
    DResult, Errno, EADDRINUSE, EDEADLK, EEXIST, EINVAL, ELOOP, ENOENT, ENOMEM, ENOSPC, ENOTCONN,
    ENXIO,
};
use crate::ffi::netdev::{DevKeep, DevRef};
use crate::ffi::netlink::{fail, NetRef, NlResult};
use crate::ffi::percpu::Counters;
use crate::ffi::rcu::{self, RcuArc, Retired};
use crate::ffi::rtnl::{Rtnl, RtnlCell};
use crate::ffi::skb::Skb;
use crate::ffi::vec_ext::VecExt;
use crate::graph::msg::{After, MsgDesc, Out, Value};
use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};
pub(crate) use device::{DevEvent, Dir};
pub(crate) use events::{Event, EventSink, Mcast, NoEvents};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::rbtree::RBTree;
use kernel::sync::{Arc, Mutex};
use path::{Base, Name};

/// The graph of namespace `net` (see [`crate::ffi::pernet::get`] for how
/// long it lives).
pub(crate) fn of(net: NetRef) -> Option<&'static Graph> {
    crate::ffi::pernet::get::<Graph>(net)
}

/// Makes the per-node state of a new node in namespace `net` (RTNL held).
pub(crate) type Ctor = fn(net: NetRef) -> NlResult<Arc<dyn NodeImpl>>;

/// A node type: its name, FreeBSD cookie and constructor.
pub(crate) struct TypeInfo {
    /// The type name (`hub`, `bridge`, ...).
    pub(crate) name: &'static str,
    /// FreeBSD's type cookie.
    pub(crate) cookie: u32,
    /// `None` for types that `mkpeer` cannot create (`socket`, `ether`).
    pub(crate) ctor: Option<Ctor>,
    /// The type-specific messages.
    pub(crate) msgs: &'static [MsgDesc],
}

/// The node types the module offers, in `listtypes` order (the crate root
/// names them and hands the list to every graph).
#[derive(Clone, Copy)]
pub(crate) struct Types(&'static [&'static TypeInfo]);

impl Types {
    pub(crate) const fn new(all: &'static [&'static TypeInfo]) -> Self {
        Self(all)
    }

    /// The type named `name`.
    pub(crate) fn find(&self, name: &[u8]) -> Option<&'static TypeInfo> {
        self.0.iter().copied().find(|t| t.name.as_bytes() == name)
    }

    /// The `i`th type.
    pub(crate) fn get(&self, i: usize) -> Option<&'static TypeInfo> {
        self.0.get(i).copied()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// Where `ty` is in the list.
    fn index(&self, ty: &'static TypeInfo) -> usize {
        self.0
            .iter()
            .position(|t| core::ptr::eq(*t, ty))
            .unwrap_or(0)
    }
}

/// What a node type decides when a hook is created.
pub(crate) struct NewHook {
    /// The hook's final name (a type may number bare names, e.g. `link`).
    pub(crate) name: Name,
    /// A type-defined tag stored with the hook.
    pub(crate) tag: u32,
}

/// The behaviour of one node type. Implementations are safe Rust.
///
/// Control callbacks run in process context with the RTNL held (`rtnl`);
/// data callbacks run in BH context under RCU.
pub(crate) trait NodeImpl: Send + Sync {
    /// The node was created; `node` is its data-path half. Types that own
    /// devices create them here; `named` tells whether a node of the graph
    /// has a given name. An error destroys the node.
    fn attach(
        &self,
        _rtnl: &Rtnl,
        _net: NetRef,
        _node: &Arc<Node>,
        _named: &dyn Fn(&Name) -> bool,
    ) -> NlResult {
        Ok(())
    }

    /// The name the node takes when it is made, if that name is free
    /// (`eiface` nodes are named after their interface).
    fn name_hint(&self, _rtnl: &Rtnl) -> Option<Name> {
        None
    }

    /// Accepts or refuses a new hook named `name`; `taken` tells whether a
    /// name is already used on this node.
    fn newhook(&self, name: &[u8], _taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        match Name::new(name) {
            Some(name) => Ok(NewHook { name, tag: 0 }),
            None => fail(EINVAL, "hook name too long"),
        }
    }

    /// `hook` was connected and published. An error removes the edge again
    /// (and `disconnect` is called).
    fn connected(&self, _rtnl: &Rtnl, _node: &Arc<Node>, _hook: &Hook) -> NlResult {
        Ok(())
    }

    /// `hook` was removed; `hooks_left` remain. `true` shuts the node down.
    fn disconnect(&self, _rtnl: &Rtnl, _node: &Arc<Node>, _hook: &Hook, hooks_left: usize) -> bool {
        hooks_left == 0
    }

    /// Whether a shutdown request only resets the node (FreeBSD `ether`:
    /// the hooks go, the node stays). Namespace exit destroys it anyway.
    fn survives_shutdown(&self) -> bool {
        false
    }

    /// Hooks whose peers are joined directly when the node is destroyed
    /// (FreeBSD `ng_bypass`; `tee`: left and right).
    fn bypass(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// A shutdown request reset a surviving node; its hooks are gone.
    fn reset(&self, _rtnl: &Rtnl) {}

    /// The node is going away: its hooks are already gone. Release what
    /// the type holds outside the graph (devices, timers).
    fn shutdown(&self, _rtnl: &Rtnl, _node: &Arc<Node>) {}

    /// The netlink port of a socket node; `None` for every other type.
    fn socket_portid(&self) -> Option<u32> {
        None
    }

    /// A type-specific control message (one of the type's `msgs`), its
    /// argument checked against the schema; the reply goes to `out`.
    /// Whether [`NodeImpl::rcvmsg_ro`] answers every read-only message of
    /// the type (from the node's own state: no device, no graph).
    fn reads_without_rtnl(&self) -> bool {
        false
    }

    /// A read-only message (`MsgDesc::readonly`), when
    /// [`NodeImpl::reads_without_rtnl`]: called without the RTNL or the
    /// graph's lock (process context), so unprivileged polling of
    /// statistics never waits for, or holds up, configuration.
    fn rcvmsg_ro(
        &self,
        _node: &Arc<Node>,
        _msg: &'static MsgDesc,
        _args: Option<Value<'_>>,
        _out: &mut Out<'_>,
    ) -> NlResult {
        fail(EINVAL, "unknown message for this node type")
    }

    fn rcvmsg(
        &self,
        _rtnl: &Rtnl,
        _node: &Arc<Node>,
        _msg: &'static MsgDesc,
        _args: Option<Value<'_>>,
        _out: &mut Out<'_>,
    ) -> NlResult<After> {
        fail(EINVAL, "unknown message for this node type")
    }

    /// A frame arrived on `hook` of `node`. The default drops it.
    fn rcvdata(&self, _fwd: &mut Fwd<'_>, _node: &Node, _hook: &Hook, skb: Skb) -> DResult {
        drop(skb);
        Ok(())
    }

    /// The hook by which a frame crossing the node's device in direction
    /// `dir` enters the graph, or `None` when the graph does not take it;
    /// `known` tells whether the stack handles its EtherType.
    /// (Device-backed types; one call per frame decides and routes.)
    fn device_hook<'g>(
        &self,
        _g: &'g rcu::Guard,
        _node: &'g Node,
        _dir: Dir,
        _known: &dyn Fn() -> bool,
    ) -> Option<&'g Hook> {
        None
    }

    /// The node's device is being unregistered by someone else; stop
    /// using it. (RTNL held.)
    fn device_gone(&self) {}

    /// eiface: `ip link del` of the node's interface. The node forgets the
    /// device (its caller unregisters it) and returns the namespace of its
    /// graph and the handler that shuts it down there; `None` if it had no
    /// device (it was shut down already).
    fn let_device_go(&self, _rtnl: &Rtnl) -> Option<(NetRef, DevHandler)> {
        None
    }

    /// A periodic tick the type started with [`crate::ffi::tick::Tick`]
    /// (process context, no RTNL).
    fn tick(&self, _node: &Node) {}

    /// A timer the type made with [`crate::ffi::sched::Timer`] expired
    /// (softirq context).
    fn timer(&self, _node: &Node, _which: u32) {}

    /// The node at the other end of `hook` says its link went up or down
    /// (FreeBSD's `NGM_LINK_IS_UP` / `NGM_LINK_IS_DOWN`). Returns the tag
    /// of the hook to pass the news on through, if the type relays it.
    /// Called with the RTNL held inside an RCU read section: must not
    /// sleep.
    fn link_state(&self, _rtnl: &Rtnl, _node: &Node, _hook: &Hook, _up: bool) -> Option<u32> {
        None
    }

    /// Whether a hook of this node may connect to another hook of the same
    /// node (`bridge`: no, `ELOOP`).
    fn allows_self_loop(&self) -> bool {
        true
    }

    /// A message whose reply is a dump (`MsgDesc::dump`): writes reply
    /// values with `emit` (which returns `false` when the message is full)
    /// from where `cursor` says, and returns `true` when done.
    fn dumpmsg(
        &self,
        _msg: &'static MsgDesc,
        _cursor: &mut crate::ffi::netlink::DumpCursor,
        _emit: &mut Emit<'_>,
    ) -> NlResult<bool> {
        fail(EINVAL, "this message cannot be dumped")
    }
}

/// Writes one reply value of a dumped message into a new dump message
/// (see [`NodeImpl::dumpmsg`]); `Ok(false)` when the dump buffer is full.
pub(crate) type Emit<'a> =
    dyn FnMut(&mut dyn FnMut(&mut Out<'_>) -> DResult) -> NlResult<bool> + 'a;

/// Most hooks one node may have (FreeBSD has no limit; here each change
/// copies the node's hook list for the data path).
pub(crate) const MAX_HOOKS: usize = 16384;

/// Most nodes one frame crosses on one kernel stack; a frame that would go
/// deeper is put off and continues from the outermost entry's stack
/// (bounds the stack, not the chain: FreeBSD delivers through any chain).
pub(crate) const MAX_DEPTH: u32 = 24;
/// Most deliveries one injected frame and its copies may make in total,
/// however many devices they cross on the way (bounds the work of a loop;
/// large enough to flood 1 000 hooks).
pub(crate) const MAX_DELIVERIES: u32 = 4096;
/// Most frames one injected frame and its copies may hand to socket nodes
/// (netlink sockets, whose receive buffers also carry the replies to their
/// requests: a loop must not fill them).
pub(crate) const MAX_SOCKET_DELIVERIES: u32 = 64;

/// The forwarding state of one injected frame and all its copies, shared
/// by the entries nested on one CPU's stack (a frame the graph hands a
/// device that hands it back synchronously: a Linux bridge with eiface
/// ports, an ether node's `lower` on an eiface).
struct FwdShared {
    depth: Cell<u32>,
    budget: Cell<u32>,
    to_sockets: Cell<u32>,
    /// Frames put off at [`MAX_DEPTH`], with the hook each goes to.
    pending: core::cell::RefCell<KVec<(Arc<Hook>, Skb)>>,
}

/// The forwarding context of one injected frame and all its copies.
pub(crate) struct Fwd<'g> {
    guard: &'g rcu::Guard,
    sh: &'g FwdShared,
}

impl<'g> Fwd<'g> {
    /// Runs `f` with the forwarding context of this CPU's frame: the one
    /// of an entry further up this stack (the frame crossed a device that
    /// gave it back at once) or, at the outermost entry, a new one, whose
    /// put-off frames are sent when `f` is done, each from this stack,
    /// under the same budget. Entries run with bottom halves off (the
    /// data path), which keeps the context on this CPU.
    pub(crate) fn run<R>(guard: &rcu::Guard, f: impl FnOnce(&mut Fwd<'_>) -> R) -> R {
        let make = || FwdShared {
            depth: Cell::new(0),
            budget: Cell::new(MAX_DELIVERIES),
            to_sockets: Cell::new(0),
            pending: core::cell::RefCell::new(KVec::new()),
        };
        cpu_scope::run(make, |sh, outermost| {
            let r = f(&mut Fwd { guard, sh });
            // The outermost entry sends what was put off, from this stack.
            if outermost {
                while let Some((peer, skb)) = sh
                    .pending
                    .try_borrow_mut()
                    .ok()
                    .and_then(|mut q| q.pop_last())
                {
                    sh.depth.set(0);
                    let _ = Fwd { guard, sh }.enter(&peer, skb);
                }
            }
            r
        })
    }

    /// The RCU read section the frame travels in.
    pub(crate) fn guard(&self) -> &'g rcu::Guard {
        self.guard
    }

    /// The hooks of `node`, oldest first, as published for the data path.
    pub(crate) fn hooks<'n>(&self, node: &'n Node) -> &'n [Arc<Hook>]
    where
        'g: 'n,
    {
        match node.hooks.get(self.guard) {
            Some(l) => l.hooks.as_slice(),
            None => &[],
        }
    }

    /// Takes one of the frame's [`MAX_SOCKET_DELIVERIES`]; `false` when
    /// they are spent.
    pub(crate) fn socket_delivery(&mut self) -> bool {
        let n = self.sh.to_sockets.get();
        if n >= MAX_SOCKET_DELIVERIES {
            return false;
        }
        self.sh.to_sockets.set(n + 1);
        true
    }

    /// Whether a further send would be refused (the budget is spent).
    /// Flooding nodes check it so that they do not copy frames in vain.
    pub(crate) fn exhausted(&self) -> bool {
        self.sh.budget.get() == 0
    }

    /// Sends `skb` out of `hook` (of the node being run): the peer node
    /// receives it now, and its error comes back (FreeBSD semantics); at
    /// [`MAX_DEPTH`] the frame is put off instead (sent once this stack has
    /// unwound to the outermost entry; `Ok` here). A frame over the
    /// delivery budget is dropped and counted on the sending node with
    /// `ELOOP`. Inlined: a hop costs the receiving node's call only.
    #[inline(always)]
    pub(crate) fn send(&mut self, hook: &Hook, skb: Skb) -> DResult {
        let sh = self.sh;
        if sh.budget.get() == 0 {
            hook.node.loop_drops.fetch_add(1, Ordering::Relaxed);
            drop(skb);
            return Err(ELOOP);
        }
        if hook.peer.get(self.guard).is_none() {
            drop(skb);
            return Err(ENOTCONN);
        }
        // Charged now, delivered now or later: what is put off is bounded
        // by the budget too.
        sh.budget.set(sh.budget.get() - 1);
        if sh.depth.get() >= MAX_DEPTH {
            return self.put_off(hook, skb);
        }
        self.deliver(hook, skb)
    }

    /// Hands `skb` to the peer of `hook`, one level deeper (the delivery is
    /// already charged to the budget).
    #[inline(always)]
    fn deliver(&mut self, hook: &Hook, skb: Skb) -> DResult {
        let Some(peer) = hook.peer.get(self.guard) else {
            drop(skb);
            return Err(ENOTCONN);
        };
        self.enter(peer, skb)
    }

    /// `peer` receives `skb`, one level deeper.
    #[inline(always)]
    fn enter(&mut self, peer: &Hook, skb: Skb) -> DResult {
        let sh = self.sh;
        let depth = sh.depth.get();
        sh.depth.set(depth + 1);
        let node = &peer.node;
        peer.rx
            .count_frame(RX_FRAMES, RX_OCTETS, u64::from(skb.len()), None);
        let r = node.imp.rcvdata(self, node, peer, skb);
        sh.depth.set(depth);
        r
    }

    #[inline(never)]
    fn put_off(&mut self, hook: &Hook, skb: Skb) -> DResult {
        // The queue is only borrowed for a push or a pop, and nothing that
        // forwards runs in between on this CPU; should it be, the frame is
        // dropped (and counted), never a panic.
        let Some(peer) = hook.peer.get_arc(self.guard) else {
            drop(skb);
            return Err(ENOTCONN);
        };
        let Ok(mut q) = self.sh.pending.try_borrow_mut() else {
            hook.node.count_drop();
            return Err(crate::ffi::errno::ENOMEM);
        };
        match q.push((peer, skb), GFP_ATOMIC) {
            Ok(()) => Ok(()),
            Err(_) => {
                // (The frame went with the failed push.)
                hook.node.count_drop();
                Err(crate::ffi::errno::ENOMEM)
            }
        }
    }
}

/// Tells the neighbours of `node` that its link went up or down (FreeBSD's
/// flow messages, sent out of every hook); nodes that relay them pass them
/// on, at most [`MAX_DEPTH`] hops.
pub(crate) fn announce_link(rtnl: &Rtnl, node: &Node, up: bool) {
    let g = rcu::read_lock();
    for h in node.hooks(&g) {
        relay_link(rtnl, &g, h, up);
    }
}

/// [`announce_link`] out of `node`'s hook `tag` only (one2many's `one`).
pub(crate) fn announce_link_on(rtnl: &Rtnl, node: &Node, tag: u32, up: bool) {
    let g = rcu::read_lock();
    if let Some(h) = node.hooks(&g).iter().find(|h| h.tag == tag) {
        relay_link(rtnl, &g, h, up);
    }
}

fn relay_link(rtnl: &Rtnl, g: &rcu::Guard, from: &Hook, up: bool) {
    let mut hook = from;
    for _ in 0..MAX_DEPTH {
        let Some(peer) = hook.peer.get(g) else {
            break;
        };
        let Some(tag) = peer.node.imp.link_state(rtnl, &peer.node, peer, up) else {
            break;
        };
        let Some(next) = peer.node.hooks(g).iter().find(|x| x.tag == tag) else {
            break;
        };
        hook = next;
    }
}

/// The data-path half of a hook: its name, its node, its peer.
pub(crate) struct Hook {
    /// The hook's name.
    pub(crate) name: Name,
    /// The tag the node type gave the hook in `newhook`.
    #[allow(dead_code)] // read by the types that number their hooks
    pub(crate) tag: u32,
    /// The node this hook belongs to.
    pub(crate) node: Arc<Node>,
    /// The hook at the other end; empty once the edge is being removed.
    peer: RcuArc<Hook>,
    /// What arrived through this hook (its node's `rcvdata` was called
    /// with it): [`RX_FRAMES`] and [`RX_OCTETS`], per CPU. They go with the
    /// hook.
    pub(crate) rx: Counters<2>,
}

/// `newhook` for types with a few fixed hook names (`fixed`: name and tag)
/// whose other hooks are numbered from `next` (`vlan`'s and `etf`'s filter
/// hooks): any name is accepted.
pub(crate) fn fixed_or_numbered(
    name: &[u8],
    fixed: &[(&[u8], u32)],
    next: &core::sync::atomic::AtomicU32,
) -> NlResult<NewHook> {
    let tag = match fixed.iter().find(|(n, _)| *n == name) {
        Some(&(_, t)) => t,
        None => {
            let t = next.fetch_add(1, Ordering::Relaxed);
            // The fixed tags are below the first numbered one.
            if fixed.iter().any(|&(_, f)| f >= t) {
                return fail(ENOSPC, "this node has numbered all the hooks it can");
            }
            t
        }
    };
    match Name::new(name) {
        Some(name) => Ok(NewHook { name, tag }),
        None => fail(EINVAL, "hook name too long"),
    }
}

/// A hook a node type keeps at hand for its data path (`vlan`'s and
/// `etf`'s `downstream` and `nomatch`), published under the RTNL and read
/// under RCU. It holds a reference of the hook: clear it when the hook
/// goes (`disconnect`) and at shutdown.
pub(crate) struct HookCell(RcuArc<Hook>);

impl HookCell {
    pub(crate) const fn empty() -> Self {
        Self(RcuArc::empty())
    }

    /// The hook, for the data path.
    pub(crate) fn get<'g>(&self, g: &'g rcu::Guard) -> Option<&'g Hook> {
        self.0.get(g)
    }

    /// Keeps `hook`, one of `node`'s hooks (from `connected`).
    pub(crate) fn set(&self, rtnl: &Rtnl, node: &Node, hook: &Hook) {
        let arc = {
            let g = rcu::read_lock();
            node.hooks(&g)
                .iter()
                .find(|h| core::ptr::eq(&***h, hook))
                .cloned()
        };
        self.0.publish_rtnl(arc, rtnl);
    }

    /// Forgets the hook (readers may still see it for a grace period).
    pub(crate) fn clear(&self, rtnl: &Rtnl) {
        self.0.publish_rtnl(None, rtnl);
    }
}

/// [`Hook::rx`]: frames received through the hook.
pub(crate) const RX_FRAMES: usize = 0;
/// [`Hook::rx`]: their octets.
pub(crate) const RX_OCTETS: usize = 1;

/// A node's hooks as seen by the data path (copy-on-write).
pub(crate) struct HookList {
    hooks: KVVec<Arc<Hook>>,
}

/// One node. The data-path part, shared with frames in flight.
pub(crate) struct Node {
    /// The node's ID in its graph.
    pub(crate) id: u32,
    /// The node's type.
    pub(crate) ty: &'static TypeInfo,
    /// The type's per-node state.
    pub(crate) imp: Arc<dyn NodeImpl>,
    /// The hooks, published for the data path.
    hooks: RcuArc<HookList>,
    /// Frames dropped here because of the depth or delivery budget.
    pub(crate) loop_drops: AtomicU64,
    /// Other frames the node dropped (out of memory, too big for where
    /// they were going, a full socket buffer).
    pub(crate) drops: AtomicU64,
}

impl Node {
    /// Counts a frame this node dropped (other than by the forwarding
    /// budget, which `loop_drops` counts).
    pub(crate) fn count_drop(&self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }

    /// Frees a frame the node cannot pass on, counted in its drops;
    /// returns `e` for the sender.
    pub(crate) fn drop_frame(&self, skb: Skb, e: Errno) -> DResult {
        self.count_drop();
        drop(skb);
        Err(e)
    }

    /// The hooks, oldest first, as published for the data path.
    pub(crate) fn hooks<'g>(&'g self, g: &'g rcu::Guard) -> &'g [Arc<Hook>] {
        match self.hooks.get(g) {
            Some(l) => l.hooks.as_slice(),
            None => &[],
        }
    }
}

struct HookEntry {
    name: Name,
    peer_node: u32,
    peer_hook: Name,
    hook: Arc<Hook>,
    /// Creation stamp, unique in the graph and increasing.
    serial: u64,
}

/// What writers unpublish; released after a grace period.
enum Garbage {
    Hook(#[allow(dead_code)] Arc<Hook>),
    List(#[allow(dead_code)] Arc<HookList>),
    Node(#[allow(dead_code)] Arc<Node>),
    Ports(#[allow(dead_code)] Arc<PortList>),
}

/// The netlink ports that have a socket node, sorted, for the socket
/// release path to check without the RTNL.
pub(crate) struct PortList {
    ports: KVec<u32>,
}

struct NodeEntry {
    node: Arc<Node>,
    name: Option<Name>,
    /// Oldest first; listed newest first, as FreeBSD does. (kvmalloc'd: a
    /// node may have up to [`MAX_HOOKS`] hooks.)
    hooks: KVVec<HookEntry>,
}

impl NodeEntry {
    fn hook(&self, name: &[u8]) -> Option<&HookEntry> {
        self.hooks.iter().find(|h| h.name.as_bytes() == name)
    }
}

/// A snapshot of a node for replies and events (FreeBSD `struct nodeinfo`).
pub(crate) struct NodeInfo {
    pub(crate) id: u32,
    pub(crate) name: Option<Name>,
    pub(crate) ty: &'static str,
    pub(crate) hooks: u32,
    pub(crate) loop_drops: u64,
    pub(crate) drops: u64,
}

/// What MKPEER and CONNECT made: the node they were sent to and its new
/// hook, with the final hook names and the node at the other end.
pub(crate) struct Made {
    pub(crate) node: NodeInfo,
    pub(crate) link: LinkInfo,
}

/// A snapshot of one hook (FreeBSD `struct linkinfo`).
pub(crate) struct LinkInfo {
    pub(crate) ourhook: Name,
    pub(crate) peerhook: Name,
    pub(crate) peer: NodeInfo,
    /// Frames and octets in through `ourhook` ([`Hook::rx`]).
    pub(crate) rx: [u64; 2],
    /// Frames and octets out through it (the peer hook's `rx`).
    pub(crate) tx: [u64; 2],
}

/// One change of the graph: the RTNL its caller holds, and where its
/// events go.
pub(crate) struct Op<'a> {
    pub(crate) rtnl: &'a Rtnl,
    pub(crate) ev: &'a mut dyn EventSink,
}

impl<'a> Op<'a> {
    pub(crate) fn new(rtnl: &'a Rtnl, ev: &'a mut dyn EventSink) -> Self {
        Self { rtnl, ev }
    }
}

/// The type of socket nodes, which the control plane makes for the netlink
/// sockets that ask (`mkpeer` cannot).
pub(crate) struct SocketType {
    pub(crate) ty: &'static TypeInfo,
    /// The node of netlink port `portid` of namespace `net`.
    pub(crate) ctor: fn(portid: u32, net: NetRef) -> DResult<Arc<dyn NodeImpl>>,
}

/// The graph's state, guarded by the RTNL.
pub(crate) struct GraphState {
    /// Net devices a node follows (`ether`): device key -> node ID; an
    /// entry goes with its node.
    pub(crate) devices: RBTree<usize, u32>,
    garbage: Retired<Garbage>,
    next_id: u32,
    nodes: RBTree<u32, NodeEntry>,
    names: RBTree<Name, u32>,
    /// Netlink port ID -> socket node ID.
    sockets: RBTree<u32, u32>,
    /// The types nodes can have.
    types: Types,
    /// Living nodes of each type (indexed as `types`).
    counts: KVec<u32>,
    /// Changes with every change of nodes, names and hooks (never 0), so
    /// that a dump over several calls can tell it saw a moving graph.
    generation: u32,
    /// Creation stamp of the next hook (hooks are listed newest first and
    /// listings resume by stamp, not by position).
    next_hook_serial: u64,
    /// `sockets` changed since the port list was last published.
    ports_dirty: bool,
}

/// One namespace's graph.
///
/// Control operations of every graph are serialised by the RTNL: nodes own
/// net devices, and device events (under the RTNL) change graphs, so one
/// lock order (RTNL only) rules out deadlocks between graphs and devices.
///
/// # Invariants
///
/// `state` is changed only with the RTNL held and `busy` set, by
/// [`Graph::with_rtnl`] (readers, [`Graph::read`], take only its mutex).
/// `deferred` is empty whenever `busy` and `queued` are clear.
#[pin_data]
pub(crate) struct Graph {
    /// The namespace; valid for the graph's whole life (the graph is freed
    /// by the namespace's pernet exit).
    pub(crate) net: NetRef,
    /// The types nodes can have.
    types: Types,
    /// Changes hold the RTNL too, reads (listings, node information) only
    /// the mutex, so that no unprivileged read takes the RTNL.
    #[pin]
    state: Mutex<GraphState>,
    /// An operation on the graph is under way on the RTNL holder's stack.
    busy: RtnlCell<bool>,
    /// The ports with a socket node (`None`: not known, ask under the
    /// RTNL); republished after each change that made or removed one.
    ports: RcuArc<PortList>,
    /// Device events that came while a graph operation was under way
    /// further up the stack, run before that operation returns.
    deferred: RtnlCell<KVec<Deferred>>,
    /// On the list of graphs with deferred events ([`Ops::pending`]).
    queued: RtnlCell<bool>,
    /// The next graph on that list.
    next_pending: RtnlCell<Option<&'static Graph>>,
}

/// Graph operations of the RTNL holder: whether one is under way, and the
/// graphs (other than its own) whose device events it caused.
struct Ops {
    depth: RtnlCell<u32>,
    pending: RtnlCell<Option<&'static Graph>>,
}

static OPS: Ops = Ops {
    depth: RtnlCell::new(0),
    pending: RtnlCell::new(None),
};

/// The graph as the readers see it ([`Graph::read`]): listings and lookups,
/// no changes.
pub(crate) struct Reader<'a>(&'a mut GraphState);

impl Reader<'_> {
    pub(crate) fn generation(&self) -> u32 {
        self.0.generation
    }

    pub(crate) fn resolve_from(&self, c: Caller, addr: &[u8]) -> NlResult<u32> {
        self.0.resolve_from(c, addr)
    }

    pub(crate) fn nodeinfo(&self, id: u32) -> Option<NodeInfo> {
        self.0.nodeinfo(id)
    }

    pub(crate) fn node(&self, id: u32) -> Option<Arc<Node>> {
        self.0.node(id)
    }

    pub(crate) fn type_count(&self, i: usize) -> u32 {
        self.0.type_count(i)
    }

    pub(crate) fn hooks_after(
        &self,
        id: u32,
        after: Option<u64>,
        f: impl FnMut(u64, LinkInfo) -> bool,
    ) {
        self.0.hooks_after(id, after, f)
    }

    pub(crate) fn list_from(
        &mut self,
        from: u32,
        named_only: bool,
        f: impl FnMut(NodeInfo) -> bool,
    ) {
        self.0.list_from(from, named_only, f)
    }
}

/// Device events a graph can hold for later without allocating.
const DEFERRED_ROOM: usize = 16;

/// Handles a device event with the graph's state (RTNL held).
pub(crate) type DevHandler = fn(&mut GraphState, &Rtnl, DevEvent, DevRef<'_>);

/// A device event waiting for the graph.
struct Deferred {
    run: DevHandler,
    ev: DevEvent,
    dev: DevKeep,
}

/// Who asks: the netlink port of the requesting socket.
#[derive(Clone, Copy)]
pub(crate) struct Caller {
    pub(crate) portid: u32,
    pub(crate) net: NetRef,
}

impl Graph {
    /// A new, empty graph for `net`.
    pub(crate) fn new(
        net: NetRef,
        types: Types,
    ) -> Result<impl PinInit<Self>, kernel::alloc::AllocError> {
        // Room for the device events of a typical cascade, so that queueing
        // one normally allocates nothing.
        let deferred = KVec::with_capacity(DEFERRED_ROOM, GFP_KERNEL)?;
        let state_types = types;
        let mut counts = KVec::with_capacity(types.len(), GFP_KERNEL)?;
        for _ in 0..types.len() {
            counts.push(0, GFP_KERNEL)?;
        }
        let ports = RcuArc::new(Some(Arc::new(PortList { ports: KVec::new() }, GFP_KERNEL)?));
        Ok(pin_init!(Self {
            net,
            types,
            state <- new_mutex!(GraphState {
                garbage: Retired::new(),
                next_id: 1,
                nodes: RBTree::new(),
                names: RBTree::new(),
                sockets: RBTree::new(),
                devices: RBTree::new(),
                types: state_types,
                counts,
                generation: 1,
                next_hook_serial: 1,
                ports_dirty: false,
            }, "netgraph_graph"),
            busy: RtnlCell::new(false),
            ports,
            deferred: RtnlCell::new(deferred),
            queued: RtnlCell::new(false),
            next_pending: RtnlCell::new(None),
        }))
    }

    /// The graph of a new namespace (pernet init); `None` when memory is
    /// short.
    pub(crate) fn create(net: NetRef, types: Types) -> Option<Pin<KBox<Self>>> {
        KBox::pin_init(Self::new(net, types).ok()?, GFP_KERNEL).ok()
    }

    /// The types nodes can have.
    pub(crate) fn types(&self) -> Types {
        self.types
    }

    /// Shuts the graph of a dying namespace down (pernet exit, RTNL held):
    /// every node goes. Device events the teardown itself causes find the
    /// graph busy and run before this returns.
    pub(crate) fn teardown(&'static self, rtnl: &Rtnl) {
        // A device event handled after the teardown could (in principle)
        // make a node again: repeat until the graph stays empty.
        for _ in 0..4 {
            let empty = self.with_rtnl(rtnl, |s| {
                s.destroy_all(rtnl);
                s.is_empty()
            });
            if empty != Some(false) {
                break;
            }
        }
    }

    /// Runs `f` on the graph for reading, without the RTNL.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Reader<'_>) -> T) -> T {
        let mut s = self.state.lock();
        // `Reader` lets the state be used for reading only (the tree cursor
        // of `list_from` wants `&mut`).
        f(&mut Reader(&mut s))
    }

    /// Whether netlink port `portid` may have a socket node here (checked
    /// without the RTNL; `false` is certain).
    pub(crate) fn may_have_socket(&self, portid: u32) -> bool {
        let g = rcu::read_lock();
        match self.ports.get(&g) {
            Some(l) => l.ports.binary_search(&portid).is_ok(),
            None => true,
        }
    }

    fn publish_ports(&self, s: &mut GraphState, rtnl: &Rtnl) {
        let mut v = KVec::new();
        let mut ok = v.reserve(s.sockets.iter().count(), GFP_KERNEL).is_ok();
        if ok {
            for (&p, _) in s.sockets.iter() {
                // Sorted: the tree iterates in key order.
                ok &= v.push(p, GFP_KERNEL).is_ok();
            }
        }
        let list = if ok {
            Arc::new(PortList { ports: v }, GFP_KERNEL).ok()
        } else {
            None
        };
        // Without a list, releases ask under the RTNL (never wrong).
        if let Some(old) = self.ports.replace_rtnl(list, rtnl) {
            s.garbage.push(Garbage::Ports(old));
        }
    }

    /// Runs `f` on the graph with the RTNL taken. What `f` unpublished is
    /// released after a grace period.
    pub(crate) fn with<T>(
        &'static self,
        f: impl FnOnce(&mut GraphState, &Rtnl) -> NlResult<T>,
    ) -> NlResult<T> {
        let rtnl = Rtnl::lock();
        // A graph is only busy while an RTNL holder runs `f`, and we just
        // took the RTNL: `None` cannot happen, but is an error, not a panic.
        match self.with_rtnl(&rtnl, |s| f(s, &rtnl)) {
            Some(r) => r,
            None => fail(EDEADLK, "graph busy"),
        }
    }

    /// Runs `f` on the graph; the caller holds the RTNL. `None` if a graph
    /// (this or another) is already being changed further up the caller's
    /// stack: a device event caused by a graph operation, which
    /// [`Graph::device_event`] then defers. So no thread ever holds two
    /// graphs' locks.
    pub(crate) fn with_rtnl<R>(
        &'static self,
        rtnl: &Rtnl,
        f: impl FnOnce(&mut GraphState) -> R,
    ) -> Option<R> {
        let ops = &OPS;
        if self.busy.get(rtnl) || ops.depth.get(rtnl) > 0 {
            return None;
        }
        self.busy.set(rtnl, true);
        ops.depth.set(rtnl, 1);
        let r = self.run_locked(rtnl, f);
        ops.depth.set(rtnl, 0);
        // Events the operation caused in other graphs: each runs now, under
        // its own graph's lock alone (and may queue more).
        while let Some(g) = ops.pending.take(rtnl) {
            ops.pending.set(rtnl, g.next_pending.take(rtnl));
            g.queued.set(rtnl, false);
            g.busy.set(rtnl, true);
            ops.depth.set(rtnl, 1);
            g.run_locked(rtnl, |_| ());
            ops.depth.set(rtnl, 0);
        }
        Some(r)
    }

    /// The body of [`Graph::with_rtnl`]: `busy` is set and this graph is
    /// the only one being changed.
    fn run_locked<R>(&self, rtnl: &Rtnl, f: impl FnOnce(&mut GraphState) -> R) -> R {
        let garbage = {
            // `busy` was clear before the caller set it: no operation on
            // this graph further up this stack holds the mutex.
            let mut s = self.state.lock();
            let r = f(&mut s);
            // What `f` caused on this graph's devices, in order (handlers
            // may defer more). Each entry was queued by `device_event`
            // while an operation of this RTNL holder was running (on this
            // graph, or on another whose `with_rtnl` is draining us now):
            // its device is still there.
            while let Some(d) = self.pop_deferred(rtnl) {
                (d.run)(&mut s, rtnl, d.ev, d.dev.get(rtnl));
            }
            if core::mem::replace(&mut s.ports_dirty, false) {
                self.publish_ports(&mut s, rtnl);
            }
            let garbage = core::mem::replace(&mut s.garbage, Retired::new());
            self.busy.set(rtnl, false);
            (r, garbage)
        };
        let (r, garbage) = garbage;
        drop(garbage);
        r
    }

    /// Runs `run` for a device event now, or, when a graph operation is
    /// under way further up this stack (the event is its doing), as soon as
    /// that operation is done, in the same RTNL section: no device event is
    /// lost, and the device is still allocated then.
    pub(crate) fn device_event(
        &'static self,
        rtnl: &Rtnl,
        run: DevHandler,
        ev: DevEvent,
        d: DevRef<'_>,
    ) {
        if self.with_rtnl(rtnl, |s| run(s, rtnl, ev, d)).is_some() {
            return;
        }
        let entry = Deferred {
            run,
            ev,
            dev: d.keep(),
        };
        let mut q = self.deferred.replace(rtnl, KVec::new());
        // Within the room reserved at creation this allocates nothing; past
        // it (a cascade over more devices with ether nodes) it may sleep,
        // which netdevice notifiers allow.
        let pushed = q.push(entry, GFP_KERNEL);
        self.deferred.set(rtnl, q);
        if pushed.is_err() {
            pr_err!("device event lost: out of memory while the graph was busy\n");
            return;
        }
        // Not this graph's own operation: the outermost `with_rtnl` runs it.
        if !self.busy.get(rtnl) && !self.queued.replace(rtnl, true) {
            self.next_pending.set(rtnl, OPS.pending.take(rtnl));
            OPS.pending.set(rtnl, Some(self));
        }
    }

    fn pop_deferred(&self, rtnl: &Rtnl) -> Option<Deferred> {
        let mut q = self.deferred.replace(rtnl, KVec::new());
        let d = q.remove_at(0);
        self.deferred.set(rtnl, q);
        d
    }
}

fn hook_name(s: &[u8]) -> NlResult<&[u8]> {
    path::check_hook_name(s)?;
    Ok(s)
}

impl GraphState {
    /// Records a change and reports it.
    fn changed(&mut self, op: &mut Op<'_>, e: Event) {
        self.generation = self.generation.wrapping_add(1).max(1);
        op.ev.event(e);
    }

    /// Living nodes of type index `i`.
    pub(crate) fn type_count(&self, i: usize) -> u32 {
        self.counts.get(i).copied().unwrap_or(0)
    }

    /// The device entry of node `id` goes (the node does).
    fn forget_device(&mut self, id: u32) {
        let key = self.devices.iter().find(|(_, &v)| v == id).map(|(&k, _)| k);
        if let Some(k) = key {
            self.devices.remove(&k);
        }
    }

    fn info(&self, id: u32) -> Option<NodeInfo> {
        let e = self.nodes.get(&id)?;
        Some(NodeInfo {
            id,
            name: e.name,
            ty: e.node.ty.name,
            hooks: e.hooks.len() as u32,
            loop_drops: e.node.loop_drops.load(Ordering::Relaxed),
            drops: e.node.drops.load(Ordering::Relaxed),
        })
    }

    /// Node information by ID.
    pub(crate) fn nodeinfo(&self, id: u32) -> Option<NodeInfo> {
        self.info(id)
    }

    fn alloc_id(&mut self) -> NlResult<u32> {
        for _ in 0..=u32::MAX {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            if self.next_id == 0 {
                self.next_id = 1;
            }
            if id != 0 && self.nodes.get(&id).is_none() {
                return Ok(id);
            }
        }
        fail(ENOSPC, "no free node ID")
    }

    /// Creates a node of `ty` with `imp` in this graph (named `name`, or
    /// the type's hint when that is free); returns its ID.
    pub(crate) fn add_node(
        &mut self,
        ty: &'static TypeInfo,
        imp: Arc<dyn NodeImpl>,
        name: Option<Name>,
        net: NetRef,
        op: &mut Op<'_>,
    ) -> NlResult<u32> {
        if let Some(n) = name {
            if self.names.get(&n).is_some() {
                return fail(EADDRINUSE, "another node has that name");
            }
        }
        let id = self.alloc_id()?;
        let node = Arc::new(
            Node {
                id,
                ty,
                imp,
                hooks: RcuArc::empty(),
                loop_drops: AtomicU64::new(0),
                drops: AtomicU64::new(0),
            },
            GFP_KERNEL_ACCOUNT,
        )?;
        let rtnl = op.rtnl;
        let names = &self.names;
        node.imp
            .attach(rtnl, net, &node, &|n| names.get(n).is_some())?;
        let name = match name {
            Some(n) => Some(n),
            // FreeBSD: failing to take the hinted name is not an error.
            None => node
                .imp
                .name_hint(rtnl)
                .filter(|n| path::check_node_name(n.as_bytes()).is_ok())
                .filter(|n| self.names.get(n).is_none()),
        };
        let entry = NodeEntry {
            node: node.clone(),
            name,
            hooks: KVVec::new(),
        };
        let inserted = match name {
            Some(n) => self
                .names
                .try_create_and_insert(n, id, GFP_KERNEL_ACCOUNT)
                .map(|_| ()),
            None => Ok(()),
        }
        .and_then(|()| {
            self.nodes
                .try_create_and_insert(id, entry, GFP_KERNEL_ACCOUNT)
                .map(|_| ())
        });
        if let Err(e) = inserted {
            if let Some(n) = name {
                if self.names.get(&n) == Some(&id) {
                    self.names.remove(&n);
                }
            }
            node.imp.shutdown(rtnl, &node);
            return Err(e.into());
        }
        let i = self.types.index(ty);
        if let Some(c) = self.counts.get_mut(i) {
            *c += 1;
        }
        if let Some(i) = self.info(id) {
            self.changed(op, Event::NewNode(i));
        }
        Ok(id)
    }

    /// Resolves an address; `start` is the node relative paths begin at
    /// (`None`: the caller has no node). Returns the node ID.
    pub(crate) fn resolve(&self, start: Option<u32>, addr: &[u8]) -> NlResult<u32> {
        let a = path::parse(addr)?;
        let mut id = match a.base {
            Base::Local => match start {
                Some(id) => id,
                None => return fail(ENOENT, "this socket has no node: send NETGRAPH_CMD_SOCKET"),
            },
            Base::Id(id) => id,
            Base::Name(n) => match Name::new(n).and_then(|n| self.names.get(&n).copied()) {
                Some(id) => id,
                None => return fail(ENOENT, "no node by that name"),
            },
        };
        if self.nodes.get(&id).is_none() {
            return fail(ENOENT, "no node with that ID");
        }
        for hop in a.hops() {
            let Some(e) = self.nodes.get(&id) else {
                return fail(ENXIO, "node on the path is gone");
            };
            match e.hook(hop) {
                Some(h) => id = h.peer_node,
                None => return fail(ENOENT, "no such hook on the path"),
            }
        }
        if self.nodes.get(&id).is_none() {
            return fail(ENXIO, "node on the path is gone");
        }
        Ok(id)
    }

    /// The caller's socket node, if it has one.
    pub(crate) fn socket_of(&self, c: Caller) -> Option<u32> {
        self.sockets.get(&c.portid).copied()
    }

    /// Resolves `addr` relative to the caller's socket node.
    pub(crate) fn resolve_from(&self, c: Caller, addr: &[u8]) -> NlResult<u32> {
        self.resolve(self.socket_of(c), addr)
    }

    /// Gives the caller's socket its node (idempotent); returns its ID.
    pub(crate) fn socket_node(
        &mut self,
        c: Caller,
        name: Option<&[u8]>,
        socket: &SocketType,
        op: &mut Op<'_>,
    ) -> NlResult<u32> {
        let id = match self.socket_of(c) {
            Some(id) => id,
            None => {
                let name = match name {
                    Some(n) => {
                        path::check_node_name(n)?;
                        Name::new(n)
                    }
                    None => None,
                };
                let imp = (socket.ctor)(c.portid, c.net)?;
                let id = self.add_node(socket.ty, imp, name, c.net, op)?;
                if let Err(e) = self
                    .sockets
                    .try_create_and_insert(c.portid, id, GFP_KERNEL_ACCOUNT)
                {
                    self.shutdown(id, op);
                    return Err(e.into());
                }
                self.ports_dirty = true;
                return Ok(id);
            }
        };
        if let Some(n) = name {
            self.name(id, n, op)?;
        }
        Ok(id)
    }

    /// Names node `id` (FreeBSD `NGM_NAME`).
    pub(crate) fn name(&mut self, id: u32, name: &[u8], op: &mut Op<'_>) -> NlResult {
        path::check_node_name(name)?;
        let Some(new) = Name::new(name) else {
            return fail(EINVAL, "node name is longer than 31 bytes");
        };
        match self.names.get(&new) {
            Some(&owner) if owner == id => return Ok(()),
            Some(_) => return fail(EADDRINUSE, "another node has that name"),
            None => {}
        }
        let Some(e) = self.nodes.get(&id) else {
            return fail(ENOENT, "no such node");
        };
        let old = e.name;
        self.names
            .try_create_and_insert(new, id, GFP_KERNEL_ACCOUNT)?;
        if let Some(old) = old {
            self.names.remove(&old);
        }
        if let Some(e) = self.nodes.get_mut(&id) {
            e.name = Some(new);
        }
        if let Some(i) = self.info(id) {
            self.changed(op, Event::Rename(i));
        }
        Ok(())
    }

    fn link_info(&self, h: &HookEntry) -> Option<LinkInfo> {
        let counts = |hook: &Hook| [hook.rx.get(RX_FRAMES), hook.rx.get(RX_OCTETS)];
        let g = rcu::read_lock();
        let tx = h.hook.peer.get(&g).map_or([0; 2], counts);
        Some(LinkInfo {
            ourhook: h.name,
            peerhook: h.peer_hook,
            peer: self.info(h.peer_node)?,
            rx: counts(&h.hook),
            tx,
        })
    }

    /// Connects hook `a_hook` of node `a` to hook `b_hook` of node `b`;
    /// returns `a`'s hook as it was made (names final after the types'
    /// numbering of bare names such as `link`).
    fn add_edge(
        &mut self,
        a: u32,
        a_hook: &[u8],
        b: u32,
        b_hook: &[u8],
        op: &mut Op<'_>,
    ) -> NlResult<Made> {
        hook_name(a_hook)?;
        hook_name(b_hook)?;
        let (Some(ea), Some(eb)) = (self.nodes.get(&a), self.nodes.get(&b)) else {
            return fail(ENOENT, "no such node");
        };
        if ea.hook(a_hook).is_some() {
            return fail(EEXIST, "the local hook already exists");
        }
        if eb.hook(b_hook).is_some() {
            return fail(EEXIST, "the peer hook already exists");
        }
        if a == b && a_hook == b_hook {
            return fail(EEXIST, "cannot connect a hook to itself");
        }
        if ea.hooks.len() >= MAX_HOOKS || eb.hooks.len() + usize::from(a == b) >= MAX_HOOKS {
            return fail(ENOSPC, "too many hooks on one node (at most 16384)");
        }
        if a == b && !ea.node.imp.allows_self_loop() {
            return fail(
                ELOOP,
                "this node type's hooks cannot loop back to the same node",
            );
        }
        let ha = ea.node.imp.newhook(a_hook, &|n| ea.hook(n).is_some())?;
        let hb = eb.node.imp.newhook(b_hook, &|n| {
            eb.hook(n).is_some() || (a == b && n == ha.name.as_bytes())
        })?;
        if a == b && ha.name == hb.name {
            return fail(EEXIST, "cannot connect a hook to itself");
        }
        let (Some(na), Some(nb)) = (self.node(a), self.node(b)) else {
            return fail(ENOENT, "no such node");
        };
        let hook_a = Arc::new(
            Hook {
                name: ha.name,
                tag: ha.tag,
                node: na,
                peer: RcuArc::empty(),
                rx: Counters::new().ok_or(ENOMEM)?,
            },
            GFP_KERNEL_ACCOUNT,
        )?;
        let hook_b = Arc::new(
            Hook {
                name: hb.name,
                tag: hb.tag,
                node: nb,
                peer: RcuArc::empty(),
                rx: Counters::new().ok_or(ENOMEM)?,
            },
            GFP_KERNEL_ACCOUNT,
        )?;
        // Reserve both slots first so that nothing can fail half-way.
        if let Some(e) = self.nodes.get_mut(&a) {
            e.hooks.reserve(1, GFP_KERNEL_ACCOUNT)?;
        }
        if let Some(e) = self.nodes.get_mut(&b) {
            e.hooks
                .reserve(if a == b { 2 } else { 1 }, GFP_KERNEL_ACCOUNT)?;
        }
        let serial = self.next_hook_serial;
        self.next_hook_serial += 2;
        let entry_a = HookEntry {
            name: ha.name,
            peer_node: b,
            peer_hook: hb.name,
            hook: hook_a.clone(),
            serial,
        };
        let entry_b = HookEntry {
            name: hb.name,
            peer_node: a,
            peer_hook: ha.name,
            hook: hook_b.clone(),
            serial: serial + 1,
        };
        if let Some(e) = self.nodes.get_mut(&a) {
            e.hooks.push(entry_a, GFP_KERNEL_ACCOUNT)?;
        }
        if let Some(e) = self.nodes.get_mut(&b) {
            e.hooks.push(entry_b, GFP_KERNEL_ACCOUNT)?;
        }
        // Peers first, then the lists: a frame can only find a hook whose
        // peer is already set.
        let old_a = hook_a.peer.replace_rtnl(Some(hook_b.clone()), op.rtnl);
        let old_b = hook_b.peer.replace_rtnl(Some(hook_a.clone()), op.rtnl);
        debug_assert!(old_a.is_none() && old_b.is_none());
        if let Err(e) = self
            .publish(a, op.rtnl)
            .and_then(|()| self.publish(b, op.rtnl))
        {
            let mut pending = KVec::new();
            let _ = self.remove_edge(
                a,
                ha.name.as_bytes(),
                &mut pending,
                &mut Op::new(op.rtnl, &mut NoEvents),
            );
            return Err(e.into());
        }
        let rtnl = op.rtnl;
        let connected = hook_a
            .node
            .imp
            .connected(rtnl, &hook_a.node, &hook_a)
            .and_then(|()| hook_b.node.imp.connected(rtnl, &hook_b.node, &hook_b));
        if let Err(e) = connected {
            let mut pending = KVec::new();
            let _ = self.remove_edge(
                a,
                ha.name.as_bytes(),
                &mut pending,
                &mut Op::new(op.rtnl, &mut NoEvents),
            );
            return Err(e);
        }
        for (n, h) in [(a, ha.name), (b, hb.name)] {
            if let (Some(ni), Some(li)) = (
                self.info(n),
                self.nodes
                    .get(&n)
                    .and_then(|e| e.hook(h.as_bytes()))
                    .and_then(|he| self.link_info(he)),
            ) {
                self.changed(op, Event::NewHook(ni, li));
            }
        }
        let made = self.nodes.get(&a).and_then(|e| {
            let node = self.info(a)?;
            let link = self.link_info(e.hook(ha.name.as_bytes())?)?;
            Some(Made { node, link })
        });
        match made {
            Some(m) => Ok(m),
            None => fail(ENOENT, "the new hook is gone"),
        }
    }

    /// FreeBSD `NGM_MKPEER`: creates a node of `ty` and connects it.
    pub(crate) fn mkpeer(
        &mut self,
        net: NetRef,
        at: u32,
        ty: &[u8],
        ourhook: &[u8],
        peerhook: &[u8],
        op: &mut Op<'_>,
    ) -> NlResult<Made> {
        hook_name(ourhook)?;
        hook_name(peerhook)?;
        let Some(t) = self.types.find(ty) else {
            return fail(ENXIO, "unknown node type");
        };
        let Some(ctor) = t.ctor else {
            return fail(EINVAL, "nodes of this type cannot be made with mkpeer");
        };
        match self.nodes.get(&at) {
            Some(e) if e.hook(ourhook).is_some() => {
                return fail(EEXIST, "the local hook already exists")
            }
            Some(_) => {}
            None => return fail(ENOENT, "no such node"),
        }
        let imp = ctor(net)?;
        let id = self.add_node(t, imp, None, net, op)?;
        match self.add_edge(at, ourhook, id, peerhook, op) {
            Ok(made) => Ok(made),
            Err(e) => {
                self.destroy(id, op);
                Err(e)
            }
        }
    }

    /// FreeBSD `NGM_CONNECT`: `peerpath` is resolved relative to `at`.
    pub(crate) fn connect(
        &mut self,
        at: u32,
        peerpath: &[u8],
        ourhook: &[u8],
        peerhook: &[u8],
        op: &mut Op<'_>,
    ) -> NlResult<Made> {
        let peer = self.resolve(Some(at), peerpath)?;
        self.add_edge(at, ourhook, peer, peerhook, op)
    }

    /// FreeBSD `NGM_RMHOOK`: a missing hook is not an error.
    pub(crate) fn rmhook(&mut self, id: u32, hook: &[u8], op: &mut Op<'_>) -> NlResult {
        let mut pending = KVec::new();
        self.remove_edge(id, hook, &mut pending, op)?;
        self.run_shutdowns(pending, op);
        Ok(())
    }

    /// Removes the edge at (`id`, `hook`) and runs both disconnect methods;
    /// nodes that decide to go are appended to `pending`.
    fn remove_edge(
        &mut self,
        id: u32,
        hook: &[u8],
        pending: &mut KVec<u32>,
        op: &mut Op<'_>,
    ) -> NlResult {
        let Some(e) = self.nodes.get(&id) else {
            return Ok(());
        };
        let Some(idx) = e.hooks.iter().position(|h| h.name.as_bytes() == hook) else {
            return Ok(());
        };
        let (peer, peer_hook) = (e.hooks[idx].peer_node, e.hooks[idx].peer_hook);
        for (n, h) in [(id, hook), (peer, peer_hook.as_bytes())] {
            if let (Some(ni), Some(li)) = (
                self.info(n),
                self.nodes
                    .get(&n)
                    .and_then(|e| e.hook(h))
                    .and_then(|he| self.link_info(he)),
            ) {
                self.changed(op, Event::DelHook(ni, li));
            }
        }
        let hook = Name::new(hook).unwrap_or(peer_hook);
        let mut gone: KVec<Arc<Hook>> = KVec::with_capacity(2, GFP_KERNEL)?;
        for (n, h) in [(id, hook), (peer, peer_hook)] {
            let removed = self.nodes.get_mut(&n).and_then(|e| {
                let i = e.hooks.iter().position(|x| x.name == h)?;
                e.hooks.remove_at(i)
            });
            if let Some(entry) = removed {
                // Cut the peer link first: from now on no frame crosses it.
                if let Some(p) = entry.hook.peer.replace_rtnl(None, op.rtnl) {
                    self.garbage.push(Garbage::Hook(p));
                }
                gone.push(entry.hook, GFP_KERNEL)?;
            }
            // On allocation failure the old list stays published; its stale
            // hook has no peer, so frames sent to it are dropped, and the
            // next publish (or the node's destruction) replaces it.
            let _ = self.publish(n, op.rtnl);
        }
        let rtnl = op.rtnl;
        let mut result = Ok(());
        for h in gone.iter() {
            let n = h.node.clone();
            let Some(nid) = self.id_of(&n) else {
                continue;
            };
            let left = self.nodes.get(&nid).map_or(0, |e| e.hooks.len());
            if n.imp.disconnect(rtnl, &n, h, left) && !pending.contains(&nid) {
                if let Err(e) = pending.push(nid, GFP_KERNEL) {
                    result = Err(e.into());
                }
            }
        }
        for h in gone {
            self.garbage.push(Garbage::Hook(h));
        }
        result
    }

    fn run_shutdowns(&mut self, mut pending: KVec<u32>, op: &mut Op<'_>) {
        while let Some(id) = pending.pop_last() {
            self.destroy_into(id, &mut pending, op);
        }
    }

    /// FreeBSD `NGM_SHUTDOWN` (and cascades). Types that survive shutdown
    /// (`ether`) only lose their hooks.
    pub(crate) fn shutdown(&mut self, id: u32, op: &mut Op<'_>) {
        let survives = self
            .nodes
            .get(&id)
            .is_some_and(|e| e.node.imp.survives_shutdown());
        if !survives {
            return self.destroy(id, op);
        }
        let mut pending = KVec::new();
        while let Some(hook) = self
            .nodes
            .get(&id)
            .and_then(|e| e.hooks.last().map(|h| h.name))
        {
            let _ = self.remove_edge(id, hook.as_bytes(), &mut pending, op);
        }
        if let Some(e) = self.nodes.get(&id) {
            e.node.imp.reset(op.rtnl);
        }
        self.run_shutdowns(pending, op);
    }

    /// FreeBSD `ng_bypass`: the peers of hooks `a` and `b` of node `id`
    /// are joined directly (keeping their hook names, without disconnect
    /// callbacks), and `a` and `b` leave `id`.
    fn bypass(&mut self, id: u32, a: &[u8], b: &[u8], op: &mut Op<'_>) {
        let Some(e) = self.nodes.get(&id) else {
            return;
        };
        let (Some(ha), Some(hb)) = (e.hook(a), e.hook(b)) else {
            return;
        };
        let (pa, pa_hook, pb, pb_hook) = (ha.peer_node, ha.peer_hook, hb.peer_node, hb.peer_hook);
        if pa == id || pb == id {
            return;
        }
        let peer_hook = |s: &Self, n: u32, h: Name| {
            s.nodes
                .get(&n)
                .and_then(|e| e.hook(h.as_bytes()))
                .map(|he| he.hook.clone())
        };
        let (Some(hook_pa), Some(hook_pb)) =
            (peer_hook(self, pa, pa_hook), peer_hook(self, pb, pb_hook))
        else {
            return;
        };
        for (n, h) in [(id, a), (id, b)] {
            if let (Some(ni), Some(li)) = (
                self.info(n),
                self.nodes
                    .get(&n)
                    .and_then(|e| e.hook(h))
                    .and_then(|he| self.link_info(he)),
            ) {
                self.changed(op, Event::DelHook(ni, li));
            }
        }
        // Re-point the peers at each other: frames cross directly from now.
        if let Some(old) = hook_pa.peer.replace_rtnl(Some(hook_pb.clone()), op.rtnl) {
            self.garbage.push(Garbage::Hook(old));
        }
        if let Some(old) = hook_pb.peer.replace_rtnl(Some(hook_pa.clone()), op.rtnl) {
            self.garbage.push(Garbage::Hook(old));
        }
        for (n, other, other_hook, mine) in [(pa, pb, pb_hook, pa_hook), (pb, pa, pa_hook, pb_hook)]
        {
            if let Some(pe) = self.nodes.get_mut(&n) {
                if let Some(he) = pe.hooks.iter_mut().find(|h| h.name == mine) {
                    he.peer_node = other;
                    he.peer_hook = other_hook;
                }
            }
        }
        // Take `a` and `b` off this node without touching the peers.
        for h in [a, b] {
            let removed = self.nodes.get_mut(&id).and_then(|e| {
                let i = e.hooks.iter().position(|x| x.name.as_bytes() == h)?;
                e.hooks.remove_at(i)
            });
            if let Some(entry) = removed {
                if let Some(p) = entry.hook.peer.replace_rtnl(None, op.rtnl) {
                    self.garbage.push(Garbage::Hook(p));
                }
                self.garbage.push(Garbage::Hook(entry.hook));
            }
        }
        let _ = self.publish(id, op.rtnl);
        if let (Some(ni), Some(li)) = (
            self.info(pa),
            self.nodes
                .get(&pa)
                .and_then(|e| e.hook(pa_hook.as_bytes()))
                .and_then(|he| self.link_info(he)),
        ) {
            self.changed(op, Event::NewHook(ni, li));
        }
    }

    /// The ID of `node`, if it is still in this graph.
    fn id_of(&self, node: &Arc<Node>) -> Option<u32> {
        self.nodes
            .get(&node.id)
            .filter(|e| core::ptr::eq(&*e.node, &**node))
            .map(|_| node.id)
    }

    /// The type of node `id`, if it exists.
    pub(crate) fn type_of(&self, id: u32) -> Option<&'static TypeInfo> {
        self.nodes.get(&id).map(|e| e.node.ty)
    }

    /// Destroys node `id` for good (and cascades).
    pub(crate) fn destroy(&mut self, id: u32, op: &mut Op<'_>) {
        let mut pending = KVec::new();
        self.destroy_into(id, &mut pending, op);
        self.run_shutdowns(pending, op);
    }

    /// Removes every hook of `id`, then the node itself. Peers that decide
    /// to go are appended to `pending` instead of recursing.
    fn destroy_into(&mut self, id: u32, pending: &mut KVec<u32>, op: &mut Op<'_>) {
        if let Some((a, b)) = self.nodes.get(&id).and_then(|e| e.node.imp.bypass()) {
            self.bypass(id, a.as_bytes(), b.as_bytes(), op);
        }
        let last_hook = |s: &Self| {
            s.nodes
                .get(&id)
                .and_then(|e| e.hooks.last().map(|h| h.name))
        };
        while let Some(hook) = last_hook(self) {
            // The edge is gone even on error: only noting the peer for
            // shutdown failed (out of memory), so the peer lives on without
            // this hook; nothing leaks.
            let _ = self.remove_edge(id, hook.as_bytes(), pending, op);
        }
        let Some(info) = self.info(id) else {
            return;
        };
        if let Some(e) = self.nodes.get(&id) {
            let rtnl = op.rtnl;
            e.node.imp.shutdown(rtnl, &e.node);
        }
        self.forget_device(id);
        if let Some(e) = self.nodes.remove(&id) {
            if let Some(n) = e.name {
                self.names.remove(&n);
            }
            if let Some(l) = e.node.hooks.replace_rtnl(None, op.rtnl) {
                self.garbage.push(Garbage::List(l));
            }
            let i = self.types.index(e.node.ty);
            if let Some(c) = self.counts.get_mut(i) {
                *c -= 1;
            }
            if let Some(port) = e.node.imp.socket_portid() {
                self.sockets.remove(&port);
                self.ports_dirty = true;
            }
            self.garbage.push(Garbage::Node(e.node));
        }
        self.changed(op, Event::DelNode(info));
    }

    /// The socket of `portid` closed: its node goes.
    pub(crate) fn socket_closed(&mut self, portid: u32, op: &mut Op<'_>) {
        if let Some(id) = self.sockets.get(&portid).copied() {
            self.destroy(id, op);
        }
    }

    /// Whether the graph has no node.
    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.iter().next().is_none()
    }

    /// Shuts every node down (namespace exit, module unload).
    pub(crate) fn destroy_all(&mut self, rtnl: &Rtnl) {
        let mut ev = NoEvents;
        let mut op = Op::new(rtnl, &mut ev);
        loop {
            let Some(id) = self.nodes.keys().next().copied() else {
                break;
            };
            self.destroy(id, &mut op);
            rcu::cond_resched();
        }
    }

    /// Calls `f` for each node with ID >= `from` (named ones only if asked)
    /// until it returns `false`. Dumps resume by ID.
    pub(crate) fn list_from(
        &mut self,
        from: u32,
        named_only: bool,
        mut f: impl FnMut(NodeInfo) -> bool,
    ) {
        let mut cur = self.nodes.cursor_lower_bound(&from);
        while let Some(c) = cur {
            let (&id, e) = c.current();
            if !(named_only && e.name.is_none()) {
                let info = NodeInfo {
                    id,
                    name: e.name,
                    ty: e.node.ty.name,
                    hooks: e.hooks.len() as u32,
                    loop_drops: e.node.loop_drops.load(Ordering::Relaxed),
                    drops: e.node.drops.load(Ordering::Relaxed),
                };
                if !f(info) {
                    break;
                }
            }
            cur = c.move_next();
        }
    }

    /// The hooks of `id`, newest first, each with its creation stamp,
    /// starting after the hook stamped `after` (listings resume by stamp:
    /// hooks made or removed meanwhile neither shift nor repeat the rest).
    pub(crate) fn hooks_after(
        &self,
        id: u32,
        after: Option<u64>,
        mut f: impl FnMut(u64, LinkInfo) -> bool,
    ) {
        let Some(e) = self.nodes.get(&id) else {
            return;
        };
        for h in e.hooks.iter().rev() {
            if after.is_some_and(|a| h.serial >= a) {
                continue;
            }
            if let Some(li) = self.link_info(h) {
                if !f(h.serial, li) {
                    break;
                }
            }
        }
    }

    /// Publishes node `id`'s current hook list to the data path.
    fn publish(&mut self, id: u32, rtnl: &Rtnl) -> DResult {
        let Some(e) = self.nodes.get(&id) else {
            return Ok(());
        };
        let mut v = KVVec::with_capacity(e.hooks.len(), GFP_KERNEL_ACCOUNT)?;
        for (i, h) in e.hooks.iter().enumerate() {
            v.push(h.hook.clone(), GFP_KERNEL_ACCOUNT)?;
            // A list of thousands is copied on each change of the node.
            if i % 1024 == 1023 {
                rcu::cond_resched();
            }
        }
        let list = Arc::new(HookList { hooks: v }, GFP_KERNEL_ACCOUNT)?;
        if let Some(old) = e.node.hooks.replace_rtnl(Some(list), rtnl) {
            self.garbage.push(Garbage::List(old));
        }
        Ok(())
    }

    /// Hook `name` of node `id`, for injecting frames.
    pub(crate) fn hook(&self, id: u32, name: &[u8]) -> Option<Arc<Hook>> {
        self.nodes.get(&id)?.hook(name).map(|h| h.hook.clone())
    }

    /// The node for a type-specific message.
    pub(crate) fn node(&self, id: u32) -> Option<Arc<Node>> {
        self.nodes.get(&id).map(|e| e.node.clone())
    }
}
