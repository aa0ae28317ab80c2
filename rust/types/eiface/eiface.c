// SPDX-License-Identifier: GPL-2.0
/*
 * eiface's C glue: the net_device (netdev ops, rtnl link ops, moving
 * devices home when a namespace dies). The Rust side (ffi/netdev.rs) holds
 * opaque pointers; the type itself is eiface/mod.rs.
 *
 * Locking: functions that change a device expect the RTNL; transmit and
 * receive run in BH context under RCU.
 */
#include "netgraph_shim.h"

/* --- eiface --- */

struct ng_eiface_priv {
	/* The Rust port (an Arc reference owned by this device) and the
	 * callbacks for its type. */
	void *port;
	const struct ng_eiface_ops *ops;
	/* The namespace of the node that owns this device (not refcounted:
	 * the node's namespace outlives the device, see ng_net_exit). */
	struct net *home;
};

static netdev_tx_t ng_eiface_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ng_eiface_priv *p = netdev_priv(dev);
	unsigned int len = skb->len;

	if (p->ops->xmit(p->port, skb) == 0)
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
	p->ops->gone(p->port);
}

static void ng_eiface_destructor(struct net_device *dev)
{
	struct ng_eiface_priv *p = netdev_priv(dev);

	if (p->port)
		p->ops->release(p->port);
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

	p->ops->dellink(p->port, dev);
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
			  void *port, const struct ng_eiface_ops *ops,
			  struct net_device **out)
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
	p->ops = ops;
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
void ng_eiface_evacuate(struct net *net)
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

int ng_eiface_register(void)
{
	return rtnl_link_register(&ng_eiface_link_ops);
}

void ng_eiface_unregister(void)
{
	rtnl_link_unregister(&ng_eiface_link_ops);
}
