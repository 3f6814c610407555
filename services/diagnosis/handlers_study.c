/*
 * handlers_study.c - AnalyzeStudy: a chest X-ray study fetched from the
 * PACS over DICOMweb (its metadata, then one image rendered by the PACS),
 * matched to the patient by identity's MRN, analysed as AnalyzeImage
 * does and stored as a preliminary finding that names the study.  Every
 * refusal comes before the one INSERT, so nothing is stored half-way.
 */
#include <med/arena.h>
#include <med/auth.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/util.h>
#include <stdio.h>
#include <string.h>

#include "diagnosis.h"

/* study_ctx - one AnalyzeStudy call's state. */
typedef struct study_ctx {
	med_call *call;
	const Smartmed__Diagnosis__V1__AnalyzeStudyRequest *req;
	const diagnosis_pacs *pacs;
	diagnosis_study study;
} study_ctx;

/* check_request validates the fields before anything is asked of anyone. */
static med_err
check_request(med_call *call,
	      const Smartmed__Diagnosis__V1__AnalyzeStudyRequest *req)
{
	med_err err = diagnosis_check_study_named(call, req->patient_id,
						  req->accession_number,
						  req->study_instance_uid);

	if (err != MED_OK)
		return err;
	return med_check_text(call, "model", req->model, 0, 64);
}

/* pacs_fail fails the call for a transfer that did not complete. */
static med_err
pacs_fail(med_call *call, med_err err, const char *msg)
{
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, MED_ERR_INVALID,
				     "study_instance_uid: %s", msg);
	return med_call_fail(call, err, "pacs: %s", msg);
}

/* read_metadata fetches the study's metadata and reads it into x->study. */
static med_err
read_metadata(study_ctx *x)
{
	char path[128], msg[256] = "";
	diagnosis_reply r = {0};
	med_err err;

	snprintf(path, sizeof(path), "/studies/%s/metadata",
		 x->req->study_instance_uid);
	err = diagnosis_pacs_get(x->pacs, path, "application/dicom+json", &r,
				 msg, sizeof(msg));
	if (err != MED_OK)
		return pacs_fail(x->call, err, msg);
	if (r.status == 404 || (r.status == 200 && r.len == 0))
		err = med_call_fail(x->call, MED_ERR_NOT_FOUND,
				    "study_instance_uid: no such study in "
				    "the PACS");
	else if (r.status != 200)
		err = med_call_fail(x->call, MED_ERR_UNAVAILABLE,
				    "pacs: the PACS answered HTTP %ld to the "
				    "study's metadata",
				    r.status);
	else if ((err = diagnosis_study_read((const char *)r.data, r.len,
					     &x->study, msg, sizeof(msg))) !=
		 MED_OK)
		err = med_call_fail(x->call, err, "study_instance_uid: %s",
				    msg);
	diagnosis_reply_fini(&r);
	return err;
}

/* check_study applies the caps and the patient match. */
static med_err
check_study(study_ctx *x, const char *mrn)
{
	const diagnosis_study *s = &x->study;
	char msg[256] = "";
	med_err err = diagnosis_study_check(s, x->pacs, msg, sizeof(msg));

	if (err != MED_OK)
		return med_call_fail(x->call, err, "study_instance_uid: %s",
				     msg);
	if (strcmp(s->pick.study_uid, x->req->study_instance_uid) != 0)
		return med_call_fail(x->call, MED_ERR_UNAVAILABLE,
				     "pacs: the metadata is of another study");
	/* The other patient's identifiers stay out of the message: the
	 * caller may not be in that patient's care. */
	if (strcmp(s->patient_id, mrn) != 0)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "study_instance_uid: the study's "
				     "PatientID (0010,0020) is not this "
				     "patient's MRN; another patient's study");
	if (x->req->accession_number[0] != '\0' &&
	    strcmp(s->accession, x->req->accession_number) != 0)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "accession_number: the study's Accession "
				     "Number (0008,0050) differs");
	return MED_OK;
}

/* the_mrn asks identity for the patient's MRN; the match needs one. */
static med_err
the_mrn(study_ctx *x, med_patient_banner *b)
{
	med_err err = med_patients_banner(x->call, "patient_id",
					  x->req->patient_id, b);

	if (err != MED_OK)
		return err;
	if (b->mrn[0] == '\0')
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "patient_id: the study cannot be matched "
				     "to the patient without identity's MRN "
				     "(MED_IDENTITY_URL is not set)");
	return MED_OK;
}

/* analyze_rendered fetches the chosen image rendered as PNG and runs the
 * model on it. */
