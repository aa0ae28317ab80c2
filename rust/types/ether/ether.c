// SPDX-License-Identifier: GPL-2.0
/*
 * ether's C glue: its hooks into a device (rx_handler for `lower` and
 * `orphans`, the netdev egress hook for `upper`), transmitting on the wire
 * and injecting into the host stack. The type itself is ether/mod.rs.
 *
 * Locking: attaching and detaching expect the RTNL; the hooks run in BH
 * context under RCU.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <net/gso.h>
#include <linux/if_vlan.h>
#include "netgraph_shim.h"

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

/* The receive handler's data: the Rust port and its type's callbacks. */
struct ng_ether_rx {
	const struct ng_ether_ops *ops;
	void *port;
};

/* The egress hook, with the same. */
struct ng_ether_tx {
	struct nf_hook_ops o;
	const struct ng_ether_ops *ops;
	void *port;
};

static rx_handler_result_t ng_ether_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct ng_ether_rx *port;
	unsigned int mac_len;

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
	if (port->ops->rx(port->port, skb))
		return RX_HANDLER_CONSUMED;
	__skb_pull(skb, mac_len);
	return RX_HANDLER_PASS;
}

bool ng_shim_ethertype_known(const struct sk_buff *skb)
{
	/* The protocols this kernel's stack handles (mac header pulled:
	 * skb->protocol is set). Anything else would be dropped, as would a
	 * frame tagged for a VLAN that has no device here (one that has was
	 * given to it before the rx_handler ran). */
	if (skb_vlan_tag_present(skb) && skb_vlan_tag_get_id(skb))
		return false;
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

int ng_shim_ether_attach_rx(struct net_device *dev, void *port,
			    const struct ng_ether_ops *ops)
{
	struct ng_ether_rx *r;
	int err;

	ASSERT_RTNL();
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->ops = ops;
	r->port = port;
	err = netdev_rx_handler_register(dev, ng_ether_rx, r);
	if (err)
		kfree(r);
	return err;
}

void ng_shim_ether_detach_rx(struct net_device *dev)
{
	struct ng_ether_rx *r = rtnl_dereference(dev->rx_handler_data);

	ASSERT_RTNL();
	/* Waits for readers (synchronize_net) before returning. */
	netdev_rx_handler_unregister(dev);
	kfree(r);
}

static unsigned int ng_ether_egress(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct ng_ether_tx *t = priv;
	struct sk_buff *segs, *next;

	if (!t->ops->wants_tx(t->port))
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
			t->ops->tx(t->port, skb);
		}
		return NF_STOLEN;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		kfree_skb(skb);
		return NF_STOLEN;
	}
	t->ops->tx(t->port, skb);
	return NF_STOLEN;
}

struct ng_ether_tx *ng_shim_ether_attach_tx(struct net_device *dev,
					    void *port,
					    const struct ng_ether_ops *ops,
					    int *err)
{
	struct ng_ether_tx *t;

	ASSERT_RTNL();
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	t->ops = ops;
	t->port = port;
	t->o.hook = ng_ether_egress;
	t->o.priv = t;
	t->o.pf = NFPROTO_NETDEV;
	t->o.hooknum = NF_NETDEV_EGRESS;
	t->o.priority = INT_MIN;
	t->o.dev = dev;
	*err = nf_register_net_hook(dev_net(dev), &t->o);
	if (*err) {
		kfree(t);
		return NULL;
	}
	return t;
}

void ng_shim_ether_detach_tx(struct net_device *dev, struct ng_ether_tx *t)
{
	ASSERT_RTNL();
	nf_unregister_net_hook(dev_net(dev), &t->o);
	/* The hook's readers (and its priv) may run until a grace period. */
	synchronize_net();
	kfree(t);
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
