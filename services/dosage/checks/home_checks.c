/*
 * home_checks.c - the patient's home medicines in the checks of a new
 * order or dose (docs/dose-safety.md, "Home medicines in the checks"):
 * which of them count and as what (in force, or from their last dose),
 * and the prescriber's admission task for an undecided anticoagulant,
 * insulin, anti-epileptic or Parkinson's medicine.  Pure: the rows come
 * from store_classes.c.
 */
#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "checks.h"

#define HS(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_STATUS__HOME_MEDICATION_STATUS_##x
#define DAY_MS (24 * 3600 * 1000LL)
#define HD(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_DECISION__HOME_MEDICATION_DECISION_##x

/* decision_now is f's decision for the stay encounter_id: a decision
 * stands for the stay it was made in, as ListHomeMedications says. */
static int
decision_now(const dosage_home_fact *f, const char *encounter_id)
{
	if (strcmp(f->decision_encounter_id,
		   encounter_id ? encounter_id : "") != 0)
		return HD(UNSPECIFIED);
	return f->decision;
}

/* anchor is when a medicine no longer taken was last taken: its last
 * dose when recorded; without one, when it was recorded as taken (the
 * patient took it then), unless it was recorded as stopped already
 * (stopped_ms 0: StopHomeMedication never ran), which gives none. */
static int64_t
anchor(const dosage_home_fact *f)
{
	if (f->last_dose_ms > 0)
		return f->last_dose_ms;
	if (f->status == HS(STOPPED) && f->stopped_ms == 0)
		return 0;
	return f->recorded_ms;
}

static int64_t
gap_ms(int64_t a_ms, int64_t b_ms)
{
	return a_ms > b_ms ? a_ms - b_ms : b_ms - a_ms;
}

/* words writes what the reasons say of a home medicine. */
static void
words(char *buf, size_t len, const dosage_home_fact *f, const char *state,
      int64_t at_ms)
{
	if (f->last_dose_ms > 0)
		snprintf(buf, len,
			 "home medicine \"%s\", %s, last dose %.1f h %s",
			 f->medicine, state,
			 (double)gap_ms(f->last_dose_ms, at_ms) / 3600000.0,
			 f->last_dose_ms > at_ms ? "after" : "ago");
	else
		snprintf(buf, len,
			 "home medicine \"%s\", %s, last dose not recorded",
			 f->medicine, state);
}

bool
dosage_home_place(const dosage_home_fact *f, const char *encounter_id,
		  int64_t at_ms, int64_t window_ms, dosage_class_other *o,
		  char *why, size_t why_len)
{
	int d = decision_now(f, encounter_id);
	int64_t t;

	memset(o, 0, sizeof(*o));
	o->substance = f->substance;
	o->label = f->medicine;
	o->order_id = "";
	o->last_dose_ms = f->last_dose_ms;
	o->home_amount = f->dose_amount;
	o->home_unit = f->dose_unit;
	o->home_doses = f->doses_24h;
	/* Continued as a named order: the order stands for it in the
	 * interaction and duplicate checks; its last dose still counts for
	 * the interval to the next. */
	if (d == HD(CONTINUE) && f->order_id[0] != '\0') {
		o->by_order = true;
		words(why, why_len, f, "taken at home, continued as an order",
		      at_ms);
		return true;
	}
	if (f->status != HS(STOPPED) &&
	    (d == HD(UNSPECIFIED) || d == HD(CONTINUE))) {
		o->undecided = d == HD(UNSPECIFIED);
		words(why, why_len, f,
		      o->undecided ? "taken at home, undecided at admission"
				   : "taken at home, continued",
		      at_ms);
		return true;
	}
	if ((t = anchor(f)) == 0 || gap_ms(t, at_ms) > window_ms)
		return false;
	o->t_ms = t;
	words(why, why_len, f,
	      d == HD(HOLD)   ? "taken at home, held at admission"
	      : d == HD(STOP) ? "taken at home, stopped at admission"
			      : "taken at home, stopped",
	      at_ms);
	return true;
}

