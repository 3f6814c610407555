/*
 * test_chain.c - what a reader checks before it believes stored records
 * (chain.c): one version against its own hashes, and an entry's index
 * (entry_heads) against its chained versions.
 */
#include "testlib.h"

#include <med/arena.h>

#include "records.h"

#define ST(x) SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_##x

typedef struct sealed {
	records_entry e;
	records_version v;
} sealed;

/* seal_version makes a correctly hashed and chained version 2. */
static void
seal_version(med_arena *a, sealed *s)
{
	records_entry *e = &s->e;

	smartmed__records__v1__entry__init(e);
	e->entry_id = "e-1";
	e->version = 2;
	e->patient_id = "p-1";
	e->kind = 1;
	e->title = "Admission note";
	e->body = "Chest pain since 6 am.";
	e->author = "dr.ames";
	e->created_ms = 1700000000000;
	e->status = ST(ENTERED_IN_ERROR);
	e->replaces = 1;
	e->reason = "wrong patient";
	e->signed_by = "";
	e->chain_seq = 7;
	e->prev_hash = "ab";
	s->v = (records_version){
		.e = e, .addendum = "", .hash_alg = RECORDS_HASH_V2};
	e->content_sha256 = records_content_hash(a, &s->v);
	e->chain_hash = records_chain_hash(a, e->content_sha256, e->prev_hash);
}

static const char *
check_of(med_arena *a, const records_version *v)
{
	records_fault f = {0};

	MT_EQ_INT(records_version_verify(a, v, &f), MED_OK);
	return f.check ? f.check : "ok";
}

static void
test_intact_version_passes(void)
{
	med_arena *a = med_arena_new(1 << 16);
	sealed s;

	seal_version(a, &s);
	MT_EQ_STR(check_of(a, &s.v), "ok");
	med_arena_free(a);
}

/* The finding: a status set back in SQL must not be believed. */
static void
test_changed_status_caught(void)
{
	med_arena *a = med_arena_new(1 << 16);
	records_fault f = {0};
	sealed s;

	seal_version(a, &s);
	s.e.status = ST(FINAL);
	MT_EQ_INT(records_version_verify(a, &s.v, &f), MED_OK);
	MT_EQ_STR(f.check, "content_sha256");
	MT_EQ_STR(f.entry_id, "e-1");
	MT_EQ_INT(f.version, 2);
	MT_EQ_INT(f.position, 7);
	MT_EQ_STR(f.stored, s.e.content_sha256);
	med_arena_free(a);
}

static void
test_rehashed_content_breaks_link(void)
{
	med_arena *a = med_arena_new(1 << 16);
	sealed s;

	seal_version(a, &s);
	s.e.status = ST(FINAL);
	s.e.content_sha256 = records_content_hash(a, &s.v);
	MT_EQ_STR(check_of(a, &s.v), "chain_hash");
	med_arena_free(a);
}

/* Formula 1 does not cover status: a row cannot claim it and carry one. */
static void
test_formula_one_claim_caught(void)
{
	med_arena *a = med_arena_new(1 << 16);
	sealed s;

	seal_version(a, &s);
	s.v.hash_alg = RECORDS_HASH_V1;
	MT_EQ_STR(check_of(a, &s.v), "hash_alg");
	s.v.hash_alg = 9;
	MT_EQ_STR(check_of(a, &s.v), "hash_alg");
	med_arena_free(a);
}

/* A first-release row with nothing but its own columns still verifies,
 * before and after it is chained. */
static void
test_first_release_row_passes(void)
{
	med_arena *a = med_arena_new(1 << 16);
	sealed s;

	seal_version(a, &s);
	s.e.status = ST(FINAL);
	s.e.replaces = 0;
	s.e.reason = "";
	s.e.chain_seq = 0;
	s.e.prev_hash = "";
	s.e.chain_hash = "";
	s.v.hash_alg = RECORDS_HASH_V1;
	s.e.content_sha256 = records_content_hash(a, &s.v);
	MT_EQ_STR(check_of(a, &s.v), "ok");
	s.v.hash_alg = RECORDS_HASH_V2;
	s.e.content_sha256 = records_content_hash(a, &s.v);
	MT_EQ_STR(check_of(a, &s.v), "sequence"); /* formula 2 is chained */
	med_arena_free(a);
}

