/*
 * verify.c - VerifyChain: reads a patient's versions in chain order and
 * every entry's index through the store, checks each with chain.c, and
 * reports the first that does not match (content, link, a missing
 * version, a cut tail seen through the head, then the index).
 */
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
broken(verify_ctx *x, const records_fault *f)
{
	Smartmed__Records__V1__BrokenLink *b =
		med_arena_zalloc(x->arena, sizeof(*b));

	if (b == NULL)
		return MED_ERR_NOMEM;
	smartmed__records__v1__broken_link__init(b);
	b->entry_id = (char *)(f->entry_id ? f->entry_id : "");
	b->version = f->version;
	b->position = f->position;
	b->check = (char *)f->check;
	b->expected = (char *)f->expected;
	b->stored = (char *)f->stored;
	x->res->ok = false;
	x->res->broken = b;
	return MED_OK;
}

/* link_fault checks what only the walk knows: the position and the link
 * to the version before. */
static med_err
link_fault(verify_ctx *x, const records_entry *e, records_fault *f)
{
	f->check = NULL;
	f->position = x->position;
	if (e->chain_seq != x->position)
		return records_fault_set_num(
			x->arena, f, e->entry_id, e->version, "sequence",
			(int64_t)x->position, (int64_t)e->chain_seq);
	if (strcmp(e->prev_hash, x->prev) != 0)
		return records_fault_set(x->arena, f, e->entry_id, e->version,
					 "prev_hash", x->prev, e->prev_hash);
	return MED_OK;
}

static med_err
check_version(verify_ctx *x, const records_version *v)
{
	records_fault f = {0};
	med_err err;

	x->position++;
	x->res->n_versions = x->position;
	if ((err = link_fault(x, v->e, &f)) != MED_OK)
		return err;
	if (f.check == NULL &&
	    (err = records_version_verify(x->arena, v, &f)) != MED_OK)
		return err;
	if (f.check != NULL)
		return broken(x, &f);
	x->prev = v->e->chain_hash;
	return MED_OK;
}

static med_err
check_head(verify_ctx *x, const records_entry_head *h)
{
	records_fault f = {0};
	med_err err =
		records_head_verify(x->arena, h->entry_id, h->chain_latest,
				    &h->head, &h->first, NULL, &f);

	if (err != MED_OK || f.check == NULL)
		return err;
	return broken(x, &f);
}

/* check_tail: a version cut off the end leaves the head pointing past
 * it. */
static med_err
check_tail(verify_ctx *x, const records_chain_head *head)
{
	records_fault f = {0};
	med_err err;

	if (head->seq == x->position && strcmp(head->hash, x->prev) == 0)
		return MED_OK;
	if ((err = records_fault_set(x->arena, &f, "", 0, "head", x->prev,
				     head->hash)) != MED_OK)
		return err;
	f.position = x->position;
	return broken(x, &f);
}

/* check_heads: what readers are shown comes from the chain; the index
 * must agree. */
static med_err
check_heads(med_db *db, verify_ctx *x, const char *patient_id)
{
	records_entry_heads heads;
	med_err err = records_store_heads(db, x->arena, patient_id, &heads);

	for (size_t i = 0; err == MED_OK && x->res->ok && i < heads.n; i++)
		err = check_head(x, &heads.items[i]);
	return err;
}

med_err
records_verify_chain(med_db *db, med_arena *arena, const char *patient_id,
		     verify_res *res)
{
	verify_ctx x = {.arena = arena, .res = res, .prev = ""};
	records_chain chain;
	med_err err = records_store_chain(db, arena, patient_id, &chain);

	res->ok = true;
	if (err != MED_OK)
		return err;
	res->head_hash = (char *)chain.head.hash;
	/* Only the first break is reported. */
	for (size_t i = 0; err == MED_OK && res->ok && i < chain.n; i++)
		err = check_version(&x, &chain.versions[i]);
	if (err != MED_OK || !res->ok ||
	    (err = check_tail(&x, &chain.head)) != MED_OK || !res->ok)
		return err;
	return check_heads(db, &x, patient_id);
}
