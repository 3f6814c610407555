/*
 * read.c - read, vread and instance history of every exported type
 * ([base]/{type}/{id}, .../_history/{vid}, .../_history; fhirread, issue
 * 35), so that every reference the facade emits resolves.  A resource is
 * asked of the service that holds its type (types.c's sources) by that
 * service's ReadFhir, with the caller's token: the service finds the
 * resource's patient and applies its own roles, care relationship and
 * break-glass to it, as for ExportFhir.  Patient comes from identity's
 * GetPatient, under identity's lookup scope, as before.  Each read carries
 * ETag W/"version" and Last-Modified, and answers 304 to a matching
 * If-None-Match or If-Modified-Since.
 */
/* strptime and timegm: the build defines _GNU_SOURCE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <med/fhir.h>
#include <med/util.h>

#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"
#include "smartmed/dosage/v1/dosage.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"
#include "smartmed/records/v1/records.pb-c.h"

#include "search.h"

/* Versions an instance history lists at most, newest first. */
#define HISTORY_MAX 100

/* reader - one service's ReadFhir and the types it reads.  Every ReadFhir
 * shares one shape (type = 1, id = 2, version = 3 -> resource_json = 1,
 * version = 2, last_updated_ms = 3, patient_id = 4, versions_kept = 5),
 * read by field name as upstream.c reads ExportFhir. */
typedef struct reader {
	const char *service; /* a fhir_source's, whose channel it uses */
	const char *path;
	const ProtobufCMessageDescriptor *in_desc, *out_desc;
	const char *const *types;
} reader;

static const char *const records_types[] = {"Observation", "AllergyIntolerance",
					    "DocumentReference", NULL};
/* MedicationStatement: dosage's home-medicine list, then (last) the note
 * reader's pending suggestions. */
static const char *const dosage_types[] = {
	"MedicationRequest", "MedicationAdministration", "Medication",
	"MedicationStatement", NULL};
static const char *const identity_types[] = {"Encounter", NULL};
static const char *const audit_types[] = {"AuditEvent", NULL};
static const char *const suggestion_types[] = {
	"AllergyIntolerance", "Condition", "MedicationStatement", "Provenance",
	NULL};
static const char *const diagnosis_types[] = {
	"Condition",   "CarePlan",   "Goal", "DiagnosticReport",
	"Observation", "Provenance", NULL};
/* The services that read, asked in this order for a type two hold
 * (Observation: records, then diagnosis). */
static const reader readers[] = {
	{"records", "/smartmed.records.v1.Records/ReadFhir",
	 &smartmed__records__v1__read_fhir_request__descriptor,
	 &smartmed__records__v1__read_fhir_response__descriptor, records_types},
	{"dosage", "/smartmed.dosage.v1.Dosage/ReadFhir",
	 &smartmed__dosage__v1__read_fhir_request__descriptor,
	 &smartmed__dosage__v1__read_fhir_response__descriptor, dosage_types},
	{"diagnosis", "/smartmed.diagnosis.v1.Diagnosis/ReadFhir",
	 &smartmed__diagnosis__v1__read_fhir_request__descriptor,
	 &smartmed__diagnosis__v1__read_fhir_response__descriptor,
	 diagnosis_types},
	{"identity", "/smartmed.identity.v1.Identity/ReadFhir",
	 &smartmed__identity__v1__read_fhir_request__descriptor,
	 &smartmed__identity__v1__read_fhir_response__descriptor,
	 identity_types},
	/* The audit service's gRPC channel is the research export's
	 * (MED_AUDIT_GRPC_URL): without it AuditEvent is not read. */
	{"audit", "/smartmed.audit.v1.Audit/ReadFhir",
	 &smartmed__audit__v1__read_fhir_request__descriptor,
	 &smartmed__audit__v1__read_fhir_response__descriptor, audit_types},
	/* Last: the note reader's pending suggestions (their ids are the
	 * suggestions', never an entry's or a condition's). */
	{"records", "/smartmed.records.v1.Records/ReadSuggestionFhir",
	 &smartmed__records__v1__read_fhir_request__descriptor,
	 &smartmed__records__v1__read_fhir_response__descriptor,
	 suggestion_types},
};
#define N_READERS (sizeof(readers) / sizeof(*readers))

