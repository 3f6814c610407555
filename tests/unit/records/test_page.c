/*
 * test_page.c - records' page tokens (page.c): a token continues only the
 * request it came from, and anything edited, cut or made up is refused.
 */
#include "testlib.h"

#include <med/arena.h>

#include "records.h"

#define ENTRY_ID "0b7c2d4e-1f3a-4c5b-8d6e-7f8091a2b3c4"

static void
scope_of(unsigned char scope[16], const char *patient, const char *author)
{
	const char *fields[] = {patient, author};

	records_page_scope(scope, "ListEntries", fields, 2);
}

static char *
token_for(med_arena *a, const unsigned char scope[16], int64_t key,
	  const char *id)
{
	records_cursor c = {.set = true, .key = key};
	char *t;

	snprintf(c.id, sizeof(c.id), "%s", id);
	t = records_token_encode(a, scope, &c);
	MT_TRUE(t != NULL);
	return t;
}

static void
test_round_trip(void)
{
	med_arena *a = med_arena_new(1 << 16);
	unsigned char scope[16];
	records_cursor c = {0};
	char *t;

	scope_of(scope, "p-1", "");
	t = token_for(a, scope, 1700000000123, ENTRY_ID);
	MT_TRUE(records_token_decode(t, scope, &c));
	MT_TRUE(c.set);
	MT_EQ_INT(c.key, 1700000000123);
	MT_EQ_STR(c.id, ENTRY_ID);
	/* URL-safe and without padding: it travels in query strings too. */
	MT_EQ_INT(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
			    "yz0123456789-_"),
		  strlen(t));
	t = token_for(a, scope, 17, "");
	MT_TRUE(records_token_decode(t, scope, &c));
	MT_EQ_INT(c.key, 17);
	MT_EQ_STR(c.id, "");
	med_arena_free(a);
}

/* Each field of the request is part of the scope, and they cannot run
 * together ("p-1" + "x" is not "p-1x" + ""). */
static void
test_other_request_refused(void)
{
	med_arena *a = med_arena_new(1 << 16);
	unsigned char mine[16], other[16], shifted[16];
	records_cursor c = {0};
	char *t;

	scope_of(mine, "p-1", "x");
	scope_of(other, "p-2", "x");
	scope_of(shifted, "p-1x", "");
	t = token_for(a, mine, 5, ENTRY_ID);
	MT_TRUE(!records_token_decode(t, other, &c));
	MT_TRUE(!records_token_decode(t, shifted, &c));
	MT_TRUE(!c.set);
	med_arena_free(a);
}

static void
test_edited_token_refused(void)
{
	med_arena *a = med_arena_new(1 << 16);
	unsigned char scope[16];
	records_cursor c = {0};
	char *t, *copy;
	size_t len;

	scope_of(scope, "p-1", "");
	t = token_for(a, scope, 1700000000123, ENTRY_ID);
	len = strlen(t);
	copy = med_arena_strdup(a, t);
	/* every single character changed */
	for (size_t i = 0; i < len; i++) {
		memcpy(copy, t, len + 1);
		copy[i] = copy[i] == 'A' ? 'B' : 'A';
		MT_TRUE(!records_token_decode(copy, scope, &c));
	}
	/* cut short, lengthened, empty, not base64 */
	copy[0] = '\0';
	strncat(copy, t, len - 1);
	MT_TRUE(!records_token_decode(copy, scope, &c));
	MT_TRUE(!records_token_decode(med_arena_sprintf(a, "%sAAAA", t), scope,
				      &c));
	MT_TRUE(!records_token_decode("", scope, &c));
	MT_TRUE(!records_token_decode("p1:50", scope, &c));
	MT_TRUE(!records_token_decode("!!!!", scope, &c));
	MT_TRUE(!c.set);
	med_arena_free(a);
}

static void
test_long_token_refused(void)
{
	med_arena *a = med_arena_new(1 << 16);
	unsigned char scope[16];
	records_cursor c = {0};
	char *big = med_arena_alloc(a, 4097);

	scope_of(scope, "p-1", "");
	memset(big, 'A', 4096);
	big[4096] = '\0';
	MT_TRUE(!records_token_decode(big, scope, &c));
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"round_trip", test_round_trip},
	{"other_request_refused", test_other_request_refused},
	{"edited_token_refused", test_edited_token_refused},
	{"long_token_refused", test_long_token_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
