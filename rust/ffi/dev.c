// SPDX-License-Identifier: GPL-2.0
/*
 * Devices in general: safe accessors for the Rust side (ffi/netdev.rs), the
 * netdevice notifier, and the RTNL.
 */
#include <linux/if_arp.h>
#include "netgraph_shim.h"

/* Whether a frame leaving the graph by dev crosses namespaces. skb->dev is
 * the device the frame entered the graph by, alive while the graph handles
 * the frame synchronously (rx handler, device transmit, egress hook: all
 * inside an RCU read section the device's unregistration waits for), or
 * NULL: made by the graph, or held for a while (ng_shim_skb_park). */
bool ng_skb_xnet(const struct sk_buff *skb, const struct net_device *dev)
{
	return !skb->dev || !net_eq(dev_net(skb->dev), dev_net(dev));
}

/* --- devices in general --- */

void ng_shim_dev_hold(struct net_device *dev)
{
	dev_hold(dev);
}

void ng_shim_dev_put(struct net_device *dev)
{
	dev_put(dev);
}

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

/* --- netdevice notifier and namespace exit --- */

static int ng_netdev_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_REGISTER:
	case NETDEV_UNREGISTER:
	case NETDEV_CHANGENAME:
		ng_module()->netdev_event(event == NETDEV_REGISTER ? 1 :
					  event == NETDEV_UNREGISTER ? 2 : 3,
					  dev);
		break;
	/* Carrier changes come as NETDEV_CHANGE (from linkwatch); up and
	 * down as their own events. The link is up when the device runs and
	 * has carrier. */
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		ng_module()->netdev_event(netif_running(dev) &&
					  netif_carrier_ok(dev) ? 4 : 5, dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ng_netdev_notifier = {
	.notifier_call = ng_netdev_event,
};

int ng_dev_register(void)
{
	int err = ng_eiface_register();

	if (err)
		return err;
	/* Replays NETDEV_REGISTER for every existing device. */
	err = register_netdevice_notifier(&ng_netdev_notifier);
	if (err)
		ng_eiface_unregister();
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
	ng_eiface_unregister();
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
