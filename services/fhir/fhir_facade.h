/*
 * fhir_facade.h - the FHIR R4 REST facade's internal interfaces.
 *
 * The facade is a read-only HTTPS front over the gRPC services: it checks
 * the caller's bearer token as the services do, calls them with mutual TLS
 * on the user's behalf (forwarding the token, so that every service applies
 * its own role, care-relationship and break-glass rules), turns their
 * answers into FHIR resources and Bundles, and audits every access.
 *
 * Files: main.c (wiring), server.c (the only user of libmicrohttpd),
 * call.c (a request's call and the request counter: the bottom, which
 * handle.c, write.c and ward.c call and which calls none of them),
 * route.c (URL and search parameters), handle.c (one function per FHIR
 * interaction), upstream.c (gRPC calls, status mapping), bundle.c (the
 * services' export bundles), patient.c, capability.c, outcome.c,
 * research.c ($research-export) and deid.c (its de-identification, deid.h).
 * The edge (fhiredge): edge.c (its settings), target.c (request targets),
 * liveness.c (the self-probe behind /healthz), smart.c (SMART discovery
 * and scopes).
 * Search (fhirsearch): search_params.c (parameters, POST bodies),
 * search_date.c (R4 date ranges and prefixes), search_filter.c (whether a
 * resource passes) and include.c (_include, _revinclude).
 * fhirread: read.c (read, vread and history of one resource by id, from
 * the services' ReadFhir).
 */
#ifndef FHIR_FACADE_H
#define FHIR_FACADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include <med/arena.h>
#include <med/auth.h>
#include <med/err.h>
#include <med/json.h>
#include <med/metrics.h>
#include <med/rpc.h>
#include <med/service.h>

struct med_audit;

/* fhiredge: the HTTPS edge's limits (server.c), from the MED_FHIR_*
 * settings (fhir_edge_configure). */
typedef struct fhir_edge {
	const char *tls_priority;   /* GnuTLS priority string */
	const char *client_ca_path; /* NULL: no client certificate asked */
	int threads;		    /* libmicrohttpd's thread pool */
	int max_conns;		    /* open connections in all */
	int max_conns_per_client;   /* ... from one IP address */
	int header_timeout_ms;	    /* request head, from accept: absolute */
	int answer_timeout_ms;	    /* answering and sending, from the head */
	int idle_timeout_s;	    /* keep-alive between requests */
	int liveness_probe_ms;	    /* self-probe period; 0: none */
	int max_inflight_per_user;  /* one user's requests at once; 0: any */
	int edge_audit_window_s;    /* refusals audited once per window */
} fhir_edge;

/* fhir_inflight - the requests each user has in flight (inflight.c). */
typedef struct fhir_inflight fhir_inflight;
struct fhir_facade;
struct fhir_response;

/* fhir_inflight_new makes a table for at most max_requests requests in
 * flight, max_per_user of one user (0: no cap), counting refusals in m
 * (may be NULL).  Errors: MED_ERR_NOMEM. */
med_err fhir_inflight_new(unsigned max_per_user, size_t max_requests,
			  struct med_metrics *m, fhir_inflight **out);

/* fhir_inflight_free frees t (NULL is fine). */
void fhir_inflight_free(fhir_inflight *t);

/* fhir_inflight_enter counts a request whose Authorization header is
 * authorization against its user, whose name it writes into user (""
 * when not counted: no valid token, or no cap).  MED_ERR_LIMIT: the user
 * already has the most requests in flight, nothing counted (user names
 * them, for the audit: the caller clears it before any leave).
 * Thread-safe. */
med_err fhir_inflight_enter(fhir_inflight *t, const struct fhir_facade *f,
			    const char *authorization, char *user, size_t cap);

/* fhir_inflight_leave ends a request fhir_inflight_enter counted for
 * user ("" : none). */
void fhir_inflight_leave(fhir_inflight *t, const char *user);

/* fhir_inflight_refuse writes the 429 (Retry-After) of a refused
 * request into resp, in a. */
void fhir_inflight_refuse(const fhir_inflight *t, med_arena *a,
			  struct fhir_response *resp);

/* fhir_edge_audit - the audit of the edge's refusals (edgeaudit.c): one
 * event per peer, reason and user per window, with a count. */
typedef struct fhir_edge_audit fhir_edge_audit;

/* fhir_edge_refusal - one request the edge refused. */
typedef struct fhir_edge_refusal {
	const char *peer;   /* the client's address; NULL: unknown */
	const char *reason; /* "framing", "target", "user_inflight" */
	const char *user;   /* who the token says; NULL or "": not known */
	const char *why;    /* what was said to the client */
	int http_status;
	int grpc_code;
} fhir_edge_refusal;

/* fhir_edge_audit_new makes the table, emitting into audit (NULL: no
 * events) with windows of window_s.  Errors: MED_ERR_NOMEM. */
med_err fhir_edge_audit_new(struct med_audit *audit, int window_s,
			    fhir_edge_audit **out);

/* fhir_edge_audit_free frees t (NULL is fine). */
void fhir_edge_audit_free(fhir_edge_audit *t);

/* fhir_edge_audit_refused counts ref (copied); emits nothing.
 * Thread-safe. */
void fhir_edge_audit_refused(fhir_edge_audit *t, const fhir_edge_refusal *ref);

/* fhir_edge_audit_flush emits what is due at now_ms: the first refusals
 * of new windows and the counts of ended ones (all: every count, at
 * stop).  Blocks on the audit spool; one caller at a time. */
void fhir_edge_audit_flush(fhir_edge_audit *t, int64_t now_ms, bool all);

/* fhiredge: SMART App Launch discovery (smart.c), from MED_SMART_*. */
typedef struct fhir_smart {
	const char *issuer;		    /* NULL: MED_JWT_ISSUER */
	const char *authorization_endpoint; /* NULL: not advertised */
	const char *token_endpoint;	    /* NULL: not advertised */
	bool require_scopes; /* a token without a scope claim is refused */
} fhir_smart;

