// SPDX-License-Identifier: GPL-2.0

//! `etf` (FreeBSD `ng_etf`): an EtherType filter. Frames from `downstream`
//! go to the hook a filter names for their EtherType, else to `nomatch`.
//! Frames from another hook go to `downstream` only if they belong there:
//! their EtherType's filter names that hook, or they come from `nomatch`
//! and no filter claims their EtherType. Shuts down with its last hook.

use crate::ffi::errno::{DResult, EEXIST, EINVAL, ENETDOWN, ENOENT, EPROTOTYPE};
use crate::ffi::netlink::{fail, NetRef, NlResult};
use crate::ffi::rcu::{self, RcuArc};
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::ffi::vec_ext::VecExt;
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::{fixed_or_numbered, Fwd, Hook, HookCell, NewHook, Node, NodeImpl, TypeInfo};
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The `etf` type (FreeBSD `NGM_ETF_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "etf",
    cookie: 983084516,
    ctor: Some(new),
    msgs: &MSGS,
};

/// FreeBSD's `struct ng_etffilter`.
const FILTER: Kind = Kind::Struct(&[
    Field::new("matchhook", Kind::Str(31)),
    Field::new("ethertype", Kind::U16),
]);

/// FreeBSD's `struct ng_etfstat`.
const STATUS: Kind = Kind::Struct(&[
    Field::new("packets_in", Kind::U32),
    Field::new("packets_out", Kind::U32),
]);

messages! {
    /// The etf node's messages, in FreeBSD's table order (`NGM_ETF_*`).
    enum Msg {
        GetStatus = MsgDesc::get("getstatus", 2, Field::new("", STATUS)),
        SetFlag = MsgDesc::set("setflag", 1, Some(Field::new("", Kind::S32))),
        SetFilter = MsgDesc::set("setfilter", 3, Some(Field::new("", FILTER))),
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

const DOWNSTREAM: u32 = 0;
const NOMATCH: u32 = 1;
const FIRST_OTHER: u32 = 2;

/// EtherType `ethertype` goes to (and may only come from) hook `tag`.
#[derive(Clone)]
struct Filter {
    ethertype: u16,
    tag: u32,
    hook: Arc<Hook>,
}

/// The filters, sorted by EtherType (copy-on-write under the RTNL).
struct Filters {
    v: KVec<Filter>,
}

impl Filters {
    fn find(&self, ethertype: u16) -> Option<&Filter> {
        crate::types::bridge::logic::find_sorted(&self.v, u32::from(ethertype), |f| {
            u32::from(f.ethertype)
        })
    }
}

struct Etf {
    filters: RcuArc<Filters>,
    downstream: HookCell,
    nomatch: HookCell,
    packets_in: AtomicU32,
    packets_out: AtomicU32,
    /// `setflag`: kept, unused (as in FreeBSD).
    flag: AtomicI32,
    next_tag: AtomicU32,
}

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    Ok(Arc::new(
        Etf {
            filters: RcuArc::empty(),
            downstream: HookCell::empty(),
            nomatch: HookCell::empty(),
            packets_in: AtomicU32::new(0),
            packets_out: AtomicU32::new(0),
            flag: AtomicI32::new(0),
            next_tag: AtomicU32::new(FIRST_OTHER),
        },
        GFP_KERNEL,
    )?)
}

impl Etf {
    /// Replaces the filters with `f` applied to a copy of them.
    fn update(&self, rtnl: &Rtnl, f: impl FnOnce(&mut KVec<Filter>) -> NlResult) -> NlResult {
        let mut v = self.filters.copy_vec(|t| &t.v)?;
        f(&mut v)?;
        v.sort_unstable_by_key(|x| x.ethertype);
        self.filters
            .publish_rtnl(Some(Arc::new(Filters { v }, GFP_KERNEL)?), rtnl);
        Ok(())
    }

    fn set_filter(&self, rtnl: &Rtnl, node: &Node, args: Option<Value<'_>>) -> NlResult {
        let Some(a) = args else {
            return fail(
                EINVAL,
                "setfilter needs { matchhook=\"...\" ethertype=... }",
            );
        };
        let name = a.field(1).map_or(&b""[..], |v| v.str());
        let ethertype = a.field(2).map_or(0, |v| v.int()) as u16;
        let hook = {
            let g = rcu::read_lock();
            match node.hooks(&g).iter().find(|h| h.name.as_bytes() == name) {
                Some(h) => h.clone(),
                None => return fail(ENOENT, "no hook of that name on this etf node"),
            }
        };
        if hook.tag == DOWNSTREAM {
            return fail(EINVAL, "downstream cannot be a filter's hook");
        }
        self.update(rtnl, |v| {
            if v.iter().any(|x| x.ethertype == ethertype) {
                return fail(EEXIST, "that EtherType already has a filter");
            }
            let tag = hook.tag;
            v.push(
                Filter {
                    ethertype,
                    tag,
                    hook,
                },
                GFP_KERNEL,
            )?;
            Ok(())
        })
    }
}

impl NodeImpl for Etf {
    fn newhook(&self, name: &[u8], _taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        let fixed: [(&[u8], u32); 2] = [(b"downstream", DOWNSTREAM), (b"nomatch", NOMATCH)];
        fixed_or_numbered(name, &fixed, &self.next_tag)
    }

    /// FreeBSD: connecting `downstream` starts the counters afresh.
    fn connected(&self, rtnl: &Rtnl, node: &Arc<Node>, hook: &Hook) -> NlResult {
        match hook.tag {
            DOWNSTREAM => {
                self.packets_in.store(0, Ordering::Relaxed);
                self.packets_out.store(0, Ordering::Relaxed);
                self.downstream.set(rtnl, node, hook)
            }
            NOMATCH => self.nomatch.set(rtnl, node, hook),
            _ => (),
        }
        Ok(())
    }

    /// The filters naming a hook go with it.
    fn disconnect(&self, rtnl: &Rtnl, _node: &Arc<Node>, hook: &Hook, left: usize) -> bool {
        match hook.tag {
            DOWNSTREAM => self.downstream.clear(rtnl),
            NOMATCH => self.nomatch.clear(rtnl),
            _ => (),
        }
        let tag = hook.tag;
        let _ = self.update(rtnl, |v| {
            while let Some(i) = v.iter().position(|x| x.tag == tag) {
                drop(v.remove_at(i));
            }
            Ok(())
        });
        left == 0
    }

    fn shutdown(&self, rtnl: &Rtnl, _node: &Arc<Node>) {
        self.downstream.clear(rtnl);
        self.nomatch.clear(rtnl);
        self.filters.publish_rtnl(None, rtnl);
    }

    fn reads_without_rtnl(&self) -> bool {
        true
    }

    fn rcvmsg_ro(
        &self,
        _node: &Arc<Node>,
        msg: &'static MsgDesc,
        _args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult {
        match Msg::of(msg) {
            Some(Msg::GetStatus) => Ok(out.nest(1, |o| {
                o.u32(1, self.packets_in.load(Ordering::Relaxed))?;
                o.u32(2, self.packets_out.load(Ordering::Relaxed))
            })?),
            Some(_) => fail(EINVAL, "this message changes the etf node"),
            None => fail(EINVAL, "unknown message for etf"),
        }
    }

    fn rcvmsg(
        &self,
        rtnl: &Rtnl,
        node: &Arc<Node>,
        msg: &'static MsgDesc,
        args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult<After> {
        match Msg::of(msg) {
            Some(Msg::GetStatus) => self.rcvmsg_ro(node, msg, args, out)?,
            Some(Msg::SetFlag) => self
                .flag
                .store(args.map_or(0, |a| a.sint()) as i32, Ordering::Relaxed),
            Some(Msg::SetFilter) => self.set_filter(rtnl, node, args)?,
            None => return fail(EINVAL, "unknown message for etf"),
        }
        Ok(After::Keep)
    }

    fn rcvdata(&self, fwd: &mut Fwd<'_>, node: &Node, hook: &Hook, skb: Skb) -> DResult {
        let g = fwd.guard();
        let Some((_, h)) = skb.head::<14>() else {
            return node.drop_frame(skb, EINVAL);
        };
        let ethertype = u16::from_be_bytes([h[12], h[13]]);
        let filter = self.filters.get(g).and_then(|f| f.find(ethertype));
        if hook.tag == DOWNSTREAM {
            self.packets_in.fetch_add(1, Ordering::Relaxed);
            let to = match filter {
                Some(f) => Some(&*f.hook),
                None => self.nomatch.get(g),
            };
            return match to {
                Some(to) => fwd.send(to, skb),
                None => node.drop_frame(skb, ENETDOWN),
            };
        }
        // Only the hook a frame's EtherType belongs to may send it down.
        let belongs = match filter {
            Some(f) => f.tag == hook.tag,
            None => hook.tag == NOMATCH,
        };
        if !belongs {
            return node.drop_frame(skb, EPROTOTYPE);
        }
        let Some(down) = self.downstream.get(g) else {
            return node.drop_frame(skb, ENETDOWN);
        };
        fwd.send(down, skb)?;
        self.packets_out.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}
