// SPDX-License-Identifier: GPL-2.0

//! `hub`: a frame received on one hook goes out of every other hook.
//! Any hook name; shuts down with its last hook unless persistent.

use crate::ffi::errno::{DResult, EINVAL, ELOOP};
use crate::ffi::netlink::{fail, NetRef, NlResult};
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::graph::msg::{messages, After, MsgDesc, Out, Value};
use crate::graph::{Fwd, Hook, Node, NodeImpl, TypeInfo};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The `hub` type (FreeBSD `NGM_HUB_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "hub",
    cookie: 1082189597,
    ctor: Some(new),
    msgs: &MSGS,
};

messages! {
    /// The hub's messages (FreeBSD's `NGM_HUB_*`).
    enum Msg {
        SetPersistent = MsgDesc::set("setpersistent", 1, None),
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

struct Hub {
    persistent: AtomicBool,
}

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    let hub = Arc::new(
        Hub {
            persistent: AtomicBool::new(false),
        },
        GFP_KERNEL,
    )?;
    Ok(hub)
}

impl NodeImpl for Hub {
    fn disconnect(&self, _rtnl: &Rtnl, _node: &Arc<Node>, _hook: &Hook, left: usize) -> bool {
        left == 0 && !self.persistent.load(Ordering::Relaxed)
    }

    fn rcvmsg(
        &self,
        _rtnl: &Rtnl,
        _node: &Arc<Node>,
        msg: &'static MsgDesc,
        _args: Option<Value<'_>>,
        _out: &mut Out<'_>,
    ) -> NlResult<After> {
        match Msg::of(msg) {
            Some(Msg::SetPersistent) => {
                self.persistent.store(true, Ordering::Relaxed);
                Ok(After::Keep)
            }
            None => fail(EINVAL, "hub knows only setpersistent"),
        }
    }

    /// Out of every other hook: copies to all but the last, which gets the
    /// original. Errors of the copies are ignored, the original's error is
    /// returned (FreeBSD); a copy without memory is a counted drop.
    fn rcvdata(&self, fwd: &mut Fwd<'_>, node: &Node, hook: &Hook, skb: Skb) -> DResult {
        let hooks = fwd.hooks(node);
        let is_other = |h: &&kernel::sync::Arc<Hook>| !core::ptr::eq(&***h, hook);
        let mut left = hooks.iter().filter(is_other).count();
        if left == 0 {
            drop(skb);
            return Ok(());
        }
        for h in hooks.iter().filter(is_other) {
            left -= 1;
            if left == 0 {
                return fwd.send(h, skb);
            }
            if fwd.exhausted() {
                // Out of budget: the rest of the flood (copies and the
                // original) is dropped and counted here.
                node.loop_drops
                    .fetch_add(left as u64 + 1, core::sync::atomic::Ordering::Relaxed);
                drop(skb);
                return Err(ELOOP);
            }
            // A copy that cannot be made is dropped and counted; the flood
            // goes on (FreeBSD gives up on the remaining hooks and the
            // original, uncounted).
            match skb.clone_atomic() {
                Some(copy) => {
                    let _ = fwd.send(h, copy);
                }
                None => node.count_drop(),
            }
        }
        Ok(())
    }
}
