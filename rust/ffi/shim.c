// SPDX-License-Identifier: GPL-2.0
/*
 * C side of the FFI layer: wrappers for static inline kernel helpers, and
 * the C tables (generic netlink family with a strict policy per command,
 * pernet operations, netlink notifier) that forward into Rust.
 */
#include "netgraph_shim.h"
#include <net/gso.h>
#include <linux/if_vlan.h>

static unsigned int ng_net_id __read_mostly;
static struct workqueue_struct *ng_wq;
/* The Rust module's callbacks, set once by ng_shim_register(). */
static const struct ng_module_ops *ng_mod __read_mostly;

/* --- attribute policies, one per command, from the uapi header --- */

#define NG_STR(size) { .type = NLA_NUL_STRING, .len = (size) - 1 }

static const struct nla_policy ng_policy_socket[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_NAME] = NG_STR(NG_NODESIZ),
};

static const struct nla_policy ng_policy_mkpeer[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_PATH] = NG_STR(NG_PATHSIZ),
	[NETGRAPH_A_TYPE_NAME] = NG_STR(NG_TYPESIZ),
	[NETGRAPH_A_OURHOOK] = NG_STR(NG_HOOKSIZ),
	[NETGRAPH_A_PEERHOOK] = NG_STR(NG_HOOKSIZ),
};

static const struct nla_policy ng_policy_connect[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_PATH] = NG_STR(NG_PATHSIZ),
	[NETGRAPH_A_PEERPATH] = NG_STR(NG_PATHSIZ),
	[NETGRAPH_A_OURHOOK] = NG_STR(NG_HOOKSIZ),
	[NETGRAPH_A_PEERHOOK] = NG_STR(NG_HOOKSIZ),
};

static const struct nla_policy ng_policy_name[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_PATH] = NG_STR(NG_PATHSIZ),
	[NETGRAPH_A_NAME] = NG_STR(NG_NODESIZ),
};

static const struct nla_policy ng_policy_rmhook[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_PATH] = NG_STR(NG_PATHSIZ),
	[NETGRAPH_A_HOOK] = NG_STR(NG_HOOKSIZ),
};

static const struct nla_policy ng_policy_path[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_PATH] = NG_STR(NG_PATHSIZ),
};

static const struct nla_policy ng_policy_listnodes[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_NAMED_ONLY] = { .type = NLA_FLAG },
};

static const struct nla_policy ng_policy_gettype[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_TYPE_NAME] = NG_STR(NG_TYPESIZ),
};

static const struct nla_policy ng_policy_msg[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_PATH] = NG_STR(NG_PATHSIZ),
	[NETGRAPH_A_MSG_CMD] = NG_STR(NG_CMDSTRSIZ),
	[NETGRAPH_A_ARGS] = { .type = NLA_NESTED },
};

static const struct nla_policy ng_policy_data[NETGRAPH_A_MAX + 1] = {
	[NETGRAPH_A_HOOK] = NG_STR(NG_HOOKSIZ),
	[NETGRAPH_A_DATA] = { .type = NLA_BINARY, .len = 65535 },
};

static int ng_doit(struct sk_buff *skb, struct genl_info *info)
{
	return ng_mod->doit(skb, info);
}

static int ng_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return ng_mod->dumpit(skb, cb);
}

static int ng_dump_done(struct netlink_callback *cb)
{
	ng_rs_dump_done(cb);
	return 0;
}

#define NG_DO(c, pol, fl) {						\
	.cmd = NETGRAPH_CMD_##c,					\
	.doit = ng_doit,						\
	.policy = ng_policy_##pol,					\
	.maxattr = NETGRAPH_A_MAX,					\
	.flags = (fl),							\
}
#define NG_DUMP(c, pol) {						\
	.cmd = NETGRAPH_CMD_##c,					\
	.dumpit = ng_dumpit,						\
	.policy = ng_policy_##pol,					\
	.maxattr = NETGRAPH_A_MAX,					\
}

/*
 * Permissions (CAP_NET_ADMIN in the user namespace owning the netns for
 * every change) are checked in Rust, so that a refusal carries an
 * extended-ACK message; genetlink's own GENL_UNS_ADMIN_PERM check would
 * answer a bare EPERM.
 */
