/*
 * labs.c - the laboratory values and pregnancy tests GetMedicationFacts
 * answers for dosage's lab rules: the latest potassium, INR, glucose,
 * creatinine and drug levels (by LOINC code, converted into one unit, or
 * flagged when the unit cannot be converted) and the latest pregnancy test.  An
 * ORU^R01 result the hl7 service writes is an observation entry like any other,
 * so it is read here as charted.  docs/dose-safety.md, "Labs the checks
 * read".
 */
#include <med/util.h>

#include <string.h>
#include <strings.h>

#include "records.h"

typedef Smartmed__Records__V1__MedicationFacts facts_msg;
typedef Smartmed__Records__V1__Measurement measurement;

#define REC(x)	     SMARTMED__RECORDS__V1__##x
#define LAB_CODES    6
#define LAB_UNITS    5
#define ENTERED_ERR  REC(ENTRY_STATUS__ENTRY_STATUS_ENTERED_IN_ERROR)
#define OBSERVATION_ REC(ENTRY__CONTENT_OBSERVATION)

/* lab_unit - a unit a lab value may be charted in and its factor to ours. */
typedef struct lab_unit {
	const char *ucum;
	double factor;
} lab_unit;

/* lab_kind - one analyte: its LOINC codes, units, and the unit answered. */
typedef struct lab_kind {
	const char *loinc[LAB_CODES];
	lab_unit units[LAB_UNITS];
	const char *unit;
} lab_kind;

/* Potassium is monovalent: 1 mEq is 1 mmol. */
static const lab_kind potassium_kind = {
	{"2823-3", "6298-4"}, {{"mmol/L", 1}, {"meq/L", 1}}, "mmol/L"};
/* INR is a ratio: charted with or without an annotation, or unitless. */
static const lab_kind inr_kind = {
	{"6301-6", "34714-6", "46418-0"},
	{{"{INR}", 1}, {"{ratio}", 1}, {"1", 1}, {"", 1}},
	"1"};
/* Glucose: mg/dL / 18.016 (molar mass 180.16 g/mol) is mmol/L. */
static const lab_kind glucose_kind = {
	{"2345-7", "2339-0", "15074-8", "14749-6", "41653-7", "2341-6"},
	{{"mmol/L", 1}, {"mg/dL", 1 / 18.016}},
	"mmol/L"};
/* Creatinine: 1 mg/dL is 88.42 umol/L (molar mass 113.12 g/mol). */
static const lab_kind creatinine_kind = {
	{"2160-0", "14682-9"}, {{"umol/L", 1}, {"mg/dL", 88.42}}, "umol/L"};

/* Drug levels (issue 72), each by its LOINC code: aminoglycoside and
 * vancomycin troughs in mg/L (ug/mL the same number), digoxin in ug/L
 * (ng/mL; nmol/L x 0.7809, 780.9 g/mol), lithium in mmol/L, theophylline
 * and phenytoin in mg/L (phenytoin umol/L x 0.2523, 252.3 g/mol). */
static const lab_kind gentamicin_trough_kind = {
	{"3665-7"}, {{"mg/L", 1}, {"ug/mL", 1}}, "mg/L"};
static const lab_kind tobramycin_trough_kind = {
	{"4059-2"}, {{"mg/L", 1}, {"ug/mL", 1}}, "mg/L"};
static const lab_kind amikacin_trough_kind = {
	{"3321-7"}, {{"mg/L", 1}, {"ug/mL", 1}}, "mg/L"};
static const lab_kind vancomycin_trough_kind = {
	{"4092-3"}, {{"mg/L", 1}, {"ug/mL", 1}}, "mg/L"};
static const lab_kind digoxin_kind = {
	{"10535-3"}, {{"ug/L", 1}, {"ng/mL", 1}, {"nmol/L", 0.7809}}, "ug/L"};
static const lab_kind lithium_kind = {
	{"14334-7"}, {{"mmol/L", 1}, {"meq/L", 1}}, "mmol/L"};
static const lab_kind theophylline_kind = {
	{"4049-3"}, {{"mg/L", 1}, {"ug/mL", 1}}, "mg/L"};
static const lab_kind phenytoin_kind = {
	{"3968-5"}, {{"mg/L", 1}, {"ug/mL", 1}, {"umol/L", 0.2523}}, "mg/L"};
/* Carbamazepine and valproate in mg/L (umol/L x 0.2363, 236.27 g/mol, and
 * x 0.1442, 144.21 g/mol); ciclosporin (by immunoassay) and tacrolimus in
 * whole blood, ug/L (ng/mL the same number). */