static records_head
head(uint32_t latest)
{
	return (records_head){.present = true,
			      .latest_version = latest,
			      .patient_id = "p-1",
			      .kind = 1,
			      .author = "dr.ames",
			      .created_ms = 1700000000000};
}

static const char *
head_check(med_arena *a, uint32_t chain_latest, const records_head *h,
	   const records_head *first, const records_entry *row)
{
	records_fault f = {0};

	MT_EQ_INT(
		records_head_verify(a, "e-1", chain_latest, h, first, row, &f),
		MED_OK);
	return f.check ? f.check : "ok";
}

static void
test_head_agrees(void)
{
	med_arena *a = med_arena_new(1 << 16);
	records_head h = head(2), first = head(0), none = {0};
	sealed s;

	seal_version(a, &s);
	first.present = true;
	MT_EQ_STR(head_check(a, 2, &h, &first, &s.e), "ok");
	MT_EQ_STR(head_check(a, 0, &none, &none, NULL), "ok"); /* no entry */
	med_arena_free(a);
}

/* The finding: latest_version set back from 2 to 1. */
static void
test_head_latest_version_caught(void)
{
	med_arena *a = med_arena_new(1 << 16);
	records_head h = head(1), first = head(0);
	records_fault f = {0};

	MT_EQ_INT(records_head_verify(a, "e-1", 2, &h, &first, NULL, &f),
		  MED_OK);
	MT_EQ_STR(f.check, "entry_head.latest_version");
	MT_EQ_STR(f.expected, "2");
	MT_EQ_STR(f.stored, "1");
	MT_EQ_INT(f.version, 2);
	med_arena_free(a);
}

static void
test_head_columns_caught(void)
{
	med_arena *a = med_arena_new(1 << 16);
	records_head first = head(0), h;
	sealed s;

	seal_version(a, &s);
	h = head(2);
	h.patient_id = "p-2";
	MT_EQ_STR(head_check(a, 2, &h, &first, NULL), "entry_head.patient_id");
	h = head(2);
	h.kind = 2;
	MT_EQ_STR(head_check(a, 2, &h, &first, NULL), "entry_head.kind");
	h = head(2);
	h.author = "dr.other";
	MT_EQ_STR(head_check(a, 2, &h, &first, NULL), "entry_head.author");
	h = head(2);
	h.created_ms++;
	MT_EQ_STR(head_check(a, 2, &h, &first, NULL), "entry_head.created_ms");
	/* version 1 moved to another patient: a later version says not */
	h = head(2);
	first.patient_id = h.patient_id = "p-2";
	MT_EQ_STR(head_check(a, 2, &h, &first, &s.e), "first_version");
	med_arena_free(a);
}

static void
test_head_rows_caught(void)
{
	med_arena *a = med_arena_new(1 << 16);
	records_head h = head(2), first = head(0), none = {0};

	MT_EQ_STR(head_check(a, 2, &none, &first, NULL), "entry_head.row");
	MT_EQ_STR(head_check(a, 0, &h, &none, NULL), "entry_head.row");
	MT_EQ_STR(head_check(a, 2, &h, &none, NULL), "sequence");
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"intact_version_passes", test_intact_version_passes},
	{"changed_status_caught", test_changed_status_caught},
	{"rehashed_content_breaks_link", test_rehashed_content_breaks_link},
	{"formula_one_claim_caught", test_formula_one_claim_caught},
	{"first_release_row_passes", test_first_release_row_passes},
	{"head_agrees", test_head_agrees},
	{"head_latest_version_caught", test_head_latest_version_caught},
	{"head_columns_caught", test_head_columns_caught},
	{"head_rows_caught", test_head_rows_caught},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
