/*
 * fail_limit.c - a capacity limit a read met, named as the call's status.
 * The stores name the limit in their result (a list's or history's limit
 * field) and never see the call; the use case that ran the read and holds
 * the call turns it into the reply here.
 */
#include <med/rpc.h>

#include "dosage.h"
#include "checks.h"

med_err
dosage_fail_limit(med_call *call, med_err err, const char *limit)
{
	if (err != MED_ERR_LIMIT || limit == NULL)
		return err;
	return med_call_fail(call, err, "%s", limit);
}
