/*
 * substances.c - the substance and allergy-class table (see substances.h).
 *
 * The table is small on purpose: the substances of the sample catalogue
 * and the common drugs of the allergy classes a ward meets, each with the
 * names it is charted under.  A hospital adds a row here (and a test) when
 * its catalogue needs a substance; the catalogue refuses unknown ones so
 * that no drug escapes the allergy check by a spelling.
 */
#include "substances.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* clang-format off */
static const dosage_substance table[] = {
	{"paracetamol", "acetaminophen|apap", "analgesics"},
	{"ibuprofen", "", "nsaids"},
	{"naproxen", "", "nsaids"},
	{"diclofenac", "", "nsaids"},
	{"ketorolac", "", "nsaids"},
	{"aspirin", "acetylsalicylic acid|asa", "nsaids|salicylates"},
	{"celecoxib", "", "nsaids|sulfonamides"},
	{"amoxicillin", "amoxycillin", "penicillins|antibacterials"},
	{"ampicillin", "", "penicillins|antibacterials"},
	{"benzylpenicillin", "penicillin g", "penicillins|antibacterials"},
	{"phenoxymethylpenicillin", "penicillin v",
	 "penicillins|antibacterials"},
	{"flucloxacillin", "floxacillin", "penicillins|antibacterials"},
	{"piperacillin", "", "penicillins|antibacterials"},
	{"co-amoxiclav", "amoxicillin clavulanate|augmentin",
	 "penicillins|antibacterials"},
	{"cefalexin", "cephalexin", "cephalosporins|antibacterials"},
	{"cefuroxime", "", "cephalosporins|antibacterials"},
	{"ceftriaxone", "", "cephalosporins|antibacterials"},
	{"cefazolin", "cephazolin", "cephalosporins|antibacterials"},
	{"meropenem", "", "carbapenems|antibacterials"},
	{"ertapenem", "", "carbapenems|antibacterials"},
	{"sulfamethoxazole", "sulphamethoxazole",
	 "sulfonamides|antibacterials"},
	{"co-trimoxazole", "trimethoprim sulfamethoxazole|bactrim",
	 "sulfonamides|antibacterials"},
	{"trimethoprim", "", "antibacterials"},
	{"clarithromycin", "", "macrolides|antibacterials"},
	{"erythromycin", "", "macrolides|antibacterials"},
	{"azithromycin", "", "macrolides|antibacterials"},
	{"ciprofloxacin", "", "fluoroquinolones|antibacterials"},
	{"levofloxacin", "", "fluoroquinolones|antibacterials"},
	{"doxycycline", "", "tetracyclines|antibacterials"},
	{"gentamicin", "gentamycin", "aminoglycosides|antibacterials"},
	{"amikacin", "", "aminoglycosides|antibacterials"},
	{"tobramycin", "", "aminoglycosides|antibacterials"},
	{"vancomycin", "", "glycopeptides|antibacterials"},
	{"teicoplanin", "", "glycopeptides|antibacterials"},
	{"metronidazole", "", "antibacterials"},
	{"morphine", "morphine sulfate|morphine sulphate", "opioids"},
	{"codeine", "codeine phosphate", "opioids"},
	{"oxycodone", "", "opioids"},
	{"fentanyl", "", "opioids"},
	{"tramadol", "", "opioids"},
	{"hydromorphone", "", "opioids"},
	{"heparin", "unfractionated heparin", "heparins"},
	{"enoxaparin", "enoxaparin sodium", "heparins"},
	{"dalteparin", "", "heparins"},
	{"warfarin", "", ""},
	{"insulin", "insulin regular|insulin human", "insulins"},
	{"insulin glargine", "glargine", "insulins"},
	{"methotrexate", "", ""},
	{"doxorubicin", "", "anthracyclines"},
	{"digoxin", "", ""},
	{"ondansetron", "", ""},
	{"metoclopramide", "", ""},
	{"furosemide", "frusemide", "non-antibiotic sulfonamides"},
	{"potassium chloride", "kcl", ""},
	/* Issue 72: salts and pro-drugs whose rules are their active
	 * moiety's (knowledge/substance_rules.csv maps them). */
	{"potassium", "", ""},
	{"potassium bicarbonate", "", ""},
	{"potassium citrate", "", ""},
	{"aciclovir", "acyclovir", ""},
	{"valaciclovir", "valacyclovir", ""},
	{"isotretinoin", "", ""},
	{"amiodarone", "", ""},
	{"prednisolone", "", ""},
	{"salbutamol", "albuterol", ""},
	{"omeprazole", "", ""},
	{"lidocaine", "lignocaine", "amide local anaesthetics"},
	{"chlorhexidine", "", ""},
	{"latex", "", ""},
	{"apixaban", "", ""},
	{"rivaroxaban", "", ""},
	{"edoxaban", "", ""},
	{"dabigatran", "dabigatran etexilate", ""},
	/* Issue 47: the commonly stocked inpatient drugs the interaction
	 * knowledge base names (WHO ATC index; INN and BAN spellings). */
	{"simvastatin", "", "statins"},
	{"atorvastatin", "", "statins"},
	{"pravastatin", "", "statins"},
	{"rosuvastatin", "", "statins"},
	{"fluoxetine", "", ""},
	{"citalopram", "", ""},
	{"paroxetine", "", ""},
	{"sertraline", "", ""},
	{"escitalopram", "", ""},
	{"venlafaxine", "", ""},
	{"duloxetine", "", ""},
	{"mirtazapine", "", ""},
	{"amitriptyline", "", ""},
	{"phenelzine", "", ""},
	{"tranylcypromine", "", ""},
	{"moclobemide", "", ""},
	{"selegiline", "", ""},
	{"levodopa", "l-dopa", ""},
	{"captopril", "", "ace inhibitors"},
	{"enalapril", "", "ace inhibitors"},
	{"lisinopril", "", "ace inhibitors"},
	{"perindopril", "", "ace inhibitors"},
	{"ramipril", "", "ace inhibitors"},
	{"losartan", "", "angiotensin receptor blockers"},
	{"valsartan", "", "angiotensin receptor blockers"},
	{"irbesartan", "", "angiotensin receptor blockers"},
	{"candesartan", "", "angiotensin receptor blockers"},
	{"bendroflumethiazide", "bendrofluazide",
	 "non-antibiotic sulfonamides"},
	{"hydrochlorothiazide", "", "non-antibiotic sulfonamides"},
	{"indapamide", "", "non-antibiotic sulfonamides"},
	{"chlortalidone", "chlorthalidone", "non-antibiotic sulfonamides"},
	{"bumetanide", "", "non-antibiotic sulfonamides"},
	{"torasemide", "torsemide", "non-antibiotic sulfonamides"},
	{"spironolactone", "", ""},
	{"eplerenone", "", ""},
	{"amiloride", "", ""},
	{"triamterene", "", ""},
	{"lithium", "lithium carbonate", ""},
	{"metformin", "", ""},
	{"gliclazide", "", ""},
	{"glibenclamide", "glyburide", ""},
	{"glimepiride", "", ""},
	{"glipizide", "", ""},
	{"haloperidol", "", ""},
	{"chlorpromazine", "", ""},
	{"prochlorperazine", "", ""},
	{"quetiapine", "", ""},
	{"olanzapine", "", ""},
	{"clozapine", "", ""},
	{"risperidone", "", ""},
	{"aripiprazole", "", ""},
	{"fluconazole", "", ""},
	{"itraconazole", "", ""},
	{"voriconazole", "", ""},
	{"posaconazole", "", ""},
	{"ketoconazole", "", ""},
	{"linezolid", "", "antibacterials"},
	{"nitrofurantoin", "", "antibacterials"},
	{"clindamycin", "", "antibacterials"},
	{"rifampicin", "rifampin", "antibacterials"},
	{"isoniazid", "", "antibacterials"},
	{"clopidogrel", "", ""},
	{"ticagrelor", "", ""},
	{"prasugrel", "", ""},
	{"allopurinol", "", ""},
	{"colchicine", "", ""},
	{"azathioprine", "", ""},
	{"mercaptopurine", "6-mercaptopurine", ""},
	{"sildenafil", "", ""},
	{"tadalafil", "", ""},
	{"glyceryl trinitrate", "nitroglycerin|gtn", ""},
	{"isosorbide mononitrate", "ismn", ""},
	{"isosorbide dinitrate", "", ""},
	{"methadone", "", "opioids"},
	{"domperidone", "", ""},
	{"phenytoin", "", ""},
	{"carbamazepine", "", ""},
	{"valproate", "sodium valproate|valproic acid", ""},
	{"levetiracetam", "", ""},
	{"lamotrigine", "", ""},
	{"gabapentin", "", ""},
	{"pregabalin", "", ""},
	{"theophylline", "", ""},
	{"aminophylline", "", ""},
	{"atenolol", "", ""},
	{"bisoprolol", "", ""},
	{"metoprolol", "", ""},
	{"propranolol", "", ""},
	{"sotalol", "", ""},
	{"carvedilol", "", ""},
	{"labetalol", "", ""},
	{"amlodipine", "", ""},
	{"nifedipine", "", ""},
	{"diltiazem", "", ""},
	{"verapamil", "", ""},
	{"flecainide", "", ""},
	{"levothyroxine", "thyroxine", ""},
	{"dexamethasone", "", ""},
	{"hydrocortisone", "", ""},
	{"ciclosporin", "cyclosporine", ""},
	{"tacrolimus", "", ""},
	{"mycophenolate", "mycophenolate mofetil", ""},
	{"lansoprazole", "", ""},
	{"pantoprazole", "", ""},
	{"esomeprazole", "", ""},
	{"diazepam", "", ""},
	{"lorazepam", "", ""},
	{"midazolam", "", ""},
	{"zopiclone", "", ""},
	{"tizanidine", "", ""},
	{"sumatriptan", "", ""},
	{"cyclizine", "", ""},
	{"hydroxychloroquine", "", ""},
	{"quinine", "", ""},
	{"tamsulosin", "", ""},
	{"magnesium sulfate", "magnesium sulphate", ""},
	{"naloxone", "", ""},
	{"promethazine", "", ""},
	{"chlorphenamine", "chlorpheniramine", ""},
	{"diphenhydramine", "", ""},
	{"buprenorphine", "", "opioids"},
	/* Issue 72: the substances of the high-priority interaction list for
	 * EHRs (Phansalkar et al., JAMIA 2012), the hormonal contraceptives
	 * the enzyme-inducer rule names and a teratogen (WHO ATC index). */
	{"dexamfetamine", "dextroamphetamine|dexamphetamine", ""},
	{"methylphenidate", "", ""},
	{"atazanavir", "", ""},
	{"ritonavir", "", ""},
	{"darunavir", "", ""},
	{"febuxostat", "", ""},
	{"irinotecan", "", ""},
	{"ramelteon", "", ""},
	{"fluvoxamine", "", ""},
	{"ergotamine", "", ""},
	{"procarbazine", "", ""},
	{"ethinylestradiol", "ethinyl estradiol|ethinyloestradiol", ""},
	{"levonorgestrel", "", ""},
	{"desogestrel", "", ""},
	{"thalidomide", "", ""},
	/* Issue 72: named by the renal rules (substance_rules.csv). */
	{"fondaparinux", "fondaparinux sodium", ""},
};

