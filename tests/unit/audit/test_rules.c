/*
 * test_rules.c - the audit service's own rules outside any RPC: what a
 * Query may ask for, and the key id a tree-head key is known by.
 */
#include "testlib.h"

#include "audit_svc.h"

static Smartmed__Audit__V1__QueryRequest
query(void)
{
	Smartmed__Audit__V1__QueryRequest q;

	smartmed__audit__v1__query_request__init(&q);
	q.limit = 100;
	q.since_ms = 1000;
	q.until_ms = 2000;
	q.action_code = "R";
	return q;
}

static void
refused(const Smartmed__Audit__V1__QueryRequest *q, const char *field,
	const char *want)
{
	med_problem p = {0};

	MT_EQ_INT(audit_query_problem(q, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, field);
	if (strstr(p.reason, want) == NULL)
		mt_fail(__FILE__, __LINE__, "reason \"%s\" lacks \"%s\"",
			p.reason, want);
}

static void
test_query_accepted(void)
{
	Smartmed__Audit__V1__QueryRequest q = query();
	med_problem p = {0};

	MT_OK(audit_query_problem(&q, &p));
	q.action_code = "";
	q.until_ms = 0; /* open end */
	q.limit = AUDIT_QUERY_MAX_LIMIT;
	MT_OK(audit_query_problem(&q, &p));
	for (const char *c = "CRUDE"; *c; c++) {
		char code[2] = {*c, '\0'};

		q.action_code = code;
		MT_OK(audit_query_problem(&q, &p));
	}
}

static void
test_query_refused(void)
{
	Smartmed__Audit__V1__QueryRequest q = query();

	q.limit = AUDIT_QUERY_MAX_LIMIT + 1;
	refused(&q, "limit", "at most 10000");
	q = query();
	q.since_ms = -1;
	refused(&q, "since_ms", "must not be negative");
	q = query();
	q.until_ms = -5;
	refused(&q, "until_ms", "must not be negative");
	q = query();
	q.until_ms = q.since_ms; /* an empty window */
	refused(&q, "until_ms", "after since_ms");
	q = query();
	q.action_code = "X";
	refused(&q, "action_code", "C, R, U, D, E");
	q.action_code = "RU";
	refused(&q, "action_code", "C, R, U, D, E");
}

static void
test_key_id(void)
{
	uint8_t pk[32] = {0};
	char id[AUDIT_KEY_ID_LEN + 1], other[AUDIT_KEY_ID_LEN + 1];

	/* SHA-256 of 32 zero bytes starts 66687aadf862bd77 */
	audit_key_id(pk, sizeof(pk), id);
	MT_EQ_STR(id, "66687aadf862bd77");
	pk[31] = 1;
	audit_key_id(pk, sizeof(pk), other);
	MT_TRUE(strcmp(id, other) != 0);
	MT_EQ_INT(strlen(other), AUDIT_KEY_ID_LEN);
}

static const mt_case cases[] = {
	{"query_accepted", test_query_accepted},
	{"query_refused", test_query_refused},
	{"key_id", test_key_id},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
