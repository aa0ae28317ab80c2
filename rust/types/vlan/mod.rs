// SPDX-License-Identifier: GPL-2.0

//! `vlan` (FreeBSD `ng_vlan`): 802.1Q tagging and untagging. Frames from
//! `downstream` (the trunk) whose VLAN ID a filter hook owns leave by that
//! hook without their tag; the rest go to `nomatch`. Frames from a filter
//! hook get its tag (PCP, CFI, VID) and leave by `downstream`. Any other
//! hook name makes a filter hook, which carries nothing until `addfilter`
//! gives it a VLAN. Shuts down with its last hook.
//!
//! A tag is in-band (the 4 bytes after the MAC addresses) or out-of-band
//! (Linux's accelerated tag beside the bytes, FreeBSD's `M_VLANTAG`); both
//! are read, as in FreeBSD. Frames from ether nodes arrive with their tag
//! in-band.

#[allow(dead_code, unreachable_pub)]
pub(crate) mod logic;

use crate::ffi::errno::{DResult, EEXIST, EINVAL, ENETDOWN, ENOENT, EOPNOTSUPP};
use crate::ffi::netlink::{fail, DumpCursor, NetRef, NlResult};
use crate::ffi::rcu::{self, RcuArc};
use crate::ffi::rtnl::Rtnl;
use crate::ffi::skb::Skb;
use crate::ffi::vec_ext::VecExt;
use crate::graph::msg::{messages, After, Field, Kind, MsgDesc, Out, Value};
use crate::graph::{
    fixed_or_numbered, Emit, Fwd, Hook, HookCell, NewHook, Node, NodeImpl, TypeInfo,
};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;
use logic::{Egress, FilterArgs, Tag};

/// The `vlan` type (FreeBSD `NGM_VLAN_COOKIE`).
pub(crate) static TYPE: TypeInfo = TypeInfo {
    name: "vlan",
    cookie: 1068486472,
    ctor: Some(new),
    msgs: &MSGS,
};

/// FreeBSD's `struct ng_vlan_filter`, in its order.
const FILTER: Kind = Kind::Struct(&[
    Field::new("hook", Kind::Str(31)),
    Field::new("vlan", Kind::U16),
    Field::new("vid", Kind::U16),
    Field::new("pcp", Kind::U8),
    Field::new("cfi", Kind::U8),
]);

static FILTER_FIELD: Field = Field::new("", FILTER);

/// FreeBSD's `struct ng_vlan_table`.
const TABLE: Kind = Kind::Struct(&[
    Field::new("n", Kind::U32),
    Field::new(
        "filter",
        Kind::Array {
            elem: &FILTER_FIELD,
            max: logic::VIDS,
        },
    ),
]);

/// A hook name (FreeBSD's `hookbuf`).
const HOOKBUF: Option<Field> = Some(Field::new("", Kind::Str(31)));

messages! {
    /// The vlan node's messages (FreeBSD's `NGM_VLAN_*`).
    enum Msg {
        AddFilter = MsgDesc::set("addfilter", 1, Some(Field::new("", FILTER))),
        DelFilter = MsgDesc::set("delfilter", 2, HOOKBUF),
        GetTable = MsgDesc::get("gettable", 3, Field::new("", TABLE)).dumped(),
        DelVidFlt = MsgDesc::set("delvidflt", 4, Some(Field::new("", Kind::U16))),
        GetDecap = MsgDesc::get("getdecap", 5, Field::new("", Kind::Hex32)),
        SetDecap = MsgDesc::set("setdecap", 6, Some(Field::new("", Kind::Hex32))),
        GetEncap = MsgDesc::get("getencap", 7, Field::new("", Kind::Hex32)),
        SetEncap = MsgDesc::set("setencap", 8, Some(Field::new("", Kind::Hex32))),
        GetEncapProto = MsgDesc::get("getencapproto", 9, Field::new("", Kind::Hex16)),
        SetEncapProto = MsgDesc::set("setencapproto", 10, Some(Field::new("", Kind::Hex16))),
    }
}

static MSGS: [MsgDesc; Msg::COUNT] = Msg::DESCS;

/// Hook tags: the two fixed hooks; filter hooks are numbered from
/// [`FIRST_FILTER`].
const DOWNSTREAM: u32 = 0;
const NOMATCH: u32 = 1;
const FIRST_FILTER: u32 = 2;

/// A filter: hook `tag` owns VLAN `tci & VID_MASK` and writes `tci`.
struct Filter {
    tci: u16,
    tag: u32,
    hook: Arc<Hook>,
}

impl Filter {
    fn vid(&self) -> u32 {
        u32::from(self.tci & logic::VID_MASK)
    }
}

