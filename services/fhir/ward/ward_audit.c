/*
 * ward_audit.c - the audit review's two answers that no service writes as
 * FHIR itself (issue 37, item 6): identity's break-glass grants as
 * Consent resources (GET [base]/Consent), and one AuditEvent's RFC 9162
 * inclusion proof against the latest signed tree head as Parameters
 * (GET [base]/AuditEvent/{id}/$inclusion-proof), for a client to verify
 * itself: the console does, with Web Crypto (docs/console.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <med/codec.h>
#include <med/fhir.h>

#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/common/v1/common.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#include "ward.h"

/* Grants asked of identity per Consent page: its largest page. */
#define GRANTS_PAGE_SIZE 500
/* FHIR's integer is 32 bits: a larger log cannot be said in one. */
#define FHIR_INTEGER_MAX 2147483647u

#define V3_ACT_CODE   "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#define V3_ACT_REASON "http://terminology.hl7.org/CodeSystem/v3-ActReason"
#define V3_PARTICIPATION                                                       \
	"http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
#define CONSENT_SCOPE "http://terminology.hl7.org/CodeSystem/consentscope"

/* --- break-glass grants as Consent ------------------------------------- */

static void
coding(med_json *w, const char *system, const char *code, const char *display)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "system", system);
	med_json_str(w, "code", code);
	med_json_str(w, "display", display);
	med_json_end(w, '}');
}

static void concept(med_json *w, const char *key, const char *system,
		    const char *code, const char *display)
{
	med_json_begin(w, key, '{');
	med_json_begin(w, "coding", '[');
	coding(w, system, code, display);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

/* string_ext writes one extension [base]/StructureDefinition/{name}. */
static void
string_ext(med_json *w, const fhir_facade *f, const char *name,
	   const char *value)
{
	char url[600];

	if (value == NULL || value[0] == '\0')
		return;
	snprintf(url, sizeof(url), "%s/StructureDefinition/%s", f->base_url,
		 name);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", url);
	med_json_str(w, "valueString", value);
	med_json_end(w, '}');
}

static void
grant_extensions(med_json *w, const fhir_facade *f,
		 const Smartmed__Identity__V1__BreakGlassGrant *g)
{
	med_json_begin(w, "extension", '[');
	string_ext(w, f, "break-glass-reason", g->reason);
	string_ext(w, f, "break-glass-justification", g->justification);
	string_ext(w, f, "break-glass-ended-by", g->ended_by);
	med_json_end(w, ']');
}

/* provision: a permit for the holder, for BTG, over the grant's period
 * (to its end when it was ended early, else to its expiry). */
static void
grant_provision(med_json *w, const Smartmed__Identity__V1__BreakGlassGrant *g)
{
	med_json_begin(w, "provision", '{');
	med_json_str(w, "type", "permit");
	med_json_begin(w, "period", '{');
	med_fhir_instant(w, "start", g->start_ms);
	med_fhir_instant(w, "end", g->ended_ms ? g->ended_ms : g->expires_ms);
	med_json_end(w, '}');
	med_json_begin(w, "actor", '[');
	med_json_begin(w, NULL, '{');
	concept(w, "role", V3_PARTICIPATION, "IRCP", "information recipient");
	med_fhir_display_ref(w, "reference", g->user);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_begin(w, "purpose", '[');
	coding(w, V3_ACT_REASON, "BTG", "break the glass");
	med_json_end(w, ']');
	med_json_end(w, '}');
}

static void
grant_entry(ward_req *x, const Smartmed__Identity__V1__BreakGlassGrant *g)
{
	med_json *w = &x->w;

	med_fhir_entry_begin(w, x->f->base_url, "Consent", g->grant_id);
	grant_extensions(w, x->f, g);
	med_json_str(w, "status", g->active ? "active" : "inactive");
	concept(w, "scope", CONSENT_SCOPE, "patient-privacy",
		"Privacy Consent");
	med_json_begin(w, "category", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "coding", '[');
	coding(w, V3_ACT_CODE, "INFA", "information access");
	med_json_end(w, ']');
	med_json_str(w, "text", "break-glass grant");
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_fhir_reference(w, "patient", "Patient", g->patient_id, NULL);
	med_fhir_instant(w, "dateTime", g->start_ms);
	concept(w, "policyRule", V3_ACT_CODE, "EMRGONLY", "emergency only");
	grant_provision(w, g);
	med_json_end(w, '}'); /* the resource */
	med_json_begin(w, "search", '{');
	med_json_str(w, "mode", "match");
	med_json_end(w, '}');
	med_json_end(w, '}');
	x->n++;
}

med_err
fhir_ward_serve_grants(ward_req *x)
{
	Smartmed__Identity__V1__ListBreakGlassRequest in =
		SMARTMED__IDENTITY__V1__LIST_BREAK_GLASS_REQUEST__INIT;
	Smartmed__Common__V1__PageRequest page =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	Smartmed__Identity__V1__ListBreakGlassResponse *out = NULL;
	med_rpc_status st = {0};

	in.patient_id = (char *)(x->patient_id ? x->patient_id : "");
	in.include_ended = x->status == NULL;
	page.page_size = GRANTS_PAGE_SIZE;
	page.page_token = (char *)(x->cursor ? x->cursor : "");
	in.page = &page;
	if (fhir_call_unary(
		    &x->c, x->f->identity,
		    "/smartmed.identity.v1.Identity/ListBreakGlass", &in.base,
		    &smartmed__identity__v1__list_break_glass_response__descriptor,
		    (ProtobufCMessage **)&out, &st) != MED_OK)
		return fhir_ward_upstream_failed(x, "identity", &st);
	fhir_ward_searchset_begin(
		x, out->page != NULL ? out->page->next_page_token : NULL);
	for (size_t i = 0; i < out->n_grants; i++)
		grant_entry(x, out->grants[i]);
	fhir_ward_searchset_end(x);
	return MED_OK;
}

/* --- $inclusion-proof -------------------------------------------------- */

static void
b64_param(med_json *w, const char *name, const uint8_t *p, size_t len)
{
	char text[MED_B64_STD_LEN(64)];

	if (len > 64)
		len = 0;
	med_b64_encode(text, sizeof(text), p, len, MED_B64_STD);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", name);
	med_json_str(w, "valueBase64Binary", text);
	med_json_end(w, '}');
}

static void
int_param(med_json *w, const char *name, uint64_t v)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", name);
	med_json_u64(w, "valueInteger", v);
	med_json_end(w, '}');
}

