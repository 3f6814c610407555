/*
 * test_merkle.c - RFC 6962 / RFC 9162 hashing, proofs and verification.
 *
 * Roots are checked against the RFC 6962 test vectors used by Certificate
 * Transparency (eight leaves); proofs for every tree size 1..N and every
 * leaf or prefix are compared with a naive recursive implementation that
 * works on the leaves directly, then verified, then tampered with.
 */
#include "testlib.h"

#include <med/merkle.h>

#define N	  70
#define LEVELS	  8
#define HLEN	  MED_MERKLE_HASH_LEN
#define MAX_PROOF MED_MERKLE_MAX_PROOF

typedef struct store {
	uint8_t node[LEVELS][N][HLEN];
	bool have[LEVELS][N];
	uint8_t leaf[N][HLEN];
	int reads;
} store;

static store S;

static med_err
get_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HLEN])
{
	store *s = ctx;

	if (level >= LEVELS || index >= N || !s->have[level][index])
		return MED_ERR_NOT_FOUND;
	memcpy(out, s->node[level][index], HLEN);
	s->reads++;
	return MED_OK;
}

static med_err
put_node(void *ctx, unsigned level, uint64_t index, const uint8_t h[HLEN])
{
	store *s = ctx;

	if (level >= LEVELS || index >= N || s->have[level][index])
		return MED_ERR_INTERNAL;
	memcpy(s->node[level][index], h, HLEN);
	s->have[level][index] = true;
	return MED_OK;
}

/* fill appends N leaves, entry i = the byte i repeated i % 5 times. */
static void
fill(med_merkle_frontier *f)
{
	memset(&S, 0, sizeof(S));
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < N; i++) {
		uint8_t e[8];
		memset(e, i, sizeof(e));
		med_merkle_leaf_hash(e, (size_t)(i % 5), S.leaf[i]);
		MT_OK(med_merkle_frontier_append(f, S.leaf[i], put_node, &S));
	}
}

/* naive_mth is MTH(D[a:b]) straight from the definition. */
static void
naive_mth(uint64_t a, uint64_t b, uint8_t out[HLEN])
{
	uint8_t l[HLEN], r[HLEN];
	uint64_t k = 1;

	if (b - a == 1) {
		memcpy(out, S.leaf[a], HLEN);
		return;
	}
	while (k < b - a - k)
		k <<= 1;
	naive_mth(a, a + k, l);
	naive_mth(a + k, b, r);
	med_merkle_node_hash(l, r, out);
}

static void
naive_path(uint64_t m, uint64_t a, uint64_t b, uint8_t (*p)[HLEN], size_t *n)
{
	uint64_t k = 1;

	if (b - a <= 1)
		return;
	while (k < b - a - k)
		k <<= 1;
	if (m < k) {
		naive_path(m, a, a + k, p, n);
		naive_mth(a + k, b, p[(*n)++]);
	} else {
		naive_path(m - k, a + k, b, p, n);
		naive_mth(a, a + k, p[(*n)++]);
	}
}

static void
naive_subproof(uint64_t m, uint64_t a, uint64_t b, bool flag,
	       uint8_t (*p)[HLEN], size_t *n)
{
	uint64_t k = 1;

	if (m == b - a) {
		if (!flag)
			naive_mth(a, b, p[(*n)++]);
		return;
	}
	while (k < b - a - k)
		k <<= 1;
	if (m <= k) {
		naive_subproof(m, a, a + k, flag, p, n);
		naive_mth(a + k, b, p[(*n)++]);
	} else {
		naive_subproof(m - k, a + k, b, false, p, n);
		naive_mth(a, a + k, p[(*n)++]);
	}
}

static void
expect_hex(const uint8_t h[HLEN], const char *want)
{
	char hex[2 * HLEN + 1];

	med_merkle_hex(h, hex);
	MT_EQ_STR(hex, want);
}

