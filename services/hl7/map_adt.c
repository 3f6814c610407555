/*
 * map_adt.c - ADT messages to identity's API: A01/A04 admit or register
 * (PID + PV1), A02 transfer, A03 discharge, A08/A31 update demographics,
 * A28 add a person, A12 cancel a transfer (back to PV1-3), A40 merge
 * (MRG-1 into PID-3).  identity has no operation that undoes an admission
 * or a discharge: A11 and A13 are refused with AR 201.  docs/hl7.md is
 * the profile.
 */
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "hl7_svc.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#define ID_PATH(m) "/smartmed.identity.v1.Identity/" m
#define ID(t)	   Smartmed__Identity__V1__##t
#define ID_PB(t)   smartmed__identity__v1__##t##__descriptor
#define SEX(x)                                                                 \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_##x
#define CLASS(x) SMARTMED__IDENTITY__V1__ENCOUNTER_CLASS__ENCOUNTER_CLASS_##x

/* val reads segment id's field.comp.sub into out, refusing a value that
 * does not decode (AE naming the field). */
static med_err
val(hl7_apply *a, const char *id, int field, int comp, int sub, char *out,
    size_t cap, hl7_problem *p)
{
	const hl7_segment *s = hl7_find(a->m, id, 1);

	out[0] = '\0';
	if (s == NULL)
		return MED_OK;
	if (hl7_get(a->m, s, field, 0, comp, sub, out, cap) != MED_OK)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, id, 1, field,
				       "%s-%d: longer than %zu bytes or not in "
				       "the message's character set",
				       id, field, cap - 1);
	return MED_OK;
}

static med_err
need(hl7_apply *a, const char *id, int field, int comp, char *out, size_t cap,
     const char *what, hl7_problem *p)
{
	med_err err = val(a, id, field, comp, 0, out, cap, p);

	if (err != MED_OK)
		return err;
	if (out[0] == '\0')
		return hl7_problem_set(p, "AE", HL7_E_REQUIRED_MISSING, id, 1,
				       field, "%s-%d: %s is required", id,
				       field, what);
	return MED_OK;
}

static med_err
need_segment(hl7_apply *a, const char *id, hl7_problem *p)
{
	if (hl7_find(a->m, id, 1) == NULL)
		return hl7_problem_set(p, "AE", HL7_E_SEGMENT_SEQUENCE, id, 1,
				       0, "%s segment is required for %s^%s",
				       id, a->h->type, a->h->trigger);
	return MED_OK;
}

/*
 * pid_mrn takes the medical record number from PID-3: the repetition
 * whose identifier type (CX-5) is MR, else the first.
 */
static med_err
pid_mrn(hl7_apply *a, hl7_problem *p)
{
	const hl7_segment *s = hl7_find(a->m, "PID", 1);
	size_t n = s ? hl7_reps(a->m, s, 3) : 0;
	char type[16];

	if (s == NULL)
		return need_segment(a, "PID", p);
	for (size_t r = n; r-- > 0;) {
		if (hl7_get(a->m, s, 3, (int)r, 5, 0, type, sizeof(type)) !=
			    MED_OK ||
		    (r != 0 && strcmp(type, "MR") != 0))
			continue;
		if (hl7_get(a->m, s, 3, (int)r, 1, 0, a->mrn, sizeof(a->mrn)) !=
		    MED_OK)
			break;
		if (a->mrn[0] != '\0')
			return MED_OK;
	}
	return hl7_problem_set(p, "AE", HL7_E_REQUIRED_MISSING, "PID", 1, 3,
			       "PID-3: a patient identifier (CX-1, type MR "
			       "or the first) of 1..64 characters is "
			       "required");
}

/* --- identity's patient -------------------------------------------------- */

/* get_patient reads the patient with mrn; *out NULL when there is none. */
static med_err
get_patient(hl7_apply *a, const char *mrn, const char *segment, int field,
	    ID(Patient) * *out, hl7_problem *p)
{
	ID(GetPatientRequest)
	req = SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	int code = 0;
	med_err err;

	*out = NULL;
	req.key_case = SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_MRN;
	req.mrn = (char *)mrn;
	err = hl7_peer_call(a, a->st->identity, ID_PATH("GetPatient"),
			    &req.base, &ID_PB(patient), NULL, segment, field,
			    &reply, p, &code);
	if (err == MED_ERR_INVALID && code == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err == MED_OK)
		*out = (ID(Patient) *)reply;
	return err;
}

