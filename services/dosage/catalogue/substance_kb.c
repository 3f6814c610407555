/*
 * substance_kb.c - the substance knowledge base (see substance_kb.h): the
 * CSV reader that checks every record, the table of LOINC codes a rule
 * may name with the units each converts from, and the merge of a
 * substance's rules into a drug's limits.
 */
#include <med/arena.h>
#include <med/log.h>
#include <med/util.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classes.h"
#include "csv.h"
#include "dose_fields.h"
#include "substance_kb.h"
#include "substances.h"
#include "units.h"

#define KB_ARENA_BYTES	 (4u << 20)
#define KB_MAX_ROWS	 2000
#define KB_SOURCE_MAX	 300
#define KB_VERSION_MAX	 64
#define KB_MAX_AGE_H	 8760
#define HOUR_MS		 (3600LL * 1000)
#define KB_AGE_MAX_YEARS 130
#define KB_AGE_MAX_DAYS	 3650

/* kb_unit - a unit a rule's limit may be written in and its factor to the
 * unit the check compares in (records converts charted values the same
 * way: services/records/labs.c). */
typedef struct kb_unit {
	const char *ucum;
	double factor;
} kb_unit;

/* kb_loinc - a LOINC code a rule may name: the analyte the record answers
 * for it and the units its limit may be written in. */
typedef struct kb_loinc {
	const char *code;
	dosage_lab analyte;
	kb_unit units[2];
} kb_loinc;

/* The codes records reads for each analyte and drug level
 * (services/records/labs.c). */
static const kb_loinc loinc_table[] = {
	{"2823-3", DOSAGE_LAB_POTASSIUM, {{"mmol/L", 1}, {"meq/L", 1}}},
	{"6298-4", DOSAGE_LAB_POTASSIUM, {{"mmol/L", 1}, {"meq/L", 1}}},
	{"6301-6", DOSAGE_LAB_INR, {{"1", 1}, {"{INR}", 1}}},
	{"34714-6", DOSAGE_LAB_INR, {{"1", 1}, {"{INR}", 1}}},
	{"2345-7", DOSAGE_LAB_GLUCOSE, {{"mmol/L", 1}, {"mg/dL", 1 / 18.016}}},
	{"2339-0", DOSAGE_LAB_GLUCOSE, {{"mmol/L", 1}, {"mg/dL", 1 / 18.016}}},
	{"2160-0", DOSAGE_LAB_CREATININE, {{"umol/L", 1}, {"mg/dL", 88.42}}},
	{"14682-9", DOSAGE_LAB_CREATININE, {{"umol/L", 1}, {"mg/dL", 88.42}}},
	{"3665-7", DOSAGE_LAB_GENTAMICIN_TROUGH, {{"mg/L", 1}, {"ug/mL", 1}}},
	{"4059-2", DOSAGE_LAB_TOBRAMYCIN_TROUGH, {{"mg/L", 1}, {"ug/mL", 1}}},
	{"4092-3", DOSAGE_LAB_VANCOMYCIN_TROUGH, {{"mg/L", 1}, {"ug/mL", 1}}},
	{"10535-3", DOSAGE_LAB_DIGOXIN, {{"ug/L", 1}, {"ng/mL", 1}}},
	{"14334-7", DOSAGE_LAB_LITHIUM, {{"mmol/L", 1}, {"meq/L", 1}}},
	{"4049-3", DOSAGE_LAB_THEOPHYLLINE, {{"mg/L", 1}, {"ug/mL", 1}}},
	{"3968-5", DOSAGE_LAB_PHENYTOIN, {{"mg/L", 1}, {"ug/mL", 1}}},
	{"3321-7", DOSAGE_LAB_AMIKACIN_TROUGH, {{"mg/L", 1}, {"ug/mL", 1}}},
	{"3432-2", DOSAGE_LAB_CARBAMAZEPINE, {{"mg/L", 1}, {"ug/mL", 1}}},
	{"4086-5", DOSAGE_LAB_VALPROATE, {{"mg/L", 1}, {"ug/mL", 1}}},
	{"14978-1", DOSAGE_LAB_CICLOSPORIN, {{"ug/L", 1}, {"ng/mL", 1}}},
	{"11253-2", DOSAGE_LAB_TACROLIMUS, {{"ug/L", 1}, {"ng/mL", 1}}},
};

/* kb_lab - one lab record: the moiety it is written for, the rule. */
typedef struct kb_lab {
	const char *substance;
	dosage_lab_rule rule;
	uint32_t line;
} kb_lab;

/* kb_preg - one pregnancy record. */
typedef struct kb_preg {
	const char *substance;
	dosage_pregnancy_risk risk;
	const char *origin;
	uint32_t line;
} kb_preg;

/* kb_age - one age record. */
typedef struct kb_age {
	const char *substance;
	dosage_age_rule rule;
	uint32_t line;
} kb_age;

/* kb_naive - one opioid_naive record: a start of substance whose order
 * route or product form holds one of keywords (';' separated) needs an
 * opioid-tolerant patient. */
typedef struct kb_naive {
	const char *substance, *keywords, *origin;
	bool stop;
	uint32_t line;
	/* The largest start for a naive patient the rule's action answers
	 * (in max_unit, a mass); a larger one stops.  0: none. */
	double max_start;
	const char *max_unit;
} kb_naive;

/* kb_renal - one renal record. */
typedef struct kb_renal {
	const char *substance;
	dosage_renal_rule rule;
	uint32_t line;
} kb_renal;

/* kb_hepatic - one hepatic record. */
typedef struct kb_hepatic {
	const char *substance;
	dosage_hepatic_rule rule;
	uint32_t line;
} kb_hepatic;

/* kb_moiety - one moiety or component record: substance takes moiety's
 * rules.  A salt, ester or pro-drug has one moiety record; a combination
 * product one component record per component. */
typedef struct kb_moiety {
	const char *substance, *moiety;
	uint32_t line;
	bool component;
} kb_moiety;

struct dosage_substance_kb {
	med_arena *a;
	char version[KB_VERSION_MAX];
	uint32_t version_line;
	kb_lab labs[KB_MAX_ROWS];
	kb_preg pregs[KB_MAX_ROWS];
	kb_moiety moieties[KB_MAX_ROWS];
	kb_age ages[KB_MAX_ROWS];
	kb_naive naives[KB_MAX_ROWS];
	kb_renal renals[KB_MAX_ROWS];
	kb_hepatic hepatics[KB_MAX_ROWS];
	size_t n_labs, n_pregs, n_moieties, n_ages, n_naives, n_renals;
	size_t n_hepatics;
};

