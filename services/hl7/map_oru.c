/*
 * map_oru.c - ORU^R01 lab results to records: each OBX whose OBX-3 is one
 * of the LOINC codes the dose checks read (weight, height, creatinine,
 * eGFR, creatinine clearance, potassium, INR, glucose) becomes an
 * observation entry of the PID-3 patient; its reference range, abnormal
 * flags and status go into the entry's text (records' observation has no
 * field for them).  Every OBX is checked before the first is written, so
 * a message with one bad result writes nothing; one that records itself
 * refuses part way has the results before it marked entered-in-error.
 * docs/hl7.md lists what is read.
 */
#include <med/util.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7_svc.h"
#include "smartmed/identity/v1/identity.pb-c.h"
#include "smartmed/records/v1/records.pb-c.h"

#define REC(t)	      Smartmed__Records__V1__##t
#define MAX_OBX	      64
#define CREATE_ENTRY  "/smartmed.records.v1.Records/CreateEntry"
#define MARK_IN_ERROR "/smartmed.records.v1.Records/MarkEnteredInError"

/* loinc_code - one code read, its name and the UCUM units accepted. */
typedef struct loinc_code {
	const char *code, *display;
	const char *units[4];
	const char *method; /* eGFR: the equation the code names */
} loinc_code;

static const loinc_code codes[] = {
	{"29463-7", "Body weight", {"kg", "g", "[lb_av]"}, NULL},
	{"8302-2", "Body height", {"cm", "m", "[in_i]"}, NULL},
	{"2160-0",
	 "Creatinine [Mass/volume] in Serum or Plasma",
	 {"mg/dL"},
	 NULL},
	{"14682-9",
	 "Creatinine [Moles/volume] in Serum or Plasma",
	 {"umol/L"},
	 NULL},
	{"98979-8",
	 "eGFR (CKD-EPI 2021)",
	 {"mL/min/{1.73_m2}"},
	 "CKD-EPI 2021"},
	{"62238-1",
	 "eGFR (CKD-EPI 2009)",
	 {"mL/min/{1.73_m2}"},
	 "CKD-EPI 2009"},
	{"2164-2", "Creatinine renal clearance", {"mL/min"}, NULL},
	{"2823-3",
	 "Potassium [Moles/volume] in Serum or Plasma",
	 {"mmol/L", "meq/L"},
	 NULL},
	{"6298-4",
	 "Potassium [Moles/volume] in Blood",
	 {"mmol/L", "meq/L"},
	 NULL},
	{"6301-6",
	 "INR in Platelet poor plasma",
	 {"{INR}", "{ratio}", "1"},
	 NULL},
	{"34714-6",
	 "INR in Blood by Coagulation assay",
	 {"{INR}", "{ratio}", "1"},
	 NULL},
	{"2345-7",
	 "Glucose [Mass/volume] in Serum or Plasma",
	 {"mg/dL", "mmol/L"},
	 NULL},
	{"2339-0", "Glucose [Mass/volume] in Blood", {"mg/dL", "mmol/L"}, NULL},
	{"15074-8", "Glucose [Moles/volume] in Blood", {"mmol/L"}, NULL},
};

static const loinc_code *
code_of(const char *loinc)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].code, loinc) == 0)
			return &codes[i];
	return NULL;
}

static bool
unit_ok(const loinc_code *c, const char *unit)
{
	for (size_t i = 0; i < 4 && c->units[i]; i++)
		if (strcmp(c->units[i], unit) == 0)
			return true;
	return false;
}

/* result - one OBX as records will hold it. */
typedef struct result {
	int seq; /* which OBX, from 1 */
	const loinc_code *code;
	char value[40], unit[40], range[64], flags[32], status[4];
	char method[65];
	double numeric;
	int64_t effective_ms;
	char entry_id[40]; /* once written */
	uint32_t version;
} result;