/* demographics - PID-5, PID-7, PID-8 as identity holds them. */
typedef struct demographics {
	char family[201], given[201], birth[16], sex_code[4];
	int sex;
} demographics;

/* death - PID-29 (date/time of death) and PID-30 (death indicator, HL7
 * table 0136): said says whether the message speaks of a death at all. */
typedef struct death {
	bool said, deceased;
	int64_t ms; /* 0: not given */
} death;

/*
 * read_death reads PID-29 and PID-30.  PID-30 Y, or a PID-29 alone, is a
 * death (at PID-29 when given); N with no PID-29 says the patient is
 * alive (a death recorded in error is withdrawn); both empty say nothing.
 * N with a time of death, or any other indicator, is refused (AE).
 */
static med_err
read_death(hl7_apply *a, death *d, hl7_problem *p)
{
	char t[40], flag[4];
	med_err err;

	memset(d, 0, sizeof(*d));
	if ((err = val(a, "PID", 29, 1, 0, t, sizeof(t), p)) ||
	    (err = val(a, "PID", 30, 1, 0, flag, sizeof(flag), p)))
		return err;
	if (t[0] && hl7_time_parse(t, &d->ms) != MED_OK)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "PID", 1, 29,
				       "PID-29: \"%s\" is not an HL7 "
				       "date/time",
				       t);
	if (flag[0] && strcmp(flag, "Y") != 0 && strcmp(flag, "N") != 0)
		return hl7_problem_set(p, "AE", HL7_E_TABLE_VALUE, "PID", 1, 30,
				       "PID-30: \"%s\" is not a death "
				       "indicator of HL7 table 0136 (Y, N)",
				       flag);
	if (strcmp(flag, "N") == 0 && t[0])
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "PID", 1, 29,
				       "PID-29: a time of death with PID-30 N "
				       "(not deceased)");
	d->said = t[0] || flag[0];
	d->deceased = t[0] || strcmp(flag, "Y") == 0;
	return MED_OK;
}

/* death_changes sets req's death fields where d differs from what
 * identity holds of pt; true when it set any. */
static bool
death_changes(const death *d, const ID(Patient) * pt,
	      ID(UpdatePatientRequest) * req)
{
	bool change = false;

	if (!d->said)
		return false;
	if (d->deceased != (bool)pt->deceased ||
	    (!d->deceased && pt->deceased_ms != 0)) {
		req->set_deceased_case =
			SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_DECEASED_DECEASED;
		req->deceased = d->deceased;
		change = true;
	}
	if (d->deceased && d->ms != 0 && d->ms != pt->deceased_ms) {
		req->set_deceased_ms_case =
			SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_DECEASED_MS_DECEASED_MS;
		req->deceased_ms = d->ms;
		change = true;
	}
	return change;
}

static med_err
birth_date(const char *dtm, char out[16], hl7_problem *p)
{
	int64_t ms;

	if (dtm[0] == '\0') {
		out[0] = '\0';
		return MED_OK;
	}
	if (strlen(dtm) < 8 || hl7_time_parse(dtm, &ms) != MED_OK)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "PID", 1, 7,
				       "PID-7: \"%s\" is not a date of birth "
				       "(YYYYMMDD)",
				       dtm);
	snprintf(out, 16, "%.4s-%.2s-%.2s", dtm, dtm + 4, dtm + 6);
	return MED_OK;
}

static int
sex_of(const char *code)
{
	/* HL7 table 0001: F, M, O, U, A (ambiguous), N (not applicable). */
	if (strcmp(code, "F") == 0)
		return SEX(FEMALE);
	if (strcmp(code, "M") == 0)
		return SEX(MALE);
	if (strcmp(code, "O") == 0 || strcmp(code, "A") == 0 ||
	    strcmp(code, "N") == 0)
		return SEX(OTHER);
	if (strcmp(code, "U") == 0)
		return SEX(UNKNOWN);
	return -1;
}

