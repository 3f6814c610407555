/*
 * med/fhir_read.h - ReadFhir, one resource of a service's FHIR export by
 * its type and id (fhirread, issue 35), answered alike by every service
 * that has one: the request's checks and the answer for a resource that
 * is not there; and the answer of an export page that would not write as
 * FHIR.  The five services' handlers call these; what they find and
 * write stays their own.
 */
#ifndef MED_FHIR_READ_H
#define MED_FHIR_READ_H

#include <stddef.h>
#include <stdint.h>
#include <med/arena.h>
#include <med/db.h>
#include <med/err.h>
#include <med/rpc.h>

/*
 * med_fhir_read_served - the resource types a service's ReadFhir serves,
 * types[0..n_types), and what a request for any other is told after
 * "type: " (which types the service serves, and where another is read).
 */
typedef struct med_fhir_read_served {
	const char *const *types;
	size_t n_types;
	const char *refusal;
} med_fhir_read_served;

/*
 * med_fhir_read_check checks a ReadFhir request: its type one of
 * served's, then its id a FHIR id (med_fhir_id_ok).  Fails the call with
 * MED_ERR_INVALID: "type: <served->refusal>" or "id: not a FHIR id (1..64
 * of A-Z a-z 0-9 - .)".
 */
med_err med_fhir_read_check(med_call *call, const med_fhir_read_served *served,
			    const char *type, const char *id) MED_MUST_CHECK;

/*
 * med_fhir_read_item is the id of the item a resource was written from
 * (an entry, a condition, a finding): the UUID that the resource id is, or
 * begins with before a '-' and a suffix ("<uuid>-hr", "<uuid>-goal2"),
 * copied into a.  NULL when id does not begin with a UUID, so no resource
 * of the service has it, or when a is full.
 */
const char *med_fhir_read_item(med_arena *a, const char *id);

/*
 * med_fhir_read_not_found fails the call with MED_ERR_NOT_FOUND, "id: no
 * <type> <id>" and, when a version was asked for (version not 0), " at
 * that version"; it returns MED_ERR_NOT_FOUND.  The message names the
 * resource, never its content.
 */
med_err med_fhir_read_not_found(med_call *call, const char *type,
				const char *id, uint32_t version);

/*
 * med_fhir_read_owner_fn sets *patient_id to the patient of the item
 * item_id (its text in arena), or to NULL when there is no such item.
 */
typedef med_err (*med_fhir_read_owner_fn)(med_db *db, med_arena *arena,
					  const char *item_id,
					  const char **patient_id);

/*
 * med_fhir_read_patient finds whose resource a ReadFhir asks for, in a
 * service that writes each resource from one item: the item id
 * begins with (med_fhir_read_item), that item's patient by owner, and
 * then the care relationship decided for that patient
 * (med_call_set_patient), as for an export.  Sets *item_id and
 * *patient_id.  Errors: MED_ERR_NOT_FOUND, the call failed as
 * med_fhir_read_not_found, when id names no item or the item no patient;
 * owner's, the call left to the caller.
 */
med_err med_fhir_read_patient(med_call *call, const char *type, const char *id,
			      uint32_t version, med_fhir_read_owner_fn owner,
			      const char **item_id,
			      const char **patient_id) MED_MUST_CHECK;

/*
 * med_fhir_export_failed answers an export page whose bundle writer
 * failed with err: MED_ERR_LIMIT as "page.page_size: <n> <items> exceed
 * the message size limit as FHIR; ask for fewer", MED_ERR_INVALID as
 * MED_ERR_DATA_LOSS "<field>: a stored <item> cannot be written as FHIR
 * R4" (the field the caller chose the data by); any other error is
 * returned as it is.  items and item name the kind, plural and singular
 * ("encounters", "encounter").
 */
med_err med_fhir_export_failed(med_call *call, med_err err, size_t n,
			       const char *items, const char *item,
			       const char *field);

#endif
