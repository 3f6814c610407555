/*
 * test_duplicates.c - identity's duplicate scoring (domain.c): name
 * normalisation, Soundex, Jaro-Winkler, birth-date variants, the score of
 * each field and the bands (docs/internals/identity.md, "Patient index in
 * brief", has the weights).
 */
#include "testlib.h"

#include <med/arena.h>

#include "identity.h"

#include <math.h>
#include <stdio.h>

#define FEMALE                                                                 \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_FEMALE
#define MALE SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_MALE
#define UNKNOWN                                                                \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_UNKNOWN
#define MATCH SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_MATCH
#define POSSIBLE                                                               \
	SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_POSSIBLE_MATCH
#define NEW_PERSON SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_NEW
#define AGREE	   SMARTMED__IDENTITY__V1__FIELD_AGREEMENT__FIELD_AGREEMENT_AGREE
#define PARTIAL	   SMARTMED__IDENTITY__V1__FIELD_AGREEMENT__FIELD_AGREEMENT_PARTIAL
#define DISAGREE                                                               \
	SMARTMED__IDENTITY__V1__FIELD_AGREEMENT__FIELD_AGREEMENT_DISAGREE
#define MISSING SMARTMED__IDENTITY__V1__FIELD_AGREEMENT__FIELD_AGREEMENT_MISSING

/* near fails unless got is want to 1e-9, printing both. */
static void
near(const char *what, double got, double want, int line)
{
	if (!(fabs(got - want) < 1e-9))
		mt_fail(__FILE__, line, "%s: %.6f, want %.6f", what, got, want);
}
#define NEAR(a, b) near(#a, (double)(a), (double)(b), __LINE__)

/* stored is the registered record every case compares against. */
static identity_patient
stored(void)
{
	identity_patient p;

	smartmed__identity__v1__patient__init(&p);
	p.patient_id = "p-1";
	p.mrn = "MRN-1001";
	p.family_name = "Müller";
	p.given_name = "Anna";
	p.birth_date = "1980-03-12";
	p.sex = FEMALE;
	return p;
}

/* score runs identity_score for probe against stored(). */
static identity_candidate
score(identity_demo probe)
{
	med_arena *a = med_arena_new(1 << 20);
	static identity_patient p;
	identity_candidate c;

	MT_TRUE(a != NULL);
	p = stored();
	MT_OK(identity_score(a, &probe, &p, &c));
	return c; /* the arena is kept: reasons live in it until exit */
}

static identity_demo
same_person(void)
{
	identity_demo d = {"", "Müller", "Anna", "1980-03-12", FEMALE};

	return d;
}

static void
test_exact_copy_is_a_match(void)
{
	/* family 0.35 + given 0.15 + birth 0.35 + sex 0.15 */
	identity_candidate c = score(same_person());

	MT_TRUE(fabs(c.score - 1.0) < 1e-9);
	MT_EQ_INT(c.band, MATCH);
	MT_EQ_INT(c.n_reasons, 5);
	/* an equal MRN adds 0.20, capped at 1 */
	identity_demo d = same_person();
	d.mrn = "MRN-1001";
	c = score(d);
	MT_TRUE(fabs(c.score - 1.0) < 1e-9);
	/* without the sex and with another MRN: 0.85, a possible match */
	d.sex = MALE;
	d.mrn = "MRN-2";
	c = score(d);
	MT_TRUE(fabs(c.score - 0.85) < 1e-9);
	MT_EQ_INT(c.band, POSSIBLE);
}

static void
test_swapped_day_and_month(void)
{
	identity_demo d = same_person();
	identity_candidate c;

	d.birth_date = "1980-12-03";
	c = score(d);
	/* 0.35 + 0.15 + 0.20 + 0.15 */
	MT_TRUE(fabs(c.score - 0.85) < 1e-9);
	MT_EQ_INT(c.band, POSSIBLE);
	d.birth_date = "1981-03-12"; /* year off by one */
	c = score(d);
	MT_TRUE(fabs(c.score - 0.85) < 1e-9);
}

static void
test_one_letter_typo_in_family_name(void)
{
	identity_demo d = same_person();
	identity_candidate c;

	d.family_name = "Mueler";
	c = score(d);
	/* 0.22 (Soundex or Jaro-Winkler) + 0.15 + 0.35 + 0.15 = 0.87 */
	MT_TRUE(fabs(c.score - 0.87) < 1e-9);
	MT_EQ_INT(c.band, POSSIBLE);
}

static void
test_other_name_same_birth_date_is_new(void)
{
	identity_demo d = {"", "Okafor", "Chidi", "1980-03-12", MALE};
	identity_candidate c = score(d);

	MT_TRUE(c.score < 0.70);
	MT_EQ_INT(c.band, NEW_PERSON);
}