static void
str_param(med_json *w, const char *name, const char *key, const char *v)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", name);
	med_json_str(w, key, v);
	med_json_end(w, '}');
}

/* head_param: the signed head as parts, with the key that signed it and
 * the head's time in ms (the signed bytes carry the ms exactly). */
static void
head_param(med_json *w, const Smartmed__Audit__V1__GetTreeHeadResponse *t)
{
	const Smartmed__Audit__V1__SignedTreeHead *h = t->head;
	char ms[24];

	snprintf(ms, sizeof(ms), "%" PRId64, h->timestamp_ms);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "signedTreeHead");
	med_json_begin(w, "part", '[');
	int_param(w, "treeSize", h->tree_size);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "timestamp");
	med_fhir_instant(w, "valueInstant", h->timestamp_ms);
	med_json_end(w, '}');
	str_param(w, "timestampMs", "valueString", ms);
	b64_param(w, "rootHash", h->root_hash.data, h->root_hash.len);
	b64_param(w, "signature", h->signature.data, h->signature.len);
	str_param(w, "keyId", "valueString", h->key_id);
	b64_param(w, "publicKey", t->public_key.data, t->public_key.len);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

static med_err
proof_write(ward_req *x, const Smartmed__Audit__V1__GetTreeHeadResponse *t,
	    const Smartmed__Audit__V1__InclusionProofResponse *p)
{
	med_json *w = &x->w;
	char ref[160];

	if (p->tree_size > FHIR_INTEGER_MAX)
		return fhir_fail(&x->e, MED_GRPC_INTERNAL,
				 "the log has outgrown FHIR's integer");
	snprintf(ref, sizeof(ref), "AuditEvent/%s", x->event_id);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Parameters");
	med_json_begin(w, "parameter", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "event");
	med_json_begin(w, "valueReference", '{');
	med_json_str(w, "reference", ref);
	med_json_end(w, '}');
	med_json_end(w, '}');
	int_param(w, "leafIndex", p->leaf_index);
	int_param(w, "treeSize", p->tree_size);
	b64_param(w, "leafHash", p->leaf_hash.data, p->leaf_hash.len);
	for (size_t i = 0; i < p->n_audit_path; i++)
		b64_param(w, "path", p->audit_path[i].data,
			  p->audit_path[i].len);
	head_param(w, t);
	med_json_end(w, ']');
	med_json_end(w, '}');
	x->n = 1;
	return MED_OK;
}

static med_err
get_head(ward_req *x, Smartmed__Audit__V1__GetTreeHeadResponse **out)
{
	Smartmed__Audit__V1__GetTreeHeadRequest in =
		SMARTMED__AUDIT__V1__GET_TREE_HEAD_REQUEST__INIT;
	med_rpc_status st = {0};

	if (fhir_call_unary(
		    &x->c, x->f->audit_rpc,
		    "/smartmed.audit.v1.Audit/GetTreeHead", &in.base,
		    &smartmed__audit__v1__get_tree_head_response__descriptor,
		    (ProtobufCMessage **)out, &st) != MED_OK)
		return fhir_ward_upstream_failed(x, "audit", &st);
	if ((*out)->head == NULL)
		return fhir_fail(&x->e, MED_GRPC_INTERNAL,
				 "audit: no signed head");
	return MED_OK;
}

/*
 * fhir_ward_serve_proof asks for the head first and the proof in that
 * head's tree, so that the two always match: an event logged after the
 * latest head is not in it yet (audit's refusal says so).
 */
med_err
fhir_ward_serve_proof(ward_req *x)
{
	Smartmed__Audit__V1__GetTreeHeadResponse *head = NULL;
	Smartmed__Audit__V1__InclusionProofRequest in =
		SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__INIT;
	Smartmed__Audit__V1__InclusionProofResponse *out = NULL;
	med_rpc_status st = {0};
	med_err err = get_head(x, &head);

	if (err != MED_OK)
		return err;
	in.leaf_case =
		SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__LEAF_EVENT_ID;
	in.event_id = (char *)x->event_id;
	in.tree_size = head->head->tree_size;
	if (fhir_call_unary(
		    &x->c, x->f->audit_rpc,
		    "/smartmed.audit.v1.Audit/InclusionProof", &in.base,
		    &smartmed__audit__v1__inclusion_proof_response__descriptor,
		    (ProtobufCMessage **)&out, &st) != MED_OK)
		return fhir_ward_upstream_failed(x, "audit", &st);
	/* The proof's audit event names the patient the event was about. */
	if (out->record != NULL && out->record->event != NULL &&
	    med_fhir_id_ok(out->record->event->patient_id))
		x->patient_id = med_arena_strdup(
			x->req->arena, out->record->event->patient_id);
	return proof_write(x, head, out);
}
