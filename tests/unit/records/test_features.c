/*
 * test_features.c - the context model's features (features.c): the
 * service looks each feature up by the hash features.c computes as it
 * cuts it, the trainer reads the feature's string from the CLI; the
 * cases check, on notes of each kind, that every hash is notes__hash of
 * the string the CLI prints, and that asking for no strings gives the
 * same features.
 */
#include "testlib.h"

#include "notes_int.h"

#include <stdint.h>
#include <string.h>

/* Notes whose findings have words before and after them, headings above
 * them (a label, a short line), bullets, Chinese and a long line. */
static const char *const notes[] = {
	"Allergies: penicillin (rash).\n"
	"PMH: HTN, type 2 diabetes. Denies chest pain or shortness of "
	"breath.\n"
	"Medications\n"
	"- metformin 500 mg twice daily\n"
	"- lisinopril 10 mg daily, stopped last week\n"
	"Family history: mother had breast cancer.\n",
	"既往史：高血压十年，否认糖尿病。\n"
	"过敏史：青霉素过敏。\n"
	"现病史：患者三天前出现發熱、咳嗽，无胸痛。\n"
	"用药：阿司匹林 100mg 每日一次。\n",
	"Patient is a 67 year old man seen today with a long history that the "
	"writer set down on a single line without any break at all, mentions "
	"of asthma and of COPD along the way, on salbutamol as needed, no "
	"wheeze reported by his wife, who also has asthma, and a plan to "
	"rule out pneumonia if the fever returns tonight or tomorrow "
	"morning; TIA in the past.",
};

/* features_of reads note i by the rules and writes the features of its
 * finding k into *fs, with strings or not. */
static void
features_of(const char *text, const notes_reading *r, size_t k, bool strings,
	    notes_features *fs)
{
	notes_feature_note note;

	notes__feature_note(text, strlen(text), r, &note);
	fs->strings = strings;
	notes__features(text, strlen(text), r, &note, k, fs);
}

/* check_note checks every feature of every finding of text and returns
 * how many there were. */
static size_t
check_note(const char *text)
{
	static notes_reading r;
	static notes_features with, without;
	size_t total = 0;

	notes__read_rules(text, strlen(text), &r);
	MT_TRUE(r.n > 2);
	for (size_t k = 0; k < r.n; k++) {
		features_of(text, &r, k, true, &with);
		features_of(text, &r, k, false, &without);
		MT_TRUE(with.n > 20);
		MT_EQ_INT(without.n, with.n);
		for (size_t i = 0; i < with.n; i++) {
			if (with.hash[i] != notes__hash(with.f[i]))
				mt_fail(__FILE__, __LINE__,
					"finding %zu feature %zu \"%s\": "
					"hash %llx, notes__hash %llx",
					k, i, with.f[i],
					(unsigned long long)with.hash[i],
					(unsigned long long)notes__hash(
						with.f[i]));
			MT_TRUE(without.hash[i] == with.hash[i]);
		}
		total += with.n;
	}
	return total;
}

static void
test_hash_is_string_hash(void)
{
	MT_TRUE(notes_lexicon_check() == NULL);
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		MT_TRUE(check_note(notes[i]) > 0);
}

/* A feature of a word before the mention, as the CLI prints it. */
static void
test_word_feature(void)
{
	static const char text[] = "Denies chest pain.";
	static notes_reading r;
	static notes_features fs;
	bool seen = false;

	notes__read_rules(text, strlen(text), &r);
	MT_EQ_INT(r.n, 1);
	features_of(text, &r, 0, true, &fs);
	for (size_t i = 0; i < fs.n; i++)
		if (strcmp(fs.f[i], "b1:denies") == 0) {
			seen = true;
			MT_TRUE(fs.hash[i] == notes__hash("b1:denies"));
		}
	MT_TRUE(seen);
}

/* notes__hash is the 64-bit FNV-1a (its published test values). */
static void
test_fnv1a(void)
{
	MT_TRUE(notes__hash("") == 0xcbf29ce484222325ull);
	MT_TRUE(notes__hash("a") == 0xaf63dc4c8601ec8cull);
	MT_TRUE(notes__hash("foobar") == 0x85944171f73967e8ull);
}

/* The features of a drug mention's kind (notes__kind_features): each
 * hash is its string's, and the allergy of the first note carries its
 * code and reaction. */
static void
test_kind_features(void)
{
	static notes_reading r;
	static notes_features fs = {.strings = true};
	const char *text = notes[0];
	size_t drugs = 0, seen = 0;

	notes__read_rules(text, strlen(text), &r);
	for (size_t k = 0; k < r.n; k++) {
		if (r.findings[k].kind == NOTES_PROBLEM)
			continue;
		drugs++;
		notes__kind_features(text, strlen(text), &r, k, &fs);
		MT_TRUE(fs.n > 3);
		for (size_t i = 0; i < fs.n; i++) {
			MT_TRUE(fs.hash[i] == notes__hash(fs.f[i]));
			seen += r.findings[k].kind == NOTES_ALLERGY &&
				(strcmp(fs.f[i], "sub=penicillins") == 0 ||
				 strcmp(fs.f[i], "rx=rash") == 0);
		}
	}
	MT_TRUE(drugs >= 3);
	MT_EQ_INT(seen, 2);
}

/* The built-in weights load: no two of their features share a hash. */
static void
test_model_loads(void)
{
	const char *problem = notes_model_check();

	if (problem != NULL)
		mt_fail(__FILE__, __LINE__, "model: %s", problem);
}

static const mt_case cases[] = {
	{"hash_is_string_hash", test_hash_is_string_hash},
	{"word_feature", test_word_feature},
	{"kind_features", test_kind_features},
	{"fnv1a", test_fnv1a},
	{"model_loads", test_model_loads},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