static void
test_case_and_diacritics_fold(void)
{
	identity_demo d = same_person();
	identity_candidate c;

	d.family_name = "MULLER";
	d.given_name = "anna";
	c = score(d);
	MT_TRUE(fabs(c.score - 1.0) < 1e-9);
}

static void
test_unknown_sex_and_initial(void)
{
	identity_demo d = same_person();
	identity_candidate c;

	d.sex = UNKNOWN;
	c = score(d);
	/* sex 0.05 when one side is unknown: 0.35 + 0.15 + 0.35 + 0.05 */
	MT_TRUE(fabs(c.score - 0.90) < 1e-9);
	d = same_person();
	d.given_name = "A";
	c = score(d);
	/* an initial gives the partial weight 0.10 instead of 0.15 */
	MT_TRUE(fabs(c.score - 0.95) < 1e-9);
}

static void
test_normalise_soundex_jaro(void)
{
	char n[64], s[5];

	identity_normalise("Ó'Brien-Smith", n, sizeof(n));
	MT_EQ_STR(n, "obriensmith");
	identity_normalise("Ærøskøbing", n, sizeof(n));
	MT_TRUE(strlen(n) > 0);
	identity_soundex("robert", s);
	MT_EQ_STR(s, "R163");
	identity_soundex("rupert", s);
	MT_EQ_STR(s, "R163");
	identity_soundex("tymczak", s);
	MT_EQ_STR(s, "T522");
	identity_soundex("ashcraft", s); /* h does not separate s and c */
	MT_EQ_STR(s, "A261");
	identity_soundex("", s);
	MT_EQ_STR(s, "");
	/* not normalised: refused, never read out of the table */
	identity_soundex("Robert", s);
	MT_EQ_STR(s, "");
	/* the textbook pair: MARTHA / MARHTA 0.961 */
	MT_TRUE(fabs(identity_jaro_winkler("martha", "marhta") - 0.961) <
		0.001);
	MT_TRUE(identity_jaro_winkler("anna", "anna") == 1.0);
	MT_TRUE(identity_jaro_winkler("abc", "xyz") == 0.0);
}

static void
test_birth_variants(void)
{
	char v[4][IDENTITY_DATE_BUF];
	size_t n = identity_birth_variants("1980-03-12", v);
	int seen = 0;

	MT_TRUE(n >= 3 && n <= 4);
	for (size_t i = 0; i < n; i++) {
		seen |= strcmp(v[i], "1980-03-12") == 0 ? 1 : 0;
		seen |= strcmp(v[i], "1980-12-03") == 0 ? 2 : 0;
		seen |= strcmp(v[i], "1979-03-12") == 0 ? 4 : 0;
		seen |= strcmp(v[i], "1981-03-12") == 0 ? 8 : 0;
	}
	MT_EQ_INT(seen, 15);
	/* a day over 12 cannot be a month: no swap */
	n = identity_birth_variants("1980-03-25", v);
	MT_EQ_INT(n, 3);
}

static void
test_rank_keeps_possible_and_orders(void)
{
	med_arena *a = med_arena_new(1 << 20);
	identity_patient p[3];
	identity_patient *pool[3] = {&p[0], &p[1], &p[2]};
	identity_candidate **out;
	identity_demo d = same_person();
	size_t n;

	for (int i = 0; i < 3; i++)
		p[i] = stored();
	p[0].patient_id = "far";
	p[0].family_name = "Okafor";
	p[0].given_name = "Chidi";
	p[0].mrn = "MRN-7";
	p[1].patient_id = "typo";
	p[1].family_name = "Mueler";
	p[2].patient_id = "exact";
	d.mrn = "MRN-1001";
	MT_OK(identity_rank(a, &d, pool, 3, &out, &n));
	MT_EQ_INT(n, 2);
	MT_EQ_STR(out[0]->patient->patient_id, "exact");
	MT_EQ_STR(out[1]->patient->patient_id, "typo");
	med_arena_free(a);
}

/* score_case - a probe that differs from stored() in the fields given
 * (NULL or 0: as stored), and the score and band it must get. */
typedef struct score_case {
	const char *what;
	const char *family, *birth, *mrn;
	int sex;
	double want;
	int band;
} score_case;

