/*
 * write.h - the facade's writes (write/, above search/: fhirwrite), shared by
 * write.c (the dispatcher: routing, the call, the answer; on top), write_util.c
 * (what every write shares: refusals, upstream answers, references, channels;
 * at the bottom), write_obs.c (vital-sign Observations and their
 * Bundles -> records' RecordDeviceReadings), write_med.c
 * (MedicationAdministration -> dosage, MedicationRequest/{id}/$cosign)
 * write_face.c (Patient/{id}/$verify-face -> identity) and write_time.c
 * (dateTimes, pure: unit-tested alone).  Every
 * upstream call is made as the caller, with their token.
 */
#ifndef FHIR_WRITE_H
#define FHIR_WRITE_H

#include <jansson.h>

#include "call.h"

/* Where the extensions of the writes are defined:
 * [base]/StructureDefinition/<name>. */
#define FHIR_SD_PATH "/StructureDefinition/"

/* What a write request asks for. */
typedef enum fhir_write_kind {
	FHIR_WRITE_OBSERVATION,	   /* POST [base]/Observation */
	FHIR_WRITE_BUNDLE,	   /* POST [base] (batch, transaction) */
	FHIR_WRITE_ADMINISTRATION, /* POST [base]/MedicationAdministration */
	FHIR_WRITE_VERIFY_FACE,	   /* POST [base]/Patient/{id}/$verify-face */
	FHIR_WRITE_COSIGN, /* POST [base]/MedicationRequest/{id}/$cosign */
	/* imgtrig: POST [base]/ImagingStudy -> diagnosis' AnalyzeStudy. */
	FHIR_WRITE_IMAGING_STUDY,
	/* notereader: POST [base]/{AllergyIntolerance|Condition|
	 * MedicationStatement}/{id}/$confirm or $reject -> records'
	 * ConfirmSuggestion / RejectSuggestion (write_suggest.c). */
	FHIR_WRITE_DECIDE,
	/* POST [base]/Patient/{id}/$confirm-identifiers -> identity's
	 * ConfirmStatedIdentifiers (write_face.c). */
	FHIR_WRITE_CONFIRM_IDENTIFIERS,
} fhir_write_kind;

/* fhir_write - one write request on its way. */
typedef struct fhir_write {
	fhir_facade *f;
	const fhir_request *req;
	fhir_write_kind kind;
	const char *target_id;	/* {id} of an operation's path */
	fhir_call c;		/* the caller's credentials upstream */
	fhir_error e;		/* why it failed */
	char expression[160];	/* FHIRPath of the element at fault */
	med_json w;		/* the answer's body */
	int status;		/* 200 or 201 when it succeeded */
	const char *location;	/* Location of a create */
	const char *patient_id; /* for the access event */
	const char *resource;	/* for the access event */
	const char *device;	/* the device agent of a reading */
	size_t n_resources;
	/* fhiredge: the reference fhir_write_ref_id last refused as another
	 * server's, else NULL. */
	const char *foreign_ref;
	/* The refusal's code (fhir_write_refusal_code), NULL for none. */
	const char *refusal;
} fhir_write;

/* The system of a refusal's code in OperationOutcome.issue.details. */
#define FHIR_REFUSAL_SYSTEM "urn:smartmed:refusal"

/* fhir_write_refusal_code returns the code of a refusal the bedside meets
 * ("face-presentation-attack", "wristband-other-patient", …;
 * write_refusal.c) for service's status st, or NULL when it is none of
 * them.  Static strings. */
const char *fhir_write_refusal_code(const char *service,
				    const med_rpc_status *st);

/* fhir_write_fail fails x naming the element at expression (a FHIRPath,
 * "Observation.valueQuantity.code"): OperationOutcome issue.expression and
 * the start of diagnostics.  http_status 400 or 422, issue code as FHIR's
 * issue-type.  Returns the med_err of grpc_code. */
