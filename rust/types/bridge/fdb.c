// SPDX-License-Identifier: GPL-2.0
/*
 * bridge's C glue: the forwarding database, an rhashtable keyed by MAC
 * address (lock-free lookups under RCU, inserts from the data path), and
 * resumable walks for dumps. The Rust side is ffi/fdb.rs; the type itself
 * is bridge/mod.rs.
 */
#include <linux/rhashtable.h>
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