static void
test_score_table(void)
{
	static const score_case cases[] = {
		/* the architecture's example: given 0.15 + birth 0.35 +
		 * sex 0.15 */
		{"other family name, same birth date", "Okafor", NULL, NULL, 0,
		 0.65, NEW_PERSON},
		{"0.90 is a match", NULL, NULL, NULL, UNKNOWN, 0.90, MATCH},
		{"0.70 is a possible match", NULL, "1979-03-12", NULL, MALE,
		 0.70, POSSIBLE},
		{"typo and swap", "Mueler", "1980-12-03", NULL, 0, 0.72,
		 POSSIBLE},
		{"typo, swap, sex", "Mueler", "1980-12-03", NULL, MALE, 0.57,
		 NEW_PERSON},
		/* an equal MRN adds 0.20, capped at 1 */
		{"typo with the MRN", "Mueler", NULL, "MRN-1001", 0, 1.0,
		 MATCH},
		{"other name with the MRN", "Okafor", NULL, "MRN-1001", 0, 0.85,
		 POSSIBLE},
		/* an MRN that differs takes nothing away */
		{"other name, other MRN", "Okafor", NULL, "MRN-9", 0, 0.65,
		 NEW_PERSON},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const score_case *k = &cases[i];
		identity_demo d = same_person();
		identity_candidate c;

		d.family_name = k->family ? k->family : d.family_name;
		d.birth_date = k->birth ? k->birth : d.birth_date;
		d.mrn = k->mrn ? k->mrn : d.mrn;
		d.sex = k->sex ? k->sex : d.sex;
		c = score(d);
		if (fabs(c.score - k->want) > 1e-9 || (int)c.band != k->band)
			mt_fail(__FILE__, __LINE__,
				"%s: score %.3f band %d, want %.3f band %d",
				k->what, c.score, (int)c.band, k->want,
				k->band);
	}
}

/* reason expects reason i of c to be field, agreement, weight, detail. */
static void
reason(const identity_candidate *c, size_t i, const char *field, int agreement,
       double weight, const char *detail)
{
	MT_TRUE(i < c->n_reasons);
	MT_EQ_STR(c->reasons[i]->field, field);
	MT_EQ_INT(c->reasons[i]->agreement, agreement);
	NEAR(c->reasons[i]->weight, weight);
	MT_EQ_STR(c->reasons[i]->detail, detail);
}

static void
test_reasons_per_field(void)
{
	identity_demo d = same_person();
	identity_candidate c = score(d);

	MT_EQ_INT(c.n_reasons, 5);
	reason(&c, 0, "family_name", AGREE, 0.35, "equal");
	reason(&c, 1, "given_name", AGREE, 0.15, "equal");
	reason(&c, 2, "birth_date", AGREE, 0.35, "equal");
	reason(&c, 3, "sex", AGREE, 0.15, "equal");
	reason(&c, 4, "mrn", MISSING, 0.0, "not given");
	d.given_name = "";
	d.birth_date = "1980-12-03";
	d.sex = UNKNOWN;
	d.mrn = "MRN-2";
	c = score(d);
	MT_EQ_INT(c.n_reasons, 5);
	reason(&c, 1, "given_name", MISSING, 0.05, "empty");
	reason(&c, 2, "birth_date", PARTIAL, 0.20, "day and month swapped");
	reason(&c, 3, "sex", PARTIAL, 0.05, "unknown on one side");
	reason(&c, 4, "mrn", DISAGREE, 0.0, "different");
	d = same_person();
	d.birth_date = "1981-03-12";
	d.sex = MALE;
	d.mrn = "MRN-1001";
	c = score(d);
	reason(&c, 2, "birth_date", PARTIAL, 0.20, "year off by one");
	reason(&c, 3, "sex", DISAGREE, 0.0, "different");
	reason(&c, 4, "mrn", AGREE, 0.20, "equal");
}

/* birth expects the birth-date reason of a probe born on date. */
static void
birth(const char *date, int agreement, double weight, const char *detail)
{
	identity_demo d = same_person();
	identity_candidate c;

	d.birth_date = date;
	c = score(d);
	reason(&c, 2, "birth_date", agreement, weight, detail);
}

static void
test_birth_date_reasons(void)
{
	birth("1980-03-12", AGREE, 0.35, "equal");
	birth("1980-12-03", PARTIAL, 0.20, "day and month swapped");
	birth("1979-03-12", PARTIAL, 0.20, "year off by one");
	birth("1980-03-13", DISAGREE, 0.0, "different");
	/* the month is the other's day, but the day is not its month */
	birth("1980-12-05", DISAGREE, 0.0, "different");
	/* swapped, and in another year */
	birth("1981-12-03", DISAGREE, 0.0, "different");
	birth("1982-03-12", DISAGREE, 0.0, "different");
	birth("12/03/1980", DISAGREE, 0.0, "unreadable");
}

/* family_pair is the family-name reason of probe against a record
 * registered under the family name registered. */
