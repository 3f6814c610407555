/*
 * classes.c - therapeutic classes and the checks across them (see
 * classes.h).
 *
 * The ATC codes are the WHO Collaborating Centre for Drug Statistics
 * Methodology's (ATC/DDD Index), one per substance of the substance table:
 * the code of the substance as a ward gives it (codeine as the analgesic
 * opium alkaloid R05DA04, aspirin as the analgesic N02BA01).  The duplicate
 * rules and the OME factors are documented with their sources in
 * docs/dose-safety.md; a test keeps that page and these tables in step.
 */
#include "classes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "substances.h"

/* clang-format off */
static const struct {
	const char *substance;
	const char *atc;
} atc_table[] = {
	{"paracetamol", "N02BE01"},
	{"ibuprofen", "M01AE01"},
	{"naproxen", "M01AE02"},
	{"diclofenac", "M01AB05"},
	{"ketorolac", "M01AB15"},
	{"aspirin", "N02BA01"},
	{"celecoxib", "M01AH01"},
	{"amoxicillin", "J01CA04"},
	{"ampicillin", "J01CA01"},
	{"benzylpenicillin", "J01CE01"},
	{"phenoxymethylpenicillin", "J01CE02"},
	{"flucloxacillin", "J01CF05"},
	{"piperacillin", "J01CA12"},
	{"co-amoxiclav", "J01CR02"},
	{"cefalexin", "J01DB01"},
	{"cefuroxime", "J01DC02"},
	{"ceftriaxone", "J01DD04"},
	{"cefazolin", "J01DB04"},
	{"meropenem", "J01DH02"},
	{"ertapenem", "J01DH03"},
	{"sulfamethoxazole", "J01EC01"},
	{"co-trimoxazole", "J01EE01"},
	{"trimethoprim", "J01EA01"},
	{"clarithromycin", "J01FA09"},
	{"erythromycin", "J01FA01"},
	{"azithromycin", "J01FA10"},
	{"ciprofloxacin", "J01MA02"},
	{"levofloxacin", "J01MA12"},
	{"doxycycline", "J01AA02"},
	{"gentamicin", "J01GB03"},
	{"amikacin", "J01GB06"},
	{"vancomycin", "J01XA01"},
	{"teicoplanin", "J01XA02"},
	{"metronidazole", "J01XD01"},
	{"morphine", "N02AA01"},
	{"codeine", "R05DA04"},
	{"oxycodone", "N02AA05"},
	{"fentanyl", "N02AB03"},
	{"tramadol", "N02AX02"},
	{"hydromorphone", "N02AA03"},
	{"heparin", "B01AB01"},
	{"enoxaparin", "B01AB05"},
	{"dalteparin", "B01AB04"},
	{"warfarin", "B01AA03"},
	{"apixaban", "B01AF02"},
	{"rivaroxaban", "B01AF01"},
	{"edoxaban", "B01AF03"},
	{"dabigatran", "B01AE07"},
	{"insulin", "A10AB01"},
	{"insulin glargine", "A10AE04"},
	{"methotrexate", "L01BA01"},
	{"doxorubicin", "L01DB01"},
	{"digoxin", "C01AA05"},
	{"ondansetron", "A04AA01"},
	{"metoclopramide", "A03FA01"},
	{"furosemide", "C03CA01"},
	{"potassium chloride", "A12BA01"},
	{"amiodarone", "C01BD01"},
	{"prednisolone", "H02AB06"},
	{"salbutamol", "R03AC02"},
	{"omeprazole", "A02BC01"},
	{"lidocaine", "N01BB02"},
	{"chlorhexidine", "D08AC02"},
	{"simvastatin", "C10AA01"},
	{"atorvastatin", "C10AA05"},
	{"pravastatin", "C10AA03"},
	{"rosuvastatin", "C10AA07"},
	{"fluoxetine", "N06AB03"},
	{"citalopram", "N06AB04"},
	{"paroxetine", "N06AB05"},
	{"sertraline", "N06AB06"},
	{"escitalopram", "N06AB10"},
	{"venlafaxine", "N06AX16"},
	{"duloxetine", "N06AX21"},
	{"mirtazapine", "N06AX11"},
	{"amitriptyline", "N06AA09"},
	{"phenelzine", "N06AF03"},
	{"tranylcypromine", "N06AF04"},
	{"moclobemide", "N06AG02"},
	{"selegiline", "N04BD01"},
	{"levodopa", "N04BA01"},
	{"captopril", "C09AA01"},
	{"enalapril", "C09AA02"},
	{"lisinopril", "C09AA03"},
	{"perindopril", "C09AA04"},
	{"ramipril", "C09AA05"},
	{"losartan", "C09CA01"},
	{"valsartan", "C09CA03"},
	{"irbesartan", "C09CA04"},
	{"candesartan", "C09CA06"},
	{"bendroflumethiazide", "C03AA01"},
	{"hydrochlorothiazide", "C03AA03"},
	{"indapamide", "C03BA11"},
	{"chlortalidone", "C03BA04"},
	{"bumetanide", "C03CA02"},
	{"torasemide", "C03CA04"},
	{"spironolactone", "C03DA01"},
	{"eplerenone", "C03DA04"},
	{"amiloride", "C03DB01"},
	{"triamterene", "C03DB02"},
	{"lithium", "N05AN01"},
	{"metformin", "A10BA02"},
	{"gliclazide", "A10BB09"},
	{"glibenclamide", "A10BB01"},
	{"glimepiride", "A10BB12"},
	{"glipizide", "A10BB07"},
	{"haloperidol", "N05AD01"},
	{"chlorpromazine", "N05AA01"},
	{"prochlorperazine", "N05AB04"},
	{"quetiapine", "N05AH04"},
	{"olanzapine", "N05AH03"},
	{"clozapine", "N05AH02"},
	{"risperidone", "N05AX08"},
	{"aripiprazole", "N05AX12"},
	{"fluconazole", "J02AC01"},
	{"itraconazole", "J02AC02"},
	{"voriconazole", "J02AC03"},
	{"posaconazole", "J02AC04"},
	{"ketoconazole", "J02AB02"},
	{"linezolid", "J01XX08"},
	{"nitrofurantoin", "J01XE01"},
	{"clindamycin", "J01FF01"},
	{"rifampicin", "J04AB02"},
	{"isoniazid", "J04AC01"},
	{"clopidogrel", "B01AC04"},
	{"ticagrelor", "B01AC24"},
	{"prasugrel", "B01AC22"},
	{"allopurinol", "M04AA01"},
	{"colchicine", "M04AC01"},
	{"azathioprine", "L04AX01"},
	{"mercaptopurine", "L01BB02"},
	{"sildenafil", "G04BE03"},
	{"tadalafil", "G04BE08"},
	{"glyceryl trinitrate", "C01DA02"},
	{"isosorbide mononitrate", "C01DA14"},
	{"isosorbide dinitrate", "C01DA08"},
	{"methadone", "N07BC02"},
	{"domperidone", "A03FA03"},
	{"phenytoin", "N03AB02"},
	{"carbamazepine", "N03AF01"},
	{"valproate", "N03AG01"},
	{"levetiracetam", "N03AX14"},
	{"lamotrigine", "N03AX09"},
	{"gabapentin", "N03AX12"},
	{"pregabalin", "N03AX16"},
	{"theophylline", "R03DA04"},
	{"aminophylline", "R03DA05"},
	{"atenolol", "C07AB03"},
	{"bisoprolol", "C07AB07"},
	{"metoprolol", "C07AB02"},
	{"propranolol", "C07AA05"},
	{"sotalol", "C07AA07"},
	{"carvedilol", "C07AG02"},
	{"labetalol", "C07AG01"},
	{"amlodipine", "C08CA01"},
	{"nifedipine", "C08CA05"},
	{"diltiazem", "C08DB01"},
	{"verapamil", "C08DA01"},
	{"flecainide", "C01BC04"},
	{"levothyroxine", "H03AA01"},
	{"dexamethasone", "H02AB02"},
	{"hydrocortisone", "H02AB09"},
	{"ciclosporin", "L04AD01"},
	{"tacrolimus", "L04AD02"},
	{"mycophenolate", "L04AA06"},
	{"lansoprazole", "A02BC03"},
	{"pantoprazole", "A02BC02"},
	{"esomeprazole", "A02BC05"},
	{"diazepam", "N05BA01"},
	{"lorazepam", "N05BA06"},
	{"midazolam", "N05CD08"},
	{"zopiclone", "N05CF01"},
	{"tizanidine", "M03BX02"},
	{"sumatriptan", "N02CC01"},
	{"cyclizine", "R06AE03"},
	{"hydroxychloroquine", "P01BA02"},
	{"quinine", "P01BC01"},
	{"tamsulosin", "G04CA02"},
	{"magnesium sulfate", "A12CC02"},
	{"naloxone", "V03AB15"},
	{"promethazine", "R06AD02"},
	{"chlorphenamine", "R06AB04"},
	{"diphenhydramine", "R06AA02"},
	{"buprenorphine", "N02AE01"},
	{"dexamfetamine", "N06BA02"},
	{"methylphenidate", "N06BA04"},
	{"atazanavir", "J05AE08"},
	{"ritonavir", "J05AE03"},
	{"darunavir", "J05AE10"},
	{"febuxostat", "M04AA03"},
	{"irinotecan", "L01CE02"},
	{"ramelteon", "N05CH02"},
	{"fluvoxamine", "N06AB08"},
	{"ergotamine", "N02CA02"},
	{"procarbazine", "L01XB01"},
	{"ethinylestradiol", "G03CA01"},
	{"levonorgestrel", "G03AC03"},
	{"desogestrel", "G03AC09"},
	{"thalidomide", "L04AX02"},
};

