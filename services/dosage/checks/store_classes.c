/*
 * store_classes.c - the SQL of the checks across a therapeutic class: the
 * products of a class the patient was given around a dose (with each
 * one's oral morphine equivalent), the orders of a class in force, and
 * the home medicines the checks meet (home_checks.c says which count).
 *
 * Rows of substances in no duplicate-therapy group are read and dropped
 * here: the groups are code (classes.c), not columns, so a new group needs
 * no migration.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"

#define COUNTED_A                                                              \
	"a.status IN ('" DOSAGE_ADMIN_COMPLETED "', '" DOSAGE_ADMIN_ON_HOLD "')"
#define CLASS_FIRST_ROWS 16

typedef struct class_read {
	med_arena *arena;
	dosage_class_list *out;
} class_read;

/* push keeps one more item in l (arena arrays, doubling, at most
 * DOSAGE_GIVEN_MAX_ROWS). */
static dosage_class_other *
push(med_arena *a, dosage_class_list *l)
{
	dosage_class_other *grown;
	size_t cap;

	if (l->n == l->cap) {
		if (l->cap >= DOSAGE_GIVEN_MAX_ROWS)
			return NULL;
		cap = l->cap ? l->cap * 2 : CLASS_FIRST_ROWS;
		if ((grown = med_arena_alloc(a, cap * sizeof(*grown))) == NULL)
			return NULL;
		if (l->n)
			memcpy(grown, l->items, l->n * sizeof(*grown));
		l->items = grown;
		l->cap = cap;
	}
	memset(&l->items[l->n], 0, sizeof(l->items[0]));
	return &l->items[l->n++];
}

/* What a list past DOSAGE_GIVEN_MAX_ROWS answers: the call's status
 * message (dosage_fail_limit). */
static const char class_limit[] =
	"administrations: more than " DOSAGE_GIVEN_MAX_ROWS_TEXT
	" of a therapeutic class to this patient within 24 h of the dose; the "
	"class checks will not count them short (DOSAGE_GIVEN_MAX_ROWS)";

/* full is why push found no room in l: its limit (named in l->limit) or
 * the arena's. */
static med_err
full(dosage_class_list *l)
{
	if (l->cap < DOSAGE_GIVEN_MAX_ROWS)
		return MED_ERR_NOMEM;
	l->limit = class_limit;
	return MED_ERR_LIMIT;
}

/* row_ome converts one administration row (stored unit and amount, the
 * product's unit, strength and strength unit at col..col+4) given by route
 * into oral morphine equivalents. */
static bool
row_ome(const med_db_row *row, size_t col, const char *substance,
	const char *route, double *out)
{
	double in_product, mg, factor;

	if (!dosage_ome_factor(substance, route, &factor) ||
	    dosage_dose_convert(med_db_row_double(row, col + 1),
				med_db_row_text(row, col, NULL),
				med_db_row_text(row, col + 2, NULL),
				&in_product) != MED_OK ||
	    dosage_dose_convert(in_product * med_db_row_double(row, col + 3),
				med_db_row_text(row, col + 4, NULL), "mg",
				&mg) != MED_OK)
		return false;
	*out = mg * factor;
	return true;
}

static med_err
on_given_row(void *arg, const med_db_row *row)
{
	class_read *r = arg;
	const char *substance = med_db_row_text(row, 3, NULL);
	dosage_class_other *o;

	if (substance == NULL || dosage_class_group_of(substance) == NULL)
		return MED_OK;
	if ((o = push(r->arena, r->out)) == NULL)
		return full(r->out);
	o->t_ms = med_db_row_int64(row, 0);
	o->order_id = med_db_row_strdup(r->arena, row, 1);
	o->label = med_db_row_strdup(r->arena, row, 2);
	o->substance = med_db_row_strdup(r->arena, row, 3);
	o->prn = med_db_row_int64(row, 4) != 0;
	if (!o->order_id || !o->label || !o->substance)
		return MED_ERR_NOMEM;
	o->has_ome = row_ome(row, 6, substance, med_db_row_text(row, 5, NULL),
			     &o->ome_mg);
	return MED_OK;
}

MED_DB_PARAMS_FIT(DOSAGE_FAMILY_MAX + 4);