/// The filters, for the data path (copy-on-write under the RTNL): the same
/// filters sorted by VLAN ID and by hook tag.
#[derive(Default)]
struct Table {
    by_vid: KVec<Arc<Filter>>,
    by_tag: KVec<Arc<Filter>>,
}

struct Vlan {
    table: RcuArc<Table>,
    downstream: HookCell,
    nomatch: HookCell,
    /// `setdecap`: untagged frames of no filter get an out-of-band tag.
    decap: AtomicU32,
    /// `setencap`: [`logic::ENCAP_FROM_FILTER`] and friends.
    encap: AtomicU32,
    /// The TPID read and written (`setencapproto`).
    encap_proto: AtomicU32,
    next_tag: AtomicU32,
}

fn new(_net: NetRef) -> NlResult<Arc<dyn NodeImpl>> {
    Ok(Arc::new(
        Vlan {
            table: RcuArc::empty(),
            downstream: HookCell::empty(),
            nomatch: HookCell::empty(),
            decap: AtomicU32::new(0),
            encap: AtomicU32::new(logic::ENCAP_FROM_FILTER),
            encap_proto: AtomicU32::new(u32::from(logic::ETH_P_8021Q)),
            next_tag: AtomicU32::new(FIRST_FILTER),
        },
        GFP_KERNEL,
    )?)
}

/// The element of `v` (sorted by `key`) whose key is `k`.
fn find(v: &[Arc<Filter>], k: u32, key: impl Fn(&Filter) -> u32) -> Option<&Arc<Filter>> {
    crate::types::bridge::logic::find_sorted(v, k, |f| key(f))
}

impl Vlan {
    fn proto(&self) -> u16 {
        self.encap_proto.load(Ordering::Relaxed) as u16
    }

    /// Replaces the table with `f` applied to a copy of it.
    fn update(&self, rtnl: &Rtnl, f: impl FnOnce(&mut KVec<Arc<Filter>>) -> NlResult) -> NlResult {
        let mut v = self.table.copy_vec(|t| &t.by_vid)?;
        f(&mut v)?;
        v.sort_unstable_by_key(|x| x.vid());
        let mut by_tag = KVec::with_capacity(v.len(), GFP_KERNEL)?;
        for x in v.iter() {
            by_tag.push(x.clone(), GFP_KERNEL)?;
        }
        by_tag.sort_unstable_by_key(|x| x.tag);
        let new = Arc::new(Table { by_vid: v, by_tag }, GFP_KERNEL)?;
        self.table.publish_rtnl(Some(new), rtnl);
        Ok(())
    }

    fn add_filter(&self, rtnl: &Rtnl, node: &Node, args: Option<Value<'_>>) -> NlResult {
        let Some(a) = args else {
            return fail(EINVAL, "addfilter needs { hook=\"...\" vid=... }");
        };
        let int = |pos| a.field(pos).map_or(0, |v| v.int());
        let fa = FilterArgs {
            vlan: int(2) as u16,
            vid: int(3) as u16,
            pcp: int(4) as u8,
            cfi: int(5) as u8,
        };
        let tci = match logic::filter_tci(&fa) {
            Ok(t) => t,
            Err(e) => return fail(EINVAL, e.message()),
        };
        let name = a.field(1).map_or(&b""[..], |v| v.str());
        let hook = {
            let g = rcu::read_lock();
            match node.hooks(&g).iter().find(|h| h.name.as_bytes() == name) {
                Some(h) => h.clone(),
                None => return fail(ENOENT, "no hook of that name on this vlan node"),
            }
        };
        if hook.tag < FIRST_FILTER {
            return fail(EINVAL, "downstream and nomatch cannot have a filter");
        }
        self.update(rtnl, |v| {
            if v.iter().any(|x| x.tag == hook.tag) {
                return fail(EEXIST, "the hook already has a filter (delfilter it first)");
            }
            if v.iter()
                .any(|x| x.tci & logic::VID_MASK == tci & logic::VID_MASK)
            {
                return fail(EEXIST, "another hook has that VLAN");
            }
            let tag = hook.tag;
            v.push(Arc::new(Filter { tci, tag, hook }, GFP_KERNEL)?, GFP_KERNEL)?;
            Ok(())
        })
    }

    /// Removes the filter that `pick` selects; `ENOENT` with `none` if none.
    fn del_filter(
        &self,
        rtnl: &Rtnl,
        pick: impl Fn(&Filter) -> bool,
        none: &'static str,
    ) -> NlResult {
        self.update(rtnl, |v| match v.iter().position(|x| pick(x)) {
            Some(i) => {
                drop(v.remove_at(i));
                Ok(())
            }
            None => fail(ENOENT, none),
        })
    }