/* The WHO names of the classes the duplicate groups and the docs use. */
static const struct {
	const char *code;
	const char *name;
} atc_names[] = {
	{"A", "alimentary tract and metabolism"},
	{"B", "blood and blood forming organs"},
	{"C", "cardiovascular system"},
	{"D", "dermatologicals"},
	{"G", "genito urinary system and sex hormones"},
	{"H", "systemic hormonal preparations"},
	{"J", "antiinfectives for systemic use"},
	{"L", "antineoplastic and immunomodulating agents"},
	{"M", "musculo-skeletal system"},
	{"N", "nervous system"},
	{"P", "antiparasitic products, insecticides and repellents"},
	{"R", "respiratory system"},
	{"V", "various"},
	{"B01", "antithrombotic agents"},
	{"B01A", "antithrombotic agents"},
	{"B01AA", "vitamin K antagonists"},
	{"B01AB", "heparin group"},
	{"B01AE", "direct thrombin inhibitors"},
	{"B01AF", "direct factor Xa inhibitors"},
	{"M01", "antiinflammatory and antirheumatic products"},
	{"M01A", "antiinflammatory and antirheumatic products, non-steroids"},
	{"M01AB", "acetic acid derivatives and related substances"},
	{"M01AE", "propionic acid derivatives"},
	{"M01AH", "coxibs"},
	{"N02", "analgesics"},
	{"N02A", "opioids"},
	{"N02AA", "natural opium alkaloids"},
	{"N02AB", "phenylpiperidine derivatives"},
	{"N02AX", "other opioids"},
	{"N02B", "other analgesics and antipyretics"},
	{"N02BA", "salicylic acid and derivatives"},
	{"N02BE", "anilides"},
	{"R05", "cough and cold preparations"},
	{"R05D", "cough suppressants, excl. combinations with expectorants"},
	{"R05DA", "opium alkaloids and derivatives"},
};

