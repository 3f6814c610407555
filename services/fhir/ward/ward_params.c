/*
 * ward_params.c - the Parameters parts the ward operations write ($mar,
 * $news2): {"name": ..., value[x]: ...}, each one object of an open
 * "parameter" or "part" array.
 */
#include <med/fhir.h>

#include "ward.h"

void
fhir_ward_part_begin(med_json *w, const char *name)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", name);
}

void
fhir_ward_part_str(med_json *w, const char *name, const char *key,
		   const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	fhir_ward_part_begin(w, name);
	med_json_str(w, key, v);
	med_json_end(w, '}');
}

void
fhir_ward_part_instant(med_json *w, const char *name, int64_t ms)
{
	if (ms == 0)
		return;
	fhir_ward_part_begin(w, name);
	med_fhir_instant(w, "valueInstant", ms);
	med_json_end(w, '}');
}

void
fhir_ward_part_int(med_json *w, const char *name, int64_t v)
{
	fhir_ward_part_begin(w, name);
	med_json_i64(w, "valueInteger", v);
	med_json_end(w, '}');
}

void
fhir_ward_part_bool(med_json *w, const char *name, bool v)
{
	fhir_ward_part_begin(w, name);
	med_json_bool(w, "valueBoolean", v);
	med_json_end(w, '}');
}
