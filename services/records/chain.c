/*
 * chain.c - what the hash chain proves, checked: one version against its
 * own hashes, an entry's index (entry_heads) against its chained versions,
 * and VerifyChain, which walks a patient's versions in chain order and
 * reports the first that does not match.
 */
#include <stdio.h>
#include <string.h>

#include "records.h"

#define ST(x) SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_##x

typedef Smartmed__Records__V1__VerifyChainResponse verify_res;

/* --- faults ------------------------------------------------------------- */

med_err
records_fault_set(med_arena *a, records_fault *f, const char *entry_id,
		  uint32_t version, const char *check, const char *expected,
		  const char *stored)
{
	f->entry_id = med_arena_strdup(a, entry_id);
	f->version = version;
	f->check = check;
	f->expected = med_arena_strdup(a, expected);
	f->stored = med_arena_strdup(a, stored);
	if (f->entry_id == NULL || f->expected == NULL || f->stored == NULL)
		return MED_ERR_NOMEM;
	return MED_OK;
}

static med_err
set_fault_num(med_arena *a, records_fault *f, const char *entry_id,
	      uint32_t version, const char *check, int64_t expected,
	      int64_t stored)
{
	char want[24], got[24];

	snprintf(want, sizeof(want), "%lld", (long long)expected);
	snprintf(got, sizeof(got), "%lld", (long long)stored);
	return records_fault_set(a, f, entry_id, version, check, want, got);
}

/* --- one version -------------------------------------------------------- */

/*
 * Formula 1 covers only the first release's columns: a row that claims it
 * must have every later column at its default, or a change to one of them
 * (a status, a lock) would be covered by no hash.
 */
static bool
is_first_release_row(const records_version *v)
{
	const records_entry *e = v->e;

	return e->status == ST(FINAL) && e->replaces == 0 &&
	       e->reason[0] == '\0' && !e->locked && e->signed_by[0] == '\0' &&
	       e->signed_ms == 0 && v->addendum[0] == '\0' &&
	       v->content == NULL;
}

static bool
hash_alg_possible(const records_version *v)
{
	if (v->hash_alg == RECORDS_HASH_V2)
		return true;
	return v->hash_alg == RECORDS_HASH_V1 && is_first_release_row(v);
}

med_err
records_version_verify(med_arena *a, const records_version *v, records_fault *f)
{
	const records_entry *e = v->e;
	char *content, *link;

	f->check = NULL;
	f->position = e->chain_seq;
	if (!hash_alg_possible(v))
		return set_fault_num(a, f, e->entry_id, e->version, "hash_alg",
				     RECORDS_HASH_V2, v->hash_alg);
	/* Only a first-release row can be waiting to be chained. */
	if (v->hash_alg == RECORDS_HASH_V2 && e->chain_seq == 0)
		return records_fault_set(a, f, e->entry_id, e->version,
					 "sequence", "a position", "none");
	if ((content = records_content_hash(a, v)) == NULL)
		return MED_ERR_NOMEM;
	if (strcmp(content, e->content_sha256) != 0)
		return records_fault_set(a, f, e->entry_id, e->version,
					 "content_sha256", content,
					 e->content_sha256);
	if (e->chain_seq == 0)
		return MED_OK;
	if ((link = records_chain_hash(a, content, e->prev_hash)) == NULL)
		return MED_ERR_NOMEM;
	if (strcmp(link, e->chain_hash) != 0)
		return records_fault_set(a, f, e->entry_id, e->version,
					 "chain_hash", link, e->chain_hash);
	return MED_OK;
}

/* --- an entry's index --------------------------------------------------- */

/* head_row_fault: an index row exists exactly when chained versions do. */
static med_err
head_row_fault(med_arena *a, const char *entry_id, uint32_t chain_latest,
	       const records_head *head, records_fault *f)
{
	if (head->present)
		return set_fault_num(a, f, entry_id, 0, "entry_head.row", 0,
				     head->latest_version);
	return records_fault_set(a, f, entry_id, chain_latest, "entry_head.row",
				 "a row", "none");
}

