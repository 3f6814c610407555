/*
 * write_refusal.c - the machine-readable reason of a refusal the bedside
 * meets: a code (system FHIR_REFUSAL_SYSTEM) in the OperationOutcome's
 * issue.details, which the console maps to what the nurse does next
 * (services/console/messages.js, docs/console.md).  The code is read from
 * the service that refused, its gRPC status and the field its message
 * names first, with a phrase of the rule where one field carries several
 * (identity's image: an attack, a copy, a photograph it cannot use).
 */
#include <stdbool.h>
#include <string.h>

#include "write.h"

/* refusal_rule - one refusal and its code; field "" matches a message
 * that names no field, words "" any words, grpc_code 0 any status. */
typedef struct refusal_rule {
	const char *service;
	int grpc_code;
	const char *field;
	const char *words;
	const char *code;
} refusal_rule;

/* Most specific first: identity's presentation-attack refusal also says
 * "photograph of a photograph", as its copy refusal does. */
static const refusal_rule rules[] = {
	{"identity", MED_GRPC_INVALID_ARGUMENT, "image", "liveness score",
	 "face-presentation-attack"},
	{"identity", MED_GRPC_INVALID_ARGUMENT, "image", "presentation attack",
	 "face-colour-needed"},
	{"identity", MED_GRPC_INVALID_ARGUMENT, "image",
	 "photograph of a photograph", "face-copy"},
	{"identity", MED_GRPC_INVALID_ARGUMENT, "image", "", "face-unusable"},
	{"identity", MED_GRPC_FAILED_PRECONDITION, "wristband",
	 "another patient's wristband", "wristband-other-patient"},
	{"identity", MED_GRPC_NOT_FOUND, "wristband", "", "wristband-unknown"},
	{"identity", MED_GRPC_INVALID_ARGUMENT, "wristband", "",
	 "wristband-unreadable"},
	{"identity", MED_GRPC_FAILED_PRECONDITION, "patient_id",
	 "no face templates", "face-not-enrolled"},
	{"identity", MED_GRPC_FAILED_PRECONDITION, "", "face recognition",
	 "face-unavailable"},
	{"dosage", MED_GRPC_FAILED_PRECONDITION, "verification_token",
	 "expired", "identity-expired"},
	{"dosage", MED_GRPC_FAILED_PRECONDITION, "identity_override",
	 "non-match is never an override", "identity-unconfirmed"},
	{"dosage", MED_GRPC_INVALID_ARGUMENT, "product_scan", "",
	 "scan-unreadable"},
};

/* field_of copies the field a service's message starts with ("image" of
 * "image: …") into out; "" when it starts with words. */
static void
field_of(const char *msg, char *out, size_t cap)
{
	size_t n = strspn(msg, "abcdefghijklmnopqrstuvwxyz_.0123456789");

	out[0] = '\0';
	if (n == 0 || n >= cap || msg[n] != ':')
		return;
	memcpy(out, msg, n);
	out[n] = '\0';
}

static bool
rule_fits(const refusal_rule *r, const char *service, const med_rpc_status *st,
	  const char *field)
{
	return strcmp(r->service, service) == 0 &&
	       (r->grpc_code == 0 || r->grpc_code == st->code) &&
	       strcmp(r->field, field) == 0 &&
	       (r->words[0] == '\0' || strstr(st->message, r->words) != NULL);
}

const char *
fhir_write_refusal_code(const char *service, const med_rpc_status *st)
{
	char field[64];

	if (service == NULL)
		return NULL;
	field_of(st->message, field, sizeof(field));
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rule_fits(&rules[i], service, st, field))
			return rules[i].code;
	return NULL;
}