med_err fhir_write_fail(fhir_write *x, int http_status, const char *issue_code,
			const char *expression, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* fhir_write_upstream fails x with a service's refusal: INVALID_ARGUMENT
 * and FAILED_PRECONDITION are 422 (the content broke a rule), the rest as
 * fhir_fail maps them; expression names the element, prefix the check. */
med_err fhir_write_upstream(fhir_write *x, const med_rpc_status *st,
			    const char *service, const char *expression,
			    const char *prefix);

/* fhir_write_outcome writes x's failure as an OperationOutcome into w
 * (under key, NULL in an array or alone). */
void fhir_write_outcome(med_json *w, const char *key, const fhir_write *x);

/* fhir_write_ext_url writes [base]/StructureDefinition/name into buf. */
const char *fhir_write_ext_url(const fhir_write *x, const char *name, char *buf,
			       size_t cap);

/* fhir_write_time_ms reads a FHIR dateTime or instant with a time and a
 * zone (YYYY-MM-DDThh:mm[:ss[.fff]](Z|+hh:mm|-hh:mm)) as Unix ms. */
bool fhir_write_time_ms(const char *s, int64_t *ms);

/* fhir_write_ref_id returns the id of a reference "Type/id" (or this
 * server's base URL and "/Type/id") of type, in x's arena; NULL when it
 * is not one, with x->foreign_ref set when it is on another server. */
const char *fhir_write_ref_id(fhir_write *x, const json_t *ref,
			      const char *type);

/* fhir_write_ref_foreign fails x with 400 naming expression: its
 * reference (x->foreign_ref) is on another server. */
med_err fhir_write_ref_foreign(fhir_write *x, const char *expression);

/* --- write_cond.c (fhiredge): conditional create --- */

/* fhir_write_if_none_exist checks a conditional create's query (the
 * If-None-Exist header, expression NULL, or a Bundle entry's
 * request.ifNoneExist at expression): it must be
 * identifier=<system>|<value> naming the resource's own identifier,
 * which the create then finds (200) or makes (201).  Else 400. */
med_err fhir_write_if_none_exist(fhir_write *x, const char *query,
				 const char *expression, const char *system,
				 const char *value);

/* fhir_write_if_none_exist_refuse fails x (400, the header named): what
 * (a write's name) takes no conditional create. */
med_err fhir_write_if_none_exist_refuse(fhir_write *x, const char *what);

/* --- write_obs.c --- */
med_err fhir_write_observation(fhir_write *x, json_t *body);
med_err fhir_write_bundle(fhir_write *x, json_t *body);

/* --- write_med.c --- */
med_err fhir_write_administration(fhir_write *x, json_t *body);
med_err fhir_write_cosign(fhir_write *x, json_t *body);

/* fhir_write_is_suggestion_type: a type the note reader's suggestions are
 * served as, which $confirm and $reject take. */
bool fhir_write_is_suggestion_type(const char *type);

/* fhir_write_decide confirms or rejects (op "$confirm" or "$reject") the
 * pending suggestion x->target_id served as type; body is a Parameters
 * with reason (valueString; required to reject). */
med_err fhir_write_decide(fhir_write *x, const char *type, const char *op,
			  json_t *body);

/* --- write_face.c --- */
med_err fhir_write_verify_face(fhir_write *x, json_t *body);

/* fhir_write_confirm_identifiers serves Patient/{id}/$confirm-identifiers:
 * the wristband and the name and birth date the patient stated, read
 * against each other by identity (docs/face.md). */
med_err fhir_write_confirm_identifiers(fhir_write *x, json_t *body);

/* --- imgtrig: write_imaging.c --- */
/* fhir_write_imaging_study: POST [base]/ImagingStudy (a study in the
 * PACS analysed by diagnosis' AnalyzeStudy as the caller). */
med_err fhir_write_imaging_study(fhir_write *x, json_t *body);

/* fhir_capability_interactions writes a resource's "interaction" list of
 * the CapabilityStatement: one entry per code (write_util.c, with
 * fhir_capability_op: the writes describe themselves with them). */
void fhir_capability_interactions(med_json *w, const char *const *codes,
				  size_t n);

/* fhir_capability_op writes one operation of the CapabilityStatement:
 * name, its definition [base]/OperationDefinition/{name} and doc. */
void fhir_capability_op(med_json *w, const fhir_facade *f, const char *name,
			const char *doc);

/* --- write.c (fhirwrite) ---------------------------------------------------
 * The facade's writes: POST of vital-sign Observations (alone or in a batch
 * or transaction Bundle), of MedicationAdministrations, and the operations
 * Patient/{id}/$verify-face and MedicationRequest/{id}/$cosign.
 */

/* fhir_write_claims is true when req is one of the writes write.c serves
 * (a POST to [base], Observation, MedicationAdministration or one of the
 * operations above); every other request is routed as before. */
bool fhir_write_claims(const fhir_facade *f, const fhir_request *req);

/* fhir_write_handle answers a request fhir_write_claims took into resp
 * (body in req->arena): authenticate, serve, audit. */
void fhir_write_handle(fhir_facade *f, const fhir_request *req,
		       fhir_response *resp);

/* For the CapabilityStatement (capability.c): fhir_write_creates is true
 * for a type the facade creates; fhir_write_has_ops for one with an
 * operation here, whose entries fhir_write_capability_ops writes (into
 * an open "operation" array); fhir_write_capability_rest writes the
 * system interactions (batch, transaction). */
bool fhir_write_creates(const char *type);
bool fhir_write_has_ops(const char *type);
void fhir_write_capability_ops(med_json *w, const fhir_facade *f,
			       const char *type);
void fhir_write_capability_rest(med_json *w);

/* imgtrig: fhir_write_imaging_capability (write_imaging.c) writes the
 * CapabilityStatement's ImagingStudy resource (create), when diagnosis is
 * configured. */
void fhir_write_imaging_capability(med_json *w, const fhir_facade *f);

#endif
