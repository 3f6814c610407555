/*
 * domain.c - the rules of record entries: what a valid entry is, which
 * change may follow which version, and the content hash.  Free of gRPC
 * and SQL.
 */
#include <med/check.h>
#include <med/codec.h>
#include <med/fhir.h>
#include <med/util.h>

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "records.h"

#define BODY_MAX_CHARS	   65536
#define REASON_MAX_CHARS   1000
#define TEXT_VALUE_MAX	   1000
#define MAX_REACTIONS	   20
#define SUBSTANCE_CODE_MAX 64
/* How far ahead of this server's clock a measurement time may lie: the
 * clocks of bedside devices drift, a charted future does not happen. */
#define FUTURE_SKEW_MS (5 * 60 * 1000)

typedef Smartmed__Records__V1__Observation observation;
typedef Smartmed__Records__V1__Allergy allergy;
typedef Smartmed__Records__V1__VitalSigns vital_signs;
typedef Smartmed__Records__V1__Document document;
typedef Smartmed__Records__V1__Quantity quantity;

/* --- validation ------------------------------------------------------- */

/*
 * check_text is med_check_text plus R4's string rule: no control
 * characters, but for tab and line breaks in free text (body, a text
 * result), so every stored string can be exported as FHIR.
 */
static med_err
check_text(const char *field, const char *value, size_t min_chars,
	   size_t max_chars, bool free_text, med_problem *p)
{
	med_err err = med_text_problem(field, value, min_chars, max_chars, p);

	if (err != MED_OK)
		return err;
	if (value != NULL && !med_fhir_string_ok(value, free_text))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "control characters are not allowed%s",
				       free_text ? " (tab and line breaks are)"
						 : "");
	return MED_OK;
}

/* check_effective: 0 means "when written"; anything else must be a sane
 * time that has already happened. */
static med_err
check_effective(const char *field, int64_t ms, med_problem *p)
{
	med_err err;

	if (ms == 0 || (err = med_time_problem(field, ms, p)) != MED_OK)
		return ms == 0 ? MED_OK : err;
	if (ms > med_now_ms() + FUTURE_SKEW_MS)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must not be in the future");
	return MED_OK;
}

/* check_plausible refuses a vital sign outside its limits unless the
 * request confirms it. */
static med_err
check_plausible(const char *field, const char *loinc, const char *unit,
		double value, bool confirmed, med_problem *p)
{
	const records_limit *l = records_vital_limit(loinc, unit);

	if (confirmed || records_vital_plausible(l, value))
		return MED_OK;
	return med_problem_set(p, MED_ERR_INVALID, field,
			       "outside the plausible range %g..%g %s for "
			       "LOINC %s; set confirm_implausible to record it",
			       l->min, l->max, unit, loinc);
}

/* weight_kg converts a body weight charted in unit (kg, g, [lb_av]) to
 * kg; false for another unit (which the unit check refuses). */
static bool
weight_kg(const char *unit, double value, double *kg)
{
	static const struct {
		const char *ucum;
		double factor;
	} units[] = {{"kg", 1}, {"g", 0.001}, {"[lb_av]", 0.45359237}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].ucum, unit) == 0) {
			*kg = value * units[i].factor;
			return true;
		}
	return false;
}

/* check_weight_possible refuses a body weight no patient has (0 kg,
 * 900 kg), confirmed or not: dose checks per kg must never see it. */
static med_err
check_weight_possible(const char *field, const char *loinc, const char *unit,
		      double value, med_problem *p)
{
	double kg;

	if (strcmp(loinc, "29463-7") != 0 || !weight_kg(unit, value, &kg) ||
	    records_weight_possible(kg))
		return MED_OK;
	return med_problem_set(
		p, MED_ERR_INVALID, field,
		"a body weight must be above 0 and at most 650 kg "
		"(weight_possible); confirm_implausible does not record %g %s",
		value, unit);
}

/* check_egfr: an eGFR (records_egfr_by_loinc) is charted per 1.73 m2 and
 * names its equation, or it is refused naming the field. */
