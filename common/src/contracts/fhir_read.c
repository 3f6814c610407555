/*
 * fhir_read.c - what every service's ReadFhir answers alike
 * (<med/fhir_read.h>): a type it does not serve, an id that is not a FHIR
 * id, a resource that is not there; and an export page that would not
 * write as FHIR.
 */
#include <stdbool.h>
#include <string.h>

#include <med/check.h>
#include <med/fhir.h>
#include <med/fhir_read.h>
#include <med/util.h>

static bool
is_served(const med_fhir_read_served *served, const char *type)
{
	for (size_t i = 0; i < served->n_types; i++)
		if (strcmp(type, served->types[i]) == 0)
			return true;
	return false;
}

med_err
med_fhir_read_check(med_call *call, const med_fhir_read_served *served,
		    const char *type, const char *id)
{
	if (!is_served(served, type))
		return med_call_fail(call, MED_ERR_INVALID, "type: %s",
				     served->refusal);
	if (!med_fhir_id_ok(id))
		return med_call_fail(call, MED_ERR_INVALID,
				     "id: not a FHIR id (1..64 of A-Z a-z 0-9 "
				     "- .)");
	return MED_OK;
}

const char *
med_fhir_read_item(med_arena *a, const char *id)
{
	med_problem p = {0};
	char *item;

	if (strlen(id) < MED_UUID_LEN ||
	    (id[MED_UUID_LEN] != '\0' && id[MED_UUID_LEN] != '-'))
		return NULL;
	if ((item = med_arena_alloc(a, MED_UUID_LEN + 1)) == NULL)
		return NULL;
	memcpy(item, id, MED_UUID_LEN);
	item[MED_UUID_LEN] = '\0';
	return med_id_problem("id", item, &p) == MED_OK ? item : NULL;
}

med_err
med_fhir_read_not_found(med_call *call, const char *type, const char *id,
			uint32_t version)
{
	return med_call_fail(call, MED_ERR_NOT_FOUND, "id: no %s %s%s", type,
			     id, version != 0 ? " at that version" : "");
}

med_err
med_fhir_read_patient(med_call *call, const char *type, const char *id,
		      uint32_t version, med_fhir_read_owner_fn owner,
		      const char **item_id, const char **patient_id)
{
	med_arena *a = med_call_arena(call);
	const char *item = med_fhir_read_item(a, id), *pid = NULL;
	med_err err;

	if (item == NULL)
		return med_fhir_read_not_found(call, type, id, version);
	if ((err = owner(med_call_db(call), a, item, &pid)) != MED_OK)
		return err;
	if (pid == NULL)
		return med_fhir_read_not_found(call, type, id, version);
	med_call_set_patient(call, pid);
	*item_id = item;
	*patient_id = pid;
	return MED_OK;
}

med_err
med_fhir_export_failed(med_call *call, med_err err, size_t n, const char *items,
		       const char *item, const char *field)
{
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "page.page_size: %zu %s exceed the "
				     "message size limit as FHIR; ask for "
				     "fewer",
				     n, items);
	if (err == MED_ERR_INVALID)
		return med_call_fail(call, MED_ERR_DATA_LOSS,
				     "%s: a stored %s cannot be written as "
				     "FHIR R4",
				     field, item);
	return err;
}
