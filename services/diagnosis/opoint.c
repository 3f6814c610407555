/*
 * opoint.c - the operating point: the threshold on one label's
 * probability at which a finding is called positive.  It comes from the
 * model's machine-readable card (<model>.card.json beside the ONNX file:
 * chosen there on validation for a stated sensitivity, with the
 * sensitivity, specificity, PPV and NPV it gave on held-out data, each
 * with its interval, and that data named), and the service applies it to
 * every finding, so no caller has to know the number.  A card whose
 * figures lack an interval or their source is refused: a bare point read
 * off one split is not a property of the model.
 *
 * Only configuration changes it (MED_DIAGNOSIS_OPERATING_PERMILLE), and
 * the threshold in force is logged and audited at every start, with where
 * it came from, so the audit log says which threshold any finding was
 * decided at.  An overridden threshold carries no expected figures: the
 * card's were measured at its own threshold.
 */
#include <jansson.h>
#include <math.h>
#include <med/util.h>
#include <stdio.h>
#include <string.h>

#include "diagnosis.h"

/* num reads a number field of o into *out; false when absent or not a
 * number. */
static bool
num(json_t *o, const char *key, float *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return false;
	*out = (float)json_number_value(v);
	return true;
}

/* interval reads a [low, high] pair within [0, 1]. */
static bool
interval(json_t *o, const char *key, float *lo, float *hi)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_number(json_array_get(v, 0)) ||
	    !json_is_number(json_array_get(v, 1)))
		return false;
	*lo = (float)json_number_value(json_array_get(v, 0));
	*hi = (float)json_number_value(json_array_get(v, 1));
	return *lo >= 0.0f && *lo <= *hi && *hi <= 1.0f;
}

/* str copies a string field of o into out; false when absent or long. */
static bool
str(json_t *o, const char *key, char *out, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && med_strlcpy(out, s, len) < len;
}

/* label_index finds op->label among the model's labels. */
static bool
label_index(diagnosis_opoint *op, const char *const *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(labels[i], op->label) == 0) {
			op->label_index = i;
			return true;
		}
	}
	return false;
}

/* read_point reads the card's operating_point object into op. */
static med_err
read_point(json_t *p, diagnosis_opoint *op, char *reason, size_t len)
{
	const char *bad = NULL;

	if (!json_is_object(p))
		bad = "operating_point";
	else if (!str(p, "label", op->label, sizeof(op->label)))
		bad = "operating_point.label";
	else if (!num(p, "threshold", &op->threshold) ||
		 !(op->threshold > 0.0f && op->threshold < 1.0f))
		bad = "operating_point.threshold";
	else if (!str(p, "chosen_on", op->chosen_on, sizeof(op->chosen_on)))
		bad = "operating_point.chosen_on";
	else if (!num(p, "target_sensitivity", &op->target_sens))
		bad = "operating_point.target_sensitivity";
	else if (!num(p, "expected_sensitivity", &op->sens) ||
		 !interval(p, "sensitivity_ci95", &op->sens_lo, &op->sens_hi))
		bad = "operating_point.sensitivity_ci95";
	else if (!num(p, "expected_specificity", &op->spec) ||
		 !interval(p, "specificity_ci95", &op->spec_lo, &op->spec_hi))
		bad = "operating_point.specificity_ci95";
	else if (!str(p, "measured_on", op->measured_on,
		      sizeof(op->measured_on)))
		bad = "operating_point.measured_on";
	if (bad == NULL)
		return MED_OK;
	snprintf(reason, len, "model card: %s missing or out of range", bad);
	return MED_ERR_INVALID;
}

/* read_predictive reads the card's PPV and NPV with their intervals;
 * the name of the first field missing or out of range, NULL when both
 * are there. */
static const char *
read_predictive(json_t *p, diagnosis_opoint *op)
{
	if (!num(p, "expected_ppv", &op->ppv) ||
	    !interval(p, "ppv_ci95", &op->ppv_lo, &op->ppv_hi))
		return "operating_point.ppv_ci95";
	if (!num(p, "expected_npv", &op->npv) ||
	    !interval(p, "npv_ci95", &op->npv_lo, &op->npv_hi))
		return "operating_point.npv_ci95";
	return NULL;
}

/* within says every expected figure lies inside its own interval: a
 * card whose point is outside its interval was edited by hand wrongly. */