/* The base dosage_limits applies, read by every thread without a lock
 * (atomically); replaced under retire_lock by dosage_substance_kb_use. */
static dosage_substance_kb *active;

/* Bases replaced while the service runs: a check on another thread may
 * still read one (dosage_limits keeps pointers into it for the call), so
 * each is freed only at the stop.  Imports are a pharmacist's rare act. */
static pthread_mutex_t retire_lock = PTHREAD_MUTEX_INITIALIZER;
static dosage_substance_kb **retired;
static size_t n_retired;

/* --- lookups ------------------------------------------------------------- */

static const kb_loinc *
loinc_find(const char *code)
{
	for (size_t i = 0; i < sizeof(loinc_table) / sizeof(*loinc_table); i++)
		if (strcmp(loinc_table[i].code, code) == 0)
			return &loinc_table[i];
	return NULL;
}

static const kb_moiety *
moiety_of(const dosage_substance_kb *kb, const char *substance)
{
	for (size_t i = 0; i < kb->n_moieties; i++)
		if (strcmp(kb->moieties[i].substance, substance) == 0)
			return &kb->moieties[i];
	return NULL;
}

/* rules_line is the line of a lab, pregnancy or age record written for
 * substance, 0 when there is none. */
static uint32_t
rules_line(const dosage_substance_kb *kb, const char *substance)
{
	for (size_t i = 0; i < kb->n_labs; i++)
		if (strcmp(kb->labs[i].substance, substance) == 0)
			return kb->labs[i].line;
	for (size_t i = 0; i < kb->n_pregs; i++)
		if (strcmp(kb->pregs[i].substance, substance) == 0)
			return kb->pregs[i].line;
	for (size_t i = 0; i < kb->n_ages; i++)
		if (strcmp(kb->ages[i].substance, substance) == 0)
			return kb->ages[i].line;
	for (size_t i = 0; i < kb->n_naives; i++)
		if (strcmp(kb->naives[i].substance, substance) == 0)
			return kb->naives[i].line;
	for (size_t i = 0; i < kb->n_renals; i++)
		if (strcmp(kb->renals[i].substance, substance) == 0)
			return kb->renals[i].line;
	for (size_t i = 0; i < kb->n_hepatics; i++)
		if (strcmp(kb->hepatics[i].substance, substance) == 0)
			return kb->hepatics[i].line;
	return 0;
}

const char *
dosage_substance_kb_moiety(const dosage_substance_kb *kb, const char *substance)
{
	const kb_moiety *m = kb ? moiety_of(kb, substance) : NULL;

	return m ? m->moiety : substance;
}

size_t
dosage_substance_kb_actives(const dosage_substance_kb *kb,
			    const char *substance, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; kb && substance && i < kb->n_moieties; i++)
		if (strcmp(kb->moieties[i].substance, substance) == 0 &&
		    n < max)
			out[n++] = kb->moieties[i].moiety;
	return n;
}

bool
dosage_substance_kb_share(const dosage_substance_kb *kb, const char *a,
			  const char *b)
{
	const char *x[DOSAGE_SUBSTANCE_ACTIVES_MAX + 1];
	const char *y[DOSAGE_SUBSTANCE_ACTIVES_MAX + 1];
	size_t nx, ny;

	if (a == NULL || b == NULL)
		return false;
	nx = dosage_substance_kb_actives(kb, a, x,
					 DOSAGE_SUBSTANCE_ACTIVES_MAX);
	ny = dosage_substance_kb_actives(kb, b, y,
					 DOSAGE_SUBSTANCE_ACTIVES_MAX);
	/* A substance with no record is its own active moiety. */
	if (nx == 0)
		x[nx++] = a;
	if (ny == 0)
		y[ny++] = b;
	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++)
			if (strcmp(x[i], y[j]) == 0)
				return true;
	return false;
}

void
dosage_substance_kb_words(const dosage_substance_kb *kb, const char *substance,
			  char *buf, size_t len)
{
	const char *m[DOSAGE_SUBSTANCE_ACTIVES_MAX];
	size_t n = dosage_substance_kb_actives(kb, substance, m,
					       DOSAGE_SUBSTANCE_ACTIVES_MAX);
	size_t off;
	int w;

	w = snprintf(buf, len, "%s", substance ? substance : "");
	off = w < 0 ? 0 : (size_t)w;
	if (n == 0 || off >= len)
		return;
	w = snprintf(buf + off, len - off, " (%s ",
		     moiety_of(kb, substance)->component ? "components"
							 : "active moiety");
	for (size_t i = 0; i < n && w >= 0 && (off += (size_t)w) < len; i++)
		w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", m[i]);
	if (w >= 0 && (off += (size_t)w) < len)
		snprintf(buf + off, len - off, ")");
}

const char *
dosage_substance_kb_version(const dosage_substance_kb *kb)
{
	return kb ? kb->version : "";
}

/* --- checking one record ------------------------------------------------- */

/* bad writes "line N: what" into why and refuses. */
static med_err
bad(char *why, size_t len, uint32_t line, const char *what)
{
	snprintf(why, len, "substance knowledge line %u: %s", line, what);
	return MED_ERR_INVALID;
}

/* substance_code finds the substance code field names; NULL when the
 * substance table knows no such substance. */
static const char *
substance_code(const char *field)
{
	const dosage_substance *s = dosage_substance_find(field);

	return s ? s->code : NULL;
}

static bool
source_ok(const char *s)
{
	return s[0] != '\0' && strlen(s) <= KB_SOURCE_MAX;
}

/* action_ok: a record's action is stop or warn (a stop when its first
 * letter is 's'). */
static bool
action_ok(const char *f)
{
	return strcmp(f, "stop") == 0 || strcmp(f, "warn") == 0;
}

/* maxima_problem reads a record's two maxima (0: no such limit; both 0:
 * not to be given); what is wrong, NULL when nothing. */
static const char *
maxima_problem(const char *single, const char *day, double *single_max,
	       double *max_24h)
{
	if (!dosage_dose_number(single, single_max) || *single_max < 0 ||
	    *single_max > 1e6 || !dosage_dose_number(day, max_24h) ||
	    *max_24h < 0 || *max_24h > 1e6)
		return "maxima must be numbers of 0 or more (0: no such "
		       "limit; both 0: not to be given)";
	return NULL;
}

