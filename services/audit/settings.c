/*
 * settings.c - the audit service's own settings, all of them in one table:
 * where emitters deliver events (ingest.c), the signing and leaf keys and
 * the published head (sth.c, headfile.c), the signing interval and the gap
 * sweep (gapsweep.c).  The code reads a value by its key from the
 * service's configuration (med_config_*), which libmed loads and checks
 * against this table at start.
 */
#include <med/config.h>

#include "audit_svc.h"

const med_config_spec audit_config[] = {
	{"MED_AUDIT_LISTEN", MED_CONFIG_STRING, "tls+tcp://127.0.0.1:50060",
	 false, 0, 0,
	 "NNG address where emitters deliver audit events (mutual TLS with "
	 "MED_TLS_*; tcp:// only with MED_AUDIT_ALLOW_PLAINTEXT)"},
	{"MED_AUDIT_SIGNING_KEY_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "Ed25519 tree-head signing key (64 hex digits, the seed); empty = "
	 "MED_AUDIT_SPOOL_DIR/audit-signing.key, created if missing"},
	{"MED_AUDIT_LEAF_KEY_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "leaf MAC keys, kept outside the database (lines of 64 hex digits, "
	 "the current key first, then earlier ones still accepted); empty = "
	 "MED_AUDIT_SPOOL_DIR/audit-leaf.key, created if missing"},
	{"MED_AUDIT_HEAD_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "the newest tree head the service published, kept outside the "
	 "database so that a restore that rolls the log back is detected "
	 "(written for every head); empty = MED_AUDIT_SPOOL_DIR/audit-head"},
	{"MED_AUDIT_KEYGEN", MED_CONFIG_BOOL, "false", false, 0, 0,
	 "create MED_AUDIT_SIGNING_KEY_FILE and MED_AUDIT_LEAF_KEY_FILE when "
	 "they do not exist"},
	{"MED_AUDIT_PREVIOUS_PUBKEYS", MED_CONFIG_STRING, "", false, 0, 0,
	 "public keys (hex, comma-separated) of signing keys this service "
	 "used before a rotation: the newest head of one starts the verified "
	 "tree at start, as one of its own key would; never a leaked key"},
	{"MED_AUDIT_STH_INTERVAL_MS", MED_CONFIG_INT, "1000", false, 10,
	 3600000, "sign a new tree head this often when the log has grown"},
	{"MED_AUDIT_GAP_CHUNK_ROWS", MED_CONFIG_INT, "16384", false, 1,
	 1073741824,
	 "log positions per chunk of the gap sweep (one count each)"},
	{"MED_AUDIT_GAP_RECOUNT_S", MED_CONFIG_INT, "1800", false, 0, 604800,
	 "reads trust a chunk the gap sweep found whole this recently and "
	 "count every other position they cover; 0: no sweep, every read "
	 "counts all its positions"},
};
const size_t audit_n_config = sizeof(audit_config) / sizeof(audit_config[0]);
