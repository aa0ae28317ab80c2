/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's FFI floor. bindgen reads this header (and the kernel headers
 * it includes) to generate gen/bindings_generated.rs, so the Rust side never
 * retypes a kernel prototype.
 *
 * Three groups of declarations:
 *  - kernel headers whose exported functions Rust calls directly;
 *  - ng_shim_*: C wrappers for static inline helpers and macros, and the
 *    registration of C tables (genl family, policies, pernet operations);
 *  - callback tables (struct ng_*_ops) that Rust fills with trampolines
 *    for its own types, and the one ng_rs_* function netlink calls by
 *    name. Rust checks its definitions against these at compile time.
 */
#ifndef NETGRAPH_SHIM_H
#define NETGRAPH_SHIM_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <linux/random.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/user_namespace.h>
#include <linux/rhashtable-types.h>
#include <net/sock.h>

#include "uapi/linux/netgraph.h"

/* --- registration (module init/exit) --- */
/* What the module calls back; the Rust side makes it from its types. */
struct ng_module_ops {
	/* Allocate this namespace's state; NULL on failure. */
	void *(*net_init)(struct net *net);
	/* Shut the state down and free it (RTNL held). */
	void (*net_exit)(void *state);
	/* Netdevice event (RTNL held): 1 register, 2 unregister, 3 rename,
	 * 4 link up, 5 link down (running and carrier; may repeat). */
	void (*netdev_event)(int event, struct net_device *dev);
	/* A netlink socket of the generic family was released. */
	void (*sock_release)(struct net *net, u32 portid);
	/* One doit handler for every command; the command is in info. */
	int (*doit)(struct sk_buff *skb, struct genl_info *info);
	/* One dumpit handler for every dumpable command. */
	int (*dumpit)(struct sk_buff *skb, struct netlink_callback *cb);
};
/* ops outlives the registration; -EBUSY if already registered. */
int ng_shim_register(const struct ng_module_ops *ops);
void ng_shim_unregister(void);
/* C-internal: the registered callbacks. */
const struct ng_module_ops *ng_module(void);

/* --- netlink messages --- */
/* atomic: GFP_ATOMIC instead of GFP_KERNEL (here and below). */
struct sk_buff *ng_shim_genlmsg_new(size_t payload, bool atomic);
void *ng_shim_genlmsg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			  u8 cmd);
void ng_shim_genlmsg_end(struct sk_buff *skb, void *hdr);
void ng_shim_genlmsg_cancel(struct sk_buff *skb, void *hdr);
int ng_shim_genlmsg_reply(struct sk_buff *skb, struct genl_info *info);
int ng_shim_genlmsg_unicast(struct net *net, struct sk_buff *skb, u32 portid);
void ng_shim_genlmsg_multicast(struct net *net, struct sk_buff *skb);
struct nlattr *ng_shim_nla_nest_start(struct sk_buff *skb, int type);
void ng_shim_nla_nest_end(struct sk_buff *skb, struct nlattr *start);
void ng_shim_nla_nest_cancel(struct sk_buff *skb, struct nlattr *start);
/* Copies msg (at most 79 bytes survive) into the extended ACK. */
void ng_shim_extack_msg(struct netlink_ext_ack *extack, const char *msg,
			size_t len);

/* --- dumps --- */
struct net *ng_shim_cb_net(struct netlink_callback *cb);
u32 ng_shim_cb_portid(struct netlink_callback *cb);
struct sk_buff *ng_shim_skb_segment(struct sk_buff *skb);
void *ng_shim_fwd_ctx(void);
bool ng_shim_fwd_ctx_enter(void *ctx);
void ng_shim_fwd_ctx_leave(void *ctx);
struct sk_buff *ng_shim_skb_list_pop(struct sk_buff **head);
void ng_shim_dump_check_consistent(struct netlink_callback *cb, void *hdr);

/* Are there listeners on the events group of net? */
bool ng_shim_has_listeners(struct net *net);
/* Has the sender CAP_NET_ADMIN in the user namespace owning its netns? */
bool ng_shim_net_admin(const struct sk_buff *skb, const struct genl_info *info);