    /// Where a frame from `downstream` goes, and its tag changed on the way.
    fn up_from_trunk(&self, fwd: &mut Fwd<'_>, node: &Node, mut skb: Skb) -> DResult {
        let g = fwd.guard();
        let oob = skb.vlan_tag().map(|(_, tci)| tci);
        let mut head = [0u8; 18];
        let n = skb.copy_prefix(&mut head);
        let tag = match logic::downstream_tag(skb.len(), &head[..n], oob, self.proto()) {
            Ok(t) => t,
            Err(logic::Runt) => return node.drop_frame(skb, EINVAL),
        };
        let filter = match (tag.vid(), self.table.get(g)) {
            (Some(vid), Some(t)) => find(&t.by_vid, u32::from(vid), Filter::vid),
            _ => None,
        };
        if let Some(f) = filter {
            // To the filter's hook: always untagged.
            match tag {
                Tag::OutOfBand(_) => skb.clear_vlan_tag(),
                _ => {
                    if let Err(e) = skb.vlan_pop() {
                        return node.drop_frame(skb, e);
                    }
                }
            }
            return fwd.send(&f.hook, skb);
        }
        let Some(nomatch) = self.nomatch.get(g) else {
            return node.drop_frame(skb, ENETDOWN);
        };
        if let Tag::InBand(tci) = tag {
            if self.decap.load(Ordering::Relaxed) != 0 {
                if let Err(e) = skb.vlan_pop() {
                    return node.drop_frame(skb, e);
                }
                skb.set_vlan_tag(self.proto(), tci);
            }
        }
        fwd.send(nomatch, skb)
    }

    /// A frame from `nomatch` or a filter hook, to `downstream`.
    fn down_to_trunk(&self, fwd: &mut Fwd<'_>, node: &Node, hook: &Hook, mut skb: Skb) -> DResult {
        let g = fwd.guard();
        let Some(down) = self.downstream.get(g) else {
            return node.drop_frame(skb, ENETDOWN);
        };
        if skb.len() < 14 {
            return node.drop_frame(skb, EINVAL);
        }
        let encap = self.encap.load(Ordering::Relaxed);
        let action = if hook.tag == NOMATCH {
            logic::from_nomatch(encap, skb.vlan_tag().map(|(_, t)| t))
        } else {
            let filter = self
                .table
                .get(g)
                .and_then(|t| find(&t.by_tag, hook.tag, |f| f.tag));
            match filter {
                Some(f) => logic::from_filter(encap, f.tci),
                // FreeBSD: a filter hook without a filter carries nothing.
                None => return node.drop_frame(skb, EOPNOTSUPP),
            }
        };
        let proto = self.proto();
        let r = match action {
            Egress::Unchanged => Ok(()),
            Egress::InBand(tci) => skb.vlan_insert(proto, tci),
            Egress::OutOfBand(tci) => {
                skb.set_vlan_tag(proto, tci);
                Ok(())
            }
            Egress::MoveInBand(tci) => skb.vlan_insert(proto, tci).map(|()| skb.clear_vlan_tag()),
        };
        if let Err(e) = r {
            return node.drop_frame(skb, e);
        }
        fwd.send(down, skb)
    }
}

impl NodeImpl for Vlan {
    /// Any name (FreeBSD): `downstream`, `nomatch` or a filter hook.
    fn newhook(&self, name: &[u8], _taken: &dyn Fn(&[u8]) -> bool) -> NlResult<NewHook> {
        let fixed: [(&[u8], u32); 2] = [(b"downstream", DOWNSTREAM), (b"nomatch", NOMATCH)];
        fixed_or_numbered(name, &fixed, &self.next_tag)
    }

    fn connected(&self, rtnl: &Rtnl, node: &Arc<Node>, hook: &Hook) -> NlResult {
        match hook.tag {
            DOWNSTREAM => self.downstream.set(rtnl, node, hook),
            NOMATCH => self.nomatch.set(rtnl, node, hook),
            _ => (),
        }
        Ok(())
    }

    /// A filter hook's filter goes with it.
    fn disconnect(&self, rtnl: &Rtnl, _node: &Arc<Node>, hook: &Hook, left: usize) -> bool {
        match hook.tag {
            DOWNSTREAM => self.downstream.clear(rtnl),
            NOMATCH => self.nomatch.clear(rtnl),
            tag => {
                let _ = self.del_filter(rtnl, |f| f.tag == tag, "");
            }
        }
        left == 0
    }