static void
test_rfc6962_vectors(void)
{
	static const uint8_t d[] = {0x00, 0x10, 0x20, 0x21, 0x30, 0x31,
				    0x40, 0x41, 0x42, 0x43, 0x50, 0x51,
				    0x52, 0x53, 0x54, 0x55, 0x56, 0x57};
	static const struct {
		size_t off, len;
	} leaves[8] = {{0, 0}, {0, 1}, {1, 1},	{2, 2},
		       {4, 2}, {6, 4}, {10, 8}, {0, 16}};
	static const char *const roots[8] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa0"
		"1d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c1"
		"25",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e"
		"77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614"
		"b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264"
		"d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087"
		"ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c"
		"8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff46043"
		"28",
	};
	uint8_t last[16], h[HLEN], root[HLEN];
	med_merkle_frontier f;

	for (int i = 0; i < 16; i++)
		last[i] = (uint8_t)(0x60 + i);
	memset(&S, 0, sizeof(S));
	memset(&f, 0, sizeof(f));
	for (int i = 0; i < 8; i++) {
		const uint8_t *e = i == 7 ? last : d + leaves[i].off;
		med_merkle_leaf_hash(e, leaves[i].len, h);
		MT_OK(med_merkle_frontier_append(&f, h, put_node, &S));
		med_merkle_frontier_root(&f, root);
		expect_hex(root, roots[i]);
		MT_OK(med_merkle_root((uint64_t)i + 1, get_node, &S, root));
		expect_hex(root, roots[i]);
	}
	med_merkle_empty_root(root);
	expect_hex(root, "e3b0c44298fc1c149afbf4c8996fb924"
			 "27ae41e4649b934ca495991b7852b855");
}

static void
test_roots_match_naive(void)
{
	med_merkle_frontier f, g;
	uint8_t a[HLEN], b[HLEN];

	fill(&f);
	for (uint64_t n = 1; n <= N; n++) {
		naive_mth(0, n, a);
		S.reads = 0;
		MT_OK(med_merkle_root(n, get_node, &S, b));
		MT_TRUE(memcmp(a, b, HLEN) == 0);
		MT_TRUE(S.reads <= 8); /* one per set bit of n */
		MT_OK(med_merkle_frontier_load(&g, n, get_node, &S));
		med_merkle_frontier_root(&g, b);
		MT_TRUE(memcmp(a, b, HLEN) == 0);
	}
}

static void
check_inclusion(uint64_t m, uint64_t n)
{
	uint8_t want[MAX_PROOF][HLEN], got[MAX_PROOF][HLEN], root[HLEN];
	size_t nw = 0, ng = 0;

	naive_path(m, 0, n, want, &nw);
	MT_OK(med_merkle_inclusion_proof(m, n, get_node, &S, got, &ng));
	MT_EQ_INT(ng, nw);
	MT_TRUE(memcmp(got, want, nw * HLEN) == 0);
	naive_mth(0, n, root);
	MT_TRUE(med_merkle_verify_inclusion(
		m, n, S.leaf[m], (const uint8_t(*)[HLEN])got, ng, root));
	/* Any changed hash, index or path length must fail.  (The size is
	 * bound to the root by the signed tree head, not by the path.) */
	for (size_t i = 0; i < ng; i++) {
		got[i][i % HLEN] ^= 1;
		MT_TRUE(!med_merkle_verify_inclusion(
			m, n, S.leaf[m], (const uint8_t(*)[HLEN])got, ng,
			root));
		got[i][i % HLEN] ^= 1;
	}
	if (n > 1)
		MT_TRUE(!med_merkle_verify_inclusion(
			(m + 1) % n, n, S.leaf[m], (const uint8_t(*)[HLEN])got,
			ng, root));
	if (ng > 0)
		MT_TRUE(!med_merkle_verify_inclusion(
			m, n, S.leaf[m], (const uint8_t(*)[HLEN])got, ng - 1,
			root));
}