/* An allergy class: its other names, the classes it warns for, what an
 * allergy to one member means for the others, and the classes the
 * evidence shows no cross-reactivity with (a note, no warning). */
typedef struct allergy_class {
	const char *code;
	const char *names;
	const char *warns;	     /* classes with cross-sensitivity */
	dosage_allergy_hit siblings; /* another member of the class */
	const char *notes;	     /* classes shown not cross-reactive */
} allergy_class;

/*
 * "sulfonamides" are the sulfonamide antibiotics (an allergy charted as
 * "sulfa" means them); celecoxib stays one of them because its label
 * contraindicates it after any sulfonamide allergy.  The loop and
 * thiazide diuretics are non-antibiotic sulfonamides: no cross-reactivity
 * with the antibiotics (Strom et al., N Engl J Med 2003;349:1628-35;
 * Johnson et al., Ann Pharmacother 2005;39:290-301), so the pair only
 * notes it (docs/dose-safety.md, "Allergy classes").
 */
static const allergy_class classes[] = {
	{"penicillins", "penicillin|beta-lactam penicillins",
	 "cephalosporins|carbapenems", DOSAGE_ALLERGY_MATCH, ""},
	{"cephalosporins", "cephalosporin", "penicillins|carbapenems",
	 DOSAGE_ALLERGY_CROSS, ""},
	{"carbapenems", "carbapenem", "", DOSAGE_ALLERGY_CROSS, ""},
	{"sulfonamides", "sulfonamide|sulfa|sulpha|sulphonamides", "",
	 DOSAGE_ALLERGY_CROSS, "non-antibiotic sulfonamides"},
	{"non-antibiotic sulfonamides", "", "", DOSAGE_ALLERGY_CROSS,
	 "sulfonamides"},
	{"nsaids", "nsaid|non-steroidal anti-inflammatory drugs|"
		   "non-steroidal anti-inflammatories",
	 "", DOSAGE_ALLERGY_CROSS, ""},
	{"salicylates", "salicylate", "nsaids", DOSAGE_ALLERGY_CROSS, ""},
	{"opioids", "opioid|opiates|opiate|narcotics", "",
	 DOSAGE_ALLERGY_CROSS, ""},
	{"macrolides", "macrolide", "", DOSAGE_ALLERGY_CROSS, ""},
	{"fluoroquinolones", "fluoroquinolone|quinolones|quinolone", "",
	 DOSAGE_ALLERGY_CROSS, ""},
	{"tetracyclines", "tetracycline", "", DOSAGE_ALLERGY_CROSS, ""},
	{"aminoglycosides", "aminoglycoside", "", DOSAGE_ALLERGY_CROSS, ""},
	{"glycopeptides", "glycopeptide", "", DOSAGE_ALLERGY_CROSS, ""},
	{"heparins", "heparin products|low molecular weight heparins|lmwh",
	 "", DOSAGE_ALLERGY_CROSS, ""},
	{"insulins", "insulin products", "", DOSAGE_ALLERGY_NONE, ""},
	{"anthracyclines", "anthracycline", "", DOSAGE_ALLERGY_CROSS, ""},
	{"amide local anaesthetics", "amide local anesthetics", "",
	 DOSAGE_ALLERGY_CROSS, ""},
	{"analgesics", "", "", DOSAGE_ALLERGY_NONE, ""},
	/* Issue 75: the classes wards write as short forms ("ACEi", "ARB",
	 * "statin", "abx"), their members after the BNF's chapters and the
	 * WHO ATC groups (C09A, C09C, C10AA, J01). */
	{"ace inhibitors", "ace inhibitor|angiotensin-converting enzyme "
			   "inhibitors|angiotensin-converting enzyme inhibitor",
	 "", DOSAGE_ALLERGY_CROSS, ""},
	{"angiotensin receptor blockers", "angiotensin receptor blocker|"
		"angiotensin ii receptor blockers|angiotensin ii receptor "
		"antagonists|sartans",
	 "", DOSAGE_ALLERGY_CROSS, ""},
	{"statins", "statin|hmg-coa reductase inhibitors", "",
	 DOSAGE_ALLERGY_CROSS, ""},
	/* An allergy to one antibiotic says nothing of the others: the
	 * classes above carry their own cross-sensitivity; an allergy
	 * written as "antibiotics" stops every one of them until checked. */
	{"antibacterials", "antibacterial|antibiotics|antibiotic", "",
	 DOSAGE_ALLERGY_NONE, ""},
};
/* clang-format on */

