/*
 * call.h - the facade's calls (call/, above base/): a request's call of
 * libmed's rpc layer and the request counter (call.c), the services'
 * gRPC methods as the caller (upstream.c), the X-Break-Glass header
 * (break_glass.c) and the SMART scopes a request needs (smart.c).
 */
#ifndef FHIR_CALL_H
#define FHIR_CALL_H

#include "fhir_facade.h"

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

/*
 * fhir_authenticate checks the request's bearer token with the services'
 * own sources (med_call_authenticate): UNAUTHENTICATED in e, with the
 * call's message, when it is refused.  call.c.
 */
med_err fhir_authenticate(struct med_call *call, const fhir_request *req,
			  fhir_error *e) MED_MUST_CHECK;

/*
 * fhir_user_call is the call a request makes of the services as its user:
 * the request's arena, its bearer token (the Authorization header after
 * "Bearer ") and its request id.  Only once fhir_authenticate has accepted
 * the header, which makes it "Bearer " and a token.  call.c.
 */
fhir_call fhir_user_call(const fhir_request *req);

/*
 * fhir_call_unary calls path on ch as c's user: c's options (the user's
 * token, the request id, the deadline) go with the call and the reply is
 * decoded into c's arena.  Every call the facade makes of a service goes
 * through here or fhir_call_source, so that what a service is told about
 * the user is decided in one place.  Returns MED_OK when the service
 * answered OK; otherwise the error mapped from its status, with st filled
 * in for the caller's answer (fhir_fail_upstream, or the caller's own
 * wording of a refusal); a NULL ch is MED_ERR_INVALID with st untouched.
 */
med_err fhir_call_unary(fhir_call *c, med_channel *ch, const char *path,
			const ProtobufCMessage *in,
			const ProtobufCMessageDescriptor *out_desc,
			ProtobufCMessage **out,
			med_rpc_status *st) MED_MUST_CHECK;

/*
 * fhir_call_source is fhir_call_unary of method ("GetOrder") on the
 * source service ("dosage"), at /smartmed.<service>.v1.<Service>/<method>.
 * Errors: MED_ERR_UNIMPLEMENTED with st UNIMPLEMENTED ("MED_DOSAGE_URL is
 * not set") when the facade has no channel to it; fhir_call_unary's.
 */
med_err fhir_call_source(fhir_call *c, const char *service, const char *method,
			 const ProtobufCMessage *in,
			 const ProtobufCMessageDescriptor *out_desc,
			 ProtobufCMessage **out,
			 med_rpc_status *st) MED_MUST_CHECK;

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

#endif