/* --- frames --- */
/* A new linear skb holding a copy of data[0..len]; NULL on failure. */
struct sk_buff *ng_shim_skb_from_bytes(const void *data, unsigned int len,
				       bool atomic);
/* skb_clone(skb, GFP_ATOMIC). */
struct sk_buff *ng_shim_skb_clone(struct sk_buff *skb);
/* Drops skb (kfree_skb: counted as a drop). */
void ng_shim_kfree_skb(struct sk_buff *skb);
/* Frees a delivered skb (consume_skb: not a drop). */
void ng_shim_consume_skb(struct sk_buff *skb);
/*
 * 802.1Q tags. The out-of-band tag is Linux's accelerated one
 * (skb->vlan_tci, skb->vlan_proto); the in-band tag is the 4 bytes after
 * the MAC addresses of a frame whose data starts at its Ethernet header.
 * TPIDs are in host order.
 */
/* Whether skb carries an out-of-band tag; if so its TPID and TCI. */
bool ng_shim_skb_vlan_get(const struct sk_buff *skb, u16 *proto, u16 *tci);
void ng_shim_skb_vlan_set(struct sk_buff *skb, u16 proto, u16 tci);
void ng_shim_skb_vlan_clear(struct sk_buff *skb);
/* Removes the in-band tag (the frame has one: at least 18 bytes whose
 * EtherType is a TPID); 0 or -errno with skb unchanged, still the
 * caller's. */
int ng_shim_skb_vlan_pop(struct sk_buff *skb);
/* Inserts an in-band tag; 0 or -errno with skb unchanged. */
int ng_shim_skb_vlan_insert(struct sk_buff *skb, u16 proto, u16 tci);
/* A frame from a device as the graph sees it: an out-of-band tag moved
 * into its bytes. Returns skb, or NULL (skb freed) without memory. */
struct sk_buff *ng_shim_skb_vlan_inside(struct sk_buff *skb);
/* Appends attribute type holding skb's bytes to msg. */
int ng_shim_nla_put_skb(struct sk_buff *msg, int type,
			const struct sk_buff *skb);

/* --- per-namespace state --- */
/* The state that ops->net_init() returned for this namespace. */
void *ng_shim_net_graph(const struct net *net);

/* --- scheduling --- */
void ng_shim_cond_resched(void);

/* --- RCU --- */
void ng_shim_rcu_read_lock(void);
void ng_shim_rcu_read_unlock(void);
void ng_shim_local_bh_disable(void);
void ng_shim_local_bh_enable(void);
/*
 * Calls fn(data) in process context after an RCU grace period
 * (rcu_work on the module's workqueue, drained at unload). If memory is
 * short, waits for the grace period and calls it at once.
 */
void ng_shim_defer_release(void (*fn)(void *data), void *data);

/* --- RTNL --- */
void ng_shim_rtnl_lock(void);
void ng_shim_rtnl_unlock(void);
/* Warns unless the RTNL is held. */
void ng_shim_assert_rtnl(void);

/* --- devices (ffi/dev.c, types/eiface/eiface.c, types/ether/ether.c);
 * changes need the RTNL --- */
int ng_dev_register(void);
void ng_dev_unregister_notifier(void);
void ng_dev_unregister_link(void);
/* A namespace dies: eiface devices owned elsewhere go home. */
void ng_dev_net_exit(struct net *net);
/* C-internal: eiface's link ops and namespace exit (types/eiface). */
int ng_eiface_register(void);
void ng_eiface_unregister(void);
void ng_eiface_evacuate(struct net *net);
/* C-internal: whether a frame leaving by dev crosses namespaces. */
bool ng_skb_xnet(const struct sk_buff *skb, const struct net_device *dev);

/* A reference that keeps dev from being freed. */
void ng_shim_dev_hold(struct net_device *dev);
void ng_shim_dev_put(struct net_device *dev);
const char *ng_shim_dev_name(const struct net_device *dev);
int ng_shim_dev_ifindex(const struct net_device *dev);
struct net *ng_shim_dev_net(const struct net_device *dev);
/* Copies the 6-byte MAC address to out. */
void ng_shim_dev_addr(const struct net_device *dev, u8 *out);
/* An Ethernet device an ether node attaches to. */
bool ng_shim_dev_is_ether(const struct net_device *dev);
void ng_shim_netif_carrier(struct net_device *dev, bool on);
int ng_shim_dev_set_mac(struct net_device *dev, const u8 *mac,
			struct netlink_ext_ack *extack);
