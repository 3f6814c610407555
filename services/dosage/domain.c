/*
 * domain.c - the dosage rules that need no gRPC or SQL: validation of
 * catalogue entries, contexts, orders and overrides; units; and the
 * bridge from stored messages to the pure checks of dose.h.
 */
#include <med/check.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dosage.h"

/* Doses past this are typing errors in any unit we accept. */
#define DOSE_SANITY_MAX 1e6
#define LIST_MAX	8
#define LIST_ITEM_MAX	40
#define ALLERGIES_MAX	32

static const char code_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789._-";

med_err
dosage_check_code(med_call *call, const char *field, const char *code)
{
	med_err err = med_check_text(call, field, code, 1, 64);

	if (err != MED_OK)
		return err;
	if (strspn(code, code_chars) != strlen(code))
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: only letters, digits, '.', '_' and "
				     "'-'",
				     field);
	return MED_OK;
}

/* chars counts UTF-8 code points (input is valid UTF-8: the RPC layer and
 * the CSV parser check). */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static bool
text_ok(const char *s, size_t min, size_t max)
{
	size_t n = chars(s);

	return n >= min && n <= max;
}

#define PROBLEM(f, ...)                                                        \
	do {                                                                   \
		*field = (f);                                                  \
		snprintf(reason, len, __VA_ARGS__);                            \
		return true;                                                   \
	} while (0)

med_err
dosage_amount_problem(const char *field, double v, bool required,
		      med_problem *p)
{
	if (!isfinite(v) || v < 0 || v > DOSE_SANITY_MAX ||
	    (required && v <= 0))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       required ? "must be a positive number "
						  "up to 1e6"
						: "must be a number from 0 to "
						  "1e6");
	return MED_OK;
}

static bool
list_problem(char *const *items, size_t n, const char *name, const char **field,
	     char *reason, size_t len)
{
	if (n > LIST_MAX)
		PROBLEM(name, "at most %d entries", LIST_MAX);
	for (size_t i = 0; i < n; i++)
		if (!text_ok(items[i], 1, LIST_ITEM_MAX) ||
		    strchr(items[i], ';'))
			PROBLEM(name, "entries of 1..%d characters without ';'",
				LIST_ITEM_MAX);
	return false;
}

static bool
limits_problem(const dosage_drug *d, const char **field, char *reason,
	       size_t len)
{
	const struct {
		const char *name;
		double v;
		bool required;
	} amounts[] = {
		{"max_single_dose", d->max_single_dose, true},
		{"max_daily_dose", d->max_daily_dose, true},
		{"min_single_dose", d->min_single_dose, false},
		{"max_dose_per_kg", d->max_dose_per_kg, false},
		{"max_daily_dose_per_kg", d->max_daily_dose_per_kg, false},
		{"max_dose_per_m2", d->max_dose_per_m2, false},
		{"lifetime_max_dose", d->lifetime_max_dose, false},
	};
	med_problem p;

	for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++)
		if (dosage_amount_problem(amounts[i].name, amounts[i].v,
					  amounts[i].required, &p) != MED_OK)
			PROBLEM(amounts[i].name, "%s", p.reason);
	if (d->max_daily_dose < d->max_single_dose)
		PROBLEM("max_daily_dose", "must not be below max_single_dose");
	if (d->min_single_dose > d->max_single_dose)
		PROBLEM("min_single_dose",
			"must be a number from 0 to max_single_dose");
	if (d->min_interval_minutes > 60 * 24 * 60)
		PROBLEM("min_interval_minutes", "at most 86400 (60 days)");
	return false;
}

static bool
bands_problem(const dosage_drug *d, const char **field, char *reason,
	      size_t len)
{
	if (d->n_renal_bands > DOSAGE_DOSE_MAX_BANDS)
		PROBLEM("renal_bands", "at most %d bands",
			DOSAGE_DOSE_MAX_BANDS);
	for (size_t i = 0; i < d->n_renal_bands; i++) {
		const Smartmed__Dosage__V1__RenalBand *b = d->renal_bands[i];

		if (!(b->crcl_below_ml_min > 0 && b->crcl_below_ml_min <= 200))
			PROBLEM("renal_bands",
				"crcl_below_ml_min must be in (0, 200]");
		if (!(b->dose_factor >= 0 && b->dose_factor <= 1))
			PROBLEM("renal_bands", "dose_factor must be in [0, 1]");
		for (size_t j = 0; j < i; j++)
			if (d->renal_bands[j]->crcl_below_ml_min ==
			    b->crcl_below_ml_min)
				PROBLEM("renal_bands",
					"crcl_below_ml_min values must differ");
	}
	return false;
}