/* origin formats how a check names the record: its substance, line, the
 * base's version and its source. */
static const char *
origin(dosage_substance_kb *kb, const char *substance, uint32_t line,
       const char *source)
{
	return med_arena_sprintf(kb->a, "%s rule, substance KB %s line %u; %s",
				 substance, kb->version, line, source);
}

/* kb_rows is how many rules kb holds. */
static size_t
kb_rows(const dosage_substance_kb *kb)
{
	return kb->n_labs + kb->n_pregs + kb->n_moieties + kb->n_ages +
	       kb->n_naives + kb->n_renals + kb->n_hepatics;
}

static med_err
read_version(dosage_substance_kb *kb, const dosage_csv_row *row, char *why,
	     size_t len)
{
	char what[96];

	if (kb->version_line != 0) {
		snprintf(what, sizeof(what),
			 "a second version record (line %u)", kb->version_line);
		return bad(why, len, row->line, what);
	}
	if (row->n != 2 || row->f[1][0] == '\0' ||
	    strlen(row->f[1]) >= KB_VERSION_MAX)
		return bad(why, len, row->line,
			   "version must be version,<label of 1..63 "
			   "characters>");
	if (kb_rows(kb) > 0)
		return bad(why, len, row->line,
			   "the version record must come before the rules");
	memcpy(kb->version, row->f[1], strlen(row->f[1]) + 1);
	kb->version_line = row->line;
	return MED_OK;
}

/* subject_problem says why a rule may not be written for substance code
 * (NULL when it may). */
static const char *
subject_problem(const dosage_substance_kb *kb, const char *field,
		const char *code, char *what, size_t len)
{
	const kb_moiety *m;

	if (code == NULL)
		snprintf(what, len,
			 "'%.80s' is no substance the substance table knows",
			 field);
	else if ((m = moiety_of(kb, code)) != NULL)
		snprintf(what, len,
			 "'%s' maps to its %s '%s' (line %u): write the "
			 "rule for the %s",
			 code, m->component ? "component" : "moiety", m->moiety,
			 m->line, m->component ? "components" : "moiety");
	else
		return NULL;
	return what;
}

/* map_problem says why substance s may not map to m (a moiety record, or
 * a component record when component), NULL when it may.  A salt maps to
 * one moiety; a combination has one record per component; neither kind
 * chains, and a substance with its own rules maps to nothing. */
static const char *
map_problem(const dosage_substance_kb *kb, const char *s, const char *m,
	    bool component)
{
	const kb_moiety *had = moiety_of(kb, s);

	if (strcmp(s, m) == 0 || moiety_of(kb, m) != NULL ||
	    rules_line(kb, s) != 0)
		return "is circular, a chain, or the substance has its own "
		       "rules";
	if (had != NULL && (!component || !had->component))
		return "maps the substance twice (a moiety and a second "
		       "moiety or a component)";
	for (size_t i = 0; i < kb->n_moieties; i++) {
		if (strcmp(kb->moieties[i].moiety, s) == 0)
			return "names a substance that is another line's "
			       "moiety or component";
		if (strcmp(kb->moieties[i].substance, s) == 0 &&
		    strcmp(kb->moieties[i].moiety, m) == 0)
			return "names the component twice";
	}
	if (component && had != NULL) {
		size_t n = 0;

		for (size_t i = 0; i < kb->n_moieties; i++)
			n += strcmp(kb->moieties[i].substance, s) == 0;
		if (n >= DOSAGE_SUBSTANCE_ACTIVES_MAX)
			return "has more components than a product holds";
	}
	return NULL;
}

static med_err
read_moiety(dosage_substance_kb *kb, const dosage_csv_row *row, bool component,
	    char *why, size_t len)
{
	const char *s, *m = NULL, *p;
	char what[192];

	if (row->n != 4)
		return bad(why, len, row->line,
			   component ? "component must be component,"
				       "<combination>,<component>,<source>"
				     : "moiety must be moiety,<substance>,"
				       "<active moiety>,<source>");
	if ((s = substance_code(row->f[1])) == NULL ||
	    (m = substance_code(row->f[2])) == NULL) {
		snprintf(what, sizeof(what),
			 "'%.80s' is no substance the substance table knows",
			 s == NULL ? row->f[1] : row->f[2]);
		return bad(why, len, row->line, what);
	}
	if (!source_ok(row->f[3]))
		return bad(why, len, row->line,
			   "source must be 1..300 characters");
	if ((p = map_problem(kb, s, m, component)) != NULL) {
		snprintf(what, sizeof(what), "'%s' -> '%s' %s", s, m, p);
		return bad(why, len, row->line, what);
	}
	kb->moieties[kb->n_moieties++] =
		(kb_moiety){s, m, row->line, component};
	return MED_OK;
}

/* lab_limit reads the limit, unit and age of a lab record into r. */
static const char *
lab_limit(const dosage_csv_row *row, const kb_loinc *k, dosage_lab_rule *r)
{
	double v, age;
	const kb_unit *u = NULL;

	for (size_t i = 0; i < 2 && k->units[i].ucum; i++)
		if (strcmp(k->units[i].ucum, row->f[5]) == 0)
			u = &k->units[i];
	if (strcmp(row->f[3], "max") != 0 && strcmp(row->f[3], "min") != 0)
		return "direction must be max or min";
	if (!dosage_dose_number(row->f[4], &v) || !(v > 0) || v > 1e6)
		return "limit must be a number above 0";
	if (u == NULL)
		return "unit does not convert for this LOINC code";
	if (!dosage_dose_number(row->f[6], &age) || age < 1 ||
	    age > KB_MAX_AGE_H || age != floor(age))
		return "max age must be 1..8760 hours";
	if (!action_ok(row->f[7]))
		return "action must be stop or warn";
	*r = (dosage_lab_rule){.analyte = k->analyte,
			       .is_max = row->f[3][1] == 'a',
			       .stop = row->f[7][0] == 's',
			       .limit = v * u->factor,
			       .max_age_ms = (int64_t)age * HOUR_MS};
	return NULL;
}

/* lab_conflict says which earlier line rl contradicts or repeats (the
 * same substance, analyte and direction), and counts the substance's. */