/*
 * The duplicate-therapy groups.  Opioids: ISMP lists opioids as high-alert
 * and names duplicate opioid orders as a cause of harm; a PRN opioid for
 * breakthrough pain beside a regular one is usual practice (BNF, "Prescribing
 * in palliative care"), so that pair warns.  NSAIDs: BNF, "avoid
 * concomitant use of two or more NSAIDs" (no PRN exception).
 * Anticoagulants: ISMP high-alert; NPSA alert 18 (2007); two at once stop,
 * but warfarin beside a heparin is the usual bridge until the INR is in
 * range (BNF), so that pair warns.  Paracetamol products: BNF/MHRA warn
 * against taking two paracetamol-containing products; the 24-h total of
 * the substance, summed across every product, is what stops an overdose,
 * so a second product only warns.
 */
static const dosage_class_group groups[] = {
	{"opioids", "N02A|R05DA04|N01AH", "", DOSAGE_DOSE_HARD_STOP,
	 DOSAGE_DOSE_WARN, 4 * 3600 * 1000LL},
	{"nsaids", "M01A", "", DOSAGE_DOSE_HARD_STOP, DOSAGE_DOSE_HARD_STOP,
	 12 * 3600 * 1000LL},
	{"anticoagulants", "B01AA|B01AB|B01AE|B01AF", "B01AA+B01AB",
	 DOSAGE_DOSE_HARD_STOP, DOSAGE_DOSE_HARD_STOP, 24 * 3600 * 1000LL},
	{"paracetamol products", "N02BE01", "", DOSAGE_DOSE_WARN,
	 DOSAGE_DOSE_WARN, 4 * 3600 * 1000LL},
};

