/*
 * fhir.c - one ExportFhir page as a FHIR R4 Bundle (type "collection"):
 * the Patient (id only), a MedicationRequest per current order version, a
 * MedicationAdministration per administration and a Medication per drug
 * they name, written with libmed's FHIR writer.
 *
 * References resolve inside the bundle: an order that is on another page
 * (or a prior version, which is never exported) is named by a logical
 * reference (Reference.identifier) rather than a literal one that would
 * dangle in this page.
 */
#include <med/fhir.h>
#include <med/json.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "fhir_export.h"

/* The FHIR base of fullUrls, the same as the other services' (the FHIR
 * facade serves it). */
#define FHIR_BASE	   MED_FHIR_EXPORT_BASE
#define ORDER_ID_SYSTEM	   "urn:smartmed:dosage:order"
#define ADMIN_ID_SYSTEM	   "urn:smartmed:dosage:administration"
#define INFUSION_ID_SYSTEM "urn:smartmed:dosage:infusion"
#define NOT_GIVEN_SYSTEM   "urn:smartmed:dosage:not-given-reason"
#define LOCAL_DRUG_SYSTEM  "urn:smartmed:dosage:catalogue"
#define RXNORM_SYSTEM	   "http://www.nlm.nih.gov/research/umls/rxnorm"
#define OS(x)		   SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x

/* --- shared pieces -------------------------------------------------------- */

static void
text_concept(med_json *w, const char *key, const char *text)
{
	if (text != NULL && text[0] != '\0')
		med_fhir_concept(w, key, NULL, 0, text);
}

