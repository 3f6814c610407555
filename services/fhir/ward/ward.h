/*
 * ward.h - the ward console (ward/, above write/): what ward.c (routing, the
 * census, AuditEvent search, calls and answers; on top), ward_audit.c
 * (break-glass grants as Consent, the inclusion proof as Parameters),
 * ward_mar.c (the MAR) and ward_bundle.c (the searchset Bundle and its links,
 * upstream failures; at the bottom) share: the ward console's searches (issue
 * 37).
 */
#ifndef SMARTMED_FHIR_WARD_H
#define SMARTMED_FHIR_WARD_H

#include <med/json.h>
#include <med/rpc.h>

#include "call.h"

/* ward_kind - which of the requests of ward.c's header. */
typedef enum ward_kind {
	WARD_NONE,
	WARD_CENSUS,
	WARD_AUDIT_SEARCH,
	WARD_GRANTS,
	WARD_PROOF,
	WARD_MAR,
	WARD_NEWS2,
} ward_kind;

/* The date parameters an AuditEvent search ANDs (a from and a to). */
/* The longest link or entry URL a ward Bundle writes. */
#define WARD_LINK_MAX 1024

#define WARD_DATES_MAX 2

/* ward_req - one request, from its parameters to its answer in w. */
typedef struct ward_req {
	fhir_facade *f;
	const fhir_request *req;
	ward_kind kind;
	const char *ward;	/* census: location */
	const char *status;	/* census: in-progress; Consent: active */
	const char *patient_id; /* AuditEvent, Consent */
	const char *event_id;	/* $inclusion-proof; $mar: the patient */
	const char *cursor;	/* _cursor: the service's page token */
	bool include_patient;
	size_t count;			/* _count; 0: the default */
	int64_t mar_from_ms, mar_to_ms; /* $mar: start, end; 0: dosage's */
	struct {
		fhir_date_prefix prefix;
		fhir_range range;
	} dates[WARD_DATES_MAX];
	size_t n_dates;
	fhir_call c;
	fhir_error e;
	med_json w;
	size_t n; /* resources written */
} ward_req;

/* fhir_ward_kind says which request req is (WARD_NONE: not ward.c's); *id
 * is the AuditEvent's id of a $inclusion-proof, in req's arena. */
ward_kind fhir_ward_kind(const fhir_facade *f, const fhir_request *req,
			 const char **id);

/* fhir_ward_searchset_begin opens x's searchset Bundle with its self link
 * and, when next is a page token, its next link; then its entry array. */
void fhir_ward_searchset_begin(ward_req *x, const char *next);

/* fhir_ward_searchset_end closes what fhir_ward_searchset_begin opened. */
void fhir_ward_searchset_end(ward_req *x);

/* fhir_ward_entry_raw writes an entry whose resource is raw JSON. */
void fhir_ward_entry_raw(ward_req *x, const char *type, const char *id,
			 const char *raw, size_t len, const char *mode);

/* fhir_ward_upstream_failed turns a service's refusal into x->e. */
med_err fhir_ward_upstream_failed(ward_req *x, const char *service,
				  const med_rpc_status *st);

/* fhir_ward_serve_grants writes identity's break-glass grants as a
 * searchset of Consent (ward_audit.c). */
med_err fhir_ward_serve_grants(ward_req *x);

/* fhir_ward_serve_proof writes the event's inclusion proof against the
 * latest signed tree head as Parameters (ward_audit.c). */
med_err fhir_ward_serve_proof(ward_req *x);

/* fhir_ward_serve_mar writes dosage's MAR (GetMar) of x->patient_id as
 * Parameters (ward_mar.c). */
med_err fhir_ward_serve_mar(ward_req *x);

/* fhir_ward_serve_news2 writes the NEWS2 score of x->patient_id's latest
 * vital signs in records as Parameters (ward_news2.c). */
med_err fhir_ward_serve_news2(ward_req *x);

/* The parts of a Parameters resource (ward_params.c), each written as one
 * object into an open "parameter" or "part" array of w:
 * fhir_ward_part_begin opens {"name": name} (the caller adds the value
 * and closes it); _str writes key: v (nothing for an empty v); _instant
 * a valueInstant (nothing for 0); _int a valueInteger; _bool a
 * valueBoolean. */
void fhir_ward_part_begin(med_json *w, const char *name);
void fhir_ward_part_str(med_json *w, const char *name, const char *key,
			const char *v);
void fhir_ward_part_instant(med_json *w, const char *name, int64_t ms);
void fhir_ward_part_int(med_json *w, const char *name, int64_t v);
void fhir_ward_part_bool(med_json *w, const char *name, bool v);

/* --- console.c (issue 37) --------------------------------------------- */

/* fhir_console_handle answers req when its path is /console or below it
 * (the ward console's static files, config.json from the settings) and
 * returns true; false: not the console's (or it is not served). */
bool fhir_console_handle(const fhir_facade *f, const fhir_request *req,
			 fhir_response *resp);

/* --- ward.c (ward, issue 37) ---------------------------------------------
 * The ward console's searches: Encounter?location= (the ward census),
 * AuditEvent?patient=, Consent (break-glass grants) and
 * AuditEvent/{id}/$inclusion-proof; ward.h holds the rest.
 */

/* fhir_ward_claims is true for a request ward.c answers. */
bool fhir_ward_claims(const fhir_facade *f, const fhir_request *req);

/* fhir_ward_handle answers it: authenticate, serve as the caller, audit. */
void fhir_ward_handle(fhir_facade *f, const fhir_request *req,
		      fhir_response *resp);

#endif