static bool
listed(const char *const *types, const char *type)
{
	for (; *types != NULL; types++)
		if (strcmp(*types, type) == 0)
			return true;
	return false;
}

/* channel_of is the channel of r's service; NULL: not configured. */
static med_channel *
channel_of(const fhir_facade *f, const reader *r)
{
	if (strcmp(r->service, "audit") == 0)
		return f->audit_rpc;
	for (size_t i = 0; i < fhir_n_sources(); i++)
		if (strcmp(fhir_sources()[i].service, r->service) == 0)
			return fhir_sources()[i].ch;
	return NULL;
}

/* type_is_read: a configured service reads type (Patient: identity). */
static bool
type_is_read(const fhir_facade *f, const char *type)
{
	if (strcmp(type, "Patient") == 0)
		return true;
	for (size_t i = 0; i < N_READERS; i++)
		if (listed(readers[i].types, type) &&
		    channel_of(f, &readers[i]) != NULL)
			return true;
	return false;
}

size_t
fhir_read_types(const fhir_facade *f, const char **out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < N_READERS; i++) {
		if (channel_of(f, &readers[i]) == NULL)
			continue;
		for (const char *const *t = readers[i].types; *t != NULL; t++) {
			bool seen = false;

			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(out[k], *t) == 0;
			if (!seen && n < cap)
				out[n++] = *t;
		}
	}
	return n;
}

bool
fhir_read_serves(const fhir_facade *f, const char *type)
{
	return type_is_read(f, type);
}

/* The types whose every version a service keeps (records' entries,
 * diagnosis's ConditionHistory): vread reads older versions of them. */
static const char *const history_types[] = {"Observation", "AllergyIntolerance",
					    "DocumentReference", "Condition",
					    NULL};

bool
fhir_read_keeps_versions(const char *type)
{
	return listed(history_types, type);
}

/* --- routing --------------------------------------------------------------
 */

static bool
parse_version(const char *s, uint32_t *out)
{
	char *end = NULL;
	unsigned long v;

	if (s[0] < '1' || s[0] > '9' || strlen(s) > 9)
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0')
		return false;
	*out = (uint32_t)v;
	return true;
}

/* split cuts rest into at most 5 segments (5: too many). */
static size_t
split(med_arena *a, const char *rest, char **seg)
{
	char *copy = med_arena_strdup(a, rest), *save = NULL;
	size_t n = 0;

	if (copy == NULL)
		return 0;
	for (char *s = strtok_r(copy, "/", &save); s != NULL && n < 5;
	     s = strtok_r(NULL, "/", &save))
		seg[n++] = s;
	return n;
}

static med_err
read_target(char **seg, size_t n, fhir_query *q, fhir_read *r, fhir_error *e)
{
	/* Named first: a refused request is audited as what it asked. */
	q->what = n == 2 ? FHIR_READ : n == 3 ? FHIR_HISTORY : FHIR_VREAD;
	if (!med_fhir_id_ok(seg[1]))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s id: not a FHIR id (1..64 of A-Z a-z 0-9 "
				 "- .)",
				 q->type);
	r->id = seg[1];
	if (n == 4 && !parse_version(seg[3], &r->version))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "_history: want a version 1..999999999, got "
				 "'%.20s'",
				 seg[3]);
	if (strcmp(q->type, "Patient") == 0)
		q->patient_id = r->id;
	return MED_OK;
}

bool
fhir_read_route(const fhir_facade *f, const fhir_request *req, const char *rest,
		fhir_query *q, fhir_error *e, med_err *err)
{
	char *seg[5] = {0};
	size_t n = split(req->arena, rest, seg);
	fhir_read *r;

	/* [type]/_search and Patient/$op are not ids (an id has neither
	 * '_' nor '$' in it): the search routes take them. */
	if (n < 2 || n > 4 || (n > 2 && strcmp(seg[2], "_history") != 0) ||
	    seg[1][0] == '_' || seg[1][0] == '$' || !type_is_read(f, seg[0]))
		return false;
	if ((r = med_arena_zalloc(req->arena, sizeof(*r))) == NULL) {
		*err = fhir_fail(e, MED_GRPC_INTERNAL, "out of memory");
		return true;
	}
	q->type = seg[0];
	q->read = r;
	*err = read_target(seg, n, q, r, e);
	/* A read is whole: no parameter narrows or pages it. */
	if (*err == MED_OK && req->n_params > 0)
		*err = fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%.40s: not a parameter of this interaction",
				 req->params[0].key);
	return true;
}