static med_err
check_egfr(const observation *o, med_problem *p)
{
	const records_egfr_code *code = records_egfr_by_loinc(o->loinc_code);
	const char *why = NULL;

	if (code == NULL)
		return MED_OK;
	if (strcmp(o->ucum_unit, RECORDS_EGFR_UNIT) != 0)
		return med_problem_set(
			p, MED_ERR_INVALID, "observation.ucum_unit",
			"an eGFR (LOINC %s) is charted in " RECORDS_EGFR_UNIT,
			o->loinc_code);
	if (o->numeric < 0 || o->numeric > 300)
		return med_problem_set(
			p, MED_ERR_INVALID, "observation.numeric",
			"an eGFR must be from 0 to 300 mL/min/1.73 m2");
	if (records_egfr_equation(code, o->method, &why) == NULL)
		return med_problem_set(p, MED_ERR_INVALID, "observation.method",
				       "%s (LOINC %s)", why, o->loinc_code);
	return MED_OK;
}

static med_err
check_status(records_edit *edit, bool fresh, med_problem *p)
{
	if (edit->status ==
	    SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_UNSPECIFIED) {
		if (fresh)
			edit->status =
				SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_FINAL;
		return MED_OK;
	}
	if (edit->status !=
		    SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_PRELIMINARY &&
	    edit->status !=
		    SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_FINAL)
		return med_problem_set(
			p, MED_ERR_INVALID, "status",
			"must be PRELIMINARY or FINAL (signing, amending and "
			"entered-in-error have their own methods)");
	return MED_OK;
}

static med_err
check_quantity_value(const char *field, double value, med_problem *p)
{
	if (!isfinite(value) || value <= 0)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must be a positive number");
	return MED_OK;
}

/* check_decimal: the optional exact text of a measured value must spell
 * the value itself (med/fhir.h). */
static med_err
check_decimal(const char *field, const char *text, double value, med_problem *p)
{
	if (text[0] == '\0' || med_fhir_decimal_matches(text, value))
		return MED_OK;
	return med_problem_set(
		p, MED_ERR_INVALID, field,
		"must be the value as plain decimal text (digits[.digits], at "
		"most %d characters) that reads back as the value",
		MED_FHIR_DECIMAL_MAX);
}

static med_err
check_observation(const observation *o, bool confirmed, med_problem *p)
{
	const records_vital *v;
	med_err err;

	if (o->loinc_code[0] == '\0')
		return med_problem_set(p, MED_ERR_INVALID,
				       "observation.loinc_code",
				       "must not be empty");
	if (!records_loinc_valid(o->loinc_code))
		return med_problem_set(
			p, MED_ERR_INVALID, "observation.loinc_code",
			"not a LOINC code (NNNNN-C with a valid check digit)");
	if ((err = check_text("observation.display", o->display, 0, 200, false,
			      p)) != MED_OK ||
	    (err = check_text("observation.method", o->method, 0, 64, false,
			      p)) != MED_OK ||
	    (err = check_effective("observation.effective_ms", o->effective_ms,
				   p)) != MED_OK)
		return err;
	v = records_vital_by_loinc(o->loinc_code);
	switch (o->value_case) {
	case SMARTMED__RECORDS__V1__OBSERVATION__VALUE_NUMERIC:
		if (!isfinite(o->numeric))
			return med_problem_set(p, MED_ERR_INVALID,
					       "observation.numeric",
					       "must be a finite number");
		if (v != NULL && !records_vital_unit_ok(v, o->ucum_unit))
			return med_problem_set(
				p, MED_ERR_INVALID, "observation.ucum_unit",
				"not a unit accepted for LOINC %s (%s)",
				v->loinc, v->display);
		if (!records_ucum_syntax_ok(o->ucum_unit))
			return med_problem_set(p, MED_ERR_INVALID,
					       "observation.ucum_unit",
					       "not a UCUM unit code");
		if ((err = check_decimal("observation.numeric_decimal",
					 o->numeric_decimal, o->numeric, p)) !=
			    MED_OK ||
		    (err = check_egfr(o, p)) != MED_OK ||
		    (err = check_weight_possible("observation.numeric",
						 o->loinc_code, o->ucum_unit,
						 o->numeric, p)) != MED_OK)
			return err;
		return check_plausible("observation.numeric", o->loinc_code,
				       o->ucum_unit, o->numeric, confirmed, p);
	case SMARTMED__RECORDS__V1__OBSERVATION__VALUE_TEXT:
		if (v != NULL)
			return med_problem_set(
				p, MED_ERR_INVALID, "observation.text",
				"LOINC %s needs a numeric value", v->loinc);
		if ((err = check_text("observation.text", o->text, 1,
				      TEXT_VALUE_MAX, true, p)) != MED_OK)
			return err;
		if (o->ucum_unit[0] != '\0' || o->numeric_decimal[0] != '\0')
			return med_problem_set(
				p, MED_ERR_INVALID,
				o->ucum_unit[0] ? "observation.ucum_unit"
						: "observation.numeric_decimal",
				"must be empty for a text value");
		return MED_OK;
	default:
		return med_problem_set(p, MED_ERR_INVALID, "observation.value",
				       "must be set (numeric or text)");
	}
}

