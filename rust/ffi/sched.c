// SPDX-License-Identifier: GPL-2.0
/*
 * Building blocks for node types that hold frames (pipe): high-resolution
 * timers that call back into Rust in softirq context, spinlocks taken with
 * bottom halves disabled, and the frame operations of a queue (links,
 * scratch space, detaching a frame from its socket and route). The Rust
 * side (ffi/sched.rs, ffi/skb.rs) wraps them.
 */

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "netgraph_shim.h"

struct ng_timer {
	struct hrtimer t;
	void (*fn)(void *ctx, u32 which);
	void *ctx;
	u32 which;
};

static enum hrtimer_restart ng_timer_fn(struct hrtimer *h)
{
	struct ng_timer *t = container_of(h, struct ng_timer, t);

	t->fn(t->ctx, t->which);
	return HRTIMER_NORESTART;
}

struct ng_timer *ng_shim_timer_new(void (*fn)(void *ctx, u32 which),
				   void *ctx, u32 which)
{
	struct ng_timer *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	/* Soft: the callback runs in softirq context, like the network
	 * stack's own timers (netem's watchdog), not in hard interrupts. */
	hrtimer_init(&t->t, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	t->t.function = ng_timer_fn;
	t->fn = fn;
	t->ctx = ctx;
	t->which = which;
	return t;
}

void ng_shim_timer_arm(struct ng_timer *t, u64 at_ns)
{
	hrtimer_start(&t->t, ns_to_ktime(at_ns), HRTIMER_MODE_ABS_SOFT);
}

void ng_shim_timer_free(struct ng_timer *t)
{
	hrtimer_cancel(&t->t);
	kfree(t);
}

u64 ng_shim_now_ns(void)
{
	return ktime_get_ns();
}

void ng_shim_spin_lock_bh(spinlock_t *l)
{
	spin_lock_bh(l);
}

void ng_shim_spin_unlock_bh(spinlock_t *l)
{
	spin_unlock_bh(l);
}

void ng_shim_skb_park(struct sk_buff *skb)
{
	/* A held frame must not pin its socket's send buffer, its route (and
	 * through it a device being unregistered) or a device pointer. */
	skb_scrub_packet(skb, false);
	skb_orphan(skb);
	skb->dev = NULL;
}

unsigned int ng_shim_skb_copy_prefix(const struct sk_buff *skb, void *to,
				     unsigned int len)
{
	unsigned int n = min(len, skb->len);

	if (skb_copy_bits(skb, 0, to, n))
		return 0;
	return n;
}
