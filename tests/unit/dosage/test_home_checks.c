/*
 * test_home_checks.c - which home medicines count in the checks of a new
 * order or dose, and as what (home_checks.c): in force while taken or
 * undecided, from the last dose once stopped or held, not at all when a
 * named order continues it; the bridging pair beside an undecided home
 * anticoagulant; the prescriber's admission task.
 */
#include "testlib.h"

#include <string.h>

#include "dosage.h"
#include "checks.h"

#define HOUR_MS (3600LL * 1000)
#define NOW_MS	(1800000000000LL)
#define WINDOW	(48 * HOUR_MS)

#define HS(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_STATUS__HOME_MEDICATION_STATUS_##x
#define HD(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_DECISION__HOME_MEDICATION_DECISION_##x

static dosage_home_fact
fact(const char *substance, int status, int decision, const char *enc)
{
	dosage_home_fact f = {
		.medicine = "Home medicine",
		.substance = substance,
		.status = status,
		.decision = decision,
		.decision_encounter_id = enc,
		.order_id = "",
		.last_dose_ms = NOW_MS - 14 * HOUR_MS,
		.recorded_ms = NOW_MS - 2 * HOUR_MS,
	};

	return f;
}

static bool
place(const dosage_home_fact *f, const char *enc, dosage_class_other *o,
      char *why)
{
	return dosage_home_place(f, enc, NOW_MS, WINDOW, o, why,
				 DOSAGE_DOSE_REASON_MAX);
}

/* Taken and undecided: in force, possibly active, named as such. */
static void
test_undecided_in_force(void)
{
	dosage_home_fact f = fact("warfarin", HS(ACTIVE), 0, "");
	dosage_class_other o;
	char why[DOSAGE_DOSE_REASON_MAX];

	MT_TRUE(place(&f, "enc-1", &o, why));
	MT_EQ_INT(o.t_ms, 0);
	MT_TRUE(o.undecided);
	MT_EQ_STR(o.order_id, "");
	MT_EQ_STR(why, "home medicine \"Home medicine\", taken at home, "
		       "undecided at admission, last dose 14.0 h ago");
}

/* A decision counts on its own stay only. */
static void
test_decision_of_another_stay(void)
{
	dosage_home_fact f = fact("warfarin", HS(ACTIVE), HD(STOP), "enc-0");
	dosage_class_other o;
	char why[DOSAGE_DOSE_REASON_MAX];

	MT_TRUE(place(&f, "enc-1", &o, why));
	MT_TRUE(o.undecided);
	MT_TRUE(place(&f, "enc-0", &o, why));
	MT_EQ_INT(o.t_ms, NOW_MS - 14 * HOUR_MS);
	MT_TRUE(strstr(why, "stopped at admission") != NULL);
}

/* Continued: in force and decided; continued as a named order: the
 * order stands for it. */
static void
test_continued(void)
{
	dosage_home_fact f =
		fact("warfarin", HS(UNKNOWN), HD(CONTINUE), "enc-1");
	dosage_class_other o;
	char why[DOSAGE_DOSE_REASON_MAX];

	MT_TRUE(place(&f, "enc-1", &o, why));
	MT_TRUE(!o.undecided);
	MT_EQ_INT(o.t_ms, 0);
	f.order_id = "b6f1b0a4-5d6e-4f3e-9d55-0d8f0f0c1a11";
	MT_TRUE(place(&f, "enc-1", &o, why));
	MT_TRUE(o.by_order);
	MT_TRUE(!o.undecided);
}

/* A dose taken at home is the nearest when nearer than any given here,
 * for the drug's own substance only. */
static void
test_nearest(void)
{
	dosage_class_other items[2];
	dosage_class_list l = {.items = items, .n = 2};
	dosage_dose_history h;
	dosage_drug d;

	smartmed__dosage__v1__drug__init(&d);
	d.code = "PARA";
	d.substance = "paracetamol";
	memset(items, 0, sizeof(items));
	items[0] = (dosage_class_other){.substance = "paracetamol",
					.label = "Panadol",
					.home = "h",
					.last_dose_ms = NOW_MS - 2 * HOUR_MS};
	items[1] = (dosage_class_other){.substance = "ibuprofen",
					.label = "Nurofen",
					.home = "h",
					.last_dose_ms = NOW_MS - HOUR_MS};
	memset(&h, 0, sizeof(h));
	h.has_nearest = true;
	h.nearest_gap_ms = 5 * HOUR_MS;
	dosage_home_nearest(&l, &d, NOW_MS, &h);
	MT_EQ_INT(h.nearest_gap_ms, 2 * HOUR_MS);
	MT_EQ_STR(h.nearest_home, "Panadol");
	memset(&h, 0, sizeof(h));
	h.has_nearest = true;
	h.nearest_gap_ms = HOUR_MS;
	dosage_home_nearest(&l, &d, NOW_MS, &h);
	MT_EQ_INT(h.nearest_gap_ms, HOUR_MS);
	MT_TRUE(h.nearest_home == NULL);
}