static const struct genl_ops ng_ops[] = {
	NG_DO(SOCKET, socket, 0),
	NG_DO(MKPEER, mkpeer, 0),
	NG_DO(CONNECT, connect, 0),
	NG_DO(NAME, name, 0),
	NG_DO(RMHOOK, rmhook, 0),
	NG_DO(SHUTDOWN, path, 0),
	NG_DO(NODEINFO, path, 0),
	NG_DUMP(LISTHOOKS, path),
	NG_DUMP(LISTNODES, listnodes),
	NG_DUMP(LISTTYPES, listnodes),
	{
		.cmd = NETGRAPH_CMD_MSG,
		.doit = ng_doit,
		.dumpit = ng_dumpit,
		.done = ng_dump_done,
		.policy = ng_policy_msg,
		.maxattr = NETGRAPH_A_MAX,
	},
	NG_DO(DATA, data, 0),
	NG_DUMP(GETTYPE, gettype),
};

static const struct genl_multicast_group ng_mcgrps[] = {
	{ .name = NETGRAPH_MCGRP_EVENTS, },
};

static struct genl_family ng_family __ro_after_init = {
	.name = NETGRAPH_GENL_NAME,
	.version = NETGRAPH_GENL_VERSION,
	.maxattr = NETGRAPH_A_MAX,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = ng_ops,
	.n_ops = ARRAY_SIZE(ng_ops),
	/* Every command gets strict attribute validation and a checked
	 * header (reserved field zero): none is legacy. */
	.resv_start_op = 0,
	.mcgrps = ng_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ng_mcgrps),
};

/* --- per-namespace state --- */

struct ng_pernet {
	void *graph;
};

static int __net_init ng_net_init(struct net *net)
{
	struct ng_pernet *pn = net_generic(net, ng_net_id);

	pn->graph = ng_mod->net_init(net);
	return pn->graph ? 0 : -ENOMEM;
}

static void __net_exit ng_net_exit(struct net *net)
{
	struct ng_pernet *pn = net_generic(net, ng_net_id);
	void *graph;

	/* eiface devices owned by other namespaces go home first. */
	ng_dev_net_exit(net);
	/*
	 * One RTNL section for the teardown and the slot: no device can go
	 * between them (its event would find no graph while a node still
	 * used it). Events the teardown itself causes reach the graph while
	 * it is busy and run before the teardown returns.
	 */
	rtnl_lock();
	graph = pn->graph;
	ng_mod->net_exit(graph);
	pn->graph = NULL;
	rtnl_unlock();
}

/* A device subsystem: eiface nodes own net devices. */
static struct pernet_operations ng_net_ops = {
	.init = ng_net_init,
	.exit = ng_net_exit,
	.id = &ng_net_id,
	.size = sizeof(struct ng_pernet),
};

const struct ng_module_ops *ng_module(void)
{
	return ng_mod;
}

void *ng_shim_net_graph(const struct net *net)
{
	/* NULL while the namespace is being set up before our pernet init
	 * (device events of earlier subsystems, e.g. loopback). */
	struct ng_pernet *pn = net_generic(net, ng_net_id);

	return pn ? pn->graph : NULL;
}

/* --- socket release --- */

static int ng_netlink_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC)
		ng_mod->sock_release(n->net, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block ng_netlink_notifier = {
	.notifier_call = ng_netlink_event,
};

/* --- registration --- */

int ng_shim_register(const struct ng_module_ops *ops)
{
	int err;

	if (ng_mod)
		return -EBUSY;
	ng_mod = ops;
	ng_wq = alloc_workqueue("netgraph", WQ_UNBOUND, 0);
	if (!ng_wq) {
		ng_mod = NULL;
		return -ENOMEM;
	}
	err = register_pernet_device(&ng_net_ops);
	if (err)
		goto err_wq;
	err = ng_dev_register();
	if (err)
		goto err_pernet;
	err = netlink_register_notifier(&ng_netlink_notifier);
	if (err)
		goto err_dev;
	err = genl_register_family(&ng_family);
	if (err)
		goto err_notifier;
	return 0;

err_notifier:
	netlink_unregister_notifier(&ng_netlink_notifier);
err_dev:
	ng_dev_unregister_notifier();
	unregister_pernet_device(&ng_net_ops);
	ng_dev_unregister_link();
	goto err_wq;
err_pernet:
	unregister_pernet_device(&ng_net_ops);
err_wq:
	rcu_barrier();
	destroy_workqueue(ng_wq);
	ng_mod = NULL;
	return err;
}

void ng_shim_unregister(void)
{
	/* No new requests, then no socket events, then tear the graphs down. */
	genl_unregister_family(&ng_family);
	netlink_unregister_notifier(&ng_netlink_notifier);
	ng_dev_unregister_notifier();
	unregister_pernet_device(&ng_net_ops);
	ng_dev_unregister_link();
	/* Deferred releases: queued after their grace period, then run. */
	rcu_barrier();
	destroy_workqueue(ng_wq);
	ng_mod = NULL;
}

struct workqueue_struct *ng_shim_wq(void)
{
	return ng_wq;
}

struct ng_deferred {
	struct rcu_work rwork;
	void (*fn)(void *data);
	void *data;
};

static void ng_deferred_fn(struct work_struct *work)
{
	struct ng_deferred *d = container_of(to_rcu_work(work),
					     struct ng_deferred, rwork);

	d->fn(d->data);
	kfree(d);
}

void ng_shim_defer_release(void (*fn)(void *data), void *data)
{
	struct ng_deferred *d = kmalloc(sizeof(*d), GFP_KERNEL);

	if (!d) {
		synchronize_rcu();
		fn(data);
		return;
	}
	d->fn = fn;
	d->data = data;
	INIT_RCU_WORK(&d->rwork, ng_deferred_fn);
	queue_rcu_work(ng_wq, &d->rwork);
}

/* --- netlink message helpers --- */

struct sk_buff *ng_shim_genlmsg_new(size_t payload, bool atomic)
{
	return genlmsg_new(payload, atomic ? GFP_ATOMIC : GFP_KERNEL);
}

void *ng_shim_genlmsg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			  u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &ng_family, flags, cmd);
}

