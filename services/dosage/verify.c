/*
 * verify.c - the dosage service's state: identity's public key, and the
 * offline check of verification tokens (med/vtoken.h).
 */
#include <med/log.h>
#include <med/util.h>

#include <stdlib.h>
#include <string.h>

#include "dosage.h"

static med_err
verify_mode_parse(const char *s, dosage_verify_mode *out)
{
	if (s == NULL || s[0] == '\0' || strcmp(s, "catalogue") == 0)
		*out = DOSAGE_VERIFY_CATALOGUE;
	else if (strcmp(s, "high_alert") == 0)
		*out = DOSAGE_VERIFY_HIGH_ALERT;
	else if (strcmp(s, "all") == 0)
		*out = DOSAGE_VERIFY_ALL;
	else
		return MED_ERR_INVALID;
	return MED_OK;
}

static med_err
scan_mode_parse(const char *s, dosage_scan_mode *out)
{
	if (s == NULL || s[0] == '\0' || strcmp(s, "high_alert") == 0)
		*out = DOSAGE_SCAN_HIGH_ALERT;
	else if (strcmp(s, "all") == 0)
		*out = DOSAGE_SCAN_ALL;
	else
		return MED_ERR_INVALID;
	return MED_OK;
}

dosage_scan_mode
dosage_scan_mode_of(med_call *call)
{
	const dosage_state *st = med_service_data(med_service_from_call(call));

	return st ? (dosage_scan_mode)st->scan : DOSAGE_SCAN_HIGH_ALERT;
}

bool
dosage_order_needs_verification(med_call *call, const dosage_drug *d,
				bool overridden)
{
	const dosage_state *st = med_service_data(med_service_from_call(call));
	dosage_verify_mode m = st ? st->verify : DOSAGE_VERIFY_CATALOGUE;

	return overridden || d->requires_verification ||
	       m == DOSAGE_VERIFY_ALL ||
	       (m == DOSAGE_VERIFY_HIGH_ALERT && d->high_alert);
}

/* ward_zone_start checks MED_WARD_TIME_ZONE: a misspelt zone would
 * otherwise chart every time in UTC without a word. */
static med_err
ward_zone_start(med_service *svc, dosage_state *st)
{
	const char *name =
		med_config_str(med_service_config(svc), WARD_ZONE_SETTING);

	if (name == NULL || name[0] == '\0')
		name = "UTC";
	if (dosage_zone_check(name) != MED_OK) {
		med_log_error("%s: \"%s\" is not an IANA time zone name "
			      "(e.g. \"Europe/London\")",
			      WARD_ZONE_SETTING, name);
		return MED_ERR_INVALID;
	}
	med_strlcpy(st->ward_zone, name, sizeof(st->ward_zone));
	med_log_info("ward time zone: %s", name);
	return MED_OK;
}

med_err
dosage_ward_zone(med_call *call, dosage_zone **out)
{
	const dosage_state *st = med_service_data(med_service_from_call(call));

	*out = NULL;
	if (st == NULL || st->ward_zone[0] == '\0' ||
	    strcmp(st->ward_zone, "UTC") == 0)
		return MED_OK;
	/* A zone the start accepted opens; only memory can fail here. */
	return dosage_zone_open(st->ward_zone, out) == MED_OK ? MED_OK
							      : MED_ERR_NOMEM;
}

med_err
dosage_settings_load(med_service *svc, dosage_state **out)
{
	const char *path =
		med_config_str(med_service_config(svc), IDENTITY_KEY_SETTING);
	dosage_state *st = calloc(1, sizeof(*st));
	uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN];
	dosage_scan_mode scan;
	char err[512];
	med_err e;

	if (st == NULL)
		return MED_ERR_NOMEM;
	if ((e = verify_mode_parse(med_config_str(med_service_config(svc),
						  VERIFY_ORDERS_SETTING),
				   &st->verify)) != MED_OK) {
		med_log_error("%s: must be catalogue, high_alert or all",
			      VERIFY_ORDERS_SETTING);
		free(st);
		return e;
	}
	if ((e = scan_mode_parse(med_config_str(med_service_config(svc),
						SCAN_REQUIRED_SETTING),
				 &scan)) != MED_OK) {
		med_log_error("%s: must be high_alert or all",
			      SCAN_REQUIRED_SETTING);
		free(st);
		return e;
	}
	st->scan = (int)scan;
	if (dosage_identifiers_parse(med_config_str(med_service_config(svc),
						    DOSAGE_IDENTIFIERS_SETTING),
				     &st->identifiers) != MED_OK) {
		med_log_error("%s: a comma-separated list of wristband+face, "
			      "wristband+stated and face",
			      DOSAGE_IDENTIFIERS_SETTING);
		free(st);
		return MED_ERR_INVALID;
	}
	if ((e = ward_zone_start(svc, st)) != MED_OK) {
		free(st);
		return e;
	}
	if (path != NULL && path[0] != '\0') {
		e = med_vtoken_key_read(path, pk, err, sizeof(err));
		if (e == MED_OK)
			e = med_vtoken_keyset_add(&st->keys, pk);
		if (e != MED_OK) {
			med_log_error("%s: %s", IDENTITY_KEY_SETTING, err);
			free(st);
			return e;
		}
		st->keys_configured = true;
		med_log_info("verification tokens: trusting key %s",
			     st->keys.key_id[0]);
	} else {
		med_log_info("verification tokens: %s is not set, every token "
			     "will be refused",
			     IDENTITY_KEY_SETTING);
	}
	*out = st;
	return MED_OK;
}

med_err
dosage_verify_token(med_call *call, const char *token, int64_t now_ms,
		    med_vtoken_claims *out)
{
	const dosage_state *st = med_service_data(med_service_from_call(call));
	med_vtoken_fail why = MED_VTOKEN_FAIL_NONE;

	if (st == NULL || !st->keys_configured)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "verification_token: unverifiable: "
				     "identity's public key is not configured "
				     "(" IDENTITY_KEY_SETTING ")");
	/* A malformed token is bad input; a forged, foreign or expired one
	 * is a well-formed request that cannot proceed. */
	if (med_vtoken_verify(&st->keys, token, now_ms, out, &why) != MED_OK)
		return med_call_fail(
			call,
			why == MED_VTOKEN_FAIL_MALFORMED ? MED_ERR_INVALID
							 : MED_ERR_PRECONDITION,
			"verification_token: %s", med_vtoken_fail_str(why));
	if (!(out->score >= out->threshold))
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "verification_token: score below the "
				     "threshold");
	return dosage_identifiers_check(call, out);
}