bool
dosage_drug_problem(const dosage_drug *d, const char **field, char *reason,
		    size_t len)
{
	dosage_dose_unit u;

	if (!text_ok(d->code, 1, 64) ||
	    strspn(d->code, code_chars) != strlen(d->code))
		PROBLEM("code", "1..64 letters, digits, '.', '_' or '-'");
	if (!text_ok(d->name, 1, 200))
		PROBLEM("name", "must have 1..200 characters");
	if (dosage_dose_unit_parse(d->unit, &u) != MED_OK)
		PROBLEM("unit", "must be one of g, mg, ug, mcg, L, mL, [iU], "
				"IU, unit");
	if (d->code_system[0] && strcmp(d->code_system, "rxnorm") != 0 &&
	    strcmp(d->code_system, "local") != 0)
		PROBLEM("code_system", "must be rxnorm or local");
	if (!text_ok(d->substance, 0, 100))
		PROBLEM("substance", "at most 100 characters");
	if (!text_ok(d->drug_class, 0, 100))
		PROBLEM("drug_class", "at most 100 characters");
	if (list_problem(d->forms, d->n_forms, "forms", field, reason, len) ||
	    list_problem(d->routes, d->n_routes, "routes", field, reason,
			 len) ||
	    limits_problem(d, field, reason, len) ||
	    bands_problem(d, field, reason, len))
		return true;
	return false;
}

med_err
dosage_check_drug(med_call *call, const dosage_drug *d)
{
	const char *field = "";
	char reason[128];

	if (d == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "drug: must be set");
	if (dosage_drug_problem(d, &field, reason, sizeof(reason)))
		return med_call_fail(call, MED_ERR_INVALID, "drug.%s: %s",
				     field, reason);
	return MED_OK;
}

static med_err
check_range(med_call *call, const char *field, double v, double lo, double hi,
	    bool lo_open)
{
	if (!isfinite(v) || v > hi || v < lo || (lo_open && v <= lo))
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must be in %c%g, %g]", field,
				     lo_open ? '(' : '[', lo, hi);
	return MED_OK;
}

static med_err
check_allergies(med_call *call, const dosage_context *c)
{
	if (c->n_allergies > ALLERGIES_MAX)
		return med_call_fail(call, MED_ERR_INVALID,
				     "context.allergies: at most %d",
				     ALLERGIES_MAX);
	for (size_t i = 0; i < c->n_allergies; i++)
		if (!text_ok(c->allergies[i], 1, 100))
			return med_call_fail(call, MED_ERR_INVALID,
					     "context.allergies: entries of "
					     "1..100 characters");
	if (c->n_allergies > 0 && !c->allergies_known)
		return med_call_fail(call, MED_ERR_INVALID,
				     "context.allergies_known: must be true "
				     "when allergies are listed");
	return MED_OK;
}

med_err
dosage_check_context(med_call *call, const dosage_context *c)
{
	med_err err;

	if (c == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "context: must be set");
	if ((err = med_check_id(call, "context.patient_id", c->patient_id)) !=
	    MED_OK)
		return err;
	if (c->weight_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG &&
	    (err = check_range(call, "context.weight_kg", c->weight_kg, 0, 500,
			       true)) != MED_OK)
		return err;
	if (c->height_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM &&
	    (err = check_range(call, "context.height_cm", c->height_cm, 0, 300,
			       true)) != MED_OK)
		return err;
	if (c->crcl_case ==
		    SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN &&
	    (err = check_range(call, "context.crcl_ml_min", c->crcl_ml_min, 0,
			       500, false)) != MED_OK)
		return err;
	if (c->measured_ms < 0 || c->measured_ms > med_now_ms() + 5 * 60000)
		return med_call_fail(call, MED_ERR_INVALID,
				     "context.measured_ms: must not be in the "
				     "future");
	return check_allergies(call, c);
}