void ng_shim_genlmsg_end(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
}

void ng_shim_genlmsg_cancel(struct sk_buff *skb, void *hdr)
{
	genlmsg_cancel(skb, hdr);
}

int ng_shim_genlmsg_reply(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_reply(skb, info);
}

int ng_shim_genlmsg_unicast(struct net *net, struct sk_buff *skb, u32 portid)
{
	return genlmsg_unicast(net, skb, portid);
}

void ng_shim_genlmsg_multicast(struct net *net, struct sk_buff *skb)
{
	genlmsg_multicast_netns(&ng_family, net, skb, 0, 0, GFP_KERNEL);
}

bool ng_shim_has_listeners(struct net *net)
{
	return genl_has_listeners(&ng_family, net, 0);
}

bool ng_shim_net_admin(const struct sk_buff *skb, const struct genl_info *info)
{
	return netlink_ns_capable(skb, genl_info_net(info)->user_ns, CAP_NET_ADMIN);
}

struct nlattr *ng_shim_nla_nest_start(struct sk_buff *skb, int type)
{
	return nla_nest_start(skb, type);
}

void ng_shim_nla_nest_end(struct sk_buff *skb, struct nlattr *start)
{
	nla_nest_end(skb, start);
}

void ng_shim_nla_nest_cancel(struct sk_buff *skb, struct nlattr *start)
{
	nla_nest_cancel(skb, start);
}

void ng_shim_extack_msg(struct netlink_ext_ack *extack, const char *msg,
			size_t len)
{
	if (!extack)
		return;
	NL_SET_ERR_MSG_FMT(extack, "%.*s", (int)min_t(size_t, len, 79), msg);
}

struct net *ng_shim_cb_net(struct netlink_callback *cb)
{
	return sock_net(cb->skb->sk);
}

u32 ng_shim_cb_portid(struct netlink_callback *cb)
{
	return NETLINK_CB(cb->skb).portid;
}

void ng_shim_dump_check_consistent(struct netlink_callback *cb, void *hdr)
{
	genl_dump_check_consistent(cb, hdr);
}

/* --- frames --- */

struct sk_buff *ng_shim_skb_from_bytes(const void *data, unsigned int len,
				       bool atomic)
{
	struct sk_buff *skb = alloc_skb(len + NET_IP_ALIGN,
					atomic ? GFP_ATOMIC : GFP_KERNEL);

	if (!skb)
		return NULL;
	skb_reserve(skb, NET_IP_ALIGN);
	skb_put_data(skb, data, len);
	return skb;
}

struct sk_buff *ng_shim_skb_clone(struct sk_buff *skb)
{
	return skb_clone(skb, GFP_ATOMIC);
}

void ng_shim_kfree_skb(struct sk_buff *skb)
{
	kfree_skb(skb);
}

bool ng_shim_skb_vlan_get(const struct sk_buff *skb, u16 *proto, u16 *tci)
{
	if (!skb_vlan_tag_present(skb))
		return false;
	*proto = ntohs(skb->vlan_proto);
	*tci = skb_vlan_tag_get(skb);
	return true;
}

void ng_shim_skb_vlan_set(struct sk_buff *skb, u16 proto, u16 tci)
{
	__vlan_hwaccel_put_tag(skb, htons(proto), tci);
}

void ng_shim_skb_vlan_clear(struct sk_buff *skb)
{
	__vlan_hwaccel_clear_tag(skb);
}