static const Smartmed__Identity__V1__FieldComparison *
family_pair(const char *probe, const char *registered)
{
	static med_arena *a;
	static identity_patient p;
	static identity_candidate c;
	identity_demo d = same_person();

	if (a == NULL)
		a = med_arena_new(1 << 20);
	MT_TRUE(a != NULL);
	p = stored();
	p.family_name = (char *)registered;
	d.family_name = probe;
	MT_OK(identity_score(a, &d, &p, &c));
	return c.reasons[0];
}

/* family is the family-name reason of probe against stored()'s "Müller". */
static const Smartmed__Identity__V1__FieldComparison *
family(const char *probe)
{
	return family_pair(probe, "Müller");
}

static void
test_soundex_and_jaro_winkler_bands(void)
{
	const Smartmed__Identity__V1__FieldComparison *r;
	char want[64];

	/* same Soundex (M460), Jaro-Winkler below 0.88: partial */
	r = family("Mahler");
	(void)snprintf(want, sizeof(want), "same soundex (jaro-winkler %.2f)",
		       identity_jaro_winkler("muller", "mahler"));
	MT_TRUE(identity_jaro_winkler("muller", "mahler") < 0.88);
	MT_EQ_INT(r->agreement, PARTIAL);
	NEAR(r->weight, 0.22);
	MT_EQ_STR(r->detail, want);
	/* another Soundex (first letter) but Jaro-Winkler >= 0.88 */
	r = family("Nuller");
	MT_TRUE(identity_jaro_winkler("muller", "nuller") >= 0.88);
	MT_EQ_INT(r->agreement, PARTIAL);
	MT_EQ_STR(r->detail, "similar (jaro-winkler 0.89)");
	/* neither: nothing, the similarity in the detail */
	r = family("Okafor");
	MT_EQ_INT(r->agreement, DISAGREE);
	NEAR(r->weight, 0.0);
	MT_TRUE(strncmp(r->detail, "different (jaro-winkler ", 24) == 0);
	/* the family name takes no prefix: "Mu" is not "Müller" */
	r = family("Mu");
	MT_EQ_INT(r->agreement, DISAGREE);
}

/* agrees expects a reason's agreement, weight and detail. */
static void
agrees(const Smartmed__Identity__V1__FieldComparison *r, int agreement,
       double weight, const char *detail)
{
	MT_EQ_INT(r->agreement, agreement);
	NEAR(r->weight, weight);
	MT_EQ_STR(r->detail, detail);
}

static void
test_other_scripts_compare_as_written(void)
{
	/* they fold to no letters: equal as written or different */
	agrees(family("王"), DISAGREE, 0.0, "different");
	agrees(family_pair("王", "王"), AGREE, 0.35, "equal");
	agrees(family_pair("王", "李"), DISAGREE, 0.0, "different");
	agrees(family_pair("Ιωάννου", "Ιωάννου"), AGREE, 0.35, "equal");
	/* Latin letters with diacritics fold */
	agrees(family_pair("Çelik", "CELIK"), AGREE, 0.35, "equal");
}

static void
test_arena_exhausted(void)
{
	/* scoring allocates its reasons from the call's arena: a full arena
	 * is an error, never a crash or a half-scored candidate */
	med_arena *a = med_arena_new(64);
	identity_patient p = stored();
	identity_patient *pool[1] = {&p};
	identity_demo d = same_person();
	identity_candidate c, **out = NULL;
	size_t n = 0;

	MT_TRUE(a != NULL);
	MT_EQ_INT(identity_score(a, &d, &p, &c), MED_ERR_NOMEM);
	MT_EQ_INT(identity_rank(a, &d, pool, 1, &out, &n), MED_ERR_NOMEM);
	MT_TRUE(out == NULL);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"exact_copy_is_a_match", test_exact_copy_is_a_match},
	{"swapped_day_and_month", test_swapped_day_and_month},
	{"one_letter_typo_in_family_name", test_one_letter_typo_in_family_name},
	{"other_name_same_birth_date_is_new",
	 test_other_name_same_birth_date_is_new},
	{"case_and_diacritics_fold", test_case_and_diacritics_fold},
	{"unknown_sex_and_initial", test_unknown_sex_and_initial},
	{"normalise_soundex_jaro", test_normalise_soundex_jaro},
	{"birth_variants", test_birth_variants},
	{"rank_keeps_possible_and_orders", test_rank_keeps_possible_and_orders},
	{"score_table", test_score_table},
	{"reasons_per_field", test_reasons_per_field},
	{"birth_date_reasons", test_birth_date_reasons},
	{"soundex_and_jaro_winkler_bands", test_soundex_and_jaro_winkler_bands},
	{"other_scripts_compare_as_written",
	 test_other_scripts_compare_as_written},
	{"arena_exhausted", test_arena_exhausted},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