static med_err
read_demographics(hl7_apply *a, demographics *d, hl7_problem *p)
{
	char dtm[40];
	med_err err;

	memset(d, 0, sizeof(*d));
	/* XPN-1 is a FN: its first subcomponent is the surname. */
	if ((err = val(a, "PID", 5, 1, 1, d->family, sizeof(d->family), p)) ||
	    (err = val(a, "PID", 5, 2, 0, d->given, sizeof(d->given), p)) ||
	    (err = val(a, "PID", 7, 1, 0, dtm, sizeof(dtm), p)) ||
	    (err = birth_date(dtm, d->birth, p)) ||
	    (err = val(a, "PID", 8, 1, 0, d->sex_code, sizeof(d->sex_code), p)))
		return err;
	d->sex = d->sex_code[0] ? sex_of(d->sex_code) : 0;
	if (d->sex < 0)
		return hl7_problem_set(
			p, "AE", HL7_E_TABLE_VALUE, "PID", 1, 8,
			"PID-8: \"%s\" is not a sex of HL7 table "
			"0001 (F, M, O, U, A, N)",
			d->sex_code);
	return MED_OK;
}

static med_err
create_patient(hl7_apply *a, ID(Patient) * *out, hl7_problem *p)
{
	ID(CreatePatientRequest)
	req = SMARTMED__IDENTITY__V1__CREATE_PATIENT_REQUEST__INIT;
	demographics d;
	ProtobufCMessage *reply = NULL;
	med_err err;

	if ((err = read_demographics(a, &d, p)) != MED_OK)
		return err;
	if (d.family[0] == '\0')
		return hl7_problem_set(p, "AE", HL7_E_REQUIRED_MISSING, "PID",
				       1, 5,
				       "PID-5: the family name is required "
				       "to register a new patient");
	if (d.birth[0] == '\0')
		return hl7_problem_set(p, "AE", HL7_E_REQUIRED_MISSING, "PID",
				       1, 7,
				       "PID-7: the date of birth is required "
				       "to register a new patient");
	if (d.sex == 0)
		return hl7_problem_set(p, "AE", HL7_E_REQUIRED_MISSING, "PID",
				       1, 8,
				       "PID-8: the sex is required to "
				       "register a new patient");
	req.mrn = a->mrn;
	req.family_name = d.family;
	req.given_name = d.given;
	req.birth_date = d.birth;
	req.sex = d.sex;
	err = hl7_peer_call(a, a->st->identity, ID_PATH("CreatePatient"),
			    &req.base, &ID_PB(patient), "CreatePatient", "PID",
			    3, &reply, p, NULL);
	if (err != MED_OK)
		return err;
	*out = (ID(Patient) *)reply;
	hl7_note(a, "identity CreatePatient %s", (*out)->patient_id);
	return MED_OK;
}

/* the_patient finds PID-3's patient, registering it when create says so;
 * sets a->patient_id. */
static med_err
the_patient(hl7_apply *a, bool create, ID(Patient) * *out, hl7_problem *p)
{
	med_err err;

	if ((err = pid_mrn(a, p)) != MED_OK ||
	    (err = get_patient(a, a->mrn, "PID", 3, out, p)) != MED_OK)
		return err;
	if (*out == NULL && create)
		err = create_patient(a, out, p);
	else if (*out == NULL)
		return hl7_problem_set(
			p, "AE", HL7_E_UNKNOWN_KEY, "PID", 1, 3,
			"PID-3: no patient has identifier \"%s\"", a->mrn);
	if (err == MED_OK)
		med_strlcpy(a->patient_id, (*out)->patient_id,
			    sizeof(a->patient_id));
	return err;
}

/* --- demographics updates ------------------------------------------------ */

static med_err
update_patient(hl7_apply *a, ID(Patient) * pt, hl7_problem *p)
{
	ID(UpdatePatientRequest)
	req = SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	demographics d;
	death dd;
	bool change = false;
	char reason[64];
	med_err err;

	if ((err = read_demographics(a, &d, p)) != MED_OK ||
	    (err = read_death(a, &dd, p)) != MED_OK)
		return err;
	change = death_changes(&dd, pt, &req);
	req.patient_id = pt->patient_id;
	req.expected_version = pt->version;
	snprintf(reason, sizeof(reason), "HL7 %s^%s", a->h->type,
		 a->h->trigger);
	req.reason = reason;
	/* Only what differs: a resent update finds nothing to change. */
	if (d.family[0] && strcmp(d.family, pt->family_name) != 0) {
		req.set_family_name_case =
			SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_FAMILY_NAME_FAMILY_NAME;
		req.family_name = d.family;
		change = true;
	}
	if (d.given[0] && strcmp(d.given, pt->given_name) != 0) {
		req.set_given_name_case =
			SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_GIVEN_NAME_GIVEN_NAME;
		req.given_name = d.given;
		change = true;
	}
	if (d.birth[0] && strcmp(d.birth, pt->birth_date) != 0) {
		req.set_birth_date_case =
			SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_BIRTH_DATE_BIRTH_DATE;
		req.birth_date = d.birth;
		change = true;
	}
	if (d.sex != 0 && d.sex != (int)pt->sex) {
		req.set_sex_case =
			SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_SEX_SEX;
		req.sex = d.sex;
		change = true;
	}
	if (!change) {
		hl7_note(a, "identity patient %s unchanged", pt->patient_id);
		return MED_OK;
	}
	err = hl7_peer_call(a, a->st->identity, ID_PATH("UpdatePatient"),
			    &req.base, &ID_PB(patient), "UpdatePatient", "PID",
			    5, &reply, p, NULL);
	if (err == MED_OK)
		hl7_note(a, "identity UpdatePatient %s", pt->patient_id);
	return err;
}

