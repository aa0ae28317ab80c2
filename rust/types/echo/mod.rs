// SPDX-License-Identifier: GPL-2.0

//! `echo` (FreeBSD `ng_echo`): every frame goes back out of the hook it
//! came in on, unchanged, to the same peer. Any hook name; no messages of
//! its own; shuts down with its last hook.

use crate::ffi::errno::DResult;
use crate::ffi::netlink::{NetRef, NlResult};
use crate::ffi::skb::Skb;
use crate::graph::{Fwd, Hook, Node, NodeImpl, TypeInfo};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The `echo` type (FreeBSD `NGM_ECHO_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "echo",
    cookie: 884298942,
    ctor: Some(new),
    msgs: &[],
};

struct Echo;

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    Ok(Arc::new(Echo, GFP_KERNEL)?)
}

impl NodeImpl for Echo {
    /// Back whence it came. A hook whose edge is going away answers
    /// `ENOTCONN` from the core (FreeBSD: `ENETDOWN`); a hook looped back to
    /// the same node bounces until the delivery budget stops it.
    fn rcvdata(&self, fwd: &mut Fwd<'_>, _node: &Node, hook: &Hook, skb: Skb) -> DResult {
        fwd.send(hook, skb)
    }
}