static const char *
within(const diagnosis_opoint *op)
{
	if (op->sens < op->sens_lo || op->sens > op->sens_hi)
		return "operating_point.expected_sensitivity";
	if (op->spec < op->spec_lo || op->spec > op->spec_hi)
		return "operating_point.expected_specificity";
	if (op->ppv < op->ppv_lo || op->ppv > op->ppv_hi)
		return "operating_point.expected_ppv";
	if (op->npv < op->npv_lo || op->npv > op->npv_hi)
		return "operating_point.expected_npv";
	return NULL;
}

/* read_figures reads what the card's point is expected to give: every
 * figure with its interval, and the source they were measured on. */
static med_err
read_figures(json_t *p, diagnosis_opoint *op, char *reason, size_t len)
{
	const char *bad = read_predictive(p, op);

	if (bad == NULL && (bad = within(op)) != NULL) {
		snprintf(reason, len,
			 "model card: %s lies outside its 95 %% interval", bad);
		return MED_ERR_INVALID;
	}
	if (bad == NULL && strlen(op->measured_on) < 8)
		bad = "operating_point.measured_on";
	if (bad == NULL)
		return MED_OK;
	snprintf(reason, len, "model card: %s missing or out of range", bad);
	return MED_ERR_INVALID;
}

/* read_card reads the card file; the card must name the model's file. */
static med_err
read_card(const char *path, const char *sha256, diagnosis_opoint *op,
	  char *reason, size_t len)
{
	json_error_t je;
	json_t *card = json_load_file(path, 0, &je);
	const char *sum;
	med_err err;

	if (card == NULL) {
		snprintf(reason, len, "model card: %s: %s (line %d)", path,
			 je.text, je.line);
		return MED_ERR_INVALID;
	}
	sum = json_string_value(json_object_get(card, "sha256"));
	if (sum == NULL || strcmp(sum, sha256) != 0) {
		snprintf(reason, len,
			 "model card: %s is the card of another model file "
			 "(its sha256 differs)",
			 path);
		json_decref(card);
		return MED_ERR_INVALID;
	}
	err = read_point(json_object_get(card, "operating_point"), op, reason,
			 len);
	if (err == MED_OK)
		err = read_figures(json_object_get(card, "operating_point"), op,
				   reason, len);
	json_decref(card);
	return err;
}

med_err
diagnosis_opoint_load(const char *card_path, const char *sha256,
		      int64_t permille, const char *const *labels,
		      size_t n_labels, diagnosis_opoint *op, char *reason,
		      size_t len)
{
	med_err err;

	memset(op, 0, sizeof(*op));
	if ((err = read_card(card_path, sha256, op, reason, len)) != MED_OK)
		return err;
	if (!label_index(op, labels, n_labels)) {
		snprintf(reason, len,
			 "model card: operating_point.label \"%s\" is not one "
			 "of the model's labels (MED_DIAGNOSIS_LABELS)",
			 op->label);
		return MED_ERR_INVALID;
	}
	op->card_threshold = op->threshold;
	med_strlcpy(op->source, "model-card", sizeof(op->source));
	if (permille > 0) {
		/* The card's figures were measured at its own threshold. */
		op->threshold = (float)permille / 1000.0f;
		med_strlcpy(op->source, "configuration", sizeof(op->source));
		op->sens = op->sens_lo = op->sens_hi = 0.0f;
		op->spec = op->spec_lo = op->spec_hi = 0.0f;
		op->ppv = op->ppv_lo = op->ppv_hi = 0.0f;
		op->npv = op->npv_lo = op->npv_hi = 0.0f;
		op->measured_on[0] = '\0';
	}
	op->set = true;
	return MED_OK;
}

/* dup copies s into a. */
static char *
dup(med_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *out = med_arena_alloc(a, n);

	if (out != NULL)
		memcpy(out, s, n);
	return out;
}