/* record_death passes PID-29/30 of a message that is not a demographics
 * update (A03, a new person of A28) on to identity: only the death. */
static med_err
record_death(hl7_apply *a, const ID(Patient) * pt, hl7_problem *p)
{
	ID(UpdatePatientRequest)
	req = SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	char reason[64];
	death d;
	med_err err;

	if ((err = read_death(a, &d, p)) != MED_OK)
		return err;
	if (!death_changes(&d, pt, &req))
		return MED_OK;
	snprintf(reason, sizeof(reason), "HL7 %s^%s", a->h->type,
		 a->h->trigger);
	req.patient_id = pt->patient_id;
	req.expected_version = pt->version;
	req.reason = reason;
	err = hl7_peer_call(a, a->st->identity, ID_PATH("UpdatePatient"),
			    &req.base, &ID_PB(patient), "UpdatePatient", "PID",
			    29, &reply, p, NULL);
	if (err == MED_OK)
		hl7_note(a, "identity UpdatePatient %s (death)",
			 pt->patient_id);
	return err;
}

/* A08, A31: update; A28: add (or update a person already known). */
static med_err
adt_person(hl7_apply *a, bool create, hl7_problem *p)
{
	ID(Patient) *pt = NULL;
	med_err err = the_patient(a, false, &pt, p);

	if (err == MED_ERR_INVALID && create && pt == NULL &&
	    p->code == HL7_E_UNKNOWN_KEY) {
		if ((err = the_patient(a, true, &pt, p)) != MED_OK)
			return err;
		return record_death(a, pt, p);
	}
	if (err != MED_OK)
		return err;
	return update_patient(a, pt, p);
}

/* --- encounters ---------------------------------------------------------- */

/* visit - PV1 as identity's encounters hold it. */
typedef struct visit {
	char klass[8], ward[65], room[33], bed[33], attending[129];
	int64_t time_ms; /* PV1-44/45 for admit/discharge, else EVN */
} visit;

static med_err
event_time(hl7_apply *a, int pv1_field, int64_t *ms, hl7_problem *p)
{
	char t[40];
	const char *seg = "EVN";
	int field = 6;
	med_err err;

	*ms = 0;
	if (pv1_field > 0 &&
	    (err = val(a, "PV1", pv1_field, 1, 0, t, sizeof(t), p)) != MED_OK)
		return err;
	if (pv1_field > 0 && t[0]) {
		seg = "PV1";
		field = pv1_field;
	} else if ((err = val(a, "EVN", 6, 1, 0, t, sizeof(t), p)) != MED_OK) {
		return err;
	} else if (t[0] == '\0') {
		field = 2;
		if ((err = val(a, "EVN", 2, 1, 0, t, sizeof(t), p)) != MED_OK)
			return err;
	}
	if (t[0] && hl7_time_parse(t, ms) != MED_OK)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, seg, 1, field,
				       "%s-%d: \"%s\" is not an HL7 date/time",
				       seg, field, t);
	return MED_OK;
}

