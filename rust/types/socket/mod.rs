// SPDX-License-Identifier: GPL-2.0

//! `socket`: the node through which one netlink socket takes part in the
//! graph. Created by `NETGRAPH_CMD_SOCKET`, gone when the socket closes.
//! Accepts any hook name and stays when its last hook goes.

use crate::ffi::errno::{DResult, EMSGSIZE, ENOBUFS};
use crate::ffi::netlink::{AttrWriter, Msg, NetRef};
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::ffi::uapi as b;
use crate::graph::{Fwd, Hook, Node, NodeImpl, SocketType, TypeInfo};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The `socket` type (FreeBSD `NG_SOCKET_NODE_TYPE`, cookie 851601233).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "socket",
    cookie: 851601233,
    ctor: None,
    msgs: &[],
};

/// How the control plane makes socket nodes.
pub(crate) static SOCKET: SocketType = SocketType {
    ty: &TYPE,
    ctor: new,
};

struct Socket {
    portid: u32,
    net: NetRef,
}

impl NodeImpl for Socket {
    fn disconnect(&self, _rtnl: &Rtnl, _node: &Arc<Node>, _hook: &Hook, _left: usize) -> bool {
        false
    }

    fn socket_portid(&self) -> Option<u32> {
        Some(self.portid)
    }

    /// Delivers the frame to the socket as NETGRAPH_CMD_DATA messages: a
    /// GSO frame (GRO on `lower` makes them) as its segments. What cannot
    /// be delivered (bigger than an attribute holds, no memory, a full
    /// socket buffer, more than [`crate::graph::MAX_SOCKET_DELIVERIES`] of
    /// one injected frame's copies) is dropped, counted, and its error
    /// returned to the sender.
    fn rcvdata(&self, fwd: &mut Fwd<'_>, node: &Node, hook: &Hook, skb: Skb) -> DResult {
        let segs = skb.segments().inspect_err(|_| node.count_drop())?;
        let mut r = Ok(());
        for seg in segs {
            // A loop's copies must not fill the socket (its buffer also
            // takes the replies to its requests).
            if !fwd.socket_delivery() {
                node.count_drop();
                r = Err(ENOBUFS);
                continue;
            }
            if let Err(e) = self.deliver(hook, seg) {
                node.count_drop();
                r = Err(e);
            }
        }
        r
    }
}

/// The most a DATA attribute holds (its length is 16 bits, header included).
const MAX_DATA: u32 = 65535 - 4;

impl Socket {
    fn deliver(&self, hook: &Hook, skb: Skb) -> DResult {
        if skb.len() > MAX_DATA {
            return Err(EMSGSIZE);
        }
        // Sized to the frame: the hook name and DATA attributes with their
        // headers and padding fit in 64 bytes besides the frame itself.
        let room = skb.len() as usize + 64;
        let mut m = Msg::sized(0, 0, b::netgraph_cmd_NETGRAPH_CMD_DATA, true, room)?;
        m.put_str(b::netgraph_attr_NETGRAPH_A_HOOK, hook.name.as_bytes())?;
        m.put_skb(b::netgraph_attr_NETGRAPH_A_DATA, &skb)?;
        skb.consume();
        m.unicast(self.net, self.portid)
    }
}

/// The state of a new socket node for netlink port `portid`.
pub(crate) fn new(portid: u32, net: NetRef) -> DResult<Arc<dyn NodeImpl>> {
    let s = Arc::new(Socket { portid, net }, GFP_KERNEL)?;
    Ok(s)
}
