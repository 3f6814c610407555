/*
 * interface.c - the record writes the HL7 interface (services/hl7,
 * docs/hl7.md) makes as itself: lab results (CreateEntry) and taking back
 * the ones of a message refused part way (MarkEnteredInError) admit the
 * hl7 service in methods.c (med_method.only_service, which libmed's
 * authorization enforces), and each goes through a wrapper here that
 * checks it again: the interface's principal passes, every other
 * service's is refused.
 */
#include <med/rpc.h>

#include "records.h"

/* The one service that writes entries. */
#define INTERFACE_SERVICE "hl7"

MED_UNARY_HANDLER(records_rpc_create_entry_interface)
{
	med_err err = med_call_only_service(call, INTERFACE_SERVICE);

	return err != MED_OK ? err : records_rpc_create_entry(call, in, out);
}

MED_UNARY_HANDLER(records_rpc_mark_entered_in_error_interface)
{
	med_err err = med_call_only_service(call, INTERFACE_SERVICE);

	return err != MED_OK ? err
			     : records_rpc_mark_entered_in_error(call, in, out);
}