static med_err
check_vital(const char *field, const quantity *q, bool confirmed,
	    med_problem *p)
{
	const records_vital *v = records_vital_by_field(field);
	char name[64];
	med_err err;

	if (q == NULL)
		return MED_OK;
	snprintf(name, sizeof(name), "vital_signs.%s.value", field);
	/* An oxygen flow of 0 L/min is a reading: the patient breathes air. */
	if (strcmp(field, "inhaled_oxygen_flow") == 0 && q->value == 0)
		return check_decimal(name, q->decimal, q->value, p);
	if ((err = check_quantity_value(name, q->value, p)) != MED_OK)
		return err;
	snprintf(name, sizeof(name), "vital_signs.%s.decimal", field);
	if ((err = check_decimal(name, q->decimal, q->value, p)) != MED_OK)
		return err;
	snprintf(name, sizeof(name), "vital_signs.%s.unit", field);
	if (!records_vital_unit_ok(v, q->unit))
		return med_problem_set(
			p, MED_ERR_INVALID, name,
			"not a unit accepted for LOINC %s (%s%s%s%s%s)",
			v->loinc, v->units[0], v->units[1] ? ", " : "",
			v->units[1] ? v->units[1] : "", v->units[2] ? ", " : "",
			v->units[2] ? v->units[2] : "");
	snprintf(name, sizeof(name), "vital_signs.%s.value", field);
	if (strcmp(field, "oxygen_saturation") == 0 && q->value > 100)
		return med_problem_set(p, MED_ERR_INVALID,
				       "vital_signs.oxygen_saturation.value",
				       "must be at most 100");
	if ((err = check_weight_possible(name, v->loinc, q->unit, q->value,
					 p)) != MED_OK)
		return err;
	return check_plausible(name, v->loinc, q->unit, q->value, confirmed, p);
}

