/*
 * switch.c - switching anticoagulants: the shipped table of how long each
 * anticoagulant acts after its last dose (knowledge/anticoagulant_switch.csv,
 * built in as it is, so the file stays the one place it is written;
 * services/module.mk makes this object depend on it), and the check that
 * a new anticoagulant waits that long.  An infusion of heparin started four
 * hours after a treatment dose of enoxaparin adds a second anticoagulant
 * to one still acting: the ward's bleeding risk the table prevents.
 */
#include <med/util.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dosage.h"
#include "catalogue.h"
#include "csv.h"
#include "classes.h"
#include "substances.h"
#include "switch.h"

#define HOUR_MS	       (3600 * 1000LL)
#define MAX_WAIT_H     168.0
#define SWITCH_ARENA   (256 * 1024)
#define ANTICOAGULANTS "anticoagulants"

__asm__(".section .rodata\n"
	".global dosage_switch_csv\n"
	".type dosage_switch_csv, @object\n"
	"dosage_switch_csv:\n"
	".incbin \"services/dosage/knowledge/anticoagulant_switch.csv\"\n"
	".byte 0\n"
	".size dosage_switch_csv, . - dosage_switch_csv\n"
	".previous\n");

extern const char dosage_switch_csv[];

/* is_anticoagulant: substance is in the anticoagulant class (classes.c). */
static bool
is_anticoagulant(const char *substance)
{
	const dosage_class_group *g = dosage_class_group_of(substance);

	return g != NULL && strcmp(g->code, ANTICOAGULANTS) == 0;
}

/* refuse sets *why to "line N: what" in a. */
static med_err
refuse(med_arena *a, uint32_t line, const char *what, const char **why)
{
	char buf[200];

	snprintf(buf, sizeof(buf), "line %u: %s", (unsigned)line, what);
	*why = med_arena_strdup(a, buf);
	return *why ? MED_ERR_INVALID : MED_ERR_NOMEM;
}

/* parse_wait reads hours from 0 to MAX_WAIT_H. */
static bool
parse_wait(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || !(v >= 0) ||
	    v > MAX_WAIT_H)
		return false;
	*out = v;
	return true;
}

/* read_row checks one data row into t's next row. */
static med_err
read_row(med_arena *a, const dosage_csv_row *row, dosage_switch_table *t,
	 const char **why)
{
	const dosage_substance *sub;
	dosage_switch_row *out = &t->rows[t->n];

	if (row->n != 4)
		return refuse(a, row->line,
			      "needs 4 fields: substance,wait_h,regimen,source",
			      why);
	sub = dosage_substance_find(row->f[0]);
	if (sub == NULL || !is_anticoagulant(sub->code))
		return refuse(a, row->line,
			      "substance: not an anticoagulant of the "
			      "substance table",
			      why);
	if (dosage_switch_find(t, sub->code) != NULL)
		return refuse(a, row->line, "substance: a second row", why);
	if (!parse_wait(row->f[1], &out->wait_h))
		return refuse(a, row->line, "wait_h: must be 0 to 168 hours",
			      why);
	if (row->f[3][0] == '\0')
		return refuse(a, row->line,
			      "source: required (where the interval comes "
			      "from)",
			      why);
	if (t->n == DOSAGE_SWITCH_MAX_ROWS)
		return refuse(a, row->line, "more than 64 rows", why);
	out->substance = sub->code;
	out->regimen = row->f[2];
	out->source = row->f[3];
	t->n++;
	return MED_OK;
}

med_err
dosage_switch_parse(med_arena *a, const char *csv, size_t len,
		    dosage_switch_table *out, const char **why)
{
	dosage_csv_reader r = {.p = csv, .end = csv + len, .line = 1};
	dosage_csv_row row;
	bool header = false;
	int got;
	med_err err;

	memset(out, 0, sizeof(*out));
	while ((got = dosage_csv_read_row(&r, a, &row)) == 1) {
		if (!header) {
			if (row.n != 4 || strcmp(row.f[0], "substance") != 0 ||
			    strcmp(row.f[3], "source") != 0)
				return refuse(a, row.line,
					      "the header must be "
					      "substance,wait_h,regimen,source",
					      why);
			header = true;
			continue;
		}
		if ((err = read_row(a, &row, out, why)) != MED_OK)
			return err;
	}
	if (got < 0)
		return refuse(a, r.line, "not CSV", why);
	if (!header)
		return refuse(a, r.line, "no header", why);
	return MED_OK;
}

static struct {
	pthread_once_t once;
	dosage_switch_table table;
	med_err err;
	const char *why;
} shipped = {.once = PTHREAD_ONCE_INIT};

static void
parse_shipped(void)
{
	/* The table lives as long as the process: its arena is never
	 * freed. */
	med_arena *a = med_arena_new(SWITCH_ARENA);

	shipped.why = "out of memory";
	shipped.err =
		a == NULL ? MED_ERR_NOMEM
			  : dosage_switch_parse(a, dosage_switch_csv,
						strlen(dosage_switch_csv),
						&shipped.table, &shipped.why);
}

