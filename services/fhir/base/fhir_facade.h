/*
 * fhir_facade.h - the bottom of the FHIR R4 REST facade (base/): what
 * every layer above shares.
 *
 * The facade is a read-only HTTPS front over the gRPC services: it checks
 * the caller's bearer token as the services do, calls them with mutual TLS
 * on the user's behalf (forwarding the token, so that every service applies
 * its own role, care-relationship and break-glass rules), turns their
 * answers into FHIR resources and Bundles, and audits every access.
 *
 * Its folders are layers, bottom to top; a file uses (includes, calls)
 * only its own layer and the layers below it, which
 * tools/dev/check_layers.py and check_symbols.py hold (make check):
 *
 *   base/     fhir_facade.h: the facade, requests, responses, errors and
 *             OperationOutcomes (outcome.c), the sources and types
 *             (types.c), a query's meaning and R4 date search
 *             (search_date.c); deid.c and news2.c, pure
 *   call/     call.h: a request's call and the request counter (call.c),
 *             the gRPC calls to the services (upstream.c), X-Break-Glass
 *             (break_glass.c), SMART scopes (smart.c)
 *   search/   search.h: parameters, filters, pages, _include, Patient,
 *             read by id, $research-export
 *   write/    write.h: the writes, write_util.c at their bottom
 *   ward/     ward.h: the ward console's searches and its static files
 *   dispatch/ dispatch.h: routing, one function per interaction
 *             (handle.c), the CapabilityStatement
 *   edge/     edge.h: the HTTPS server (the only user of libmicrohttpd),
 *             its settings, limits, refusals' audit and self-probe
 *   main.c, facade.c (facade.h): the process
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

/* fhir_source_channel returns the channel of the source service, NULL
 * when it is not configured. */
med_channel *fhir_source_channel(const char *service);

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
	/* offset: the page's first entry's place among the search's entries
	 * ($everything's Patient counted), for its previous link.  back: a
	 * previous link's cursor, which reads the snapshot from its start
	 * and passes over offset entries (route.c: b.OFFSET.TOTAL.SNAPSHOT)
	 * rather than reading on from an anchor. */
	size_t offset;
	bool back;
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
	/* A compartment search (Patient/{id}/{type}): its links keep the
	 * path's form. */
	bool compartment;
	/* fhirread: a read, vread or history of {type}/{id} (read.c);
	 * NULL for the other interactions. */
	struct fhir_read *read;
} fhir_query;

/* fhir_types_check is true when list ("T1,T2") names only types the
 * facade exports (Patient included); else false with e naming one. */
bool fhir_types_check(const char *list, fhir_error *e);

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

/* The largest request body a POST may carry (a photograph, base64). */
#define FHIR_REQUEST_BODY_MAX (8u << 20)

#endif
