/*
 * handlers_allergy_names.c - ImportAllergyNames and ApproveAllergyNames:
 * the pharmacy's brand names, synonyms and misspellings of allergies
 * (allergy_text.h), checked whole, compared with the names in force (the
 * pharmacy's rows, then the shipped table's).  A name pointed at another
 * substance or class than the one in force would make a recorded allergy
 * read as something else, so such an import waits for a second
 * pharmacist (staging.c); new names and rewordings are in force at once.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/rpc.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "allergy_text.h"
#include "catalogue.h"
#include "staging.h"

typedef Smartmed__Dosage__V1__ImportAllergyNamesResponse names_reply;

/* in_force - the names in force, each with its comparison key. */
typedef struct in_force {
	const dosage_allergy_name *rows;
	char (*keys)[DOSAGE_ALLERGY_KEY_MAX];
	size_t n;
} in_force;

/* read_in_force reads the pharmacy's rows, then the shipped table's
 * (the order a check reads them: the pharmacy's win). */
static med_err
read_in_force(med_db_conn *c, med_arena *a, in_force *f)
{
	dosage_allergy_names mine, shipped;
	dosage_allergy_name *all;
	med_err err = dosage_store_allergy_names_conn(c, a, &mine);

	if (err != MED_OK)
		return err;
	(void)dosage_allergy_starter(&shipped);
	f->n = mine.n + shipped.n;
	all = med_arena_alloc(a, (f->n + 1) * sizeof(*all));
	f->keys = med_arena_alloc(a, (f->n + 1) * sizeof(*f->keys));
	if (all == NULL || f->keys == NULL)
		return MED_ERR_NOMEM;
	if (mine.n)
		memcpy(all, mine.rows, mine.n * sizeof(*all));
	if (shipped.n)
		memcpy(all + mine.n, shipped.rows, shipped.n * sizeof(*all));
	for (size_t i = 0; i < f->n; i++)
		dosage_allergy_key(all[i].name, f->keys[i], sizeof(f->keys[i]));
	f->rows = all;
	return MED_OK;
}

static const dosage_allergy_name *
find_in_force(const in_force *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return &f->rows[i];
	return NULL;
}

/* name_change says what row does to the name in force (NULL: none). */
static dosage_ddi_change
name_change(const dosage_allergy_name *row, const dosage_allergy_name *old)
{
	dosage_ddi_change c = {.rule_id = row->name,
			       .group = "",
			       .before = old ? old->target : "",
			       .after = row->target,
			       .was = DOSAGE_DDI_MAJOR,
			       .now = DOSAGE_DDI_MAJOR};

	if (old == NULL)
		c.kind = DOSAGE_DDI_ADDED;
	else if (strcmp(old->target, row->target) != 0)
		c.kind = DOSAGE_DDI_CHANGED;
	else
		c.kind = DOSAGE_DDI_REWORDED;
	return c;
}

/* compare_names adds each imported name's change to s->diff
 * (staging_ops.compare). */
static med_err
compare_names(med_db_conn *c, dosage_staging *s)
{
	const dosage_allergy_table *t = s->rows;
	in_force f;
	char *seen = "";
	med_err err = read_in_force(c, s->arena, &f);

	for (size_t i = 0; err == MED_OK && i < t->n; i++) {
		char key[DOSAGE_ALLERGY_KEY_MAX];
		const dosage_allergy_name *old;
		dosage_ddi_change ch;

		dosage_allergy_key(t->rows[i].name, key, sizeof(key));
		old = find_in_force(&f, key);
		ch = name_change(&t->rows[i], old);
		err = dosage_ddi_diff_push(s->arena, &s->diff, &s->diff_cap,
					   &ch);
		seen = med_arena_sprintf(s->arena, "%s%s\t%s\n", seen, key,
					 old ? old->target : "-");
		if (err == MED_OK && seen == NULL)
			err = MED_ERR_NOMEM;
	}
	if (err == MED_OK)
		dosage_staging_digest(s, seen);
	return err;
}

