/*
 * handlers_catalogue.c - the RPCs that change the catalogue's dose limits
 * (UpsertDrug, ImportCatalogue, ApproveCatalogueImport): read the entries
 * in force, compare (catalogue_diff.c), then write or stage.  A change
 * that loosens a limit or replaces a rule is never in force on one
 * pharmacist's word: an import is staged until a second pharmacist
 * approves it (staging.c), as the knowledge bases are (handlers_ddi.c); an
 * UpsertDrug is refused and sent that way.
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
#include "staging.h"

typedef Smartmed__Dosage__V1__ImportCatalogueResponse import_reply;

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

/* compare_entries reads each entry's version in force and adds what the
 * new one changes to s->diff (staging_ops.compare). */
static med_err
compare_entries(med_db_conn *c, dosage_staging *s)
{
	dosage_drug *const *drugs = s->rows;
	char *seen = "";
	med_err err = MED_OK;

	for (size_t i = 0; err == MED_OK && i < s->n; i++) {
		dosage_drug old;
		bool found;

		err = dosage_store_drug_conn(c, s->arena, drugs[i]->code, &old);
		found = err == MED_OK;
		if (err == MED_ERR_NOT_FOUND)
			err = MED_OK;
		if (err == MED_OK)
			err = dosage_drug_diff(s->arena, found ? &old : NULL,
					       drugs[i], &s->diff,
					       &s->diff_cap);
		seen = med_arena_sprintf(s->arena, "%s%s", seen,
					 in_force_line(s->arena, drugs[i]->code,
						       found ? &old : NULL));
		if (err == MED_OK && seen == NULL)
			err = MED_ERR_NOMEM;
	}
	if (err == MED_OK)
		dosage_staging_digest(s, seen);
	return err;
}

static med_err
write_entries(med_db_conn *c, dosage_staging *s)
{
	return dosage_store_import_conn(c, s->rows, s->n, s->now_ms);
}

/* parse_entries reads a catalogue CSV into s's rows; row errors in
 * *errors (the reply's, may be NULL for a staged text, which passed). */
static med_err
parse_entries(dosage_staging *s, const uint8_t *csv, size_t len,
	      dosage_import *imp, med_problem *p)
{
	med_err err = dosage_csv_parse(s->arena, csv, len, imp, p);

	s->rows = imp->drugs;
	s->n = err == MED_OK ? imp->n_drugs : 0;
	return err;
}

static med_err
staged_entries(dosage_staging *s)
{
	dosage_import imp;
	med_problem p = {0};
	med_err err = parse_entries(s, (const uint8_t *)s->rec.body, s->rec.len,
				    &imp, &p);

	return err == MED_OK && imp.n_errors > 0 ? MED_ERR_DATA_LOSS : err;
}

static const staging_ops catalogue_ops = {
	.kind = "catalogue",
	.event = "catalogue",
	.rows = staged_entries,
	.compare = compare_entries,
	.write = write_entries,
};

/* --- UpsertDrug ------------------------------------------------------------
 */

typedef struct upsert_write {
	dosage_staging s;
	dosage_drug *out;
	const dosage_ddi_change *loosens; /* the first change refused */
} upsert_write;

static med_err
upsert_tx(med_db_conn *c, void *arg)
{
	upsert_write *u = arg;
	dosage_drug *const *drug = u->s.rows;
	med_err err;

	memset(&u->s.diff, 0, sizeof(u->s.diff));
	u->s.diff_cap = 0;
	u->loosens = NULL;
	if ((err = compare_entries(c, &u->s)) != MED_OK)
		return err;
	for (size_t i = 0; i < u->s.diff.n && u->loosens == NULL; i++) {
		dosage_ddi_change_kind k = u->s.diff.items[i].kind;

		if (k == DOSAGE_DDI_WEAKENED || k == DOSAGE_DDI_CHANGED)
			u->loosens = &u->s.diff.items[i];
	}
	if (u->loosens != NULL)
		return MED_ERR_PRECONDITION;
	if ((err = dosage_store_upsert_conn(c, u->s.arena, drug[0],
					    u->s.now_ms)) != MED_OK)
		return err;
	return dosage_store_drug_conn(c, u->s.arena, drug[0]->code, u->out);
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
	upsert_write u = {.out = (void *)out};
	med_err err = dosage_check_drug(call, req->drug);

	if (err != MED_OK)
		return err;
	dosage_staging_begin(&u.s, call, &catalogue_ops);
	u.s.rows = (void *)&req->drug;
	u.s.n = 1;
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
reply(const dosage_staging *s, import_reply *res)
{
	med_arena *a = s->arena;

	res->state = s->rec.pending ? "pending" : "active";
	res->import_id = (uint64_t)s->rec.id;
	res->imported = s->rec.pending ? 0 : (uint32_t)s->n;
	res->imported_by = med_arena_strdup(a, s->rec.imported_by);
	res->approved_by = med_arena_strdup(a, s->rec.approved_by);
	if (res->imported_by == NULL || res->approved_by == NULL)
		return MED_ERR_NOMEM;
	return dosage_kb_changes_msgs(a, &s->diff, &res->changes,
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
	dosage_staging s;
	med_err err;

	dosage_staging_begin(&s, call, &catalogue_ops);
	err = parse_entries(&s, req->csv.data, req->csv.len, &imp, &p);
	if (err != MED_OK)
		return p.err != MED_OK ? med_call_fail_problem(call, &p) : err;
	res->errors = imp.errors;
	res->n_errors = imp.n_errors;
	/* All or nothing: a half-imported catalogue is worse than none. */
	if (imp.n_errors > 0)
		return MED_OK;
	if ((err = dosage_staging_import(&s, req->csv.data, req->csv.len,
					 imp.n_drugs)) != MED_OK)
		return write_failed(call, err);
	return reply(&s, res);
}

med_err
dosage_rpc_approve_catalogue_import(med_call *call, const ProtobufCMessage *in,
				    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ApproveCatalogueImportRequest *req =
		(const void *)in;
	dosage_staging s;
	med_err err;

	dosage_staging_begin(&s, call, &catalogue_ops);
	if ((err = dosage_staging_approve(&s, req->import_id)) != MED_OK)
		return s.named ? err : write_failed(call, err);
	return reply(&s, (void *)out);
}
