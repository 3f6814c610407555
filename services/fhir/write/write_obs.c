/*
 * write_obs.c - device readings in: POST of R4 vital-sign Observations
 * (the vital-signs profile: heart rate, SpO2, body temperature, blood
 * pressure, respiratory rate, body weight), and the two more NEWS2 needs
 * (3151-8 inhaled oxygen flow in L/min, 0 for air; 67775-7 level of
 * responsiveness coded A, C, V, P or U of MED_FHIR_ACVPU_SYSTEM), alone
 * or in a batch or transaction Bundle.  The facade checks the FHIR shape
 * (category vital-signs, a LOINC code of the profile, a UCUM quantity, the
 * patient, the device, the identifier) and converts the UCUM units records does
 * not take into ones it does; records' RecordDeviceReadings then applies
 * its own rules (units, plausibility, the patient) and writes the
 * readings as the caller, in one transaction, idempotent by identifier.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <med/fhir.h>

#include "smartmed/records/v1/records.pb-c.h"

#include "write.h"

#define UCUM_SYSTEM  "http://unitsofmeasure.org"
#define LOINC_SYSTEM "http://loinc.org"
#define CATEGORY_SYSTEM                                                        \
	"http://terminology.hl7.org/CodeSystem/observation-category"
#define BP_PANEL     "85354-9"
#define ACVPU_CODE   "67775-7"
#define BUNDLE_MAX   100
#define RECORDS_PATH "/smartmed.records.v1.Records/RecordDeviceReadings"

typedef Smartmed__Records__V1__Quantity quantity_pb;
typedef Smartmed__Records__V1__VitalSigns vitals_pb;

/* vital - a vital sign of the profile: its LOINC code, the VitalSigns
 * member records keeps it in, and the entry's title. */
typedef struct vital {
	const char *loinc;
	size_t member; /* offsetof in VitalSigns */
	const char *field;
	const char *title;
} vital;

static const vital vital_table[] = {
	{"8867-4", offsetof(vitals_pb, heart_rate), "heart_rate", "Heart rate"},
	{"59408-5", offsetof(vitals_pb, oxygen_saturation), "oxygen_saturation",
	 "Oxygen saturation"},
	{"2708-6", offsetof(vitals_pb, oxygen_saturation), "oxygen_saturation",
	 "Oxygen saturation"},
	{"8310-5", offsetof(vitals_pb, body_temperature), "body_temperature",
	 "Body temperature"},
	{"9279-1", offsetof(vitals_pb, respiratory_rate), "respiratory_rate",
	 "Respiratory rate"},
	{"29463-7", offsetof(vitals_pb, body_weight), "body_weight",
	 "Body weight"},
	{"3151-8", offsetof(vitals_pb, inhaled_oxygen_flow),
	 "inhaled_oxygen_flow", "Inhaled oxygen flow rate"},
	{BP_PANEL, 0, NULL, "Blood pressure"},
	{ACVPU_CODE, 0, "consciousness", "Level of consciousness (ACVPU)"},
};

/* unit_map - a UCUM unit records does not take, as one it does:
 * value * factor + offset. */
typedef struct unit_map {
	const char *from, *to;
	double factor, offset;
} unit_map;

static const unit_map unit_maps[] = {
	{"{beats}/min", "/min", 1, 0},
	{"{breaths}/min", "/min", 1, 0},
	{"1/min", "/min", 1, 0},
	{"K", "Cel", 1, -273.15},
	{"kPa", "mm[Hg]", 7.500615758456563, 0},
	{"[oz_av]", "g", 28.349523125, 0},
	{"1", "%", 100, 0}, /* SpO2 as a fraction */
};

/* reading - one Observation as parsed: what records is sent, and where
 * its elements were, to name them when records refuses one. */
typedef struct reading {
	const char *path; /* "Observation" or "Bundle.entry[i].resource" */
	const char *patient_id;
	const char *device;
	const char *id_system, *id_value;
	const vital *v;
	int component[2]; /* BP: index of systolic, diastolic */
	Smartmed__Records__V1__DeviceReading *pb;
} reading;