static med_err
analyze_rendered(study_ctx *x, diagnosis_finding *f)
{
	const diagnosis_dicom_image *im = &x->study.pick;
	char path[512], msg[256] = "";
	diagnosis_reply r = {0};
	ProtobufCBinaryData png;
	med_err err;

	if (diagnosis_rendered_path(im, path, sizeof(path)) != MED_OK)
		return med_call_fail(x->call, MED_ERR_UNAVAILABLE,
				     "pacs: the image's UIDs are not valid");
	err = diagnosis_pacs_get(x->pacs, path, "image/png", &r, msg,
				 sizeof(msg));
	if (err != MED_OK)
		return pacs_fail(x->call, err, msg);
	if (r.status != 200) {
		err = med_call_fail(x->call, MED_ERR_INVALID,
				    "study_instance_uid: the PACS cannot "
				    "render image %s (HTTP %ld): a corrupt "
				    "frame or a transfer syntax it cannot "
				    "decode",
				    im->sop_uid, r.status);
		goto cleanup;
	}
	png.data = r.data;
	png.len = r.len;
	err = diagnosis_model_analyze(x->call, x->req->model, &png, true, f);
cleanup:
	diagnosis_reply_fini(&r);
	return err;
}

/* name_study copies the study's identifiers into the finding. */
static med_err
name_study(study_ctx *x, diagnosis_finding *f)
{
	med_arena *a = med_call_arena(x->call);
	const diagnosis_dicom_image *im = &x->study.pick;

	f->study_instance_uid = med_arena_strdup(a, im->study_uid);
	f->series_instance_uid = med_arena_strdup(a, im->series_uid);
	f->sop_instance_uid = med_arena_strdup(a, im->sop_uid);
	f->accession_number = med_arena_strdup(a, x->study.accession);
	if (!f->study_instance_uid || !f->series_instance_uid ||
	    !f->sop_instance_uid || !f->accession_number)
		return MED_ERR_NOMEM;
	return med_call_add_detail(x->call, "study_instance_uid",
				   f->study_instance_uid);
}

/* only_own_watcher: the role table lets services call AnalyzeStudy so
 * that diagnosis' PACS watcher (watch.c) can, but no other service has a
 * reason to make the PACS send a study, and a service skips the care
 * check: any service but diagnosis itself is refused. */
static med_err
only_own_watcher(med_call *call)
{
	const med_principal *p = med_call_principal(call);

	if (p == NULL || !(p->roles & MED_ROLE_SERVICE) ||
	    med_principal_is_service(p, "diagnosis"))
		return MED_OK;
	return med_call_fail(call, MED_ERR_DENIED,
			     "caller: only diagnosis' own PACS watcher may "
			     "analyse a study as a service");
}

med_err
diagnosis_rpc_analyze_study(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	study_ctx x = {.call = call, .req = (const void *)in};
	diagnosis_finding *f = (void *)out;
	const char *outside = NULL;
	med_patient_banner b;
	med_err err;

	/* Who asks first: another service is refused whatever it sent. */
	if ((err = only_own_watcher(call)) != MED_OK ||
	    (err = check_request(call, x.req)) != MED_OK)
		return err;
	/* Care first: a caller outside the patient's care must not make the
	 * PACS send the study or the model run. */
	med_call_set_patient(call, x.req->patient_id);
	if ((err = med_call_care_err(call)) != MED_OK)
		return err;
	x.pacs = diagnosis_model_pacs(med_service_from_call(call));
	if (x.pacs == NULL || x.pacs->url[0] == '\0')
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "pacs: no PACS configured "
				     "(MED_DIAGNOSIS_PACS_URL)");
	if ((err = the_mrn(&x, &b)) != MED_OK ||
	    (err = read_metadata(&x)) != MED_OK ||
	    (err = check_study(&x, b.mrn)) != MED_OK ||
	    (err = diagnosis_population_apply(
		     call,
		     diagnosis_model_population(med_service_from_call(call)),
		     b.birth_date, &x.study.pick, &outside)) != MED_OK ||
	    (err = analyze_rendered(&x, f)) != MED_OK ||
	    (err = diagnosis_population_mark(med_call_arena(call), outside,
					     f)) != MED_OK ||
	    (err = name_study(&x, f)) != MED_OK ||
	    (err = diagnosis_finding_name_new(call, f)) != MED_OK ||
	    (err = diagnosis_stow_plan(med_call_arena(call), x.pacs, f)) !=
		    MED_OK ||
	    (err = diagnosis_finding_store_new(call, x.req->patient_id, f)) !=
		    MED_OK)
		return err;
	/* imgstow: the overlay back to the PACS, after the finding is
	 * stored (PENDING); its outcome is in the reply and on the finding's
	 * row, and cannot fail the call.  A repeat of a request id stops at
	 * the store above and is answered with the first call's reply. */
	diagnosis_stow_writeback(call, x.pacs, &x.study.pick, f);
	return MED_OK;
}
