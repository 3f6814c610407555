/*
 * test_smart.c - SMART scopes on the facade's requests (services/fhir/
 * call/smart.c): what a patient/ scope reaches, above all a read by id of a
 * type whose patient is known only once the resource is read (the read
 * goes on bound to the launch patient, which read.c checks after it).
 */
#include <string.h>

#include <med/auth.h>

#include "call.h"
#include "testlib.h"

#define PID   "3f1c2a8e-0b7d-4c55-9d1e-6a2b8c4d0e11"
#define OTHER "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d"

/* principal makes a caller with scopes (space-separated) and a launch
 * patient ("" none). */
static med_principal
principal(const char *scopes, const char *launch)
{
	med_principal p;
	const char *s = scopes;

	memset(&p, 0, sizeof(p));
	p.authenticated = true;
	p.has_scope_claim = true;
	snprintf(p.launch_patient, sizeof(p.launch_patient), "%s", launch);
	while (*s != '\0') {
		size_t n = strcspn(s, " ");

		if (med_scope_parse(s, n, &p.scopes[p.n_scopes]))
			p.n_scopes++;
		s += n + (s[n] == ' ');
	}
	return p;
}

/* check_read asks smart.c about a read by id of type (Patient: of that
 * patient) and returns its answer; r is the query's read. */
static med_err
check_read(const med_principal *who, const char *type, const char *id,
	   fhir_read *r)
{
	fhir_facade f;
	fhir_request req;
	fhir_query q;
	fhir_error e = {0};

	memset(&f, 0, sizeof(f));
	memset(&req, 0, sizeof(req));
	memset(&q, 0, sizeof(q));
	memset(r, 0, sizeof(*r));
	r->id = id;
	q.what = FHIR_READ;
	q.type = type;
	q.read = r;
	if (strcmp(type, "Patient") == 0)
		q.patient_id = id;
	return fhir_smart_check(&f, &req, who, &q, &e);
}

static med_err
check_search(const med_principal *who, const char *type, const char *pid)
{
	fhir_facade f;
	fhir_request req;
	fhir_query q;
	fhir_error e = {0};

	memset(&f, 0, sizeof(f));
	memset(&req, 0, sizeof(req));
	memset(&q, 0, sizeof(q));
	q.what = FHIR_SEARCH;
	q.type = type;
	q.patient_id = pid;
	return fhir_smart_check(&f, &req, who, &q, &e);
}

static void
test_patient_scope_binds_a_read_to_the_launch_patient(void)
{
	med_principal p =
		principal("launch/patient patient/Observation.rs", PID);
	fhir_read r;

	MT_EQ_INT(check_read(&p, "Observation", "obs-1", &r), MED_OK);
	MT_TRUE(r.scope_patient != NULL);
	MT_EQ_STR(r.scope_patient, PID);
	/* A type no scope names stays closed, and nothing is bound. */
	MT_EQ_INT(check_read(&p, "Condition", "c-1", &r), MED_ERR_DENIED);
	MT_TRUE(r.scope_patient == NULL);
}

static void
test_user_scope_needs_no_binding(void)
{
	med_principal p =
		principal("user/Observation.r patient/Observation.rs", PID);
	fhir_read r;

	MT_EQ_INT(check_read(&p, "Observation", "obs-1", &r), MED_OK);
	MT_TRUE(r.scope_patient == NULL);
}

static void
test_no_launch_patient_reaches_nothing(void)
{
	med_principal p = principal("patient/*.rs", "");
	fhir_read r;

	MT_EQ_INT(check_read(&p, "Observation", "obs-1", &r), MED_ERR_DENIED);
	MT_EQ_INT(check_read(&p, "Patient", PID, &r), MED_ERR_DENIED);
}

static void
test_patient_read_is_judged_by_its_path(void)
{
	med_principal p = principal("patient/Patient.r", PID);
	fhir_read r;

	MT_EQ_INT(check_read(&p, "Patient", PID, &r), MED_OK);
	MT_TRUE(r.scope_patient == NULL);
	MT_EQ_INT(check_read(&p, "Patient", OTHER, &r), MED_ERR_DENIED);
}

static void
test_search_names_its_patient(void)
{
	med_principal p = principal("patient/Observation.rs", PID);

	MT_EQ_INT(check_search(&p, "Observation", PID), MED_OK);
	MT_EQ_INT(check_search(&p, "Observation", OTHER), MED_ERR_DENIED);
	/* "r" alone reads by id but does not search. */
	p = principal("patient/Observation.r", PID);
	MT_EQ_INT(check_search(&p, "Observation", PID), MED_ERR_DENIED);
}

static void
test_no_scope_claim_is_judged_by_roles(void)
{
	med_principal p = principal("", "");
	fhir_read r;

	p.has_scope_claim = false;
	MT_EQ_INT(check_read(&p, "Observation", "obs-1", &r), MED_OK);
	MT_TRUE(r.scope_patient == NULL);
}

static const mt_case cases[] = {
	{"patient_scope_binds_a_read",
	 test_patient_scope_binds_a_read_to_the_launch_patient},
	{"user_scope_needs_no_binding", test_user_scope_needs_no_binding},
	{"no_launch_patient", test_no_launch_patient_reaches_nothing},
	{"patient_read_by_path", test_patient_read_is_judged_by_its_path},
	{"search_names_its_patient", test_search_names_its_patient},
	{"no_scope_claim", test_no_scope_claim_is_judged_by_roles},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