/* Paging: _count's default and largest value. */
#define FHIR_COUNT_DEFAULT 20
#define FHIR_COUNT_MAX	   100
/*
 * The largest _offset.  A page asked by _offset reads every match before
 * it; the next links carry a _cursor instead, which starts reading where
 * the page before ended, so that any number of resources can be paged
 * through (before, a search gathered at most 5,000 matches: issue 31).
 */
#define FHIR_OFFSET_MAX 100000000
/* Export pages the first page of a search or $everything reads in all,
 * its own entries' included, to count its total: a small chart gets its
 * total, a larger one a Bundle without total that still pages on, so that
 * the first page costs the same whatever the chart's size (issue 49). */
#define FHIR_TOTAL_PAGES_MAX 4
/* Export pages _summary=count reads to count; past it no total. */
#define FHIR_COUNT_PAGES_MAX 400
/* Export pages one page of an unsorted search or $everything reads at
 * most, every source together: a filter that leaves out most of a large
 * chart ends the page there, with fewer entries than _count (or none) and
 * a next link that reads on from the export page after the last one read
 * (R4 allows a short page), so a request never reads a whole chart
 * (issue 49).  A full page of _count 100 needs 3, with the calls to the
 * sources holding nothing. */
#define FHIR_SCAN_PAGES_MAX 10
/* The longest service page token a _cursor carries. */
#define FHIR_CURSOR_TOKEN_MAX 128
/* Largest response body, and the scratch memory of one request. */
#define FHIR_BODY_MAX  (16u << 20)
#define FHIR_ARENA_MAX (64u << 20)
/* Query parameters one request may carry. */
#define FHIR_PARAMS_MAX 16

/* fhir_error - why a request failed: HTTP status, OperationOutcome issue
 * code, the gRPC code for the audit event, and a message for the client. */
typedef struct fhir_error {
	int http_status;
	const char *issue_code;
	int grpc_code;
	char diagnostics[512];
	/* A 503's Retry-After in seconds (a service refused the call as
	 * overloaded), else empty. */
	char retry_after[12];
} fhir_error;

/* fhir_fail fills e from a gRPC status code and a message; returns the
 * med_err of the code so callers can "return fhir_fail(...)". */
med_err fhir_fail(fhir_error *e, int grpc_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * fhir_fail_upstream fills e from a service's answer st (service names it
 * in the diagnostics).  An overload refusal (RESOURCE_EXHAUSTED with a
 * retry hint) is 503 "transient" with Retry-After: the request was not
 * carried out and may be sent again as it was.
 */
med_err fhir_fail_upstream(fhir_error *e, const char *service,
			   const med_rpc_status *st);
/* fhir_mark_overload makes e that 503 when st is an overload refusal. */
void fhir_mark_overload(fhir_error *e, const med_rpc_status *st);

/* fhir_outcome_write writes e as an OperationOutcome. */
void fhir_outcome_write(med_json *w, const fhir_error *e);

struct fhir_response;

/* fhir_respond_retry_after sets resp's Retry-After from e's, if any. */
void fhir_respond_retry_after(struct fhir_response *resp, med_arena *arena,
			      const fhir_error *e);

/* fhir_respond_outcome makes resp the OperationOutcome of e (written in
 * arena), with e's HTTP status; a 401 asks for a bearer token. */
void fhir_respond_outcome(struct fhir_response *resp, med_arena *arena,
			  const fhir_error *e);

/*
 * fhir_source - one service that exports a patient's resources: the types
 * it holds and its ExportFhir method.  Every ExportFhir shares one shape
 * (patient_id = 1, page = 2 -> bundle_json = 1, page = 3), read by field
 * name so each service keeps its own message types.
 */
typedef struct fhir_source {
	const char *service; /* "records": also its certificate's name */
	const char *url_key; /* "MED_RECORDS_URL" */
	const char *path;    /* "/smartmed.records.v1.Records/ExportFhir" */
	const ProtobufCMessageDescriptor *in_desc, *out_desc;
	const char *const *types; /* NULL-terminated */
	/* The service answers NOT_FOUND for a patient it holds nothing
	 * about: that is an empty export, not a missing patient. */
	bool not_found_is_empty;
	med_channel *ch; /* NULL: not configured */
	/* The note reader's unconfirmed suggestions: searched and in
	 * $everything, never in the research export. */
	bool unconfirmed;
	med_counter *pages_read; /* its ExportFhir calls (facade.c) */
} fhir_source;

/* fhir_sources returns the table of sources (fhir_n_sources entries). */
fhir_source *fhir_sources(void);
size_t fhir_n_sources(void);

/* fhir_source_holds is true when src exports resources of type. */
bool fhir_source_holds(const fhir_source *src, const char *type);

/* fhir_source_holds_any: src exports one of types ("T1,T2"; NULL: all). */
bool fhir_source_holds_any(const fhir_source *src, const char *types);

/*
 * fhir_type_info - how a searchable resource type is filtered: the
 * elements that hold its date (the first present counts; "a.b" names
 * one inside a complex element, as "period.start"), its code
 * (a CodeableConcept) and its status (a code); NULL: not searchable by it.
 */
typedef struct fhir_type_info {
	const char *type;
	const char *date_elements[3];
	const char *code_element;
	const char *status_element;
} fhir_type_info;

/* fhir_type_find returns the searchable type named type, or NULL. */
const fhir_type_info *fhir_type_find(const char *type);

/* fhir_type_is_served is true when a configured source exports type. */
bool fhir_type_is_served(const char *type);

/* fhir_types lists every searchable type (fhir_n_types entries). */
extern const fhir_type_info fhir_types[];
extern const size_t fhir_n_types;

