/*
 * interface.c - the record writes the HL7 interface (services/hl7,
 * docs/hl7.md) makes as itself: lab results (CreateEntry) and taking back
 * the ones of a message refused part way (MarkEnteredInError) admit the
 * hl7 service in methods.c (med_method.only_service, which libmed's
 * authorization enforces), and each goes through a wrapper here that
 * checks it again: the interface's principal passes, every other
 * service's is refused.
 */
#include <med/auth.h>
#include <med/rpc.h>

#include "records.h"

/* The one service that writes entries. */
#define INTERFACE_SERVICE "hl7"

static med_err
interface_only(med_call *call)
{
	const med_principal *p = med_call_principal(call);

	/* Services hold no other role: clinicians and nurses pass. */
	if (!(p->roles & MED_ROLE_SERVICE) ||
	    med_principal_is_service(p, INTERFACE_SERVICE))
		return MED_OK;
	return med_call_fail(call, MED_ERR_DENIED,
			     "caller lacks a role for this method");
}

MED_UNARY_HANDLER(records_rpc_create_entry_interface)
{
	med_err err = interface_only(call);

	return err != MED_OK ? err : records_rpc_create_entry(call, in, out);
}

MED_UNARY_HANDLER(records_rpc_mark_entered_in_error_interface)
{
	med_err err = interface_only(call);

	return err != MED_OK ? err
			     : records_rpc_mark_entered_in_error(call, in, out);
}
