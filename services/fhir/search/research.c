/*
 * research.c - $research-export: an auditor-approved project's cohort as
 * de-identified FHIR NDJSON (deid.c does the de-identification).
 *
 * The facade reads the project, the patients and their resources as
 * itself (its service certificate, no user token): the researcher has no
 * care relationship with the cohort and must never read it identified.
 * Order: the caller's role, the project (researcher, revoked, expired),
 * the cohort (unknown patients, linked records as one person, the k
 * check), then the resources person by person; no byte is sent before
 * every check has passed, and every outcome is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include <med/audit.h>
#include <med/fhir.h>
#include <med/log.h>
#include <med/util.h>

#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#include "deid.h"
#include "search.h"

#define K_DEFAULT 5
/* Identity links one level deep (a survivor is never itself merged); a
 * few hops more tolerate a link changed between two reads. */
#define LINK_HOPS_MAX 4
/* The NDJSON body, held in memory until every check has passed. */
#define RESEARCH_BODY_MAX (48u << 20)

typedef Smartmed__Audit__V1__ResearchProject research_project;
typedef Smartmed__Identity__V1__Patient identity_patient;

/*
 * cohort_person - one person of the cohort: who (identity's record of
 * the person, the survivor when records were linked) and the cohort's
 * records that are this person (indexes into the cohort, in its order).
 */
typedef struct cohort_person {
	const identity_patient *who;
	size_t *records;
	size_t n_records;
} cohort_person;

/* export_run - one export's state. */
typedef struct export_run {
	fhir_facade *f;
	fhir_call c; /* as the facade itself: no token */
	const research_project *proj;
	deid_project dp;
	bool want[DEID_N_TYPES];
	char types[512]; /* the types asked for, for the audit event */
	char today[11];
	deid_subject subject;	/* the record being exported */
	cohort_person *persons; /* linked records count once */
	size_t n_persons;
	json_t *lines[DEID_N_TYPES]; /* arrays of de-identified resources */
	json_t *patients;	     /* array of research Patients */
	size_t n_resources;
	size_t body_len;
} export_run;

/* fail_as overrides the HTTP status and issue code of a failure for the
 * outcomes that have no gRPC counterpart (422, 501). */
static med_err
fail_as(fhir_error *e, med_err err, int http_status, const char *issue)
{
	e->http_status = http_status;
	e->issue_code = issue;
	return err;
}

/* parse_types reads _type ("T1,T2"); absent: every type. */
static med_err
parse_types(export_run *r, const char *csv, fhir_error *e)
{
	char copy[512], *save = NULL;

	for (size_t i = 0; i < DEID_N_TYPES; i++)
		r->want[i] = csv == NULL;
	snprintf(r->types, sizeof(r->types), "%s", csv ? csv : "all");
	if (csv == NULL)
		return MED_OK;
	if (strlen(csv) >= sizeof(copy))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "_type: too long");
	snprintf(copy, sizeof(copy), "%s", csv);
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		int i = deid_type_index(t);

		if (strcmp(t, "Patient") == 0)
			continue; /* always there: the other lines' anchor */
		if (i < 0)
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "_type: %.64s is not exported "
					 "(see docs/api/fhir.md)",
					 t);
		r->want[i] = true;
	}
	return MED_OK;
}

/* --- the project and the cohort ------------------------------------------ */

static med_err
get_project(export_run *r, const char *project_id, fhir_error *e)
{
	Smartmed__Audit__V1__GetResearchProjectRequest in =
		SMARTMED__AUDIT__V1__GET_RESEARCH_PROJECT_REQUEST__INIT;
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};

	in.project_id = (char *)project_id;
	if (fhir_call_unary(&r->c, r->f->audit_rpc,
			    "/smartmed.audit.v1.Audit/GetResearchProject",
			    &in.base,
			    &smartmed__audit__v1__research_project__descriptor,
			    &out, &st) != MED_OK) {
		if (st.code == MED_GRPC_NOT_FOUND)
			return fhir_fail(e, MED_GRPC_NOT_FOUND,
					 "project %.64s: no such project",
					 project_id);
		return fhir_fail(e, st.code ? st.code : MED_GRPC_INTERNAL,
				 "audit: %s", st.message);
	}
	r->proj = (const research_project *)out;
	return MED_OK;
}

