// SPDX-License-Identifier: GPL-2.0
/*
 * C side of the bridge's building blocks: the forwarding database (an
 * rhashtable keyed by MAC address: lock-free lookups under RCU, inserts from
 * the data path), per-CPU counters, and a periodic tick on the module's
 * workqueue. The Rust side (rust/fdb.rs, rust/percpu.rs, rust/tick.rs) wraps
 * them in safe types.
 */
#include <linux/rhashtable.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include "netgraph_shim.h"

struct ng_fdb {
	struct rhashtable ht;
};

/* The key is the address and the zero padding after it: 8 bytes, so that
 * rhashtable hashes with the inlined jhash2 and compares two words (as the
 * Linux bridge's address-and-VLAN key does). */
struct ng_fdb_key {
	u8 addr[ETH_ALEN];
	u16 zero;
} __aligned(4);

/* An entry's key against a looked-up one, two words in place: rhashtable's
 * default comparison is a memcmp() of the table's run-time key length, an
 * out-of-line call per entry looked at. */
static int ng_fdb_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const u32 *a = (const u32 *)((const struct ng_fdb_entry *)obj)->addr;
	const u32 *b = arg->key;

	return (a[0] ^ b[0]) | (a[1] ^ b[1]);
}

static const struct rhashtable_params ng_fdb_params = {
	.head_offset = offsetof(struct ng_fdb_entry, node),
	.key_offset = offsetof(struct ng_fdb_entry, addr),
	.key_len = sizeof(struct ng_fdb_key),
	.obj_cmpfn = ng_fdb_cmp,
	.automatic_shrinking = true,
};

static inline struct ng_fdb_key ng_fdb_key(const u8 *addr)
{
	struct ng_fdb_key k = { .zero = 0 };

	BUILD_BUG_ON(sizeof(k) != 8);
	BUILD_BUG_ON(offsetof(struct ng_fdb_entry, pad) !=
		     offsetof(struct ng_fdb_entry, addr) + ETH_ALEN);
	BUILD_BUG_ON(offsetof(struct ng_fdb_entry, addr) % 4);
	memcpy(k.addr, addr, ETH_ALEN);
	return k;
}

struct ng_fdb *ng_shim_fdb_new(void)
{
	struct ng_fdb *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	if (rhashtable_init(&f->ht, &ng_fdb_params)) {
		kfree(f);
		return NULL;
	}
	return f;
}

static void ng_fdb_free_entry(void *ptr, void *arg)
{
	kfree(ptr);
}

void ng_shim_fdb_destroy(struct ng_fdb *f)
{
	if (!f)
		return;
	/* No readers are left (the owner is released after a grace period);
	 * entries removed earlier may still wait for kfree_rcu. */
	rhashtable_free_and_destroy(&f->ht, ng_fdb_free_entry, NULL);
	kfree(f);
}

static __always_inline struct ng_fdb_entry *ng_fdb_lookup(struct ng_fdb *f,
							 const u8 *addr)
{
	struct ng_fdb_key k = ng_fdb_key(addr);

	return rhashtable_lookup(&f->ht, &k, ng_fdb_params);
}

struct ng_fdb_entry *ng_shim_fdb_lookup(struct ng_fdb *f, const u8 *addr)
{
	return ng_fdb_lookup(f, addr);
}

struct ng_fdb_pair ng_shim_fdb_lookup2(struct ng_fdb *f, const u8 *a,
					const u8 *b)
{
	struct ng_fdb_pair r = { .a = ng_fdb_lookup(f, a) };

	if (b)
		r.b = ng_fdb_lookup(f, b);
	return r;
}

struct ng_fdb_entry *ng_shim_fdb_learn(struct ng_fdb *f, const u8 *addr,
				       u32 link, bool atomic)
{
	struct ng_fdb_entry *e, *old;

	e = kzalloc(sizeof(*e), atomic ? GFP_ATOMIC : GFP_KERNEL);
	if (!e)
		return NULL;
	memcpy(e->addr, addr, ETH_ALEN);
	e->link = link;
	old = rhashtable_lookup_get_insert_fast(&f->ht, &e->node, ng_fdb_params);
	if (!old)
		return e;
	kfree(e);
	/* Someone else inserted it first: theirs; or an error (no memory,
	 * table too busy). */
	return IS_ERR(old) ? NULL : old;
}

void ng_shim_fdb_remove(struct ng_fdb *f, struct ng_fdb_entry *e)
{
	if (!rhashtable_remove_fast(&f->ht, &e->node, ng_fdb_params))
		kfree_rcu(e, rcu);
}

u32 ng_shim_fdb_count(struct ng_fdb *f)
{
	return atomic_read(&f->ht.nelems);
}

void ng_shim_fdb_walk(struct ng_fdb *f,
		      bool (*cb)(void *ctx, struct ng_fdb_entry *e), void *ctx)
{
	struct rhashtable_iter it;
	struct ng_fdb_entry *e;

	unsigned int n = 0;

	might_sleep();
	rhashtable_walk_enter(&f->ht, &it);
	rhashtable_walk_start(&it);
	for (;;) {
		e = rhashtable_walk_next(&it);
		if (IS_ERR(e)) {
			if (PTR_ERR(e) == -EAGAIN)
				continue;
			break;
		}
		if (!e || !cb(ctx, e))
			break;
		/* Millions of entries: leave the read section now and then, so
		 * that the walk stalls neither RCU nor the CPU. */
		if (++n % 1024 == 0) {
			rhashtable_walk_stop(&it);
			cond_resched();
			rhashtable_walk_start(&it);
		}
	}
	rhashtable_walk_stop(&it);
	rhashtable_walk_exit(&it);
}

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
	void *ctx;
	unsigned long period;
};

static void ng_tick_fn(struct work_struct *w)
{
	struct ng_tick *t = container_of(to_delayed_work(w), struct ng_tick,
					 work);

	ng_rs_tick(t->ctx);
	queue_delayed_work(ng_shim_wq(), &t->work, t->period);
}

struct ng_tick *ng_shim_tick_start(void *ctx, unsigned int ms)
{
	struct ng_tick *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
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

/* --- resumable walks (dumps) --- */

struct ng_fdb_iter {
	struct rhashtable_iter it;
};

struct ng_fdb_iter *ng_shim_fdb_iter_new(struct ng_fdb *f)
{
	struct ng_fdb_iter *i = kzalloc(sizeof(*i), GFP_KERNEL);

	if (i)
		rhashtable_walk_enter(&f->ht, &i->it);
	return i;
}

bool ng_shim_fdb_iter_walk(struct ng_fdb_iter *i,
			   bool (*cb)(void *ctx, struct ng_fdb_entry *e),
			   void *ctx)
{
	struct ng_fdb_entry *e;
	bool done = false;

	rhashtable_walk_start(&i->it);
	for (;;) {
		e = rhashtable_walk_peek(&i->it);
		if (IS_ERR(e)) {
			if (PTR_ERR(e) == -EAGAIN)
				continue;
			done = true;
			break;
		}
		if (!e) {
			done = true;
			break;
		}
		/* Refused (message full): it stays the next one. */
		if (!cb(ctx, e))
			break;
		rhashtable_walk_next(&i->it);
	}
	rhashtable_walk_stop(&i->it);
	return done;
}

void ng_shim_fdb_iter_free(struct ng_fdb_iter *i)
{
	rhashtable_walk_exit(&i->it);
	kfree(i);
}
