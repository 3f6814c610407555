/*
 * substance_cache.h - the substance knowledge base kept in the database
 * like the interaction base (store_ddi.h, kind DOSAGE_KB_SUBSTANCES), for
 * the checks (which put the active version in force in this process) and
 * the import and approval RPCs (handlers_ddi.c).
 */
#ifndef DOSAGE_SUBSTANCE_CACHE_H
#define DOSAGE_SUBSTANCE_CACHE_H

#include <med/arena.h>
#include <med/rpc.h>

#include "interactions.h"
#include "store_ddi.h"
#include "substance_kb.h"

/*
 * dosage_substance_refresh reads the active substance version into info
 * (installing the shipped file as the first version when the database
 * holds none, or an older shipped one) and, when this process runs
 * another, puts it in force (dosage_substance_kb_use): every replica
 * follows an import or approval at its next check.  Errors: the
 * database's, MED_ERR_NOMEM.
 */
med_err dosage_substance_refresh(med_call *call,
				 dosage_ddi_info *info) MED_MUST_CHECK;

/* dosage_substance_follow is dosage_substance_refresh for an active
 * version info the caller read (dosage_store_ddi_active_both); info is
 * read again when the shipped file is installed now. */
med_err dosage_substance_follow(med_call *call,
				dosage_ddi_info *info) MED_MUST_CHECK;

/* dosage_substance_kb_parse_as parses a substance file (the parse of
 * handlers_ddi.c's kb_ops: *kb is a dosage_substance_kb) whose version
 * record must be version, the label it is imported or stored under:
 * otherwise MED_ERR_INVALID with why saying so. */
med_err dosage_substance_kb_parse_as(const char *text, size_t len,
				     const char *version, void **kb, char *why,
				     size_t why_len) MED_MUST_CHECK;

/* dosage_substance_current puts the stored active version in force in
 * this process when it runs another (dosage_substance_refresh, without
 * the version's details): called before a check that reads the substance
 * rules.  Errors: as dosage_substance_refresh. */
med_err dosage_substance_current(med_call *call) MED_MUST_CHECK;

/* dosage_substance_forget makes the next refresh read the active version
 * again (after an import or approval that changed it). */
void dosage_substance_forget(void);

/*
 * dosage_substance_kb_diff compares nw with old (NULL: every record is
 * added), records matched by kind and subject ("lab:<substance>:<analyte>:
 * <max|min>", "pregnancy:<substance>", "moiety:<substance>"): a lab rule
 * that warns instead of stopping, needs no value, or lets a worse value
 * through is weakened, one whose value age moved is changed; a lower
 * pregnancy risk is weakened; a moiety that maps elsewhere is changed.
 * A change of source alone is not listed (the digests are audited).
 * Memory from a.  Errors: MED_ERR_NOMEM.
 */
med_err dosage_substance_kb_diff(const dosage_substance_kb *old,
				 const dosage_substance_kb *nw, med_arena *a,
				 dosage_ddi_diff *out) MED_MUST_CHECK;

#endif
