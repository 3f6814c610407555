/*
 * face_models.h - templates made by an embedder other than the one this
 * service runs (MED_FACE_EMBEDDER).  They are never compared (every template
 * query selects the current model); this only says so, once, at start.
 */
#ifndef FACE_MODELS_H
#define FACE_MODELS_H

#include <med/db.h>

/*
 * identity_face_models_report logs a warning per other model with stored
 * templates (model name, templates, patients) and the re-enrolment
 * procedure; *n gets the total count.  Read-only.
 */
med_err identity_face_models_report(med_db *db, const char *model,
				    int64_t *n) MED_MUST_CHECK;

#endif