med_err
dosage_switch_shipped(const dosage_switch_table **out, const char **why)
{
	pthread_once(&shipped.once, parse_shipped);
	if (shipped.err != MED_OK) {
		*why = shipped.why;
		return shipped.err;
	}
	*out = &shipped.table;
	return MED_OK;
}

const dosage_switch_row *
dosage_switch_find(const dosage_switch_table *t, const char *substance)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].substance, substance) == 0)
			return &t->rows[i];
	return NULL;
}

/* drug_anticoagulant: d has an anticoagulant substance; d's substances in
 * l. */
static bool
drug_anticoagulant(const dosage_drug *d, dosage_dose_limits *l)
{
	dosage_limits(d, l);
	for (size_t i = 0; i < l->n_substances; i++)
		if (is_anticoagulant(l->substances[i]))
			return true;
	return false;
}

static bool
in_drug(const dosage_dose_limits *l, const char *substance)
{
	for (size_t i = 0; i < l->n_substances; i++)
		if (strcmp(l->substances[i], substance) == 0)
			return true;
	return false;
}

/* utc formats ms as "2026-11-27 20:00 UTC". */
static void
utc(int64_t ms, char *out, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, len, "%lld ms", (long long)ms);
}

/* dose_ms is when o's last dose was taken: a dose given, or a home
 * medicine's last dose at home (0: not recorded); 0 for an order. */
static int64_t
dose_ms(const dosage_class_other *o)
{
	return o->home != NULL ? o->last_dose_ms : o->t_ms;
}

/* latest_in finds, among l, the dose of another anticoagulant whose
 * interval ends last after at_ms, when later than *end. */
static const dosage_class_other *
latest_in(const dosage_switch_table *t, const dosage_dose_limits *l,
	  const dosage_class_list *list, int64_t at_ms, int64_t *end,
	  const dosage_switch_row **row)
{
	const dosage_class_other *worst = NULL;

	for (size_t i = 0; list && i < list->n; i++) {
		const dosage_class_other *o = &list->items[i];
		int64_t when = dose_ms(o), until;
		const dosage_switch_row *w;

		if (when <= 0 || when > at_ms || in_drug(l, o->substance) ||
		    (w = dosage_switch_find(t, o->substance)) == NULL)
			continue;
		until = when + (int64_t)(w->wait_h * HOUR_MS);
		if (until > *end) {
			worst = o;
			*end = until;
			*row = w;
		}
	}
	return worst;
}

/* latest_block is the dose, given or taken at home, of another
 * anticoagulant whose interval ends last after at_ms; NULL when none is
 * still acting. */
static const dosage_class_other *
latest_block(const dosage_switch_table *t, const dosage_dose_limits *l,
	     const dosage_class_list *given, const dosage_class_list *home,
	     int64_t at_ms, const dosage_switch_row **row)
{
	int64_t end = at_ms;
	const dosage_class_other *a = latest_in(t, l, given, at_ms, &end, row);
	const dosage_class_other *b = latest_in(t, l, home, at_ms, &end, row);

	return b ? b : a;
}

void
dosage_switch_check(const dosage_switch_table *t, const dosage_drug *d,
		    const dosage_class_list *given,
		    const dosage_class_list *home, int64_t at_ms,
		    dosage_dose_result *r)
{
	dosage_dose_limits l;
	const dosage_switch_row *w = NULL;
	const dosage_class_other *o;
	char last[32], earliest[32];

	memset(r, 0, sizeof(*r));
	r->check = DOSAGE_DOSE_CHECK_ANTICOAGULANT_SWITCH;
	if (!drug_anticoagulant(d, &l)) {
		r->status = DOSAGE_DOSE_NOT_APPLICABLE;
		snprintf(r->reason, sizeof(r->reason), "not an anticoagulant");
		return;
	}
	o = latest_block(t, &l, given, home, at_ms, &w);
	if (o == NULL) {
		r->status = DOSAGE_DOSE_OK;
		snprintf(r->reason, sizeof(r->reason),
			 "no other anticoagulant still acting");
		return;
	}
	utc(dose_ms(o), last, sizeof(last));
	utc(dose_ms(o) + (int64_t)(w->wait_h * HOUR_MS), earliest,
	    sizeof(earliest));
	r->status = DOSAGE_DOSE_HARD_STOP;
	r->value = (double)(at_ms - dose_ms(o)) / HOUR_MS;
	r->limit = w->wait_h;
	snprintf(r->reason, sizeof(r->reason),
		 "%s (%s%s) last %s %s acts %g h: not before %s", o->substance,
		 o->home ? "home medicine " : "", o->label,
		 o->home ? "taken at home" : "given", last, w->wait_h,
		 earliest);
}
