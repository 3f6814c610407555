/*
 * store_history.c - what a patient was given of a drug's substances: the
 * 24-h and lifetime totals and the nearest other administration that the
 * dose checks compare with.
 *
 * Every product of the same substance counts (oral and IV paracetamol are
 * one paracetamol), each by its strength: an administration of
 * dose_drug_unit of a product is dose_drug_unit x strength of substance,
 * then divided by the checked drug's own strength to land in its unit.  A
 * combination product counts for each of its substances; the checks take
 * the worst substance.  A drug without a substance counts only its own
 * code (drug_substances holds it as "#code").
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "patient.h"
#include "checks.h"
#include "infusion.h"

#define COUNTED_A                                                              \
	"a.status IN ('" DOSAGE_ADMIN_COMPLETED "', '" DOSAGE_ADMIN_ON_HOLD "')"

/* The rows that hold one substance's administrations to a patient. */
#define FROM_SUBSTANCE                                                         \
	" FROM administrations a JOIN drugs d ON d.code = a.drug_code"         \
	" JOIN drug_substances s ON s.drug_code = a.drug_code"                 \
	" WHERE a.patient_id" DOSAGE_FAMILY_IN                                 \
	" AND s.substance = ? AND " COUNTED_A

/* FAM: the bound family of a query (DOSAGE_FAMILY_MAX values). */
#define FAM_N DOSAGE_FAMILY_MAX
MED_DB_PARAMS_FIT(FAM_N + 3);

/* Rows the first growth of a window's arrays makes room for. */
#define WINDOW_FIRST_ROWS 64
/* A window's arrays, from empty to DOSAGE_GIVEN_MAX_ROWS by doubling:
 * every size on the way is kept, under twice the last, itself under twice
 * the limit. */
#define WINDOW_ARENA_MAX                                                       \
	(4 * DOSAGE_GIVEN_MAX_ROWS * (sizeof(int64_t) + sizeof(double)) +      \
	 (64u << 10))

/* target - one substance of the checked drug: the key it is stored under
 * and what one unit of the drug holds of it. */
typedef struct target {
	const char *unit; /* the checked drug's unit */
	char key[80];	  /* drug_substances.substance */
	double strength;  /* substance per drug unit, in sunit */
	const char *sunit;
} target;

/* to_target converts one administration row (stored unit, amount, its
 * product's current unit, strength, strength unit from col) into the
 * checked drug's unit. */
/* amount_to_target converts amount (in stored_unit) of a product whose
 * current unit, strength and strength unit are at row's columns col to
 * col + 2 into the checked drug's unit. */
static bool
amount_to_target(const target *t, const char *stored_unit, double amount,
		 const med_db_row *row, size_t col, double *out)
{
	double in_product, substance, in_sunit;

	if (dosage_dose_convert(amount, stored_unit,
				med_db_row_text(row, col, NULL),
				&in_product) != MED_OK)
		return false;
	substance = in_product * med_db_row_double(row, col + 1);
	if (dosage_dose_convert(substance, med_db_row_text(row, col + 2, NULL),
				t->sunit, &in_sunit) != MED_OK ||
	    t->strength <= 0)
		return false;
	*out = in_sunit / t->strength;
	return true;
}

static bool
to_target(const target *t, const med_db_row *row, size_t col, double *out)
{
	return amount_to_target(t, med_db_row_text(row, col, NULL),
				med_db_row_double(row, col + 1), row, col + 2,
				out);
}

#define AMOUNT_COLUMNS                                                         \
	"a.drug_unit, a.dose_drug_unit, d.unit, s.strength, s.unit"

/* What a window past DOSAGE_GIVEN_MAX_ROWS answers: the call's status
 * message (dosage_fail_limit). */
static const char window_limit[] =
	"administrations: more than " DOSAGE_GIVEN_MAX_ROWS_TEXT
	" of one substance to this patient within 48 h of the dose; the dose "
	"checks will not count them short (DOSAGE_GIVEN_MAX_ROWS)";

typedef struct window_ctx {
	const target *t;
	med_arena *arena;
	dosage_given_substance *rows;
	const char **limit;
	bool bad;
} window_ctx;

/* window_grow doubles r's arrays (in a), up to DOSAGE_GIVEN_MAX_ROWS;
 * past it MED_ERR_LIMIT, naming the limit in *limit. */
