/*
 * test_opoint.c - the operating point (opoint.c): read from a model card
 * (its sha256 tied to the model file, every field checked), overridden
 * only by configuration (the card's expected figures then dropped),
 * applied to a finding's probabilities, and stored and read back as the
 * JSON kept with the finding.  The service end to end is
 * tests/integration/test_diagnosis_opoint.py's.
 */
#include "testlib.h"

#include <med/arena.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diagnosis.h"

#define SUM "72e905f2cbea09c13e7a120c35947b91cec0116ebf2e1e4025cbbc691fde4c8b"

static const char *const labels[] = {"normal", "pneumonia"};

static const char card_ok[] =
	"{\"sha256\":\"" SUM "\",\"operating_point\":{"
	"\"label\":\"pneumonia\",\"threshold\":0.664,"
	"\"chosen_on\":\"validation\",\"target_sensitivity\":0.95,"
	"\"expected_sensitivity\":0.954,\"sensitivity_ci95\":[0.928,0.971],"
	"\"expected_specificity\":0.816,\"specificity_ci95\":[0.762,0.861],"
	"\"expected_ppv\":0.893,\"ppv_ci95\":[0.860,0.919],"
	"\"expected_npv\":0.915,\"npv_ci95\":[0.872,0.945],"
	"\"measured_on\":\"test split\"}}";

/* load writes text to a temporary card and loads it. */
static med_err
load(const char *text, int64_t permille, diagnosis_opoint *op, char *reason,
     size_t len)
{
	char path[] = "/tmp/test_opoint_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	med_err err;

	if (f == NULL)
		return MED_ERR_IO;
	fputs(text, f);
	fclose(f);
	err = diagnosis_opoint_load(path, SUM, permille, labels, 2, op, reason,
				    len);
	unlink(path);
	return err;
}

static void
test_reads_the_card(void)
{
	diagnosis_opoint op;
	char reason[256] = "";

	MT_OK(load(card_ok, 0, &op, reason, sizeof(reason)));
	MT_TRUE(op.set);
	MT_EQ_STR(op.label, "pneumonia");
	MT_EQ_INT((int)op.label_index, 1);
	MT_NEAR(op.threshold, 0.664, 1e-6);
	MT_EQ_STR(op.source, "model-card");
	MT_NEAR(op.sens_lo, 0.928, 1e-6);
	MT_NEAR(op.spec_hi, 0.861, 1e-6);
	MT_NEAR(op.ppv_lo, 0.860, 1e-6);
	MT_NEAR(op.npv_hi, 0.945, 1e-6);
}

static void
test_configuration_overrides_and_drops_the_figures(void)
{
	diagnosis_opoint op;
	char reason[256] = "";

	MT_OK(load(card_ok, 500, &op, reason, sizeof(reason)));
	MT_NEAR(op.threshold, 0.5, 1e-6);
	MT_NEAR(op.card_threshold, 0.664, 1e-6);
	MT_EQ_STR(op.source, "configuration");
	MT_NEAR(op.sens, 0.0, 1e-9);
	MT_NEAR(op.spec_hi, 0.0, 1e-9);
	MT_NEAR(op.ppv, 0.0, 1e-9);
	MT_NEAR(op.npv_lo, 0.0, 1e-9);
	MT_EQ_STR(op.measured_on, "");
}

/* refused loads a card with from replaced by to and expects INVALID
 * naming what. */
static void
refused(const char *from, const char *to, const char *what)
{
	char text[2048], reason[256] = "";
	const char *at = strstr(card_ok, from);
	diagnosis_opoint op;

	MT_TRUE(at != NULL);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - card_ok), card_ok,
		 to, at + strlen(from));
	MT_EQ_INT(load(text, 0, &op, reason, sizeof(reason)), MED_ERR_INVALID);
	MT_TRUE(strstr(reason, what) != NULL);
}

static void
test_refuses_another_models_card(void)
{
	refused(SUM, "00", "another model file");
}

static void
test_refuses_a_label_the_model_lacks(void)
{
	refused("\"label\":\"pneumonia\"", "\"label\":\"covid\"",
		"not one of the model's labels");
}

