/*
 * test_edge.c - the FHIR edge's pure rules: request targets (target.c,
 * fhir_path_ok), what reaches the facade's routing and what is refused
 * before anything decodes it; and whom a full port or a full address
 * share closes for a newcomer (fair.c, fhir_fair_victim and
 * fhir_fair_own_victim).
 */
#include <string.h>

#include "edge.h"
#include "testlib.h"

static void
test_targets_served(void)
{
	static const char *const ok[] = {
		"/",
		"/fhir/metadata",
		"/fhir/",
		"/fhir/?_format=json",
		"/fhir/.well-known/smart-configuration",
		"/fhir/Patient/p-1.a/$everything",
		"/fhir/Observation?patient=p-1&date=ge2024-01-01T10%3A00",
		"/fhir/Observation?code=http%3A%2F%2Floinc.org%7C8867-4",
		"/fhir/Patient/x?_count=",
	};
	const char *why = "unset";

	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		MT_TRUE(fhir_path_ok(ok[i], &why));
		MT_TRUE(why == NULL);
	}
}

static void
test_targets_refused(void)
{
	static const struct {
		const char *target;
		const char *why; /* a word of the reason */
	} bad[] = {
		{"/fhir/Patient%2Fx", "percent"},
		{"/fhir/Patient/x%00", "percent"},
		{"/fhir/Patient/x%5c", "percent"},
		{"/fhir/Patient/%2e%2e/metadata", "percent"},
		{"/fhir//metadata", "segment"},
		{"/fhir//", "segment"},
		{"//", "segment"},
		{"/fhir/./", "segment"},
		{"/fhir/../fhir/metadata", "segment"},
		{"/fhir/./metadata", "segment"},
		{"/fhir/..", "segment"},
		{"/fhir/metadata?_format=json%00", "NUL"},
		{"/fhir/metadata?a=\x01", "NUL"},
		{"/fhir/Patient/x y", "character"},
		{"/fhir/Patient/x\\y", "character"},
		{"fhir/metadata", "origin-form"},
		{"*", "origin-form"},
		{"https://evil/fhir/metadata", "origin-form"},
		{"", "origin-form"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const char *why = NULL;

		MT_TRUE(!fhir_path_ok(bad[i].target, &why));
		MT_TRUE(why != NULL && strstr(why, bad[i].why) != NULL);
	}
}

/* seats_of fills seats with counts[i] connections of address i + 1, each
 * address's idle from the age given (older first), busy when told. */
static size_t
seats_of(fhir_fair_seat *seats, const int *counts, size_t n_addrs, bool busy)
{
	size_t n = 0;

	for (size_t a = 0; a < n_addrs; a++)
		for (int i = 0; i < counts[a]; i++)
			seats[n++] = (fhir_fair_seat){
				.addr = (uint32_t)(a + 1),
				.since_ms = 1000 * (int64_t)(a + 1) + i,
				.idle = !busy,
			};
	return n;
}

static void
test_fair_takes_from_the_address_holding_most(void)
{
	fhir_fair_seat seats[32];
	const int counts[] = {3, 9, 5};
	size_t n = seats_of(seats, counts, 3, false);
	long v;

	/* A newcomer from an address holding nothing: address 2's oldest. */
	v = fhir_fair_victim(seats, n, 77);
	MT_TRUE(v >= 0);
	MT_EQ_INT(seats[v].addr, 2);
	MT_EQ_INT(seats[v].since_ms, 2000);
	/* From address 1 (3): still address 2 (9 >= 3 + 2). */
	v = fhir_fair_victim(seats, n, 1);
	MT_TRUE(v >= 0);
	MT_EQ_INT(seats[v].addr, 2);
	/* From address 2 itself: the next most is 5, less than 9 + 2. */
	MT_EQ_INT(fhir_fair_victim(seats, n, 2), -1);
}

static void
test_fair_refuses_a_newcomer_holding_its_share(void)
{
	fhir_fair_seat seats[32];
	const int counts[] = {4, 5, 4};
	size_t n = seats_of(seats, counts, 3, false);

	/* Address 1 holds 4 and the most is 5: taking one would only move
	 * a place between flooders. */
	MT_EQ_INT(fhir_fair_victim(seats, n, 1), -1);
	MT_EQ_INT(fhir_fair_victim(seats, n, 3), -1);
	MT_TRUE(fhir_fair_victim(seats, n, 9) >= 0);
}

static void
test_fair_never_closes_a_running_request(void)
{
	fhir_fair_seat seats[32];
	const int busy[] = {0, 12};
	const int idle[] = {3};
	size_t n = seats_of(seats, busy, 2, true);
	long v;

	n += seats_of(seats + n, idle, 1, false);
	/* Address 2 holds the most but answers requests on all 12: the
	 * victim is address 1's oldest idle connection. */
	v = fhir_fair_victim(seats, n, 9);
	MT_TRUE(v >= 0);
	MT_EQ_INT(seats[v].addr, 1);
	MT_TRUE(seats[v].idle);
	/* None idle anywhere: the newcomer is refused. */
	n = seats_of(seats, busy, 2, true);
	MT_EQ_INT(fhir_fair_victim(seats, n, 9), -1);
}

static void
test_fair_own_share_closes_its_oldest_idle(void)
{
	fhir_fair_seat seats[32];
	const int counts[] = {2, 4, 1};
	size_t n = seats_of(seats, counts, 3, false);
	long v;

	/* Address 2 holds its share of 4, all idle (a flood of silent
	 * connections from the honest client's own address): a newer one
	 * closes the oldest of them. */
	v = fhir_fair_own_victim(seats, n, 2, 4);
	MT_TRUE(v >= 0);
	MT_EQ_INT(seats[v].addr, 2);
	MT_EQ_INT(seats[v].since_ms, 2000);
	/* Under its share, or another address's flood: nothing closed. */
	MT_EQ_INT(fhir_fair_own_victim(seats, n, 2, 5), FHIR_FAIR_ROOM);
	MT_EQ_INT(fhir_fair_own_victim(seats, n, 3, 4), FHIR_FAIR_ROOM);
	MT_EQ_INT(fhir_fair_own_victim(seats, n, 9, 4), FHIR_FAIR_ROOM);
}

static void
test_fair_own_share_keeps_its_requests(void)
{
	fhir_fair_seat seats[32];
	const int busy[] = {0, 3};
	const int idle[] = {0, 1};
	size_t n = seats_of(seats, busy, 2, true);
	long v;

	/* Address 2: three requests being read or answered (the oldest)
	 * and one newer idle connection: the idle one goes, not a request. */
	n += seats_of(seats + n, idle, 2, false);
	seats[n - 1].since_ms = 9000;
	v = fhir_fair_own_victim(seats, n, 2, 4);
	MT_TRUE(v >= 0);
	MT_TRUE(seats[v].idle);
	MT_EQ_INT(seats[v].since_ms, 9000);
	/* All four busy: the newcomer is refused. */
	seats[n - 1].idle = false;
	MT_EQ_INT(fhir_fair_own_victim(seats, n, 2, 4), FHIR_FAIR_BUSY);
}

static const mt_case cases[] = {
	{"targets_served", test_targets_served},
	{"targets_refused", test_targets_refused},
	{"fair_takes_from_the_address_holding_most",
	 test_fair_takes_from_the_address_holding_most},
	{"fair_refuses_a_newcomer_holding_its_share",
	 test_fair_refuses_a_newcomer_holding_its_share},
	{"fair_never_closes_a_running_request",
	 test_fair_never_closes_a_running_request},
	{"fair_own_share_closes_its_oldest_idle",
	 test_fair_own_share_closes_its_oldest_idle},
	{"fair_own_share_keeps_its_requests",
	 test_fair_own_share_keeps_its_requests},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