static void
identifier(med_json *w, const char *system, const char *value)
{
	med_json_begin(w, "identifier", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "system", system);
	med_json_str(w, "value", value);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static bool
has_order(const dosage_export_page *p, const char *id)
{
	for (size_t i = 0; i < p->n_orders; i++)
		if (strcmp(p->orders[i]->id, id) == 0)
			return true;
	return false;
}

/* order_ref refers to an order version: literally when it is in this
 * page, else by its id in the order identifier system. */
static void
order_ref(med_json *w, const char *key, const dosage_export_page *p,
	  const char *order_id)
{
	if (has_order(p, order_id)) {
		med_fhir_reference(w, key, "MedicationRequest", order_id, NULL);
		return;
	}
	med_json_begin(w, key, '{');
	med_json_str(w, "type", "MedicationRequest");
	med_json_begin(w, "identifier", '{');
	med_json_str(w, "system", ORDER_ID_SYSTEM);
	med_json_str(w, "value", order_id);
	med_json_end(w, '}');
	med_json_end(w, '}');
}

static void
medication_ref(med_json *w, const char *code)
{
	char id[40];

	dosage_fhir_medication_id(code, id);
	med_fhir_reference(w, "medicationReference", "Medication", id, NULL);
}

/*
 * ucum_unit gives the UCUM code of a dose unit (the spellings the
 * catalogue reads as one, "mcg" as ug), or NULL for a counted form
 * ("tablet"), which UCUM has no code for and is written as text only.
 */
static const char *
ucum_unit(const char *unit)
{
	static const char *const map[][2] = {
		{"g", "g"},	  {"mg", "mg"},	       {"ug", "ug"},
		{"mcg", "ug"},	  {"\xc2\xb5g", "ug"}, {"mL", "mL"},
		{"L", "L"},	  {"[iU]", "[iU]"},    {"IU", "[iU]"},
		{"unit", "[iU]"}, {"units", "[iU]"},   {"mmol", "mmol"},
		{"mEq", "meq"},	  {"meq", "meq"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(unit, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static void
dose_quantity(med_json *w, const char *key, double value, const char *unit)
{
	const char *ucum = ucum_unit(unit);

	if (ucum != NULL) {
		med_fhir_quantity(w, key, value, ucum);
		return;
	}
	med_json_begin(w, key, '{');
	med_fhir_decimal_of(w, "value", value);
	med_json_str(w, "unit", unit);
	med_json_end(w, '}');
}

/* --- MedicationRequest ---------------------------------------------------- */

/* timing_repeat says how often an order's frequency gives a dose: "qNh",
 * "daily"/"qd", "bid", "tid", "qid", "weekly"; "once" is one dose. */
static void
timing_repeat(med_json *w, const char *frequency)
{
	static const struct {
		const char *name;
		int per_period;
		const char *unit;
	} named[] = {{"daily", 1, "d"}, {"qd", 1, "d"},	 {"bid", 2, "d"},
		     {"tid", 3, "d"},	{"qid", 4, "d"}, {"weekly", 1, "wk"}};
	unsigned hours;
	char tail;

	if (strcmp(frequency, "once") == 0) {
		med_json_i64(w, "count", 1);
		return;
	}
	if (sscanf(frequency, "q%uh%c", &hours, &tail) == 1) {
		med_json_i64(w, "frequency", 1);
		med_json_i64(w, "period", hours);
		med_json_str(w, "periodUnit", "h");
		return;
	}
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (strcmp(frequency, named[i].name) != 0)
			continue;
		med_json_i64(w, "frequency", named[i].per_period);
		med_json_i64(w, "period", 1);
		med_json_str(w, "periodUnit", named[i].unit);
	}
}

static void
timing(med_json *w, const dosage_order *o)
{
	med_json_begin(w, "timing", '{');
	med_json_begin(w, "repeat", '{');
	med_json_begin(w, "boundsPeriod", '{');
	med_fhir_instant(w, "start", o->start_ms ? o->start_ms : o->created_ms);
	if (o->end_ms != 0)
		med_fhir_instant(w, "end", o->end_ms);
	med_json_end(w, '}');
	timing_repeat(w, o->frequency);
	med_json_end(w, '}');
	text_concept(w, "code", o->frequency);
	med_json_end(w, '}');
}

static void
dosage_instruction(med_json *w, const dosage_order *o)
{
	med_json_begin(w, "dosageInstruction", '[');
	med_json_begin(w, NULL, '{');
	timing(w, o);
	if (o->prn)
		med_json_bool(w, "asNeededBoolean", true);
	text_concept(w, "route", o->route);
	med_json_begin(w, "doseAndRate", '[');
	med_json_begin(w, NULL, '{');
	dose_quantity(w, "doseQuantity", o->dose, o->unit);
	if (o->infusion_rate > 0)
		med_fhir_quantity(w, "rateQuantity", o->infusion_rate,
				  o->infusion_rate_unit);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static const char *
status_reason(const dosage_order *o)
{
	if (o->status == OS(STOPPED))
		return o->discontinue_reason;
	if (o->status == OS(ON_HOLD))
		return o->hold_reason;
	return NULL;
}

static void
medication_request(med_json *w, const char *pid, const dosage_export_page *p,
		   const dosage_order *o)
{
	med_fhir_entry_begin(w, FHIR_BASE, "MedicationRequest", o->id);
	/* meta lets the facade's pinned paging leave out what was written
	 * after its first page (and ReadFhir's ETag is the same version). */
	med_fhir_meta(w, o->version, o->created_ms);
	identifier(w, ORDER_ID_SYSTEM, o->id);
	/* Pending verification is a draft: not yet in force. */
	med_json_str(w, "status", dosage_order_fhir_status(o->status));
	text_concept(w, "statusReason", status_reason(o));
	med_json_str(w, "intent", "order");
	medication_ref(w, o->drug_code);
	med_fhir_reference(w, "subject", "Patient", pid, NULL);
	med_fhir_instant(w, "authoredOn", o->created_ms);
	med_fhir_display_ref(w, "requester", o->created_by);
	dosage_instruction(w, o);
	if (o->replaces_order_id[0] != '\0')
		order_ref(w, "priorPrescription", p, o->replaces_order_id);
	med_fhir_entry_end(w);
}

/* --- MedicationAdministration --------------------------------------------- */

static const dosage_segment *
segment_of(const dosage_export_page *p, const char *admin_id)
{
	for (size_t i = 0; i < p->n_segments; i++)
		if (strcmp(p->segments[i].admin_id, admin_id) == 0)
			return &p->segments[i];
	return NULL;
}

static void
not_given_reason(med_json *w, const dosage_admin *m)
{
	static const med_fhir_code reasons[] = {
		{NOT_GIVEN_SYSTEM, "", NULL},
		{NOT_GIVEN_SYSTEM, "patient-refused", "Patient refused"},
		{NOT_GIVEN_SYSTEM, "held-by-clinician", "Held by clinician"},
		{NOT_GIVEN_SYSTEM, "patient-absent", "Patient absent"},
		{NOT_GIVEN_SYSTEM, "nil-by-mouth", "Nil by mouth"},
		{NOT_GIVEN_SYSTEM, "drug-unavailable", "Drug unavailable"},
		{NOT_GIVEN_SYSTEM, "other", "Other"},
	};
	size_t r = (size_t)m->not_given_reason;
	const char *text = m->not_given_text[0] ? m->not_given_text : NULL;

	if (r >= sizeof(reasons) / sizeof(reasons[0]))
		r = 0;
	if (r == 0 && text == NULL)
		return;
	med_json_begin(w, "statusReason", '[');
	med_fhir_concept(w, NULL, &reasons[r], 1, text);
	med_json_end(w, ']');
}

static void
effective(med_json *w, const dosage_admin *m, const dosage_segment *seg)
{
	if (seg == NULL) {
		med_fhir_instant(w, "effectiveDateTime", m->effective_ms);
		return;
	}
	med_json_begin(w, "effectivePeriod", '{');
	med_fhir_instant(w, "start", seg->start_ms);
	med_fhir_instant(w, "end", m->effective_ms);
	med_json_end(w, '}');
}

/* A dose not given has nothing to say about a dose (it is stored as 0);
 * an infusion's segment carries what ran and the rate it ran at. */
static void
admin_dosage(med_json *w, const dosage_admin *m, const dosage_segment *seg)
{
	if (strcmp(m->status, DOSAGE_ADMIN_NOT_DONE) == 0)
		return;
	med_json_begin(w, "dosage", '{');
	dose_quantity(w, "dose", m->dose, m->unit);
	if (seg != NULL)
		med_fhir_quantity(w, "rateQuantity", seg->rate, seg->rate_unit);
	med_json_end(w, '}');
}

/* identification writes how the patient was identified at the bedside
 * (what the verification token named: the identifiers, who checked, the
 * terminal) as the extension patient-identification: R4's
 * MedicationAdministration has no element for it (docs/face.md). */
static void
identification(med_json *w, const char *checked, const char *checked_by,
	       const char *terminal)
{
	if (checked[0] == '\0')
		return;
	med_json_begin(w, "extension", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url",
		     FHIR_BASE "/StructureDefinition/patient-identification");
	med_json_begin(w, "extension", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", "identifiers");
	med_json_str(w, "valueCode", checked);
	med_json_end(w, '}');
	if (checked_by[0] != '\0') {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "url", "checkedBy");
		med_fhir_display_ref(w, "valueReference", checked_by);
		med_json_end(w, '}');
	}
	if (terminal[0] != '\0') {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "url", "terminal");
		med_json_str(w, "valueString", terminal);
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static void
medication_administration(med_json *w, const char *pid,
			  const dosage_export_page *p, const dosage_admin *m)
{
	const dosage_segment *seg = segment_of(p, m->id);

	med_fhir_entry_begin(w, FHIR_BASE, "MedicationAdministration", m->id);
	med_fhir_meta(w, 1, m->recorded_ms);
	identification(w, m->identifiers_checked, m->identifiers_checked_by,
		       m->identification_terminal);
	identifier(w, ADMIN_ID_SYSTEM, m->id);
	med_json_str(w, "status", m->status);
	if (strcmp(m->status, DOSAGE_ADMIN_NOT_DONE) == 0)
		not_given_reason(w, m);
	medication_ref(w, m->drug_code);
	med_fhir_reference(w, "subject", "Patient", pid, NULL);
	effective(w, m, seg);
	med_json_begin(w, "performer", '[');
	med_json_begin(w, NULL, '{');
	med_fhir_display_ref(w, "actor", m->performer);
	med_json_end(w, '}');
	med_json_end(w, ']');
	order_ref(w, "request", p, m->order_id);
	if (m->entered_in_error_reason[0] != '\0') {
		med_json_begin(w, "note", '[');
		med_json_begin(w, NULL, '{');
		med_json_str(w, "text", m->entered_in_error_reason);
		med_json_end(w, '}');
		med_json_end(w, ']');
	}
	admin_dosage(w, m, seg);
	med_fhir_entry_end(w);
}

/* --- a running infusion ----------------------------------------------------
 */

/*
 * running_infusion writes an infusion that runs now as an in-progress
 * MedicationAdministration of its current segment: since the event that
 * set the rate it runs at, at that rate.  The segments before are the
 * completed administrations charted at each change; when it stops, this
 * segment is charted too and the in-progress resource is gone.
 */
uint32_t
dosage_fhir_infusion_version(const Smartmed__Dosage__V1__Infusion *f,
			     int64_t *updated_ms)
{
	const Smartmed__Dosage__V1__InfusionRate *now =
		f->n_rates > 0 ? f->rates[f->n_rates - 1] : NULL;

	*updated_ms = now != NULL ? now->recorded_ms : f->started_ms;
	return f->n_rates > 0 ? (uint32_t)f->n_rates : 1;
}

static void
running_infusion(med_json *w, const char *pid, const dosage_export_page *p,
		 const Smartmed__Dosage__V1__Infusion *f)
{
	const Smartmed__Dosage__V1__InfusionRate *now =
		f->n_rates > 0 ? f->rates[f->n_rates - 1] : NULL;

	int64_t updated_ms = 0;
	uint32_t version = dosage_fhir_infusion_version(f, &updated_ms);

	med_fhir_entry_begin(w, FHIR_BASE, "MedicationAdministration", f->id);
	med_fhir_meta(w, version, updated_ms);
	identification(w, f->identifiers_checked, f->identifiers_checked_by,
		       f->identification_terminal);
	identifier(w, INFUSION_ID_SYSTEM, f->id);
	med_json_str(w, "status", "in-progress");
	medication_ref(w, f->drug_code);
	med_fhir_reference(w, "subject", "Patient", pid, NULL);
	med_json_begin(w, "effectivePeriod", '{');
	med_fhir_instant(w, "start", now ? now->effective_ms : f->started_ms);
	med_json_end(w, '}');
	med_json_begin(w, "performer", '[');
	med_json_begin(w, NULL, '{');
	med_fhir_display_ref(w, "actor", f->performer);
	med_json_end(w, '}');
	med_json_end(w, ']');
	order_ref(w, "request", p, f->order_id);
	if (now != NULL) {
		med_json_begin(w, "dosage", '{');
		med_fhir_quantity(w, "rateQuantity", now->rate, now->rate_unit);
		med_json_end(w, '}');
	}
	med_fhir_entry_end(w);
}

/* --- Medication ----------------------------------------------------------- */

static void
ratio(med_json *w, double amount, const char *amount_unit, double per,
      const char *per_unit)
{
	med_json_begin(w, "strength", '{');
	dose_quantity(w, "numerator", amount, amount_unit);
	dose_quantity(w, "denominator", per, per_unit);
	med_json_end(w, '}');
}

/*
 * main_ingredient writes the drug's own substance with its strength: per
 * unit of the drug (500 mg per tablet), or for a liquid dosed by mass its
 * concentration (120 mg per 5 mL).  A drug whose unit is itself an amount
 * of substance (mg, [iU]) has no strength to state.
 */
static void
main_ingredient(med_json *w, const dosage_drug *d)
{
	med_json_begin(w, NULL, '{');
	text_concept(w, "itemCodeableConcept", d->substance);
	med_json_bool(w, "isActive", true);
	if (d->strength > 0)
		ratio(w, d->strength, d->strength_unit, 1, d->unit);
	else if (d->concentration_amount > 0)
		ratio(w, d->concentration_amount, d->unit,
		      d->concentration_volume_ml, "mL");
	med_json_end(w, '}');
}

static void
ingredients(med_json *w, const dosage_drug *d)
{
	if (d->substance[0] == '\0' && d->n_other_ingredients == 0)
		return;
	med_json_begin(w, "ingredient", '[');
	if (d->substance[0] != '\0')
		main_ingredient(w, d);
	for (size_t i = 0; i < d->n_other_ingredients; i++) {
		const Smartmed__Dosage__V1__Ingredient *g =
			d->other_ingredients[i];

		med_json_begin(w, NULL, '{');
		text_concept(w, "itemCodeableConcept", g->substance);
		med_json_bool(w, "isActive", true);
		ratio(w, g->strength, g->strength_unit, 1, d->unit);
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
}

/*
 * relevant_labs fills labs with the analytes the second person checks
 * before a high-alert dose (issue 51): those the drug's lab rules read,
 * in their order, and creatinine for a drug dosed by renal function;
 * returns how many.
 */
static size_t
relevant_labs(const dosage_drug *d, dosage_lab labs[DOSAGE_LAB_N])
{
	dosage_lab_rule r[DOSAGE_LAB_MAX_RULES];
	bool seen[DOSAGE_LAB_N] = {false};
	char reason[160];
	size_t n = 0, k = 0;

	if (dosage_lab_rules_parse(d->lab_rules, r, DOSAGE_LAB_MAX_RULES, &n,
				   reason, sizeof(reason)) != MED_OK)
		n = 0;
	for (size_t i = 0; i <= n; i++) {
		dosage_lab lab = i < n ? r[i].analyte : DOSAGE_LAB_CREATININE;

		if ((i == n && d->n_renal_bands == 0) || seen[lab])
			continue;
		seen[lab] = true;
		labs[k++] = lab;
	}
	return k;
}

static void
medication(med_json *w, const dosage_drug *d)
{
	const med_fhir_code code = {strcmp(d->code_system, "rxnorm") == 0
					    ? RXNORM_SYSTEM
					    : LOCAL_DRUG_SYSTEM,
				    d->code, d->name};
	dosage_lab labs[DOSAGE_LAB_N];
	size_t n_labs = relevant_labs(d, labs);
	char id[40];

	dosage_fhir_medication_id(d->code, id);
	med_fhir_entry_begin(w, FHIR_BASE, "Medication", id);
	/* A high-alert drug says so, for the bedside checklist to ask for
	 * the second check before the dose (issue 51). */
	if (d->high_alert || n_labs > 0) {
		med_json_begin(w, "extension", '[');
		if (d->high_alert) {
			med_json_begin(w, NULL, '{');
			med_json_str(w, "url",
				     FHIR_BASE
				     "/StructureDefinition/high-alert");
			med_json_bool(w, "valueBoolean", true);
			med_json_end(w, '}');
		}
		/* The labs a co-signer checks, each an extension. */
		for (size_t i = 0; i < n_labs; i++) {
			med_json_begin(w, NULL, '{');
			med_json_str(w, "url",
				     FHIR_BASE
				     "/StructureDefinition/relevant-lab");
			med_json_str(w, "valueCode", dosage_lab_name(labs[i]));
			med_json_end(w, '}');
		}
		med_json_end(w, ']');
	}
	med_fhir_concept(w, "code", &code, 1, d->name);
	if (d->n_forms > 0)
		text_concept(w, "form", d->forms[0]);
	ingredients(w, d);
	med_fhir_entry_end(w);
}

/* A drug no longer in the catalogue still gets its Medication, so that
 * every medicationReference resolves: its code is all that is known. */
static void
bare_medication(med_json *w, const char *code)
{
	const med_fhir_code c = {LOCAL_DRUG_SYSTEM, code, NULL};
	char id[40];

	dosage_fhir_medication_id(code, id);
	med_fhir_entry_begin(w, FHIR_BASE, "Medication", id);
	med_fhir_concept(w, "code", &c, 1, NULL);
	med_fhir_entry_end(w);
}

med_err
dosage_fhir_medication_bundle(med_arena *arena, const dosage_drug *d,
			      const char *code, char **json)
{
	med_json w;
	const char *text;

	med_json_init_arena(&w, arena, 1u << 20);
	med_json_begin(&w, NULL, '[');
	if (d != NULL)
		medication(&w, d);
	else
		bare_medication(&w, code);
	med_json_end(&w, ']');
	if ((text = med_json_text(&w, NULL)) == NULL)
		return w.err != MED_OK ? w.err : MED_ERR_INTERNAL;
	*json = (char *)text;
	return MED_OK;
}

/* --- the bundle ----------------------------------------------------------- */

static bool
in_catalogue(const dosage_export_page *p, const char *code)
{
	for (size_t i = 0; i < p->n_drugs; i++)
		if (strcmp(p->drugs[i]->code, code) == 0)
			return true;
	return false;
}

/* item_code is the drug code of the page's item-th order, administration
 * or running infusion. */
static const char *
item_code(const dosage_export_page *p, size_t item)
{
	if (item < p->n_orders)
		return p->orders[item]->drug_code;
	item -= p->n_orders;
	if (item < p->n_admins)
		return p->admins[item]->drug_code;
	return p->running[item - p->n_admins]->drug_code;
}

/* first_mention is true for the first item of the page naming code, so a
 * drug missing from the catalogue gets one Medication, not one each. */
static bool
first_mention(const dosage_export_page *p, size_t item, const char *code)
{
	for (size_t i = 0; i < item; i++)
		if (strcmp(item_code(p, i), code) == 0)
			return false;
	return true;
}

static uint32_t
medications(med_json *w, const dosage_export_page *p)
{
	uint32_t n = (uint32_t)p->n_drugs;

	for (size_t i = 0; i < p->n_drugs; i++)
		medication(w, p->drugs[i]);
	for (size_t i = 0; i < dosage_export_items(p); i++) {
		const char *code = item_code(p, i);

		if (in_catalogue(p, code) || !first_mention(p, i, code))
			continue;
		bare_medication(w, code);
		n++;
	}
	return n;
}

/* page_ctx - one page and its patient, for the entries callback. */
typedef struct page_ctx {
	const char *pid;
	const dosage_export_page *page;
} page_ctx;

/* entries writes the page's resources after the Patient. */
static uint32_t
entries(med_json *w, void *ctx)
{
	const page_ctx *c = ctx;
	const dosage_export_page *p = c->page;

	for (size_t i = 0; i < p->n_orders; i++)
		medication_request(w, c->pid, p, p->orders[i]);
	for (size_t i = 0; i < p->n_admins; i++)
		medication_administration(w, c->pid, p, p->admins[i]);
	for (size_t i = 0; i < p->n_running; i++)
		running_infusion(w, c->pid, p, p->running[i]);
	return (uint32_t)dosage_export_items(p) + medications(w, p) +
	       dosage_fhir_measurements(w, c->pid, p->context);
}

med_err
dosage_fhir_bundle(med_arena *arena, const char *patient_id,
		   const dosage_export_page *p, size_t max_bytes, char **json,
		   uint32_t *n_resources)
{
	page_ctx c = {patient_id, p};

	return med_fhir_page_json(arena, max_bytes, patient_id,
				  dosage_export_items(p) > 0 ||
					  p->context != NULL,
				  entries, &c, json, n_resources);
}