/* fhir_facade - what every request needs; read-only after start. */
typedef struct fhir_facade {
	char base_url[512];	       /* no trailing slash */
	const char *mrn_system;	       /* identifier system of MRNs */
	const char *base_path;	       /* the path part of base_url ("/fhir") */
	const med_authenticator *auth; /* the process part's user sources */
	struct med_audit *audit;       /* the process part's */
	med_channel *identity;
	med_metrics *metrics; /* the process part's */
	struct fhir_server *server;
	/* $research-export: the audit service's gRPC channel (projects), the
	 * master key (when research_key_loaded), the date shift's bound and
	 * the url of the "90+" age-group extension. */
	med_channel *audit_rpc;
	uint8_t research_key[32];
	bool research_key_loaded;
	int research_shift_days;
	char research_age_group_url[600];
	/* console (issue 37): the ward console's folder (MED_CONSOLE_DIR,
	 * "" = not served) and the identity provider it signs in with. */
	const char *console_dir;
	const char *console_issuer;
	const char *console_client_id;
	const char *console_time_zone; /* MED_WARD_TIME_ZONE */
	int64_t news2_max_age_ms;      /* MED_NEWS2_MAX_AGE_MIN */
	/* fhiredge: the edge's limits, SMART, and the process part whose
	 * /healthz the edge's self-probe sets (facade.c's
	 * fhir_edge_configure). */
	fhir_edge edge;
	fhir_smart smart;
	med_process *process;
} fhir_facade;

/* fhir_param - one query parameter, URL-decoded. */
typedef struct fhir_param {
	const char *key;
	const char *value;
} fhir_param;

/* fhir_request - one HTTP request as server.c hands it over. */
typedef struct fhir_request {
	med_arena *arena;
	const char *method;
	const char *path;	   /* full URL path */
	const char *authorization; /* header or NULL */
	const char *break_glass;   /* X-Break-Glass header or NULL */
	const char *request_id;	   /* X-Request-ID header or NULL */
	/* fhirread: conditional read headers, or NULL. */
	const char *if_none_match;
	const char *if_modified_since;
	/* fhiredge: a create's If-None-Exist header (conditional create,
	 * write_cond.c), or NULL. */
	const char *if_none_exist;
	fhir_param params[FHIR_PARAMS_MAX];
	size_t n_params;
	bool too_many_params;
	/* fhiredge: the common name of the client certificate the
	 * connection presented and MED_FHIR_CLIENT_CA verified; NULL: none. */
	const char *client_cert_cn;
	/* fhirwrite: a POST's body (NUL-terminated, in arena; NULL for a
	 * GET) and its Content-Type header. */
	const char *body;
	size_t body_len;
	const char *body_type;
} fhir_request;

/* fhir_response - what server.c sends back. */
typedef struct fhir_response {
	int status;
	const char *body; /* JSON, NUL-terminated */
	size_t len;
	bool ask_for_token;	  /* add WWW-Authenticate: Bearer */
	const char *content_type; /* NULL: application/fhir+json */
	/* fhirread: a read's ETag and Last-Modified headers, or NULL. */
	const char *etag;
	const char *last_modified;
	/* fhirwrite: the Location header of a create (201), else NULL. */
	const char *location;
	/* console.c: the console's Content-Security-Policy, else NULL. */
	const char *csp;
	/* route.c: a 405's Allow header (the methods the path serves). */
	const char *allow;
	/* fhiredge: close the connection after the answer (a request whose
	 * framing was refused: what follows it cannot be trusted). */
	bool close;
	/* fhiredge: a 429's Retry-After (seconds), or a 503's when a
	 * service was overloaded; else NULL. */
	const char *retry_after;
} fhir_response;

/* The FHIR interactions the facade serves. */
typedef enum fhir_interaction {
	FHIR_CAPABILITIES,
	FHIR_READ,
	FHIR_SEARCH,
	FHIR_EVERYTHING,
	FHIR_RESEARCH_EXPORT,
	/* fhirread: vread and instance history (read.c). */
	FHIR_VREAD,
	FHIR_HISTORY,
} fhir_interaction;

/* --- fhirsearch (issue 35 item 2): search parameters ------------------- */

/* fhir_range - the instants a date covers at its precision, in ms since
 * the epoch, half open: [lo_ms, hi_ms).  "2024" covers the year. */
typedef struct fhir_range {
	int64_t lo_ms;
	int64_t hi_ms;
} fhir_range;

/* fhir_date_range parses an R4 date, dateTime or instant ("2024",
 * "2024-03", "2024-03-01", "2024-03-01T10:00[:00[.000]][Z|+hh:mm]"; a
 * time without a zone is UTC) into the range it covers.  False: not
 * one. */
bool fhir_date_range(const char *s, fhir_range *out);

/* fhir_date_prefix - a date search value's comparator (R4 3.1.1.5.6). */
typedef enum fhir_date_prefix {
	FHIR_EQ,
	FHIR_NE,
	FHIR_GT,
	FHIR_LT,
	FHIR_GE,
	FHIR_LE,
	FHIR_SA,
	FHIR_EB,
	FHIR_AP,
} fhir_date_prefix;

/* fhir_date_passes applies prefix with the search value's range want to
 * a resource's range got, as R4 defines each prefix; now_ms places ap. */
bool fhir_date_passes(fhir_date_prefix prefix, const fhir_range *want,
		      const fhir_range *got, int64_t now_ms);

struct fhir_query;
/* fhir_date_bounds: the instants within which the start of a resource's
 * date must lie to pass q's date filters (lo inclusive, hi exclusive;
 * INT64_MIN/INT64_MAX open), with a second's slack; false: none bounds
 * it (issue 49: diagnosis seeks a Condition search's range). */
bool fhir_date_bounds(const struct fhir_query *q, fhir_range *out);

/* Values one parameter may OR (a,b,c) and parameters a search may AND. */
#define FHIR_OR_MAX  8
#define FHIR_AND_MAX 8

