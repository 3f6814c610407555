/*
 * test_witness.c - the audit witness's judgement of a new signed head
 * against the head it kept: real Ed25519 signatures and real RFC 9162
 * consistency proofs over small logs built here.
 */
#include "testlib.h"

#include <med/audit.h>
#include <med/audit_log.h>
#include <med/merkle.h>
#include <med/witness.h>

#include <sodium.h>

#define LEAVES 16
#define LEVELS 5
#define HLEN   MED_MERKLE_HASH_LEN

/* log - perfect subtree hashes of LEAVES leaves named by a seed. */
typedef struct log {
	uint8_t node[LEVELS][LEAVES][HLEN];
} log_t;

static uint8_t pk[32], sk[64], other_pk[32], other_sk[64];

static void
build(log_t *l, char seed)
{
	for (int i = 0; i < LEAVES; i++) {
		uint8_t entry[2] = {(uint8_t)seed, (uint8_t)i};

		med_merkle_leaf_hash(entry, sizeof(entry), l->node[0][i]);
	}
	for (int lv = 1; lv < LEVELS; lv++)
		for (int i = 0; i < (LEAVES >> lv); i++)
			med_merkle_node_hash(l->node[lv - 1][2 * i],
					     l->node[lv - 1][2 * i + 1],
					     l->node[lv][i]);
}

static med_err
get(void *ctx, unsigned level, uint64_t index, uint8_t out[HLEN])
{
	log_t *l = ctx;

	if (level >= LEVELS || index >= (uint64_t)(LEAVES >> level))
		return MED_ERR_NOT_FOUND;
	memcpy(out, l->node[level][index], HLEN);
	return MED_OK;
}

/* head signs l's first size leaves with the secret key s. */
static med_witness_head
head(log_t *l, uint64_t size, const uint8_t *s, const uint8_t *p)
{
	med_witness_head h = {.size = size, .timestamp_ms = 1700000000000LL};
	uint8_t msg[MED_AUDIT_STH_MSG_LEN];

	MT_OK(med_merkle_root(size, get, l, h.root));
	med_audit_sth_message(h.size, h.timestamp_ms, h.root, msg);
	crypto_sign_detached(h.signature, NULL, msg, sizeof(msg), s);
	memcpy(h.public_key, p, 32);
	return h;
}

/* judge asks for the verdict with a proof made from log l. */
static med_witness_verdict
judge(log_t *l, const med_witness_head *kept, const med_witness_head *next,
      const uint8_t *pin)
{
	uint8_t proof[MED_MERKLE_MAX_PROOF][HLEN];
	size_t n = 0;

	if (kept != NULL && kept->size > 0 && next->size > kept->size)
		MT_OK(med_merkle_consistency_proof(kept->size, next->size, get,
						   l, proof, &n));
	return med_witness_judge(kept, next, pin, (const uint8_t(*)[32])proof,
				 n, kept ? kept->root : NULL, next->root);
}

static void
keys(void)
{
	MT_TRUE(sodium_init() >= 0);
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(other_pk, other_sk);
}

static void
test_growth_is_accepted(void)
{
	log_t l;
	med_witness_head a, b;

	keys();
	build(&l, 'a');
	a = head(&l, 5, sk, pk);
	b = head(&l, 13, sk, pk);
	MT_EQ_INT(judge(&l, NULL, &a, NULL), MED_WITNESS_FIRST);
	MT_EQ_INT(judge(&l, &a, &b, NULL), MED_WITNESS_EXTENDS);
	MT_EQ_INT(judge(&l, &b, &b, NULL), MED_WITNESS_SAME);
	MT_EQ_INT(judge(&l, &a, &b, pk), MED_WITNESS_EXTENDS);
}

static void
test_rewritten_log_is_caught(void)
{
	log_t l, forged;
	med_witness_head kept, fork, shrunk, grown;

	keys();
	build(&l, 'a');
	build(&forged, 'b');
	kept = head(&l, 8, sk, pk);
	/* Same size, other entries: a fork. */
	fork = head(&forged, 8, sk, pk);
	MT_EQ_INT(judge(&forged, &kept, &fork, NULL), MED_WITNESS_FORKED);
	/* Rolled back to a backup. */
	shrunk = head(&l, 6, sk, pk);
	MT_EQ_INT(judge(&l, &kept, &shrunk, NULL), MED_WITNESS_SHRANK);
	/* Rebuilt and grown past the kept size: its proof cannot join the
	 * kept root, whatever the service sends. */
	grown = head(&forged, 12, sk, pk);
	MT_EQ_INT(judge(&forged, &kept, &grown, NULL),
		  MED_WITNESS_INCONSISTENT);
}

static void
test_keys_and_signatures(void)
{
	log_t l;
	med_witness_head kept, other, bad;

	keys();
	build(&l, 'a');
	kept = head(&l, 4, sk, pk);
	other = head(&l, 9, other_sk, other_pk);
	MT_EQ_INT(judge(&l, &kept, &other, NULL), MED_WITNESS_KEY_CHANGED);
	/* A pinned key is required even of the first head. */
	MT_EQ_INT(judge(&l, NULL, &other, pk), MED_WITNESS_KEY_CHANGED);
	bad = head(&l, 9, sk, pk);
	bad.root[0] ^= 1;
	MT_EQ_INT(judge(&l, &kept, &bad, NULL), MED_WITNESS_BAD_SIGNATURE);
	MT_TRUE(!med_witness_verdict_ok(MED_WITNESS_BAD_SIGNATURE));
	MT_EQ_STR(med_witness_verdict_name(MED_WITNESS_FORKED), "forked");
}

static const mt_case cases[] = {
	{"growth_is_accepted", test_growth_is_accepted},
	{"rewritten_log_is_caught", test_rewritten_log_is_caught},
	{"keys_and_signatures", test_keys_and_signatures},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