static void
test_refuses_a_threshold_out_of_range(void)
{
	refused("0.664", "1.5", "operating_point.threshold");
	refused("\"threshold\":0.664,", "", "operating_point.threshold");
}

static void
test_refuses_an_inverted_interval(void)
{
	refused("[0.928,0.971]", "[0.971,0.928]",
		"operating_point.sensitivity_ci95");
}

/* Every figure comes with its interval and its source, and lies in it. */
static void
test_refuses_figures_without_interval_or_source(void)
{
	refused("\"ppv_ci95\":[0.860,0.919],", "", "operating_point.ppv_ci95");
	refused("\"expected_npv\":0.915,", "", "operating_point.npv_ci95");
	refused("\"measured_on\":\"test split\"", "\"measured_on\":\"\"",
		"operating_point.measured_on");
	refused("\"expected_ppv\":0.893", "\"expected_ppv\":0.95",
		"operating_point.expected_ppv lies outside");
}

static void
test_applies_the_threshold_at_or_above(void)
{
	med_arena *a = med_arena_new(1 << 16);
	diagnosis_opoint op;
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;
	char reason[256] = "";
	float below[] = {0.34f, 0.66f}, at[] = {0.336f, 0.664f};

	MT_OK(load(card_ok, 0, &op, reason, sizeof(reason)));
	MT_OK(diagnosis_opoint_fill(a, &op, below, &f));
	MT_TRUE(!f.operating_point->positive);
	MT_OK(diagnosis_opoint_fill(a, &op, at, &f));
	MT_TRUE(f.operating_point->positive);
	med_arena_free(a);
}

static void
test_no_card_no_point(void)
{
	diagnosis_opoint op = {.set = false};
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;
	float p[] = {0.1f, 0.9f};

	MT_OK(diagnosis_opoint_fill(NULL, &op, p, &f));
	MT_TRUE(f.operating_point == NULL);
}

static void
test_stored_json_reads_back(void)
{
	med_arena *a = med_arena_new(1 << 16);
	diagnosis_opoint op;
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;
	diagnosis_finding g = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;
	char reason[256] = "", *json;
	float p[] = {0.2f, 0.8f};

	MT_OK(load(card_ok, 0, &op, reason, sizeof(reason)));
	MT_OK(diagnosis_opoint_fill(a, &op, p, &f));
	json = diagnosis_opoint_to_json(f.operating_point);
	MT_TRUE(json != NULL);
	MT_OK(diagnosis_opoint_from_json(a, json, &g));
	free(json);
	MT_TRUE(g.operating_point != NULL);
	MT_TRUE(g.operating_point->positive);
	MT_EQ_STR(g.operating_point->source, "model-card");
	MT_NEAR(g.operating_point->threshold, 0.664, 1e-6);
	MT_NEAR(g.operating_point->specificity_ci_low, 0.762, 1e-6);
	MT_EQ_STR(g.operating_point->measured_on, "test split");
	MT_NEAR(g.operating_point->expected_ppv, 0.893, 1e-6);
	MT_NEAR(g.operating_point->npv_ci_high, 0.945, 1e-6);
	MT_OK(diagnosis_opoint_from_json(a, "", &g));
	MT_EQ_INT(diagnosis_opoint_from_json(a, "{\"label\":1}", &g),
		  MED_ERR_INTERNAL);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"reads_the_card", test_reads_the_card},
	{"configuration_overrides_and_drops_the_figures",
	 test_configuration_overrides_and_drops_the_figures},
	{"refuses_another_models_card", test_refuses_another_models_card},
	{"refuses_a_label_the_model_lacks",
	 test_refuses_a_label_the_model_lacks},
	{"refuses_a_threshold_out_of_range",
	 test_refuses_a_threshold_out_of_range},
	{"refuses_an_inverted_interval", test_refuses_an_inverted_interval},
	{"refuses_figures_without_interval_or_source",
	 test_refuses_figures_without_interval_or_source},
	{"applies_the_threshold_at_or_above",
	 test_applies_the_threshold_at_or_above},
	{"no_card_no_point", test_no_card_no_point},
	{"stored_json_reads_back", test_stored_json_reads_back},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