/* fhir_filter_kind - what one search parameter tests. */
typedef enum fhir_filter_kind {
	FHIR_F_DATE,	   /* date: the type's date element */
	FHIR_F_CODE,	   /* code: its code element (a CodeableConcept) */
	FHIR_F_STATUS,	   /* status: its status element */
	FHIR_F_IDENTIFIER, /* identifier: any of its Identifiers */
	FHIR_F_STRING,	   /* Patient's name, family, given (starts with) */
	FHIR_F_GENDER,	   /* Patient's gender (a token) */
} fhir_filter_kind;

/* fhir_value - one of a parameter's comma-separated values. */
typedef struct fhir_value {
	fhir_date_prefix prefix; /* date */
	fhir_range range;	 /* date */
	const char *system;	 /* token: NULL any, "" none */
	const char *text;	 /* token code, string value */
} fhir_value;

/* fhir_filter - one parameter: any of its values passes (OR); every
 * filter of a query must pass (AND). */
typedef struct fhir_filter {
	fhir_filter_kind kind;
	const char *name; /* string parameters: name, family, given */
	fhir_value values[FHIR_OR_MAX];
	size_t n_values;
} fhir_filter;

/* _include and _revinclude the facade serves (bits of fhir_query). */
#define FHIR_INC_MEDICATION 1u /* MedicationRequest:medication */
#define FHIR_INC_REQUEST    2u /* MedicationAdministration:request */
#define FHIR_INC_PATIENT    4u /* *:patient */
#define FHIR_REV_PROVENANCE 8u /* _revinclude=Provenance:target */

/* fhir_patient_criteria - Patient?... : what identity's SearchPatients is
 * asked (mrn, family prefix, birth date) and the filters the facade then
 * applies to its answers. */
typedef struct fhir_patient_criteria {
	const char *mrn;	/* identifier */
	const char *family;	/* family: identity's family_name_prefix */
	const char *name;	/* name: identity's name_prefix */
	const char *birth_date; /* birthdate=eq of a day */
	const char *page_token; /* identity's, from a next link */
} fhir_patient_criteria;

/*
 * fhir_cursor - where a page of a search begins, carried by its previous
 * page's next link as _cursor=SOURCE.ENTRY.TOTAL.TOKEN: the index of the
 * source, the page token of its export page that holds the page's first
 * match ("" for the first), that match's index among the entries of the
 * export page, and the total counted when paging began ("-": not
 * counted).  It says only where to read: every source still decides on
 * the caller's token whether the patient may be read.
 */
typedef struct fhir_cursor {
	bool set;
	size_t source;
	size_t entry;
	bool has_total;
	uint64_t total;
	char token[FHIR_CURSOR_TOKEN_MAX + 1];
	/* fhirsearch: the instant paging began (resources created after it
	 * are left out of every page) and the type and id of the page's
	 * first match, found again however far the sources' own order moved
	 * it when resources were charted meanwhile.  sorted: a page of a
	 * _sort search, entry the offset of the sorted snapshot. */
	int64_t snapshot_ms;
	char anchor[128];
	bool sorted;
} fhir_cursor;

/* fhir_query - a request's validated meaning. */
typedef struct fhir_query {
	fhir_interaction what;
	const char *type; /* resource type read or searched */
	const char *patient_id;
	size_t count;
	size_t offset;
	fhir_cursor cursor;	/* _cursor, from a next link */
	const char *project_id; /* $research-export's project */
	const char *types;	/* its _type ("T1,T2"), NULL: all; also
				 * $everything's */
	/* fhirsearch: the parameters of the query string and a POST body
	 * (form-encoded), each once, as the links repeat them; the filters
	 * they make (AND of ORs); _sort (1 date, -1 -date, 0 none);
	 * _summary=count; _elements (comma-separated, NULL: all);
	 * _include/_revinclude (FHIR_INC_*); $everything's _since; the
	 * Patient search's identity criteria. */
	const fhir_param *params;
	size_t n_params;
	fhir_filter filters[FHIR_AND_MAX];
	size_t n_filters;
	int sort;
	bool summary_count;
	const char *elements;
	unsigned includes;
	bool has_since;
	int64_t since_ms;
	fhir_patient_criteria patients;
	/* fhirread: a read, vread or history of {type}/{id} (read.c);
	 * NULL for the other interactions. */
	struct fhir_read *read;
} fhir_query;

/* fhirsearch: search_params.c.  fhir_params_collect gathers req's query
 * parameters and, for a POST, its form-encoded body into q->params.
 * fhir_search_param takes one parameter of q's interaction (a search or
 * $everything) other than the paging ones; fhir_search_check, after them
 * all, asks for what a search needs (its patient; a Patient search's
 * criterion).  Errors: MED_ERR_INVALID with the parameter named in e. */
med_err fhir_params_collect(const fhir_request *req, fhir_query *q,
			    fhir_error *e);
med_err fhir_search_param(const fhir_facade *f, fhir_query *q, med_arena *a,
			  const fhir_param *p, fhir_error *e);
med_err fhir_search_check(fhir_query *q, fhir_error *e);

/* fhir_types_check is true when list ("T1,T2") names only types the
 * facade exports (Patient included); else false with e naming one. */
bool fhir_types_check(const char *list, fhir_error *e);

/*
 * fhir_route parses req's path (below base_path) and parameters into q.
 * Errors: MED_ERR_NOT_FOUND (no such endpoint), MED_ERR_INVALID (a bad id
 * or parameter, named in e), MED_ERR_UNIMPLEMENTED (a method other than
 * GET).
 */
med_err fhir_route(const fhir_facade *f, const fhir_request *req, fhir_query *q,
		   fhir_error *e);

/* fhir_handle answers one request into resp (body in req->arena). */
void fhir_handle(fhir_facade *f, const fhir_request *req, fhir_response *resp);

/* fhir_count_request counts one answered request in
 * smartmed_fhir_requests_total{interaction, code}: every path that answers
 * (handle.c, write.c, ward.c) counts through it, so the series keep one
 * name and help text.  call.c, with fhir_open_call. */
