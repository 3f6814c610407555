/*
 * methods.c - the HL7 service's API in one table: the message store's
 * query, and the roles that may call it (the interface team works as
 * admins; auditors read what came in).
 */
#include <med/rpc.h>

#include "hl7_svc.h"

#define MED_SERVICE_PATH   "/smartmed.hl7.v1.Hl7/"
#define MED_SERVICE_PB(t)  smartmed__hl7__v1__##t##__descriptor
#define MED_SERVICE_RPC(r) hl7_rpc_##r

MED_UNARY_HANDLER(hl7_rpc_list_messages);

const med_method hl7_methods[] = {
	MED_UNARY(ListMessages, list_messages, list_messages_response,
		  MED_ROLE_ADMIN | MED_ROLE_AUDITOR),
};
const size_t hl7_n_methods = MED_N_METHODS(hl7_methods);