static med_err
window_grow(med_arena *a, dosage_given_substance *r, const char **limit)
{
	size_t cap = r->cap ? r->cap * 2 : WINDOW_FIRST_ROWS;
	int64_t *t_ms;
	double *amount;

	if (r->cap == DOSAGE_GIVEN_MAX_ROWS) {
		*limit = window_limit;
		return MED_ERR_LIMIT;
	}
	if (cap > DOSAGE_GIVEN_MAX_ROWS)
		cap = DOSAGE_GIVEN_MAX_ROWS;
	t_ms = med_arena_alloc(a, cap * sizeof(*t_ms));
	amount = med_arena_alloc(a, cap * sizeof(*amount));
	if (t_ms == NULL || amount == NULL)
		return MED_ERR_NOMEM;
	if (r->n > 0) {
		memcpy(t_ms, r->t_ms, r->n * sizeof(*t_ms));
		memcpy(amount, r->amount, r->n * sizeof(*amount));
	}
	r->t_ms = t_ms;
	r->amount = amount;
	r->cap = cap;
	return MED_OK;
}

/* on_window_row keeps one administration, in the checked drug's unit. */
static med_err
on_window_row(void *arg, const med_db_row *row)
{
	window_ctx *w = arg;
	dosage_given_substance *r = w->rows;
	med_err err;

	if (r->n == r->cap &&
	    (err = window_grow(w->arena, r, w->limit)) != MED_OK)
		return err;
	if (!to_target(w->t, row, 1, &r->amount[r->n])) {
		w->bad = true;
		return MED_OK;
	}
	r->t_ms[r->n++] = med_db_row_int64(row, 0);
	return MED_OK;
}

/* read_window reads the administrations of t's substance strictly between
 * from_ms and to_ms into rows (arrays in a), in time order; past
 * DOSAGE_GIVEN_MAX_ROWS MED_ERR_LIMIT, naming it in *limit. */
static med_err
read_window(med_db_conn *c, med_arena *a, const med_db_value *fam,
	    const target *t, int64_t from_ms, int64_t to_ms,
	    dosage_given_substance *rows, const char **limit)
{
	window_ctx w = {.t = t, .arena = a, .rows = rows, .limit = limit};
	med_db_value v[FAM_N + 3];
	med_err err;

	memcpy(v, fam, FAM_N * sizeof(*v));
	v[FAM_N] = MED_DB_STR(t->key);
	v[FAM_N + 1] = MED_DB_I64(from_ms);
	v[FAM_N + 2] = MED_DB_I64(to_ms);
	err = med_db_query(
		c,
		"SELECT a.effective_ms, " AMOUNT_COLUMNS FROM_SUBSTANCE
		" AND a.effective_ms > ? AND"
		" a.effective_ms < ? ORDER BY"
		" a.effective_ms",
		v, FAM_N + 3, on_window_row, &w);

	/* A dose that cannot be counted must not be silently left out. */
	if (err == MED_OK && w.bad)
		err = MED_ERR_DATA_LOSS;
	return err;
}

/* worst_24h reads the administrations within a day either side of at_ms
 * and gives the largest 24-h total a dose at at_ms would join
 * (h->given_24h; h->limit names a capacity limit met). */
static med_err
worst_24h(med_db_conn *c, const med_db_value *fam, const target *t,
	  int64_t at_ms, dosage_dose_history *h)
{
	dosage_given_substance rows = {0};
	med_arena *a = med_arena_new(WINDOW_ARENA_MAX);
	med_err err;

	if (a == NULL)
		return MED_ERR_NOMEM;
	err = read_window(c, a, fam, t, at_ms - DOSAGE_DOSE_DAY_MS,
			  at_ms + DOSAGE_DOSE_DAY_MS, &rows, &h->limit);
	if (err == MED_OK)
		h->given_24h = dosage_dose_worst_24h(rows.t_ms, rows.amount,
						     rows.n, at_ms);
	med_arena_free(a);
	return err;
}

typedef struct sum_ctx {
	const target *t;
	double sum;
	bool bad;
} sum_ctx;

/* on_sum_row adds one group's SUM(dose_drug_unit) (column 1; the group's
 * stored unit, product unit and strength around it). */
static med_err
on_sum_row(void *arg, const med_db_row *row)
{
	sum_ctx *s = arg;
	double v;

	if (med_db_row_is_null(row, 1))
		return MED_OK;
	if (!to_target(s->t, row, 0, &v)) {
		s->bad = true;
		return MED_OK;
	}
	s->sum += v;
	return MED_OK;
}