static med_err
read_visit(hl7_apply *a, visit *v, int time_field, hl7_problem *p)
{
	med_err err;

	memset(v, 0, sizeof(*v));
	if ((err = need_segment(a, "PV1", p)) ||
	    (err = val(a, "PV1", 2, 1, 0, v->klass, sizeof(v->klass), p)) ||
	    (err = val(a, "PV1", 3, 1, 0, v->ward, sizeof(v->ward), p)) ||
	    (err = val(a, "PV1", 3, 2, 0, v->room, sizeof(v->room), p)) ||
	    (err = val(a, "PV1", 3, 3, 0, v->bed, sizeof(v->bed), p)) ||
	    (err = val(a, "PV1", 7, 1, 0, v->attending, sizeof(v->attending),
		       p)) ||
	    (err = event_time(a, time_field, &v->time_ms, p)))
		return err;
	/* PL: point of care^room^bed; identity keeps a ward and a bed, so a
	 * room and a bed are kept together as "room-bed" (12-B), a room alone
	 * as the bed.  Nothing of PV1-3 is dropped: what identity cannot hold
	 * (32 characters) is refused. */
	if (v->room[0] != '\0') {
		char both[sizeof(v->room) + 1 + sizeof(v->bed)];
		int n = v->bed[0] ? snprintf(both, sizeof(both), "%s-%s",
					     v->room, v->bed)
				  : snprintf(both, sizeof(both), "%s", v->room);

		if (n < 0 || (size_t)n >= sizeof(v->bed))
			return hl7_problem_set(
				p, "AE", HL7_E_DATA_TYPE, "PV1", 1, 3,
				"PV1-3: room-bed \"%s\" is longer than a bed "
				"of identity (%zu characters)",
				both, sizeof(v->bed) - 1);
		memcpy(v->bed, both, (size_t)n + 1);
	}
	return MED_OK;
}

static med_err
admit(hl7_apply *a, const visit *v, int klass, hl7_problem *p)
{
	ID(AdmitRequest) req = SMARTMED__IDENTITY__V1__ADMIT_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	med_err err;

	req.patient_id = a->patient_id;
	req.encounter_class = klass;
	req.ward = (char *)v->ward;
	req.bed = (char *)v->bed;
	req.attending = (char *)v->attending;
	req.start_ms = v->time_ms;
	err = hl7_peer_call(a, a->st->identity, ID_PATH("Admit"), &req.base,
			    &ID_PB(encounter), "Admit", "PV1", 3, &reply, p,
			    NULL);
	if (err == MED_OK)
		hl7_note(a, "identity Admit encounter %s",
			 ((ID(Encounter) *)reply)->encounter_id);
	return err;
}

static med_err
register_visit(hl7_apply *a, const visit *v, hl7_problem *p)
{
	ID(RegisterOutpatientVisitRequest)
	req = SMARTMED__IDENTITY__V1__REGISTER_OUTPATIENT_VISIT_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	med_err err;

	req.patient_id = a->patient_id;
	req.unit = (char *)v->ward;
	req.attending = (char *)v->attending;
	req.start_ms = v->time_ms;
	err = hl7_peer_call(a, a->st->identity,
			    ID_PATH("RegisterOutpatientVisit"), &req.base,
			    &ID_PB(encounter), "RegisterOutpatientVisit", "PV1",
			    3, &reply, p, NULL);
	if (err == MED_OK)
		hl7_note(a, "identity RegisterOutpatientVisit encounter %s",
			 ((ID(Encounter) *)reply)->encounter_id);
	return err;
}

/* A01, A04: PV1-2 I admits, E admits to the emergency department, O
 * (and the others outpatients have: R, B) registers a visit. */
static med_err
adt_admit(hl7_apply *a, hl7_problem *p)
{
	ID(Patient) *pt = NULL;
	visit v;
	med_err err;

	if ((err = read_visit(a, &v, 44, p)) != MED_OK)
		return err;
	if (strcmp(v.klass, "I") != 0 && strcmp(v.klass, "E") != 0 &&
	    strcmp(v.klass, "O") != 0 && strcmp(v.klass, "R") != 0 &&
	    strcmp(v.klass, "B") != 0)
		return hl7_problem_set(
			p, "AE", HL7_E_TABLE_VALUE, "PV1", 1, 2,
			"PV1-2: patient class \"%s\" is not read "
			"(I, E admit; O, R, B register a visit)",
			v.klass);
	if ((err = the_patient(a, true, &pt, p)) != MED_OK)
		return err;
	if (strcmp(v.klass, "I") == 0)
		return admit(a, &v, CLASS(INPATIENT), p);
	if (strcmp(v.klass, "E") == 0)
		return admit(a, &v, CLASS(EMERGENCY), p);
	return register_visit(a, &v, p);
}