/* point_message makes the finding's OperatingPoint from op. */
static med_err
point_message(med_arena *a, const diagnosis_opoint *op, bool positive,
	      diagnosis_finding *f)
{
	Smartmed__Diagnosis__V1__OperatingPoint *o =
		med_arena_zalloc(a, sizeof(*o));

	if (o == NULL)
		return MED_ERR_NOMEM;
	smartmed__diagnosis__v1__operating_point__init(o);
	o->label = dup(a, op->label);
	o->source = dup(a, op->source);
	o->chosen_on = dup(a, op->chosen_on);
	o->measured_on = dup(a, op->measured_on);
	if (!o->label || !o->source || !o->chosen_on || !o->measured_on)
		return MED_ERR_NOMEM;
	o->threshold = op->threshold;
	o->target_sensitivity = op->target_sens;
	o->expected_sensitivity = op->sens;
	o->sensitivity_ci_low = op->sens_lo;
	o->sensitivity_ci_high = op->sens_hi;
	o->expected_specificity = op->spec;
	o->specificity_ci_low = op->spec_lo;
	o->specificity_ci_high = op->spec_hi;
	o->expected_ppv = op->ppv;
	o->ppv_ci_low = op->ppv_lo;
	o->ppv_ci_high = op->ppv_hi;
	o->expected_npv = op->npv;
	o->npv_ci_low = op->npv_lo;
	o->npv_ci_high = op->npv_hi;
	o->positive = positive;
	f->operating_point = o;
	return MED_OK;
}

med_err
diagnosis_opoint_fill(med_arena *a, const diagnosis_opoint *op,
		      const float *probs, diagnosis_finding *f)
{
	if (!op->set)
		return MED_OK;
	/* The one place the threshold is applied. */
	return point_message(a, op, probs[op->label_index] >= op->threshold, f);
}

/* predictive_json adds the PPV and NPV with their intervals to j. */
static void
predictive_json(json_t *j, const Smartmed__Diagnosis__V1__OperatingPoint *o)
{
	json_object_set_new(j, "expected_ppv", json_real(o->expected_ppv));
	json_object_set_new(j, "ppv_ci95",
			    json_pack("[f,f]", (double)o->ppv_ci_low,
				      (double)o->ppv_ci_high));
	json_object_set_new(j, "expected_npv", json_real(o->expected_npv));
	json_object_set_new(j, "npv_ci95",
			    json_pack("[f,f]", (double)o->npv_ci_low,
				      (double)o->npv_ci_high));
}

char *
diagnosis_opoint_to_json(const Smartmed__Diagnosis__V1__OperatingPoint *o)
{
	json_t *j;
	char *s;

	if (o == NULL)
		return NULL;
	j = json_pack("{s:s, s:f, s:s, s:s, s:f, s:f, s:[f,f], s:f, s:[f,f],"
		      " s:s, s:b}",
		      "label", o->label, "threshold", (double)o->threshold,
		      "source", o->source, "chosen_on", o->chosen_on,
		      "target_sensitivity", (double)o->target_sensitivity,
		      "expected_sensitivity", (double)o->expected_sensitivity,
		      "sensitivity_ci95", (double)o->sensitivity_ci_low,
		      (double)o->sensitivity_ci_high, "expected_specificity",
		      (double)o->expected_specificity, "specificity_ci95",
		      (double)o->specificity_ci_low,
		      (double)o->specificity_ci_high, "measured_on",
		      o->measured_on, "positive", (int)o->positive);
	if (j == NULL)
		return NULL;
	if (o->expected_ppv > 0.0f || o->expected_npv > 0.0f)
		predictive_json(j, o);
	if (o->outside_population != NULL && o->outside_population[0] != '\0')
		json_object_set_new(j, "outside_population",
				    json_string(o->outside_population));
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(j);
	return s;
}

med_err
diagnosis_opoint_from_json(med_arena *a, const char *text, diagnosis_finding *f)
{
	diagnosis_opoint op;
	char reason[160];
	const char *outside;
	json_t *j;
	bool positive;
	med_err err;

	if (text == NULL || text[0] == '\0')
		return MED_OK; /* stored before operating points were kept */
	memset(&op, 0, sizeof(op));
	j = json_loads(text, 0, NULL);
	err = read_point(j, &op, reason, sizeof(reason));
	if (err == MED_OK && !str(j, "source", op.source, sizeof(op.source)))
		err = MED_ERR_INVALID;
	/* Findings stored before the card had predictive values lack them. */
	if (err == MED_OK && json_object_get(j, "expected_ppv") != NULL &&
	    read_predictive(j, &op) != NULL)
		err = MED_ERR_INVALID;
	positive = json_is_true(json_object_get(j, "positive"));
	outside = json_string_value(json_object_get(j, "outside_population"));
	outside = med_arena_strdup(a, outside ? outside : "");
	json_decref(j);
	if (err != MED_OK)
		return MED_ERR_INTERNAL;
	if (outside == NULL ||
	    (err = point_message(a, &op, positive, f)) != MED_OK)
		return MED_ERR_NOMEM;
	f->operating_point->outside_population = (char *)outside;
	return MED_OK;
}