/* check_project: this caller, and an approval still in force. */
static med_err
check_project(const export_run *r, const med_principal *who, fhir_error *e)
{
	const research_project *p = r->proj;

	if (strcmp(p->researcher, who->user) != 0)
		return fhir_fail(e, MED_GRPC_PERMISSION_DENIED,
				 "project %.64s: you are not its researcher",
				 p->project_id);
	if (p->revoked_ms != 0)
		return fhir_fail(e, MED_GRPC_FAILED_PRECONDITION,
				 "project %.64s: revoked", p->project_id);
	if (p->expires_ms <= med_now_ms())
		return fhir_fail(e, MED_GRPC_FAILED_PRECONDITION,
				 "project %.64s: approval expired",
				 p->project_id);
	return MED_OK;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* failing_groups sorts the cohort's groups and counts those under k. */
static size_t
failing_groups(char **groups, size_t n, size_t k, size_t *n_groups)
{
	size_t failing = 0;

	qsort(groups, n, sizeof(*groups), compare_strings);
	*n_groups = 0;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && strcmp(groups[i], groups[j]) == 0; j++)
			;
		(*n_groups)++;
		failing += j - i < k;
	}
	return failing;
}

static size_t
project_k(const research_project *p)
{
	return p->min_group_size ? p->min_group_size : K_DEFAULT;
}

/* read_cohort reads every patient from identity (as the facade). */
static med_err
read_cohort(export_run *r, identity_patient **pats, fhir_error *e)
{
	size_t unknown = 0;

	for (size_t i = 0; i < r->proj->n_patient_ids; i++) {
		med_err err = fhir_get_patient(
			r->f, &r->c, r->proj->patient_ids[i], &pats[i], e);

		if (err == MED_ERR_NOT_FOUND)
			unknown++;
		else if (err != MED_OK)
			return err;
	}
	if (unknown > 0)
		return fail_as(e,
			       fhir_fail(e, MED_GRPC_FAILED_PRECONDITION,
					 "cohort: %zu of %zu patient ids are "
					 "unknown to identity",
					 unknown, r->proj->n_patient_ids),
			       422, "business-rule");
	return MED_OK;
}

/* person_of follows identity's links from pat to the record that stands
 * for the person (pat itself when it is not linked). */
static med_err
person_of(export_run *r, identity_patient *pat, identity_patient **who,
	  fhir_error *e)
{
	for (int hop = 0; pat->linked_to[0] != '\0'; hop++) {
		fhir_error got = {0};
		int code;

		if (hop == LINK_HOPS_MAX ||
		    fhir_get_patient(r->f, &r->c, pat->linked_to, &pat, &got) !=
			    MED_OK) {
			/* identity's status (UNAVAILABLE is worth a retry),
			 * not its message: that names the survivor's id.  A
			 * survivor identity does not know is its fault. */
			code = got.grpc_code && got.grpc_code !=
							MED_GRPC_NOT_FOUND
				       ? got.grpc_code
				       : MED_GRPC_INTERNAL;
			return fhir_fail(e, code,
					 "cohort: a linked record could not "
					 "be followed to its survivor");
		}
	}
	*who = pat;
	return MED_OK;
}

/* record_of - a cohort record (its index) and the person it is. */
typedef struct record_of {
	const identity_patient *who;
	size_t at;
} record_of;

/* compare_records orders records by person, then by cohort index. */
static int
compare_records(const void *a, const void *b)
{
	const record_of *x = a, *y = b;
	int c = strcmp(x->who->patient_id, y->who->patient_id);

	return c != 0 ? c : (x->at > y->at) - (x->at < y->at);
}

/* compare_persons orders persons by their first record in the cohort. */
static int
compare_persons(const void *a, const void *b)
{
	const cohort_person *x = a, *y = b;

	return (x->records[0] > y->records[0]) -
	       (x->records[0] < y->records[0]);
}

/*
 * group_persons turns the cohort's records into persons: records that
 * identity has linked (LinkPatients) are one person, so that one person
 * registered twice counts once for k and is one Patient in the export.
 * Persons come in the order of their first record in the cohort.
 */