med_err
dosage_store_class_given(med_db_conn *c, med_arena *a, const dosage_family *fam,
			 const char *patient_id, int64_t at_ms,
			 dosage_class_list *out)
{
	class_read r = {a, out};
	med_db_value v[DOSAGE_FAMILY_MAX + 2];
	size_t n = dosage_family_bind(fam, patient_id, v);

	v[n++] = MED_DB_I64(at_ms - DOSAGE_DOSE_DAY_MS);
	v[n++] = MED_DB_I64(at_ms + DOSAGE_DOSE_DAY_MS);
	memset(out, 0, sizeof(*out));
	return med_db_query(
		c,
		"SELECT a.effective_ms, a.order_id, a.drug_code, s.substance,"
		" COALESCE(o.prn, 0), COALESCE(o.route, ''), a.drug_unit,"
		" a.dose_drug_unit, d.unit, s.strength, s.unit"
		" FROM administrations a JOIN drugs d ON d.code = a.drug_code"
		" JOIN drug_substances s ON s.drug_code = a.drug_code"
		" LEFT JOIN orders o ON o.id = a.order_id"
		" WHERE a.patient_id" DOSAGE_FAMILY_IN " AND " COUNTED_A
		" AND a.effective_ms > ? AND a.effective_ms < ?"
		" ORDER BY a.effective_ms",
		v, n, on_given_row, &r);
}

/* scheduled: is frequency a repeating schedule (not PRN, not "once")? */
static bool
scheduled(const char *frequency, bool prn)
{
	int64_t interval = 0;
	bool is_prn = false;

	return !prn &&
	       dosage_dose_frequency_parse(frequency, &interval, &is_prn) ==
		       MED_OK &&
	       !is_prn && interval > 0;
}

/* on_order_row keeps every substance of an order: the class checks pick
 * their groups' (dosage_class_group_of), the duplicate-order check any. */
static med_err
on_order_row(void *arg, const med_db_row *row)
{
	class_read *r = arg;
	dosage_class_other *o;

	if (med_db_row_text(row, 2, NULL) == NULL)
		return MED_OK;
	if ((o = push(r->arena, r->out)) == NULL)
		return full(r->out);
	o->order_id = med_db_row_strdup(r->arena, row, 0);
	o->label = med_db_row_strdup(r->arena, row, 1);
	o->substance = med_db_row_strdup(r->arena, row, 2);
	o->prn = med_db_row_int64(row, 3) != 0;
	o->start_ms = med_db_row_int64(row, 4);
	o->end_ms = med_db_row_int64(row, 5);
	o->by = med_db_row_strdup(r->arena, row, 6);
	o->scheduled = scheduled(med_db_row_text(row, 7, NULL), o->prn);
	return o->order_id && o->label && o->substance && o->by ? MED_OK
								: MED_ERR_NOMEM;
}

med_err
dosage_store_class_orders(med_db *db, med_arena *a, const dosage_family *fam,
			  const char *patient_id, const char *except_id,
			  int64_t now_ms, dosage_class_list *out)
{
	class_read r = {a, out};
	med_db_value v[DOSAGE_FAMILY_MAX + 4];
	size_t n = dosage_family_bind(fam, patient_id, v);

	v[n++] = MED_DB_I64(
		SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_ACTIVE);
	v[n++] = MED_DB_I64(
		SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_PENDING_VERIFICATION);
	v[n++] = MED_DB_I64(now_ms);
	v[n++] = MED_DB_STR(except_id ? except_id : "");
	memset(out, 0, sizeof(*out));
	/* Orders in force or waiting for a pharmacist, of the patient and
	 * the records merged into it; a held order gives nothing until
	 * resumed, and its doses meet the check then. */
	return med_db_query_once(
		db,
		"SELECT o.id, o.drug_code, s.substance, o.prn, o.start_ms,"
		" o.end_ms, o.created_by, o.frequency FROM orders o"
		" JOIN drug_substances s ON s.drug_code = o.drug_code"
		" WHERE o.patient_id" DOSAGE_FAMILY_IN " AND o.status IN (?, ?)"
		" AND (o.end_ms = 0 OR o.end_ms > ?) AND o.id <> ?"
		" ORDER BY o.created_ms",
		v, n, on_order_row, &r);
}

/* --- the interaction check's products ------------------------------------ */

/* row_acks keeps the packed checks (col + 1) of an order whose
 * prescriber overrode them (override reason at col), for the interaction
 * check to read only when a rule meets that order. */
static med_err
row_acks(med_arena *a, const med_db_row *row, size_t col, dosage_class_other *o)
{
	size_t len = 0;
	const char *blob = med_db_row_text(row, col + 1, &len);
	uint8_t *copy;

	if (med_db_row_int64(row, col) == 0 || blob == NULL || len == 0)
		return MED_OK;
	if ((copy = med_arena_alloc(a, len)) == NULL)
		return MED_ERR_NOMEM;
	memcpy(copy, blob, len);
	o->acks = copy;
	o->acks_len = len;
	return MED_OK;
}