    fn shutdown(&self, rtnl: &Rtnl, _node: &Arc<Node>) {
        self.downstream.clear(rtnl);
        self.nomatch.clear(rtnl);
        self.table.publish_rtnl(None, rtnl);
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
        let v = match Msg::of(msg) {
            Some(Msg::GetDecap) => self.decap.load(Ordering::Relaxed),
            Some(Msg::GetEncap) => self.encap.load(Ordering::Relaxed),
            Some(Msg::GetEncapProto) => return Ok(out.u16(1, self.proto())?),
            Some(Msg::GetTable) => return fail(EINVAL, "gettable is read as a dump"),
            Some(_) => return fail(EINVAL, "this message changes the vlan node"),
            None => return fail(EINVAL, "unknown message for vlan"),
        };
        Ok(out.u32(1, v)?)
    }

    fn rcvmsg(
        &self,
        rtnl: &Rtnl,
        node: &Arc<Node>,
        msg: &'static MsgDesc,
        args: Option<Value<'_>>,
        out: &mut Out<'_>,
    ) -> NlResult<After> {
        let Some(m) = Msg::of(msg) else {
            return fail(EINVAL, "unknown message for vlan");
        };
        let int = || args.map_or(0, |a| a.int());
        match m {
            Msg::AddFilter => self.add_filter(rtnl, node, args)?,
            Msg::DelFilter => {
                let Some(name) = args.map(|a| a.str()) else {
                    return fail(
                        EINVAL,
                        "delfilter needs a hook name, as in delfilter \"v10\"",
                    );
                };
                let tag = {
                    let g = rcu::read_lock();
                    match node.hooks(&g).iter().find(|h| h.name.as_bytes() == name) {
                        Some(h) => h.tag,
                        None => return fail(ENOENT, "no hook of that name on this vlan node"),
                    }
                };
                self.del_filter(rtnl, |f| f.tag == tag, "that hook has no filter")?
            }
            Msg::DelVidFlt => {
                let Some(vid) = args.map(|a| a.int()) else {
                    return fail(EINVAL, "delvidflt needs a VLAN ID");
                };
                if vid > i64::from(logic::VID_MASK) {
                    return fail(EINVAL, "a VLAN ID is 0 to 4095");
                }
                let vid = vid as u32;
                self.del_filter(rtnl, |f| f.vid() == vid, "no hook has that VLAN")?
            }
            Msg::SetDecap => self.decap.store(int() as u32, Ordering::Relaxed),
            Msg::SetEncap => self.encap.store(int() as u32, Ordering::Relaxed),
            Msg::SetEncapProto => self
                .encap_proto
                .store(u32::from(int() as u16), Ordering::Relaxed),
            Msg::GetTable | Msg::GetDecap | Msg::GetEncap | Msg::GetEncapProto => {
                self.rcvmsg_ro(node, msg, args, out)?
            }
        }
        Ok(After::Keep)
    }

    /// `gettable`: the filters in VLAN ID order, as FreeBSD walks them.
    fn dumpmsg(
        &self,
        _msg: &'static MsgDesc,
        cursor: &mut DumpCursor,
        emit: &mut Emit<'_>,
    ) -> NlResult<bool> {
        let g = rcu::read_lock();
        let filters: &[Arc<Filter>] = self.table.get(&g).map_or(&[], |t| &t.by_vid);
        if !cursor.header_sent {
            let n = filters.len() as u32;
            if !emit(&mut |o| o.nest(1, |o| o.u32(1, n)))? {
                return Ok(false);
            }
            cursor.header_sent = true;
        }
        // `pos`: the next VLAN ID to report (the table may change between
        // the parts of a dump).
        let start = cursor.pos;
        for f in filters.iter().filter(|f| f.vid() >= start) {
            let (vid, pcp, cfi) = logic::tci_fields(f.tci);
            let fits = emit(&mut |o| {
                o.nest(1, |o| {
                    o.nest(2, |o| {
                        o.nest(1, |o| {
                            o.str(1, f.hook.name.as_bytes())?;
                            o.u16(2, vid)?;
                            o.u16(3, vid)?;
                            o.u8(4, pcp)?;
                            o.u8(5, cfi)
                        })
                    })
                })
            })?;
            if !fits {
                return Ok(false);
            }
            cursor.pos = f.vid() + 1;
        }
        Ok(true)
    }

    fn rcvdata(&self, fwd: &mut Fwd<'_>, node: &Node, hook: &Hook, skb: Skb) -> DResult {
        if hook.tag == DOWNSTREAM {
            self.up_from_trunk(fwd, node, skb)
        } else {
            self.down_to_trunk(fwd, node, hook, skb)
        }
    }
}
