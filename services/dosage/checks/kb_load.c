/*
 * kb_load.c - a stored knowledge-base version read back and parsed
 * (kb_load.h).
 */
#include "kb_load.h"

med_err
dosage_kb_load_version(med_call *call, dosage_kb_parse_fn parse,
		       const dosage_ddi_info *info, void **kb, char *why,
		       size_t why_len)
{
	char *body;
	size_t len;
	med_err err =
		dosage_store_ddi_body(med_call_db(call), med_call_arena(call),
				      info->kb_id, &body, &len);

	if (err != MED_OK)
		return err;
	return parse(body, len, info->version, kb, why, why_len);
}