void fhir_count_request(fhir_facade *f, const char *interaction, int status);

/*
 * fhir_open_call makes one request's call in libmed's rpc layer
 * (med_call_local_new), so that its caller and its access event are
 * decided by the same code as a gRPC method's: the action is
 * "fhir/<interaction>" with action_code ("C" "R" "E" ...) and, when not
 * NULL, purpose_of_use.  Errors: RESOURCE_EXHAUSTED in e.
 */
med_err fhir_open_call(fhir_facade *f, const fhir_request *req,
		       const char *interaction, const char *action_code,
		       const char *purpose_of_use, struct med_call **out,
		       fhir_error *e);

/* fhir_capability_interactions writes a resource's "interaction" list of
 * the CapabilityStatement: one entry per code (write_util.c, with
 * fhir_capability_op: the writes describe themselves with them). */
void fhir_capability_interactions(med_json *w, const char *const *codes,
				  size_t n);

/* fhir_capability_op writes one operation of the CapabilityStatement:
 * name, its definition [base]/OperationDefinition/{name} and doc. */
void fhir_capability_op(med_json *w, const fhir_facade *f, const char *name,
			const char *doc);

/* --- console.c (issue 37) --------------------------------------------- */

/* fhir_console_handle answers req when its path is /console or below it
 * (the ward console's static files, config.json from the settings) and
 * returns true; false: not the console's (or it is not served). */
bool fhir_console_handle(const fhir_facade *f, const fhir_request *req,
			 fhir_response *resp);

/* --- upstream.c ------------------------------------------------------- */

/* fhir_call - the user's credentials forwarded on every upstream call. */
/* FHIR_FAMILY_MAX: a patient and the most records merged into it that a
 * search reads (identity's IDENTITY_MERGED_MAX + 1). */
#define FHIR_FAMILY_MAX 33

typedef struct fhir_call {
	med_arena *arena;
	med_call_opts opts;
	/* identity has confirmed the patient: a source's NOT_FOUND then
	 * means it holds nothing for them, never a 404. */
	bool patient_known;
	/* the one type a search asks for, sent as the export's "types"
	 * where the request has that field (records: a pharmacist exports
	 * allergies alone); NULL: every type */
	const char *search_type;
	/* $everything's _type ("T1,T2"; NULL: all), of which each source is
	 * sent those it exports, the same way (issue 49) */
	const char *search_types;
	/* issue 49: a search's code filter, its codes sent as the export's
	 * "codes" where the request has that field (diagnosis reads only
	 * the conditions of those codes); NULL: none */
	const struct fhir_filter *search_codes;
	/* and its status filter, sent as "statuses" (dosage reads only the
	 * doses of those statuses); NULL: none */
	const struct fhir_filter *search_statuses;
	/* and its date filters' bounds, sent as "recorded_from_ms" and
	 * "recorded_to_ms" (a Condition's recordedDate: diagnosis seeks
	 * them on its index); has_range false: none */
	bool has_range;
	fhir_range range;
} fhir_call;

/* fhir_get_patient reads a patient from identity into *out. */
struct Smartmed__Identity__V1__Patient;
med_err fhir_get_patient(fhir_facade *f, fhir_call *c, const char *patient_id,
			 struct Smartmed__Identity__V1__Patient **out,
			 fhir_error *e);

/* fhir_list_break_glass reads one page (page_token, "" for the first) of
 * the caller's active break-glass grants for patient_id from identity's
 * ListBreakGlass, as c's user.  Errors: identity's, in e. */
struct Smartmed__Identity__V1__ListBreakGlassResponse;
med_err fhir_list_break_glass(
	fhir_facade *f, fhir_call *c, const char *patient_id,
	const char *page_token,
	struct Smartmed__Identity__V1__ListBreakGlassResponse **out,
	fhir_error *e);

/* fhir_export_page_fn receives one page's Bundle JSON of a source. */
typedef med_err (*fhir_export_page_fn)(void *ctx, const char *bundle_json,
				       fhir_error *e);

/* fhir_export_all calls src's ExportFhir page after page until the last,
 * handing each Bundle to on_page. */
med_err fhir_export_all(fhir_source *src, fhir_call *c, const char *patient_id,
			fhir_export_page_fn on_page, void *ctx, fhir_error *e);

/* --- break_glass.c ---------------------------------------------------- */

/* A break-glass grant id (identity's StartBreakGlass): 32 hex characters. */
#define FHIR_GRANT_ID_LEN 32

/* fhir_break_glass - what became of a request's X-Break-Glass header. */
typedef enum fhir_break_glass {
	FHIR_BG_NONE,	  /* no header */
	FHIR_BG_VERIFIED, /* names a live grant of the user for the patient */
	FHIR_BG_REFUSED,  /* names none: the request was refused (403) */
} fhir_break_glass;

/*
 * fhir_break_glass_verify checks req's X-Break-Glass header (present) for
 * the authenticated user who and q's patient: it must be the id of one of
 * who's active grants for that patient, as identity lists them.  On success
 * *state is FHIR_BG_VERIFIED and grant_id holds the id.  Errors:
 * MED_ERR_DENIED (403 in e, *state FHIR_BG_REFUSED) when it names no such
 * grant; identity's own errors (unavailable ...) in e, *state refused.
 */
med_err fhir_break_glass_verify(fhir_facade *f, const fhir_request *req,
				const fhir_query *q, const med_principal *who,
				fhir_break_glass *state,
				char grant_id[FHIR_GRANT_ID_LEN + 1],
				fhir_error *e) MED_MUST_CHECK;
/* fhir_export_at_fn receives one page's Bundle JSON of a source, the
 * page token that asked for it and the one of the page after ("": the
 * source's last page).  MED_ERR_CANCELLED: enough, stop. */
typedef med_err (*fhir_export_at_fn)(void *ctx, const char *token,
				     const char *next, const char *bundle_json,
				     fhir_error *e);