static med_err
lifetime(med_db_conn *c, const med_db_value *fam, const target *t, double *out)
{
	sum_ctx s = {.t = t};
	med_db_value v[FAM_N + 1];
	med_err err;

	memcpy(v, fam, FAM_N * sizeof(*v));
	v[FAM_N] = MED_DB_STR(t->key);
	err = med_db_query(c,
			   "SELECT a.drug_unit, SUM(a.dose_drug_unit), d.unit,"
			   " s.strength, s.unit" FROM_SUBSTANCE
			   " GROUP BY a.drug_unit, d.unit, s.strength, s.unit",
			   v, FAM_N + 1, on_sum_row, &s);

	if (err != MED_OK)
		return err;
	if (s.bad)
		return MED_ERR_DATA_LOSS;
	*out = s.sum;
	return MED_OK;
}

/*
 * What a running infusion delivered since its last event is charted only at
 * its next rate change or stop.  Until then it is counted here, so that a
 * bolus or a second infusion of the same substance is checked against what
 * the patient really received: rate x (at - last event), within the day up
 * to at_ms (a conservative share: the windows that end later hold at most
 * as much of it).
 */
#define FROM_RUNNING                                                           \
	" FROM infusions f JOIN drugs d ON d.code = f.drug_code"               \
	" JOIN drug_substances s ON s.drug_code = f.drug_code"                 \
	" WHERE f.patient_id" DOSAGE_FAMILY_IN " AND s.substance = ? AND"      \
	" f.status = "                                                         \
	"'" DOSAGE_INFUSION_RUNNING "'"

typedef struct running_ctx {
	const target *t;
	int64_t at_ms;
	dosage_dose_history *h;
	bool bad;
} running_ctx;

/* on_running_row counts one running infusion (unit, rate per hour, the
 * product's unit, strength, strength unit, its last event). */
static med_err
on_running_row(void *arg, const med_db_row *row)
{
	running_ctx *r = arg;
	const char *unit = med_db_row_text(row, 0, NULL);
	double per_hour = med_db_row_double(row, 1), ran, next_hour;
	int64_t last_ms = med_db_row_int64(row, 5);

	if (last_ms < r->at_ms - DOSAGE_DOSE_DAY_MS)
		last_ms = r->at_ms - DOSAGE_DOSE_DAY_MS;
	if (!amount_to_target(
		    r->t, unit,
		    dosage_rate_delivered(per_hour, last_ms, r->at_ms), row, 2,
		    &ran) ||
	    !amount_to_target(r->t, unit, per_hour, row, 2, &next_hour)) {
		r->bad = true;
		return MED_OK;
	}
	r->h->running_24h += ran;
	r->h->running_per_hour += next_hour;
	return MED_OK;
}

/* running_given adds t's substance's running infusions to h. */
static med_err
running_given(med_db_conn *c, const med_db_value *fam, const target *t,
	      int64_t at_ms, dosage_dose_history *h)
{
	running_ctx r = {.t = t, .at_ms = at_ms, .h = h};
	med_db_value v[FAM_N + 1];
	med_err err;

	memcpy(v, fam, FAM_N * sizeof(*v));
	v[FAM_N] = MED_DB_STR(t->key);
	err = med_db_query(
		c,
		"SELECT f.drug_unit, f.rate_per_h, d.unit, s.strength, s.unit,"
		" (SELECT MAX(e.effective_ms) FROM infusion_events e"
		" WHERE e.infusion_id = f.id)" FROM_RUNNING,
		v, FAM_N + 1, on_running_row, &r);

	/* An infusion that cannot be counted must not be silently left
	 * out. */
	if (err == MED_OK && r.bad)
		err = MED_ERR_DATA_LOSS;
	if (err != MED_OK)
		return err;
	h->given_24h += h->running_24h;
	h->given_lifetime += h->running_24h;
	return MED_OK;
}

static med_err
on_gap_row(void *arg, const med_db_row *row)
{
	dosage_dose_history *h = arg;

	if (!med_db_row_is_null(row, 0)) {
		h->has_nearest = true;
		h->nearest_gap_ms = med_db_row_int64(row, 0);
	}
	return MED_OK;
}