static const lab_kind carbamazepine_kind = {
	{"3432-2"}, {{"mg/L", 1}, {"ug/mL", 1}, {"umol/L", 0.2363}}, "mg/L"};
static const lab_kind valproate_kind = {
	{"4086-5"}, {{"mg/L", 1}, {"ug/mL", 1}, {"umol/L", 0.1442}}, "mg/L"};
static const lab_kind ciclosporin_kind = {
	{"14978-1"}, {{"ug/L", 1}, {"ng/mL", 1}}, "ug/L"};
static const lab_kind tacrolimus_kind = {
	{"11253-2"}, {{"ug/L", 1}, {"ng/mL", 1}}, "ug/L"};

/* The drug levels records answers, in drug_levels' order. */
static const struct {
	const char *name;
	const lab_kind *kind;
} drug_levels[] = {
	{"gentamicin_trough", &gentamicin_trough_kind},
	{"tobramycin_trough", &tobramycin_trough_kind},
	{"vancomycin_trough", &vancomycin_trough_kind},
	{"digoxin", &digoxin_kind},
	{"lithium", &lithium_kind},
	{"theophylline", &theophylline_kind},
	{"phenytoin", &phenytoin_kind},
	{"amikacin_trough", &amikacin_trough_kind},
	{"carbamazepine", &carbamazepine_kind},
	{"valproate", &valproate_kind},
	{"ciclosporin", &ciclosporin_kind},
	{"tacrolimus", &tacrolimus_kind},
};
#define N_DRUG_LEVELS (sizeof(drug_levels) / sizeof(drug_levels[0]))

/* The pregnancy tests read: status (82810-3) and qualitative hCG. */
static const char *const pregnancy_codes[] = {"82810-3", "2106-3", "2118-8"};
static const char *const positive_words[] = {"positive", "pos", "detected",
					     "pregnant"};

static bool
lab_code(const lab_kind *k, const char *loinc)
{
	for (size_t i = 0; i < LAB_CODES && k->loinc[i]; i++)
		if (strcmp(k->loinc[i], loinc) == 0)
			return true;
	return false;
}

bool
records_lab_convert(const char *analyte, double v, const char *unit,
		    double *out)
{
	const lab_kind *kinds[] = {&potassium_kind, &inr_kind, &glucose_kind,
				   &creatinine_kind};
	const char *names[] = {"potassium", "inr", "glucose", "creatinine"};

	const lab_kind *k = NULL;

	for (size_t i = 0; i < 4; i++)
		if (strcmp(names[i], analyte) == 0)
			k = kinds[i];
	for (size_t i = 0; k == NULL && i < N_DRUG_LEVELS; i++)
		if (strcmp(drug_levels[i].name, analyte) == 0)
			k = drug_levels[i].kind;
	for (size_t u = 0; k != NULL && u < LAB_UNITS && k->units[u].ucum; u++)
		if (strcmp(k->units[u].ucum, unit) == 0) {
			*out = v * k->units[u].factor;
			return true;
		}
	return false;
}

/* later: is the observation at at_ms, written at written_ms, later than
 * what has_ms / has_written say was kept? */
static bool
later(bool present, int64_t has_ms, int64_t has_written, int64_t at_ms,
      int64_t written_ms)
{
	return !present || at_ms > has_ms ||
	       (at_ms == has_ms && written_ms > has_written);
}

static int64_t
observed_ms(const records_entry *e)
{
	return e->observation->effective_ms ? e->observation->effective_ms
					    : e->created_ms;
}

/* lab_offer keeps e's value in m when it is later than m's. */
static void
lab_offer(measurement *m, const char *analyte, const lab_kind *k,
	  const records_entry *e, int64_t *written_ms)
{
	const Smartmed__Records__V1__Observation *o = e->observation;
	double v = o->numeric;

	if (!later(m->present, m->effective_ms, *written_ms, observed_ms(e),
		   e->created_ms))
		return;
	m->present = true;
	m->unit_unusable =
		!records_lab_convert(analyte, o->numeric, o->ucum_unit, &v);
	m->value = v;
	m->unit = (char *)(m->unit_unusable ? o->ucum_unit : k->unit);
	m->charted_unit = o->ucum_unit;
	m->effective_ms = observed_ms(e);
	m->entry_id = e->entry_id;
	m->loinc_code = o->loinc_code;
	*written_ms = e->created_ms;
}