/* --- one version of a resource ------------------------------------------ */

/* read_one - what a ReadFhir answered. */
typedef struct read_one {
	const char *json;
	uint32_t version;
	int64_t updated_ms;
	const char *patient_id;
	bool versions_kept;
} read_one;

static void *
field(const ProtobufCMessage *m, const char *name, ProtobufCType type)
{
	const ProtobufCFieldDescriptor *fd =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor,
								name);

	return fd != NULL && fd->type == type ? (char *)m + fd->offset : NULL;
}

static ProtobufCMessage *
read_request(const reader *r, med_arena *a, const char *type, const char *id,
	     uint32_t version)
{
	ProtobufCMessage *in = med_arena_zalloc(a, r->in_desc->sizeof_message);
	char **t, **i;
	uint32_t *v;

	if (in == NULL)
		return NULL;
	protobuf_c_message_init(r->in_desc, in);
	t = field(in, "type", PROTOBUF_C_TYPE_STRING);
	i = field(in, "id", PROTOBUF_C_TYPE_STRING);
	v = field(in, "version", PROTOBUF_C_TYPE_UINT32);
	if (t == NULL || i == NULL || v == NULL)
		return NULL;
	*t = (char *)type;
	*i = (char *)id;
	*v = version;
	return in;
}

static bool
read_reply(const ProtobufCMessage *out, read_one *o)
{
	char **json = field(out, "resource_json", PROTOBUF_C_TYPE_STRING);
	uint32_t *v = field(out, "version", PROTOBUF_C_TYPE_UINT32);
	int64_t *ms = field(out, "last_updated_ms", PROTOBUF_C_TYPE_INT64);
	char **pid = field(out, "patient_id", PROTOBUF_C_TYPE_STRING);
	protobuf_c_boolean *kept =
		field(out, "versions_kept", PROTOBUF_C_TYPE_BOOL);

	if (json == NULL || v == NULL || ms == NULL || pid == NULL ||
	    kept == NULL || *json == NULL || (*json)[0] != '{')
		return false;
	o->json = *json;
	o->version = *v;
	o->updated_ms = *ms;
	o->patient_id = *pid && (*pid)[0] ? *pid : NULL;
	o->versions_kept = *kept;
	return true;
}

static med_err
ask(const reader *r, med_channel *ch, fhir_call *c, const char *type,
    const char *id, uint32_t version, read_one *o, fhir_error *e)
{
	ProtobufCMessage *in = read_request(r, c->arena, type, id, version);
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};

	if (in == NULL)
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "%s: ReadFhir request shape", r->service);
	if (fhir_call_unary(c, ch, r->path, in, r->out_desc, &out, &st) !=
	    MED_OK)
		return fhir_fail_upstream(e, r->service, &st);
	if (!read_reply(out, o))
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "%s: ReadFhir reply shape", r->service);
	return MED_OK;
}

/* read_service asks each service that reads type in turn, until one holds
 * the id (Observation: records, then diagnosis). */
static med_err
read_service(const fhir_facade *f, fhir_call *c, const char *type,
	     const char *id, uint32_t version, read_one *o, fhir_error *e)
{
	med_err err = fhir_fail(e, MED_GRPC_NOT_FOUND, "no %s %s", type, id);

	for (size_t i = 0; i < N_READERS; i++) {
		med_channel *ch = channel_of(f, &readers[i]);

		if (ch == NULL || !listed(readers[i].types, type))
			continue;
		err = ask(&readers[i], ch, c, type, id, version, o, e);
		if (err != MED_ERR_NOT_FOUND)
			return err;
	}
	return err;
}