med_err
dosage_check_order(med_call *call, const dosage_order *o, int64_t now_ms)
{
	med_problem p;
	int64_t iv;
	bool prn;
	med_err err;

	(void)now_ms;
	if (o == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order: must be set");
	if ((err = med_check_id(call, "order.patient_id", o->patient_id)) !=
		    MED_OK ||
	    (err = dosage_check_code(call, "order.drug_code", o->drug_code)) !=
		    MED_OK ||
	    (err = med_check_text(call, "order.route", o->route, 1,
				  LIST_ITEM_MAX)) != MED_OK)
		return err;
	if (dosage_amount_problem("order.dose", o->dose, true, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	if (dosage_dose_frequency_parse(o->frequency, &iv, &prn) != MED_OK)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order.frequency: must be qNh (N 1..72), "
				     "daily, qd, bid, tid, qid, once or prn");
	if (o->start_ms < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order.start_ms: must not be negative");
	if (o->end_ms != 0 && o->end_ms <= o->start_ms)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order.end_ms: must be after start_ms");
	return MED_OK;
}

med_err
dosage_check_override(med_call *call, const char *field,
		      const dosage_override *o)
{
	char f[64];

	snprintf(f, sizeof(f), "%s.text", field);
	if (o->reason ==
	    SMARTMED__DOSAGE__V1__OVERRIDE_REASON__OVERRIDE_REASON_UNSPECIFIED)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s.reason: must be set", field);
	return med_check_text(call, f, o->text, 3, 500);
}

med_err
dosage_convert(med_call *call, const char *field, double dose, const char *unit,
	       const dosage_drug *drug, double *out)
{
	dosage_dose_unit u;

	if (dosage_dose_unit_parse(unit, &u) != MED_OK)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: unknown unit (g, mg, ug, mcg, L, mL, "
				     "[iU], IU, unit)",
				     field);
	if (dosage_dose_convert(dose, unit, drug->unit, out) != MED_OK)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: cannot convert to the drug's unit %s",
				     field, drug->unit);
	return MED_OK;
}

void
dosage_limits(const dosage_drug *d, dosage_dose_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->unit = d->unit;
	l->single_min = d->min_single_dose;
	l->single_max = d->max_single_dose;
	l->max_24h = d->max_daily_dose;
	l->max_per_kg = d->max_dose_per_kg;
	l->max_per_kg_24h = d->max_daily_dose_per_kg;
	l->max_per_m2 = d->max_dose_per_m2;
	l->min_interval_ms = (int64_t)d->min_interval_minutes * 60000;
	l->lifetime_max = d->lifetime_max_dose;
	for (size_t i = 0; i < d->n_renal_bands && i < DOSAGE_DOSE_MAX_BANDS;
	     i++) {
		l->bands[i].crcl_below = d->renal_bands[i]->crcl_below_ml_min;
		l->bands[i].factor = d->renal_bands[i]->dose_factor;
		l->n_bands++;
	}
	dosage_dose_bands_sort(l->bands, l->n_bands);
	l->high_alert = d->high_alert;
	l->substance = d->substance;
	l->drug_class = d->drug_class;
}

void
dosage_patient(const dosage_context *c, dosage_dose_patient *p)
{
	memset(p, 0, sizeof(*p));
	if (c == NULL)
		return;
	p->has_weight = c->weight_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG;
	p->weight_kg = c->weight_kg;
	p->has_height = c->height_case ==
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM;
	p->height_cm = c->height_cm;
	p->has_crcl = c->crcl_case ==
		      SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN;
	p->crcl_ml_min = c->crcl_ml_min;
	p->allergies_known = c->allergies_known;
	p->allergies = (const char *const *)c->allergies;
	p->n_allergies = c->n_allergies;
	p->measured_ms = c->measured_ms;
}

med_err
dosage_run_checks(med_arena *a, const dosage_drug *drug,
		  const dosage_order *order, const dosage_context *ctx,
		  const dosage_dose_history *h, double dose, int64_t at_ms,
		  Smartmed__Dosage__V1__CheckDoseResponse *res)
{
	dosage_dose_limits l;
	dosage_dose_patient p;
	dosage_dose_result r[DOSAGE_DOSE_N_CHECKS];
	size_t cap = 0;
	bool prn;

	dosage_limits(drug, &l);
	/* An order whose frequency no longer parses (none should) adds no
	 * interval of its own: the catalogue's still holds. */
	if (order != NULL &&
	    dosage_dose_frequency_parse(order->frequency, &l.order_interval_ms,
					&prn) != MED_OK)
		l.order_interval_ms = 0;
	dosage_patient(ctx, &p);
	dosage_dose_evaluate(&l, &p, h, dose, at_ms, r);
	res->n_checks = 0;
	for (int i = 0; i < DOSAGE_DOSE_N_CHECKS; i++) {
		dosage_check *c = med_arena_push_msg(
			a, (void ***)&res->checks, &res->n_checks, &cap,
			&smartmed__dosage__v1__dose_check__descriptor);

		if (c == NULL ||
		    !(c->reason = med_arena_strdup(a, r[i].reason)))
			return MED_ERR_NOMEM;
		c->kind = (Smartmed__Dosage__V1__CheckKind)r[i].check;
		c->status = (Smartmed__Dosage__V1__CheckStatus)r[i].status;
		c->value = r[i].value;
		c->limit = r[i].limit;
	}
	res->overall = (Smartmed__Dosage__V1__CheckStatus)dosage_dose_worst(
		r, DOSAGE_DOSE_N_CHECKS);
	res->dose_in_drug_unit = dose;
	res->drug_unit = (char *)drug->unit;
	res->requires_confirmation = drug->high_alert;
	return MED_OK;
}