static const vital *
vital_of(const char *loinc)
{
	for (size_t i = 0; i < sizeof(vital_table) / sizeof(vital_table[0]);
	     i++)
		if (strcmp(vital_table[i].loinc, loinc) == 0)
			return &vital_table[i];
	return NULL;
}

/* at writes "path.element" ("Device/" + id: no dot) into x's arena. */
static const char *
at(fhir_write *x, const char *path, const char *element)
{
	char buf[160];
	size_t n = strlen(path);

	snprintf(buf, sizeof(buf), "%s%s%s", path,
		 n > 0 && path[n - 1] == '/' ? "" : ".", element);
	return med_arena_strdup(x->req->arena, buf);
}

/* has_coding is true when concept holds a coding of system (and code,
 * unless NULL); *code_out gets the first code of system. */
static bool
has_coding(const json_t *concept, const char *system, const char *code,
	   const char **code_out)
{
	json_t *codings = json_object_get(concept, "coding"), *c;
	size_t i;

	json_array_foreach(codings, i, c)
	{
		const char *s = json_string_value(json_object_get(c, "system"));
		const char *k = json_string_value(json_object_get(c, "code"));

		if (s == NULL || k == NULL || strcmp(s, system) != 0)
			continue;
		if (code == NULL && code_out != NULL) {
			*code_out = k;
			return true;
		}
		if (code != NULL && strcmp(k, code) == 0)
			return true;
	}
	return false;
}

static bool
is_vital_category(const json_t *obs)
{
	json_t *cats = json_object_get(obs, "category"), *c;
	size_t i;

	json_array_foreach(cats, i,
			   c) if (has_coding(c, CATEGORY_SYSTEM, "vital-signs",
					     NULL)) return true;
	return false;
}

/* code_of finds the profile's LOINC code among the codings. */
static const vital *
code_of(const json_t *obs)
{
	json_t *codings =
		       json_object_get(json_object_get(obs, "code"), "coding"),
	       *c;
	size_t i;

	json_array_foreach(codings, i, c)
	{
		const char *s = json_string_value(json_object_get(c, "system"));
		const char *k = json_string_value(json_object_get(c, "code"));

		if (s != NULL && k != NULL && strcmp(s, LOINC_SYSTEM) == 0 &&
		    vital_of(k) != NULL)
			return vital_of(k);
	}
	return NULL;
}

/* device_of finds the Device reference: Observation.device, else a
 * performer that is a Device. */
static const char *
device_of(fhir_write *x, const json_t *obs)
{
	json_t *perf = json_object_get(obs, "performer"), *p;
	const char *id =
		fhir_write_ref_id(x, json_object_get(obs, "device"), "Device");
	size_t i;

	json_array_foreach(perf, i, p)
	{
		if (id != NULL)
			break;
		id = fhir_write_ref_id(x, p, "Device");
	}
	return id != NULL ? at(x, "Device/", id) : NULL;
}

/*
 * decimal_text spells a JSON real as its sender most likely wrote it, so
 * that records keeps its precision: the fewest fraction digits that read
 * back as the value, at least one (a whole number sent as 37.0 stays
 * "37.0"; jansson keeps no number's text, so "37.50" comes back as
 * "37.5").  NULL for an integer (written as it is) or a value that is no
 * plain decimal.
 */