static void
test_inclusion_every_size(void)
{
	med_merkle_frontier f;
	uint8_t p[MAX_PROOF][HLEN];
	size_t n;

	fill(&f);
	for (uint64_t size = 1; size <= N; size++)
		for (uint64_t m = 0; m < size; m++)
			check_inclusion(m, size);
	MT_EQ_INT(med_merkle_inclusion_proof(5, 5, get_node, &S, p, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_merkle_inclusion_proof(0, 0, get_node, &S, p, &n),
		  MED_ERR_INVALID);
}

static void
check_consistency(uint64_t m, uint64_t n)
{
	uint8_t want[MAX_PROOF][HLEN], got[MAX_PROOF][HLEN];
	uint8_t r1[HLEN], r2[HLEN];
	size_t nw = 0, ng = 0;

	naive_subproof(m, 0, n, true, want, &nw);
	MT_OK(med_merkle_consistency_proof(m, n, get_node, &S, got, &ng));
	MT_EQ_INT(ng, nw);
	MT_TRUE(memcmp(got, want, nw * HLEN) == 0);
	naive_mth(0, m, r1);
	naive_mth(0, n, r2);
	MT_TRUE(med_merkle_verify_consistency(m, n, r1, r2,
					      (const uint8_t(*)[HLEN])got, ng));
	for (size_t i = 0; i < ng; i++) {
		got[i][0] ^= 0x80;
		MT_TRUE(!med_merkle_verify_consistency(
			m, n, r1, r2, (const uint8_t(*)[HLEN])got, ng));
		got[i][0] ^= 0x80;
	}
	r1[3] ^= 4;
	MT_TRUE(!med_merkle_verify_consistency(
		m, n, r1, r2, (const uint8_t(*)[HLEN])got, ng));
	r1[3] ^= 4;
	r2[7] ^= 2;
	MT_TRUE(!med_merkle_verify_consistency(
		m, n, r1, r2, (const uint8_t(*)[HLEN])got, ng));
}

static void
test_consistency_every_pair(void)
{
	med_merkle_frontier f;
	uint8_t p[MAX_PROOF][HLEN], r[HLEN];
	size_t n;

	fill(&f);
	for (uint64_t size = 1; size <= N; size++)
		for (uint64_t m = 1; m <= size; m++)
			check_consistency(m, size);
	MT_EQ_INT(med_merkle_consistency_proof(0, 4, get_node, &S, p, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_merkle_consistency_proof(5, 4, get_node, &S, p, &n),
		  MED_ERR_INVALID);
	naive_mth(0, 4, r);
	MT_TRUE(!med_merkle_verify_consistency(0, 4, r, r,
					       (const uint8_t(*)[HLEN])p, 0));
	MT_TRUE(!med_merkle_verify_consistency(3, 4, r, r,
					       (const uint8_t(*)[HLEN])p, 0));
}

static void
test_proof_reads_are_logarithmic(void)
{
	med_merkle_frontier f;
	uint8_t p[MAX_PROOF][HLEN];
	size_t n;

	fill(&f);
	for (uint64_t size = 1; size <= N; size++) {
		S.reads = 0;
		MT_OK(med_merkle_inclusion_proof(size / 3, size, get_node, &S,
						 p, &n));
		MT_TRUE(S.reads <= 2 * 7);
		S.reads = 0;
		MT_OK(med_merkle_consistency_proof(size / 2 + 1, size, get_node,
						   &S, p, &n));
		MT_TRUE(S.reads <= 3 * 7);
	}
}

static med_err
fail_emit(void *ctx, unsigned level, uint64_t index, const uint8_t h[HLEN])
{
	(void)ctx;
	(void)h;
	return level == 1 && index == 0 ? MED_ERR_IO : MED_OK;
}

static void
test_frontier_unchanged_on_emit_error(void)
{
	med_merkle_frontier f;
	uint8_t h[HLEN] = {1};

	memset(&f, 0, sizeof(f));
	MT_OK(med_merkle_frontier_append(&f, h, fail_emit, NULL));
	MT_EQ_INT(med_merkle_frontier_append(&f, h, fail_emit, NULL),
		  MED_ERR_IO);
	MT_EQ_INT(f.size, 1);
	MT_EQ_INT(med_merkle_root(3, get_node, &(store){0}, h),
		  MED_ERR_NOT_FOUND);
}

/* range_of is a med_merkle_range_fn over the store. */
static med_err
range_of(void *ctx, unsigned level, uint64_t first, uint64_t last,
	 med_merkle_emit_fn found, void *found_ctx)
{
	store *s = ctx;

	for (uint64_t i = first; i <= last && i < N; i++) {
		med_err err;
		if (!s->have[level][i])
			continue;
		err = found(found_ctx, level, i, s->node[level][i]);
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}

/* reappend collects the nodes leaves [from, to) complete, as a writer
 * catching up on rows it did not append would. */
static void
reappend(med_merkle_node_list *l, uint64_t from, uint64_t to)
{
	med_merkle_frontier f;

	MT_OK(med_merkle_frontier_load(&f, from, get_node, &S));
	l->n = 0;
	for (uint64_t i = from; i < to; i++)
		MT_OK(med_merkle_frontier_append(&f, S.leaf[i],
						 med_merkle_node_list_add, l));
}

static void
test_nodes_check(void)
{
	med_merkle_frontier f;
	med_merkle_node items[N + MED_MERKLE_MAX_LEVEL], bad;
	med_merkle_node_list l = {items, 0, N + MED_MERKLE_MAX_LEVEL};
	bool missing = true;

	fill(&f);
	reappend(&l, 13, 61);
	MT_TRUE(l.n > 0);
	MT_OK(med_merkle_nodes_check(&l, range_of, &S, &bad, &missing));
	/* A changed node is named, with the hash it should have. */
	S.node[2][10][0] ^= 1;
	MT_EQ_INT(med_merkle_nodes_check(&l, range_of, &S, &bad, &missing),
		  MED_ERR_DATA_LOSS);
	MT_EQ_INT(bad.level, 2);
	MT_EQ_INT(bad.index, 10);
	MT_TRUE(!missing);
	S.node[2][10][0] ^= 1;
	MT_TRUE(memcmp(bad.hash, S.node[2][10], HLEN) == 0);
	/* So is a missing one, the last of its level included. */
	S.have[1][29] = false;
	MT_EQ_INT(med_merkle_nodes_check(&l, range_of, &S, &bad, &missing),
		  MED_ERR_DATA_LOSS);
	MT_EQ_INT(bad.level, 1);
	MT_EQ_INT(bad.index, 29);
	MT_TRUE(missing);
	/* A full list says so instead of dropping nodes. */
	l.cap = 3;
	MT_OK(med_merkle_frontier_load(&f, 0, get_node, &S));
	l.n = 0;
	for (int i = 0; i < 8; i++)
		if (med_merkle_frontier_append(&f, S.leaf[i],
					       med_merkle_node_list_add,
					       &l) != MED_OK)
			break;
	MT_EQ_INT(l.n, 3);
	MT_EQ_INT(med_merkle_frontier_append(&f, S.leaf[f.size],
					     med_merkle_node_list_add, &l),
		  MED_ERR_LIMIT);
}

static void
test_hex(void)
{
	uint8_t h[HLEN], g[HLEN];
	char hex[2 * HLEN + 1];

	for (int i = 0; i < HLEN; i++)
		h[i] = (uint8_t)(i * 37);
	med_merkle_hex(h, hex);
	MT_TRUE(med_merkle_unhex(hex, g));
	MT_TRUE(memcmp(h, g, HLEN) == 0);
	MT_TRUE(!med_merkle_unhex("abc", g));
	hex[5] = 'x';
	MT_TRUE(!med_merkle_unhex(hex, g));
	MT_TRUE(!med_merkle_unhex(NULL, g));
}

static const mt_case cases[] = {
	{"rfc6962_vectors", test_rfc6962_vectors},
	{"roots_match_naive", test_roots_match_naive},
	{"inclusion_every_size", test_inclusion_every_size},
	{"consistency_every_pair", test_consistency_every_pair},
	{"proof_reads_are_logarithmic", test_proof_reads_are_logarithmic},
	{"frontier_unchanged_on_emit_error",
	 test_frontier_unchanged_on_emit_error},
	{"nodes_check", test_nodes_check},
	{"hex", test_hex},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
