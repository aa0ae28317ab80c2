// SPDX-License-Identifier: GPL-2.0

//! Topology events: what the graph reports as operations happen
//! ([`Event`], to an [`EventSink`]), and the sink that multicasts them to a
//! namespace's events group ([`Mcast`]), in the attributes the replies use.

use super::{LinkInfo, NodeInfo};
use crate::ffi::errno::DResult;
use crate::ffi::netlink::{AttrWriter, Msg, NetRef};
use crate::ffi::pernet;
use crate::ffi::uapi as b;

/// Topology changes, reported to the events multicast group.
pub(crate) enum Event {
    NewNode(NodeInfo),
    DelNode(NodeInfo),
    Rename(NodeInfo),
    NewHook(NodeInfo, LinkInfo),
    DelHook(NodeInfo, LinkInfo),
}

/// Receives events as operations happen.
pub(crate) trait EventSink {
    fn event(&mut self, ev: Event);
}

/// Discards events (namespace teardown).
pub(crate) struct NoEvents;

impl EventSink for NoEvents {
    fn event(&mut self, _ev: Event) {}
}

/// Sends events to the multicast group of one namespace.
pub(crate) struct Mcast {
    pub(crate) net: NetRef,
}

pub(crate) fn put_node(w: &mut impl AttrWriter, t: u32, n: &NodeInfo) -> DResult {
    w.nest(t, |w| {
        if let Some(name) = &n.name {
            w.put_str(b::netgraph_node_attr_NETGRAPH_NODE_A_NAME, name.as_bytes())?;
        }
        w.put_str(b::netgraph_node_attr_NETGRAPH_NODE_A_TYPE, n.ty.as_bytes())?;
        w.put_u32(b::netgraph_node_attr_NETGRAPH_NODE_A_ID, n.id)?;
        w.put_u32(b::netgraph_node_attr_NETGRAPH_NODE_A_HOOKS, n.hooks)?;
        w.put_u64(
            b::netgraph_node_attr_NETGRAPH_NODE_A_LOOP_DROPS,
            n.loop_drops,
            b::netgraph_node_attr_NETGRAPH_NODE_A_PAD,
        )?;
        w.put_u64(
            b::netgraph_node_attr_NETGRAPH_NODE_A_DROPS,
            n.drops,
            b::netgraph_node_attr_NETGRAPH_NODE_A_PAD,
        )
    })
}

pub(crate) fn put_link(w: &mut impl AttrWriter, l: &LinkInfo) -> DResult {
    w.nest(b::netgraph_attr_NETGRAPH_A_LINK, |w| {
        w.put_str(
            b::netgraph_link_attr_NETGRAPH_LINK_A_OURHOOK,
            l.ourhook.as_bytes(),
        )?;
        w.put_str(
            b::netgraph_link_attr_NETGRAPH_LINK_A_PEERHOOK,
            l.peerhook.as_bytes(),
        )?;
        put_node(w, b::netgraph_link_attr_NETGRAPH_LINK_A_PEER, &l.peer)?;
        for (t, v) in [
            (b::netgraph_link_attr_NETGRAPH_LINK_A_RX_FRAMES, l.rx[0]),
            (b::netgraph_link_attr_NETGRAPH_LINK_A_RX_OCTETS, l.rx[1]),
            (b::netgraph_link_attr_NETGRAPH_LINK_A_TX_FRAMES, l.tx[0]),
            (b::netgraph_link_attr_NETGRAPH_LINK_A_TX_OCTETS, l.tx[1]),
        ] {
            w.put_u64(t, v, b::netgraph_link_attr_NETGRAPH_LINK_A_PAD)?;
        }
        Ok(())
    })
}

impl EventSink for Mcast {
    fn event(&mut self, ev: Event) {
        if !pernet::has_listeners(self.net) {
            return;
        }
        let (cmd, node, link) = match &ev {
            Event::NewNode(n) => (b::netgraph_cmd_NETGRAPH_CMD_EVT_NEWNODE, n, None),
            Event::DelNode(n) => (b::netgraph_cmd_NETGRAPH_CMD_EVT_DELNODE, n, None),
            Event::Rename(n) => (b::netgraph_cmd_NETGRAPH_CMD_EVT_RENAME, n, None),
            Event::NewHook(n, l) => (b::netgraph_cmd_NETGRAPH_CMD_EVT_NEWHOOK, n, Some(l)),
            Event::DelHook(n, l) => (b::netgraph_cmd_NETGRAPH_CMD_EVT_DELHOOK, n, Some(l)),
        };
        let Ok(mut m) = Msg::new(0, 0, cmd, false) else {
            return;
        };
        let ok = put_node(&mut m, b::netgraph_attr_NETGRAPH_A_NODE, node).is_ok()
            && link.map_or(true, |l| put_link(&mut m, l).is_ok());
        if ok {
            m.multicast(self.net);
        }
    }
}