/* Moving bytes under a CHECKSUM_COMPLETE sum would need the sum redone
 * over what moved; the stack checks the frame again instead. */
static void ng_vlan_csum_moved(struct sk_buff *skb)
{
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
}

int ng_shim_skb_vlan_pop(struct sk_buff *skb)
{
	int err = skb_ensure_writable(skb, VLAN_ETH_HLEN);

	if (unlikely(err))
		return err;
	ng_vlan_csum_moved(skb);
	memmove(skb->data + VLAN_HLEN, skb->data, 2 * ETH_ALEN);
	__skb_pull(skb, VLAN_HLEN);
	if (skb_mac_header_was_set(skb))
		skb->mac_header += VLAN_HLEN;
	return 0;
}

int ng_shim_skb_vlan_insert(struct sk_buff *skb, u16 proto, u16 tci)
{
	int err = __vlan_insert_tag(skb, htons(proto), tci);

	if (!err)
		ng_vlan_csum_moved(skb);
	return err;
}

struct sk_buff *ng_shim_skb_vlan_inside(struct sk_buff *skb)
{
	if (likely(!skb_vlan_tag_present(skb)))
		return skb;
	ng_vlan_csum_moved(skb);
	return __vlan_hwaccel_push_inside(skb);
}

/*
 * A GSO frame as its segments (a list through ->next, checksums done), any
 * other frame as itself; NULL (the frame freed) if it cannot be segmented.
 * For destinations that take plain frames of bounded size (socket nodes:
 * a netlink attribute holds at most 65 531 bytes).
 */
struct sk_buff *ng_shim_skb_segment(struct sk_buff *skb)
{
	struct sk_buff *segs, *s, *next, **tail;

	if (!skb_is_gso(skb))
		return skb;
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		kfree_skb(skb);
		return NULL;
	}
	consume_skb(skb);
	/* Keep only segments whose checksum could be completed. */
	tail = &segs;
	skb_list_walk_safe(segs, s, next) {
		if (s->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(s)) {
			*tail = next;
			skb_mark_not_on_list(s);
			kfree_skb(s);
			continue;
		}
		tail = &s->next;
	}
	return segs;
}

struct sk_buff *ng_shim_skb_list_pop(struct sk_buff **head)
{
	struct sk_buff *skb = *head;

	if (skb) {
		*head = skb->next;
		skb_mark_not_on_list(skb);
	}
	return skb;
}

/* An inline without CONFIG_TRACEPOINTS, so always wrapped. */
void ng_shim_consume_skb(struct sk_buff *skb)
{
	consume_skb(skb);
}

int ng_shim_nla_put_skb(struct sk_buff *msg, int type,
			const struct sk_buff *skb)
{
	struct nlattr *nla = nla_reserve(msg, type, skb->len);

	if (!nla)
		return -EMSGSIZE;
	return skb_copy_bits(skb, 0, nla_data(nla), skb->len);
}

/* --- the frame being forwarded on this CPU --- */

/*
 * The forwarding context of the frame the graph handles on this CPU, so
 * that a frame coming back into the graph synchronously (through a device:
 * a Linux bridge with eiface ports) shares its budget instead of starting
 * a fresh one. Only with bottom halves off or in a softirq (the data path),
 * where nothing else that forwards can run on this CPU until the entry is
 * done; elsewhere there is no context.
 */
static DEFINE_PER_CPU(void *, ng_fwd_ctx);

static bool ng_fwd_ctx_ok(void)
{
	return in_softirq() && !in_hardirq() && !in_nmi();
}

void *ng_shim_fwd_ctx(void)
{
	return ng_fwd_ctx_ok() ? this_cpu_read(ng_fwd_ctx) : NULL;
}

bool ng_shim_fwd_ctx_enter(void *ctx)
{
	if (!ng_fwd_ctx_ok() || this_cpu_read(ng_fwd_ctx))
		return false;
	this_cpu_write(ng_fwd_ctx, ctx);
	return true;
}

void ng_shim_fwd_ctx_leave(void *ctx)
{
	WARN_ON_ONCE(this_cpu_read(ng_fwd_ctx) != ctx);
	this_cpu_write(ng_fwd_ctx, NULL);
}

/* --- scheduling --- */

void ng_shim_cond_resched(void)
{
	cond_resched();
}

/* --- RCU --- */

void ng_shim_rcu_read_lock(void)
{
	rcu_read_lock();
}

void ng_shim_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

void ng_shim_local_bh_disable(void)
{
	local_bh_disable();
}

void ng_shim_local_bh_enable(void)
{
	local_bh_enable();
}