static med_err
obx_val(hl7_apply *a, const hl7_segment *s, int seq, int field, int comp,
	char *out, size_t cap, hl7_problem *p)
{
	if (hl7_get(a->m, s, field, 0, comp, 0, out, cap) != MED_OK)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "OBX", seq,
				       field,
				       "OBX-%d (OBX %d): longer than %zu bytes "
				       "or not in the message's character set",
				       field, seq, cap - 1);
	return MED_OK;
}

/* decimal_ok: [-]digits[.digits], the form records keeps as written. */
static bool
decimal_ok(const char *s)
{
	size_t i = s[0] == '-', digits = 0;

	for (; s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	return digits > 0 && s[i] == '\0' && strlen(s) <= 32;
}

static med_err
read_number(result *r, hl7_problem *p)
{
	char *end = NULL;

	errno = 0;
	r->numeric = strtod(r->value, &end);
	if (!decimal_ok(r->value) || errno != 0 || !isfinite(r->numeric))
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "OBX", r->seq,
				       5,
				       "OBX-5 (OBX %d): \"%s\" is not a number "
				       "([-]digits[.digits])",
				       r->seq, r->value);
	return MED_OK;
}

static med_err
read_time(hl7_apply *a, const hl7_segment *s, result *r, hl7_problem *p)
{
	char t[40];
	const hl7_segment *obr = hl7_find(a->m, "OBR", 1);
	med_err err = obx_val(a, s, r->seq, 14, 1, t, sizeof(t), p);

	if (err != MED_OK)
		return err;
	/* OBX-14, else the specimen's OBR-7. */
	if (t[0] == '\0' && obr != NULL &&
	    hl7_get(a->m, obr, 7, 0, 1, 0, t, sizeof(t)) != MED_OK)
		t[0] = '\0';
	if (t[0] && hl7_time_parse(t, &r->effective_ms) != MED_OK)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "OBX", r->seq,
				       14,
				       "OBX-14 (OBX %d): \"%s\" is not an HL7 "
				       "date/time",
				       r->seq, t);
	return MED_OK;
}

/*
 * read_result fills r from OBX s; *skip says the OBX is one this service
 * does not read (another coding system or code, a cancelled result): it
 * is noted, not refused.
 */
static med_err
read_result(hl7_apply *a, const hl7_segment *s, result *r, bool *skip,
	    hl7_problem *p)
{
	char loinc[32], system[16], type[8];
	med_err err;

	*skip = true;
	if ((err = obx_val(a, s, r->seq, 3, 1, loinc, sizeof(loinc), p)) ||
	    (err = obx_val(a, s, r->seq, 3, 3, system, sizeof(system), p)) ||
	    (err = obx_val(a, s, r->seq, 11, 1, r->status, sizeof(r->status),
			   p)))
		return err;
	r->code = strcmp(system, "LN") == 0 ? code_of(loinc) : NULL;
	if (r->code == NULL) {
		hl7_note(a, "OBX %d: %s^%s not read", r->seq, loinc, system);
		return MED_OK;
	}
	if (strcmp(r->status, "F") != 0 && strcmp(r->status, "C") != 0 &&
	    strcmp(r->status, "P") != 0) {
		hl7_note(a, "OBX %d: status \"%s\" not read", r->seq,
			 r->status);
		return MED_OK;
	}
	*skip = false;
	if ((err = obx_val(a, s, r->seq, 2, 1, type, sizeof(type), p)) ||
	    (err = obx_val(a, s, r->seq, 5, 1, r->value, sizeof(r->value),
			   p)) ||
	    (err = obx_val(a, s, r->seq, 6, 1, r->unit, sizeof(r->unit), p)) ||
	    (err = obx_val(a, s, r->seq, 7, 0, r->range, sizeof(r->range),
			   p)) ||
	    (err = obx_val(a, s, r->seq, 8, 0, r->flags, sizeof(r->flags),
			   p)) ||
	    (err = obx_val(a, s, r->seq, 17, 1, r->method, sizeof(r->method),
			   p)))
		return err;
	if (strcmp(type, "NM") != 0)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "OBX", r->seq,
				       2,
				       "OBX-2 (OBX %d): LOINC %s is read as a "
				       "number (NM), not \"%s\"",
				       r->seq, loinc, type);
	if (!unit_ok(r->code, r->unit))
		return hl7_problem_set(p, "AE", HL7_E_TABLE_VALUE, "OBX",
				       r->seq, 6,
				       "OBX-6 (OBX %d): unit \"%s\" is not a "
				       "UCUM unit read for LOINC %s",
				       r->seq, r->unit, loinc);
	if (r->code->method != NULL)
		med_strlcpy(r->method, r->code->method, sizeof(r->method));
	if ((err = read_number(r, p)) != MED_OK)
		return err;
	return read_time(a, s, r, p);
}