static med_err
on_force_row(void *arg, const med_db_row *row)
{
	class_read *r = arg;
	med_err err = on_order_row(arg, row);

	if (err != MED_OK || r->out->n == 0)
		return err;
	return row_acks(r->arena, row, 8, &r->out->items[r->out->n - 1]);
}

static med_err
on_given_product(void *arg, const med_db_row *row)
{
	class_read *r = arg;
	dosage_class_other *o;

	if (med_db_row_text(row, 3, NULL) == NULL)
		return MED_OK;
	if ((o = push(r->arena, r->out)) == NULL)
		return full(r->out);
	o->t_ms = med_db_row_int64(row, 0);
	o->order_id = med_db_row_strdup(r->arena, row, 1);
	o->label = med_db_row_strdup(r->arena, row, 2);
	o->substance = med_db_row_strdup(r->arena, row, 3);
	return o->order_id && o->label && o->substance ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_store_ddi_products(med_db *db, med_arena *a, const dosage_family *fam,
			  const char *patient_id, const char *except_id,
			  int64_t at_ms, int64_t window_ms,
			  dosage_class_list *out)
{
	class_read r = {a, out};
	med_db_value v[DOSAGE_FAMILY_MAX + 4];
	size_t n = dosage_family_bind(fam, patient_id, v);
	med_err err;

	memset(out, 0, sizeof(*out));
	v[n] = MED_DB_I64(
		SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_ACTIVE);
	v[n + 1] = MED_DB_I64(
		SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_PENDING_VERIFICATION);
	v[n + 2] = MED_DB_I64(at_ms);
	v[n + 3] = MED_DB_STR(except_id ? except_id : "");
	/* The orders in force, as the class checks read them, across the
	 * merged records, with what their prescribers overrode. */
	err = med_db_query_once(
		db,
		"SELECT o.id, o.drug_code, s.substance, o.prn, o.start_ms,"
		" o.end_ms, o.created_by, o.frequency, o.ovr_reason,"
		" IF(o.ovr_reason <> 0, o.checks, NULL) FROM orders o"
		" JOIN drug_substances s ON s.drug_code = o.drug_code"
		" WHERE o.patient_id" DOSAGE_FAMILY_IN " AND o.status IN (?, ?)"
		" AND (o.end_ms = 0 OR o.end_ms > ?) AND o.id <> ?"
		" ORDER BY o.created_ms",
		v, n + 4, on_force_row, &r);
	if (err != MED_OK)
		return err;
	/* And each product given within the window: its latest dose, once
	 * per order (a week of doses is a few rows, not hundreds). */
	v[n] = MED_DB_I64(at_ms - window_ms);
	v[n + 1] = MED_DB_I64(at_ms + window_ms);
	return med_db_query_once(
		db,
		"SELECT MAX(a.effective_ms), a.order_id, a.drug_code,"
		" s.substance FROM administrations a"
		" JOIN drug_substances s ON s.drug_code = a.drug_code"
		" WHERE a.patient_id" DOSAGE_FAMILY_IN " AND " COUNTED_A
		" AND a.effective_ms > ? AND a.effective_ms < ?"
		" GROUP BY a.order_id, a.drug_code, s.substance",
		v, n + 2, on_given_product, &r);
}

/* --- the home medicines the checks meet (issue 72) ----------------------- */

typedef struct home_read {
	med_arena *arena;
	dosage_class_list *out;
	const char *encounter_id;
	int64_t at_ms, window_ms;
} home_read;

static const char *
row_text(const med_db_row *row, size_t i)
{
	const char *s = med_db_row_text(row, i, NULL);

	return s ? s : "";
}

/* prior_add keeps f's earlier courses in r's list; past the cap the
 * check fails rather than count a lifetime total short. */
static med_err
prior_add(home_read *r, const dosage_home_fact *f)
{
	dosage_home_prior *p;

	if (r->out->n_prior == DOSAGE_HOME_PRIOR_MAX) {
		r->out->limit = "home medicines: more than 16 with earlier "
				"courses before admission; the lifetime totals "
				"will not count them short "
				"(DOSAGE_HOME_PRIOR_MAX)";
		return MED_ERR_LIMIT;
	}
	p = &r->out->prior[r->out->n_prior];
	p->substance = med_arena_strdup(r->arena, f->substance);
	p->label = med_arena_strdup(r->arena, f->medicine);
	p->unit = med_arena_strdup(r->arena, f->dose_unit);
	p->amount = f->cumulative_before;
	if (!p->substance || !p->label || !p->unit)
		return MED_ERR_NOMEM;
	r->out->n_prior++;
	return MED_OK;
}

static med_err
on_home_row(void *arg, const med_db_row *row)
{
	home_read *r = arg;
	dosage_home_fact f = {
		.medicine = row_text(row, 0),
		.substance = row_text(row, 1),
		.status = (int)med_db_row_int64(row, 2),
		.decision = (int)med_db_row_int64(row, 3),
		.decision_encounter_id = row_text(row, 4),
		.order_id = row_text(row, 5),
		.last_dose_ms = med_db_row_int64(row, 6),
		.recorded_ms = med_db_row_int64(row, 7),
		.stopped_ms = med_db_row_int64(row, 8),
		.dose_amount = med_db_row_double(row, 9),
		.dose_unit = row_text(row, 10),
		.doses_24h = (unsigned)med_db_row_int64(row, 11),
		.cumulative_before = med_db_row_double(row, 12),
	};
	dosage_class_other o, *slot;
	char why[DOSAGE_DOSE_REASON_MAX];

	med_err err;

	if (f.cumulative_before > 0 && (err = prior_add(r, &f)) != MED_OK)
		return err;
	if (!dosage_home_place(&f, r->encounter_id, r->at_ms, r->window_ms, &o,
			       why, sizeof(why)))
		return MED_OK;
	if ((slot = push(r->arena, r->out)) == NULL)
		return full(r->out);
	*slot = o;
	slot->label = med_arena_strdup(r->arena, f.medicine);
	slot->substance = med_arena_strdup(r->arena, f.substance);
	slot->home = med_arena_strdup(r->arena, why);
	slot->home_unit = med_arena_strdup(r->arena, f.dose_unit);
	return slot->label && slot->substance && slot->home && slot->home_unit
		       ? MED_OK
		       : MED_ERR_NOMEM;
}

med_err
dosage_store_home_others(med_db *db, med_arena *a, const dosage_family *fam,
			 const char *patient_id, const char *encounter_id,
			 int64_t at_ms, int64_t window_ms,
			 dosage_class_list *out)
{
	home_read r = {a, out, encounter_id, at_ms, window_ms};
	med_db_value v[DOSAGE_FAMILY_MAX + 1];
	size_t n = dosage_family_bind(fam, patient_id, v);

	/* One read on the list's patient index; which rows count is
	 * dosage_home_place's rule, not SQL. */
	return med_db_query_once(
		db,
		"SELECT medicine, substance, status, decision,"
		" decision_encounter_id, order_id, last_dose_ms, recorded_ms,"
		" stopped_ms, dose_amount, dose_unit, doses_24h,"
		" cumulative_before"
		" FROM home_medications"
		" WHERE patient_id" DOSAGE_FAMILY_IN " AND substance <> ''"
		" ORDER BY recorded_ms, id",
		v, n, on_home_row, &r);
}

/* on_opioid_row keeps the first (latest) administration of an opioid. */
static med_err
on_opioid_row(void *arg, const med_db_row *row)
{
	class_read *r = arg;
	const char *substance = med_db_row_text(row, 2, NULL);
	const dosage_class_group *g =
		substance ? dosage_class_group_of(substance) : NULL;
	dosage_class_other *o;

	if (r->out->n > 0 || g == NULL || strcmp(g->code, "opioids") != 0)
		return MED_OK;
	if ((o = push(r->arena, r->out)) == NULL)
		return full(r->out);
	o->t_ms = med_db_row_int64(row, 0);
	o->label = med_db_row_strdup(r->arena, row, 1);
	o->substance = med_db_row_strdup(r->arena, row, 2);
	return o->label && o->substance ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_store_opioid_given(med_db *db, med_arena *a, const dosage_family *fam,
			  const char *patient_id, int64_t from_ms,
			  int64_t to_ms, dosage_class_list *out)
{
	class_read r = {a, out};
	med_db_value v[DOSAGE_FAMILY_MAX + 2];
	size_t n = dosage_family_bind(fam, patient_id, v);

	v[n++] = MED_DB_I64(from_ms);
	v[n++] = MED_DB_I64(to_ms);
	memset(out, 0, sizeof(*out));
	/* Newest first: the first opioid row is the one the check names. */
	return med_db_query_once(
		db,
		"SELECT a.effective_ms, a.drug_code, s.substance"
		" FROM administrations a"
		" JOIN drug_substances s ON s.drug_code = a.drug_code"
		" WHERE a.patient_id" DOSAGE_FAMILY_IN " AND " COUNTED_A
		" AND a.effective_ms >= ? AND a.effective_ms <= ?"
		" ORDER BY a.effective_ms DESC",
		v, n, on_opioid_row, &r);
}