static med_err
check_vital_signs(const vital_signs *s, bool confirmed, med_problem *p)
{
	const quantity *q[] = {s->heart_rate,	      s->systolic_bp,
			       s->diastolic_bp,	      s->body_temperature,
			       s->respiratory_rate,   s->oxygen_saturation,
			       s->body_weight,	      s->body_height,
			       s->inhaled_oxygen_flow};
	const char *names[] = {
		"heart_rate",	    "systolic_bp",	"diastolic_bp",
		"body_temperature", "respiratory_rate", "oxygen_saturation",
		"body_weight",	    "body_height",	"inhaled_oxygen_flow"};
	size_t n = 0;
	med_err err;

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if ((err = check_vital(names[i], q[i], confirmed, p)) != MED_OK)
			return err;
		n += q[i] != NULL;
	}
	if ((int)s->consciousness < 0 ||
	    s->consciousness >
		    SMARTMED__RECORDS__V1__CONSCIOUSNESS__CONSCIOUSNESS_UNRESPONSIVE)
		return med_problem_set(p, MED_ERR_INVALID,
				       "vital_signs.consciousness",
				       "not a level of the ACVPU scale");
	if (s->spo2_scale > 2)
		return med_problem_set(p, MED_ERR_INVALID,
				       "vital_signs.spo2_scale",
				       "0 (not stated), 1 or 2");
	n += s->consciousness != 0;
	if ((err = check_effective("vital_signs.effective_ms", s->effective_ms,
				   p)) != MED_OK)
		return err;
	if (n == 0)
		return med_problem_set(p, MED_ERR_INVALID, "vital_signs",
				       "at least one measurement is required");
	if ((s->systolic_bp == NULL) != (s->diastolic_bp == NULL))
		return med_problem_set(p, MED_ERR_INVALID,
				       s->systolic_bp
					       ? "vital_signs.diastolic_bp"
					       : "vital_signs.systolic_bp",
				       "blood pressure needs both systolic and "
				       "diastolic");
	return MED_OK;
}

static med_err
check_allergy(const allergy *a, med_problem *p)
{
	med_err err;

	if ((err = check_text("allergy.substance_display", a->substance_display,
			      1, 200, false, p)) != MED_OK ||
	    (err = check_text("allergy.substance_code", a->substance_code, 0,
			      SUBSTANCE_CODE_MAX, false, p)) != MED_OK ||
	    (err = check_text("allergy.substance_system", a->substance_system,
			      0, 200, false, p)) != MED_OK)
		return err;
	if ((a->substance_code[0] == '\0') != (a->substance_system[0] == '\0'))
		return med_problem_set(p, MED_ERR_INVALID,
				       "allergy.substance_system",
				       "code and system go together");
	if (a->substance_system[0] != '\0' &&
	    strncmp(a->substance_system, "http://", 7) != 0 &&
	    strncmp(a->substance_system, "https://", 8) != 0 &&
	    strncmp(a->substance_system, "urn:", 4) != 0)
		return med_problem_set(p, MED_ERR_INVALID,
				       "allergy.substance_system",
				       "must be a code system URI");
	if (a->n_reactions > MAX_REACTIONS)
		return med_problem_set(p, MED_ERR_INVALID, "allergy.reactions",
				       "at most %d", MAX_REACTIONS);
	for (size_t i = 0; i < a->n_reactions; i++)
		if ((err = check_text("allergy.reactions.manifestation",
				      a->reactions[i]->manifestation, 1, 200,
				      false, p)) != MED_OK)
			return err;
	return MED_OK;
}

static med_err
check_document(med_arena *a, document *d, size_t max_bytes, med_problem *p)
{
	char hex[65];

	if (d->content_type[0] == '\0')
		return med_problem_set(p, MED_ERR_INVALID,
				       "document.content_type",
				       "must not be empty");
	if (!records_content_type_known(d->content_type))
		return med_problem_set(p, MED_ERR_INVALID,
				       "document.content_type",
				       "must be application/pdf, image/png, "
				       "image/jpeg or text/plain");
	if (d->data.len == 0)
		return med_problem_set(p, MED_ERR_INVALID, "document.data",
				       "must not be empty");
	if (d->data.len > max_bytes)
		return med_problem_set(p, MED_ERR_INVALID, "document.data",
				       "%zu bytes exceeds the limit of %zu",
				       d->data.len, max_bytes);
	if (!records_content_matches(d->content_type, d->data.data,
				     d->data.len))
		return med_problem_set(p, MED_ERR_INVALID, "document.data",
				       "does not match content_type %s",
				       d->content_type);
	med_sha256_hex(d->data.data, d->data.len, hex);
	d->sha256 = med_arena_strdup(a, hex);
	d->size = d->data.len;
	return d->sha256 ? MED_OK : MED_ERR_NOMEM;
}

static const char *const kind_content[] = {
	NULL, NULL, "observation", "document", "allergy", "vital_signs",
};