static const char *
lab_conflict(const dosage_substance_kb *kb, const char *s,
	     const dosage_lab_rule *rl, char *what, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < kb->n_labs; i++) {
		const kb_lab *o = &kb->labs[i];

		if (strcmp(o->substance, s) != 0)
			continue;
		if (++n >= DOSAGE_LAB_MAX_SUBSTANCE_RULES) {
			snprintf(what, len, "'%s' has more than %d lab rules",
				 s, DOSAGE_LAB_MAX_SUBSTANCE_RULES);
			return what;
		}
		if (o->rule.analyte == rl->analyte &&
		    o->rule.is_max == rl->is_max) {
			snprintf(what, len,
				 "contradicts or repeats line %u: one rule per "
				 "substance, analyte (%s) and direction",
				 o->line, dosage_lab_name(rl->analyte));
			return what;
		}
	}
	return NULL;
}

static med_err
read_lab(dosage_substance_kb *kb, const dosage_csv_row *row, char *why,
	 size_t len)
{
	const char *s = NULL, *problem;
	const kb_loinc *k;
	dosage_lab_rule rl;
	char what[192];

	if (row->n != 9)
		return bad(why, len, row->line,
			   "lab must be lab,<substance>,<LOINC>,<max|min>,"
			   "<limit>,<unit>,<max age h>,<stop|warn>,<source>");
	s = substance_code(row->f[1]);
	if ((problem = subject_problem(kb, row->f[1], s, what, sizeof(what))) !=
	    NULL)
		return bad(why, len, row->line, problem);
	if ((k = loinc_find(row->f[2])) == NULL) {
		snprintf(what, sizeof(what),
			 "LOINC code '%.40s' is none the checks read "
			 "(docs/dose-safety.md lists them)",
			 row->f[2]);
		return bad(why, len, row->line, what);
	}
	if ((problem = lab_limit(row, k, &rl)) != NULL)
		return bad(why, len, row->line, problem);
	if (!source_ok(row->f[8]))
		return bad(why, len, row->line,
			   "source must be 1..300 characters");
	if ((problem = lab_conflict(kb, s, &rl, what, sizeof(what))) != NULL)
		return bad(why, len, row->line, problem);
	if ((rl.origin = origin(kb, s, row->line, row->f[8])) == NULL)
		return MED_ERR_NOMEM;
	kb->labs[kb->n_labs++] = (kb_lab){s, rl, row->line};
	return MED_OK;
}

static med_err
read_pregnancy(dosage_substance_kb *kb, const dosage_csv_row *row, char *why,
	       size_t len)
{
	const char *s, *problem, *o;
	dosage_pregnancy_risk risk;
	char what[192];

	if (row->n != 4)
		return bad(why, len, row->line,
			   "pregnancy must be pregnancy,<substance>,"
			   "<avoid|contraindicated>,<source>");
	s = substance_code(row->f[1]);
	if ((problem = subject_problem(kb, row->f[1], s, what, sizeof(what))) !=
	    NULL)
		return bad(why, len, row->line, problem);
	if (dosage_pregnancy_parse(row->f[2], &risk) != MED_OK ||
	    risk == DOSAGE_PREGNANCY_NONE)
		return bad(why, len, row->line,
			   "risk must be avoid or contraindicated");
	if (!source_ok(row->f[3]))
		return bad(why, len, row->line,
			   "source must be 1..300 characters");
	for (size_t i = 0; i < kb->n_pregs; i++)
		if (strcmp(kb->pregs[i].substance, s) == 0) {
			snprintf(what, sizeof(what),
				 "contradicts or repeats line %u: one "
				 "pregnancy rule per substance",
				 kb->pregs[i].line);
			return bad(why, len, row->line, what);
		}
	if ((o = origin(kb, s, row->line, row->f[3])) == NULL)
		return MED_ERR_NOMEM;
	kb->pregs[kb->n_pregs++] = (kb_preg){s, risk, o, row->line};
	return MED_OK;
}

/* age_band reads a band: "<16y" (under 16 years), ">=65y" (65 years or
 * over), "<28d" (under 28 days). */
static bool
age_band(const char *f, dosage_age_rule *r)
{
	const char *num = f;
	char *end;
	long v;

	if (f[0] == '<')
		num = f + 1;
	else if (f[0] == '>' && f[1] == '=')
		num = f + 2;
	else
		return false;
	if (num[0] < '0' || num[0] > '9')
		return false;
	v = strtol(num, &end, 10);
	if ((*end != 'y' && *end != 'd') || end[1] != '\0' || v < 1 ||
	    v > (*end == 'y' ? KB_AGE_MAX_YEARS : KB_AGE_MAX_DAYS))
		return false;
	r->below = f[0] == '<';
	r->in_days = *end == 'd';
	r->limit = (int)v;
	return true;
}

/* age_conflict says which earlier line rl contradicts or repeats (the same
 * substance and direction), and counts the substance's age rules. */
static const char *
age_conflict(const dosage_substance_kb *kb, const char *s,
	     const dosage_age_rule *rl, char *what, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < kb->n_ages; i++) {
		const kb_age *o = &kb->ages[i];

		if (strcmp(o->substance, s) != 0)
			continue;
		if (++n >= DOSAGE_AGE_MAX_SUBSTANCE_RULES) {
			snprintf(what, len, "'%s' has more than %d age rules",
				 s, DOSAGE_AGE_MAX_SUBSTANCE_RULES);
			return what;
		}
		if (o->rule.below == rl->below) {
			snprintf(what, len,
				 "contradicts or repeats line %u: one %s rule "
				 "per substance",
				 o->line,
				 rl->below ? "under-age" : "older-age");
			return what;
		}
	}
	return NULL;
}

static med_err
read_age(dosage_substance_kb *kb, const dosage_csv_row *row, char *why,
	 size_t len)
{
	const char *s, *problem;
	dosage_age_rule rl = {0};
	char what[192];

	if (row->n != 5)
		return bad(why, len, row->line,
			   "age must be age,<substance>,<band>,<stop|warn>,"
			   "<source>");
	s = substance_code(row->f[1]);
	if ((problem = subject_problem(kb, row->f[1], s, what, sizeof(what))) !=
	    NULL)
		return bad(why, len, row->line, problem);
	if (!age_band(row->f[2], &rl)) {
		snprintf(what, sizeof(what),
			 "age band '%.40s' does not read: <Ny, >=Ny or <Nd "
			 "(years 1..130, days 1..3650)",
			 row->f[2]);
		return bad(why, len, row->line, what);
	}
	if (!action_ok(row->f[3]))
		return bad(why, len, row->line, "action must be stop or warn");
	rl.stop = row->f[3][0] == 's';
	if (!source_ok(row->f[4]))
		return bad(why, len, row->line,
			   "source must be 1..300 characters");
	if ((problem = age_conflict(kb, s, &rl, what, sizeof(what))) != NULL)
		return bad(why, len, row->line, problem);
	if ((rl.origin = origin(kb, s, row->line, row->f[4])) == NULL)
		return MED_ERR_NOMEM;
	kb->ages[kb->n_ages++] = (kb_age){s, rl, row->line};
	return MED_OK;
}

