/*
 * chain.c - VerifyChain: walk a patient's versions in chain order,
 * recompute each content hash and chain link from the stored fields, and
 * report the first one that does not match.
 */
#include <stdio.h>
#include <string.h>

#include "records.h"

typedef Smartmed__Records__V1__VerifyChainResponse verify_res;

typedef struct verify_ctx {
	med_arena *arena;
	verify_res *res;
	uint64_t position;
	const char *prev; /* chain hash of the previous version, as stored */
} verify_ctx;

static med_err
broken(verify_ctx *x, const records_entry *e, const char *check,
       const char *expected, const char *stored)
{
	Smartmed__Records__V1__BrokenLink *b =
		med_arena_zalloc(x->arena, sizeof(*b));

	if (b == NULL)
		return MED_ERR_NOMEM;
	smartmed__records__v1__broken_link__init(b);
	b->entry_id = e ? e->entry_id : "";
	b->version = e ? e->version : 0;
	b->position = x->position;
	b->check = (char *)check;
	b->expected = med_arena_strdup(x->arena, expected);
	b->stored = med_arena_strdup(x->arena, stored);
	if (b->expected == NULL || b->stored == NULL)
		return MED_ERR_NOMEM;
	x->res->ok = false;
	x->res->broken = b;
	return MED_OK;
}

static med_err
check_version(void *ctx, const records_version *v)
{
	verify_ctx *x = ctx;
	const records_entry *e = v->e;
	char want_seq[24], got_seq[24];
	char *content, *link;

	if (!x->res->ok)
		return MED_OK; /* only the first break is reported */
	x->position++;
	x->res->n_versions = x->position;
	snprintf(want_seq, sizeof(want_seq), "%llu",
		 (unsigned long long)x->position);
	snprintf(got_seq, sizeof(got_seq), "%llu",
		 (unsigned long long)e->chain_seq);
	if (e->chain_seq != x->position)
		return broken(x, e, "sequence", want_seq, got_seq);
	if (strcmp(e->prev_hash, x->prev) != 0)
		return broken(x, e, "prev_hash", x->prev, e->prev_hash);
	if ((content = records_content_hash(x->arena, v)) == NULL)
		return MED_ERR_NOMEM;
	if (strcmp(content, e->content_sha256) != 0)
		return broken(x, e, "content_sha256", content,
			      e->content_sha256);
	if ((link = records_chain_hash(x->arena, content, x->prev)) == NULL)
		return MED_ERR_NOMEM;
	if (strcmp(link, e->chain_hash) != 0)
		return broken(x, e, "chain_hash", link, e->chain_hash);
	x->prev = e->chain_hash;
	return MED_OK;
}

med_err
records_verify_chain(med_db *db, med_arena *arena, const char *patient_id,
		     verify_res *res)
{
	verify_ctx x = {.arena = arena, .res = res, .prev = ""};
	char *head = NULL;
	uint64_t seq = 0;
	med_err err;

	res->ok = true;
	err = records_store_walk_chain(db, arena, patient_id, check_version, &x,
				       &head, &seq);
	if (err != MED_OK)
		return err;
	res->head_hash = head;
	if (!res->ok)
		return MED_OK;
	/* A version cut off the end leaves the head pointing past it. */
	if (seq != x.position || strcmp(head, x.prev) != 0)
		return broken(&x, NULL, "head", x.prev, head);
	return MED_OK;
}
