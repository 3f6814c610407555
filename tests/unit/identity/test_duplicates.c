/*
 * test_duplicates.c - identity's duplicate scoring (domain.c): name
 * normalisation, Soundex, Jaro-Winkler, birth-date variants, the score of
 * each field and the bands (docs/architecture.md, "Patient index in
 * brief", has the weights).
 */
#include "testlib.h"

#include <med/arena.h>

#include "identity.h"

#include <math.h>

#define FEMALE                                                                 \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_FEMALE
#define MALE SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_MALE
#define UNKNOWN                                                                \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_UNKNOWN
#define MATCH SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_MATCH
#define POSSIBLE                                                               \
	SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_POSSIBLE_MATCH
#define NEW_PERSON SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_NEW

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
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