static med_err
write_result(hl7_apply *a, result *r, hl7_problem *p)
{
	REC(CreateEntryRequest)
	req = SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__INIT;
	REC(Observation) o = SMARTMED__RECORDS__V1__OBSERVATION__INIT;
	ProtobufCMessage *reply = NULL;
	char body[512], op[16];
	med_err err;

	snprintf(body, sizeof(body),
		 "From HL7 ORU^R01 %s of %s. Reference range: %s. Abnormal "
		 "flags: %s. Result status: %s.",
		 a->h->control_id, a->h->sending_app,
		 r->range[0] ? r->range : "none",
		 r->flags[0] ? r->flags : "none", r->status);
	o.loinc_code = (char *)r->code->code;
	o.display = (char *)r->code->display;
	o.value_case = SMARTMED__RECORDS__V1__OBSERVATION__VALUE_NUMERIC;
	o.numeric = r->numeric;
	o.numeric_decimal = (char *)r->value;
	o.ucum_unit = (char *)r->unit;
	o.effective_ms = r->effective_ms;
	o.method = (char *)r->method;
	req.patient_id = a->patient_id;
	req.kind = SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_OBSERVATION;
	req.title = (char *)r->code->display;
	req.body = body;
	req.status =
		strcmp(r->status, "P") == 0
			? SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_PRELIMINARY
			: SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_FINAL;
	req.content_case =
		SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__CONTENT_OBSERVATION;
	req.observation = &o;
	snprintf(op, sizeof(op), "obx%d", r->seq);
	err = hl7_peer_call(a, a->st->records, CREATE_ENTRY, &req.base,
			    &smartmed__records__v1__entry__descriptor, op,
			    "OBX", 5, &reply, p, NULL);
	if (err == MED_ERR_INVALID)
		p->seq = r->seq;
	if (err != MED_OK)
		return err;
	med_strlcpy(r->entry_id, ((REC(Entry) *)reply)->entry_id,
		    sizeof(r->entry_id));
	r->version = ((REC(Entry) *)reply)->version;
	hl7_note(a, "records CreateEntry %s (OBX %d, LOINC %s)", r->entry_id,
		 r->seq, r->code->code);
	return MED_OK;
}

/* undo_results marks the first n results entered-in-error (records
 * deletes nothing), each noted; a failure is logged in the changes, the
 * ACK still refuses the message. */
static void
undo_results(hl7_apply *a, result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		REC(MarkEnteredInErrorRequest)
		req = SMARTMED__RECORDS__V1__MARK_ENTERED_IN_ERROR_REQUEST__INIT;
		ProtobufCMessage *reply = NULL;
		hl7_problem ignored;
		char op[24], reason[300];

		snprintf(op, sizeof(op), "undo-obx%d", r[i].seq);
		snprintf(reason, sizeof(reason),
			 "HL7 ORU^R01 %s refused: a later result was not "
			 "accepted",
			 a->h->control_id);
		req.entry_id = r[i].entry_id;
		req.expected_version = r[i].version;
		req.reason = reason;
		if (hl7_peer_call(a, a->st->records, MARK_IN_ERROR, &req.base,
				  &smartmed__records__v1__entry__descriptor, op,
				  "OBX", 5, &reply, &ignored, NULL) == MED_OK)
			hl7_note(a, "records MarkEnteredInError %s (OBX %d)",
				 r[i].entry_id, r[i].seq);
		else
			hl7_note(a,
				 "records MarkEnteredInError %s (OBX %d) "
				 "FAILED: %s",
				 r[i].entry_id, r[i].seq, ignored.text);
	}
}

