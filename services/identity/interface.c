/*
 * interface.c - the registrars' writes the HL7 interface (services/hl7,
 * docs/hl7.md) makes as itself: CreatePatient, UpdatePatient, LinkPatients,
 * Admit, RegisterOutpatientVisit, Transfer and Discharge admit the hl7
 * service in methods.c (med_method.only_service, which libmed's
 * authorization enforces), and each goes through a wrapper here that
 * checks it again: the interface's principal passes, every other
 * service's is refused.
 */
#include <med/rpc.h>

#include "identity.h"

/* The one service that registers, admits and merges patients. */
#define INTERFACE_SERVICE "hl7"

#define INTERFACE_WRAPPER(rpc)                                                 \
	MED_UNARY_HANDLER(identity_rpc_##rpc##_interface)                      \
	{                                                                      \
		med_err err = med_call_only_service(call, INTERFACE_SERVICE);  \
                                                                               \
		return err != MED_OK ? err                                     \
				     : identity_rpc_##rpc(call, in, out);      \
	}

INTERFACE_WRAPPER(create_patient)
INTERFACE_WRAPPER(update_patient)
INTERFACE_WRAPPER(link_patients)
INTERFACE_WRAPPER(admit)
INTERFACE_WRAPPER(register_outpatient_visit)
INTERFACE_WRAPPER(transfer)
INTERFACE_WRAPPER(discharge)