/*
 * Oral morphine equivalents, mg per mg of substance.  Oral: CDC Clinical
 * Practice Guideline for Prescribing Opioids for Pain (2022), table of
 * MME conversion factors.  Parenteral: Faculty of Pain Medicine, ANZCA,
 * Opioid Calculator (IV/SC morphine 3 x oral; fentanyl 100 ug parenteral
 * = 10 mg parenteral morphine = 30 mg oral).  Transdermal fentanyl (CDC:
 * 2.4 per ug/h of patch) is dosed per patch, which the catalogue cannot
 * express: it has no row, so its check says not_checked.
 */
static const struct {
	const char *substance;
	const char *route;
	double per_mg;
} ome_table[] = {
	{"morphine", "oral", 1},	{"morphine", "parenteral", 3},
	{"oxycodone", "oral", 1.5},	{"oxycodone", "parenteral", 3},
	{"hydromorphone", "oral", 5},	{"hydromorphone", "parenteral", 15},
	{"codeine", "oral", 0.15},	{"tramadol", "oral", 0.2},
	{"fentanyl", "parenteral", 300},
};

static const struct {
	const char *route;
	const char *cls;
} routes[] = {
	{"oral", "oral"},
	{"po", "oral"},
	{"enteral", "oral"},
	{"ng", "oral"},
	{"peg", "oral"},
	{"iv", "parenteral"},
	{"intravenous", "parenteral"},
	{"sc", "parenteral"},
	{"subcutaneous", "parenteral"},
	{"im", "parenteral"},
	{"intramuscular", "parenteral"},
	{"td", "transdermal"},
	{"transdermal", "transdermal"},
	{"patch", "transdermal"},
};
/* clang-format on */

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *
dosage_atc_of(const char *substance)
{
	const dosage_substance *s = dosage_substance_find(substance);

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < N(atc_table); i++)
		if (strcmp(atc_table[i].substance, s->code) == 0)
			return atc_table[i].atc;
	return NULL;
}

/* The shape of each level: L letter, D digit. */
static const char *const shapes[DOSAGE_ATC_LEVELS] = {"L", "LDD", "LDDL",
						      "LDDLL", "LDDLLDD"};

static bool
shape_ok(const char *s, const char *shape)
{
	if (strlen(s) != strlen(shape))
		return false;
	for (; *s; s++, shape++) {
		unsigned char c = (unsigned char)*s;

		if (*shape == 'L' ? !(c >= 'A' && c <= 'Z') : !isdigit(c))
			return false;
	}
	return true;
}

bool
dosage_atc_syntax_ok(const char *s)
{
	for (size_t i = 0; s && i < DOSAGE_ATC_LEVELS; i++)
		if (shape_ok(s, shapes[i]))
			return true;
	return false;
}