static med_err
check_content(med_arena *a, Smartmed__Records__V1__EntryKind kind,
	      records_edit *edit, med_problem *p)
{
	records_content *c = &edit->content;
	int given = (c->observation != NULL) + (c->document != NULL) +
		    (c->allergy != NULL) + (c->vital_signs != NULL);

	if (kind == SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_NOTE) {
		if (given)
			return med_problem_set(p, MED_ERR_INVALID, "content",
					       "a NOTE has no typed content "
					       "(the text is in body)");
		return check_text("body", edit->body, 1, BODY_MAX_CHARS, true,
				  p);
	}
	if (c->observation &&
	    kind == SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_OBSERVATION)
		return check_observation(c->observation,
					 edit->confirm_implausible, p);
	if (c->document &&
	    kind == SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_DOCUMENT)
		return check_document(a, c->document,
				      edit->max_attachment_bytes, p);
	if (c->allergy &&
	    kind == SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_ALLERGY)
		return check_allergy(c->allergy, p);
	if (c->vital_signs &&
	    kind == SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS)
		return check_vital_signs(c->vital_signs,
					 edit->confirm_implausible, p);
	return med_problem_set(p, MED_ERR_INVALID, kind_content[kind],
			       "required for this kind of entry");
}

med_err
records_edit_problem(med_arena *a, Smartmed__Records__V1__EntryKind kind,
		     records_edit *edit, bool fresh, med_problem *p)
{
	med_err err;

	if ((err = check_text("title", edit->title, 1, 200, false, p)) !=
		    MED_OK ||
	    (err = check_text("body", edit->body, 0, BODY_MAX_CHARS, true,
			      p)) != MED_OK ||
	    (err = check_status(edit, fresh, p)) != MED_OK)
		return err;
	return check_content(a, kind, edit, p);
}

void
records_apply_content(records_entry *e, const records_content *c)
{
	e->content_case = SMARTMED__RECORDS__V1__ENTRY__CONTENT__NOT_SET;
	if (c->observation) {
		e->content_case =
			SMARTMED__RECORDS__V1__ENTRY__CONTENT_OBSERVATION;
		e->observation = c->observation;
	} else if (c->document) {
		e->content_case =
			SMARTMED__RECORDS__V1__ENTRY__CONTENT_DOCUMENT;
		e->document = c->document;
	} else if (c->allergy) {
		e->content_case = SMARTMED__RECORDS__V1__ENTRY__CONTENT_ALLERGY;
		e->allergy = c->allergy;
	} else if (c->vital_signs) {
		e->content_case =
			SMARTMED__RECORDS__V1__ENTRY__CONTENT_VITAL_SIGNS;
		e->vital_signs = c->vital_signs;
	}
}

void
records_copy_content(records_entry *to, const records_entry *from)
{
	to->content_case = from->content_case;
	to->observation = from->observation;
	to->document = from->document;
	to->allergy = from->allergy;
	to->vital_signs = from->vital_signs;
}

/* --- transitions -------------------------------------------------------- */

#define ST(x) SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_##x

/* carry copies what a new version keeps from the latest one. */
static void
carry(records_version *next, const records_version *latest)
{
	records_entry *e = next->e;
	const records_entry *l = latest->e;

	e->title = l->title;
	e->body = l->body;
	e->status = l->status;
	e->locked = l->locked;
	e->signed_by = l->signed_by;
	e->signed_ms = l->signed_ms;
	records_copy_content(e, l);
}

/* open_problem: an entry entered in error takes no further change. */
static med_err
open_problem(const records_version *latest, med_problem *p)
{
	if (latest->e->status == ST(ENTERED_IN_ERROR))
		return med_problem_set(p, MED_ERR_PRECONDITION, "entry_id",
				       "the entry is entered-in-error");
	return MED_OK;
}

/* expected_problem: the change names the version it was made against. */
static med_err
expected_problem(const char *field, uint32_t expected,
		 const records_version *latest, med_problem *p)
{
	if (expected != latest->e->version)
		return med_problem_set(p, MED_ERR_CONFLICT, field,
				       "the entry is at version %u, not %u",
				       latest->e->version, expected);
	return MED_OK;
}

