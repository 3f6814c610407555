/*
 * kb_load.h - a stored knowledge-base version read back and parsed, the
 * one way the interaction cache (ddi_checks.c), the substance cache
 * (substance_cache.c) and the knowledge-base RPCs (handlers_ddi.c) turn a
 * version row into a base.  It lives here, above store_ddi.c, because it
 * takes the kind's parse function: the store stays callback-free.
 */
#ifndef DOSAGE_KB_LOAD_H
#define DOSAGE_KB_LOAD_H

#include <med/rpc.h>

#include "store_ddi.h"

/* dosage_kb_parse_fn parses a knowledge base's text as a whole into *kb
 * (the kind's own type), checking that its version record is version;
 * MED_ERR_INVALID with why naming the line at fault. */
typedef med_err (*dosage_kb_parse_fn)(const char *text, size_t len,
				      const char *version, void **kb, char *why,
				      size_t why_len);

/* dosage_kb_load_version reads stored version info's text on the call's
 * connection (into its arena) and parses it with parse: *kb set only on
 * MED_OK, the caller frees it with the kind's free.  Errors: the store's
 * (NOT_FOUND, UNAVAILABLE, NOMEM); MED_ERR_INVALID with why when the text
 * no longer parses (the substance table lost a name it uses), which each
 * caller answers its own way. */
med_err dosage_kb_load_version(med_call *call, dosage_kb_parse_fn parse,
			       const dosage_ddi_info *info, void **kb,
			       char *why, size_t why_len) MED_MUST_CHECK;

#endif
