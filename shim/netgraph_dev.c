// SPDX-License-Identifier: GPL-2.0
/*
 * C side of the device glue: the eiface net_device (netdev ops, rtnl link
 * ops, moving devices home when a namespace dies), the ether node's hooks
 * into a device (rx_handler for `lower`/`orphans`, netdev egress hook for
 * `upper`) and the netdevice notifier. Everything a node type does with a
 * device goes through a function here; the Rust side holds opaque pointers.
 *
 * Locking: every function that changes a device expects the RTNL (the
 * graph's control operations run under it); the data-path functions run in
 * BH context under RCU.
 */
#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <net/gso.h>
#include <linux/netfilter_netdev.h>
#include "netgraph_shim.h"

/* --- eiface --- */

struct ng_eiface_priv {
	/* The Rust port (an Arc reference owned by this device). */
	void *port;
	/* The namespace of the node that owns this device (not refcounted:
	 * the node's namespace outlives the device, see ng_net_exit). */
	struct net *home;
};

static netdev_tx_t ng_eiface_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ng_eiface_priv *p = netdev_priv(dev);
	unsigned int len = skb->len;

	if (ng_rs_eiface_xmit(p->port, skb) == 0)
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		dev_core_stats_tx_dropped_inc(dev);
	return NETDEV_TX_OK;
}

static void ng_eiface_uninit(struct net_device *dev)
{
	struct ng_eiface_priv *p = netdev_priv(dev);

	/* Stop the node from using the device; the core waits for RCU
	 * readers (synchronize_net) before the device can be freed. */
	ng_rs_eiface_gone(p->port);
}

static void ng_eiface_destructor(struct net_device *dev)
{
	struct ng_eiface_priv *p = netdev_priv(dev);

	ng_rs_eiface_release(p->port);
	p->port = NULL;
}

static const struct net_device_ops ng_eiface_ops = {
	.ndo_uninit = ng_eiface_uninit,
	.ndo_start_xmit = ng_eiface_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
	.ndo_get_stats64 = dev_get_tstats64,
};

/*
 * `ip link del ngeth0` (or any dellink): the node lets its interface go and
 * shuts down, as `ip link del` of one veth end takes the other; the device
 * is unregistered with the others in head, as rtnetlink expects. (FreeBSD
 * has no such path: an ng_eiface interface goes only with its node.)
 */
static void ng_eiface_dellink(struct net_device *dev, struct list_head *head)
{
	struct ng_eiface_priv *p = netdev_priv(dev);

	ng_rs_eiface_dellink(p->port, dev);
	unregister_netdevice_queue(dev, head);
}

/*
 * Link kind "ngeth". No newlink (interfaces are made with mkpeer). Having
 * rtnl_link_ops keeps a dying namespace from pushing the device to init_net
 * as an orphan "devN": ng_net_exit() moves it home first, and if its home
 * is dying too (its node is gone then) the generic cleanup deletes it.
 */
static struct rtnl_link_ops ng_eiface_link_ops = {
	.kind = "ngeth",
	.priv_size = sizeof(struct ng_eiface_priv),
	.dellink = ng_eiface_dellink,
};

static void ng_eiface_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &ng_eiface_ops;
	dev->rtnl_link_ops = &ng_eiface_link_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = ng_eiface_destructor;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	/* Lockless transmit (like veth): the graph may send on through
	 * other devices, and a loop must not deadlock on a queue lock. */
	dev->lltx = true;
	/* No qdisc (like veth): the core bounds transmit recursion. */
	dev->priv_flags |= IFF_NO_QUEUE;
	/* FreeBSD: 72..9018 (ETHER_MAX_LEN_JUMBO). */
	dev->min_mtu = 72;
	dev->max_mtu = 9018;
}

static bool ng_eiface_is_ours(const struct net_device *dev)
{
	return dev->netdev_ops == &ng_eiface_ops;
}