static measurement *
lab_latest(med_arena *a, const char *analyte, const lab_kind *k,
	   records_entry *const *e, size_t n)
{
	measurement *m = med_arena_zalloc(a, sizeof(*m));
	int64_t written_ms = 0;

	if (m == NULL)
		return NULL;
	smartmed__records__v1__measurement__init(m);
	for (size_t i = 0; i < n; i++)
		if (e[i]->status != ENTERED_ERR &&
		    e[i]->content_case == OBSERVATION_ &&
		    e[i]->observation->value_case ==
			    REC(OBSERVATION__VALUE_NUMERIC) &&
		    lab_code(k, e[i]->observation->loinc_code))
			lab_offer(m, analyte, k, e[i], &written_ms);
	return m;
}

/* --- pregnancy tests ------------------------------------------------------ */

bool
records_pregnancy_positive(const char *text)
{
	char word[32];
	size_t lo = 0, hi = strlen(text);

	while (lo < hi && (text[lo] == ' ' || text[lo] == '\t'))
		lo++;
	while (hi > lo && (text[hi - 1] == ' ' || text[hi - 1] == '\t' ||
			   text[hi - 1] == '.'))
		hi--;
	if (hi - lo >= sizeof(word))
		return false;
	memcpy(word, text + lo, hi - lo);
	word[hi - lo] = '\0';
	for (size_t i = 0; i < sizeof(positive_words) / sizeof(*positive_words);
	     i++)
		if (strcasecmp(word, positive_words[i]) == 0)
			return true;
	return false;
}

static bool
pregnancy_code(const char *loinc)
{
	for (size_t i = 0;
	     i < sizeof(pregnancy_codes) / sizeof(*pregnancy_codes); i++)
		if (strcmp(pregnancy_codes[i], loinc) == 0)
			return true;
	return false;
}

static Smartmed__Records__V1__PregnancyTest *
pregnancy_latest(med_arena *a, records_entry *const *e, size_t n)
{
	Smartmed__Records__V1__PregnancyTest *t =
		med_arena_zalloc(a, sizeof(*t));
	int64_t written_ms = 0;

	if (t == NULL)
		return NULL;
	smartmed__records__v1__pregnancy_test__init(t);
	for (size_t i = 0; i < n; i++) {
		const Smartmed__Records__V1__Observation *o;

		if (e[i]->status == ENTERED_ERR ||
		    e[i]->content_case != OBSERVATION_)
			continue;
		o = e[i]->observation;
		if (o->value_case != REC(OBSERVATION__VALUE_TEXT) ||
		    !pregnancy_code(o->loinc_code) ||
		    !later(t->present, t->effective_ms, written_ms,
			   observed_ms(e[i]), e[i]->created_ms))
			continue;
		t->present = true;
		t->positive = records_pregnancy_positive(o->text);
		t->effective_ms = observed_ms(e[i]);
		t->loinc_code = o->loinc_code;
		t->result = o->text;
		t->entry_id = e[i]->entry_id;
		written_ms = e[i]->created_ms;
	}
	return t;
}

/* facts_drug_levels answers the latest of each drug level the record
 * holds (none: not listed). */
static med_err
facts_drug_levels(med_arena *a, records_entry *const *e, size_t n, facts_msg *f)
{
	measurement **v = med_arena_alloc(a, N_DRUG_LEVELS * sizeof(*v));

	if (v == NULL)
		return MED_ERR_NOMEM;
	f->drug_levels = v;
	f->n_drug_levels = 0;
	for (size_t i = 0; i < N_DRUG_LEVELS; i++) {
		measurement *m = lab_latest(a, drug_levels[i].name,
					    drug_levels[i].kind, e, n);

		if (m == NULL)
			return MED_ERR_NOMEM;
		if (m->present)
			v[f->n_drug_levels++] = m;
	}
	return MED_OK;
}

med_err
records_facts_labs(med_arena *a, records_entry *const *e, size_t n,
		   facts_msg *f)
{
	f->potassium = lab_latest(a, "potassium", &potassium_kind, e, n);
	f->inr = lab_latest(a, "inr", &inr_kind, e, n);
	f->glucose = lab_latest(a, "glucose", &glucose_kind, e, n);
	f->creatinine = lab_latest(a, "creatinine", &creatinine_kind, e, n);
	f->pregnancy_test = pregnancy_latest(a, e, n);
	if (facts_drug_levels(a, e, n, f) != MED_OK)
		return MED_ERR_NOMEM;
	if (f->potassium == NULL || f->inr == NULL || f->glucose == NULL ||
	    f->creatinine == NULL || f->pregnancy_test == NULL)
		return MED_ERR_NOMEM;
	return MED_OK;
}
