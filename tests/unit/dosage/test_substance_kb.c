/*
 * test_substance_kb.c - the substance knowledge base (substance_kb.c): the
 * shipped file reads; a product inherits its substance's lab and
 * pregnancy rules, a salt its moiety's, and a product's own rule tightens
 * but never loosens; the age rules stop or warn by the patient's age; each
 * bad record is refused naming its line; an import's diff
 * (substance_cache.c) names what it weakens; a substance's hepatic rule
 * holds every product of it beside the product's own bands.
 */
#include "testlib.h"

#include "dose.h"
#include "substance_cache.h"
#include "substance_kb.h"

#include <med/arena.h>

#include <stdio.h>
#include <string.h>

#define NOW  1700000000000LL
#define HOUR (3600LL * 1000)
#define HEAD "version,test-1\n"

#define I_LAB	    12
#define I_PREGNANCY 13
#define I_AGE	    14

static dosage_substance_kb *
parse(const char *text)
{
	dosage_substance_kb *kb = NULL;
	char why[320];

	MT_OK(dosage_substance_kb_parse(text, strlen(text), &kb, why,
					sizeof(why)));
	return kb;
}

/* refused parses text, expects a refusal and that why holds want. */
static void
refused(const char *text, const char *want)
{
	dosage_substance_kb *kb = NULL;
	char why[320] = "";

	MT_EQ_INT(dosage_substance_kb_parse(text, strlen(text), &kb, why,
					    sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(kb == NULL);
	if (strstr(why, want) == NULL)
		fprintf(stderr, "why: %s\nwant: %s\n", why, want);
	MT_TRUE(strstr(why, want) != NULL);
}

static dosage_dose_limits
product(const char *substance)
{
	dosage_dose_limits l = {.unit = "mmol", .single_max = 40};

	l.substances[0] = substance;
	l.n_substances = 1;
	return l;
}

static const dosage_dose_result *
eval(const dosage_dose_limits *l, double potassium, int i,
     dosage_dose_result out[DOSAGE_DOSE_N_CHECKS])
{
	dosage_dose_history h = {0};
	dosage_dose_patient p = {
		.has_age = true,
		.age_years = 60,
		.age_days = 60 * 365,
		.has_weight = true,
		.weight_kg = 70,
		.weight_ms = NOW - HOUR,
		.allergies_known = true,
		.sex = 'F',
		.labs_known = true,
		.pregnancy_known = true,
		.pregnant = true,
		.pregnancy_recorded = true,
		.pregnancy_evidence = "test",
	};

	p.labs[DOSAGE_LAB_POTASSIUM].present = true;
	p.labs[DOSAGE_LAB_POTASSIUM].value = potassium;
	p.labs[DOSAGE_LAB_POTASSIUM].at_ms = NOW - HOUR;
	p.labs[DOSAGE_LAB_POTASSIUM].unit = "mmol/L";
	dosage_dose_evaluate(l, &p, &h, 10, NOW, out);
	return &out[i];
}

/* age_status is the age check of l for a patient of years (days when
 * years is negative: -days), with the reason in out. */
static dosage_dose_status
age_status(const dosage_dose_limits *l, int years, dosage_dose_result *out)
{
	dosage_dose_patient p = {.has_age = years != 0};

	p.age_days = years < 0 ? -years : (int64_t)years * 365 + 100;
	p.age_years = years < 0 ? 0 : years;
	dosage_dose_check_age(l, &p, out);
	return out->status;
}

static void
test_starter_reads(void)
{
	size_t len;
	const char *text = dosage_substance_kb_starter(&len);
	dosage_substance_kb *kb = NULL;
	char why[320] = "";

	if (dosage_substance_kb_parse(text, len, &kb, why, sizeof(why)) != 0)
		fprintf(stderr, "why: %s\n", why);
	MT_TRUE(kb != NULL);
	MT_EQ_STR(dosage_substance_kb_version(kb),
		  "smartmed-substance-starter-2026.13");
	MT_EQ_STR(dosage_substance_kb_moiety(kb, "potassium chloride"),
		  "potassium");
	MT_EQ_STR(dosage_substance_kb_moiety(kb, "valaciclovir"), "aciclovir");
	MT_EQ_STR(dosage_substance_kb_moiety(kb, "warfarin"), "warfarin");
	{
		/* The shipped age rules reach a product of the substance. */
		dosage_dose_limits l = product("codeine");
		dosage_dose_result r;

		dosage_substance_kb_apply(kb, &l);
		MT_EQ_INT(l.n_age_rules, 1);
		MT_EQ_INT(age_status(&l, 10, &r), DOSAGE_DOSE_HARD_STOP);
		MT_TRUE(strstr(r.reason, "MHRA") != NULL);
	}
	dosage_substance_kb_free(kb);
}

static void
test_every_product_inherits(void)
{
	dosage_substance_kb *kb =
		parse(HEAD "moiety,potassium chloride,potassium,ATC\n"
			   "moiety,potassium bicarbonate,potassium,ATC\n"
			   "lab,potassium,2823-3,max,5.5,mmol/L,24,stop,BNF\n"
			   "pregnancy,warfarin,contraindicated,SmPC\n");
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const char *salts[] = {"potassium chloride", "potassium bicarbonate",
			       "potassium"};

	/* Every product of the moiety, with no rule of its own, stops. */
	for (size_t i = 0; i < 3; i++) {
		dosage_dose_limits l = product(salts[i]);

		dosage_substance_kb_apply(kb, &l);
		MT_EQ_INT(l.n_lab_rules, 1);
		MT_EQ_INT(eval(&l, 6.4, I_LAB, out)->status,
			  DOSAGE_DOSE_HARD_STOP);
		MT_TRUE(strstr(out[I_LAB].reason,
			       "potassium rule, substance "
			       "KB test-1 line 4; BNF") != NULL);
		MT_EQ_INT(eval(&l, 4.0, I_LAB, out)->status, DOSAGE_DOSE_OK);
	}
	{
		dosage_dose_limits l = product("warfarin");

		dosage_substance_kb_apply(kb, &l);
		MT_EQ_INT(l.pregnancy, DOSAGE_PREGNANCY_CONTRAINDICATED);
		MT_EQ_INT(eval(&l, 4.0, I_PREGNANCY, out)->status,
			  DOSAGE_DOSE_HARD_STOP);
		MT_TRUE(strstr(out[I_PREGNANCY].reason, "SmPC") != NULL);
	}
	dosage_substance_kb_free(kb);
}

static void
test_product_tightens_never_loosens(void)
{
	dosage_substance_kb *kb =
		parse(HEAD "lab,potassium,2823-3,max,5.5,mmol/L,24,stop,BNF\n"
			   "pregnancy,potassium,avoid,made up\n");
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	dosage_dose_limits loose = product("potassium");
	dosage_dose_limits tight = product("potassium");
	char why[128];

	/* A product whose own rule is looser still stops at the KB's. */
	MT_OK(dosage_lab_rules_parse("potassium:max=7:warn", loose.lab_rules,
				     DOSAGE_LAB_MAX_RULES, &loose.n_lab_rules,
				     why, sizeof(why)));
	dosage_substance_kb_apply(kb, &loose);
	MT_EQ_INT(eval(&loose, 6.4, I_LAB, out)->status, DOSAGE_DOSE_HARD_STOP);
	/* A tighter own rule stops below the KB's limit. */
	MT_OK(dosage_lab_rules_parse("potassium:max=5:stop", tight.lab_rules,
				     DOSAGE_LAB_MAX_RULES, &tight.n_lab_rules,
				     why, sizeof(why)));
	tight.pregnancy = DOSAGE_PREGNANCY_CONTRAINDICATED;
	tight.pregnancy_source = "the product";
	dosage_substance_kb_apply(kb, &tight);
	MT_EQ_INT(eval(&tight, 5.2, I_LAB, out)->status, DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(out[I_LAB].reason, "lab_rules stop") != NULL);
	MT_EQ_INT(tight.pregnancy, DOSAGE_PREGNANCY_CONTRAINDICATED);
	MT_EQ_STR(tight.pregnancy_source, "the product");
	dosage_substance_kb_free(kb);
}

static void
test_units_convert(void)
{
	dosage_substance_kb *kb =
		parse(HEAD "lab,metformin,2160-0,max,1.7,mg/dL,24,stop,x\n");
	dosage_dose_limits l = product("metformin");

	dosage_substance_kb_apply(kb, &l);
	MT_EQ_INT(l.lab_rules[0].analyte, DOSAGE_LAB_CREATININE);
	MT_NEAR(l.lab_rules[0].limit, 1.7 * 88.42, 1e-9);
	dosage_substance_kb_free(kb);
	/* A drug level: digoxin in ng/mL is ug/L. */
	kb = parse(HEAD "lab,digoxin,10535-3,max,2,ng/mL,168,stop,BNF\n");
	l = product("digoxin");
	dosage_substance_kb_apply(kb, &l);
	MT_EQ_INT(l.lab_rules[0].analyte, DOSAGE_LAB_DIGOXIN);
	MT_NEAR(l.lab_rules[0].limit, 2, 1e-12);
	dosage_substance_kb_free(kb);
}

static void
test_bad_lines_named(void)
{
	refused("lab,potassium,2823-3,max,5.5,mmol/L,24,stop,BNF\n",
		"line 1: the first record must be version");
	refused(HEAD "lab,unobtainium,2823-3,max,5.5,mmol/L,24,stop,BNF\n",
		"line 2: 'unobtainium' is no substance");
	refused(HEAD "lab,potassium,9999-9,max,5.5,mmol/L,24,stop,BNF\n",
		"line 2: LOINC code '9999-9'");
	refused(HEAD "lab,potassium,2823-3,max,5.5,mmol/L,24,stop,\n",
		"line 2: source must be");
	refused(HEAD "lab,potassium,2823-3,max,5.5,g/L,24,stop,BNF\n",
		"line 2: unit does not convert");
	refused(HEAD "lab,potassium,2823-3,max,5.5,mmol/L,24,stop,BNF\n"
		     "lab,potassium,6298-4,max,6.0,mmol/L,24,warn,other\n",
		"line 3: contradicts or repeats line 2");
	refused(HEAD "pregnancy,warfarin,avoid,a\n"
		     "pregnancy,warfarin,contraindicated,b\n",
		"line 3: contradicts or repeats line 2");
	refused(HEAD "moiety,potassium chloride,potassium,ATC\n"
		     "lab,potassium chloride,2823-3,max,5.5,mmol/L,24,stop,x\n",
		"line 3: 'potassium chloride' maps to its moiety");
	refused(HEAD "lab,potassium chloride,2823-3,max,5.5,mmol/L,24,stop,x\n"
		     "moiety,potassium chloride,potassium,ATC\n",
		"line 3: 'potassium chloride' -> 'potassium'");
	refused(HEAD "teratogen,warfarin\n", "line 2: kind must be");
	refused(HEAD "pregnancy,warfarin,maybe,x\n", "line 2: risk must be");
	refused("# nothing\n", "no version record");
}

#define K55 "lab,potassium,2823-3,max,5.5,mmol/L,24,stop,BNF\n"
#define KEY "lab:potassium:potassium:max"

/* diff_one compares old with nw and expects one change: kind on key,
 * with after. */
static void
diff_one(const char *old, const char *nw, const char *kind, const char *key,
	 const char *after)
{
	dosage_substance_kb *a = parse(old), *b = parse(nw);
	med_arena *ar = med_arena_new(1 << 20);
	dosage_ddi_diff d;

	MT_OK(dosage_substance_kb_diff(a, b, ar, &d));
	MT_EQ_INT(d.n, 1);
	MT_EQ_STR(dosage_ddi_change_name(d.items[0].kind), kind);
	MT_EQ_STR(d.items[0].rule_id, key);
	MT_EQ_STR(d.items[0].after, after);
	med_arena_free(ar);
	dosage_substance_kb_free(a);
	dosage_substance_kb_free(b);
}

/* An import's changes: what needs a second pharmacist and what does not. */
static void
test_diff(void)
{
	dosage_substance_kb *a = parse(HEAD K55), *b = parse(HEAD K55);
	med_arena *ar = med_arena_new(1 << 20);
	dosage_ddi_diff d;

	MT_OK(dosage_substance_kb_diff(a, b, ar, &d));
	MT_EQ_INT(d.n, 0);
	MT_OK(dosage_substance_kb_diff(NULL, b, ar, &d));
	MT_EQ_INT(d.n_kind[DOSAGE_DDI_ADDED], 1);
	MT_TRUE(!dosage_ddi_diff_weakens(&d));
	med_arena_free(ar);
	dosage_substance_kb_free(a);
	dosage_substance_kb_free(b);
	diff_one(HEAD K55,
		 HEAD "lab,potassium,2823-3,max,7.0,mmol/L,24,stop,BNF\n",
		 "weakened", KEY, "stop; potassium max 7; 24 h");
	diff_one(HEAD K55,
		 HEAD "lab,potassium,2823-3,max,5.5,mmol/L,24,warn,BNF\n",
		 "weakened", KEY, "warn; potassium max 5.5; 24 h");
	diff_one(HEAD K55,
		 HEAD "lab,potassium,2823-3,max,5.0,mmol/L,24,stop,BNF\n",
		 "tightened", KEY, "stop; potassium max 5; 24 h");
	diff_one(HEAD K55,
		 HEAD "lab,potassium,2823-3,max,5.5,mmol/L,72,stop,BNF\n",
		 "changed", KEY, "stop; potassium max 5.5; 72 h");
	diff_one(HEAD K55, HEAD, "removed", KEY, "");
	diff_one(HEAD "pregnancy,warfarin,contraindicated,x\n",
		 HEAD "pregnancy,warfarin,avoid,x\n", "weakened",
		 "pregnancy:warfarin", "avoid");
	diff_one(HEAD "moiety,potassium chloride,potassium,ATC\n", HEAD,
		 "removed", "moiety:potassium chloride", "");
	diff_one(HEAD "age,aspirin,<16y,stop,BNFc\n",
		 HEAD "age,aspirin,<12y,stop,BNFc\n", "weakened",
		 "age:aspirin:under", "stop; under 12 years");
	diff_one(HEAD "age,aspirin,<16y,warn,BNFc\n",
		 HEAD "age,aspirin,<16y,stop,BNFc\n", "tightened",
		 "age:aspirin:under", "stop; under 16 years");
	diff_one(HEAD "age,aspirin,<16y,stop,BNFc\n", HEAD, "removed",
		 "age:aspirin:under", "");
	diff_one(HEAD "opioid_naive,fentanyl,patch,stop,MHRA\n",
		 HEAD "opioid_naive,fentanyl,patch,warn,MHRA\n", "weakened",
		 "opioid_naive:fentanyl", "warn; patch");
	diff_one(HEAD "component,co-trimoxazole,trimethoprim,BNF\n", HEAD,
		 "removed", "component:co-trimoxazole:trimethoprim", "");
}

/* A combination carries each component; a salt its moiety; what two
 * substances share and how a reason names them. */
static void
test_components_and_moieties(void)
{
	dosage_substance_kb *kb =
		parse(HEAD "moiety,valaciclovir,aciclovir,SmPC\n"
			   "component,co-trimoxazole,sulfamethoxazole,BNF\n"
			   "component,co-trimoxazole,trimethoprim,BNF\n");
	dosage_dose_limits l = product("co-trimoxazole");
	const char *m[4];
	char w[160];

	MT_EQ_INT((int)dosage_substance_kb_actives(kb, "co-trimoxazole", m, 4),
		  2);
	MT_EQ_STR(m[0], "sulfamethoxazole");
	MT_EQ_STR(m[1], "trimethoprim");
	MT_EQ_INT((int)dosage_substance_kb_actives(kb, "warfarin", m, 4), 0);
	MT_TRUE(dosage_substance_kb_share(kb, "valaciclovir", "aciclovir"));
	MT_TRUE(dosage_substance_kb_share(kb, "trimethoprim",
					  "co-trimoxazole"));
	MT_TRUE(dosage_substance_kb_share(kb, "warfarin", "warfarin"));
	MT_TRUE(!dosage_substance_kb_share(kb, "valaciclovir", "warfarin"));
	dosage_substance_kb_words(kb, "valaciclovir", w, sizeof(w));
	MT_EQ_STR(w, "valaciclovir (active moiety aciclovir)");
	dosage_substance_kb_words(kb, "co-trimoxazole", w, sizeof(w));
	MT_EQ_STR(w, "co-trimoxazole (components sulfamethoxazole, "
		     "trimethoprim)");
	dosage_substance_kb_words(kb, "warfarin", w, sizeof(w));
	MT_EQ_STR(w, "warfarin");
	/* The allergy check reads the components beside the product. */
	dosage_substance_kb_apply(kb, &l);
	MT_EQ_INT((int)l.n_actives, 2);
	MT_EQ_STR(l.actives[1], "trimethoprim");
	MT_EQ_STR(l.active_of[1], "co-trimoxazole");
	dosage_substance_kb_free(kb);
	refused(HEAD "component,co-trimoxazole,trimethoprim,BNF\n"
		     "component,co-trimoxazole,trimethoprim,BNF\n",
		"line 3: 'co-trimoxazole' -> 'trimethoprim' names the "
		"component twice");
	refused(HEAD "moiety,valaciclovir,aciclovir,SmPC\n"
		     "component,valaciclovir,warfarin,x\n",
		"line 3: 'valaciclovir' -> 'warfarin' maps the substance "
		"twice");
	refused(HEAD "component,co-trimoxazole,trimethoprim,BNF\n"
		     "lab,co-trimoxazole,2823-3,max,5.5,mmol/L,24,stop,x\n",
		"line 3: 'co-trimoxazole' maps to its component");
	refused(HEAD "component,co-trimoxazole,trimethoprim\n",
		"line 2: component must be component,");
}

static void
test_age_rules(void)
{
	dosage_substance_kb *kb =
		parse(HEAD "moiety,potassium chloride,potassium,ATC\n"
			   "age,aspirin,<16y,stop,BNFc Reye\n"
			   "age,promethazine,<2y,stop,FDA boxed\n"
			   "age,promethazine,>=65y,warn,AGS Beers 2023\n"
			   "age,ceftriaxone,<28d,warn,SmPC neonates\n");
	dosage_dose_limits l = product("aspirin");
	dosage_dose_result r;

	dosage_substance_kb_apply(kb, &l);
	MT_EQ_INT(l.n_age_rules, 1);
	MT_EQ_INT(age_status(&l, 14, &r), DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(r.reason, "contraindicated under 16 years; patient "
				 "14 years (aspirin rule, substance KB "
				 "test-1 line 3; BNFc Reye)") != NULL);
	MT_EQ_INT(age_status(&l, 16, &r), DOSAGE_DOSE_OK);
	MT_EQ_INT(age_status(&l, 40, &r), DOSAGE_DOSE_OK);
	MT_EQ_INT(age_status(&l, 0, &r), DOSAGE_DOSE_NOT_CHECKED);
	/* Under an order whose prescriber overrode it: a warning. */
	l.age_overridden = true;
	MT_EQ_INT(age_status(&l, 14, &r), DOSAGE_DOSE_WARN);
	MT_TRUE(strstr(r.reason, "(overridden at order entry)") != NULL);
	l.age_overridden = false;
	/* One substance, a child's stop and an older adult's warning. */
	l = product("promethazine");
	dosage_substance_kb_apply(kb, &l);
	MT_EQ_INT(age_status(&l, 1, &r), DOSAGE_DOSE_HARD_STOP);
	MT_EQ_INT(age_status(&l, 30, &r), DOSAGE_DOSE_OK);
	MT_EQ_INT(age_status(&l, 80, &r), DOSAGE_DOSE_WARN);
	MT_TRUE(strstr(r.reason, "aged 65 years or over; patient 80 years") !=
		NULL);
	MT_TRUE(strstr(r.reason, "AGS Beers 2023") != NULL);
	/* A band in days. */
	l = product("ceftriaxone");
	dosage_substance_kb_apply(kb, &l);
	MT_EQ_INT(age_status(&l, -10, &r), DOSAGE_DOSE_WARN);
	MT_EQ_INT(age_status(&l, -40, &r), DOSAGE_DOSE_OK);
	/* No rule: not applicable; and the check runs in every evaluation. */
	l = product("potassium chloride");
	dosage_substance_kb_apply(kb, &l);
	MT_EQ_INT(age_status(&l, 5, &r), DOSAGE_DOSE_NOT_APPLICABLE);
	{
		dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

		l = product("aspirin");
		dosage_substance_kb_apply(kb, &l);
		MT_EQ_INT(eval(&l, 4.0, I_AGE, out)->check,
			  DOSAGE_DOSE_CHECK_AGE);
		MT_EQ_INT(out[I_AGE].status, DOSAGE_DOSE_OK);
		MT_EQ_STR(dosage_dose_check_name(DOSAGE_DOSE_CHECK_AGE), "age");
	}
	dosage_substance_kb_free(kb);
}

static void
test_bad_age_lines_named(void)
{
	refused(HEAD "age,unobtainium,<16y,stop,BNFc\n",
		"line 2: 'unobtainium' is no substance");
	refused(HEAD "age,aspirin,under 16,stop,BNFc\n",
		"line 2: age band 'under 16' does not read");
	refused(HEAD "age,aspirin,<16w,stop,BNFc\n",
		"line 2: age band '<16w' does not read");
	refused(HEAD "age,aspirin,<0y,stop,BNFc\n",
		"line 2: age band '<0y' does not read");
	refused(HEAD "age,aspirin,>=200y,warn,BNFc\n",
		"line 2: age band '>=200y' does not read");
	refused(HEAD "age,aspirin,<16y,stop,\n", "line 2: source must be");
	refused(HEAD "age,aspirin,<16y,stop\n", "line 2: age must be");
	refused(HEAD "age,aspirin,<16y,maybe,BNFc\n",
		"line 2: action must be stop or warn");
	refused(HEAD "age,aspirin,<16y,stop,a\nage,aspirin,<12y,warn,b\n",
		"line 3: contradicts or repeats line 2");
	refused(HEAD "moiety,potassium chloride,potassium,ATC\n"
		     "age,potassium chloride,<1y,warn,x\n",
		"line 3: 'potassium chloride' maps to its moiety");
}

static void
test_opioid_naive_rules(void)
{
	dosage_substance_kb *kb =
		parse(HEAD "opioid_naive,fentanyl,transdermal;patch,stop,MHRA\n"
			   "opioid_naive,buprenorphine,patch,warn,Butrans\n"
			   "opioid_naive,morphine,modified-release;m/r,stop,"
			   "CDC\n");
	const char *fentanyl[] = {"fentanyl"}, *morphine[] = {"morphine"};
	const char *bup[] = {"buprenorphine"}, *codeine[] = {"codeine"};
	const char *patch[] = {"Transdermal patch"}, *mr[] = {"M/R tablet"};
	const char *tablet[] = {"tablet"}, *injection[] = {"injection"};
	bool stop = false;
	const char *o;

	/* By the order's route, or by the product's form, any case. */
	o = dosage_substance_kb_naive(kb, fentanyl, 1, "transdermal", tablet, 1,
				      &stop);
	MT_TRUE(o != NULL && strstr(o, "fentanyl rule") != NULL);
	MT_TRUE(stop);
	MT_TRUE(dosage_substance_kb_naive(kb, fentanyl, 1, NULL, patch, 1,
					  &stop) != NULL);
	MT_TRUE(dosage_substance_kb_naive(kb, morphine, 1, "oral", mr, 1,
					  &stop) != NULL);
	MT_TRUE(dosage_substance_kb_naive(kb, bup, 1, NULL, patch, 1, &stop) !=
		NULL);
	MT_TRUE(!stop);
	/* Immediate-release or parenteral, or another opioid: no rule. */
	MT_TRUE(dosage_substance_kb_naive(kb, morphine, 1, "oral", tablet, 1,
					  &stop) == NULL);
	MT_TRUE(dosage_substance_kb_naive(kb, fentanyl, 1, "iv", injection, 1,
					  &stop) == NULL);
	MT_TRUE(dosage_substance_kb_naive(kb, codeine, 1, "oral", mr, 1,
					  &stop) == NULL);
	dosage_substance_kb_free(kb);
	/* The largest start a naive patient's warning answers. */
	kb = parse(HEAD "opioid_naive,buprenorphine,patch,warn,Butrans,5,ug\n");
	o = dosage_substance_kb_naive(kb, bup, 1, NULL, patch, 1, &stop);
	{
		const char *unit = NULL;

		MT_NEAR(dosage_substance_kb_naive_start(kb, o, &unit), 5, 1e-9);
		MT_EQ_STR(unit, "ug");
	}
	dosage_substance_kb_free(kb);
	refused(HEAD "opioid_naive,buprenorphine,patch,warn,x,0,ug\n",
		"line 2: max start dose must be");
	refused(HEAD "opioid_naive,buprenorphine,patch,warn,x,5,mL\n",
		"line 2: max start unit must be a mass");
	refused(HEAD "opioid_naive,buprenorphine,patch,warn,x,5\n",
		"line 2: opioid_naive must be");
	refused(HEAD "opioid_naive,paracetamol,m/r,stop,x\n",
		"line 2: the substance is no opioid");
	refused(HEAD "opioid_naive,unobtainium,m/r,stop,x\n",
		"line 2: 'unobtainium' is no substance");
	refused(HEAD "opioid_naive,morphine,,stop,x\n",
		"line 2: keywords must be");
	refused(HEAD "opioid_naive,morphine,m/r,stop,\n",
		"line 2: source must be");
	refused(HEAD "opioid_naive,morphine,m/r,maybe,x\n",
		"line 2: action must be");
	refused(HEAD "opioid_naive,morphine,m/r,stop,x\n"
		     "opioid_naive,morphine,patch,warn,y\n",
		"line 3: repeats line 2");
}

/* renal_eval applies kb to an enoxaparin product of regimen g and checks
 * dose (a day of day) at a clearance of crcl, 70 kg. */
static dosage_dose_status
renal_eval(const dosage_substance_kb *kb, dosage_regimen g, double crcl,
	   double dose, double day, dosage_dose_result *r)
{
	dosage_dose_limits l = product("enoxaparin");
	dosage_renal_function f = {.value = crcl,
				   .label = "creatinine clearance",
				   .unit = "mL/min"};

	l.unit = "mg";
	dosage_substance_kb_apply(kb, &l);
	for (size_t i = 0; i < l.n_renal_rules; i++)
		l.renal_rules[i].converted = true; /* both in mg */
	l.regimen = g;
	memset(r, 0, sizeof(*r));
	dosage_dose_renal_rules(&l, &f, 70, day, dose, r);
	return r->status;
}

static void
test_renal_rules(void)
{
	dosage_substance_kb *kb = parse(
		HEAD "renal,enoxaparin,prophylaxis,30,20,20,mg,stop,Clexane\n"
		     "renal,enoxaparin,treatment,30,1,1,mg/kg,stop,Clexane\n"
		     "renal,enoxaparin,any,15,0,0,mg,warn,Clexane\n");
	dosage_dose_result r;

	/* Prophylaxis: 40 mg stops below 30, 20 mg does not. */
	MT_EQ_INT(renal_eval(kb, DOSAGE_REGIMEN_PROPHYLAXIS, 20, 40, 40, &r),
		  DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(r.reason, "prophylaxis: dose 40 mg exceeds 20 mg") !=
		NULL);
	MT_EQ_INT(renal_eval(kb, DOSAGE_REGIMEN_PROPHYLAXIS, 20, 20, 20, &r),
		  DOSAGE_DOSE_OK);
	/* Treatment: 1 mg/kg a day at 70 kg. */
	MT_EQ_INT(renal_eval(kb, DOSAGE_REGIMEN_TREATMENT, 20, 70, 140, &r),
		  DOSAGE_DOSE_HARD_STOP);
	MT_EQ_INT(renal_eval(kb, DOSAGE_REGIMEN_TREATMENT, 20, 70, 70, &r),
		  DOSAGE_DOSE_OK);
	/* Not stated: the permissive regimen, and a warning asking. */
	MT_EQ_INT(renal_eval(kb, DOSAGE_REGIMEN_ANY, 20, 40, 40, &r),
		  DOSAGE_DOSE_WARN);
	MT_TRUE(strstr(r.reason, "regimen not stated") != NULL);
	MT_EQ_INT(renal_eval(kb, DOSAGE_REGIMEN_ANY, 20, 140, 140, &r),
		  DOSAGE_DOSE_HARD_STOP);
	/* Above every band nothing holds; below 15 every regimen warns. */
	MT_EQ_INT(renal_eval(kb, DOSAGE_REGIMEN_ANY, 60, 40, 40, &r),
		  DOSAGE_DOSE_OK);
	MT_EQ_INT(renal_eval(kb, DOSAGE_REGIMEN_PROPHYLAXIS, 10, 20, 20, &r),
		  DOSAGE_DOSE_WARN);
	MT_TRUE(strstr(r.reason, "not to be given") != NULL);
	dosage_substance_kb_free(kb);
	refused(HEAD "renal,enoxaparin,prophylactic,30,20,20,mg,stop,x\n",
		"line 2: regimen must be prophylaxis, treatment or any");
	refused(HEAD "renal,enoxaparin,any,0,20,20,mg,stop,x\n",
		"line 2: clearance band must be");
	refused(HEAD "renal,enoxaparin,any,30,-1,20,mg,stop,x\n",
		"line 2: maxima must be");
	refused(HEAD "renal,enoxaparin,any,30,20,20,mL,stop,x\n",
		"line 2: unit must be a mass");
	refused(HEAD "renal,enoxaparin,any,30,20,20,mg,stop,\n",
		"line 2: source must be");
	refused(HEAD "renal,enoxaparin,any,30,20,20,mg,stop,x\n"
		     "renal,enoxaparin,any,30,10,10,mg,warn,y\n",
		"line 3: contradicts or repeats line 2");
	refused(HEAD "renal,unobtainium,any,30,20,20,mg,stop,x\n",
		"line 2: 'unobtainium' is no substance");
}

#define PARA_A "hepatic,paracetamol,A,0,3000,mg,stop,Perfalgan\n"
#define MTX_C  "hepatic,methotrexate,C,0,0,mg,stop,SmPC\n"

/* hepatic_eval applies kb to a product of substance (1 g a dose, 4 g a
 * day, in mg; bands its own Child-Pugh B factor, 0: none) and checks
 * dose on top of given_24h for a patient of Child-Pugh cls. */
static dosage_dose_status
hepatic_eval(const dosage_substance_kb *kb, const char *substance,
	     double band_b, char cls, double dose, double given_24h,
	     dosage_dose_result *r)
{
	dosage_dose_limits l = product(substance);
	dosage_dose_history h = {.given_24h = given_24h};
	dosage_dose_patient p = {
		.allergies_known = true,
		.hepatic_known = true,
		.hepatic_impaired = cls != 0,
		.child_pugh = cls,
		.hepatic_summary = "K74.6",
	};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	l.unit = "mg";
	l.single_max = 1000;
	l.max_24h = 4000;
	if (band_b > 0) {
		l.hepatic_factor[1] = band_b;
		l.hepatic_set = 1u << 1;
	}
	dosage_substance_kb_apply(kb, &l);
	for (size_t i = 0; i < l.n_hepatic_rules; i++)
		l.hepatic_rules[i].converted = true; /* both in mg */
	dosage_dose_evaluate(&l, &p, &h, dose, NOW, out);
	*r = out[11];
	MT_EQ_INT(r->check, DOSAGE_DOSE_CHECK_HEPATIC);
	return r->status;
}

/* A substance's hepatic rule reaches every product of it, holds its class
 * and the worse ones, and a product's stricter band still wins. */
static void
test_hepatic_rules(void)
{
	dosage_substance_kb *kb = parse(HEAD PARA_A MTX_C);
	dosage_dose_result r;

	/* Paracetamol: 3 g a day from Child-Pugh A; the fourth gram stops
	 * in class C (a rule of a milder class holds), the third does not. */
	MT_EQ_INT(hepatic_eval(kb, "paracetamol", 0, 'C', 1000, 3000, &r),
		  DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(r.reason, "24-h total 4000 mg exceeds 3000 mg") != NULL);
	MT_TRUE(strstr(r.reason, "Perfalgan") != NULL);
	MT_EQ_INT(hepatic_eval(kb, "paracetamol", 0, 'C', 1000, 2000, &r),
		  DOSAGE_DOSE_OK);
	/* No liver disease: nothing holds. */
	MT_EQ_INT(hepatic_eval(kb, "paracetamol", 0, 0, 1000, 3000, &r),
		  DOSAGE_DOSE_OK);
	/* Methotrexate: not in class C; class A and B pass. */
	MT_EQ_INT(hepatic_eval(kb, "methotrexate", 0, 'C', 10, 0, &r),
		  DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(r.reason, "not to be given in Child-Pugh C") != NULL);
	MT_EQ_INT(hepatic_eval(kb, "methotrexate", 0, 'B', 10, 0, &r),
		  DOSAGE_DOSE_OK);
	MT_EQ_INT(hepatic_eval(kb, "methotrexate", 0, 'A', 10, 0, &r),
		  DOSAGE_DOSE_OK);
	/* A product band halving the maxima in B (500 mg, 2 g a day) is
	 * stricter than the substance's 3 g: it stands. */
	MT_EQ_INT(hepatic_eval(kb, "paracetamol", 0.5, 'B', 1000, 0, &r),
		  DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(r.reason, "hepatically adjusted dose") != NULL);
	/* A looser band (none at all in B: factor 1) never lifts the rule. */
	MT_EQ_INT(hepatic_eval(kb, "paracetamol", 1, 'B', 1000, 3000, &r),
		  DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(r.reason, "exceeds 3000 mg") != NULL);
	dosage_substance_kb_free(kb);
}

static void
test_bad_hepatic_lines_named(void)
{
	refused(HEAD "hepatic,paracetamol,D,0,3000,mg,stop,x\n",
		"line 2: Child-Pugh class must be A, B or C");
	refused(HEAD "hepatic,paracetamol,,0,3000,mg,stop,x\n",
		"line 2: Child-Pugh class must be A, B or C");
	refused(HEAD "hepatic,unobtainium,A,0,3000,mg,stop,x\n",
		"line 2: 'unobtainium' is no substance");
	refused(HEAD "hepatic,paracetamol,A,0,3000,mg,stop,\n",
		"line 2: source must be");
	refused(HEAD "hepatic,paracetamol,A,0,3000,mg,stop\n",
		"line 2: hepatic must be hepatic,<substance>");
	refused(HEAD "hepatic,paracetamol,A,0,-1,mg,stop,x\n",
		"line 2: maxima must be");
	refused(HEAD "hepatic,paracetamol,A,0,45,mg/kg,stop,x\n",
		"line 2: unit must be a mass");
	refused(HEAD "hepatic,paracetamol,A,0,3000,mg,halt,x\n",
		"line 2: action must be stop or warn");
	refused(HEAD PARA_A "hepatic,paracetamol,A,0,2000,mg,warn,y\n",
		"line 3: contradicts or repeats line 2");
	refused(HEAD "moiety,potassium chloride,potassium,ATC\n"
		     "hepatic,potassium chloride,C,0,0,mg,stop,x\n",
		"line 3: 'potassium chloride' maps to its moiety");
}

static void
test_hepatic_diff(void)
{
	diff_one(HEAD PARA_A,
		 HEAD "hepatic,paracetamol,A,0,4000,mg,stop,Perfalgan\n",
		 "weakened", "hepatic:paracetamol:A",
		 "stop; Child-Pugh A or worse at most 0 a dose, 4000 in 24 h "
		 "(mg)");
	diff_one(HEAD PARA_A,
		 HEAD "hepatic,paracetamol,A,0,2000,mg,stop,Perfalgan\n",
		 "tightened", "hepatic:paracetamol:A",
		 "stop; Child-Pugh A or worse at most 0 a dose, 2000 in 24 h "
		 "(mg)");
	diff_one(
		HEAD MTX_C, HEAD "hepatic,methotrexate,C,0,0,mg,warn,SmPC\n",
		"weakened", "hepatic:methotrexate:C",
		"warn; Child-Pugh C or worse at most 0 a dose, 0 in 24 h (mg)");
	diff_one(HEAD MTX_C, HEAD, "removed", "hepatic:methotrexate:C", "");
	diff_one(
		HEAD, HEAD MTX_C, "added", "hepatic:methotrexate:C",
		"stop; Child-Pugh C or worse at most 0 a dose, 0 in 24 h (mg)");
}

static const mt_case cases[] = {
	{"starter_reads", test_starter_reads},
	{"every_product_inherits", test_every_product_inherits},
	{"product_tightens_never_loosens", test_product_tightens_never_loosens},
	{"units_convert", test_units_convert},
	{"bad_lines_named", test_bad_lines_named},
	{"diff", test_diff},
	{"components_and_moieties", test_components_and_moieties},
	{"age_rules", test_age_rules},
	{"bad_age_lines_named", test_bad_age_lines_named},
	{"opioid_naive_rules", test_opioid_naive_rules},
	{"renal_rules", test_renal_rules},
	{"hepatic_rules", test_hepatic_rules},
	{"bad_hepatic_lines_named", test_bad_hepatic_lines_named},
	{"hepatic_diff", test_hepatic_diff},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
