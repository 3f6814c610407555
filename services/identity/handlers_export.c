/*
 * handlers_export.c - ExportFhir: one page of the patient's encounters as
 * a FHIR R4 Bundle (encounter_store.c reads it, fhir.c writes it), or of a
 * ward's open stays (the census of issue 37).
 */
#include <med/check.h>
#include <med/codec.h>
#include <med/config.h>
#include <med/fhir_read.h>
#include <med/service.h>

#include <string.h>

#include "identity.h"

/* Room the reply's other fields and protobuf framing take beside the
 * bundle. */
#define REPLY_SLACK_BYTES 1024

/*
 * ward_allowed: a caller held to the lookup scope (a clinician or nurse)
 * lists only a ward among their units; whoever looks up the whole
 * hospital lists any.  A refusal is audited with the ward it asked for.
 */
static med_err
ward_allowed(med_call *call, const char *ward)
{
	identity_scope s;
	med_err err = identity_scope_of(call, &s);

	if (err != MED_OK || s.whole)
		return err;
	for (size_t i = 0; i < s.n_units; i++)
		if (strcmp(s.units[i], ward) == 0)
			return MED_OK;
	return med_call_fail(call, MED_ERR_DENIED,
			     "ward: %s is not one of your units; a clinician "
			     "or nurse lists only the wards they work on",
			     ward);
}

/* The census's page token: after the stay (bed, start_ms, id), written
 * CENSUS_TAG HEX(bed) "." start_ms "." id (the bed in hex: it may hold
 * any character, a '.' too). */
#define CENSUS_TAG 'c'

/* census_after reads a census page token ("": the first page); false
 * when it is not one. */
static bool
census_after(med_arena *a, const char *token, identity_census_key *out)
{
	const char *dot;
	char *rest;
	med_page_key k;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (token == NULL || token[0] == '\0')
		return true;
	if (token[0] != CENSUS_TAG || (dot = strchr(token, '.')) == NULL ||
	    med_hex_decode(token + 1, (size_t)(dot - token - 1),
			   (uint8_t *)out->bed, sizeof(out->bed) - 1,
			   &n) != MED_OK)
		return false;
	out->bed[n] = '\0';
	/* The rest is a key token's time and id. */
	rest = med_arena_sprintf(a, "%cB.%s", CENSUS_TAG, dot + 1);
	if (strlen(out->bed) != n || rest == NULL ||
	    !med_page_key_parse(rest, CENSUS_TAG, "B", &k) || k.id[0] == '\0')
		return false;
	out->set = true;
	out->start_ms = k.t;
	med_strlcpy(out->id, k.id, sizeof(out->id));
	return true;
}

/* page_last makes the reply's PageResponse and trims the page (read one
 * longer) to its size; *last is its last encounter when another page
 * follows, else NULL. */
static med_err
page_last(med_call *call, const med_page *page, identity_enc_history **h,
	  size_t *n, Smartmed__Identity__V1__ExportFhirResponse *res,
	  const Smartmed__Identity__V1__Encounter **last)
{
	res->page = med_arena_zalloc(med_call_arena(call), sizeof(*res->page));
	if (res->page == NULL)
		return MED_ERR_NOMEM;
	smartmed__common__v1__page_response__init(res->page);
	*last = NULL;
	if (*n > page->size) {
		*n = page->size;
		*last = h[*n - 1]->encounter;
	}
	return MED_OK;
}

/* census_next trims the census page; the next page starts after its last
 * stay. */
static med_err
census_next(med_call *call, const med_page *page, identity_enc_history **h,
	    size_t *n, Smartmed__Identity__V1__ExportFhirResponse *res)
{
	const Smartmed__Identity__V1__Encounter *last;
	const char *at;
	char bed[MED_HEX_LEN(128)];
	med_err err = page_last(call, page, h, n, res, &last);

	if (err != MED_OK || last == NULL)
		return err;
	/* The current location's bed is the encounters row's. */
	at = last->location != NULL ? last->location->bed : "";
	if (med_hex_encode(bed, sizeof(bed), at, strlen(at)) == NULL)
		return MED_ERR_INTERNAL;
	res->page->next_page_token = med_arena_sprintf(
		med_call_arena(call), "%c%s.%lld.%s", CENSUS_TAG, bed,
		(long long)last->start_ms, last->encounter_id);
	return res->page->next_page_token ? MED_OK : MED_ERR_NOMEM;
}

