/*
 * test_allergy_text.c - allergies as people write them: brand names,
 * synonyms, misspellings, phrases, ambiguity, short words, uncoded text,
 * and the pharmacy's table (its CSV and the shipped file).
 */
#include "testlib.h"

#include "allergy_text.h"
#include "catalogue.h"
#include "substances.h"

#include <med/arena.h>

#include <string.h>

/* names is the shipped table, as the service reads it. */
static const dosage_allergy_names *
names(void)
{
	static dosage_allergy_names n;

	MT_TRUE(dosage_allergy_starter(&n));
	return &n;
}

/* read1 reads text and returns its only target ("" for none). */
static const char *
read1(const char *text, dosage_allergy_reading *r)
{
	dosage_allergy_read(text, names(), r);
	return r->n == 1 ? r->hits[0].target : r->n == 0 ? "" : "(many)";
}

static void
why(const char *text, char *out, size_t len)
{
	dosage_allergy_reading r;

	dosage_allergy_read(text, names(), &r);
	MT_TRUE(r.n >= 1);
	dosage_allergy_read_why(text, &r.hits[0], out, len);
}

static void
test_brands(void)
{
	dosage_allergy_reading r;
	char w[160];

	MT_EQ_STR(read1("Augmentin", &r), "co-amoxiclav");
	MT_EQ_INT(r.hits[0].kind, DOSAGE_ALLERGY_KIND_BRAND);
	MT_EQ_STR(read1("TYLENOL", &r), "paracetamol");
	MT_EQ_STR(read1("Septrin", &r), "co-trimoxazole");
	MT_EQ_STR(read1("MST Continus", &r), "morphine");
	MT_EQ_STR(read1("sando-k", &r), "potassium chloride");
	why("Augmentin", w, sizeof(w));
	MT_EQ_STR(w, "allergy \"Augmentin\" read as co-amoxiclav (brand name)");
}

static void
test_names_exact(void)
{
	dosage_allergy_reading r;
	char w[160];

	MT_EQ_STR(read1("Penicillin", &r), "penicillins");
	MT_EQ_STR(read1("PENICILLIN CLASS", &r), "penicillins");
	MT_EQ_STR(read1("allergy to penicillins", &r), "penicillins");
	MT_EQ_STR(read1("co amoxiclav", &r), "co-amoxiclav");
	MT_EQ_STR(read1("coamoxiclav", &r), "co-amoxiclav");
	MT_EQ_STR(read1("Pénicilline", &r), "penicillins");
	/* The table's own name as written: no "read as". */
	why("amoxicillin", w, sizeof(w));
	MT_EQ_STR(w, "");
}

static void
test_misspellings(void)
{
	dosage_allergy_reading r;
	char w[160];

	MT_EQ_STR(read1("penicilin", &r), "penicillins");
	MT_TRUE(r.hits[0].spelling);
	MT_EQ_STR(read1("amoxicilin", &r), "amoxicillin");
	MT_EQ_STR(read1("ibuprufen", &r), "ibuprofen");
	MT_EQ_STR(read1("morfine", &r), "morphine");
	MT_EQ_STR(read1("paracetemol", &r), "paracetamol");
	MT_EQ_INT(r.hits[0].kind, DOSAGE_ALLERGY_KIND_MISSPELLING);
	/* A swap of two letters is one mistake. */
	MT_EQ_STR(read1("amoxicillni", &r), "amoxicillin");
	why("penicilin", w, sizeof(w));
	MT_EQ_STR(w, "allergy \"penicilin\" read as penicillins (spelling)");
}

static void
test_phrases(void)
{
	dosage_allergy_reading r;
	char w[160];

	MT_EQ_STR(read1("rash with amoxicillin as a child", &r), "amoxicillin");
	MT_TRUE(r.hits[0].phrase);
	why("rash with amoxicillin as a child", w, sizeof(w));
	MT_EQ_STR(w, "allergy \"rash with amoxicillin as a child\" read as "
		     "amoxicillin (in the text)");
	/* "as a" is two words: never the one-word name "asa" (aspirin). */
	MT_EQ_STR(read1("rash as a child", &r), "");
	/* Two causes in one text: both are read. */
	dosage_allergy_read("swelling with Nurofen and penicilin", names(), &r);
	MT_EQ_INT(r.n, 2);
	MT_EQ_STR(r.hits[0].target, "ibuprofen");
	MT_EQ_STR(r.hits[1].target, "penicillins");
}