bool
dosage_atc_known(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (!dosage_atc_syntax_ok(s))
		return false;
	for (size_t i = 0; i < N(atc_table); i++)
		if (strncmp(atc_table[i].atc, s, len) == 0)
			return true;
	return false;
}

size_t
dosage_atc_levels(const char *atc, char out[DOSAGE_ATC_LEVELS][DOSAGE_ATC_LEN])
{
	static const size_t lens[DOSAGE_ATC_LEVELS] = {1, 3, 4, 5, 7};
	size_t n = 0;

	if (!dosage_atc_syntax_ok(atc))
		return 0;
	for (; n < DOSAGE_ATC_LEVELS && lens[n] <= strlen(atc); n++) {
		memcpy(out[n], atc, lens[n]);
		out[n][lens[n]] = '\0';
	}
	return n;
}

const char *
dosage_atc_name(const char *code)
{
	for (size_t i = 0; code && i < N(atc_names); i++)
		if (strcmp(atc_names[i].code, code) == 0)
			return atc_names[i].name;
	return NULL;
}

/* in_prefixes: does atc start with one of the '|' separated prefixes? */
static bool
in_prefixes(const char *list, const char *atc)
{
	while (atc && list && *list) {
		const char *bar = strchr(list, '|');
		size_t n = bar ? (size_t)(bar - list) : strlen(list);

		if (n > 0 && strncmp(list, atc, n) == 0)
			return true;
		list = bar ? bar + 1 : list + n;
	}
	return false;
}

const dosage_class_group *
dosage_class_group_of(const char *substance)
{
	const char *atc = dosage_atc_of(substance);

	for (size_t i = 0; atc && i < N(groups); i++)
		if (in_prefixes(groups[i].atc, atc))
			return &groups[i];
	return NULL;
}

void
dosage_class_groups_each(void (*fn)(const dosage_class_group *g, void *ctx),
			 void *ctx)
{
	for (size_t i = 0; i < N(groups); i++)
		fn(&groups[i], ctx);
}

/* --- duplicate therapy ---------------------------------------------------- */

int
dosage_status_rank(dosage_dose_status s)
{
	switch (s) {
	case DOSAGE_DOSE_HARD_STOP:
		return 4;
	case DOSAGE_DOSE_WARN:
		return 3;
	case DOSAGE_DOSE_NOT_CHECKED:
		return 2;
	case DOSAGE_DOSE_OK:
		return 1;
	default:
		return 0;
	}
}

/* bridging: is the pair a and b (ATC codes) the group's bridging pair, in
 * either order ("B01AA+B01AB": warfarin beside a heparin)? */
static bool
bridging(const dosage_class_group *g, const char *a, const char *b)
{
	const char *plus = strchr(g->bridging, '+');
	size_t n1;

	if (plus == NULL || a == NULL || b == NULL)
		return false;
	n1 = (size_t)(plus - g->bridging);
	return (strncmp(a, g->bridging, n1) == 0 &&
		strncmp(b, plus + 1, strlen(plus + 1)) == 0) ||
	       (strncmp(b, g->bridging, n1) == 0 &&
		strncmp(a, plus + 1, strlen(plus + 1)) == 0);
}

/* pair_status is what the group says of substance s (prn) beside o.
 * The bridging pair is a plan a prescriber makes; a home medicine that
 * awaits its admission decision was in no plan, so beside it the pair
 * is a duplicate. */
static dosage_dose_status
pair_status(const dosage_class_group *g, const char *s, bool prn,
	    const dosage_class_other *o)
{
	if (!o->undecided &&
	    bridging(g, dosage_atc_of(s), dosage_atc_of(o->substance)))
		return DOSAGE_DOSE_WARN;
	return prn != o->prn ? g->prn_regular : g->duplicate;
}

/* group_others counts the distinct products (labels) of others in g. */
static size_t
group_others(const dosage_class_group *g, const dosage_class_other *others,
	     size_t n)
{
	size_t distinct = 0;

	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		if (dosage_class_group_of(others[i].substance) != g)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = dosage_class_group_of(others[j].substance) ==
				       g &&
			       strcmp(others[j].label, others[i].label) == 0;
		distinct += !seen;
	}
	return distinct;
}

