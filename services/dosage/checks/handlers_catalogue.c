/*
 * handlers_catalogue.c - the RPCs that change the catalogue's dose limits
 * (UpsertDrug, ImportCatalogue, ApproveCatalogueImport), each reading top
 * to bottom in its own transaction: read the entries in force, compare
 * (catalogue_diff.c), then write or stage.  A change that loosens a limit
 * or replaces a rule is never in force on one pharmacist's word: an import
 * is staged until a second pharmacist approves it, as the knowledge bases
 * are (handlers_ddi.c); an UpsertDrug is refused and sent that way.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "drug.h"
#include "interactions.h"
#include "store_catalogue.h"

typedef Smartmed__Dosage__V1__ImportCatalogueResponse import_reply;

/* Why an approval cannot be given. */
typedef enum approve_refusal {
	APPROVE_OK = 0,
	APPROVE_NOT_PENDING,
	APPROVE_SAME_PERSON,
	APPROVE_BASE_CHANGED,
} approve_refusal;

/* catalogue_write - one write's transaction: the entries, what they change
 * in the entries in force, and the import as kept. */
typedef struct catalogue_write {
	med_call *call;
	med_arena *arena;
	dosage_drug *const *drugs;
	size_t n;
	int64_t now_ms;
	dosage_ddi_diff diff;
	char base_sha256[65]; /* of the entries in force it compared */
	dosage_catalogue_import rec;
	approve_refusal refusal;
} catalogue_write;

/* in_force_line: how an entry in force (NULL: none) enters the digest of
 * what an import was compared with: any write to it changes the line. */
static char *
in_force_line(med_arena *a, const char *code, const dosage_drug *old)
{
	if (old == NULL)
		return med_arena_sprintf(a, "%s\t-\n", code);
	return med_arena_sprintf(a, "%s\t%lld\t%u\n", code,
				 (long long)old->updated_ms, old->revision);
}

/* compare_in_force reads each entry's version in force and adds what the
 * entry changes to w->diff, and the digest of what it compared with. */
static med_err
compare_in_force(med_db_conn *c, catalogue_write *w)
{
	size_t cap = 0;
	char *seen = "";
	med_err err = MED_OK;

	memset(&w->diff, 0, sizeof(w->diff));
	for (size_t i = 0; err == MED_OK && i < w->n; i++) {
		dosage_drug old;
		bool found;

		err = dosage_store_drug_conn(c, w->arena, w->drugs[i]->code,
					     &old);
		found = err == MED_OK;
		if (err == MED_ERR_NOT_FOUND)
			err = MED_OK;
		if (err == MED_OK)
			err = dosage_drug_diff(w->arena, found ? &old : NULL,
					       w->drugs[i], &w->diff, &cap);
		seen = med_arena_sprintf(w->arena, "%s%s", seen,
					 in_force_line(w->arena,
						       w->drugs[i]->code,
						       found ? &old : NULL));
		if (err == MED_OK && seen == NULL)
			err = MED_ERR_NOMEM;
	}
	if (err == MED_OK)
		med_sha256_hex(seen, strlen(seen), w->base_sha256);
	return err;
}

/* --- UpsertDrug ------------------------------------------------------------
 */

typedef struct upsert_write {
	catalogue_write w;
	dosage_drug *out;
	const dosage_ddi_change *loosens; /* the first change refused */
} upsert_write;

static med_err
upsert_tx(med_db_conn *c, void *arg)
{
	upsert_write *u = arg;
	med_err err = compare_in_force(c, &u->w);

	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < u->w.diff.n && u->loosens == NULL; i++) {
		dosage_ddi_change_kind k = u->w.diff.items[i].kind;

		if (k == DOSAGE_DDI_WEAKENED || k == DOSAGE_DDI_CHANGED)
			u->loosens = &u->w.diff.items[i];
	}
	if (u->loosens != NULL)
		return MED_ERR_PRECONDITION;
	if ((err = dosage_store_upsert_conn(c, u->w.arena, u->w.drugs[0],
					    u->w.now_ms)) != MED_OK)
		return err;
	return dosage_store_drug_conn(c, u->w.arena, u->w.drugs[0]->code,
				      u->out);
}

/* refuse_upsert names the field whose change needs the staged import. */
static med_err
refuse_upsert(med_call *call, const dosage_ddi_change *ch)
{
	const char *field = strchr(ch->rule_id, '.');

	return med_call_fail(call, MED_ERR_PRECONDITION,
			     "drug.%s: %s from '%s' to '%s' changes the entry "
			     "in force: loosening a limit or replacing a rule "
			     "needs a second pharmacist; send it as "
			     "ImportCatalogue, which stages it for "
			     "ApproveCatalogueImport",
			     field ? field + 1 : ch->rule_id,
			     dosage_ddi_change_name(ch->kind), ch->before,
			     ch->after);
}