/* owner_problem: only the entry's author may do what (sign it, ...). */
static med_err
owner_problem(const char *user, const char *owner, const char *what,
	      med_problem *p)
{
	if (strcmp(user, owner) != 0)
		return med_problem_set(p, MED_ERR_DENIED, "entry_id",
				       "only the entry's author may %s", what);
	return MED_OK;
}

med_err
records_amend_problem(const records_change *ch, const records_version *latest,
		      med_problem *p)
{
	const records_edit *ed = ch->edit;
	med_err err;

	if ((err = open_problem(latest, p)) != MED_OK)
		return err;
	if (latest->e->kind != ed->kind)
		return med_problem_set(p, MED_ERR_INVALID, "content",
				       "does not match the entry's kind");
	if (latest->e->locked)
		return med_problem_set(p, MED_ERR_PRECONDITION, "entry_id",
				       "the entry is signed and locked; add an "
				       "addendum instead");
	if ((err = expected_problem("expected_version", ch->expected_version,
				    latest, p)) != MED_OK)
		return err;
	/* FHIR: a change after the entry was final makes it "amended". */
	if (latest->e->status != ST(PRELIMINARY) &&
	    ed->status == ST(PRELIMINARY))
		return med_problem_set(p, MED_ERR_INVALID, "status",
				       "a final entry cannot become "
				       "preliminary again");
	return MED_OK;
}

med_err
records_sign_problem(const records_change *ch, const records_version *latest,
		     const char *user, const char *owner, med_problem *p)
{
	med_err err;

	if ((err = owner_problem(user, owner, "sign it", p)) != MED_OK ||
	    (err = open_problem(latest, p)) != MED_OK)
		return err;
	if (latest->e->locked)
		return med_problem_set(p, MED_ERR_PRECONDITION, "entry_id",
				       "the entry is already signed");
	return expected_problem("version", ch->expected_version, latest, p);
}

med_err
records_addendum_problem(const records_version *latest, med_problem *p)
{
	med_err err;

	if ((err = open_problem(latest, p)) != MED_OK)
		return err;
	if (!latest->e->locked)
		return med_problem_set(p, MED_ERR_PRECONDITION, "entry_id",
				       "the entry is not signed; amend it "
				       "instead");
	return MED_OK;
}

med_err
records_error_problem(const records_change *ch, const records_version *latest,
		      const char *user, const char *owner, med_problem *p)
{
	med_err err;

	if ((err = owner_problem(user, owner, "mark it entered-in-error", p)) !=
		    MED_OK ||
	    (err = open_problem(latest, p)) != MED_OK)
		return err;
	return expected_problem("expected_version", ch->expected_version,
				latest, p);
}

/*
 * The transitions below fill the next version from the latest (NULL for
 * a new entry); write.c runs them inside the change's transaction, after
 * the entry and the chain head are locked.  A refused change fills p and
 * returns its err; nothing of next is then written.
 */
void
records_next_create(const records_change *ch, records_version *next)
{
	const records_edit *ed = ch->edit;

	next->e->title = (char *)ed->title;
	next->e->body = (char *)ed->body;
	next->e->status = ed->status;
	records_apply_content(next->e, &ed->content);
}

med_err
records_next_amend(const records_change *ch, const records_version *latest,
		   records_version *next, med_problem *p)
{
	const records_edit *ed = ch->edit;
	med_err err = records_amend_problem(ch, latest, p);

	if (err != MED_OK)
		return err;
	carry(next, latest);
	next->e->title = (char *)ed->title;
	next->e->body = (char *)ed->body;
	next->e->reason = (char *)ch->reason;
	records_apply_content(next->e, &ed->content);
	if (latest->e->status == ST(PRELIMINARY))
		next->e->status =
			ed->status == ST(FINAL) ? ST(FINAL) : ST(PRELIMINARY);
	else
		next->e->status = ST(AMENDED);
	return MED_OK;
}