#define N_TABLE	  (sizeof(table) / sizeof(table[0]))
#define N_CLASSES (sizeof(classes) / sizeof(classes[0]))
#define KEY_MAX	  96

/*
 * key writes the comparison form of s: lower-case letters and digits only,
 * without a trailing "class" or "allergy" ("Penicillin class" ->
 * "penicillin").  Bytes outside ASCII are kept, so other scripts still
 * compare exactly.
 */
static void
key(const char *s, char *out)
{
	static const char *const tails[] = {"class", "allergy", "allergies"};
	size_t n = 0;

	for (; s && *s && n + 1 < KEY_MAX; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80 || isalnum(c))
			out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t t = strlen(tails[i]);

		if (n > t && strcmp(out + n - t, tails[i]) == 0) {
			n -= t;
			out[n] = '\0';
		}
	}
}

/* in_list: does the '|' list hold an entry whose key is k? */
static bool
in_list(const char *list, const char *k)
{
	char item[KEY_MAX], ik[KEY_MAX];

	while (list && *list) {
		const char *bar = strchr(list, '|');
		size_t n = bar ? (size_t)(bar - list) : strlen(list);

		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, list, n);
		item[n] = '\0';
		key(item, ik);
		if (strcmp(ik, k) == 0)
			return true;
		list = bar ? bar + 1 : list + n;
	}
	return false;
}