/* one_group checks substance s of group g against others into out, when
 * worse than what out holds. */
static void
one_group(const dosage_class_group *g, const char *s, bool prn,
	  const dosage_class_other *others, size_t n, dosage_dose_result *out)
{
	size_t products = group_others(g, others, n);

	for (size_t i = 0; i < n; i++) {
		const dosage_class_other *o = &others[i];
		dosage_dose_status st;

		if (dosage_class_group_of(o->substance) != g)
			continue;
		st = pair_status(g, s, prn, o);
		/* A third product of the class at once is a duplicate
		 * whatever the PRN split. */
		if (products >= 2 &&
		    dosage_status_rank(g->duplicate) > dosage_status_rank(st))
			st = g->duplicate;
		if (dosage_status_rank(st) <= dosage_status_rank(out->status))
			continue;
		out->status = st;
		out->value = (double)products;
		if (o->home != NULL) {
			snprintf(out->reason, sizeof(out->reason),
				 "duplicate %s: %s with %s (%s)", g->code, s,
				 o->substance, o->home);
			continue;
		}
		snprintf(out->reason, sizeof(out->reason),
			 "duplicate %s: %s%s with %s (%s, %s%s)%s", g->code, s,
			 prn ? " PRN" : "", o->substance, o->label,
			 o->prn ? "PRN" : "regular",
			 o->t_ms ? ", given" : ", ordered",
			 products >= 2 ? "; 3 or more at once" : "");
	}
}

void
dosage_class_duplicate(const char *const *s, size_t n, bool prn,
		       const dosage_class_other *others, size_t n_others,
		       dosage_dose_result *out)
{
	const dosage_class_group *first = NULL;

	memset(out, 0, sizeof(*out));
	out->check = DOSAGE_DOSE_CHECK_DUPLICATE_THERAPY;
	out->status = DOSAGE_DOSE_NOT_APPLICABLE;
	for (size_t i = 0; i < n; i++) {
		const dosage_class_group *g = dosage_class_group_of(s[i]);

		if (g == NULL)
			continue;
		if (first == NULL) {
			first = g;
			out->status = DOSAGE_DOSE_OK;
			snprintf(out->reason, sizeof(out->reason),
				 "no other %s at once", g->code);
		}
		one_group(g, s[i], prn, others, n_others, out);
	}
	if (first == NULL)
		snprintf(out->reason, sizeof(out->reason),
			 "in no class with a duplicate-therapy rule");
}

/* --- oral morphine equivalents -------------------------------------------- */

const char *
dosage_ome_route(const char *route)
{
	char k[32];
	size_t n = 0;

	for (; route && *route && n + 1 < sizeof(k); route++)
		if (isalnum((unsigned char)*route))
			k[n++] = (char)tolower((unsigned char)*route);
	k[n] = '\0';
	for (size_t i = 0; i < N(routes); i++)
		if (strcmp(routes[i].route, k) == 0)
			return routes[i].cls;
	return NULL;
}

bool
dosage_ome_factor(const char *substance, const char *route, double *per_mg)
{
	const dosage_substance *s = dosage_substance_find(substance);
	const char *cls = dosage_ome_route(route);

	for (size_t i = 0; s && cls && i < N(ome_table); i++)
		if (strcmp(ome_table[i].substance, s->code) == 0 &&
		    strcmp(ome_table[i].route, cls) == 0) {
			*per_mg = ome_table[i].per_mg;
			return true;
		}
	return false;
}

void
dosage_ome_factors_each(void (*fn)(const char *substance, const char *route,
				   double per_mg, void *ctx),
			void *ctx)
{
	for (size_t i = 0; i < N(ome_table); i++)
		fn(ome_table[i].substance, ome_table[i].route,
		   ome_table[i].per_mg, ctx);
}

/* is_opioid: is the other administration an opioid given (it counts)? */
static bool
is_opioid(const dosage_class_other *o)
{
	const dosage_class_group *g = dosage_class_group_of(o->substance);

	return o->t_ms != 0 && g != NULL && strcmp(g->code, "opioids") == 0;
}