/* export_ward answers the census: a page of the ward's open stays, by a
 * keyset token (issue 49: by offset, a stay admitted to an earlier bed
 * between pages listed the previous page's last stay again). */
static med_err
export_ward(med_call *call,
	    const Smartmed__Identity__V1__ExportFhirRequest *req,
	    Smartmed__Identity__V1__ExportFhirResponse *res)
{
	Smartmed__Common__V1__PageRequest size_only =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	identity_enc_history **h = NULL;
	identity_census_key after;
	med_page page;
	size_t n = 0;
	med_err err;

	if (req->patient_id[0] != '\0')
		return med_call_fail(call, MED_ERR_INVALID,
				     "ward: give a ward or a patient_id, "
				     "not both");
	if ((err = med_check_text(call, "ward", req->ward, 1, 64)) != MED_OK)
		return err;
	/* The census is one event naming its ward, whatever it lists. */
	med_call_set_resource(call, "Encounter?ward");
	(void)med_call_add_detail(call, "ward", req->ward);
	/* The size as every list reads it; the token is a key. */
	size_only.page_size = req->page ? req->page->page_size : 0;
	if ((err = ward_allowed(call, req->ward)) != MED_OK ||
	    (err = med_page_parse(call, &size_only, &page)) != MED_OK)
		return err;
	if (!census_after(med_call_arena(call),
			  req->page ? req->page->page_token : "", &after))
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_token: not a token from a "
				     "previous page");
	err = identity_enc_store_ward(med_call_db(call), med_call_arena(call),
				      req->ward, &after, page.size + 1, &h, &n);
	if (err != MED_OK ||
	    (err = census_next(call, &page, h, &n, res)) != MED_OK)
		return err;
	err = identity_fhir_ward_bundle(
		med_call_arena(call), h, n,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);
	return med_fhir_export_failed(call, err, n, "encounters", "encounter",
				      "ward");
}

/* A patient's export page token: after encounter (start_ms, id). */
#define EXPORT_TAG 'e'

/* respond_after trims the page; the next page starts after its last
 * encounter. */
static med_err
respond_after(med_call *call, const med_page *page, identity_enc_history **h,
	      size_t *n, Smartmed__Identity__V1__ExportFhirResponse *res)
{
	med_page_key key = {.set = true, .kind = 'E'};
	const Smartmed__Identity__V1__Encounter *last;
	med_err err = page_last(call, page, h, n, res, &last);

	if (err != MED_OK || last == NULL)
		return err;
	key.t = last->start_ms;
	med_strlcpy(key.id, last->encounter_id, sizeof(key.id));
	res->page->next_page_token =
		med_page_key_token(med_call_arena(call), EXPORT_TAG, &key);
	return res->page->next_page_token ? MED_OK : MED_ERR_NOMEM;
}

med_err
identity_rpc_export_fhir(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__ExportFhirRequest *req = (const void *)in;
	Smartmed__Identity__V1__ExportFhirResponse *res = (void *)out;
	Smartmed__Common__V1__PageRequest size_only =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	identity_enc_history **h = NULL;
	med_page_key after;
	med_page page;
	size_t n = 0;
	med_err err;

	if (req->ward[0] != '\0')
		return export_ward(call, req, res);
	/* The size as every list reads it; the token is a key. */
	size_only.page_size = req->page ? req->page->page_size : 0;
	if ((err = identity_visible_patient(call, req->patient_id)) != MED_OK ||
	    (err = med_page_parse(call, &size_only, &page)) != MED_OK)
		return err;
	if (!med_page_key_parse(req->page ? req->page->page_token : "",
				EXPORT_TAG, "E", &after) ||
	    (after.set && after.id[0] == '\0'))
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_token: not a token from a "
				     "previous page");
	err = identity_enc_store_export(med_call_db(call), med_call_arena(call),
					req->patient_id, &after, page.size + 1,
					&h, &n);
	if (err != MED_OK ||
	    (err = respond_after(call, &page, h, &n, res)) != MED_OK)
		return err;
	err = identity_fhir_bundle(
		med_call_arena(call), req->patient_id, h, n,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);
	return med_fhir_export_failed(call, err, n, "encounters", "encounter",
				      "patient_id");
}
