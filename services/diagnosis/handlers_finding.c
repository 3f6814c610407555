/*
 * handlers_finding.c - AnalyzeImage, ConfirmFinding, RejectFinding and
 * ListFindings.  A finding is preliminary when made; only a clinician's
 * ConfirmFinding makes it final and only then can it open a condition.
 */
#include <med/arena.h>
#include <med/audit.h>
#include <med/check.h>
#include <med/log.h>
#include <med/patients.h>
#include <med/util.h>

#include <stdio.h>

#include "diagnosis.h"

#define FINDING_STATUS(s)                                                      \
	SMARTMED__DIAGNOSIS__V1__FINDING_STATUS__FINDING_STATUS_##s

/*
 * audit_finding puts the model, the device it ran on and the result on the
 * call's audit event, so an auditor sees what the AI said and where.
 */
static void
audit_finding(med_call *call, const diagnosis_finding *f)
{
	char prob[32];
	const med_audit_detail d[] = {
		{"finding_id", f->finding_id},
		{"model", f->model_id},
		{"model_version", f->model_version},
		{"backend", f->backend},
		{"device", f->device},
		{"device_fallback", f->device_fallback ? "true" : "false"},
		{"top_label", f->top_label},
		{"top_probability", prob},
		{"status", diagnosis_finding_status_word(f->status)},
	};

	snprintf(prob, sizeof(prob), "%.6f", (double)f->top_probability);
	med_call_add_details(call, d, sizeof(d) / sizeof(d[0]));
}

med_err
diagnosis_rpc_analyze_image(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__AnalyzeImageRequest *req =
		(const void *)in;
	diagnosis_finding *f = (void *)out;
	char birth[MED_BIRTH_DATE_MAX];
	const char *outside = NULL;
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "model", req->model, 0, 64)) != MED_OK)
		return err;
	if (req->image.len == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "image: must not be empty");
	med_call_set_patient(call, req->patient_id);
	/* Before the model runs: a refused patient costs no inference.  An
	 * upload has no DICOM header: only the age is placed. */
	if ((err = med_patients_birth_date(call, "patient_id", req->patient_id,
					   birth, sizeof(birth))) != MED_OK ||
	    (err = diagnosis_population_apply(
		     call,
		     diagnosis_model_population(med_service_from_call(call)),
		     birth, NULL, &outside)) != MED_OK)
		return err;
	if ((err = diagnosis_model_analyze(call, req->model, &req->image, false,
					   f)) != MED_OK ||
	    (err = diagnosis_population_mark(med_call_arena(call), outside,
					     f)) != MED_OK)
		return err;
	return diagnosis_finding_store_new(call, req->patient_id, f);
}

typedef struct insert_tx {
	med_call *call;
	diagnosis_finding *f;
} insert_tx;

/*
 * insert_in_tx stores the finding in the call's transaction: its audit
 * event commits with it, and a caller the care check refused (or a repeat
 * of a request id) leaves nothing stored.
 */
static med_err
insert_in_tx(med_db_conn *conn, void *ctx)
{
	insert_tx *x = ctx;
	med_err err = diagnosis_store_finding_insert(
		conn, med_call_arena(x->call), x->f);

	if (err == MED_OK)
		audit_finding(x->call, x->f);
	return err;
}

med_err
diagnosis_finding_name_new(med_call *call, diagnosis_finding *f)
{
	char id[MED_UUID_LEN + 1];

	if (f->finding_id != NULL && f->finding_id[0] != '\0')
		return MED_OK;
	med_uuid_v4(id);
	f->finding_id = med_arena_strdup(med_call_arena(call), id);
	return f->finding_id != NULL ? MED_OK : MED_ERR_NOMEM;
}

med_err
diagnosis_finding_store_new(med_call *call, const char *patient_id,
			    diagnosis_finding *f)
{
	med_arena *a = med_call_arena(call);
	insert_tx x;

	if (diagnosis_finding_name_new(call, f) != MED_OK)
		return MED_ERR_NOMEM;
	f->requested_by = med_arena_strdup(a, med_call_principal(call)->user);
	if (f->requested_by == NULL)
		return MED_ERR_NOMEM;
	f->patient_id = (char *)patient_id;
	f->status = FINDING_STATUS(PRELIMINARY);
	f->created_ms = med_now_ms();
	x.call = call;
	x.f = f;
	return med_call_tx(call, insert_in_tx, &x);
}

typedef struct decide_tx {
	med_call *call;
	const char *finding_id;
	const Smartmed__Diagnosis__V1__ConfirmFindingRequest *confirm;
	const Smartmed__Diagnosis__V1__RejectFindingRequest *reject;
	diagnosis_finding *f;
	diagnosis_condition *cond;
} decide_tx;

