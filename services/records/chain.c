/*
 * chain.c - what the hash chain proves, checked: one version against its
 * own hashes and an entry's index (entry_heads) against its chained
 * versions.  Pure: it reads no row itself (the store and verify.c hand it
 * what they read).
 */
#include <stdio.h>
#include <string.h>

#include "records.h"

#define ST(x) SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_##x

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

med_err
records_fault_set_num(med_arena *a, records_fault *f, const char *entry_id,
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
		return records_fault_set_num(a, f, e->entry_id, e->version,
					     "hash_alg", RECORDS_HASH_V2,
					     v->hash_alg);
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
		return records_fault_set_num(a, f, entry_id, 0,
					     "entry_head.row", 0,
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
		return records_fault_set_num(a, f, entry_id, chain_latest,
					     "entry_head.latest_version",
					     chain_latest,
					     head->latest_version);
	if (strcmp(head->patient_id, first->patient_id) != 0)
		return records_fault_set(a, f, entry_id, chain_latest,
					 "entry_head.patient_id",
					 first->patient_id, head->patient_id);
	if (head->kind != first->kind)
		return records_fault_set_num(a, f, entry_id, chain_latest,
					     "entry_head.kind", first->kind,
					     head->kind);
	if (strcmp(head->author, first->author) != 0)
		return records_fault_set(a, f, entry_id, chain_latest,
					 "entry_head.author", "", "");
	if (head->created_ms != first->created_ms)
		return records_fault_set_num(
			a, f, entry_id, chain_latest, "entry_head.created_ms",
			first->created_ms, head->created_ms);
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