/* substance_given fills h for one substance of the drug. */
static med_err
substance_given(med_db_conn *c, const med_db_value *fam, const target *t,
		int64_t at_ms, dosage_dose_history *h)
{
	med_db_value v[FAM_N + 2];
	med_err err;

	memset(h, 0, sizeof(*h));
	if ((err = worst_24h(c, fam, t, at_ms, h)) != MED_OK ||
	    (err = lifetime(c, fam, t, &h->given_lifetime)) != MED_OK ||
	    (err = running_given(c, fam, t, at_ms, h)) != MED_OK)
		return err;
	v[0] = MED_DB_I64(at_ms);
	memcpy(v + 1, fam, FAM_N * sizeof(*v));
	v[FAM_N + 1] = MED_DB_STR(t->key);
	return med_db_query(
		c, "SELECT MIN(ABS(a.effective_ms - ?))" FROM_SUBSTANCE, v,
		FAM_N + 2, on_gap_row, h);
}

/* targets lists the drug's substances as the checks count them. */
static size_t
targets(const dosage_drug *d, target *out)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out) * DOSAGE_DOSE_MAX_SUBSTANCES);
	for (size_t i = 0; i < DOSAGE_DOSE_MAX_SUBSTANCES; i++)
		out[i].unit = d->unit;
	if (d->substance[0] == '\0') {
		snprintf(out[0].key, sizeof(out[0].key), "#%s", d->code);
		out[0].strength = 1;
		out[0].sunit = d->unit;
		return 1;
	}
	dosage_drug_strength(d, &out[0].strength, &out[0].sunit);
	med_strlcpy(out[n++].key, d->substance, sizeof(out[0].key));
	for (size_t i = 0;
	     i < d->n_other_ingredients && n < DOSAGE_DOSE_MAX_SUBSTANCES;
	     i++, n++) {
		const Smartmed__Dosage__V1__Ingredient *g =
			d->other_ingredients[i];

		med_strlcpy(out[n].key, g->substance, sizeof(out[n].key));
		out[n].strength = g->strength;
		out[n].sunit = g->strength_unit;
	}
	return n;
}

med_err
dosage_store_given(med_db_conn *c, const dosage_family *fam,
		   const char *patient_id, const dosage_drug *d, int64_t at_ms,
		   dosage_dose_history *h)
{
	target t[DOSAGE_DOSE_MAX_SUBSTANCES];
	size_t n = targets(d, t);
	med_db_value who[FAM_N];
	med_err err;

	memset(h, 0, sizeof(*h));
	/* The records merged into the patient count as the patient. */
	(void)dosage_family_bind(fam, patient_id, who);
	for (size_t i = 0; i < n; i++) {
		dosage_dose_history one;

		if ((err = substance_given(c, who, &t[i], at_ms, &one)) !=
		    MED_OK) {
			h->limit = one.limit;
			return err;
		}
		/* The worst substance decides. */
		if (one.given_24h > h->given_24h)
			h->given_24h = one.given_24h;
		if (one.given_lifetime > h->given_lifetime)
			h->given_lifetime = one.given_lifetime;
		if (one.running_24h > h->running_24h)
			h->running_24h = one.running_24h;
		if (one.running_per_hour > h->running_per_hour)
			h->running_per_hour = one.running_per_hour;
		if (one.has_nearest &&
		    (!h->has_nearest ||
		     one.nearest_gap_ms < h->nearest_gap_ms)) {
			h->has_nearest = true;
			h->nearest_gap_ms = one.nearest_gap_ms;
		}
	}
	return MED_OK;
}

static med_err
on_latest_row(void *arg, const med_db_row *row)
{
	*(int64_t *)arg = med_db_row_int64(row, 0);
	return MED_OK;
}

med_err
dosage_store_given_list(med_db_conn *c, med_arena *a, const char *patient_id,
			const dosage_drug *d, int64_t from_ms, int64_t to_ms,
			dosage_given_list *out)
{
	target t[DOSAGE_DOSE_MAX_SUBSTANCES];
	size_t n = targets(d, t);
	med_db_value who[FAM_N + 1];
	med_err err;

	memset(out, 0, sizeof(*out));
	out->n_substances = n;
	/* The MAR shows the record's own doses. */
	(void)dosage_family_bind(NULL, patient_id, who);
	for (size_t i = 0; i < n; i++) {
		dosage_given_substance *s = &out->s[i];

		who[FAM_N] = MED_DB_STR(t[i].key);
		if ((err = read_window(c, a, who, &t[i], from_ms, to_ms, s,
				       &out->limit)) != MED_OK ||
		    (err = lifetime(c, who, &t[i], &s->lifetime)) != MED_OK ||
		    (err = med_db_query(
			     c, "SELECT MAX(a.effective_ms)" FROM_SUBSTANCE,
			     who, FAM_N + 1, on_latest_row, &s->latest_ms)) !=
			    MED_OK)
			return err;
	}
	return MED_OK;
}