/* window_sum is the OME of the opioids given in (end - 24 h, end], and
 * whether one of them there could not be converted. */
static double
window_sum(const dosage_class_other *o, size_t n, int64_t end_ms, bool *unknown)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_opioid(&o[i]) ||
		    o[i].t_ms <= end_ms - DOSAGE_DOSE_DAY_MS ||
		    o[i].t_ms > end_ms)
			continue;
		if (!o[i].has_ome)
			*unknown = true;
		else
			sum += o[i].ome_mg;
	}
	return sum;
}

/* worst_window is the most OME given in a 24 h that also holds at_ms: the
 * window ending at it and those ending at each later dose within a day (a
 * dose charted late counts against the ones after it). */
static double
worst_window(const dosage_class_other *o, size_t n, int64_t at_ms,
	     bool *unknown)
{
	double worst = window_sum(o, n, at_ms, unknown);

	for (size_t i = 0; i < n; i++) {
		double w;

		if (!is_opioid(&o[i]) || o[i].t_ms <= at_ms ||
		    o[i].t_ms >= at_ms + DOSAGE_DOSE_DAY_MS)
			continue;
		if ((w = window_sum(o, n, o[i].t_ms, unknown)) > worst)
			worst = w;
	}
	return worst;
}

void
dosage_ome_check(bool opioid, double dose_ome, bool has_dose,
		 const dosage_class_other *others, size_t n_others,
		 int64_t at_ms, double limit_mg, dosage_dose_result *out)
{
	bool unknown = !has_dose;
	double given;

	memset(out, 0, sizeof(*out));
	out->check = DOSAGE_DOSE_CHECK_OME_24H;
	out->status = DOSAGE_DOSE_NOT_APPLICABLE;
	if (!opioid) {
		snprintf(out->reason, sizeof(out->reason), "not an opioid");
		return;
	}
	given = worst_window(others, n_others, at_ms, &unknown);
	out->value = given + dose_ome;
	out->limit = limit_mg;
	if (out->value > limit_mg * (1 + 1e-9))
		out->status = DOSAGE_DOSE_HARD_STOP;
	else if (out->value >= limit_mg * DOSAGE_DOSE_WARN_FRACTION)
		out->status = DOSAGE_DOSE_WARN;
	else
		out->status =
			unknown ? DOSAGE_DOSE_NOT_CHECKED : DOSAGE_DOSE_OK;
	snprintf(out->reason, sizeof(out->reason),
		 "24-h opioids %.4g mg oral morphine equivalent (this dose "
		 "%.4g) against %.4g mg%s",
		 out->value, dose_ome, limit_mg,
		 unknown ? "; a dose by a route without an OME factor is "
			   "not counted"
			 : "");
}

/*
 * The home medicines whose decision at admission is the prescriber's task:
 * the classes the NHS Specialist Pharmacy Service lists as time-critical
 * ("Time critical medicines", 2023: anticoagulants, insulins,
 * anti-epileptics, Parkinson's medicines; Parkinson's UK, "Get It On
 * Time"), by ATC class.
 */
static const struct {
	const char *atc; /* '|' separated prefixes */
	const char *name;
} task_classes[] = {
	{"B01AA|B01AB|B01AE|B01AF", "anticoagulant"},
	{"A10A", "insulin"},
	{"N03A", "anti-epileptic"},
	{"N04", "Parkinson's medicine"},
};

const char *
dosage_admission_task_class(const char *substance)
{
	const char *atc = dosage_atc_of(substance);

	for (size_t i = 0; atc && i < N(task_classes); i++)
		if (in_prefixes(task_classes[i].atc, atc))
			return task_classes[i].name;
	return NULL;
}

const char *
dosage_class_check_name(dosage_dose_check c)
{
	if (c == DOSAGE_DOSE_CHECK_DUPLICATE_THERAPY)
		return "duplicate_therapy";
	if (c == DOSAGE_DOSE_CHECK_OME_24H)
		return "ome_24h";
	if (c == DOSAGE_DOSE_CHECK_DUPLICATE_ORDER)
		return "duplicate_order";
	return NULL;
}