/* open_condition builds and stores the condition a confirmation opens. */
static med_err
open_condition(decide_tx *x, med_db_conn *conn)
{
	med_arena *a = med_call_arena(x->call);
	diagnosis_condition *c = med_arena_zalloc(a, sizeof(*c));
	char id[MED_UUID_LEN + 1];

	if (c == NULL)
		return MED_ERR_NOMEM;
	smartmed__diagnosis__v1__condition__init(c);
	med_uuid_v4(id);
	c->condition_id = med_arena_strdup(a, id);
	if (c->condition_id == NULL)
		return MED_ERR_NOMEM;
	c->patient_id = x->f->patient_id;
	c->code_system = "ICD-10";
	c->code = x->confirm->code;
	c->display = x->confirm->display;
	c->clinical_status =
		SMARTMED__DIAGNOSIS__V1__CLINICAL_STATUS__CLINICAL_STATUS_ACTIVE;
	c->verification_status =
		SMARTMED__DIAGNOSIS__V1__VERIFICATION_STATUS__VERIFICATION_STATUS_CONFIRMED;
	c->onset_date = x->confirm->onset_date;
	c->note = x->confirm->note;
	c->recorded_by = x->f->decided_by;
	c->recorded_ms = x->f->decided_ms;
	c->version = 1;
	c->updated_by = c->recorded_by;
	c->updated_ms = c->recorded_ms;
	c->finding_id = x->f->finding_id;
	x->f->condition_id = c->condition_id;
	x->cond = c;
	return diagnosis_store_insert(conn, c);
}

static med_err
decide_in_tx(med_db_conn *conn, void *ctx)
{
	decide_tx *x = ctx;
	med_arena *a = med_call_arena(x->call);
	med_problem p;
	med_err err = diagnosis_store_finding_get(conn, a, x->finding_id, true,
						  &x->f);

	if (err != MED_OK)
		return diagnosis_not_found(x->call, err, "finding_id");
	med_call_set_patient(x->call, x->f->patient_id);
	if (diagnosis_decide_problem(x->f->status, &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	x->f->decided_by =
		med_arena_strdup(a, med_call_principal(x->call)->user);
	if (x->f->decided_by == NULL)
		return MED_ERR_NOMEM;
	x->f->decided_ms = med_now_ms();
	x->f->status = diagnosis_decided_status(
		x->confirm != NULL,
		x->reject != NULL && x->reject->entered_in_error);
	if (x->confirm != NULL) {
		x->f->decision_note = x->confirm->note;
		if (x->confirm->open_condition &&
		    (err = open_condition(x, conn)) != MED_OK)
			return err;
	} else {
		x->f->decision_note = x->reject->reason;
	}
	if ((err = diagnosis_store_finding_decide(conn, x->f)) != MED_OK)
		return err;
	/* Inside the transaction: the call's event commits with the write
	 * (med_call_tx), so its facts must be known by now. */
	audit_finding(x->call, x->f);
	if (x->cond != NULL)
		return med_call_add_detail(x->call, "condition_id",
					   x->cond->condition_id);
	return MED_OK;
}

/* decide runs the decision's transaction after the care decision, which
 * is made before the finding's row lock
 * (docs/internals/care-decisions.md). */
static med_err
decide(decide_tx *x)
{
	med_err err = med_call_name_patient_of(
		x->call, "SELECT patient_id FROM findings WHERE finding_id = ?",
		x->finding_id);

	return err == MED_OK ? med_call_tx(x->call, decide_in_tx, x) : err;
}

med_err
diagnosis_rpc_confirm_finding(med_call *call, const ProtobufCMessage *in,
			      ProtobufCMessage *out)
{
	Smartmed__Diagnosis__V1__ConfirmFindingResponse *res = (void *)out;
	decide_tx x = {.call = call, .confirm = (const void *)in};
	med_err err = diagnosis_check_confirm(call, x.confirm);

	if (err != MED_OK)
		return err;
	x.finding_id = x.confirm->finding_id;
	if ((err = decide(&x)) != MED_OK)
		return err;
	res->finding = x.f;
	res->condition = x.cond;
	return MED_OK;
}

med_err
diagnosis_rpc_reject_finding(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	decide_tx x = {.call = call, .reject = (const void *)in};
	med_err err;

	if ((err = med_check_id(call, "finding_id", x.reject->finding_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "reason", x.reject->reason, 1, 4096)) !=
		    MED_OK)
		return err;
	x.finding_id = x.reject->finding_id;
	if ((err = decide(&x)) != MED_OK)
		return err;
	*(diagnosis_finding *)out = *x.f;
	return MED_OK;
}

med_err
diagnosis_rpc_list_findings(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Diagnosis__V1__ListFindingsRequest *req =
		(const void *)in;
	Smartmed__Diagnosis__V1__ListFindingsResponse *res = (void *)out;
	med_page page;
	med_err err;

	if ((err = med_page_parse_for_patient(call, req->patient_id, req->page,
					      &page)) != MED_OK)
		return err;
	err = diagnosis_store_finding_list(
		med_call_db(call), med_call_arena(call), req->patient_id,
		page.offset, page.size + 1, &res->findings, &res->n_findings);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_findings);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}