int ng_shim_eiface_create(struct net *net, const u8 *name, size_t len,
			  void *port, struct net_device **out)
{
	char ifname[IFNAMSIZ];
	struct ng_eiface_priv *p;
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	if (len >= IFNAMSIZ)
		return -ENAMETOOLONG;
	memcpy(ifname, name, len);
	ifname[len] = '\0';
	if (netdev_name_in_use(net, ifname))
		return -EEXIST;
	dev = alloc_netdev(sizeof(*p), ifname, NET_NAME_ENUM, ng_eiface_setup);
	if (!dev)
		return -ENOMEM;
	dev_net_set(dev, net);
	p = netdev_priv(dev);
	p->home = net;
	p->port = NULL;
	/* Random, locally administered (FreeBSD starts with all zeros). */
	eth_hw_addr_random(dev);
	err = register_netdevice(dev);
	if (err) {
		/* needs_free_netdev only applies to registered devices. */
		free_netdev(dev);
		return err;
	}
	/* From here the device owns the port reference. */
	p->port = port;
	netif_carrier_off(dev);
	*out = dev;
	return 0;
}

void ng_shim_eiface_destroy(struct net_device *dev)
{
	ASSERT_RTNL();
	unregister_netdevice(dev);
}

/* Whether a frame leaving the graph by dev crosses namespaces. skb->dev is
 * the device the frame entered the graph by, alive while the graph handles
 * the frame synchronously (rx handler, device transmit, egress hook: all
 * inside an RCU read section the device's unregistration waits for), or
 * NULL: made by the graph, or held for a while (ng_shim_skb_park). */
static bool ng_skb_xnet(const struct sk_buff *skb, const struct net_device *dev)
{
	return !skb->dev || !net_eq(dev_net(skb->dev), dev_net(dev));
}

int ng_shim_eiface_rx(struct net_device *dev, struct sk_buff *skb)
{
	unsigned int len;

	if (!netif_running(dev)) {
		kfree_skb(skb);
		return -ENETDOWN;
	}
	if (skb->len < ETH_HLEN) {
		kfree_skb(skb);
		return -EINVAL;
	}
	/* __dev_forward_skb scrubs what the frame carried from skb->dev's
	 * namespace; a frame from no device is scrubbed as foreign here. */
	if (!skb->dev) {
		skb_scrub_packet(skb, true);
		skb->dev = dev;
	}
	/* MTU check, scrub, protocol, checksum bookkeeping. */
	if (__dev_forward_skb(dev, skb) != NET_RX_SUCCESS) {
		dev_core_stats_rx_dropped_inc(dev);
		return -EMSGSIZE;
	}
	len = skb->len + ETH_HLEN;
	if (netif_rx(skb) == NET_RX_SUCCESS)
		dev_sw_netstats_rx_add(dev, len);
	else
		dev_core_stats_rx_dropped_inc(dev);
	return 0;
}

/* Moves the eiface devices living in net but owned by another namespace
 * back to their owner's namespace (FreeBSD returns interfaces to their home
 * VNET). Devices whose home is dying too are left to the generic cleanup. */
static void ng_eiface_evacuate(struct net *net)
{
	struct net_device *dev, *aux;

	ASSERT_RTNL();
	for_each_netdev_safe(net, dev, aux) {
		struct ng_eiface_priv *p;
		struct net *home;

		if (!ng_eiface_is_ours(dev))
			continue;
		p = netdev_priv(dev);
		if (net_eq(p->home, net))
			continue;
		home = maybe_get_net(p->home);
		if (!home)
			continue;
		if (dev_change_net_namespace(dev, home, "ngeth%d"))
			pr_warn("netgraph: cannot return %s home\n", dev->name);
		put_net(home);
	}
}

/* --- devices in general --- */

const char *ng_shim_dev_name(const struct net_device *dev)
{
	return dev->name;
}

int ng_shim_dev_ifindex(const struct net_device *dev)
{
	return dev->ifindex;
}

struct net *ng_shim_dev_net(const struct net_device *dev)
{
	return dev_net(dev);
}

void ng_shim_dev_addr(const struct net_device *dev, u8 *out)
{
	memcpy(out, dev->dev_addr, ETH_ALEN);
}

bool ng_shim_dev_is_ether(const struct net_device *dev)
{
	return dev->type == ARPHRD_ETHER && dev->addr_len == ETH_ALEN &&
	       !(dev->flags & IFF_LOOPBACK);
}

void ng_shim_netif_carrier(struct net_device *dev, bool on)
{
	if (on)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
}

int ng_shim_dev_set_mac(struct net_device *dev, const u8 *mac,
			struct netlink_ext_ack *extack)
{
	struct sockaddr sa;