const dosage_substance *
dosage_substance_find(const char *name)
{
	char k[KEY_MAX];

	/* The stored form first: catalogue rows and orders hold the code,
	 * and the interaction check looks up every product of a chart. */
	for (size_t i = 0; name && i < N_TABLE; i++)
		if (strcmp(table[i].code, name) == 0)
			return &table[i];
	key(name, k);
	if (k[0] == '\0')
		return NULL;
	for (size_t i = 0; i < N_TABLE; i++)
		if (in_list(table[i].code, k) || in_list(table[i].names, k))
			return &table[i];
	return NULL;
}

static const allergy_class *
class_find(const char *name)
{
	char k[KEY_MAX];

	key(name, k);
	if (k[0] == '\0')
		return NULL;
	for (size_t i = 0; i < N_CLASSES; i++)
		if (in_list(classes[i].code, k) || in_list(classes[i].names, k))
			return &classes[i];
	return NULL;
}

const char *
dosage_allergy_class_find(const char *name)
{
	const allergy_class *c = class_find(name);

	return c ? c->code : NULL;
}

/* class_note: an allergy to class c against substance s of a class the
 * evidence shows no cross-reactivity with: a note saying so. */
static dosage_allergy_hit
class_note(const allergy_class *c, const dosage_substance *s, const char *who,
	   char *why, size_t len)
{
	char k[KEY_MAX];

	for (size_t i = 0; c->notes && i < N_CLASSES; i++) {
		key(classes[i].code, k);
		if (in_list(c->notes, k) && in_list(s->classes, k)) {
			snprintf(why, len,
				 "%s allergy: %s is one of the %s, not "
				 "cross-reactive with the %s (no warning)",
				 who, s->code, classes[i].code, c->code);
			return DOSAGE_ALLERGY_NOTE;
		}
	}
	return DOSAGE_ALLERGY_NONE;
}