int ng_shim_dev_set_promisc(struct net_device *dev, int inc);
int ng_shim_dev_multi(struct net_device *dev, const u8 *mac, bool add);

/* What an eiface device calls back, with its port. */
struct ng_eiface_ops {
	/* The host transmits skb (consumed); 0 when sent on. */
	int (*xmit)(void *port, struct sk_buff *skb);
	/* The device is being unregistered; stop using it. */
	void (*gone)(void *port);
	/* dellink (RTNL held): the node lets dev go (the caller unregisters
	 * it) and shuts down. */
	void (*dellink)(void *port, struct net_device *dev);
	/* The device is freed; drop its port reference. */
	void (*release)(void *port);
};
/* eiface: a registered device named name (len bytes, no NUL) in net whose
 * operations call ops with port; -EEXIST if net has a device of that name.
 * The device owns the port reference from success on and gives it back
 * through ops->release. ops outlives the device. */
int ng_shim_eiface_create(struct net *net, const u8 *name, size_t len,
			  void *port, const struct ng_eiface_ops *ops,
			  struct net_device **out);
/* Unregisters (and later frees) the device, wherever it lives. */
void ng_shim_eiface_destroy(struct net_device *dev);
/* A frame for the host stack on dev; consumes skb. 0 or -errno. */
int ng_shim_eiface_rx(struct net_device *dev, struct sk_buff *skb);

/* What an ether node's device hooks call back, with its port. */
struct ng_ether_ops {
	/* Receive handler, under the core's rcu_read_lock(), skb unshared and
	 * starting at its Ethernet header: false leaves skb, untouched, to the
	 * stack; true when the graph took (consumed) it. */
	bool (*rx)(void *port, struct sk_buff *skb);
	/* Egress hook: is upper connected? */
	bool (*wants_tx)(void *port);
	/* Egress hook: a frame the host transmits (consumed). */
	void (*tx)(void *port, struct sk_buff *skb);
};
/* ether: attach rx_handler (lower, orphans) / egress hook (upper); the
 * port stays the caller's; ops outlives the attachment. */
int ng_shim_ether_attach_rx(struct net_device *dev, void *port,
			    const struct ng_ether_ops *ops);
void ng_shim_ether_detach_rx(struct net_device *dev);
struct ng_ether_tx;
/* NULL with *err set on failure. */
struct ng_ether_tx *ng_shim_ether_attach_tx(struct net_device *dev,
					    void *port,
					    const struct ng_ether_ops *ops,
					    int *err);
void ng_shim_ether_detach_tx(struct net_device *dev, struct ng_ether_tx *t);
/* Whether the stack handles skb's EtherType (else it is an orphan). */
bool ng_shim_ethertype_known(const struct sk_buff *skb);
/* Transmits a frame on the wire (not through upper); consumes skb. */
int ng_shim_ether_xmit(struct net_device *dev, struct sk_buff *skb,
		       bool autosrc);
/* Hands a frame to the host stack as received on dev; consumes skb. */
int ng_shim_ether_inject(struct net_device *dev, struct sk_buff *skb);

/* --- bridge building blocks (types/bridge/fdb.c, ffi/work.c) --- */
/* The module's workqueue. */
struct workqueue_struct *ng_shim_wq(void);

/* A forwarding database entry. link, age and staleness are read and
 * written with atomic accesses from the data path and the tick. */
struct ng_fdb_entry {
	struct rhash_head node;
	u8 addr[6];
	u16 pad;	/* zero: the key is addr and pad */
	u32 link;
	u32 age;
	u32 staleness;
	struct rcu_head rcu;
};
struct ng_fdb;
struct ng_fdb *ng_shim_fdb_new(void);
void ng_shim_fdb_destroy(struct ng_fdb *f);
/* Under RCU. */
struct ng_fdb_entry *ng_shim_fdb_lookup(struct ng_fdb *f, const u8 *addr);
/* The entries of a and b (b may be NULL: none) in one call, as a
 * forwarding decision needs both its source's and its destination's. Under
 * RCU. */