/* The 24-h total: the doses taken at home of the drug's own substance in
 * the 24 h before, converted; one dose when the count is not known. */
static void
test_day_total(void)
{
	dosage_class_other items[3];
	dosage_class_list l = {.items = items, .n = 3};
	dosage_dose_history h;
	dosage_drug d;

	smartmed__dosage__v1__drug__init(&d);
	d.code = "PARA";
	d.substance = "paracetamol";
	d.unit = "mg";
	items[0] = (dosage_class_other){.substance = "paracetamol",
					.label = "Panadol",
					.home = "h",
					.last_dose_ms = NOW_MS - 2 * HOUR_MS,
					.home_amount = 1,
					.home_unit = "g",
					.home_doses = 3};
	items[1] = (dosage_class_other){.substance = "ibuprofen",
					.label = "Nurofen",
					.home = "h",
					.last_dose_ms = NOW_MS - HOUR_MS,
					.home_amount = 400,
					.home_unit = "mg"};
	items[2] = items[0];
	items[2].last_dose_ms = NOW_MS - 25 * HOUR_MS;
	memset(&h, 0, sizeof(h));
	h.given_24h = 1000;
	dosage_home_day(&l, &d, NOW_MS, &h);
	MT_NEAR(h.given_24h, 4000, 1e-9);
	MT_NEAR(h.home_24h, 3000, 1e-9);
	MT_EQ_STR(h.home_24h_from, "Panadol");
	/* The same doses count in the lifetime total. */
	MT_NEAR(h.given_lifetime, 3000, 1e-9);
	MT_NEAR(h.home_lifetime, 3000, 1e-9);
	/* At order entry: the lifetime total only, not the day's. */
	memset(&h, 0, sizeof(h));
	dosage_home_lifetime(&l, &d, NOW_MS, &h);
	MT_NEAR(h.given_24h, 0, 1e-9);
	MT_NEAR(h.given_lifetime, 3000, 1e-9);
	MT_NEAR(h.home_lifetime, 3000, 1e-9);
	items[0].home_doses = 0;
	MT_EQ_INT((int)dosage_home_day_doses(&items[0], NOW_MS), 1);
	MT_EQ_INT((int)dosage_home_day_doses(&items[2], NOW_MS), 0);
	items[0].home_amount = 0;
	MT_EQ_INT((int)dosage_home_day_doses(&items[0], NOW_MS), 0);
}

/* Stopped: from its last dose within the window; without a last dose
 * from when it was recorded as taken, or nothing when recorded stopped. */
static void
test_stopped_window(void)
{
	dosage_home_fact f = fact("clarithromycin", HS(STOPPED), 0, "");
	dosage_class_other o;
	char why[DOSAGE_DOSE_REASON_MAX];

	MT_TRUE(place(&f, "", &o, why));
	MT_EQ_INT(o.t_ms, NOW_MS - 14 * HOUR_MS);
	MT_TRUE(strstr(why, "stopped, last dose 14.0 h ago") != NULL);
	f.last_dose_ms = NOW_MS - 5 * 24 * HOUR_MS;
	MT_TRUE(!place(&f, "", &o, why));
	f.last_dose_ms = 0;
	MT_TRUE(!place(&f, "", &o, why));
	f.stopped_ms = NOW_MS - HOUR_MS; /* StopHomeMedication ran */
	MT_TRUE(place(&f, "", &o, why));
	MT_EQ_INT(o.t_ms, f.recorded_ms);
	MT_TRUE(strstr(why, "last dose not recorded") != NULL);
}

/* Warfarin beside enoxaparin: a bridge once decided, a duplicate while
 * the home warfarin is undecided. */
