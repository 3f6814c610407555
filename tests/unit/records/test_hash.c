/*
 * test_hash.c - the records hash chain's two hashes (domain.c): a
 * version's content hash under each formula, and the chain link.
 */
#include "testlib.h"

#include <med/arena.h>

#include "records.h"

static records_entry
entry(void)
{
	records_entry e;

	smartmed__records__v1__entry__init(&e);
	e.entry_id = "e-1";
	e.version = 2;
	e.patient_id = "p-1";
	e.kind = 1;
	e.title = "Admission note";
	e.body = "Chest pain since 6 am.";
	e.author = "dr.ames";
	e.created_ms = 1700000000000;
	e.status = 1;
	e.replaces = 1;
	e.reason = "typo";
	e.signed_by = "";
	return e;
}

static const char *
hash_of(med_arena *a, records_entry *e, int alg, const char *addendum)
{
	records_version v = {.e = e,
			     .content = (const uint8_t *)"\x0a\x02hi",
			     .content_len = 4,
			     .addendum = addendum,
			     .hash_alg = alg};
	const char *h = records_content_hash(a, &v);

	MT_TRUE(h != NULL && strlen(h) == 64);
	return h;
}

static void
test_content_hash_is_stable(void)
{
	med_arena *a = med_arena_new(1 << 16);
	records_entry e = entry(), f = entry();

	MT_EQ_STR(hash_of(a, &e, RECORDS_HASH_V2, ""),
		  hash_of(a, &f, RECORDS_HASH_V2, ""));
	med_arena_free(a);
}

/* Every field the formula covers changes the hash. */
static void
test_every_field_counts(void)
{
	med_arena *a = med_arena_new(1 << 18);
	records_entry e = entry();
	const char *base = hash_of(a, &e, RECORDS_HASH_V2, "");
	records_entry m;

	m = entry();
	m.body = "Chest pain since 7 am.";
	MT_TRUE(strcmp(base, hash_of(a, &m, RECORDS_HASH_V2, "")) != 0);
	m = entry();
	m.patient_id = "p-2";
	MT_TRUE(strcmp(base, hash_of(a, &m, RECORDS_HASH_V2, "")) != 0);
	m = entry();
	m.status = 3;
	MT_TRUE(strcmp(base, hash_of(a, &m, RECORDS_HASH_V2, "")) != 0);
	m = entry();
	m.locked = true;
	MT_TRUE(strcmp(base, hash_of(a, &m, RECORDS_HASH_V2, "")) != 0);
	m = entry();
	MT_TRUE(strcmp(base, hash_of(a, &m, RECORDS_HASH_V2, "addendum")) != 0);
	med_arena_free(a);
}

/* Length prefixes: moving text from one field to the next is a change. */
static void
test_fields_do_not_run_together(void)
{
	med_arena *a = med_arena_new(1 << 16);
	records_entry e = entry(), f = entry();

	e.title = "ab";
	e.body = "c";
	f.title = "a";
	f.body = "bc";
	MT_TRUE(strcmp(hash_of(a, &e, RECORDS_HASH_V2, ""),
		       hash_of(a, &f, RECORDS_HASH_V2, "")) != 0);
	med_arena_free(a);
}

/* The first release's formula ignores what it never covered (status),
 * so its rows still verify; the two formulas never agree. */
static void
test_formula_one_kept(void)
{
	med_arena *a = med_arena_new(1 << 16);
	records_entry e = entry(), m = entry();

	m.status = 3;
	MT_EQ_STR(hash_of(a, &e, RECORDS_HASH_V1, ""),
		  hash_of(a, &m, RECORDS_HASH_V1, ""));
	MT_TRUE(strcmp(hash_of(a, &e, RECORDS_HASH_V1, ""),
		       hash_of(a, &e, RECORDS_HASH_V2, "")) != 0);
	med_arena_free(a);
}

static void
test_chain_link(void)
{
	med_arena *a = med_arena_new(1 << 16);
	const char *c1 = records_chain_hash(a, "aa", "");
	const char *c2 = records_chain_hash(a, "aa", c1);

	MT_TRUE(c1 != NULL && c2 != NULL && strlen(c1) == 64);
	MT_EQ_STR(c1, records_chain_hash(a, "aa", ""));
	MT_TRUE(strcmp(c1, c2) != 0);
	/* the previous link is part of the next */
	MT_TRUE(strcmp(c2, records_chain_hash(a, "aa", "bb")) != 0);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"content_hash_is_stable", test_content_hash_is_stable},
	{"every_field_counts", test_every_field_counts},
	{"fields_do_not_run_together", test_fields_do_not_run_together},
	{"formula_one_kept", test_formula_one_kept},
	{"chain_link", test_chain_link},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