/*
 * fhir_export_from is fhir_export_all from the page of token ("" for the
 * first) on, with each page's token.  Returns on_page's
 * MED_ERR_CANCELLED when it stopped the reading.  Errors: the source's,
 * RESOURCE_EXHAUSTED past EXPORT_PAGES_MAX pages in one request.
 */
med_err fhir_export_from(fhir_source *src, fhir_call *c, const char *patient_id,
			 const char *token, fhir_export_at_fn on_page,
			 void *ctx, fhir_error *e);

/* --- bundle.c ----------------------------------------------------------- */

/*
 * fhir_matches - one page of a search: the resources that pass q's
 * filters (all but Patient for $everything) are counted as the sources'
 * export pages go by; skip of them are passed over, the next want kept,
 * and the place of the one after is the next page's cursor.  Only the
 * page is held, so a patient's resources may be any number.
 */
typedef struct fhir_matches fhir_matches;

/* fhir_matches_new starts a page; count_all: go on to the end (up to
 * FHIR_TOTAL_PAGES_MAX export pages) to count the total.  NULL: no
 * memory. */
fhir_matches *fhir_matches_new(const fhir_query *q, size_t skip, size_t want,
			       bool count_all);
void fhir_matches_free(fhir_matches *m);

/* fhir_matches_at_source says which source the next pages come from, and
 * how many entries of the first to pass over (a cursor's entry); anchor
 * (a cursor's "Type~id", NULL or "" none): pass over entries until it.
 * fhir_matches_seeking: the anchor has not come yet (the source ended
 * without it: it was deleted or changed type; read from entry on). */
void fhir_matches_at_source(fhir_matches *m, size_t source, size_t skip_entries,
			    const char *anchor);
bool fhir_matches_seeking(const fhir_matches *m);

/* fhir_matches_pin leaves out resources created after snapshot_ms (see
 * fhir_cursor); now_ms is date=ap's now. */
void fhir_matches_pin(fhir_matches *m, int64_t snapshot_ms, int64_t now_ms);

/* The most matches a _sort search holds to sort (else 429). */
#define FHIR_SORT_MAX 10000

/* fhir_matches_sort orders a _sort search's matches by date. */
void fhir_matches_sort(fhir_matches *m);

/* fhir_matches_raw is the JSON text of held match i (NULL past the
 * last), *len its length. */
const char *fhir_matches_raw(const fhir_matches *m, size_t i, size_t *len);

/* fhir_matches_add_page is a fhir_export_at_fn: it takes the matching
 * entries of one Bundle.  MED_ERR_CANCELLED once the page (and the count,
 * when asked) is complete.  Errors: INTERNAL (not a Bundle). */
med_err fhir_matches_add_page(void *m, const char *token, const char *next,
			      const char *bundle_json, fhir_error *e);

/* fhir_matches_spent: the page has read its FHIR_SCAN_PAGES_MAX export
 * pages (an unsorted page that is not a count).  fhir_matches_resume_at
 * then ends the page there: its next link reads source from its start. */
bool fhir_matches_spent(const fhir_matches *m);
void fhir_matches_resume_at(fhir_matches *m, size_t source);

/* fhir_matches_total gives the matches counted (all of them when
 * *complete: every source was read to its end). */
uint64_t fhir_matches_total(const fhir_matches *m, bool *complete);

/* fhir_matches_next fills *out with the next page's cursor; false: this
 * page is the last. */
bool fhir_matches_next(const fhir_matches *m, fhir_cursor *out);

/* fhir_matches_page_len is the number of entries on the page. */
size_t fhir_matches_page_len(const fhir_matches *m);

/* fhir_matches_write_entries writes held matches from..from+n-1 (as
 * _elements cuts them), search.mode match. */
void fhir_matches_write_entries(med_json *w, const fhir_matches *m,
				const char *base_url, size_t from, size_t n);

/* fhir_entry_fn receives one entry's resource of a Bundle, parsed and as
 * its text. */
struct json_t;
typedef med_err (*fhir_entry_fn)(void *ctx, struct json_t *res, const char *raw,
				 size_t raw_len, fhir_error *e);

/* fhir_bundle_each hands every entry of the Bundle text to fn.  Errors:
 * INTERNAL (not a Bundle), fn's. */
med_err fhir_bundle_each(const char *text, fhir_entry_fn fn, void *ctx,
			 fhir_error *e);

/* --- search_filter.c ------------------------------------------------------ */

/* fhir_resource_range is the range of res's date (t's date elements,
 * the first present; a Period from start to end); false: none. */
bool fhir_resource_range(struct json_t *res, const fhir_type_info *t,
			 fhir_range *out);

/* fhir_resource_matches: res passes q (type, filters, $everything's
 * _type and _since) and was not created after snapshot_ms (0: none). */
bool fhir_resource_matches(struct json_t *res, const fhir_query *q,
			   int64_t snapshot_ms, int64_t now_ms);

/* --- include.c (fhirsearch) ---------------------------------------------- */

/* fhir_include_page - a written page, for its _include/_revinclude: the
 * held matches from..from+n-1 of m, the patient's ids searched, identity's
 * Patient (NULL: not confirmed), the Bundle's entry array being written. */
struct Smartmed__Identity__V1__Patient;
typedef struct fhir_include_page {
	const fhir_matches *m;
	size_t from, n;
	const char *const *ids;
	size_t n_ids;
	const struct Smartmed__Identity__V1__Patient *patient;
	med_json *w;
} fhir_include_page;

/* fhir_includes_write writes q's includes of pg (search.mode include),
 * *n_out how many.  Errors: the sources'. */
med_err fhir_includes_write(const fhir_facade *f, fhir_call *c,
			    const fhir_query *q, const fhir_include_page *pg,
			    size_t *n_out, fhir_error *e);

/* --- patient.c, capability.c -------------------------------------------- */

/* fhir_patient_fields writes p's R4 Patient elements after resourceType
 * and id (which the caller writes: alone, or as a Bundle entry). */