/* class_hit: an allergy to class c against substance s. */
static dosage_allergy_hit
class_hit(const allergy_class *c, const dosage_substance *s, char *why,
	  size_t len)
{
	char k[KEY_MAX];

	key(c->code, k);
	if (in_list(s->classes, k)) {
		snprintf(why, len, "%s allergy: %s is one of the %s", c->code,
			 s->code, c->code);
		return DOSAGE_ALLERGY_MATCH;
	}
	for (size_t i = 0; i < N_CLASSES; i++) {
		key(classes[i].code, k);
		if (in_list(c->warns, k) && in_list(s->classes, k)) {
			snprintf(why, len,
				 "%s allergy: %s is one of the %s "
				 "(cross-sensitivity)",
				 c->code, s->code, classes[i].code);
			return DOSAGE_ALLERGY_CROSS;
		}
	}
	return class_note(c, s, c->code, why, len);
}

/* sibling_hit: an allergy to substance a against another substance s of
 * one of a's classes, or of a class one of them warns for. */
static dosage_allergy_hit
sibling_hit(const dosage_substance *a, const dosage_substance *s, char *why,
	    size_t len)
{
	dosage_allergy_hit best = DOSAGE_ALLERGY_NONE;
	char note[160];

	for (size_t i = 0; i < N_CLASSES; i++) {
		char k[KEY_MAX];
		dosage_allergy_hit h;

		key(classes[i].code, k);
		if (!in_list(a->classes, k))
			continue;
		h = class_hit(&classes[i], s, note, sizeof(note));
		/* A member allergy means the whole class only where the
		 * class says so; otherwise it warns. */
		if (h == DOSAGE_ALLERGY_MATCH)
			h = classes[i].siblings;
		if (h <= best)
			continue;
		best = h;
		if (h == DOSAGE_ALLERGY_NOTE)
			class_note(&classes[i], s, a->code, why, len);
		else
			snprintf(why, len,
				 "%s allergy: %s shares the class %s%s",
				 a->code, s->code, classes[i].code,
				 h == DOSAGE_ALLERGY_CROSS
					 ? " (cross-sensitivity)"
					 : "");
	}
	return best;
}

dosage_allergy_hit
dosage_allergy_check(const char *allergy, const char *substance, char *why,
		     size_t len)
{
	const dosage_substance *s = dosage_substance_find(substance);
	const dosage_substance *a = dosage_substance_find(allergy);
	const allergy_class *c = class_find(allergy);
	char ka[KEY_MAX], ks[KEY_MAX];

	why[0] = '\0';
	if (s == NULL) {
		/* Not in the table (a legacy entry): same name only. */
		key(allergy, ka);
		key(substance, ks);
		if (ka[0] && strcmp(ka, ks) == 0) {
			snprintf(why, len, "allergy to %s", substance);
			return DOSAGE_ALLERGY_MATCH;
		}
		return DOSAGE_ALLERGY_NONE;
	}
	if (a == s) {
		snprintf(why, len, "allergy to %s", s->code);
		return DOSAGE_ALLERGY_MATCH;
	}
	if (c != NULL)
		return class_hit(c, s, why, len);
	if (a != NULL)
		return sibling_hit(a, s, why, len);
	return DOSAGE_ALLERGY_NONE;
}

void
dosage_substances_each(void (*fn)(const dosage_substance *s, void *ctx),
		       void *ctx)
{
	for (size_t i = 0; i < N_TABLE; i++)
		fn(&table[i], ctx);
}

void
dosage_allergy_classes_each(void (*fn)(const char *code, const char *names,
				       void *ctx),
			    void *ctx)
{
	for (size_t i = 0; i < N_CLASSES; i++)
		fn(classes[i].code, classes[i].names, ctx);
}