/* read_patient is identity's Patient, written as the facade writes it. */
static med_err
read_patient(fhir_facade *f, fhir_call *c, const char *id, uint32_t version,
	     read_one *o, fhir_error *e)
{
	Smartmed__Identity__V1__Patient *p = NULL;
	med_json w;
	med_err err = fhir_get_patient(f, c, id, &p, e);

	if (err != MED_OK)
		return err;
	/* Identity keeps a patient's changes (PatientHistory), not each
	 * version's whole Patient: only the current one is readable. */
	if (version != 0 && version != p->version)
		return fhir_fail(e, MED_GRPC_NOT_FOUND,
				 "Patient %s: version %u is not the current "
				 "one (%u); only the current is kept as a "
				 "Patient",
				 id, version, (unsigned)p->version);
	med_json_init_arena(&w, c->arena, FHIR_BODY_MAX);
	med_json_begin(&w, NULL, '{');
	med_json_str(&w, "resourceType", "Patient");
	med_json_str(&w, "id", p->patient_id);
	fhir_patient_fields(&w, p, f->mrn_system);
	med_json_end(&w, '}');
	if ((o->json = med_json_text(&w, NULL)) == NULL)
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "Patient %s: not writable", id);
	o->version = p->version;
	o->updated_ms = p->updated_ms;
	o->patient_id = p->patient_id;
	o->versions_kept = false;
	return MED_OK;
}

static med_err
read_version(fhir_facade *f, fhir_call *c, const fhir_query *q,
	     uint32_t version, read_one *o, fhir_error *e)
{
	med_err err;

	memset(o, 0, sizeof(*o));
	if (strcmp(q->type, "Patient") == 0)
		err = read_patient(f, c, q->read->id, version, o, e);
	else
		err = read_service(f, c, q->type, q->read->id, version, o, e);
	/* A service that answered another version than asked is broken. */
	if (err == MED_OK && version != 0 && o->version != version)
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "%s/%s: asked version %u, got %u", q->type,
				 q->read->id, version, o->version);
	return err;
}

/* --- the answers -----------------------------------------------------------
 */

static void
format_etag(uint32_t version, char out[24])
{
	snprintf(out, 24, "W/\"%u\"", version);
}

/* format_http_date writes ms as an HTTP date (RFC 9110, IMF-fixdate). */
static bool
format_http_date(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	return ms > 0 && gmtime_r(&t, &tm) != NULL &&
	       strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0;
}

/* history_entry writes one version as a history Bundle entry. */
static void
history_entry(med_json *w, const fhir_facade *f, const fhir_query *q,
	      const read_one *o)
{
	char url[700], etag[24];

	snprintf(url, sizeof(url), "%s/%s/%s", f->base_url, q->type,
		 q->read->id);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "fullUrl", url);
	med_json_raw(w, "resource", o->json, strlen(o->json));
	med_json_begin(w, "request", '{');
	med_json_str(w, "method", o->version > 1 ? "PUT" : "POST");
	snprintf(url, sizeof(url), "%s/%s", q->type, q->read->id);
	med_json_str(w, "url", url);
	med_json_end(w, '}');
	med_json_begin(w, "response", '{');
	med_json_str(w, "status", o->version > 1 ? "200" : "201");
	format_etag(o->version, etag);
	med_json_str(w, "etag", etag);
	if (med_fhir_time_ok(o->updated_ms))
		med_fhir_instant(w, "lastModified", o->updated_ms);
	med_json_end(w, '}');
	med_json_end(w, '}');
}

/*
 * serve_history lists the versions newest first: every kept one (records
 * keeps each version of an entry), or the current alone for a service
 * that keeps only it.
 */
static med_err
serve_history(fhir_facade *f, fhir_call *c, const fhir_query *q,
	      const read_one *now, med_json *w, size_t *n, fhir_error *e)
{
	uint32_t oldest = now->versions_kept && now->version > HISTORY_MAX
				  ? now->version - HISTORY_MAX + 1
				  : 1;
	uint32_t count = now->versions_kept ? now->version - oldest + 1 : 1;
	med_err err = MED_OK;

	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Bundle");
	med_json_str(w, "type", "history");
	med_json_u64(w, "total", count);
	med_json_begin(w, "entry", '[');
	history_entry(w, f, q, now);
	for (uint32_t v = now->version - 1;
	     now->versions_kept && v >= oldest && v > 0 && err == MED_OK; v--) {
		read_one o;

		err = read_version(f, c, q, v, &o, e);
		if (err == MED_OK)
			history_entry(w, f, q, &o);
	}
	med_json_end(w, ']');
	med_json_end(w, '}');
	*n = count;
	return err;
}

