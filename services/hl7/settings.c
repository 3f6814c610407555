/*
 * settings.c - the HL7 interface's own settings, all of them in one table:
 * the MLLP listener and its limits (listener.c), the message store's
 * retention, who may send as whom (peers.c) and the services ADT and ORU
 * messages go to.  The code reads a value by its key from the service's
 * configuration (med_config_*), which libmed loads and checks against
 * this table at start.
 */
#include <med/config.h>

#include "hl7_svc.h"

const med_config_spec hl7_config[] = {
	{HL7_PORT_KEY, MED_CONFIG_PORT, "2575", false, 0, 0,
	 "MLLP port (TLS with the service's certificate; senders present a "
	 "certificate of MED_TLS_CA)"},
	{HL7_TRUSTED_KEY, MED_CONFIG_BOOL, "false", false, 0, 0,
	 "true: MLLP over plain TCP, for an interface network that is "
	 "trusted (isolated); never on a shared network"},
	{HL7_MAX_BYTES_KEY, MED_CONFIG_INT, "1048576", false, 4096, 67108864,
	 "largest message accepted, in bytes; a larger one gets AR"},
	{HL7_RETENTION_KEY, MED_CONFIG_INT, "90", false, 0, 36500,
	 "days the message store keeps a message; 0 keeps them all"},
	{HL7_MAX_SENDERS_KEY, MED_CONFIG_INT, "64", false, 1, 1024,
	 "most MLLP connections past their first message open at once (one "
	 "per sender)"},
	{HL7_MAX_PENDING_KEY, MED_CONFIG_INT, "2048", false, 1, 65536,
	 "most MLLP connections before their first message (each a "
	 "descriptor and an idle thread); when full, a newcomer closes one "
	 "that has waited half MED_HL7_FIRST_MESSAGE_MS, or is refused"},
	{HL7_PER_ADDRESS_KEY, MED_CONFIG_INT, "8", false, 1, 1024,
	 "most MLLP connections from one address"},
	{HL7_FIRST_MESSAGE_KEY, MED_CONFIG_INT, "10000", false, 100, 600000,
	 "ms from accept to the first whole message (TLS handshake included)"},
	{HL7_MESSAGE_KEY, MED_CONFIG_INT, "30000", false, 100, 600000,
	 "ms from a message's first byte to its last"},
	{HL7_IDLE_KEY, MED_CONFIG_INT, "900000", false, 1000, 86400000,
	 "ms a connection may stay silent between messages"},
	{HL7_SENDERS_KEY, MED_CONFIG_STRING, "", false, 0, 0,
	 "who may send as whom: PEER=APP@FACILITY[:TYPE,TYPE];... (PEER a "
	 "certificate's CN or DNS name, or addr:IP); a peer not bound to "
	 "a message's sender is refused (empty: every message)"},
	{"MED_IDENTITY_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "identity's gRPC address (\"identity:50051\"): ADT goes there"},
	{"MED_IDENTITY_SERVER_NAME", MED_CONFIG_STRING, "identity", false, 0, 0,
	 "name identity's certificate must carry"},
	{"MED_RECORDS_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "records' gRPC address (\"records:50052\"): ORU results go there"},
	{"MED_RECORDS_SERVER_NAME", MED_CONFIG_STRING, "records", false, 0, 0,
	 "name records' certificate must carry"},
};
const size_t hl7_n_config = sizeof(hl7_config) / sizeof(hl7_config[0]);