static const char *
decimal_text(fhir_write *x, const json_t *value)
{
	char buf[MED_FHIR_DECIMAL_MAX + 8];
	double v = json_real_value(value);

	if (!json_is_real(value))
		return NULL;
	for (int digits = 1; digits <= 17; digits++) {
		snprintf(buf, sizeof(buf), "%.*f", digits, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!med_fhir_decimal_matches(buf, v))
		return NULL;
	return med_arena_strdup(x->req->arena, buf);
}

/* quantity reads a UCUM valueQuantity at path into q, converting a unit
 * records does not take (a converted value is written as computed). */
static med_err
quantity(fhir_write *x, const json_t *vq, const char *path, quantity_pb *q)
{
	const json_t *value = json_object_get(vq, "value");
	const char *system = json_string_value(json_object_get(vq, "system"));
	const char *code = json_string_value(json_object_get(vq, "code"));

	if (!json_is_object(vq))
		return fhir_write_fail(x, 400, "required", path,
				       "required (a UCUM Quantity)");
	if (!json_is_number(value) || !isfinite(json_number_value(value)))
		return fhir_write_fail(x, 400, "required", at(x, path, "value"),
				       "required: a number");
	if (system == NULL || strcmp(system, UCUM_SYSTEM) != 0 ||
	    code == NULL || code[0] == '\0')
		return fhir_write_fail(
			x, 400, "value", at(x, path, code ? "system" : "code"),
			"want system %s with a UCUM code", UCUM_SYSTEM);
	smartmed__records__v1__quantity__init(q);
	q->value = json_number_value(value);
	q->decimal = (char *)decimal_text(x, value);
	q->unit = (char *)code;
	for (size_t i = 0; i < sizeof(unit_maps) / sizeof(unit_maps[0]); i++)
		if (strcmp(unit_maps[i].from, code) == 0) {
			q->value = q->value * unit_maps[i].factor +
				   unit_maps[i].offset;
			q->decimal = NULL;
			q->unit = (char *)unit_maps[i].to;
		}
	if (q->decimal == NULL)
		q->decimal = (char *)protobuf_c_empty_string;
	return MED_OK;
}

/* component_of finds the component coded loinc; -1: none. */
static int
component_of(const json_t *comps, const char *loinc)
{
	json_t *c;
	size_t i;

	json_array_foreach(comps, i,
			   c) if (has_coding(json_object_get(c, "code"),
					     LOINC_SYSTEM, loinc,
					     NULL)) return (int)i;
	return -1;
}

/* blood_pressure reads the panel's systolic (8480-6) and diastolic
 * (8462-4) components. */
static med_err
blood_pressure(fhir_write *x, const json_t *obs, reading *r, vitals_pb *vs)
{
	static const char *const codes[2] = {"8480-6", "8462-4"};
	json_t *comps = json_object_get(obs, "component");
	quantity_pb *q[2];
	char path[160];
	med_err err;

	for (int k = 0; k < 2; k++) {
		r->component[k] = component_of(comps, codes[k]);
		if (r->component[k] < 0)
			return fhir_write_fail(
				x, 400, "required", at(x, r->path, "component"),
				"a blood pressure panel needs a component "
				"coded LOINC %s",
				codes[k]);
		q[k] = med_arena_zalloc(x->req->arena, sizeof(*q[k]));
		if (q[k] == NULL)
			return MED_ERR_NOMEM;
		snprintf(path, sizeof(path), "%s.component[%d].valueQuantity",
			 r->path, r->component[k]);
		err = quantity(
			x,
			json_object_get(
				json_array_get(comps, (size_t)r->component[k]),
				"valueQuantity"),
			med_arena_strdup(x->req->arena, path), q[k]);
		if (err != MED_OK)
			return err;
	}
	vs->systolic_bp = q[0];
	vs->diastolic_bp = q[1];
	return MED_OK;
}

/* consciousness reads NEWS2's ACVPU level: a valueCodeableConcept with a
 * code A, C, V, P or U of MED_FHIR_ACVPU_SYSTEM. */
static med_err
consciousness(fhir_write *x, const json_t *obs, reading *r, vitals_pb *vs)
{
	static const char levels[] = "ACVPU";
	const char *code = NULL;
	const json_t *v = json_object_get(obs, "valueCodeableConcept");

	if (!has_coding(v, MED_FHIR_ACVPU_SYSTEM, NULL, &code) ||
	    strlen(code) != 1 || strchr(levels, code[0]) == NULL)
		return fhir_write_fail(x, 400, "value",
				       at(x, r->path, "valueCodeableConcept"),
				       "want a code A, C, V, P or U of %s",
				       MED_FHIR_ACVPU_SYSTEM);
	vs->consciousness =
		(Smartmed__Records__V1__Consciousness)(strchr(levels, code[0]) -
						       levels + 1);
	return MED_OK;
}

/* vitals reads the value into a VitalSigns of one member (two for BP). */
static med_err
vitals(fhir_write *x, const json_t *obs, reading *r, vitals_pb **out)
{
	vitals_pb *vs = med_arena_zalloc(x->req->arena, sizeof(*vs));
	quantity_pb *q;
	med_err err;

	if (vs == NULL)
		return MED_ERR_NOMEM;
	smartmed__records__v1__vital_signs__init(vs);
	*out = vs;
	if (r->v->field == NULL)
		return blood_pressure(x, obs, r, vs);
	if (strcmp(r->v->loinc, ACVPU_CODE) == 0)
		return consciousness(x, obs, r, vs);
	if ((q = med_arena_zalloc(x->req->arena, sizeof(*q))) == NULL)
		return MED_ERR_NOMEM;
	err = quantity(x, json_object_get(obs, "valueQuantity"),
		       at(x, r->path, "valueQuantity"), q);
	if (err == MED_OK)
		*(quantity_pb **)((char *)vs + r->v->member) = q;
	return err;
}

/* identifier_of takes the first identifier with a system and a value. */
static med_err
identifier_of(fhir_write *x, const json_t *obs, reading *r)
{
	json_t *ids = json_object_get(obs, "identifier"), *id;
	size_t i;

	json_array_foreach(ids, i, id)
	{
		r->id_system = json_string_value(json_object_get(id, "system"));
		r->id_value = json_string_value(json_object_get(id, "value"));
		if (r->id_system != NULL && r->id_value != NULL)
			return MED_OK;
	}
	return fhir_write_fail(x, 400, "required", at(x, r->path, "identifier"),
			       "required: the reading's own identifier "
			       "(system and value), which makes sending it "
			       "again safe");
}

/* status_of maps Observation.status to the entry's status. */
static med_err
status_of(fhir_write *x, const json_t *obs, const reading *r,
	  Smartmed__Records__V1__EntryStatus *out)
{
	const char *s = json_string_value(json_object_get(obs, "status"));

	if (s != NULL && strcmp(s, "final") == 0)
		*out = SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_FINAL;
	else if (s != NULL && strcmp(s, "preliminary") == 0)
		*out = SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_PRELIMINARY;
	else
		return fhir_write_fail(x, 400, "value",
				       at(x, r->path, "status"),
				       "want final or preliminary");
	return MED_OK;
}

/* effective_of reads effectiveDateTime or effectiveInstant (0: none,
 * records then takes the time it was written). */
static med_err
effective_of(fhir_write *x, const json_t *obs, const reading *r, int64_t *ms)
{
	const char *names[2] = {"effectiveDateTime", "effectiveInstant"};

	*ms = 0;
	for (int i = 0; i < 2; i++) {
		const char *t =
			json_string_value(json_object_get(obs, names[i]));

		if (t != NULL && !fhir_write_time_ms(t, ms))
			return fhir_write_fail(
				x, 400, "value", at(x, r->path, names[i]),
				"want a date and time with a zone "
				"(YYYY-MM-DDThh:mm:ssZ)");
	}
	return MED_OK;
}

/* shape checks what the profile requires before anything is built. */
static med_err
shape(fhir_write *x, const json_t *obs, reading *r)
{
	const char *type =
		json_string_value(json_object_get(obs, "resourceType"));

	if (type == NULL || strcmp(type, "Observation") != 0)
		return fhir_write_fail(x, 400, "structure",
				       at(x, r->path, "resourceType"),
				       "want Observation");
	if (!is_vital_category(obs))
		return fhir_write_fail(
			x, 422, "business-rule", at(x, r->path, "category"),
			"the vital-signs profile needs category %s|vital-signs",
			CATEGORY_SYSTEM);
	if ((r->v = code_of(obs)) == NULL)
		return fhir_write_fail(
			x, 422, "code-invalid", at(x, r->path, "code"),
			"want a LOINC code of the vital-signs profile: 8867-4, "
			"59408-5, 2708-6, 8310-5, 85354-9, 9279-1, 29463-7; "
			"or of NEWS2's 3151-8 (oxygen flow), 67775-7 (ACVPU)");
	r->patient_id = fhir_write_ref_id(x, json_object_get(obs, "subject"),
					  "Patient");
	if (r->patient_id == NULL && x->foreign_ref != NULL)
		return fhir_write_ref_foreign(x, at(x, r->path, "subject"));
	if (r->patient_id == NULL)
		return fhir_write_fail(x, 400, "required",
				       at(x, r->path, "subject"),
				       "required: a reference Patient/{id}");
	r->device = device_of(x, obs);
	if (r->device == NULL && x->foreign_ref != NULL)
		return fhir_write_ref_foreign(x, at(x, r->path, "device"));
	if (r->device == NULL)
		return fhir_write_fail(x, 400, "required",
				       at(x, r->path, "device"),
				       "required: the Device that measured "
				       "it (device or performer: "
				       "Device/{id})");
	return identifier_of(x, obs, r);
}

/* build makes the DeviceReading records is sent. */
static med_err
build(fhir_write *x, const json_t *obs, reading *r)
{
	med_arena *a = x->req->arena;
	Smartmed__Records__V1__CreateEntryRequest *e =
		med_arena_zalloc(a, sizeof(*e));
	vitals_pb *vs = NULL;
	med_err err;

	r->pb = med_arena_zalloc(a, sizeof(*r->pb));
	if (e == NULL || r->pb == NULL)
		return MED_ERR_NOMEM;
	smartmed__records__v1__create_entry_request__init(e);
	smartmed__records__v1__device_reading__init(r->pb);
	if ((err = status_of(x, obs, r, &e->status)) != MED_OK ||
	    (err = vitals(x, obs, r, &vs)) != MED_OK ||
	    (err = effective_of(x, obs, r, &vs->effective_ms)) != MED_OK)
		return err;
	e->patient_id = (char *)r->patient_id;
	e->kind = SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS;
	e->title = (char *)r->v->title;
	e->body = "";
	e->content_case =
		SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__CONTENT_VITAL_SIGNS;
	e->vital_signs = vs;
	r->pb->identifier_system = (char *)r->id_system;
	r->pb->identifier_value = (char *)r->id_value;
	r->pb->device = (char *)r->device;
	r->pb->entry = e;
	return MED_OK;
}

static med_err
parse_reading(fhir_write *x, const json_t *obs, const char *path, reading *r)
{
	med_err err;

	memset(r, 0, sizeof(*r));
	r->path = path;
	if (!json_is_object(obs))
		return fhir_write_fail(x, 400, "required", path,
				       "required: an Observation");
	if ((err = shape(x, obs, r)) != MED_OK)
		return err;
	return build(x, obs, r);
}

/* --- records' answer ------------------------------------------------------ */

/* records_path names, as FHIR, the element records' message is about
 * ("readings[0].entry.vital_signs.heart_rate.value: ..."). */
static const char *
records_path(fhir_write *x, const char *msg, const reading *r)
{
	char comp[48];

	if (strstr(msg, "identifier") != NULL)
		return at(x, r->path, "identifier");
	if (strstr(msg, "patient_id") != NULL)
		return at(x, r->path, "subject");
	if (strstr(msg, "effective_ms") != NULL)
		return at(x, r->path, "effectiveDateTime");
	if (strstr(msg, "device") != NULL)
		return at(x, r->path, "device");
	comp[0] = '\0';
	if (strstr(msg, "systolic_bp") != NULL)
		snprintf(comp, sizeof(comp), "component[%d].", r->component[0]);
	else if (strstr(msg, "diastolic_bp") != NULL)
		snprintf(comp, sizeof(comp), "component[%d].", r->component[1]);
	if (strstr(msg, ".unit") != NULL)
		strncat(comp, "valueQuantity.code",
			sizeof(comp) - strlen(comp) - 1);
	else
		strncat(comp, "valueQuantity.value",
			sizeof(comp) - strlen(comp) - 1);
	return at(x, r->path, comp);
}

/* reading_at is the reading records' message names (readings[i]). */
static const reading *
reading_at(const char *msg, const reading *r, size_t n)
{
	const char *p = strstr(msg, "readings[");
	size_t i = 0;

	if (p == NULL)
		return &r[0];
	for (p += 9; *p >= '0' && *p <= '9'; p++)
		i = i * 10 + (size_t)(*p - '0');
	return i < n ? &r[i] : &r[0];
}

/* record sends the readings to records in one call (one transaction). */
static med_err
record(fhir_write *x, reading *r, size_t n,
       Smartmed__Records__V1__RecordDeviceReadingsResponse **out)
{
	Smartmed__Records__V1__RecordDeviceReadingsRequest in =
		SMARTMED__RECORDS__V1__RECORD_DEVICE_READINGS_REQUEST__INIT;
	med_channel *ch = fhir_source_channel("records");
	ProtobufCMessage *reply = NULL;
	med_rpc_status st = {0};

	in.readings = med_arena_alloc(x->req->arena, n * sizeof(*in.readings));
	if (in.readings == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		in.readings[i] = r[i].pb;
	in.n_readings = n;
	if (fhir_call_unary(
		    &x->c, ch, RECORDS_PATH, &in.base,
		    &smartmed__records__v1__record_device_readings_response__descriptor,
		    &reply, &st) != MED_OK)
		return fhir_write_upstream(
			x, &st, "records",
			records_path(x, st.message,
				     reading_at(st.message, r, n)),
			NULL);
	*out = (void *)reply;
	if ((*out)->n_results != n)
		return fhir_fail(&x->e, MED_GRPC_INTERNAL,
				 "records: %zu results for %zu "
				 "readings",
				 (*out)->n_results, n);
	return MED_OK;
}

/* stored - records' Observation of a reading: its id and version, and
 * its JSON as records wrote it (with the reading's identifier and device),
 * byte for byte, so that decimals keep their digits ("37.0"). */
typedef struct stored {
	const char *id;
	const char *version;
	const char *json;
	size_t len;
} stored;

/* stored_of finds the Observation in res's bundle (records' bundle leads
 * with an id-only Patient; a reading is one Observation). */
static bool
stored_of(fhir_write *x, const Smartmed__Records__V1__DeviceReadingResult *res,
	  stored *out)
{
	json_t *b = json_loads(res->bundle_json, 0, NULL);
	json_t *e;
	size_t i;

	memset(out, 0, sizeof(*out));
	json_array_foreach(json_object_get(b, "entry"), i, e)
	{
		json_t *o = json_object_get(e, "resource");
		const char *t =
			json_string_value(json_object_get(o, "resourceType"));

		if (out->id != NULL || t == NULL ||
		    strcmp(t, "Observation") != 0)
			continue;
		out->id = med_arena_strdup(
			x->req->arena,
			json_string_value(json_object_get(o, "id")) ?: "");
		out->version = med_arena_strdup(
			x->req->arena,
			json_string_value(json_object_get(
				json_object_get(o, "meta"), "versionId"))
				?: "1");
	}
	json_decref(b);
	return out->id != NULL && out->version != NULL &&
	       med_fhir_bundle_resource(res->bundle_json, "Observation",
					out->id, &out->json,
					&out->len) == MED_OK;
}

/* location_of is [base]/Observation/{id}/_history/{version}. */
static const char *
location_of(fhir_write *x, const stored *o)
{
	char buf[800];

	snprintf(buf, sizeof(buf), "%s/Observation/%s/_history/%s",
		 x->f->base_url, o->id, o->version);
	return med_arena_strdup(x->req->arena, buf);
}

med_err
fhir_write_observation(fhir_write *x, json_t *body)
{
	Smartmed__Records__V1__RecordDeviceReadingsResponse *res = NULL;
	reading r;
	stored o;
	med_err err = parse_reading(x, body, "Observation", &r);

	x->patient_id = r.patient_id;
	x->device = r.device;
	if (err == MED_OK && x->req->if_none_exist != NULL)
		err = fhir_write_if_none_exist(x, x->req->if_none_exist, NULL,
					       r.id_system, r.id_value);
	if (err == MED_OK)
		err = record(x, &r, 1, &res);
	if (err != MED_OK)
		return err;
	if (!stored_of(x, res->results[0], &o))
		return fhir_fail(&x->e, MED_GRPC_INTERNAL,
				 "records: not an Observation");
	x->status = res->results[0]->replayed ? 200 : 201;
	x->location = location_of(x, &o);
	x->resource = med_arena_strdup(
		x->req->arena, x->location + strlen(x->f->base_url) + 1);
	x->n_resources = 1;
	med_json_raw(&x->w, NULL, o.json, o.len);
	return MED_OK;
}

/* --- Bundles ----------------------------------------------------------------
 * A transaction is one RecordDeviceReadings call: records writes all of it
 * in one database transaction or nothing.  A batch is one call per entry,
 * each answered on its own.
 */

/* entry_reading parses Bundle.entry[i]: a POST of an Observation. */
static med_err
entry_reading(fhir_write *x, const json_t *entry, size_t i, reading *r)
{
	const json_t *req = json_object_get(entry, "request");
	const char *method = json_string_value(json_object_get(req, "method"));
	const char *url = json_string_value(json_object_get(req, "url"));
	const char *cond =
		json_string_value(json_object_get(req, "ifNoneExist"));
	char path[64];
	med_err err;

	snprintf(path, sizeof(path), "Bundle.entry[%zu]", i);
	if (method == NULL || strcmp(method, "POST") != 0 || url == NULL ||
	    strcmp(url, "Observation") != 0)
		return fhir_write_fail(x, 400, "not-supported",
				       at(x, path, "request"),
				       "want method POST and url Observation "
				       "(device readings)");
	snprintf(path, sizeof(path), "Bundle.entry[%zu].resource", i);
	err = parse_reading(x, json_object_get(entry, "resource"),
			    med_arena_strdup(x->req->arena, path), r);
	if (err != MED_OK || cond == NULL)
		return err;
	snprintf(path, sizeof(path), "Bundle.entry[%zu].request.ifNoneExist",
		 i);
	return fhir_write_if_none_exist(x, cond, path, r->id_system,
					r->id_value);
}

/* write_entry writes one entry of a response Bundle. */
static void
write_entry(fhir_write *x, const stored *o, bool replayed, const char *location)
{
	med_json *w = &x->w;

	med_json_begin(w, NULL, '{');
	med_json_str(w, "fullUrl",
		     at(x, at(x, x->f->base_url, "Observation/"), o->id));
	med_json_raw(w, "resource", o->json, o->len);
	med_json_begin(w, "response", '{');
	med_json_str(w, "status", replayed ? "200 OK" : "201 Created");
	med_json_str(w, "location", location);
	med_json_end(w, '}');
	med_json_end(w, '}');
}

/* write_failed_entry answers a batch entry refused, with its outcome. */
static void
write_failed_entry(fhir_write *x, const fhir_write *sub)
{
	char status[48];

	snprintf(status, sizeof(status), "%d %s", sub->e.http_status,
		 sub->e.http_status == 422  ? "Unprocessable Entity"
		 : sub->e.http_status < 500 ? "Bad Request"
					    : "Error");
	med_json_begin(&x->w, NULL, '{');
	med_json_begin(&x->w, "response", '{');
	med_json_str(&x->w, "status", status);
	fhir_write_outcome(&x->w, "outcome", sub);
	med_json_end(&x->w, '}');
	med_json_end(&x->w, '}');
}

/* answer_results writes the stored resources of readings as entries. */
static med_err
answer_results(fhir_write *x,
	       const Smartmed__Records__V1__RecordDeviceReadingsResponse *res,
	       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		stored o;

		if (!stored_of(x, res->results[i], &o))
			return fhir_fail(&x->e, MED_GRPC_INTERNAL,
					 "records: not an "
					 "Observation");
		write_entry(x, &o, res->results[i]->replayed,
			    location_of(x, &o));
	}
	return MED_OK;
}

static med_err
transaction(fhir_write *x, json_t *entries)
{
	Smartmed__Records__V1__RecordDeviceReadingsResponse *res = NULL;
	size_t n = json_array_size(entries);
	reading *r = med_arena_zalloc(x->req->arena, n * sizeof(*r));
	med_err err = r != NULL ? MED_OK : MED_ERR_NOMEM;

	for (size_t i = 0; i < n && err == MED_OK; i++)
		err = entry_reading(x, json_array_get(entries, i), i, &r[i]);
	if (err == MED_OK) {
		x->patient_id = r[0].patient_id;
		x->device = r[0].device;
		err = record(x, r, n, &res);
	}
	if (err != MED_OK)
		return err;
	med_json_str(&x->w, "type", "transaction-response");
	med_json_begin(&x->w, "entry", '[');
	err = answer_results(x, res, n);
	med_json_end(&x->w, ']');
	x->n_resources = n;
	return err;
}

/* batch_one answers one batch entry on its own call to records. */
static void
batch_one(fhir_write *x, const json_t *entry, size_t i)
{
	Smartmed__Records__V1__RecordDeviceReadingsResponse *res = NULL;
	fhir_write sub = *x;
	reading r;
	med_err err;

	memset(&sub.e, 0, sizeof(sub.e));
	sub.expression[0] = '\0';
	err = entry_reading(&sub, entry, i, &r);
	if (err == MED_OK)
		err = record(&sub, &r, 1, &res);
	if (err != MED_OK || answer_results(&sub, res, 1) != MED_OK) {
		write_failed_entry(x, &sub);
		return;
	}
	x->w = sub.w; /* the entry went into the same body */
	if (x->patient_id == NULL) {
		x->patient_id = r.patient_id;
		x->device = r.device;
	}
	x->n_resources++;
}

med_err
fhir_write_bundle(fhir_write *x, json_t *body)
{
	const char *type = json_string_value(json_object_get(body, "type"));
	const char *rt =
		json_string_value(json_object_get(body, "resourceType"));
	json_t *entries = json_object_get(body, "entry");
	size_t n = json_array_size(entries);
	bool tx;
	med_err err = MED_OK;

	if (rt == NULL || strcmp(rt, "Bundle") != 0)
		return fhir_write_fail(x, 400, "structure",
				       "Bundle.resourceType", "want Bundle");
	if (type == NULL ||
	    (strcmp(type, "transaction") != 0 && strcmp(type, "batch") != 0))
		return fhir_write_fail(x, 400, "value", "Bundle.type",
				       "want transaction or batch");
	if (n == 0 || n > BUNDLE_MAX)
		return fhir_write_fail(x, 400, "value", "Bundle.entry",
				       "want 1..%d entries, got %zu",
				       BUNDLE_MAX, n);
	tx = strcmp(type, "transaction") == 0;
	med_json_begin(&x->w, NULL, '{');
	med_json_str(&x->w, "resourceType", "Bundle");
	if (tx) {
		err = transaction(x, entries);
	} else {
		med_json_str(&x->w, "type", "batch-response");
		med_json_begin(&x->w, "entry", '[');
		for (size_t i = 0; i < n; i++)
			batch_one(x, json_array_get(entries, i), i);
		med_json_end(&x->w, ']');
	}
	med_json_end(&x->w, '}');
	x->resource = tx ? "Bundle/transaction" : "Bundle/batch";
	return err;
}