static med_err
group_persons(export_run *r, identity_patient **pats, fhir_error *e)
{
	size_t n = r->proj->n_patient_ids;
	record_of *recs = med_arena_zalloc(r->c.arena, (n + 1) * sizeof(*recs));
	size_t *idx = med_arena_zalloc(r->c.arena, (n + 1) * sizeof(*idx));
	med_err err;

	r->persons =
		med_arena_zalloc(r->c.arena, (n + 1) * sizeof(*r->persons));
	if (recs == NULL || idx == NULL || r->persons == NULL)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	for (size_t i = 0; i < n; i++) {
		identity_patient *who = NULL;

		if ((err = person_of(r, pats[i], &who, e)) != MED_OK)
			return err;
		recs[i] = (record_of){who, i};
	}
	qsort(recs, n, sizeof(*recs), compare_records);
	/* A person's records are adjacent once sorted: idx[i..] holds them. */
	for (size_t i = 0; i < n; i++) {
		cohort_person *p;

		if (i == 0 || strcmp(recs[i - 1].who->patient_id,
				     recs[i].who->patient_id) != 0) {
			p = &r->persons[r->n_persons++];
			p->who = recs[i].who;
			p->records = &idx[i];
		}
		p = &r->persons[r->n_persons - 1];
		p->records[p->n_records++] = recs[i].at;
	}
	qsort(r->persons, r->n_persons, sizeof(*r->persons), compare_persons);
	return MED_OK;
}

/* check_k refuses a cohort with a quasi-identifier group of fewer than k
 * persons; it names the counts, never a patient or a group. */
static med_err
check_k(export_run *r, fhir_error *e)
{
	size_t n = r->n_persons, k = project_k(r->proj), n_groups;
	char **groups = med_arena_zalloc(r->c.arena, n * sizeof(*groups) + 1);
	size_t failing;

	if (groups == NULL)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	for (size_t i = 0; i < n; i++) {
		const identity_patient *who = r->persons[i].who;

		groups[i] = med_arena_alloc(r->c.arena, 32);
		if (groups[i] == NULL)
			return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
					 "out of memory");
		deid_group_of(fhir_patient_gender(who), who->birth_date,
			      r->today, groups[i], 32);
	}
	failing = failing_groups(groups, n, k, &n_groups);
	if (failing == 0)
		return MED_OK;
	return fail_as(e,
		       fhir_fail(e, MED_GRPC_FAILED_PRECONDITION,
				 "k check: %zu of %zu groups (year of birth "
				 "or 90+, sex) have fewer than k=%zu "
				 "persons (linked records count once); "
				 "nothing was exported",
				 failing, n_groups, k),
		       422, "business-rule");
}

/* --- the resources ------------------------------------------------------- */

static med_err
keep_line(export_run *r, json_t *arr, json_t *res, fhir_error *e)
{
	char *text = json_dumps(res, JSON_COMPACT | JSON_REAL_PRECISION(15));
	size_t len = text ? strlen(text) + 1 : 0;

	free(text);
	if (len == 0)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	r->body_len += len;
	if (r->body_len > RESEARCH_BODY_MAX)
		return fail_as(e,
			       fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
					 "export larger than %u MiB: ask for "
					 "fewer _type or split the cohort",
					 RESEARCH_BODY_MAX >> 20),
			       413, "too-costly");
	json_array_append(arr, res);
	r->n_resources++;
	return MED_OK;
}

/* take_entry de-identifies one exported resource of a wanted type. */
static med_err
take_entry(export_run *r, json_t *res, fhir_error *e)
{
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	int i = type ? deid_type_index(type) : -1;
	json_t *out = NULL;
	med_err err;

	/* The services' Patient stubs are replaced by identity's. */
	if (i < 0 || !r->want[i])
		return MED_OK;
	err = deid_resource(&r->dp, &r->subject, res, &out);
	if (err == MED_ERR_NOMEM)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	if (err != MED_OK)
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "export: a %s without an id", type);
	err = keep_line(r, r->lines[i], out, e);
	json_decref(out);
	return err;
}

static med_err
take_page(void *ctx, const char *bundle_json, fhir_error *e)
{
	export_run *r = ctx;
	json_error_t jerr;
	json_t *doc = json_loads(bundle_json, JSON_REJECT_DUPLICATES, &jerr);
	json_t *entry;
	size_t i;
	med_err err = MED_OK;

	if (!json_is_object(doc)) {
		json_decref(doc);
		return fhir_fail(e, MED_GRPC_INTERNAL, "export: not JSON (%s)",
				 jerr.text);
	}
	json_array_foreach(json_object_get(doc, "entry"), i, entry)
	{
		json_t *res = json_object_get(entry, "resource");

		if (json_is_object(res))
			err = take_entry(r, res, e);
		if (err != MED_OK)
			break;
	}
	json_decref(doc);
	return err;
}