static void
test_bridge_needs_a_decision(void)
{
	const char *enox[] = {"enoxaparin"};
	dosage_home_fact f = fact("warfarin", HS(ACTIVE), 0, "");
	dosage_class_other o;
	dosage_dose_result r;
	char why[DOSAGE_DOSE_REASON_MAX];

	MT_TRUE(place(&f, "", &o, why));
	o.home = why;
	dosage_class_duplicate(enox, 1, false, &o, 1, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_HARD_STOP);
	MT_TRUE(strstr(r.reason, "(home medicine \"Home medicine\"") != NULL);
	f.decision = HD(CONTINUE);
	MT_TRUE(place(&f, "", &o, why));
	o.home = why;
	dosage_class_duplicate(enox, 1, false, &o, 1, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_WARN);
}

/* The task: undecided home medicines of the four classes, named. */
static void
test_admission_task(void)
{
	dosage_class_other items[4];
	dosage_class_list l = {.items = items, .n = 4};
	dosage_dose_result r;

	memset(items, 0, sizeof(items));
	items[0] = (dosage_class_other){.substance = "warfarin",
					.label = "Warfarin 5 mg",
					.home = "h",
					.undecided = true};
	items[1] = (dosage_class_other){.substance = "levetiracetam",
					.label = "Keppra 500 mg",
					.home = "h",
					.undecided = false};
	items[2] = (dosage_class_other){.substance = "bisoprolol",
					.label = "Bisoprolol 5 mg",
					.home = "h",
					.undecided = true};
	items[3] = (dosage_class_other){.substance = "insulin",
					.label = "Insulin, order",
					.order_id = "x"};
	dosage_home_task_check(&l, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_WARN);
	MT_NEAR(r.value, 1, 0);
	MT_TRUE(strstr(r.reason, "warfarin (Warfarin 5 mg, anticoagulant)") !=
		NULL);
	items[0].undecided = false;
	dosage_home_task_check(&l, &r);
	MT_EQ_INT(r.status, DOSAGE_DOSE_OK);
	MT_EQ_STR(dosage_admission_task_class("levetiracetam"),
		  "anti-epileptic");
	MT_EQ_STR(dosage_admission_task_class("selegiline"),
		  "Parkinson's medicine");
	MT_EQ_STR(dosage_admission_task_class("insulin"), "insulin");
	MT_TRUE(dosage_admission_task_class("bisoprolol") == NULL);
}

/* Earlier courses before admission count in the lifetime total only,
 * converted, for the drug's own substance, with no list item at all. */
static void
test_prior_courses(void)
{
	dosage_class_list l = {.n_prior = 2};
	dosage_dose_history h;
	dosage_drug d;

	smartmed__dosage__v1__drug__init(&d);
	d.code = "DOXO";
	d.substance = "doxorubicin";
	d.unit = "mg";
	l.prior[0] = (dosage_home_prior){.substance = "doxorubicin",
					 .label = "R-CHOP elsewhere",
					 .unit = "g",
					 .amount = 0.8};
	l.prior[1] = (dosage_home_prior){.substance = "epirubicin",
					 .label = "other",
					 .unit = "mg",
					 .amount = 300};
	memset(&h, 0, sizeof(h));
	dosage_home_lifetime(&l, &d, NOW_MS, &h);
	MT_NEAR(h.given_lifetime, 800, 1e-9);
	MT_NEAR(h.prior_lifetime, 800, 1e-9);
	MT_NEAR(h.home_lifetime, 0, 1e-9);
	MT_EQ_STR(h.prior_from, "R-CHOP elsewhere");
	memset(&h, 0, sizeof(h));
	dosage_home_day(&l, &d, NOW_MS, &h);
	MT_NEAR(h.given_24h, 0, 1e-9);
	MT_NEAR(h.given_lifetime, 800, 1e-9);
}

static const mt_case cases[] = {
	{"undecided_in_force", test_undecided_in_force},
	{"decision_of_another_stay", test_decision_of_another_stay},
	{"continued", test_continued},
	{"nearest", test_nearest},
	{"stopped_window", test_stopped_window},
	{"day_total", test_day_total},
	{"prior_courses", test_prior_courses},
	{"bridge_needs_a_decision", test_bridge_needs_a_decision},
	{"admission_task", test_admission_task},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
