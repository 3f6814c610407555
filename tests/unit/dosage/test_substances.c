/*
 * test_substances.c - the coded substance and allergy-class table:
 * spellings, classes, cross-sensitivity, and allergies the table does not
 * know.
 */
#include "testlib.h"

#include "substances.h"

#include <string.h>

static int
hit(const char *allergy, const char *substance)
{
	char why[160];

	return (int)dosage_allergy_check(allergy, substance, why, sizeof(why));
}

enum {
	NONE = DOSAGE_ALLERGY_NONE,
	NOTE = DOSAGE_ALLERGY_NOTE,
	CROSS = DOSAGE_ALLERGY_CROSS,
	MATCH = DOSAGE_ALLERGY_MATCH
};

static void
test_find(void)
{
	MT_EQ_STR(dosage_substance_find("Acetaminophen")->code, "paracetamol");
	MT_EQ_STR(dosage_substance_find("CEPHALEXIN")->code, "cefalexin");
	MT_EQ_STR(dosage_substance_find("co amoxiclav")->code, "co-amoxiclav");
	MT_EQ_STR(dosage_substance_find("Morphine Sulphate")->code, "morphine");
	MT_TRUE(dosage_substance_find("unobtainium") == NULL);
	MT_TRUE(dosage_substance_find("") == NULL);
	MT_EQ_STR(dosage_allergy_class_find("Penicillin"), "penicillins");
	MT_EQ_STR(dosage_allergy_class_find("PENICILLIN CLASS"), "penicillins");
	MT_EQ_STR(dosage_allergy_class_find("NSAID"), "nsaids");
	MT_EQ_STR(dosage_allergy_class_find("sulpha"), "sulfonamides");
	MT_TRUE(dosage_allergy_class_find("peanuts") == NULL);
}

/* The issue's cases: "Penicillin" typed against the class penicillins,
 * and a penicillin allergy against cefalexin. */
static void
test_issue_cases(void)
{
	MT_EQ_INT(hit("Penicillin", "amoxicillin"), MATCH);
	MT_EQ_INT(hit("penicillins", "flucloxacillin"), MATCH);
	MT_EQ_INT(hit("Penicillin", "cefalexin"), CROSS);
	MT_EQ_INT(hit("Penicillin", "meropenem"), CROSS);
	MT_EQ_INT(hit("Penicillin", "paracetamol"), NONE);
}

static void
test_members(void)
{
	char why[160];

	/* A penicillin allergy covers every penicillin. */
	MT_EQ_INT(hit("amoxicillin", "ampicillin"), MATCH);
	/* Another NSAID or opioid: cross-sensitivity, a warning. */
	MT_EQ_INT(hit("ibuprofen", "naproxen"), CROSS);
	MT_EQ_INT(hit("aspirin", "diclofenac"), CROSS);
	MT_EQ_INT(hit("codeine", "morphine"), CROSS);
	MT_EQ_INT(hit("amoxicillin", "cefuroxime"), CROSS);
	/* The substance itself, by any of its names. */
	MT_EQ_INT(hit("ACETAMINOPHEN", "paracetamol"), MATCH);
	MT_EQ_INT(hit("Sulfa", "co-trimoxazole"), MATCH);
	/* Sulfonamide antibiotics and the non-antibiotic sulfonamides
	 * (loop and thiazide diuretics): no cross-reactivity, a note only
	 * (Strom 2003; issue 72); celecoxib's label keeps it a stop. */
	MT_EQ_INT(hit("Sulfa", "furosemide"), NOTE);
	MT_EQ_INT(hit("co-trimoxazole", "furosemide"), NOTE);
	MT_EQ_INT(hit("sulfamethoxazole", "bendroflumethiazide"), NOTE);
	MT_EQ_INT(hit("furosemide", "co-trimoxazole"), NOTE);
	MT_EQ_INT(hit("furosemide", "bumetanide"), CROSS);
	MT_EQ_INT(hit("Sulfa", "celecoxib"), MATCH);
	MT_EQ_INT((int)dosage_allergy_check("co-trimoxazole", "furosemide", why,
					    sizeof(why)),
		  NOTE);
	MT_TRUE(strstr(why, "not cross-reactive") != NULL);
	MT_EQ_INT(hit("NSAIDs", "ibuprofen"), MATCH);
	MT_EQ_INT(hit("insulin", "heparin"), NONE);
	MT_EQ_INT((int)dosage_allergy_check("Penicillin", "amoxicillin", why,
					    sizeof(why)),
		  MATCH);
	MT_TRUE(strstr(why, "penicillins") != NULL);
}

/* Issue 75: the classes wards write as short forms.  "ACE inhibitors",
 * "ARBs", "statins" and "antibiotics" cover their members; a member's
 * allergy warns for the other ACE inhibitors, ARBs and statins, but an
 * allergy to one antibiotic says nothing of antibiotics of other
 * classes. */
static void
test_ward_classes(void)
{
	MT_EQ_INT(hit("ACE inhibitors", "ramipril"), MATCH);
	MT_EQ_INT(hit("angiotensin receptor blockers", "losartan"), MATCH);
	MT_EQ_INT(hit("sartans", "candesartan"), MATCH);
	MT_EQ_INT(hit("statin", "simvastatin"), MATCH);
	MT_EQ_INT(hit("antibiotics", "clindamycin"), MATCH);
	MT_EQ_INT(hit("antibiotics", "amoxicillin"), MATCH);
	MT_EQ_INT(hit("antibiotics", "paracetamol"), NONE);
	MT_EQ_INT(hit("ramipril", "lisinopril"), CROSS);
	MT_EQ_INT(hit("losartan", "valsartan"), CROSS);
	MT_EQ_INT(hit("ramipril", "losartan"), NONE);
	MT_EQ_INT(hit("amoxicillin", "ciprofloxacin"), NONE);
	MT_EQ_INT(hit("vancomycin", "clindamycin"), NONE);
	MT_EQ_STR(dosage_allergy_class_find("ACE inhibitor"), "ace inhibitors");
}

/* An allergy the table does not know matches nothing but a substance of
 * the same name; a substance the table does not know, only its name. */
static void
test_unknown(void)
{
	MT_EQ_INT(hit("peanuts", "paracetamol"), NONE);
	MT_EQ_INT(hit("latex", "latex"), MATCH);
	MT_EQ_INT(hit("Foo-bar", "foobar"), MATCH);
	MT_EQ_INT(hit("foo", "bar"), NONE);
}

static void
count_row(const dosage_substance *s, void *ctx)
{
	size_t *n = ctx;

	MT_TRUE(dosage_substance_find(s->code) == s);
	(*n)++;
}

static void
test_table_consistent(void)
{
	size_t n = 0;

	dosage_substances_each(count_row, &n);
	MT_TRUE(n >= 50);
}

static const mt_case cases[] = {
	{"find", test_find},
	{"issue_cases", test_issue_cases},
	{"members", test_members},
	{"unknown", test_unknown},
	{"ward_classes", test_ward_classes},
	{"table_consistent", test_table_consistent},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