/* source_wanted: a source is read only for a type the export writes
 * (identity's encounters are not de-identified, so never exported), and
 * the note reader's unconfirmed suggestions never (they quote notes). */
static bool
source_wanted(const export_run *r, const fhir_source *src)
{
	if (src->unconfirmed)
		return false;
	for (const char *const *t = src->types; *t != NULL; t++) {
		int i = deid_type_index(*t);

		if (i >= 0 && r->want[i])
			return true;
	}
	return false;
}

static med_err
export_record(export_run *r, const char *record_id, fhir_error *e)
{
	med_err err = MED_OK;

	r->subject.record_id = record_id;
	for (size_t i = 0; err == MED_OK && i < fhir_n_sources(); i++) {
		fhir_source *src = &fhir_sources()[i];

		if (src->ch != NULL && source_wanted(r, src))
			err = fhir_export_all(src, &r->c, record_id, take_page,
					      r, e);
	}
	return err;
}

/* export_person writes one Patient for the person and the resources of
 * each of the cohort's records that are this person. */
static med_err
export_person(export_run *r, const cohort_person *p, fhir_error *e)
{
	json_t *pat = deid_patient(&r->dp, p->who->patient_id,
				   fhir_patient_gender(p->who),
				   p->who->birth_date, r->today);
	med_err err;

	if (pat == NULL)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	err = keep_line(r, r->patients, pat, e);
	json_decref(pat);
	r->subject.person_id = p->who->patient_id;
	for (size_t i = 0; err == MED_OK && i < p->n_records; i++)
		err = export_record(r, r->proj->patient_ids[p->records[i]], e);
	return err;
}

/* write_ndjson joins the lines: Patients, then each type in order. */
static med_err
write_ndjson(export_run *r, med_arena *a, fhir_response *resp, fhir_error *e)
{
	char *body = med_arena_alloc(a, r->body_len + 1);
	size_t at = 0;

	if (body == NULL)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	for (size_t t = 0; t <= DEID_N_TYPES; t++) {
		json_t *arr = t == 0 ? r->patients : r->lines[t - 1], *res;
		size_t i;

		json_array_foreach(arr, i, res)
		{
			char *text = json_dumps(
				res, JSON_COMPACT | JSON_REAL_PRECISION(15));
			size_t len = text ? strlen(text) : 0;

			if (text == NULL || at + len + 1 > r->body_len) {
				free(text);
				return fhir_fail(e, MED_GRPC_INTERNAL,
						 "export: size");
			}
			memcpy(body + at, text, len);
			body[at + len] = '\n';
			at += len + 1;
			free(text);
		}
	}
	body[at] = '\0';
	resp->body = body;
	resp->len = at;
	resp->content_type = "application/fhir+ndjson";
	return MED_OK;
}

/* --- the whole export ---------------------------------------------------- */