void fhir_patient_fields(med_json *w,
			 const struct Smartmed__Identity__V1__Patient *p,
			 const char *mrn_system);

/* fhir_patient_gender is p's FHIR gender ("unknown" when unset). */
const char *
fhir_patient_gender(const struct Smartmed__Identity__V1__Patient *p);

/* fhir_patient_page - one page of a Patient search (fhirsearch): the
 * patients identity returned that pass the facade's filters, and
 * identity's token of the next page (NULL: last). */
typedef struct fhir_patient_page {
	struct Smartmed__Identity__V1__Patient **patients;
	size_t n;
	const char *next_token;
} fhir_patient_page;

/* fhir_patient_search runs q's Patient search through identity's
 * SearchPatients as c's user.  Errors: identity's, in e. */
med_err fhir_patient_search(fhir_facade *f, fhir_call *c, const fhir_query *q,
			    fhir_patient_page *out, fhir_error *e);
/* --- read.c (fhirread) ------------------------------------------------- */

/*
 * fhir_read - a read, vread or instance history of one resource: what
 * the path named, and what serving it found (the version, its time and
 * the patient, for the headers and the audit event).
 */
typedef struct fhir_read {
	const char *id;
	uint32_t version; /* vread's; 0: the current */
	/* set by smart.c when only a patient/ scope reaches the read: the
	 * resource must be this patient's (read.c checks it once read) */
	const char *scope_patient;
	/* found while serving */
	const char *patient_id;
	uint32_t current;
	int64_t updated_ms;
} fhir_read;

/* fhir_read_types puts into out (cap at most) each type other than
 * Patient that a configured service reads by id, once, in read.c's order;
 * returns how many. */
size_t fhir_read_types(const fhir_facade *f, const char **out, size_t cap);

/*
 * fhir_allowed_methods names the methods path serves, as an Allow header
 * says them: "GET, HEAD" for a resource, its versions, the capability
 * statement and the searches; ", POST" where a POST searches
 * ([type]/_search), runs an operation ($everything, $verify-face ...),
 * takes a transaction (the base) or creates ([type] of a type write.c
 * creates).  No path takes PUT, PATCH or DELETE: the facade updates and
 * deletes nothing (its CapabilityStatement says so).
 */
const char *fhir_allowed_methods(const fhir_facade *f, const char *path);

/*
 * fhir_method_refuse answers 405 with the path's Allow header and an
 * OperationOutcome when req's method is none the facade serves (any but
 * GET, HEAD and POST); false when the method may go on.  A POST where
 * nothing is posted (a resource) is 405 from fhir_route.
 */
bool fhir_method_refuse(const fhir_facade *f, const fhir_request *req,
			fhir_response *resp);

/* fhir_read_serves: type (Patient included) is read by id here. */
bool fhir_read_serves(const fhir_facade *f, const char *type);

/* fhir_read_keeps_versions: a vread of type reads older versions too
 * (Observation: records' do; diagnosis's results keep only the current). */
bool fhir_read_keeps_versions(const char *type);

/*
 * fhir_read_route takes rest (the path below the base) when it is
 * {type}/{id}, {type}/{id}/_history or {type}/{id}/_history/{vid} of a
 * type a configured service reads, filling q; false: not one of those
 * (*err untouched).  *err: MED_OK, or MED_ERR_INVALID (a bad id, version
 * or parameter, in e).
 */
bool fhir_read_route(const fhir_facade *f, const fhir_request *req,
		     const char *rest, fhir_query *q, fhir_error *e,
		     med_err *err);

/* fhir_read_serve answers q's read, vread or history into w as c's user;
 * *n: the resources written. */
med_err fhir_read_serve(fhir_facade *f, fhir_call *c, const fhir_query *q,
			med_json *w, size_t *n, fhir_error *e);

/* fhir_read_break_glass is fhir_break_glass_verify for a read, whose
 * patient is that of the resource (read first when the path does not name
 * it).  Errors: fhir_break_glass_verify's, and the read's. */
med_err fhir_read_break_glass(fhir_facade *f, const fhir_request *req,
			      const fhir_query *q, const med_principal *who,
			      fhir_break_glass *state,
			      char grant_id[FHIR_GRANT_ID_LEN + 1],
			      fhir_error *e) MED_MUST_CHECK;

/* fhir_read_audit names the resource read and its patient (NULL: not
 * known) for the access event. */
void fhir_read_audit(const fhir_query *q, char *resource, size_t cap,
		     const char **patient_id);

/* fhir_read_respond adds a served read's ETag and Last-Modified to resp,
 * and makes it 304 (no body) when req's If-None-Match or
 * If-Modified-Since says the client holds it already. */
void fhir_read_respond(const fhir_request *req, const fhir_query *q,
		       fhir_response *resp);

/* --- research.c ------------------------------------------------------------
 */

/* fhir_research_export answers $research-export on call, whose caller is
 * authenticated, into resp (body in req->arena), and ends call: its access
 * event carries the export's details. */
void fhir_research_export(fhir_facade *f, const fhir_request *req,
			  const fhir_query *q, med_call *call,
			  fhir_response *resp);

/* fhir_capability_write writes the CapabilityStatement. */
void fhir_capability_write(med_json *w, const fhir_facade *f);

/* --- server.c ------------------------------------------------------------ */

typedef struct fhir_server fhir_server;

/*
 * fhir_facade_start opens what the facade adds to the process part (whose
 * ctx is the fhir_facade): channels to the services, the research key, the
 * HTTPS server.  fhir_facade_stop closes them; safe after a partial start.
 */
med_err fhir_facade_start(med_process *p) MED_MUST_CHECK;
void fhir_facade_stop(med_process *p);

/*
 * fhir_server_start serves HTTPS on host:port (IPv4; port 0 picks one,
 * *bound_port gets it) with tls's certificate and key, handing every
 * request to fhir_handle.  tls must come from med_tls_load: its files are
 * re-read when they change, and new connections get the new certificate.
 * Errors: MED_ERR_INVALID (host, certificate), MED_ERR_IO.
 */