static med_err
current_encounter(hl7_apply *a, ID(Encounter) * *out, hl7_problem *p)
{
	ID(GetCurrentEncounterRequest)
	req = SMARTMED__IDENTITY__V1__GET_CURRENT_ENCOUNTER_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	int code = 0;
	med_err err;

	req.patient_id = a->patient_id;
	err = hl7_peer_call(a, a->st->identity, ID_PATH("GetCurrentEncounter"),
			    &req.base, &ID_PB(encounter), NULL, "PV1", 19,
			    &reply, p, &code);
	if (err == MED_ERR_INVALID && code == MED_ERR_NOT_FOUND)
		return hl7_problem_set(p, "AE", HL7_E_UNKNOWN_KEY, "PID", 1, 3,
				       "PID-3: patient \"%s\" has no open "
				       "encounter",
				       a->mrn);
	if (err == MED_OK)
		*out = (ID(Encounter) *)reply;
	return err;
}

/* A02 transfer, A12 cancel transfer: the open encounter moves to PV1-3
 * (in an A12, PV1-3 is where the patient was before the transfer). */
static med_err
adt_transfer(hl7_apply *a, hl7_problem *p)
{
	ID(TransferRequest)
	req = SMARTMED__IDENTITY__V1__TRANSFER_REQUEST__INIT;
	ID(Patient) *pt = NULL;
	ID(Encounter) *enc = NULL;
	ProtobufCMessage *reply = NULL;
	char reason[64];
	visit v;
	med_err err;

	if ((err = read_visit(a, &v, 0, p)) != MED_OK)
		return err;
	if (v.ward[0] == '\0')
		return hl7_problem_set(p, "AE", HL7_E_REQUIRED_MISSING, "PV1",
				       1, 3,
				       "PV1-3: the new location is required");
	if ((err = the_patient(a, false, &pt, p)) != MED_OK ||
	    (err = current_encounter(a, &enc, p)) != MED_OK)
		return err;
	snprintf(reason, sizeof(reason), "HL7 ADT^%s", a->h->trigger);
	req.encounter_id = enc->encounter_id;
	req.ward = v.ward;
	req.bed = v.bed;
	req.attending = v.attending;
	req.time_ms = v.time_ms;
	req.reason = reason;
	err = hl7_peer_call(a, a->st->identity, ID_PATH("Transfer"), &req.base,
			    &ID_PB(encounter), a->h->trigger, "PV1", 3, &reply,
			    p, NULL);
	if (err == MED_OK)
		hl7_note(a, "identity Transfer encounter %s to %s/%s",
			 enc->encounter_id, v.ward, v.bed);
	return err;
}

/* A03: the open encounter ends at PV1-45 (else EVN-6, EVN-2). */
static med_err
adt_discharge(hl7_apply *a, hl7_problem *p)
{
	ID(DischargeRequest)
	req = SMARTMED__IDENTITY__V1__DISCHARGE_REQUEST__INIT;
	ID(Patient) *pt = NULL;
	ID(Encounter) *enc = NULL;
	ProtobufCMessage *reply = NULL;
	visit v;
	med_err err;

	/* A discharge on death (PV1-36 "expired") carries the death in
	 * PID-29/30: recorded first, so that a resent A03 whose discharge
	 * failed records nothing twice. */
	if ((err = read_visit(a, &v, 45, p)) != MED_OK ||
	    (err = the_patient(a, false, &pt, p)) != MED_OK ||
	    (err = current_encounter(a, &enc, p)) != MED_OK ||
	    (err = record_death(a, pt, p)) != MED_OK)
		return err;
	req.encounter_id = enc->encounter_id;
	req.time_ms = v.time_ms;
	req.reason = "HL7 ADT^A03";
	err = hl7_peer_call(a, a->st->identity, ID_PATH("Discharge"), &req.base,
			    &ID_PB(encounter), "Discharge", "PV1", 45, &reply,
			    p, NULL);
	if (err == MED_OK)
		hl7_note(a, "identity Discharge encounter %s",
			 enc->encounter_id);
	return err;
}

/* person_of: what hl7_merge_disagrees compares of an identity patient. */
static hl7_person
person_of(const ID(Patient) * pt)
{
	return (hl7_person){.sex = (int)pt->sex,
			    .birth_date = pt->birth_date,
			    .family_name = pt->family_name,
			    .given_name = pt->given_name};
}