med_err
records_next_sign(const records_change *ch, const records_version *latest,
		  const char *owner, records_version *next, med_problem *p)
{
	med_err err = records_sign_problem(ch, latest, ch->user, owner, p);

	if (err != MED_OK)
		return err;
	carry(next, latest);
	next->e->locked = true;
	next->e->signed_by = next->e->author;
	next->e->signed_ms = next->e->created_ms;
	if (latest->e->status == ST(PRELIMINARY))
		next->e->status = ST(FINAL);
	return MED_OK;
}

med_err
records_next_addendum(const records_change *ch, const records_version *latest,
		      records_version *next, med_problem *p)
{
	med_err err = records_addendum_problem(latest, p);

	if (err != MED_OK)
		return err;
	carry(next, latest);
	next->addendum = ch->text;
	return MED_OK;
}

med_err
records_next_entered_in_error(const records_change *ch,
			      const records_version *latest, const char *owner,
			      records_version *next, med_problem *p)
{
	med_err err = records_error_problem(ch, latest, ch->user, owner, p);

	if (err != MED_OK)
		return err;
	carry(next, latest);
	next->e->status = ST(ENTERED_IN_ERROR);
	next->e->reason = (char *)ch->reason;
	return MED_OK;
}

/* --- hashing ------------------------------------------------------------ */

static void
hash_field(crypto_hash_sha256_state *st, const void *data, size_t len)
{
	unsigned char prefix[8];

	for (int i = 0; i < 8; i++)
		prefix[i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	crypto_hash_sha256_update(st, prefix, sizeof(prefix));
	if (len > 0)
		crypto_hash_sha256_update(st, data, len);
}

static void
hash_text(crypto_hash_sha256_state *st, const char *s)
{
	hash_field(st, s, strlen(s));
}

static void
hash_number(crypto_hash_sha256_state *st, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	hash_field(st, buf, (size_t)n);
}

static char *
hex_digest(med_arena *arena, crypto_hash_sha256_state *st)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char *hex = med_arena_alloc(arena, sizeof(digest) * 2 + 1);

	crypto_hash_sha256_final(st, digest);
	if (hex != NULL)
		med_hex_encode(hex, sizeof(digest) * 2 + 1, digest,
			       sizeof(digest));
	return hex;
}

/* The first release's formula, kept so that its rows still verify. */
static void
hash_v1(crypto_hash_sha256_state *st, const records_entry *e)
{
	hash_text(st, "smartmed.records.v1.Entry");
	hash_text(st, e->entry_id);
	hash_number(st, e->version);
	hash_text(st, e->patient_id);
	hash_number(st, e->kind);
	hash_text(st, e->title);
	hash_text(st, e->body);
	hash_text(st, e->author);
	hash_number(st, e->created_ms);
}

static void
hash_v2(crypto_hash_sha256_state *st, const records_version *v)
{
	const records_entry *e = v->e;

	hash_text(st, "smartmed.records.v1.Entry/2");
	hash_text(st, e->entry_id);
	hash_number(st, e->version);
	hash_text(st, e->patient_id);
	hash_number(st, e->kind);
	hash_text(st, e->title);
	hash_text(st, e->body);
	hash_text(st, e->author);
	hash_number(st, e->created_ms);
	hash_number(st, e->status);
	hash_number(st, e->replaces);
	hash_text(st, e->reason);
	hash_number(st, e->locked ? 1 : 0);
	hash_text(st, e->signed_by);
	hash_number(st, e->signed_ms);
	hash_text(st, v->addendum);
	hash_field(st, v->content, v->content_len);
}

char *
records_content_hash(med_arena *arena, const records_version *v)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	if (v->hash_alg == RECORDS_HASH_V1)
		hash_v1(&st, v->e);
	else
		hash_v2(&st, v);
	return hex_digest(arena, &st);
}

char *
records_chain_hash(med_arena *arena, const char *content_sha256,
		   const char *prev_hash)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	hash_text(&st, "smartmed.records.v1.chain");
	hash_text(&st, content_sha256);
	hash_text(&st, prev_hash);
	return hex_digest(arena, &st);
}