static void
test_short_and_ambiguous(void)
{
	dosage_allergy_reading r;
	dosage_allergy_name extra[] = {
		{"Zorbal", "amoxicillin", DOSAGE_ALLERGY_KIND_BRAND, "test"},
		{"Zorbax", "ibuprofen", DOSAGE_ALLERGY_KIND_BRAND, "test"},
	};
	dosage_allergy_names two = {extra, 2};

	/* Words under 5 characters must be exact. */
	MT_EQ_STR(read1("asx", &r), "");
	MT_EQ_STR(read1("kcl", &r), "potassium chloride");
	MT_EQ_STR(read1("cipo", &r), "");
	/* 5 to 7 characters: one mistake, not two. */
	MT_EQ_STR(read1("Lasyx", &r), "furosemide");
	MT_EQ_STR(read1("Lazyx", &r), "");
	/* Equally near two names of different substances: not read. */
	dosage_allergy_read("Zorbay", &two, &r);
	MT_EQ_INT(r.n, 0);
	MT_TRUE(r.ambiguous);
	dosage_allergy_read("Zorbal", &two, &r);
	MT_EQ_INT(r.n, 1);
}

static void
test_uncoded(void)
{
	dosage_allergy_reading r;

	MT_EQ_STR(read1("the blue tablets", &r), "");
	MT_EQ_STR(read1("peanuts", &r), "");
	MT_EQ_STR(read1("", &r), "");
	MT_EQ_STR(read1("allergy", &r), "");
	/* Common words of a reaction are not read as a drug. */
	MT_EQ_STR(read1("hives swelling nausea vomiting anaphylaxis", &r), "");
}

static void
test_starter_file(void)
{
	const dosage_allergy_names *n = names();

	MT_TRUE(n->n >= 90);
	/* Every row names a target the table knows by its code. */
	for (size_t i = 0; i < n->n; i++)
		MT_TRUE(dosage_substance_find(n->rows[i].target) != NULL ||
			dosage_allergy_class_find(n->rows[i].target) != NULL);
}

static void
test_parse_errors(void)
{
	static const char csv[] = "# comment\n"
				  "name,substance_or_class,kind,source\n"
				  "Foo,unobtainium,brand,x\n"
				  "Bar,ibuprofen,trade,x\n"
				  "Baz,ibuprofen,brand,\n"
				  "Acetaminophen,ibuprofen,brand,x\n"
				  "Quux,ibuprofen,brand,x\n"
				  "QUUX,ibuprofen,synonym,x\n"
				  "Good,Penicillin,synonym,\"a, source\"\n";
	med_arena *a = med_arena_new(1 << 20);
	dosage_allergy_table t;
	const char *why = NULL;

	MT_TRUE(a != NULL);
	MT_EQ_INT(dosage_allergy_names_parse(a, csv, strlen(csv), &t, &why),
		  MED_OK);
	MT_EQ_INT(t.n_errors, 5);
	MT_EQ_INT(t.errors[0].line, 3);
	MT_EQ_STR(t.errors[0].field, "substance_or_class");
	MT_EQ_STR(t.errors[1].field, "kind");
	MT_EQ_STR(t.errors[2].field, "source");
	MT_EQ_INT(t.errors[3].line, 6);
	MT_EQ_STR(t.errors[3].reason,
		  "is already a name of another substance or class");
	MT_EQ_INT(t.errors[4].line, 8);
	MT_EQ_STR(t.errors[4].reason, "is listed twice");
	MT_EQ_INT(t.n, 2);
	MT_EQ_STR(t.rows[1].target, "penicillins");
	MT_EQ_INT(dosage_allergy_names_parse(a, "a,b\n", 4, &t, &why),
		  MED_ERR_INVALID);
	MT_TRUE(why != NULL);
	MT_EQ_INT(dosage_allergy_names_parse(a, "", 0, &t, &why),
		  MED_ERR_INVALID);
	med_arena_free(a);
}

/* A quote left open at the end of a line: the next line's synonym is
 * not swallowed into this one's source, the line is named. */
static void
test_quoted_line_break(void)
{
	static const char csv[] = "name,substance_or_class,kind,source\n"
				  "Augmentin,amoxicillin,brand,\"BNF\n"
				  "Tazocin,piperacillin,brand,BNF\"\n";
	med_arena *a = med_arena_new(1 << 20);
	dosage_allergy_table t;
	const char *why = NULL;

	MT_TRUE(a != NULL);
	MT_EQ_INT(dosage_allergy_names_parse(a, csv, strlen(csv), &t, &why),
		  MED_OK);
	MT_TRUE(t.n_errors >= 1);
	MT_EQ_INT(t.errors[0].line, 2);
	MT_TRUE(strstr(t.errors[0].reason, "a line break inside quotes") !=
		NULL);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"brands", test_brands},
	{"quoted_line_break", test_quoted_line_break},
	{"names_exact", test_names_exact},
	{"misspellings", test_misspellings},
	{"phrases", test_phrases},
	{"short_and_ambiguous", test_short_and_ambiguous},
	{"uncoded", test_uncoded},
	{"starter_file", test_starter_file},
	{"parse_errors", test_parse_errors},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