/*
 * merge_held: two records that disagree are not merged on a sender's
 * word: AE, nothing merged, the message kept in the store (ListMessages,
 * ADT A40 answered AE) and audited for a registrar, who merges them with
 * identity's LinkPatients once a person has checked they are one patient.
 */
static med_err
merge_held(const ID(Patient) * survivor, const ID(Patient) * merged,
	   hl7_problem *p)
{
	hl7_person s = person_of(survivor), m = person_of(merged);
	char why[300];

	if (!hl7_merge_disagrees(&s, &m, why, sizeof(why)))
		return MED_OK;
	return hl7_problem_set(p, "AE", HL7_E_TABLE_VALUE, "MRG", 1, 1,
			       "MRG-1: the records disagree (%s); the merge "
			       "is held for review: a registrar merges them "
			       "with identity's LinkPatients after checking "
			       "they are one patient",
			       why);
}

/* A40: MRG-1's patient is linked into PID-3's (reversibly, in identity). */
static med_err
adt_merge(hl7_apply *a, hl7_problem *p)
{
	ID(LinkPatientsRequest)
	req = SMARTMED__IDENTITY__V1__LINK_PATIENTS_REQUEST__INIT;
	ID(Patient) *survivor = NULL, *merged = NULL;
	ProtobufCMessage *reply = NULL;
	char prior[65], reason[160];
	const char *note;
	med_err err;

	if ((err = need_segment(a, "MRG", p)) ||
	    (err = need(a, "MRG", 1, 1, prior, sizeof(prior),
			"the prior patient identifier", p)) ||
	    (err = the_patient(a, false, &survivor, p)) ||
	    (err = get_patient(a, prior, "MRG", 1, &merged, p)))
		return err;
	if (merged == NULL)
		return hl7_problem_set(p, "AE", HL7_E_UNKNOWN_KEY, "MRG", 1, 1,
				       "MRG-1: no patient has identifier "
				       "\"%s\"",
				       prior);
	if (strcmp(merged->linked_to, survivor->patient_id) == 0) {
		hl7_note(a, "identity %s already merged into %s",
			 merged->patient_id, survivor->patient_id);
		return MED_OK;
	}
	if ((err = merge_held(survivor, merged, p)) != MED_OK)
		return err;
	snprintf(reason, sizeof(reason), "HL7 ADT^A40 from %s",
		 a->h->sending_app);
	req.survivor_id = survivor->patient_id;
	req.merged_id = merged->patient_id;
	req.reason = reason;
	err = hl7_peer_call(a, a->st->identity, ID_PATH("LinkPatients"),
			    &req.base, &ID_PB(patient_link), "LinkPatients",
			    "MRG", 1, &reply, p, NULL);
	if (err != MED_OK)
		return err;
	hl7_note(a, "identity LinkPatients %s into %s", merged->patient_id,
		 survivor->patient_id);
	/* The message's record says what became of a death on either. */
	note = ((const ID(PatientLink) *)reply)->death_note;
	if (note != NULL && note[0] != '\0')
		hl7_note(a, "identity: %s", note);
	return MED_OK;
}

med_err
hl7_apply_adt(hl7_apply *a, hl7_problem *p)
{
	const char *t = a->h->trigger;

	if (strcmp(t, "A01") == 0 || strcmp(t, "A04") == 0)
		return adt_admit(a, p);
	if (strcmp(t, "A02") == 0 || strcmp(t, "A12") == 0)
		return adt_transfer(a, p);
	if (strcmp(t, "A03") == 0)
		return adt_discharge(a, p);
	if (strcmp(t, "A08") == 0 || strcmp(t, "A31") == 0)
		return adt_person(a, false, p);
	if (strcmp(t, "A28") == 0)
		return adt_person(a, true, p);
	if (strcmp(t, "A40") == 0)
		return adt_merge(a, p);
	if (strcmp(t, "A11") == 0 || strcmp(t, "A13") == 0)
		return hl7_problem_set(p, "AR", HL7_E_UNSUPPORTED_EVENT, "MSH",
				       1, 9,
				       "MSH-9: ADT^%s is not supported: "
				       "identity keeps no way to undo an "
				       "admission or a discharge",
				       t);
	return hl7_problem_set(p, "AR", HL7_E_UNSUPPORTED_EVENT, "MSH", 1, 9,
			       "MSH-9: trigger event ADT^%s is not supported",
			       t);
}