	ASSERT_RTNL();
	if (!is_valid_ether_addr(mac)) {
		NL_SET_ERR_MSG(extack, "not a valid unicast Ethernet address");
		return -EADDRNOTAVAIL;
	}
	sa.sa_family = dev->type;
	memcpy(sa.sa_data, mac, ETH_ALEN);
	return dev_set_mac_address(dev, &sa, extack);
}

int ng_shim_dev_set_promisc(struct net_device *dev, int inc)
{
	ASSERT_RTNL();
	return dev_set_promiscuity(dev, inc);
}

int ng_shim_dev_multi(struct net_device *dev, const u8 *mac, bool add)
{
	ASSERT_RTNL();
	if (!is_multicast_ether_addr(mac))
		return -EINVAL;
	return add ? dev_mc_add_excl(dev, mac) : dev_mc_del(dev, mac);
}

/* --- ether: lower/orphans (rx_handler) and upper (egress hook) --- */

/* Frames written to `upper` enter the stack through netif_rx() and pass
 * the device's rx_handler once more; this mark in the control block lets
 * them through. The mark sits at the end of cb, which nothing between
 * netif_rx() and the rx_handler writes. */
#define NG_INJECT_MAGIC 0x6e67696e6a656374ULL /* "nginject" */

static u64 *ng_inject_mark(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(skb->cb) < 48);
	return (u64 *)&skb->cb[40];
}

static rx_handler_result_t ng_ether_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	unsigned int mac_len;
	void *port;

	if (*ng_inject_mark(skb) == NG_INJECT_MAGIC) {
		*ng_inject_mark(skb) = 0;
		return RX_HANDLER_PASS;
	}
	if (skb->pkt_type == PACKET_LOOPBACK)
		return RX_HANDLER_PASS;
	port = rcu_dereference(skb->dev->rx_handler_data);
	if (!port)
		return RX_HANDLER_PASS;
	/* Unshared before the graph is asked, as the bridge does: a frame
	 * left to the stack goes on as the copy. */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;
	*pskb = skb;
	/* The graph gets the whole frame, from the Ethernet header; a frame
	 * it does not take goes to the stack as it came. */
	mac_len = skb->data - skb_mac_header(skb);
	__skb_push(skb, mac_len);
	if (ng_rs_ether_rx(port, skb))
		return RX_HANDLER_CONSUMED;
	__skb_pull(skb, mac_len);
	return RX_HANDLER_PASS;
}

bool ng_shim_ethertype_known(const struct sk_buff *skb)
{
	/* The protocols this kernel's stack handles (mac header pulled:
	 * skb->protocol is set). Anything else would be dropped. */
	switch (skb->protocol) {
	case htons(ETH_P_IP):
	case htons(ETH_P_ARP):
	case htons(ETH_P_IPV6):
	case htons(ETH_P_802_2):
	case htons(ETH_P_8021Q):
	case htons(ETH_P_8021AD):
		return true;
	default:
		return false;
	}
}

int ng_shim_ether_attach_rx(struct net_device *dev, void *port)
{
	ASSERT_RTNL();
	return netdev_rx_handler_register(dev, ng_ether_rx, port);
}

void ng_shim_ether_detach_rx(struct net_device *dev)
{
	ASSERT_RTNL();
	/* Waits for readers (synchronize_net) before returning. */
	netdev_rx_handler_unregister(dev);
}

static unsigned int ng_ether_egress(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct sk_buff *segs, *next;

	if (!ng_rs_ether_wants_tx(priv))
		return NF_ACCEPT;
	if (skb_shared(skb)) {
		struct sk_buff *nskb = skb_clone(skb, GFP_ATOMIC);

		consume_skb(skb);
		if (!nskb)
			return NF_STOLEN;
		skb = nskb;
	}
	/* The graph gets plain frames: no offloads pending. */
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			kfree_skb(skb);
			return NF_STOLEN;
		}
		consume_skb(skb);
		skb_list_walk_safe(segs, skb, next) {
			skb_mark_not_on_list(skb);
			if (skb->ip_summed == CHECKSUM_PARTIAL &&
			    skb_checksum_help(skb)) {
				kfree_skb(skb);
				continue;
			}
			ng_rs_ether_tx(priv, skb);
		}
		return NF_STOLEN;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		kfree_skb(skb);
		return NF_STOLEN;
	}
	ng_rs_ether_tx(priv, skb);
	return NF_STOLEN;
}

