/*
 * merkle.c - RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
 *
 * Proofs are generated with the recursive definitions of RFC 6962 section
 * 2.1 (PATH and SUBPROOF) over perfect subtrees fetched by (level, index);
 * they are verified with the iterative algorithms of RFC 9162 sections
 * 2.1.3.2 and 2.1.4.2, so generation and verification are independent code.
 */
#include <med/codec.h>
#include <med/merkle.h>

#include <sodium.h>
#include <string.h>

#define HLEN MED_MERKLE_HASH_LEN

void
med_merkle_leaf_hash(const uint8_t *entry, size_t len, uint8_t out[HLEN])
{
	crypto_hash_sha256_state st;
	static const uint8_t prefix = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, entry, len);
	crypto_hash_sha256_final(&st, out);
}

void
med_merkle_node_hash(const uint8_t left[HLEN], const uint8_t right[HLEN],
		     uint8_t out[HLEN])
{
	uint8_t buf[1 + 2 * HLEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, HLEN);
	memcpy(buf + 1 + HLEN, right, HLEN);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

void
med_merkle_empty_root(uint8_t out[HLEN])
{
	crypto_hash_sha256(out, NULL, 0);
}

/* largest_pow2_below returns the largest power of two < n (n >= 2). */
static uint64_t
largest_pow2_below(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

static bool
is_pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static unsigned
log2_of(uint64_t pow2)
{
	unsigned l = 0;

	while ((UINT64_C(1) << l) < pow2)
		l++;
	return l;
}

/*
 * subtree_hash computes MTH(D[start : start + len]).  Ranges met during the
 * RFC recursions start on a multiple of their largest power-of-two split, so
 * only the right edge recurses: O(log len) node reads.
 */
static med_err
subtree_hash(uint64_t start, uint64_t len, med_merkle_node_fn get, void *ctx,
	     uint8_t out[HLEN])
{
	uint8_t left[HLEN], right[HLEN];
	uint64_t k;
	med_err err;

	if (is_pow2(len) && start % len == 0) {
		unsigned level = log2_of(len);
		return get(ctx, level, start >> level, out);
	}
	if (len < 2)
		return MED_ERR_INTERNAL;
	k = largest_pow2_below(len);
	if ((err = subtree_hash(start, k, get, ctx, left)) != MED_OK ||
	    (err = subtree_hash(start + k, len - k, get, ctx, right)) != MED_OK)
		return err;
	med_merkle_node_hash(left, right, out);
	return MED_OK;
}

med_err
med_merkle_root(uint64_t size, med_merkle_node_fn get, void *ctx,
		uint8_t out[HLEN])
{
	if (size == 0) {
		med_merkle_empty_root(out);
		return MED_OK;
	}
	return subtree_hash(0, size, get, ctx, out);
}

/* path_rec is PATH(m, D[start : start + n]) of RFC 6962 2.1.1. */
static med_err
path_rec(uint64_t m, uint64_t start, uint64_t n, med_merkle_node_fn get,
	 void *ctx, uint8_t (*path)[HLEN], size_t *len)
{
	uint64_t k;
	med_err err;

	if (n <= 1)
		return MED_OK;
	if (*len >= MED_MERKLE_MAX_PROOF)
		return MED_ERR_INTERNAL;
	k = largest_pow2_below(n);
	if (m < k) {
		err = path_rec(m, start, k, get, ctx, path, len);
		if (err == MED_OK)
			err = subtree_hash(start + k, n - k, get, ctx,
					   path[(*len)++]);
		return err;
	}
	err = path_rec(m - k, start + k, n - k, get, ctx, path, len);
	if (err == MED_OK)
		err = subtree_hash(start, k, get, ctx, path[(*len)++]);
	return err;
}

med_err
med_merkle_inclusion_proof(uint64_t index, uint64_t size,
			   med_merkle_node_fn get, void *ctx,
			   uint8_t (*path)[HLEN], size_t *n)
{
	size_t len = 0;
	med_err err;

	if (index >= size)
		return MED_ERR_INVALID;
	err = path_rec(index, 0, size, get, ctx, path, &len);
	if (err == MED_OK)
		*n = len;
	return err;
}

/* subproof_rec is SUBPROOF(m, D[start : start + n], b) of RFC 6962 2.1.2. */
static med_err
subproof_rec(uint64_t m, uint64_t start, uint64_t n, bool b,
	     med_merkle_node_fn get, void *ctx, uint8_t (*path)[HLEN],
	     size_t *len)
{
	uint64_t k;
	med_err err;

	if (*len >= MED_MERKLE_MAX_PROOF)
		return MED_ERR_INTERNAL;
	if (m == n) {
		if (b)
			return MED_OK;
		return subtree_hash(start, n, get, ctx, path[(*len)++]);
	}
	k = largest_pow2_below(n);
	if (m <= k) {
		err = subproof_rec(m, start, k, b, get, ctx, path, len);
		if (err == MED_OK)
			err = subtree_hash(start + k, n - k, get, ctx,
					   path[(*len)++]);
		return err;
	}
	err = subproof_rec(m - k, start + k, n - k, false, get, ctx, path, len);
	if (err == MED_OK)
		err = subtree_hash(start, k, get, ctx, path[(*len)++]);
	return err;
}

med_err
med_merkle_consistency_proof(uint64_t first, uint64_t second,
			     med_merkle_node_fn get, void *ctx,
			     uint8_t (*path)[HLEN], size_t *n)
{
	size_t len = 0;
	med_err err;

	if (first == 0 || first > second)
		return MED_ERR_INVALID;
	err = subproof_rec(first, 0, second, true, get, ctx, path, &len);
	if (err == MED_OK)
		*n = len;
	return err;
}

bool
med_merkle_verify_inclusion(uint64_t index, uint64_t size,
			    const uint8_t leaf_hash[HLEN],
			    const uint8_t (*path)[HLEN], size_t n,
			    const uint8_t root[HLEN])
{
	uint64_t fn = index, sn = size - 1;
	uint8_t r[HLEN];

	if (index >= size)
		return false;
	memcpy(r, leaf_hash, HLEN);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			med_merkle_node_hash(path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			med_merkle_node_hash(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r, root, HLEN) == 0;
}

/* consistency_walk runs steps 2-5 of RFC 9162 2.1.4.2 over p[0..n). */
static bool
consistency_walk(uint64_t first, uint64_t second, const uint8_t (*p)[HLEN],
		 size_t n, uint8_t fr[HLEN], uint8_t sr[HLEN])
{
	uint64_t fn = first - 1, sn = second - 1;

	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, p[0], HLEN);
	memcpy(sr, p[0], HLEN);
	for (size_t i = 1; i < n; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			med_merkle_node_hash(p[i], fr, fr);
			med_merkle_node_hash(p[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			med_merkle_node_hash(sr, p[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0;
}

bool
med_merkle_verify_consistency(uint64_t first, uint64_t second,
			      const uint8_t first_root[HLEN],
			      const uint8_t second_root[HLEN],
			      const uint8_t (*path)[HLEN], size_t n)
{
	uint8_t p[MED_MERKLE_MAX_PROOF + 1][HLEN];
	uint8_t fr[HLEN], sr[HLEN];
	size_t len = 0;

	if (first == 0 || first > second || n > MED_MERKLE_MAX_PROOF)
		return false;
	if (first == second)
		return n == 0 &&
		       sodium_memcmp(first_root, second_root, HLEN) == 0;
	if (n == 0)
		return false;
	/* Step 1: a power-of-two first tree is itself a node of the proof. */
	if (is_pow2(first))
		memcpy(p[len++], first_root, HLEN);
	memcpy(p + len, path, n * HLEN);
	len += n;
	if (!consistency_walk(first, second, (const uint8_t(*)[HLEN])p, len, fr,
			      sr))
		return false;
	return sodium_memcmp(fr, first_root, HLEN) == 0 &&
	       sodium_memcmp(sr, second_root, HLEN) == 0;
}

med_err
med_merkle_frontier_load(med_merkle_frontier *f, uint64_t size,
			 med_merkle_node_fn get, void *ctx)
{
	med_merkle_frontier tmp;
	med_err err;

	memset(&tmp, 0, sizeof(tmp));
	tmp.size = size;
	for (unsigned l = 0; l < MED_MERKLE_MAX_LEVEL; l++) {
		if (!(size >> l & 1))
			continue;
		err = get(ctx, l, (size >> l) - 1, tmp.node[l]);
		if (err != MED_OK)
			return err;
	}
	*f = tmp;
	return MED_OK;
}

med_err
med_merkle_frontier_append(med_merkle_frontier *f,
			   const uint8_t leaf_hash[HLEN],
			   med_merkle_emit_fn emit, void *ctx)
{
	uint64_t i = f->size;
	unsigned l = 0;
	uint8_t h[HLEN];
	med_err err;

	memcpy(h, leaf_hash, HLEN);
	if (emit != NULL && (err = emit(ctx, 0, i, h)) != MED_OK)
		return err;
	while (i & 1) {
		med_merkle_node_hash(f->node[l], h, h);
		i >>= 1;
		l++;
		if (emit != NULL && (err = emit(ctx, l, i, h)) != MED_OK)
			return err;
	}
	memcpy(f->node[l], h, HLEN);
	f->size++;
	return MED_OK;
}

void
med_merkle_frontier_root(const med_merkle_frontier *f, uint8_t out[HLEN])
{
	bool have = false;

	for (unsigned l = 0; l < MED_MERKLE_MAX_LEVEL; l++) {
		if (!(f->size >> l & 1))
			continue;
		if (have)
			med_merkle_node_hash(f->node[l], out, out);
		else
			memcpy(out, f->node[l], HLEN);
		have = true;
	}
	if (!have)
		med_merkle_empty_root(out);
}

med_err
med_merkle_node_list_add(void *ctx, unsigned level, uint64_t index,
			 const uint8_t hash[HLEN])
{
	med_merkle_node_list *l = ctx;

	if (level == 0)
		return MED_OK;
	if (l->n == l->cap)
		return MED_ERR_LIMIT;
	l->items[l->n].level = level;
	l->items[l->n].index = index;
	memcpy(l->items[l->n].hash, hash, HLEN);
	l->n++;
	return MED_OK;
}

/* level_check - one level's walk of med_merkle_nodes_check: the list's
 * nodes of that level are met in index order as the stored ones arrive. */
typedef struct level_check {
	const med_merkle_node_list *list;
	unsigned level;
	size_t at; /* next list item to look at */
	med_merkle_node *bad;
	bool *missing;
} level_check;

/* next_of_level moves c->at to the next item of c->level; false at end. */
static bool
next_of_level(level_check *c)
{
	while (c->at < c->list->n && c->list->items[c->at].level != c->level)
		c->at++;
	return c->at < c->list->n;
}

static med_err
level_fail(level_check *c, bool missing)
{
	*c->bad = c->list->items[c->at];
	*c->missing = missing;
	return MED_ERR_DATA_LOSS;
}

static med_err
on_stored_node(void *ctx, unsigned level, uint64_t index,
	       const uint8_t hash[HLEN])
{
	level_check *c = ctx;
	const med_merkle_node *want;

	(void)level;
	if (!next_of_level(c))
		return MED_OK;
	want = &c->list->items[c->at];
	if (want->index < index)
		return level_fail(c, true);
	if (want->index > index)
		return MED_OK;
	if (sodium_memcmp(want->hash, hash, HLEN) != 0)
		return level_fail(c, false);
	c->at++;
	return MED_OK;
}

/* level_range finds the first and last index of level in list. */
static bool
level_range(const med_merkle_node_list *list, unsigned level, uint64_t *first,
	    uint64_t *last)
{
	bool any = false;

	for (size_t i = 0; i < list->n; i++) {
		if (list->items[i].level != level)
			continue;
		if (!any)
			*first = list->items[i].index;
		*last = list->items[i].index;
		any = true;
	}
	return any;
}

med_err
med_merkle_nodes_check(const med_merkle_node_list *list,
		       med_merkle_range_fn read, void *ctx,
		       med_merkle_node *bad, bool *missing)
{
	for (unsigned l = 1; l < MED_MERKLE_MAX_LEVEL; l++) {
		level_check c = {list, l, 0, bad, missing};
		uint64_t first = 0, last = 0;
		med_err err;

		if (!level_range(list, l, &first, &last))
			continue;
		err = read(ctx, l, first, last, on_stored_node, &c);
		if (err != MED_OK)
			return err;
		/* What the store did not return is missing. */
		if (next_of_level(&c))
			return level_fail(&c, true);
	}
	return MED_OK;
}

void
med_merkle_hex(const uint8_t h[HLEN], char out[2 * HLEN + 1])
{
	med_hex_encode(out, MED_HEX_LEN(HLEN), h, HLEN);
}

bool
med_merkle_unhex(const char *s, uint8_t out[HLEN])
{
	uint8_t tmp[HLEN];
	size_t n;

	if (s == NULL || strlen(s) != 2 * HLEN ||
	    med_hex_decode(s, 2 * HLEN, tmp, HLEN, &n) != MED_OK)
		return false;
	memcpy(out, tmp, HLEN);
	return true;
}