static void
today_utc(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static med_err
prepare(export_run *r, const fhir_query *q, const med_principal *who,
	fhir_error *e)
{
	med_err err;

	if (!r->f->research_key_loaded)
		return fail_as(e,
			       fhir_fail(e, MED_GRPC_UNIMPLEMENTED,
					 "research export not configured: "
					 "MED_RESEARCH_KEY_FILE is not set"),
			       501, "not-supported");
	if ((who->roles & MED_ROLE_RESEARCHER) == 0)
		return fhir_fail(e, MED_GRPC_PERMISSION_DENIED,
				 "research export: role researcher required");
	if (r->f->audit_rpc == NULL)
		return fail_as(e,
			       fhir_fail(e, MED_GRPC_UNIMPLEMENTED,
					 "research export not configured: "
					 "MED_AUDIT_GRPC_URL is not set"),
			       501, "not-supported");
	if ((err = parse_types(r, q->types, e)) != MED_OK ||
	    (err = get_project(r, q->project_id, e)) != MED_OK ||
	    (err = check_project(r, who, e)) != MED_OK)
		return err;
	deid_project_init(&r->dp, r->f->research_key, r->proj->project_id);
	r->dp.max_shift_days = r->f->research_shift_days;
	r->dp.include_narrative = r->proj->include_narrative;
	r->dp.age_group_url = r->f->research_age_group_url;
	return MED_OK;
}

static med_err
run_export(export_run *r, const fhir_query *q, const med_principal *who,
	   fhir_response *resp, fhir_error *e)
{
	identity_patient **pats;
	med_err err = prepare(r, q, who, e);

	if (err != MED_OK)
		return err;
	pats = med_arena_zalloc(r->c.arena,
				(r->proj->n_patient_ids + 1) * sizeof(*pats));
	if (pats == NULL)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	if ((err = read_cohort(r, pats, e)) != MED_OK ||
	    (err = group_persons(r, pats, e)) != MED_OK ||
	    (err = check_k(r, e)) != MED_OK)
		return err;
	for (size_t i = 0; err == MED_OK && i < r->n_persons; i++)
		err = export_person(r, &r->persons[i], e);
	if (err == MED_OK)
		err = write_ndjson(r, r->c.arena, resp, e);
	return err;
}

/* end_export names the project and the export's figures on call and ends
 * it, which emits the access event. */
static med_err
end_export(med_call *call, const export_run *r, const fhir_query *q,
	   const fhir_error *e, bool ok)
{
	char status[8], k[16], patients[24], persons[24], resources[24],
		resource[96];
	const research_project *p = r->proj;
	const med_audit_detail details[] = {
		{"project", q->project_id},
		{"k", k},
		{"patients", patients},
		{"persons", persons},
		{"resources", resources},
		{"include_narrative",
		 p && p->include_narrative ? "true" : "false"},
		{"types", r->types[0] ? r->types : "-"},
		{"http_status", status},
		{"interface", "fhir"},
	};

	snprintf(resource, sizeof(resource), "ResearchProject/%.64s",
		 q->project_id);
	snprintf(status, sizeof(status), "%d", ok ? 200 : e->http_status);
	snprintf(k, sizeof(k), "%zu", p ? project_k(p) : 0);
	snprintf(patients, sizeof(patients), "%zu",
		 ok && p ? p->n_patient_ids : 0);
	snprintf(persons, sizeof(persons), "%zu", ok ? r->n_persons : 0);
	snprintf(resources, sizeof(resources), "%zu", ok ? r->n_resources : 0);
	med_call_set_resource(call, resource);
	med_call_add_details(call, details, sizeof(details) / sizeof(*details));
	return med_call_end(call, ok ? 0 : e->grpc_code);
}

static void
run_free(export_run *r)
{
	for (size_t i = 0; i < DEID_N_TYPES; i++)
		json_decref(r->lines[i]);
	json_decref(r->patients);
	sodium_memzero(&r->dp, sizeof(r->dp));
}

void
fhir_research_export(fhir_facade *f, const fhir_request *req,
		     const fhir_query *q, med_call *call, fhir_response *resp)
{
	const med_principal *who = med_call_principal(call);
	/* Every patient is read from identity before any export. */
	export_run r = {.f = f,
			.c = {.arena = req->arena,
			      .opts = {.request_id = req->request_id},
			      .patient_known = true}};
	fhir_error e = {0};
	med_err err = MED_OK;

	today_utc(r.today);
	r.patients = json_array();
	for (size_t i = 0; i < DEID_N_TYPES; i++)
		if ((r.lines[i] = json_array()) == NULL)
			err = fhir_fail(&e, MED_GRPC_RESOURCE_EXHAUSTED,
					"out of memory");
	if (err == MED_OK && r.patients != NULL)
		err = run_export(&r, q, who, resp, &e);
	else if (err == MED_OK)
		err = fhir_fail(&e, MED_GRPC_RESOURCE_EXHAUSTED,
				"out of memory");
	if (end_export(call, &r, q, &e, err == MED_OK) != MED_OK) {
		med_log_error("audit spool refused the event: export refused");
		err = fhir_fail(&e, MED_GRPC_INTERNAL, "audit unavailable");
	}
	if (err == MED_OK)
		resp->status = 200;
	else
		fhir_respond_outcome(resp, req->arena, &e);
	run_free(&r);
}