med_err fhir_server_start(fhir_facade *f, const char *host, int port,
			  const med_tls *tls, fhir_server **out,
			  int *bound_port);

/* fhir_server_stop stops serving and waits for connections to end. */
void fhir_server_stop(fhir_server *s);

/* --- fhiredge: edge settings, liveness, SMART ------------------------- */

/* fhir_edge_configure reads the edge's and SMART's settings of p into f
 * (before fhir_server_start).  Errors: MED_ERR_INVALID (named in the
 * log: a GnuTLS priority string GnuTLS refuses, an unreadable client CA,
 * an endpoint that is not https). */
med_err fhir_edge_configure(fhir_facade *f, med_process *p) MED_MUST_CHECK;

/* fhir_path_ok is true for a request target the edge serves: an
 * origin-form path of unreserved characters, with no percent-encoding
 * (an encoded '/', '\\' or NUL would mean something else after decoding),
 * no empty, "." or ".." segment, and a query without an encoded NUL;
 * *why says what is wrong otherwise. */
bool fhir_path_ok(const char *target, const char **why);

/* fhir_server_probe_start starts s's self-probe of host:port (the bound
 * one), once f's base path is known; nothing when MED_FHIR_LIVENESS_PROBE_MS
 * is 0.  Errors: fhir_liveness_start's. */
med_err fhir_server_probe_start(fhir_server *s, const char *host,
				int port) MED_MUST_CHECK;

typedef struct fhir_liveness fhir_liveness;

/*
 * fhir_liveness_start probes https://HOST:port (127.0.0.1 for a wildcard
 * host) every period_ms: a TLS handshake and GET path must complete
 * within a deadline; three failures in a row make the process not live
 * (/healthz 503), one success live again.  Errors: MED_ERR_NOMEM,
 * MED_ERR_IO (no thread).
 */
med_err fhir_liveness_start(med_process *p, const char *host, int port,
			    const char *path, const char *priority,
			    int period_ms, fhir_liveness **out) MED_MUST_CHECK;

/* fhir_liveness_stop ends the probe and frees l; NULL is fine. */
void fhir_liveness_stop(fhir_liveness *l);

/*
 * fhir_smart_check_op is fhir_smart_check for an interaction that is no
 * fhir_query (the writes, write.c): perms (MED_SCOPE_*) on type, for
 * patient_id when the request names its patient before its body (NULL:
 * it does not, and no patient/ scope reaches it).  Errors: as
 * fhir_smart_check's.
 */
med_err fhir_smart_check_op(const fhir_facade *f, const fhir_request *req,
			    const med_principal *who, const char *type,
			    uint32_t perms, const char *patient_id,
			    fhir_error *e) MED_MUST_CHECK;

/* fhir_smart_is_discovery is true for path [base]/.well-known/
 * smart-configuration. */
bool fhir_smart_is_discovery(const fhir_facade *f, const char *path);

/* fhir_smart_security_write writes SMART's oauth-uris extension into the
 * CapabilityStatement's rest.security (nothing when no endpoint is set). */
void fhir_smart_security_write(med_json *w, const fhir_facade *f);

/* fhir_smart_configuration_write writes /.well-known/smart-configuration. */
void fhir_smart_configuration_write(med_json *w, const fhir_facade *f);

/*
 * fhir_smart_check decides q for who by the SMART scopes of its token
 * (smart.c): a token without a scope claim is judged by roles and care
 * alone, as before SMART, unless f requires scopes.  With
 * MED_FHIR_CLIENT_CA set, system/ scopes count only on a connection whose
 * client certificate it verified (req->client_cert_cn).  A read by id of
 * a type other than Patient that only a patient/ scope reaches passes with
 * q->read->scope_patient set: read.c refuses it (403) once the resource's
 * patient is known to be another (or none).  Errors:
 * MED_ERR_DENIED (403 in e, naming the scope that is missing).
 */
med_err fhir_smart_check(const fhir_facade *f, const fhir_request *req,
			 const med_principal *who, const fhir_query *q,
			 fhir_error *e) MED_MUST_CHECK;
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

/* --- write.c (fhirwrite) ---------------------------------------------------
 * The facade's writes: POST of vital-sign Observations (alone or in a batch
 * or transaction Bundle), of MedicationAdministrations, and the operations
 * Patient/{id}/$verify-face and MedicationRequest/{id}/$cosign.
 */

/* The largest request body a POST may carry (a photograph, base64). */
#define FHIR_REQUEST_BODY_MAX (8u << 20)

/* fhir_write_claims is true when req is one of the writes write.c serves
 * (a POST to [base], Observation, MedicationAdministration or one of the
 * operations above); every other request is routed as before. */
bool fhir_write_claims(const fhir_facade *f, const fhir_request *req);

/* fhir_write_handle answers a request fhir_write_claims took into resp
 * (body in req->arena): authenticate, serve, audit. */
void fhir_write_handle(fhir_facade *f, const fhir_request *req,
		       fhir_response *resp);

/* For the CapabilityStatement (capability.c): fhir_write_creates is true
 * for a type the facade creates; fhir_write_has_ops for one with an
 * operation here, whose entries fhir_write_capability_ops writes (into
 * an open "operation" array); fhir_write_capability_rest writes the
 * system interactions (batch, transaction). */
bool fhir_write_creates(const char *type);
bool fhir_write_has_ops(const char *type);
void fhir_write_capability_ops(med_json *w, const fhir_facade *f,
			       const char *type);
void fhir_write_capability_rest(med_json *w);

/* imgtrig: fhir_write_imaging_capability (write_imaging.c) writes the
 * CapabilityStatement's ImagingStudy resource (create), when diagnosis is
 * configured. */
void fhir_write_imaging_capability(med_json *w, const fhir_facade *f);

#endif
