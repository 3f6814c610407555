/*
 * test_time_critical.c - the time-critical medicines table: the shipped
 * file loads, a drug's substances find their row (by substance or ATC
 * class, the shortest window winning), and a bad file is refused whole,
 * naming its line; and the severe reactions an allergy's words name.
 */
#include "testlib.h"

#include "allergy_text.h"
#include "time_critical.h"

#include <string.h>

#define HEAD "version,test-1\nsubstance_or_class,window_min,harm,source\n"

static med_err
parse(med_arena *a, const char *text, dosage_tc_table *t, char *why)
{
	return dosage_tc_parse(a, text, strlen(text), t, why, 200);
}

static void
test_starter_loads(void)
{
	char why[200];
	const char *s[] = {"levodopa"};
	const dosage_time_critical *r;

	MT_OK(dosage_time_critical_load(NULL, why, sizeof(why)));
	MT_EQ_STR(dosage_time_critical_table()->version, "starter-2026.1");
	r = dosage_tc_match(dosage_time_critical_table(), s, 1);
	MT_TRUE(r != NULL);
	MT_EQ_STR(r->term, "N04B");
	MT_EQ_INT(r->window_min, 30);
	MT_TRUE(r->source[0] != '\0');
}

static void
test_match(void)
{
	char why[200];
	const char *glargine[] = {"insulin glargine"};
	const char *para[] = {"paracetamol"};
	const char *combo[] = {"paracetamol", "tacrolimus"};

	MT_OK(dosage_time_critical_load("", why, sizeof(why)));
	const dosage_tc_table *t = dosage_time_critical_table();
	MT_EQ_STR(dosage_tc_match(t, glargine, 1)->term, "A10A");
	MT_TRUE(dosage_tc_match(t, para, 1) == NULL);
	/* A combination is time-critical when one of its substances is. */
	MT_EQ_STR(dosage_tc_match(t, combo, 2)->term, "L04AD");
	MT_TRUE(dosage_tc_match(t, combo, 0) == NULL);
}

static void
test_shortest_window_wins(void)
{
	med_arena *a = med_arena_new(1 << 20);
	dosage_tc_table t;
	char why[200];
	const char *s[] = {"ciclosporin"};

	MT_OK(parse(a,
		    HEAD "L04AD,90,rejection,a source\n"
			 "ciclosporin,45,rejection,another source\n",
		    &t, why));
	MT_EQ_INT((int)t.n, 2);
	MT_EQ_INT(dosage_tc_match(&t, s, 1)->window_min, 45);
	med_arena_free(a);
}

/* refused: text is refused, and why names the line and the field. */
static void
refused(const char *text, const char *want)
{
	med_arena *a = med_arena_new(1 << 20);
	dosage_tc_table t = {0};
	char why[200];

	MT_EQ_INT(parse(a, text, &t, why), MED_ERR_INVALID);
	if (strstr(why, want) == NULL)
		mt_fail(__FILE__, __LINE__, "why \"%s\" lacks \"%s\"", why,
			want);
	MT_EQ_INT((int)t.n, 0);
	med_arena_free(a);
}

static void
test_bad_files_are_refused(void)
{
	refused(HEAD "levodopa,30,rigidity,\n",
		"line 3: source: required on every row");
	refused(HEAD "levodopa,30,rigidity, Parkinson's UK\n"
		     "unobtainium,30,harm,a source\n",
		"line 4: substance_or_class: \"unobtainium\"");
	refused(HEAD "levodopa,0,rigidity,a source\n", "line 3: window_min");
	refused(HEAD "levodopa,1441,rigidity,a source\n", "line 3: window_min");
	refused(HEAD "levodopa,30 min,rigidity,a source\n",
		"line 3: window_min");
	refused(HEAD "levodopa,30,,a source\n", "line 3: harm: required");
	refused(HEAD "levodopa,30,a,a source\nL-dopa,20,b,c\n",
		"line 4: substance_or_class: levodopa is named twice");
	refused(HEAD "levodopa,30,rigidity\n", "line 3: expected 4 fields");
	refused("substance_or_class,window_min,harm,source\n"
		"levodopa,30,rigidity,a source\n",
		"no \"version,<label>\" record");
	refused("version,x\nlevodopa,30,rigidity,a source\n",
		"line 2: expected the header");
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	MT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* The hospital's file replaces the shipped table; a bad one is refused
 * naming the file and the line, and the table in use stays. */
static void
test_hospital_file(void)
{
	char good[512], bad[512], why[512];
	const char *para[] = {"paracetamol"}, *dopa[] = {"levodopa"};

	snprintf(good, sizeof(good), "%s/good.csv", mt_tmpdir());
	snprintf(bad, sizeof(bad), "%s/bad.csv", mt_tmpdir());
	write_file(good, HEAD "paracetamol,240,liver,our formulary 2026\n");
	write_file(bad, HEAD "levodopa,30,rigidity,\n");
	MT_OK(dosage_time_critical_load(good, why, sizeof(why)));
	MT_EQ_STR(dosage_time_critical_table()->version, "test-1");
	MT_EQ_INT(dosage_tc_match(dosage_time_critical_table(), para, 1)
			  ->window_min,
		  240);
	MT_TRUE(dosage_tc_match(dosage_time_critical_table(), dopa, 1) == NULL);
	MT_EQ_INT(dosage_time_critical_load(bad, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "bad.csv: line 3: source: required") != NULL);
	MT_EQ_STR(dosage_time_critical_table()->version, "test-1");
	MT_EQ_INT(dosage_time_critical_load("/nonexistent/tc.csv", why,
					    sizeof(why)),
		  MED_ERR_IO);
	MT_TRUE(strstr(why, "/nonexistent/tc.csv: cannot be read") != NULL);
}

static void
test_severe_reactions(void)
{
	MT_EQ_STR(dosage_allergy_severe_reaction("Penicillin - anaphylaxis"),
		  "anaphylaxis");
	MT_EQ_STR(dosage_allergy_severe_reaction("anaphylactic shock"),
		  "anaphylaxis");
	MT_EQ_STR(dosage_allergy_severe_reaction("Angio-oedema"),
		  "angio-oedema");
	MT_EQ_STR(dosage_allergy_severe_reaction("ANGIOEDEMA"), "angio-oedema");
	MT_EQ_STR(dosage_allergy_severe_reaction("Stevens-Johnson syndrome"),
		  "Stevens-Johnson syndrome");
	MT_EQ_STR(dosage_allergy_severe_reaction("carbamazepine: SJS"),
		  "Stevens-Johnson syndrome");
	MT_EQ_STR(dosage_allergy_severe_reaction("toxic epidermal necrolysis"),
		  "toxic epidermal necrolysis");
	MT_EQ_STR(dosage_allergy_severe_reaction("DRESS"), "DRESS");
	MT_TRUE(dosage_allergy_severe_reaction("Penicillin - rash") == NULL);
	MT_TRUE(dosage_allergy_severe_reaction("hives") == NULL);
	MT_TRUE(dosage_allergy_severe_reaction("dressing allergy") == NULL);
	MT_TRUE(dosage_allergy_severe_reaction("") == NULL);
	MT_TRUE(dosage_allergy_severe_reaction(NULL) == NULL);
}

static const mt_case cases[] = {
	{"starter_loads", test_starter_loads},
	{"match", test_match},
	{"shortest_window_wins", test_shortest_window_wins},
	{"bad_files_are_refused", test_bad_files_are_refused},
	{"hospital_file", test_hospital_file},
	{"severe_reactions", test_severe_reactions},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