static med_err
write_names(med_db_conn *c, dosage_staging *s)
{
	return dosage_store_allergy_names_put(c, s->rows, s->rec.imported_by,
					      s->now_ms, &s->version);
}

static med_err
parse_names(dosage_staging *s, const char *csv, size_t len,
	    dosage_allergy_table *t, const char **why)
{
	med_err err = dosage_allergy_names_parse(s->arena, csv, len, t, why);

	s->rows = t;
	s->n = err == MED_OK ? t->n : 0;
	return err;
}

static med_err
staged_names(dosage_staging *s)
{
	dosage_allergy_table *t = med_arena_alloc(s->arena, sizeof(*t));
	const char *why = NULL;
	med_err err = t ? parse_names(s, s->rec.body, s->rec.len, t, &why)
			: MED_ERR_NOMEM;

	return err == MED_OK && t->n_errors > 0 ? MED_ERR_DATA_LOSS : err;
}

static const staging_ops names_ops = {
	.kind = "allergy_names",
	.event = "allergy_names",
	.rows = staged_names,
	.compare = compare_names,
	.write = write_names,
};

/* copy_errors puts t's row problems into the reply. */
static med_err
copy_errors(med_arena *a, const dosage_allergy_table *t, names_reply *res)
{
	size_t cap = 0;

	for (size_t i = 0; i < t->n_errors; i++) {
		Smartmed__Dosage__V1__RowError *e = med_arena_push_msg(
			a, (void ***)&res->errors, &res->n_errors, &cap,
			&smartmed__dosage__v1__row_error__descriptor);

		if (e == NULL)
			return MED_ERR_NOMEM;
		e->row = t->errors[i].line;
		e->field = (char *)t->errors[i].field;
		e->reason = (char *)t->errors[i].reason;
	}
	return MED_OK;
}

static med_err
reply(const dosage_staging *s, names_reply *res)
{
	med_arena *a = s->arena;

	res->state = s->rec.pending ? "pending" : "active";
	res->import_id = (uint64_t)s->rec.id;
	res->imported = s->rec.pending ? 0 : (uint32_t)s->n;
	res->version = (uint32_t)s->version;
	res->imported_by = med_arena_strdup(a, s->rec.imported_by);
	res->approved_by = med_arena_strdup(a, s->rec.approved_by);
	if (res->imported_by == NULL || res->approved_by == NULL)
		return MED_ERR_NOMEM;
	return dosage_kb_changes_msgs(a, &s->diff, &res->changes,
				      &res->n_changes);
}

med_err
dosage_rpc_import_allergy_names(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ImportAllergyNamesRequest *req =
		(const void *)in;
	names_reply *res = (void *)out;
	dosage_allergy_table t;
	const char *why = NULL;
	dosage_staging s;
	med_err err;

	dosage_staging_begin(&s, call, &names_ops);
	err = parse_names(&s, (const char *)req->csv.data, req->csv.len, &t,
			  &why);
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, err, "csv: %s", why);
	if (err != MED_OK || (err = copy_errors(s.arena, &t, res)) != MED_OK)
		return err;
	/* All or nothing: a half-loaded table reads some names and not
	 * others, and nobody could tell which. */
	if (t.n_errors > 0)
		return MED_OK;
	if (t.n == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "csv: no data rows");
	if ((err = dosage_staging_import(&s, req->csv.data, req->csv.len,
					 t.n)) != MED_OK)
		return err;
	return reply(&s, res);
}

med_err
dosage_rpc_approve_allergy_names(med_call *call, const ProtobufCMessage *in,
				 ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ApproveAllergyNamesRequest *req =
		(const void *)in;
	dosage_staging s;
	med_err err;

	dosage_staging_begin(&s, call, &names_ops);
	if ((err = dosage_staging_approve(&s, req->import_id)) != MED_OK)
		return err;
	return reply(&s, (void *)out);
}