/* scope_patient_ok: a read that only a patient/ scope let through
 * (smart.c) must have found a resource of the launch patient; another
 * patient's, or one of none (a Medication), is refused (403) with nothing
 * of the resource in the answer. */
static med_err
scope_patient_ok(const fhir_query *q, const read_one *o, fhir_error *e)
{
	const char *want = q->read->scope_patient;

	if (want == NULL ||
	    (o->patient_id != NULL && strcmp(o->patient_id, want) == 0))
		return MED_OK;
	return fhir_fail(e, MED_GRPC_PERMISSION_DENIED,
			 "scope: %s/%s is not the launch patient's; the "
			 "token's patient/ scope reaches that patient only",
			 q->type, q->read->id);
}

med_err
fhir_read_serve(fhir_facade *f, fhir_call *c, const fhir_query *q, med_json *w,
		size_t *n, fhir_error *e)
{
	fhir_read *r = q->read;
	read_one o;
	med_err err = read_version(f, c, q, r->version, &o, e);

	if (err != MED_OK)
		return err;
	r->patient_id = o.patient_id;
	if ((err = scope_patient_ok(q, &o, e)) != MED_OK)
		return err;
	r->current = o.version;
	r->updated_ms = o.updated_ms;
	if (q->what == FHIR_HISTORY)
		return serve_history(f, c, q, &o, w, n, e);
	med_json_raw(w, NULL, o.json, strlen(o.json));
	*n = 1;
	return MED_OK;
}

/*
 * fhir_read_patient learns the patient of a read whose path does not name
 * one (every type but Patient) by reading the resource as the user: a user
 * without care and without a grant is refused there by the service.
 */
med_err
fhir_read_patient(fhir_facade *f, const fhir_request *req, const fhir_query *q,
		  const char **patient_id, fhir_error *e)
{
	fhir_call c = fhir_user_call(req);
	read_one o;
	med_err err = read_version(f, &c, q, q->read->version, &o, e);

	if (err == MED_OK)
		*patient_id = o.patient_id;
	return err;
}

void
fhir_read_audit(const fhir_query *q, char *resource, size_t cap,
		const char **patient_id)
{
	/* A malformed id was refused before it was kept: "-". */
	snprintf(resource, cap, "%s/%s", q->type,
		 q->read->id != NULL ? q->read->id : "-");
	if (q->read->patient_id != NULL)
		*patient_id = q->read->patient_id;
}

/* --- conditional reads -----------------------------------------------------
 */

/* etag_listed: header (If-None-Match) names etag or "*"; weak
 * comparison, as RFC 9110 asks of If-None-Match. */
static bool
etag_listed(const char *header, uint32_t version)
{
	char strong[16], *copy, *save = NULL;
	char buf[512];

	snprintf(strong, sizeof(strong), "\"%u\"", version);
	med_strlcpy(buf, header, sizeof(buf));
	copy = buf;
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ' || *t == '\t')
			t++;
		if (strncmp(t, "W/", 2) == 0)
			t += 2;
		if (strcmp(t, "*") == 0 ||
		    strncmp(t, strong, strlen(strong)) == 0)
			return true;
	}
	return false;
}

/* not_modified_since: the resource has not changed since header's date
 * (If-Modified-Since; a date that does not parse is ignored). */
static bool
not_modified_since(const char *header, int64_t updated_ms)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(header, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0' || updated_ms <= 0)
		return false;
	return updated_ms / 1000 <= (int64_t)timegm(&tm);
}

void
fhir_read_respond(const fhir_request *req, const fhir_query *q,
		  fhir_response *resp)
{
	const fhir_read *r = q->read;
	char *etag, *date;
	bool same;

	if (resp->status != 200 || q->what == FHIR_HISTORY)
		return;
	etag = med_arena_alloc(req->arena, 24);
	date = med_arena_alloc(req->arena, 40);
	if (etag == NULL || date == NULL)
		return;
	format_etag(r->current, etag);
	resp->etag = etag;
	if (format_http_date(r->updated_ms, date))
		resp->last_modified = date;
	/* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2). */
	if (req->if_none_match != NULL)
		same = etag_listed(req->if_none_match, r->current);
	else
		same = req->if_modified_since != NULL &&
		       not_modified_since(req->if_modified_since,
					  r->updated_ms);
	if (same) {
		resp->status = 304;
		resp->body = "";
		resp->len = 0;
	}
}
