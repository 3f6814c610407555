/*
 * fault.c - the answer to stored data that disagrees with the hash chain,
 * shared by the handlers and the write use cases (below both).
 */
#include <med/rpc.h>

#include "records.h"

med_err
records_fail_fault(med_call *call, const char *field, const records_fault *f)
{
	return med_call_fail(call, MED_ERR_DATA_LOSS,
			     "%s: entry %s version %u fails its %s check: the "
			     "stored record disagrees with its hash chain "
			     "(altered in the database?); VerifyChain reports "
			     "the first break",
			     field, f->entry_id ? f->entry_id : "", f->version,
			     f->check ? f->check : "");
}