/* the_patient reads PID-3 (the MR identifier, else the first) and finds
 * the patient in identity. */
static med_err
the_patient(hl7_apply *a, hl7_problem *p)
{
	const hl7_segment *pid = hl7_find(a->m, "PID", 1);
	Smartmed__Identity__V1__GetPatientRequest req =
		SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	int code = 0;
	med_err err;

	if (pid == NULL)
		return hl7_problem_set(p, "AE", HL7_E_SEGMENT_SEQUENCE, "PID",
				       1, 0,
				       "PID segment is required for ORU^R01");
	if (hl7_get(a->m, pid, 3, 0, 1, 0, a->mrn, sizeof(a->mrn)) != MED_OK ||
	    a->mrn[0] == '\0')
		return hl7_problem_set(p, "AE", HL7_E_REQUIRED_MISSING, "PID",
				       1, 3,
				       "PID-3: a patient identifier of "
				       "1..64 characters is required");
	req.key_case = SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_MRN;
	req.mrn = a->mrn;
	err = hl7_peer_call(
		a, a->st->identity, "/smartmed.identity.v1.Identity/GetPatient",
		&req.base, &smartmed__identity__v1__patient__descriptor, NULL,
		"PID", 3, &reply, p, &code);
	if (err == MED_ERR_INVALID && code == MED_ERR_NOT_FOUND)
		return hl7_problem_set(
			p, "AE", HL7_E_UNKNOWN_KEY, "PID", 1, 3,
			"PID-3: no patient has identifier \"%s\"", a->mrn);
	if (err != MED_OK)
		return err;
	med_strlcpy(a->patient_id,
		    ((Smartmed__Identity__V1__Patient *)reply)->patient_id,
		    sizeof(a->patient_id));
	return MED_OK;
}

med_err
hl7_apply_oru(hl7_apply *a, hl7_problem *p)
{
	result *r;
	size_t n = 0;
	bool skip;
	med_err err;

	if (strcmp(a->h->trigger, "R01") != 0)
		return hl7_problem_set(
			p, "AR", HL7_E_UNSUPPORTED_EVENT, "MSH", 1, 9,
			"MSH-9: ORU^%s is not supported (R01 is)",
			a->h->trigger);
	if ((err = the_patient(a, p)) != MED_OK)
		return err;
	r = med_arena_zalloc(a->arena, MAX_OBX * sizeof(*r));
	if (r == NULL)
		return hl7_problem_set(p, "AR", HL7_E_INTERNAL, "", 0, 0,
				       "out of memory");
	/* Check every result first: a bad one refuses the whole message. */
	for (int seq = 1;; seq++) {
		const hl7_segment *s = hl7_find(a->m, "OBX", seq);

		if (s == NULL)
			break;
		if (n == MAX_OBX)
			return hl7_problem_set(
				p, "AE", HL7_E_SEGMENT_SEQUENCE, "OBX", seq, 0,
				"more than %d OBX segments", MAX_OBX);
		memset(&r[n], 0, sizeof(r[n]));
		r[n].seq = seq;
		if ((err = read_result(a, s, &r[n], &skip, p)) != MED_OK)
			return err;
		n += !skip;
	}
	for (size_t i = 0; i < n; i++) {
		if ((err = write_result(a, &r[i], p)) == MED_OK)
			continue;
		/* records refused this one (a limit of its own): the ones
		 * before it come out again, so the message leaves nothing
		 * behind.  A peer that is away leaves them: the resend
		 * repeats their request ids and writes only the rest. */
		if (err == MED_ERR_INVALID)
			undo_results(a, r, i);
		return err;
	}
	return MED_OK;
}