/* keywords_ok: 1..4 keywords of 1..40 characters, ';' separated. */
static bool
keywords_ok(const char *f)
{
	size_t n = 1, run = 0;

	for (const char *c = f;; c++) {
		if (*c == ';' || *c == '\0') {
			if (run == 0 || run > 40)
				return false;
			if (*c == '\0')
				return true;
			run = 0;
			if (++n > 4)
				return false;
		} else
			run++;
	}
}

/* naive_start reads an opioid_naive record's largest start (fields 5 and
 * 6: a number above 0 and a mass unit) into n; what is wrong, or NULL. */
static const char *
naive_start(const dosage_csv_row *row, kb_naive *n)
{
	dosage_dose_unit u;

	if (!dosage_dose_number(row->f[5], &n->max_start) ||
	    !(n->max_start > 0) || n->max_start > 1e6)
		return "max start dose must be a number above 0";
	if (dosage_dose_unit_parse(row->f[6], &u) != MED_OK ||
	    u.dim != DOSAGE_DOSE_DIM_MASS)
		return "max start unit must be a mass (g, mg, ug)";
	n->max_unit = u.ucum;
	return NULL;
}

static med_err
read_naive(dosage_substance_kb *kb, const dosage_csv_row *row, char *why,
	   size_t len)
{
	const char *s, *problem, *o;
	const dosage_class_group *g;
	char what[192];

	if (row->n != 5 && row->n != 7)
		return bad(why, len, row->line,
			   "opioid_naive must be opioid_naive,<substance>,"
			   "<route or form keywords>,<stop|warn>,<source>"
			   "[,<max start dose>,<unit>]");
	if (row->n == 7 &&
	    (problem = naive_start(row, &kb->naives[kb->n_naives])) != NULL)
		return bad(why, len, row->line, problem);
	s = substance_code(row->f[1]);
	if ((problem = subject_problem(kb, row->f[1], s, what, sizeof(what))) !=
	    NULL)
		return bad(why, len, row->line, problem);
	if ((g = dosage_class_group_of(s)) == NULL ||
	    strcmp(g->code, "opioids") != 0)
		return bad(why, len, row->line,
			   "the substance is no opioid (classes.c)");
	if (!keywords_ok(row->f[2]))
		return bad(why, len, row->line,
			   "keywords must be 1..4 of 1..40 characters, ';' "
			   "separated");
	if (!action_ok(row->f[3]))
		return bad(why, len, row->line, "action must be stop or warn");
	if (!source_ok(row->f[4]))
		return bad(why, len, row->line,
			   "source must be 1..300 characters");
	for (size_t i = 0; i < kb->n_naives; i++)
		if (strcmp(kb->naives[i].substance, s) == 0) {
			snprintf(what, sizeof(what),
				 "repeats line %u: one opioid_naive rule per "
				 "substance",
				 kb->naives[i].line);
			return bad(why, len, row->line, what);
		}
	if ((o = origin(kb, s, row->line, row->f[4])) == NULL ||
	    (kb->naives[kb->n_naives].keywords =
		     med_arena_strdup(kb->a, row->f[2])) == NULL)
		return MED_ERR_NOMEM;
	kb->naives[kb->n_naives].substance = s;
	kb->naives[kb->n_naives].origin = o;
	kb->naives[kb->n_naives].stop = row->f[3][0] == 's';
	kb->naives[kb->n_naives++].line = row->line;
	return MED_OK;
}

/* --- renal records -------------------------------------------------------- */

int
dosage_regimen_parse(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return DOSAGE_REGIMEN_ANY;
	if (strcmp(s, "prophylaxis") == 0)
		return DOSAGE_REGIMEN_PROPHYLAXIS;
	if (strcmp(s, "treatment") == 0)
		return DOSAGE_REGIMEN_TREATMENT;
	return -1;
}

const char *
dosage_regimen_name(dosage_regimen r)
{
	if (r == DOSAGE_REGIMEN_PROPHYLAXIS)
		return "prophylaxis";
	return r == DOSAGE_REGIMEN_TREATMENT ? "treatment" : "any regimen";
}

/* mass_unit reads a renal or hepatic record's unit: a mass ("mg") or a
 * mass per kg ("mg/kg", *per_kg); the mass part is kept in *unit (the
 * arena's). */
static bool
mass_unit(dosage_substance_kb *kb, const char *f, bool *per_kg,
	  const char **unit)
{
	size_t n = strlen(f);
	dosage_dose_unit u;
	char *mass;

	*per_kg = n > 3 && strcmp(f + n - 3, "/kg") == 0;
	mass = med_arena_strdup(kb->a, f);
	if (mass == NULL)
		return false;
	if (*per_kg)
		mass[n - 3] = '\0';
	if (dosage_dose_unit_parse(mass, &u) != MED_OK ||
	    u.dim != DOSAGE_DOSE_DIM_MASS)
		return false;
	*unit = u.ucum;
	return true;
}

/* renal_fields reads a renal record's regimen, band, maxima, unit and
 * action into r; what is wrong, NULL when nothing. */
static const char *
renal_fields(dosage_substance_kb *kb, const dosage_csv_row *row,
	     dosage_renal_rule *r)
{
	int reg = strcmp(row->f[2], "any") == 0 ? DOSAGE_REGIMEN_ANY
		  : row->f[2][0] == '\0'	? -1
					 : dosage_regimen_parse(row->f[2]);
	const char *problem;

	if (reg < 0)
		return "regimen must be prophylaxis, treatment or any";
	r->regimen = (dosage_regimen)reg;
	if (!dosage_dose_number(row->f[3], &r->below) || !(r->below > 0) ||
	    r->below > 200)
		return "clearance band must be a number of mL/min in 1..200";
	if ((problem = maxima_problem(row->f[4], row->f[5], &r->single_max,
				      &r->max_24h)) != NULL)
		return problem;
	if (!mass_unit(kb, row->f[6], &r->per_kg, &r->unit))
		return "unit must be a mass (g, mg, ug) or a mass per kg "
		       "(mg/kg)";
	if (!action_ok(row->f[7]))
		return "action must be stop or warn";
	r->stop = row->f[7][0] == 's';
	return NULL;
}