struct ng_fdb_pair {
	struct ng_fdb_entry *a, *b;
};
struct ng_fdb_pair ng_shim_fdb_lookup2(struct ng_fdb *f, const u8 *a,
				       const u8 *b);
/* Inserts addr on link (or returns the entry someone inserted first);
 * NULL if memory is short. Under RCU. */
struct ng_fdb_entry *ng_shim_fdb_learn(struct ng_fdb *f, const u8 *addr,
				       u32 link, bool atomic);
/* Removes e (freed after a grace period). Under RCU. */
void ng_shim_fdb_remove(struct ng_fdb *f, struct ng_fdb_entry *e);
u32 ng_shim_fdb_count(struct ng_fdb *f);
/* Process context: calls cb for each entry until it returns false. */
void ng_shim_fdb_walk(struct ng_fdb *f,
		      bool (*cb)(void *ctx, struct ng_fdb_entry *e), void *ctx);

/* A resumable walk (for dumps); the table must outlive it. */
struct ng_fdb_iter;
struct ng_fdb_iter *ng_shim_fdb_iter_new(struct ng_fdb *f);
/* Calls cb from the walk's position on; an entry cb refuses stays next.
 * True when the walk has reached the end. Process context. */
bool ng_shim_fdb_iter_walk(struct ng_fdb_iter *i,
			   bool (*cb)(void *ctx, struct ng_fdb_entry *e),
			   void *ctx);
void ng_shim_fdb_iter_free(struct ng_fdb_iter *i);

/* n per-CPU u64 counters, zeroed. */
void *ng_shim_pcpu_alloc(unsigned int n);
void ng_shim_pcpu_free(void *p);
void ng_shim_pcpu_add(void *p, unsigned int i, u64 v);
/* One frame: 1 to packets, len to octets, 1 to extra unless negative. */
void ng_shim_pcpu_add_frame(void *p, unsigned int packets,
			    unsigned int octets, u64 len, int extra);
u64 ng_shim_pcpu_sum(void *p, unsigned int i);
void ng_shim_pcpu_clear(void *p, unsigned int n);

/* Calls fn(ctx) every ms milliseconds (process context). */
struct ng_tick;
struct ng_tick *ng_shim_tick_start(void (*fn)(void *ctx), void *ctx,
				   unsigned int ms);
/* Stops and frees the tick, waiting for a running one. */
void ng_shim_tick_stop(struct ng_tick *t);

/* --- holding frames (ffi/sched.c) --- */
/* A high-resolution timer (CLOCK_MONOTONIC) that calls fn(ctx, which) in
 * softirq context. */
struct ng_timer;
struct ng_timer *ng_shim_timer_new(void (*fn)(void *ctx, u32 which),
				   void *ctx, u32 which);
/* (Re)arms for absolute time at_ns; any context, also from the callback. */
void ng_shim_timer_arm(struct ng_timer *t, u64 at_ns);
/* Cancels (waiting for a running callback) and frees. Process context. */
void ng_shim_timer_free(struct ng_timer *t);
u64 ng_shim_now_ns(void);
/* A spinlock taken with bottom halves disabled (the Rust lock backend;
 * initialised with the kernel crate's __spin_lock_init). */
void ng_shim_spin_lock_bh(spinlock_t *l);
void ng_shim_spin_unlock_bh(spinlock_t *l);
/* Detaches a frame to be held from its socket, route and device. */
void ng_shim_skb_park(struct sk_buff *skb);
/* Copies up to len leading bytes to to; returns how many. */
unsigned int ng_shim_skb_copy_prefix(const struct sk_buff *skb, void *to,
				     unsigned int len);

/* --- callbacks implemented in Rust --- */
/* A dump ends: release its cursor (cb->args[2]). */
void ng_rs_dump_done(struct netlink_callback *cb);

#endif /* NETGRAPH_SHIM_H */
