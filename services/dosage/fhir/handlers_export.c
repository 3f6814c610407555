/*
 * handlers_export.c - ExportFhir: one page of the patient's orders and
 * administrations as a FHIR R4 Bundle (store_export.c reads it, fhir.c
 * writes it).
 */
#include <string.h>

#include <med/check.h>
#include <med/fhir_read.h>
#include <med/config.h>
#include <med/service.h>
#include <med/util.h>

#include "dosage.h"
#include "fhir_export.h"
#include "orders.h"
#include "subject.h"

/* Room the reply's other fields and protobuf framing take beside the
 * bundle. */
#define REPLY_SLACK_BYTES 1024

static med_err
write_bundle(med_call *call, const char *patient_id,
	     const dosage_export_page *p,
	     Smartmed__Dosage__V1__ExportFhirResponse *res)
{
	med_err err = dosage_fhir_bundle(
		med_call_arena(call), patient_id, p,
		med_call_reply_budget(call, REPLY_SLACK_BYTES),
		&res->bundle_json, &res->n_resources);

	return med_fhir_export_failed(call, err, dosage_export_items(p),
				      "items", "order or administration",
				      "patient_id");
}

/* export_kinds reads types (issue 49) as the items to read: kinds
 * "OAR" or some of them, NULL for all. */
static med_err
export_kinds(med_call *call, const Smartmed__Dosage__V1__ExportFhirRequest *req,
	     char kinds[4], const char **out)
{
	static const struct {
		const char *type;
		const char *kinds;
	} map[] = {
		{"MedicationRequest", "O"},
		/* A dose refers to its order as MedicationRequest/id
		 * only when the order is in the page (else by
		 * identifier), and _include follows that reference: the
		 * orders, few, still come first. */
		{"MedicationAdministration", "OAR"},
		{"Medication", "OAR"},
	};

	kinds[0] = '\0';
	for (size_t i = 0; i < req->n_types; i++) {
		size_t j = 0;

		while (j < sizeof(map) / sizeof(map[0]) &&
		       strcmp(req->types[i], map[j].type) != 0)
			j++;
		if (j == sizeof(map) / sizeof(map[0]))
			return med_call_fail(call, MED_ERR_INVALID,
					     "types: %.64s is not a type "
					     "dosage exports",
					     req->types[i]);
		for (const char *k = map[j].kinds; *k != '\0'; k++) {
			size_t n = strlen(kinds);

			if (strchr(kinds, *k) == NULL && n < 3) {
				kinds[n] = *k;
				kinds[n + 1] = '\0';
			}
		}
	}
	*out = kinds[0] != '\0' ? kinds : NULL;
	return MED_OK;
}

/* export_statuses reads statuses (issue 49) into scope. */
static med_err
export_statuses(med_call *call,
		const Smartmed__Dosage__V1__ExportFhirRequest *req,
		dosage_export_scope *scope)
{
	med_err err = med_check_text_list(call, "statuses", req->statuses,
					  req->n_statuses,
					  DOSAGE_EXPORT_STATUSES_MAX, 32);

	if (err != MED_OK)
		return err;
	scope->statuses = (const char *const *)req->statuses;
	scope->n_statuses = req->n_statuses;
	return MED_OK;
}

/* export_request checks a request: the patient, the page size, the kinds
 * and statuses asked for, and the token (a key of the store's). */
static med_err
export_request(med_call *call,
	       const Smartmed__Dosage__V1__ExportFhirRequest *req,
	       med_page *page, char kind_buf[4], dosage_export_scope *scope,
	       med_page_key *after)
{
	Smartmed__Common__V1__PageRequest size_only =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	med_err err;

	/* The size as every list reads it; the token is a key (store). */
	size_only.page_size = req->page ? req->page->page_size : 0;
	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_page_parse(call, &size_only, page)) != MED_OK ||
	    (err = export_kinds(call, req, kind_buf, &scope->kinds)) !=
		    MED_OK ||
	    (err = export_statuses(call, req, scope)) != MED_OK)
		return err;
	if (!med_page_key_parse(req->page ? req->page->page_token : "",
				DOSAGE_EXPORT_TAG, DOSAGE_EXPORT_KINDS,
				after) ||
	    !dosage_export_key_ok(after))
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_token: not a token from a "
				     "previous page");
	return MED_OK;
}

/* export_context puts the context's weight and height on the first page
 * of an export of everything (a narrowed one asks for orders or doses
 * only): the console reads the weight the dose checks use. */
static med_err
export_context(med_call *call, const char *patient_id,
	       const dosage_export_scope *scope, const med_page_key *after,
	       dosage_export_page *p)
{
	dosage_context *c;
	med_err err;

	p->context = NULL;
	if (after->kind != 0 || scope->kinds != NULL || scope->n_statuses > 0)
		return MED_OK;
	c = med_arena_zalloc(med_call_arena(call), sizeof(*c));
	if (c == NULL)
		return MED_ERR_NOMEM;
	err = dosage_store_get_context(med_call_db(call), med_call_arena(call),
				       patient_id, c);
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK)
		return err;
	if (c->weight_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG ||
	    c->height_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM)
		p->context = c;
	return MED_OK;
}

/* respond_page: the next page starts after this page's last item. */
static med_err
respond_page(med_call *call, const dosage_export_page *p,
	     Smartmed__Dosage__V1__ExportFhirResponse *res)
{
	res->page = med_arena_zalloc(med_call_arena(call), sizeof(*res->page));
	if (res->page == NULL)
		return MED_ERR_NOMEM;
	smartmed__common__v1__page_response__init(res->page);
	if (p->more && (res->page->next_page_token = med_page_key_token(
				med_call_arena(call), DOSAGE_EXPORT_TAG,
				&p->last)) == NULL)
		return MED_ERR_NOMEM;
	return MED_OK;
}

med_err
dosage_rpc_export_fhir(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ExportFhirRequest *req = (const void *)in;
	Smartmed__Dosage__V1__ExportFhirResponse *res = (void *)out;
	dosage_export_page p;
	char kind_buf[4];
	dosage_export_scope scope = {0};
	med_page_key after;
	med_page page;
	int64_t now = med_now_ms();
	med_err err;

	if ((err = export_request(call, req, &page, kind_buf, &scope,
				  &after)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = dosage_store_export(med_call_db(call), med_call_arena(call),
				  req->patient_id, now, &scope, &after,
				  page.size, &p);
	/* Orders in force at a death read as stopped there. */
	if (err == MED_OK)
		err = dosage_deaths_fill(call, p.orders, p.n_orders, now);
	if (err == MED_OK)
		err = export_context(call, req->patient_id, &scope, &after, &p);
	if (err != MED_OK)
		return err;
	/* A narrowed export may find nothing of a patient who has orders. */
	if (dosage_export_items(&p) == 0 && p.context == NULL &&
	    after.kind == 0 && scope.kinds == NULL && scope.n_statuses == 0)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "patient_id: no medication orders for "
				     "this patient");
	if ((err = write_bundle(call, req->patient_id, &p, res)) != MED_OK)
		return err;
	return respond_page(call, &p, res);
}