/* renal_conflict says which earlier line rl repeats (the same substance,
 * regimen and band), and counts the substance's renal rules. */
static const char *
renal_conflict(const dosage_substance_kb *kb, const char *s,
	       const dosage_renal_rule *rl, char *what, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < kb->n_renals; i++) {
		const kb_renal *o = &kb->renals[i];

		if (strcmp(o->substance, s) != 0)
			continue;
		if (++n >= DOSAGE_RENAL_MAX_SUBSTANCE_RULES) {
			snprintf(what, len, "'%s' has more than %d renal rules",
				 s, DOSAGE_RENAL_MAX_SUBSTANCE_RULES);
			return what;
		}
		if (o->rule.regimen == rl->regimen &&
		    o->rule.below == rl->below) {
			snprintf(what, len,
				 "contradicts or repeats line %u: one rule "
				 "per substance, regimen and band",
				 o->line);
			return what;
		}
	}
	return NULL;
}

static med_err
read_renal(dosage_substance_kb *kb, const dosage_csv_row *row, char *why,
	   size_t len)
{
	const char *s, *problem;
	dosage_renal_rule rl = {0};
	char what[192];

	if (row->n != 9)
		return bad(why, len, row->line,
			   "renal must be renal,<substance>,<prophylaxis|"
			   "treatment|any>,<below mL/min>,<max dose>,<max "
			   "24h>,<unit>,<stop|warn>,<source>");
	s = substance_code(row->f[1]);
	if ((problem = subject_problem(kb, row->f[1], s, what, sizeof(what))) !=
		    NULL ||
	    (problem = renal_fields(kb, row, &rl)) != NULL ||
	    (problem = renal_conflict(kb, s, &rl, what, sizeof(what))) != NULL)
		return bad(why, len, row->line, problem);
	if (!source_ok(row->f[8]))
		return bad(why, len, row->line,
			   "source must be 1..300 characters");
	if ((rl.origin = origin(kb, s, row->line, row->f[8])) == NULL)
		return MED_ERR_NOMEM;
	kb->renals[kb->n_renals++] = (kb_renal){s, rl, row->line};
	return MED_OK;
}

/* --- hepatic records ------------------------------------------------------ */

/* hepatic_fields reads a hepatic record's class, maxima, unit and action
 * into r; what is wrong, NULL when nothing. */
static const char *
hepatic_fields(dosage_substance_kb *kb, const dosage_csv_row *row,
	       dosage_hepatic_rule *r)
{
	const char *c = row->f[2], *problem;
	bool per_kg = false;

	if (c[0] < 'A' || c[0] > 'C' || c[1] != '\0')
		return "Child-Pugh class must be A, B or C";
	r->cls = c[0];
	if ((problem = maxima_problem(row->f[3], row->f[4], &r->single_max,
				      &r->max_24h)) != NULL)
		return problem;
	if (!mass_unit(kb, row->f[5], &per_kg, &r->unit) || per_kg)
		return "unit must be a mass (g, mg, ug)";
	if (!action_ok(row->f[6]))
		return "action must be stop or warn";
	r->stop = row->f[6][0] == 's';
	return NULL;
}

/* hepatic_conflict says which earlier line r repeats (the same substance
 * and Child-Pugh class). */
static const char *
hepatic_conflict(const dosage_substance_kb *kb, const char *s,
		 const dosage_hepatic_rule *r, char *what, size_t len)
{
	for (size_t i = 0; i < kb->n_hepatics; i++) {
		const kb_hepatic *o = &kb->hepatics[i];

		if (strcmp(o->substance, s) == 0 && o->rule.cls == r->cls) {
			snprintf(what, len,
				 "contradicts or repeats line %u: one rule "
				 "per substance and Child-Pugh class",
				 o->line);
			return what;
		}
	}
	return NULL;
}

static med_err
read_hepatic(dosage_substance_kb *kb, const dosage_csv_row *row, char *why,
	     size_t len)
{
	const char *s, *problem;
	dosage_hepatic_rule hr = {0};
	char what[192];

	if (row->n != 8)
		return bad(why, len, row->line,
			   "hepatic must be hepatic,<substance>,<Child-Pugh "
			   "A|B|C>,<max dose>,<max 24h>,<unit>,<stop|warn>,"
			   "<source>");
	s = substance_code(row->f[1]);
	if ((problem = subject_problem(kb, row->f[1], s, what, sizeof(what))) !=
		    NULL ||
	    (problem = hepatic_fields(kb, row, &hr)) != NULL ||
	    (problem = hepatic_conflict(kb, s, &hr, what, sizeof(what))) !=
		    NULL)
		return bad(why, len, row->line, problem);
	if (!source_ok(row->f[7]))
		return bad(why, len, row->line,
			   "source must be 1..300 characters");
	if ((hr.origin = origin(kb, s, row->line, row->f[7])) == NULL)
		return MED_ERR_NOMEM;
	kb->hepatics[kb->n_hepatics++] = (kb_hepatic){s, hr, row->line};
	return MED_OK;
}

static med_err
read_row(dosage_substance_kb *kb, const dosage_csv_row *row, char *why,
	 size_t len)
{
	const char *kind = row->f[0];

	if (strcmp(kind, "version") == 0)
		return read_version(kb, row, why, len);
	if (kb->version_line == 0)
		return bad(why, len, row->line,
			   "the first record must be version,<label>");
	if (kb_rows(kb) >= KB_MAX_ROWS)
		return bad(why, len, row->line, "more than 2000 rules");
	if (strcmp(kind, "moiety") == 0 || strcmp(kind, "component") == 0)
		return read_moiety(kb, row, kind[0] == 'c', why, len);
	if (strcmp(kind, "lab") == 0)
		return read_lab(kb, row, why, len);
	if (strcmp(kind, "pregnancy") == 0)
		return read_pregnancy(kb, row, why, len);
	if (strcmp(kind, "age") == 0)
		return read_age(kb, row, why, len);
	if (strcmp(kind, "opioid_naive") == 0)
		return read_naive(kb, row, why, len);
	if (strcmp(kind, "renal") == 0)
		return read_renal(kb, row, why, len);
	if (strcmp(kind, "hepatic") == 0)
		return read_hepatic(kb, row, why, len);
	return bad(why, len, row->line,
		   "kind must be version, moiety, component, lab, "
		   "pregnancy, age, opioid_naive, renal or hepatic");
}

