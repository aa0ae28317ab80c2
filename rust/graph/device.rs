// SPDX-License-Identifier: GPL-2.0

//! Frames and events that come from a node's device or from the clock:
//! the core's handlers for the FFI layer's callbacks ([`EifacePort`],
//! [`EtherPort`], [`TimerHandler`], [`TickHandler`]), which hand each to
//! the node's type.

use super::{Fwd, Node};
use crate::ffi::errno::{DResult, ENOTCONN};
use crate::ffi::netdev::{DevRef, EifacePort, EtherPort, NetdevEvent, RxFrame};
use crate::ffi::netlink::NetRef;
use crate::ffi::rcu;
use crate::ffi::rtnl::Rtnl;
use crate::ffi::sched::TimerHandler;
use crate::ffi::skb::Skb;
use crate::ffi::tick::TickHandler;
use kernel::sync::ArcBorrow;

/// A device event for a graph: what the netdevice notifier reports, or an
/// eiface's `ip link del`.
#[derive(Clone, Copy)]
pub(crate) enum DevEvent {
    Register,
    Unregister,
    Rename,
    /// The device's link is up or down (may repeat the last state).
    Link(bool),
    /// `dellink` of the interface of eiface node `node` of the graph of
    /// `home`, which has let the device go.
    Deleted {
        node: u32,
        home: NetRef,
    },
}

impl From<NetdevEvent> for DevEvent {
    fn from(e: NetdevEvent) -> Self {
        match e {
            NetdevEvent::Register => Self::Register,
            NetdevEvent::Unregister => Self::Unregister,
            NetdevEvent::Rename => Self::Rename,
            NetdevEvent::Link(up) => Self::Link(up),
        }
    }
}

/// Which way a frame crosses a device.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Received from the wire (ether rx_handler).
    In,
    /// Transmitted by the host (eiface transmit, ether egress hook).
    Out,
}

/// A frame from the node's device enters the graph, in read section `g`,
/// by the hook the node's type picks; `ENOTCONN` (frame dropped) if none.
fn frame_from_device(g: &rcu::Guard, node: &Node, skb: Skb, dir: Dir) -> DResult {
    match node.imp.device_hook(g, node, dir, &|| true) {
        Some(h) => enter_graph(g, node, h, skb),
        None => {
            drop(skb);
            Err(ENOTCONN)
        }
    }
}

/// Sends a frame from a device out of `hook`. The graph sees frames as
/// bytes, as FreeBSD's does: an 802.1Q tag that Linux keeps beside the
/// frame (received with hardware tag stripping, or by the stack's own
/// untagging) goes back into the frame first.
fn enter_graph(g: &rcu::Guard, node: &Node, hook: &super::Hook, skb: Skb) -> DResult {
    match skb.tag_inside() {
        Ok(skb) => Fwd::run(g, |f| f.send(hook, skb)),
        Err(e) => {
            node.count_drop();
            Err(e)
        }
    }
}

impl EifacePort for Node {
    fn xmit(this: ArcBorrow<'_, Self>, skb: Skb) -> DResult {
        frame_from_device(&rcu::read_lock(), &this, skb, Dir::Out)
    }

    fn gone(this: ArcBorrow<'_, Self>) {
        this.imp.device_gone();
    }

    /// The node lets the device go (the caller unregisters it) and is shut
    /// down in its graph.
    fn dellink(this: ArcBorrow<'_, Self>, rtnl: &Rtnl, d: DevRef<'_>) {
        // `None`: the node is already gone (its graph is being torn down).
        let Some((home, handler)) = this.imp.let_device_go(rtnl) else {
            return;
        };
        if let Some(g) = super::of(home) {
            let ev = DevEvent::Deleted {
                node: this.id,
                home,
            };
            g.device_event(rtnl, handler, ev, d);
        }
    }
}

impl EtherPort for Node {
    fn rx(this: ArcBorrow<'_, Self>, g: &rcu::Guard, frame: &RxFrame) {
        let Some(hook) = this
            .imp
            .device_hook(g, &this, Dir::In, &|| frame.known_type())
        else {
            return;
        };
        if let Some(skb) = frame.take() {
            let _ = enter_graph(g, &this, hook, skb);
        }
    }

    fn wants_tx(this: ArcBorrow<'_, Self>) -> bool {
        let g = rcu::read_lock();
        this.imp
            .device_hook(&g, &this, Dir::Out, &|| true)
            .is_some()
    }

    fn tx(this: ArcBorrow<'_, Self>, skb: Skb) {
        let _ = frame_from_device(&rcu::read_lock(), &this, skb, Dir::Out);
    }
}

impl TimerHandler for Node {
    fn expired(this: ArcBorrow<'_, Self>, which: u32) {
        this.imp.timer(&this, which);
    }
}

impl TickHandler for Node {
    fn tick(this: ArcBorrow<'_, Self>) {
        this.imp.tick(&this);
    }
}