int ng_shim_ether_attach_tx(struct net_device *dev, void *port, void **ops)
{
	struct nf_hook_ops *o;
	int err;

	ASSERT_RTNL();
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->hook = ng_ether_egress;
	o->priv = port;
	o->pf = NFPROTO_NETDEV;
	o->hooknum = NF_NETDEV_EGRESS;
	o->priority = INT_MIN;
	o->dev = dev;
	err = nf_register_net_hook(dev_net(dev), o);
	if (err) {
		kfree(o);
		return err;
	}
	*ops = o;
	return 0;
}

void ng_shim_ether_detach_tx(struct net_device *dev, void *ops)
{
	ASSERT_RTNL();
	nf_unregister_net_hook(dev_net(dev), ops);
	/* The hook's readers (and its priv) may run until a grace period. */
	synchronize_net();
	kfree(ops);
}

int ng_shim_ether_xmit(struct net_device *dev, struct sk_buff *skb,
		       bool autosrc)
{
	if (!(dev->flags & IFF_UP) || !netif_running(dev)) {
		kfree_skb(skb);
		return -ENETDOWN;
	}
	if (skb->len < ETH_HLEN) {
		kfree_skb(skb);
		return -EINVAL;
	}
	if (autosrc) {
		if (skb_ensure_writable(skb, ETH_HLEN)) {
			kfree_skb(skb);
			return -ENOBUFS;
		}
		ether_addr_copy(eth_hdr(skb)->h_source, dev->dev_addr);
	}
	/* Within a namespace the frame keeps its route, mark and conntrack
	 * entry, as through the Linux bridge; across, it is scrubbed as veth
	 * does. */
	if (ng_skb_xnet(skb, dev))
		skb_scrub_packet(skb, true);
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb->protocol = eth_hdr(skb)->h_proto;
	/* Straight to the wire: not through `upper` again. */
	nf_skip_egress(skb, true);
	dev_queue_xmit(skb);
	return 0;
}

int ng_shim_ether_inject(struct net_device *dev, struct sk_buff *skb)
{
	if (skb->len < ETH_HLEN) {
		kfree_skb(skb);
		return -EINVAL;
	}
	/* Received again: no route from where it was sent, whatever came
	 * from another namespace cleared. */
	skb_scrub_packet(skb, ng_skb_xnet(skb, dev));
	skb->dev = dev;
	skb->protocol = eth_type_trans(skb, dev);
	*ng_inject_mark(skb) = NG_INJECT_MAGIC;
	netif_rx(skb);
	return 0;
}

/* --- netdevice notifier and namespace exit --- */

static int ng_netdev_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_REGISTER:
	case NETDEV_UNREGISTER:
	case NETDEV_CHANGENAME:
		ng_rs_netdev_event(event == NETDEV_REGISTER ? 1 :
				   event == NETDEV_UNREGISTER ? 2 : 3, dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ng_netdev_notifier = {
	.notifier_call = ng_netdev_event,
};

int ng_dev_register(void)
{
	int err = rtnl_link_register(&ng_eiface_link_ops);

	if (err)
		return err;
	/* Replays NETDEV_REGISTER for every existing device. */
	err = register_netdevice_notifier(&ng_netdev_notifier);
	if (err)
		rtnl_link_unregister(&ng_eiface_link_ops);
	return err;
}

void ng_dev_unregister_notifier(void)
{
	/* Replays NETDEV_UNREGISTER: every ether node goes. */
	unregister_netdevice_notifier(&ng_netdev_notifier);
}

/* After the graphs are gone: no eiface device is left. */
void ng_dev_unregister_link(void)
{
	rtnl_link_unregister(&ng_eiface_link_ops);
}

void ng_dev_net_exit(struct net *net)
{
	rtnl_lock();
	ng_eiface_evacuate(net);
	rtnl_unlock();
}

void ng_shim_rtnl_lock(void)
{
	rtnl_lock();
}

void ng_shim_rtnl_unlock(void)
{
	rtnl_unlock();
}

void ng_shim_assert_rtnl(void)
{
	ASSERT_RTNL();
}
