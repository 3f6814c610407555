/*
 * staging.c - the transaction of a pharmacist's import of catalogue
 * entries or allergy names, and of its approval (staging.h).  Each reads
 * top to bottom: read what is in force and compare, then write, or keep
 * the import pending; an approval locks the import, compares again and
 * writes only when the entries it changes were not written since.
 */
#include <med/audit.h>
#include <med/rpc.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "staging.h"

void
dosage_staging_begin(dosage_staging *s, med_call *call, const staging_ops *ops)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->call = call;
	s->arena = med_call_arena(call);
	s->now_ms = s->rec.imported_ms = med_now_ms();
	s->rec.kind = ops->kind;
	med_strlcpy(s->rec.imported_by, med_call_principal(call)->user,
		    sizeof(s->rec.imported_by));
}

void
dosage_staging_digest(dosage_staging *s, const char *lines)
{
	med_sha256_hex(lines, strlen(lines), s->base_sha256);
}

/* audit_changes names the import and its changes on the call's event (it
 * commits with the write). */
static void
audit_changes(dosage_staging *s, const char *step)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)s->rec.id);
	med_audit_detail det[] = {
		{"event",
		 med_arena_sprintf(s->arena, "%s_%s", s->ops->event, step)},
		{"import_id", id},
		{"sha256", s->rec.sha256},
		{"imported_by", s->rec.imported_by},
		{"changes", dosage_kb_counts(s->arena, &s->diff)},
		{"weakening",
		 dosage_kb_weakening_list(s->arena, &s->diff, DOSAGE_DDI_NONE)},
	};
	med_call_add_details(s->call, det, sizeof(det) / sizeof(det[0]));
}

/* compare starts the diff afresh (a retried transaction compares again). */
static med_err
compare(med_db_conn *c, dosage_staging *s)
{
	memset(&s->diff, 0, sizeof(s->diff));
	s->diff_cap = 0;
	return s->ops->compare(c, s);
}

static med_err
import_tx(med_db_conn *c, void *arg)
{
	dosage_staging *s = arg;
	med_err err = compare(c, s);

	if (err != MED_OK)
		return err;
	s->rec.pending = dosage_ddi_diff_weakens(&s->diff);
	s->rec.changes = dosage_kb_counts(s->arena, &s->diff);
	med_strlcpy(s->rec.base_sha256, s->base_sha256,
		    sizeof(s->rec.base_sha256));
	if (s->rec.changes == NULL)
		return MED_ERR_NOMEM;
	if (!s->rec.pending && (err = s->ops->write(c, s)) != MED_OK)
		return err;
	err = dosage_store_catalogue_import_put(c, &s->rec, &s->rec.id);
	if (err == MED_OK)
		audit_changes(s, s->rec.pending ? "staged" : "imported");
	return err;
}

med_err
dosage_staging_import(dosage_staging *s, const void *text, size_t len,
		      size_t n_rows)
{
	s->rec.body = (char *)text;
	s->rec.len = len;
	s->rec.n_rows = n_rows;
	med_sha256_hex(text, len, s->rec.sha256);
	return med_call_tx(s->call, import_tx, s);
}

/* approvable says whether the caller may approve s->rec now (compared
 * again already). */
static staging_refusal
approvable(const dosage_staging *s)
{
	if (!s->rec.pending)
		return STAGING_NOT_PENDING;
	if (strcmp(s->rec.imported_by, med_call_principal(s->call)->user) == 0)
		return STAGING_SAME_PERSON;
	if (strcmp(s->rec.base_sha256, s->base_sha256) != 0)
		return STAGING_BASE_CHANGED;
	return STAGING_OK;
}

static med_err
approve_tx(med_db_conn *c, void *arg)
{
	dosage_staging *s = arg;
	const char *by = med_call_principal(s->call)->user;
	med_err err = dosage_store_catalogue_import_lock(c, s->arena, s->rec.id,
							 &s->rec);

	s->refusal = STAGING_OK;
	/* Another kind's import is not this RPC's to approve. */
	if (err == MED_OK && strcmp(s->rec.kind_seen, s->ops->kind) != 0)
		err = MED_ERR_NOT_FOUND;
	if (err == MED_OK)
		err = s->ops->rows(s);
	if (err == MED_OK)
		err = compare(c, s);
	if (err != MED_OK)
		return err;
	if ((s->refusal = approvable(s)) != STAGING_OK)
		return MED_ERR_PRECONDITION;
	if ((err = s->ops->write(c, s)) != MED_OK ||
	    (err = dosage_store_catalogue_import_accept(c, s->rec.id, by,
							s->now_ms)) != MED_OK)
		return err;
	s->rec.pending = false;
	med_strlcpy(s->rec.approved_by, by, sizeof(s->rec.approved_by));
	audit_changes(s, "approved");
	return MED_OK;
}

static med_err
refuse(med_call *call, staging_refusal why, int64_t id)
{
	if (why == STAGING_NOT_PENDING)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "import_id: %lld is not waiting for "
				     "approval",
				     (long long)id);
	if (why == STAGING_SAME_PERSON)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "import_id: %lld was imported by you; a "
				     "second pharmacist approves it",
				     (long long)id);
	return med_call_fail(call, MED_ERR_PRECONDITION,
			     "import_id: what %lld changes was written since "
			     "it was staged; its changes no longer hold: "
			     "import it again",
			     (long long)id);
}

med_err
dosage_staging_approve(dosage_staging *s, uint64_t import_id)
{
	int64_t id = import_id > INT64_MAX ? 0 : (int64_t)import_id;
	med_err err;

	s->rec.id = id;
	s->named = true;
	if (id <= 0)
		return med_call_fail(s->call, MED_ERR_INVALID,
				     "import_id: required (the import's reply "
				     "names it)");
	err = med_call_tx(s->call, approve_tx, s);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(s->call, err,
				     "import_id: no such %s import",
				     s->ops->event);
	if (err == MED_ERR_PRECONDITION && s->refusal != STAGING_OK)
		return refuse(s->call, s->refusal, id);
	s->named = false;
	return err;
}