/* --- the whole file ------------------------------------------------------ */

static med_err
read_all(dosage_substance_kb *kb, const char *text, size_t len, char *why,
	 size_t why_len)
{
	dosage_csv_reader r = {text, text + len, 1};
	dosage_csv_row row;
	int rc;
	med_err err;

	while ((rc = dosage_csv_read_row(&r, kb->a, &row)) != 0) {
		if (rc < 0)
			return row.why ? bad(why, why_len, row.line, row.why)
				       : MED_ERR_NOMEM;
		if ((err = read_row(kb, &row, why, why_len)) != MED_OK)
			return err;
	}
	if (kb->version_line == 0) {
		snprintf(why, why_len,
			 "substance knowledge: no version record");
		return MED_ERR_INVALID;
	}
	return MED_OK;
}

med_err
dosage_substance_kb_parse(const char *text, size_t len,
			  dosage_substance_kb **out, char *why, size_t why_len)
{
	dosage_substance_kb *kb = calloc(1, sizeof(*kb));
	med_err err;

	if (kb == NULL || (kb->a = med_arena_new(KB_ARENA_BYTES)) == NULL) {
		free(kb);
		return MED_ERR_NOMEM;
	}
	if (text == NULL || !med_utf8_valid(text, len)) {
		snprintf(why, why_len, "substance knowledge: not UTF-8 text");
		err = MED_ERR_INVALID;
	} else
		err = read_all(kb, text, len, why, why_len);
	if (err != MED_OK) {
		dosage_substance_kb_free(kb);
		return err;
	}
	*out = kb;
	return MED_OK;
}

void
dosage_substance_kb_free(dosage_substance_kb *kb)
{
	if (kb == NULL)
		return;
	med_arena_free(kb->a);
	free(kb);
}

/* --- inheritance --------------------------------------------------------- */

/* apply_moiety adds moiety m's rules to l. */
static void
apply_moiety(const dosage_substance_kb *kb, const char *m,
	     dosage_dose_limits *l)
{
	for (size_t i = 0; i < kb->n_labs; i++)
		if (strcmp(kb->labs[i].substance, m) == 0 &&
		    l->n_lab_rules < DOSAGE_LAB_MAX_ALL)
			l->lab_rules[l->n_lab_rules++] = kb->labs[i].rule;
	for (size_t i = 0; i < kb->n_pregs; i++)
		if (strcmp(kb->pregs[i].substance, m) == 0 &&
		    kb->pregs[i].risk > l->pregnancy) {
			l->pregnancy = kb->pregs[i].risk;
			l->pregnancy_source = kb->pregs[i].origin;
		}
	for (size_t i = 0; i < kb->n_ages; i++)
		if (strcmp(kb->ages[i].substance, m) == 0 &&
		    l->n_age_rules < DOSAGE_AGE_MAX_ALL)
			l->age_rules[l->n_age_rules++] = kb->ages[i].rule;
	for (size_t i = 0; i < kb->n_renals; i++)
		if (strcmp(kb->renals[i].substance, m) == 0 &&
		    l->n_renal_rules < DOSAGE_RENAL_MAX_ALL)
			l->renal_rules[l->n_renal_rules++] = kb->renals[i].rule;
	for (size_t i = 0; i < kb->n_hepatics; i++)
		if (strcmp(kb->hepatics[i].substance, m) == 0 &&
		    l->n_hepatic_rules < DOSAGE_HEPATIC_MAX_ALL)
			l->hepatic_rules[l->n_hepatic_rules++] =
				kb->hepatics[i].rule;
}

/* add_active notes in l that substance s stands for moiety m (for the
 * allergy check), once per moiety; false when l already had m. */
static bool
add_active(dosage_dose_limits *l, const char *s, const char *m)
{
	for (size_t i = 0; i < l->n_actives; i++)
		if (strcmp(l->actives[i], m) == 0)
			return false;
	for (size_t i = 0; i < l->n_substances; i++)
		if (strcmp(l->substances[i], m) == 0)
			return false;
	if (l->n_actives == DOSAGE_DOSE_MAX_ACTIVES)
		return false;
	l->actives[l->n_actives] = m;
	l->active_of[l->n_actives++] = s;
	return true;
}

void
dosage_substance_kb_apply(const dosage_substance_kb *kb, dosage_dose_limits *l)
{
	const char *m[DOSAGE_SUBSTANCE_ACTIVES_MAX];

	l->n_actives = 0;
	l->n_renal_rules = 0;
	l->n_hepatic_rules = 0;
	if (kb == NULL)
		return;
	/* A substance that maps to nothing carries its own rules; two
	 * salts of one moiety in a product count it once. */
	for (size_t i = 0; i < l->n_substances; i++)
		if (dosage_substance_kb_actives(kb, l->substances[i], m, 1) ==
		    0)
			apply_moiety(kb, l->substances[i], l);
	for (size_t i = 0; i < l->n_substances; i++) {
		size_t n = dosage_substance_kb_actives(
			kb, l->substances[i], m, DOSAGE_SUBSTANCE_ACTIVES_MAX);

		for (size_t k = 0; k < n; k++)
			if (add_active(l, l->substances[i], m[k]))
				apply_moiety(kb, m[k], l);
	}
}

/* --- records, for a diff ------------------------------------------------ */

void
dosage_substance_kb_counts(const dosage_substance_kb *kb, size_t *n_rules,
			   size_t *n_moieties)
{
	*n_rules = kb ? kb->n_labs + kb->n_pregs + kb->n_ages + kb->n_naives +
				   kb->n_renals + kb->n_hepatics
		      : 0;
	*n_moieties = kb ? kb->n_moieties : 0;
}

size_t
dosage_substance_kb_n_records(const dosage_substance_kb *kb)
{
	return kb ? kb_rows(kb) : 0;
}

/* record_rule describes the age (then opioid-naive, renal, hepatic)
 * record i. */