/* head_columns_fault compares the index row with version 1, column by
 * column; an author is not echoed (hashes and ids only). */
static med_err
head_columns_fault(med_arena *a, const char *entry_id, uint32_t chain_latest,
		   const records_head *head, const records_head *first,
		   records_fault *f)
{
	if (head->latest_version != chain_latest)
		return set_fault_num(a, f, entry_id, chain_latest,
				     "entry_head.latest_version", chain_latest,
				     head->latest_version);
	if (strcmp(head->patient_id, first->patient_id) != 0)
		return records_fault_set(a, f, entry_id, chain_latest,
					 "entry_head.patient_id",
					 first->patient_id, head->patient_id);
	if (head->kind != first->kind)
		return set_fault_num(a, f, entry_id, chain_latest,
				     "entry_head.kind", first->kind,
				     head->kind);
	if (strcmp(head->author, first->author) != 0)
		return records_fault_set(a, f, entry_id, chain_latest,
					 "entry_head.author", "", "");
	if (head->created_ms != first->created_ms)
		return set_fault_num(a, f, entry_id, chain_latest,
				     "entry_head.created_ms", first->created_ms,
				     head->created_ms);
	return MED_OK;
}

med_err
records_head_verify(med_arena *a, const char *entry_id, uint32_t chain_latest,
		    const records_head *head, const records_head *first,
		    const records_entry *row, records_fault *f)
{
	f->check = NULL;
	f->position = 0;
	if (head->present != (chain_latest != 0))
		return head_row_fault(a, entry_id, chain_latest, head, f);
	if (chain_latest == 0)
		return MED_OK; /* no such entry: the caller's NOT_FOUND */
	if (!first->present)
		return records_fault_set(a, f, entry_id, 1, "sequence",
					 "version 1", "none");
	/* Version 1 decides which patient's lists show the entry. */
	if (row != NULL && (strcmp(row->patient_id, first->patient_id) != 0 ||
			    (int)row->kind != first->kind))
		return records_fault_set(a, f, entry_id, 1, "first_version",
					 row->patient_id, first->patient_id);
	return head_columns_fault(a, entry_id, chain_latest, head, first, f);
}

/* --- VerifyChain -------------------------------------------------------- */

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
		return set_fault_num(x->arena, f, e->entry_id, e->version,
				     "sequence", (int64_t)x->position,
				     (int64_t)e->chain_seq);
	if (strcmp(e->prev_hash, x->prev) != 0)
		return records_fault_set(x->arena, f, e->entry_id, e->version,
					 "prev_hash", x->prev, e->prev_hash);
	return MED_OK;
}

static med_err
check_version(void *ctx, const records_version *v)
{
	verify_ctx *x = ctx;
	records_fault f = {0};
	med_err err;

	if (!x->res->ok)
		return MED_OK; /* only the first break is reported */
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
check_head(void *ctx, const char *entry_id, uint32_t chain_latest,
	   const records_head *head, const records_head *first)
{
	verify_ctx *x = ctx;
	records_fault f = {0};
	med_err err;

	if (!x->res->ok)
		return MED_OK;
	err = records_head_verify(x->arena, entry_id, chain_latest, head, first,
				  NULL, &f);
	if (err != MED_OK || f.check == NULL)
		return err;
	return broken(x, &f);
}

med_err
records_verify_chain(med_db *db, med_arena *arena, const char *patient_id,
		     verify_res *res)
{
	verify_ctx x = {.arena = arena, .res = res, .prev = ""};
	records_fault f = {0};
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
	if (seq != x.position || strcmp(head, x.prev) != 0) {
		if ((err = records_fault_set(arena, &f, "", 0, "head", x.prev,
					     head)) != MED_OK)
			return err;
		f.position = x.position;
		return broken(&x, &f);
	}
	/* What readers are shown comes from the chain; the index must agree. */
	return records_store_walk_heads(db, arena, patient_id, check_head, &x);
}