med_err
dosage_rpc_upsert_drug(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__UpsertDrugRequest *req = (const void *)in;
	upsert_write u = {.w = {.call = call,
				.arena = med_call_arena(call),
				.drugs = &req->drug,
				.n = 1,
				.now_ms = med_now_ms()},
			  .out = (void *)out};
	med_err err = dosage_check_drug(call, req->drug);

	if (err != MED_OK)
		return err;
	/* The request is this call's own copy: store the substances by
	 * their codes. */
	dosage_drug_normalise(req->drug);
	err = med_call_tx(call, upsert_tx, &u);
	if (err == MED_ERR_PRECONDITION && u.loosens != NULL)
		return refuse_upsert(call, u.loosens);
	/* The only unique key an upsert can hit: a GTIN names one entry. */
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "drug.gtins: a GTIN is already another "
				     "catalogue entry's");
	if (err == MED_ERR_PRECONDITION)
		return med_call_fail(call, err,
				     "drug.strength_unit: another product of "
				     "%s is counted in a unit that does not "
				     "convert to this one's (mmol, mEq and a "
				     "mass never convert: no molar mass is "
				     "assumed); use the same kind of unit",
				     req->drug->substance);
	return err;
}

/* --- ImportCatalogue and ApproveCatalogueImport ----------------------------
 */

/* audit_changes names the import and its changes on the call's event (it
 * commits with the write). */
static void
audit_changes(catalogue_write *w, const char *event)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)w->rec.id);
	med_audit_detail det[] = {
		{"event", event},
		{"import_id", id},
		{"sha256", w->rec.sha256},
		{"imported_by", w->rec.imported_by},
		{"changes", dosage_kb_counts(w->arena, &w->diff)},
		{"weakening",
		 dosage_kb_weakening_list(w->arena, &w->diff, DOSAGE_DDI_NONE)},
	};
	med_call_add_details(w->call, det, sizeof(det) / sizeof(det[0]));
}

static med_err
import_tx(med_db_conn *c, void *arg)
{
	catalogue_write *w = arg;
	med_err err = compare_in_force(c, w);

	if (err != MED_OK)
		return err;
	w->rec.pending = dosage_ddi_diff_weakens(&w->diff);
	w->rec.changes = dosage_kb_counts(w->arena, &w->diff);
	med_strlcpy(w->rec.base_sha256, w->base_sha256,
		    sizeof(w->rec.base_sha256));
	if (w->rec.changes == NULL)
		return MED_ERR_NOMEM;
	if (!w->rec.pending &&
	    (err = dosage_store_import_conn(c, w->drugs, w->n, w->now_ms)) !=
		    MED_OK)
		return err;
	err = dosage_store_catalogue_import_put(c, &w->rec, &w->rec.id);
	if (err == MED_OK)
		audit_changes(w, w->rec.pending ? "catalogue_staged"
						: "catalogue_imported");
	return err;
}

/* write_failed names what a catalogue write's rows cannot be. */
static med_err
write_failed(med_call *call, med_err err)
{
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "csv: a GTIN is listed for two catalogue "
				     "entries");
	if (err == MED_ERR_PRECONDITION)
		return med_call_fail(call, err,
				     "csv: strength_unit: two products of one "
				     "substance are counted in units that do "
				     "not convert (mmol, mEq and a mass never "
				     "convert: no molar mass is assumed)");
	return err;
}

/* reply says what the import came to. */
static med_err
reply(const catalogue_write *w, import_reply *res)
{
	med_arena *a = w->arena;

	res->state = w->rec.pending ? "pending" : "active";
	res->import_id = (uint64_t)w->rec.id;
	res->imported = w->rec.pending ? 0 : (uint32_t)w->n;
	res->imported_by = med_arena_strdup(a, w->rec.imported_by);
	res->approved_by = med_arena_strdup(a, w->rec.approved_by);
	if (res->imported_by == NULL || res->approved_by == NULL)
		return MED_ERR_NOMEM;
	return dosage_kb_changes_msgs(a, &w->diff, &res->changes,
				      &res->n_changes);
}