static void
record_rule(const dosage_substance_kb *kb, size_t i,
	    dosage_substance_record *out)
{
	size_t before = kb->n_ages + kb->n_naives + kb->n_renals;

	if (i >= before) {
		out->kind = DOSAGE_SUBSTANCE_HEPATIC;
		out->substance = kb->hepatics[i - before].substance;
		out->hepatic = &kb->hepatics[i - before].rule;
		return;
	}
	if (i < kb->n_ages) {
		out->kind = DOSAGE_SUBSTANCE_AGE;
		out->substance = kb->ages[i].substance;
		out->age = &kb->ages[i].rule;
		return;
	}
	if ((i -= kb->n_ages) >= kb->n_naives) {
		i -= kb->n_naives;
		out->kind = DOSAGE_SUBSTANCE_RENAL;
		out->substance = kb->renals[i].substance;
		out->renal = &kb->renals[i].rule;
		return;
	}
	out->kind = DOSAGE_SUBSTANCE_NAIVE;
	out->substance = kb->naives[i].substance;
	out->keywords = kb->naives[i].keywords;
	out->stop = kb->naives[i].stop;
	out->max_start = kb->naives[i].max_start;
}

void
dosage_substance_kb_record(const dosage_substance_kb *kb, size_t i,
			   dosage_substance_record *out)
{
	memset(out, 0, sizeof(*out));
	if (i < kb->n_moieties) {
		out->kind = kb->moieties[i].component
				    ? DOSAGE_SUBSTANCE_COMPONENT
				    : DOSAGE_SUBSTANCE_MOIETY;
		out->substance = kb->moieties[i].substance;
		out->moiety = kb->moieties[i].moiety;
		return;
	}
	if ((i -= kb->n_moieties) < kb->n_labs) {
		out->kind = DOSAGE_SUBSTANCE_LAB;
		out->substance = kb->labs[i].substance;
		out->lab = &kb->labs[i].rule;
		return;
	}
	if ((i -= kb->n_labs) < kb->n_pregs) {
		out->kind = DOSAGE_SUBSTANCE_PREGNANCY;
		out->substance = kb->pregs[i].substance;
		out->risk = kb->pregs[i].risk;
		return;
	}
	record_rule(kb, i - kb->n_pregs, out);
}

/* --- the active base ----------------------------------------------------- */

static dosage_substance_kb *
active_get(void)
{
	return __atomic_load_n(&active, __ATOMIC_ACQUIRE);
}

med_err
dosage_substance_kb_use(dosage_substance_kb *kb)
{
	dosage_substance_kb **grown;
	dosage_substance_kb *old;

	pthread_mutex_lock(&retire_lock);
	old = active_get();
	grown = realloc(retired, (n_retired + 1) * sizeof(*retired));
	if (grown == NULL) {
		pthread_mutex_unlock(&retire_lock);
		return MED_ERR_NOMEM;
	}
	retired = grown;
	if (old != NULL)
		retired[n_retired++] = old;
	__atomic_store_n(&active, kb, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&retire_lock);
	return MED_OK;
}

med_err
dosage_substance_kb_start(void)
{
	size_t len;
	const char *text = dosage_substance_kb_starter(&len);
	char why[320];
	med_err err;

	dosage_substance_kb *kb = NULL;

	if (active_get() != NULL)
		return MED_OK;
	err = dosage_substance_kb_parse(text, len, &kb, why, sizeof(why));
	if (err == MED_ERR_INVALID)
		med_log_error("%s", why);
	if (err != MED_OK)
		return err;
	med_log_info("substance knowledge %s: %zu lab, %zu pregnancy, "
		     "%zu age, %zu opioid-naive, %zu renal, %zu hepatic and "
		     "%zu moiety or component rules",
		     kb->version, kb->n_labs, kb->n_pregs, kb->n_ages,
		     kb->n_naives, kb->n_renals, kb->n_hepatics,
		     kb->n_moieties);
	if ((err = dosage_substance_kb_use(kb)) != MED_OK)
		dosage_substance_kb_free(kb);
	return err;
}

void
dosage_substance_kb_stop(void)
{
	pthread_mutex_lock(&retire_lock);
	dosage_substance_kb_free(active_get());
	__atomic_store_n(&active, NULL, __ATOMIC_RELEASE);
	for (size_t i = 0; i < n_retired; i++)
		dosage_substance_kb_free(retired[i]);
	free(retired);
	retired = NULL;
	n_retired = 0;
	pthread_mutex_unlock(&retire_lock);
}

const dosage_substance_kb *
dosage_substance_kb_active(void)
{
	return active_get();
}

/* --- opioid naivety ------------------------------------------------------ */

/* text_has: does text hold word, any case? */
static bool
text_has(const char *text, const char *word, size_t word_len)
{
	size_t n = text ? strlen(text) : 0;

	for (size_t i = 0; i + word_len <= n; i++)
		if (strncasecmp(text + i, word, word_len) == 0)
			return true;
	return false;
}

/* naive_hit: does one of r's keywords name route or one of forms? */
static bool
naive_hit(const kb_naive *r, const char *route, const char *const *forms,
	  size_t n_forms)
{
	const char *k = r->keywords;

	while (*k) {
		size_t len = strcspn(k, ";");

		if (text_has(route, k, len))
			return true;
		for (size_t i = 0; i < n_forms; i++)
			if (text_has(forms[i], k, len))
				return true;
		k += len + (k[len] == ';');
	}
	return false;
}

double
dosage_substance_kb_naive_start(const dosage_substance_kb *kb,
				const char *origin, const char **unit)
{
	for (size_t j = 0; kb != NULL && origin != NULL && j < kb->n_naives;
	     j++)
		if (kb->naives[j].origin == origin &&
		    kb->naives[j].max_start > 0) {
			*unit = kb->naives[j].max_unit;
			return kb->naives[j].max_start;
		}
	return 0;
}

const char *
dosage_substance_kb_naive(const dosage_substance_kb *kb,
			  const char *const *substances, size_t n,
			  const char *route, const char *const *forms,
			  size_t n_forms, bool *stop)
{
	for (size_t i = 0; kb != NULL && i < n; i++) {
		const char *m = dosage_substance_kb_moiety(kb, substances[i]);

		for (size_t j = 0; j < kb->n_naives; j++)
			if (strcmp(kb->naives[j].substance, m) == 0 &&
			    naive_hit(&kb->naives[j], route, forms, n_forms)) {
				*stop = kb->naives[j].stop;
				return kb->naives[j].origin;
			}
	}
	return NULL;
}
