/*
 * test_edge.c - the FHIR edge's rule for request targets (edge.c,
 * fhir_path_ok): what reaches the facade's routing and what is refused
 * before anything decodes it.
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

static const mt_case cases[] = {
	{"targets_served", test_targets_served},
	{"targets_refused", test_targets_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