med_err
dosage_rpc_import_catalogue(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ImportCatalogueRequest *req =
		(const void *)in;
	import_reply *res = (void *)out;
	dosage_import imp;
	med_problem p = {0};
	catalogue_write w = {.call = call, .arena = med_call_arena(call)};
	med_err err = dosage_csv_parse(w.arena, req->csv.data, req->csv.len,
				       &imp, &p);

	if (err != MED_OK)
		return p.err != MED_OK ? med_call_fail_problem(call, &p) : err;
	res->errors = imp.errors;
	res->n_errors = imp.n_errors;
	/* All or nothing: a half-imported catalogue is worse than none. */
	if (imp.n_errors > 0)
		return MED_OK;
	w.drugs = imp.drugs;
	w.n = imp.n_drugs;
	w.now_ms = w.rec.imported_ms = med_now_ms();
	w.rec.body = (char *)req->csv.data;
	w.rec.len = req->csv.len;
	w.rec.n_rows = imp.n_drugs;
	med_sha256_hex(req->csv.data, req->csv.len, w.rec.sha256);
	med_strlcpy(w.rec.imported_by, med_call_principal(call)->user,
		    sizeof(w.rec.imported_by));
	if ((err = med_call_tx(call, import_tx, &w)) != MED_OK)
		return write_failed(call, err);
	return reply(&w, res);
}

/* approvable says whether the caller may approve w->rec now (the entries
 * it changes compared already). */
static approve_refusal
approvable(const catalogue_write *w)
{
	if (!w->rec.pending)
		return APPROVE_NOT_PENDING;
	if (strcmp(w->rec.imported_by, med_call_principal(w->call)->user) == 0)
		return APPROVE_SAME_PERSON;
	if (strcmp(w->rec.base_sha256, w->base_sha256) != 0)
		return APPROVE_BASE_CHANGED;
	return APPROVE_OK;
}

/* staged_rows parses the staged text again (it passed when imported). */
static med_err
staged_rows(catalogue_write *w)
{
	dosage_import imp;
	med_problem p = {0};
	med_err err = dosage_csv_parse(w->arena, (const uint8_t *)w->rec.body,
				       w->rec.len, &imp, &p);

	if (err == MED_OK && imp.n_errors > 0)
		err = MED_ERR_DATA_LOSS;
	w->drugs = imp.drugs;
	w->n = err == MED_OK ? imp.n_drugs : 0;
	return err;
}

static med_err
approve_tx(med_db_conn *c, void *arg)
{
	catalogue_write *w = arg;
	const char *by = med_call_principal(w->call)->user;
	med_err err = dosage_store_catalogue_import_lock(c, w->arena, w->rec.id,
							 &w->rec);

	w->refusal = APPROVE_OK;
	if (err == MED_OK)
		err = staged_rows(w);
	if (err == MED_OK)
		err = compare_in_force(c, w);
	if (err != MED_OK)
		return err;
	if ((w->refusal = approvable(w)) != APPROVE_OK)
		return MED_ERR_PRECONDITION;
	if ((err = dosage_store_import_conn(c, w->drugs, w->n, w->now_ms)) !=
		    MED_OK ||
	    (err = dosage_store_catalogue_import_accept(c, w->rec.id, by,
							w->now_ms)) != MED_OK)
		return err;
	w->rec.pending = false;
	med_strlcpy(w->rec.approved_by, by, sizeof(w->rec.approved_by));
	audit_changes(w, "catalogue_approved");
	return MED_OK;
}

static med_err
refuse_approval(med_call *call, approve_refusal why, int64_t id)
{
	if (why == APPROVE_NOT_PENDING)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "import_id: %lld is not waiting for "
				     "approval",
				     (long long)id);
	if (why == APPROVE_SAME_PERSON)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "import_id: %lld was imported by you; a "
				     "second pharmacist approves it",
				     (long long)id);
	return med_call_fail(call, MED_ERR_PRECONDITION,
			     "import_id: an entry %lld changes was written "
			     "since it was staged; its changes no longer "
			     "hold: import it again",
			     (long long)id);
}

med_err
dosage_rpc_approve_catalogue_import(med_call *call, const ProtobufCMessage *in,
				    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ApproveCatalogueImportRequest *req =
		(const void *)in;
	catalogue_write w = {.call = call,
			     .arena = med_call_arena(call),
			     .now_ms = med_now_ms(),
			     .rec = {.id = (int64_t)req->import_id}};
	med_err err;

	if (req->import_id == 0 || req->import_id > INT64_MAX)
		return med_call_fail(call, MED_ERR_INVALID,
				     "import_id: required (ImportCatalogue's "
				     "reply names it)");
	err = med_call_tx(call, approve_tx, &w);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "import_id: no such import");
	if (err == MED_ERR_PRECONDITION && w.refusal != APPROVE_OK)
		return refuse_approval(call, w.refusal, w.rec.id);
	if (err != MED_OK)
		return write_failed(call, err);
	return reply(&w, (void *)out);
}