void
dosage_home_task_check(const dosage_class_list *l, dosage_dose_result *r)
{
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	r->check = DOSAGE_DOSE_CHECK_HOME_DECISION;
	r->status = DOSAGE_DOSE_OK;
	snprintf(r->reason, sizeof(r->reason),
		 "no anticoagulant, insulin, anti-epileptic or Parkinson's "
		 "medicine of the home list awaits the admission decision");
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		const dosage_class_other *o = &l->items[i];
		const char *cls = dosage_admission_task_class(o->substance);
		int n;

		if (o->home == NULL || !o->undecided || cls == NULL)
			continue;
		if (r->value == 0)
			off = (size_t)snprintf(r->reason, sizeof(r->reason),
					       "prescriber's task on admission:"
					       " decide the home medicine");
		r->value += 1;
		r->status = DOSAGE_DOSE_WARN;
		/* Each named while there is room; value counts them all. */
		n = snprintf(r->reason + off, sizeof(r->reason) - off,
			     "%s %s (%s, %s)", r->value > 1 ? "," : "",
			     o->substance, o->label, cls);
		off = n > 0 && off + (size_t)n < sizeof(r->reason)
			      ? off + (size_t)n
			      : sizeof(r->reason) - 1;
	}
	if (r->value > 0 && off + 40 < sizeof(r->reason))
		snprintf(r->reason + off, sizeof(r->reason) - off,
			 " (DecideHomeMedication)");
}

/* own: is substance x one of d's? */
static bool
own(const dosage_drug *d, const char *x)
{
	dosage_dose_limits l;

	dosage_limits(d, &l);
	for (size_t i = 0; i < l.n_substances; i++)
		if (strcmp(l.substances[i], x) == 0)
			return true;
	return false;
}

unsigned
dosage_home_day_doses(const dosage_class_other *o, int64_t at_ms)
{
	if (o->home == NULL || o->home_amount <= 0 || o->last_dose_ms <= 0 ||
	    o->last_dose_ms > at_ms || at_ms - o->last_dose_ms >= DAY_MS)
		return 0;
	return o->home_doses > 0 ? o->home_doses : 1;
}

/* home_day_amount is what home medicine o adds to a 24-h total of d at
 * at_ms, in d's unit; 0 when it adds nothing or its dose does not
 * convert. */
static double
home_day_amount(const dosage_class_other *o, const dosage_drug *d,
		int64_t at_ms)
{
	unsigned n = dosage_home_day_doses(o, at_ms);
	double v;

	if (n == 0 || !own(d, o->substance) ||
	    dosage_drug_convert(d, o->home_amount, o->home_unit, &v) != MED_OK)
		return 0;
	return v * n;
}

/* home_prior adds l's earlier courses before admission of d's substances
 * to h's lifetime total; one whose unit does not convert counts nothing
 * (its unit was checked when recorded). */
static void
home_prior(const dosage_class_list *l, const dosage_drug *d,
	   dosage_dose_history *h)
{
	for (size_t i = 0; l != NULL && i < l->n_prior; i++) {
		const dosage_home_prior *p = &l->prior[i];
		double v;

		if (!own(d, p->substance) ||
		    dosage_drug_convert(d, p->amount, p->unit, &v) != MED_OK ||
		    v <= 0)
			continue;
		h->given_lifetime += v;
		h->prior_lifetime += v;
		h->prior_from = p->label;
	}
}

void
dosage_home_day(const dosage_class_list *l, const dosage_drug *d, int64_t at_ms,
		dosage_dose_history *h)
{
	home_prior(l, d, h);
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		double v = home_day_amount(&l->items[i], d, at_ms);

		if (v <= 0)
			continue;
		h->given_24h += v;
		h->home_24h += v;
		h->home_24h_from = l->items[i].label;
		h->given_lifetime += v;
		h->home_lifetime += v;
	}
}

void
dosage_home_lifetime(const dosage_class_list *l, const dosage_drug *d,
		     int64_t at_ms, dosage_dose_history *h)
{
	home_prior(l, d, h);
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		double v = home_day_amount(&l->items[i], d, at_ms);

		if (v <= 0)
			continue;
		h->given_lifetime += v;
		h->home_lifetime += v;
		h->home_24h_from = l->items[i].label;
	}
}

void
dosage_home_nearest(const dosage_class_list *l, const dosage_drug *d,
		    int64_t at_ms, dosage_dose_history *h)
{
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		const dosage_class_other *o = &l->items[i];
		int64_t gap;

		if (o->home == NULL || o->last_dose_ms <= 0 ||
		    !own(d, o->substance))
			continue;
		gap = gap_ms(o->last_dose_ms, at_ms);
		if (h->has_nearest && gap >= h->nearest_gap_ms)
			continue;
		h->has_nearest = true;
		h->nearest_gap_ms = gap;
		h->nearest_home = o->label;
	}
}
