// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters and a periodic tick on the module's workqueue (the Rust
 * side: ffi/percpu.rs, ffi/tick.rs).
 */
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include "netgraph_shim.h"

/* --- per-CPU counters --- */

void *ng_shim_pcpu_alloc(unsigned int n)
{
	return (void __force *)__alloc_percpu(n * sizeof(u64), sizeof(u64));
}

void ng_shim_pcpu_free(void *p)
{
	free_percpu((void __percpu __force *)p);
}

void ng_shim_pcpu_add(void *p, unsigned int i, u64 v)
{
	u64 __percpu *c = (u64 __percpu __force *)p;

	this_cpu_add(c[i], v);
}

void ng_shim_pcpu_add_frame(void *p, unsigned int packets,
			    unsigned int octets, u64 len, int extra)
{
	u64 __percpu *c = (u64 __percpu __force *)p;

	this_cpu_inc(c[packets]);
	this_cpu_add(c[octets], len);
	if (extra >= 0)
		this_cpu_inc(c[extra]);
}

u64 ng_shim_pcpu_sum(void *p, unsigned int i)
{
	u64 __percpu *c = (u64 __percpu __force *)p;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(&c[i], cpu));
	return sum;
}

void ng_shim_pcpu_clear(void *p, unsigned int n)
{
	u64 __percpu *c = (u64 __percpu __force *)p;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu)
		for (i = 0; i < n; i++)
			WRITE_ONCE(*per_cpu_ptr(&c[i], cpu), 0);
}

/* --- periodic tick --- */

struct ng_tick {
	struct delayed_work work;
	void (*fn)(void *ctx);
	void *ctx;
	unsigned long period;
};

static void ng_tick_fn(struct work_struct *w)
{
	struct ng_tick *t = container_of(to_delayed_work(w), struct ng_tick,
					 work);

	t->fn(t->ctx);
	queue_delayed_work(ng_shim_wq(), &t->work, t->period);
}

struct ng_tick *ng_shim_tick_start(void (*fn)(void *ctx), void *ctx,
				   unsigned int ms)
{
	struct ng_tick *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	t->fn = fn;
	t->ctx = ctx;
	t->period = msecs_to_jiffies(ms);
	INIT_DELAYED_WORK(&t->work, ng_tick_fn);
	queue_delayed_work(ng_shim_wq(), &t->work, t->period);
	return t;
}

void ng_shim_tick_stop(struct ng_tick *t)
{
	/* Also waits for a running tick (which re-arms: cancel handles it). */
	disable_delayed_work_sync(&t->work);
	kfree(t);
}
