/*
 * rpc_break_glass.c - emergency access on a call: x-break-glass-start
 * issues a grant (sent back in the initial metadata), x-break-glass uses
 * one and x-break-glass-stop ends one, with the keys the service set in
 * med_server_opts.break_glass (med/auth.h).  A refused call withdraws the
 * grant it was to start.
 */
#include <stdio.h>
#include <string.h>

#include <med/util.h>

#include "rpc_internal.h"

/* --- metadata ---------------------------------------------------------- */

void
med__rpc_initial_md(med_call *c, grpc_op *op)
{
	op->op = GRPC_OP_SEND_INITIAL_METADATA;
	if (c->bg_event != RPC_BG_START || c->bg_issued[0] == '\0')
		return;
	/* A new break-glass grant goes back to its holder here. */
	snprintf(c->bg_expires, sizeof(c->bg_expires), "%lld",
		 (long long)c->bg.expires_s);
	c->md_out[0].key = grpc_slice_from_static_string("x-break-glass-grant");
	c->md_out[0].value = grpc_slice_from_static_string(c->bg_issued);
	c->md_out[1].key =
		grpc_slice_from_static_string("x-break-glass-expires");
	c->md_out[1].value = grpc_slice_from_static_string(c->bg_expires);
	op->data.send_initial_metadata.count = 2;
	op->data.send_initial_metadata.metadata = c->md_out;
}

bool
med__rpc_bg_header(const grpc_metadata *md, rpc_bg_md *bg)
{
	const char *v = (const char *)GRPC_SLICE_START_PTR(md->value);
	size_t n = GRPC_SLICE_LENGTH(md->value);

	if (med__rpc_slice_is(md->key, "x-break-glass")) {
		bg->grant = v;
		bg->grant_len = n;
	} else if (med__rpc_slice_is(md->key, "x-break-glass-start")) {
		bg->start = v;
		bg->start_len = n;
	} else if (med__rpc_slice_is(md->key, "x-break-glass-stop")) {
		bg->stop = v;
		bg->stop_len = n;
	} else if (med__rpc_slice_is(md->key, "x-break-glass-minutes")) {
		bg->minutes = v;
		bg->minutes_len = n;
	} else {
		return false;
	}
	return true;
}

/* --- grants ------------------------------------------------------------ */

/* bg_fail records a break-glass refusal. */
static med_err
bg_fail(med_call *c, med_err err, const char *msg)
{
	memset(&c->bg, 0, sizeof(c->bg));
	c->bg_event = RPC_BG_NONE;
	return med_call_fail(c, err, "%s", msg);
}

/* bg_minutes reads x-break-glass-minutes (absent: 0, the default). */
static bool
bg_minutes(const rpc_bg_md *bg, int *out)
{
	int v = 0;

	*out = 0;
	if (bg->minutes == NULL)
		return true;
	if (bg->minutes_len == 0 || bg->minutes_len > 4)
		return false;
	for (size_t i = 0; i < bg->minutes_len; i++) {
		if (bg->minutes[i] < '0' || bg->minutes[i] > '9')
			return false;
		v = v * 10 + (bg->minutes[i] - '0');
	}
	*out = v;
	return v > 0;
}

/* bg_start issues a grant to the caller (x-break-glass-start: CODE). */
static med_err
bg_start(med_call *c, const med_break_glass *bgk, const rpc_bg_md *bg)
{
	char code[MED_BREAK_GLASS_CODE_MAX];
	int minutes;
	med_err err;

	if (!med_break_glass_can_issue(bgk))
		return bg_fail(c, MED_ERR_PRECONDITION,
			       "x-break-glass-start: this service does not "
			       "issue grants");
	if (bg->start_len >= sizeof(code) ||
	    !med_break_glass_reason_valid(bg->start, bg->start_len))
		return bg_fail(c, MED_ERR_INVALID,
			       "x-break-glass-start: not a known reason code");
	if (!bg_minutes(bg, &minutes))
		return bg_fail(c, MED_ERR_INVALID,
			       "x-break-glass-minutes: must be a positive "
			       "number");
	memcpy(code, bg->start, bg->start_len);
	code[bg->start_len] = '\0';
	err = med_break_glass_issue(bgk, &c->principal, code,
				    med_now_ms() / 1000, minutes * 60,
				    c->bg_issued, sizeof(c->bg_issued), &c->bg);
	if (err == MED_ERR_DENIED)
		return bg_fail(c, err,
			       "x-break-glass-start: only clinicians and "
			       "nurses may break the glass");
	if (err != MED_OK)
		return bg_fail(c, err,
			       "x-break-glass-start: duration beyond the "
			       "time box");
	c->bg_event = RPC_BG_START;
	return MED_OK;
}

/* bg_check verifies a presented grant and binds it to the caller. */
static med_err
bg_check(med_call *c, const med_break_glass *bgk, const char *g, size_t n,
	 int event)
{
	if (med_break_glass_verify(bgk, g, n, med_now_ms() / 1000, &c->bg) !=
	    MED_OK)
		return bg_fail(c, MED_ERR_UNAUTHENTICATED,
			       "x-break-glass: invalid or expired grant");
	if (strcmp(c->bg.user, c->principal.user) != 0)
		return bg_fail(c, MED_ERR_DENIED,
			       "x-break-glass: the grant belongs to another "
			       "user");
	c->bg_event = event;
	return MED_OK;
}

med_err
med__rpc_break_glass(med_call *c, const rpc_bg_md *bg)
{
	const med_break_glass *bgk = c->srv->opts.break_glass;
	int n = (bg->start != NULL) + (bg->grant != NULL) + (bg->stop != NULL);
	med_err err;

	if (n == 0)
		return MED_OK;
	if (n > 1)
		return bg_fail(c, MED_ERR_INVALID,
			       "x-break-glass: send one of x-break-glass, "
			       "x-break-glass-start and x-break-glass-stop");
	if (bgk == NULL)
		return bg_fail(c, MED_ERR_PRECONDITION,
			       "x-break-glass: not configured on this "
			       "service");
	if (bg->start != NULL)
		err = bg_start(c, bgk, bg);
	else if (bg->grant != NULL)
		err = bg_check(c, bgk, bg->grant, bg->grant_len, RPC_BG_USE);
	else
		err = bg_check(c, bgk, bg->stop, bg->stop_len, RPC_BG_STOP);
	if (err == MED_OK && c->bg_event != RPC_BG_STOP) {
		c->principal.break_glass = true;
		c->purpose_of_use = "ETREAT";
	}
	return err;
}

/*
 * A grant this call was to start is withdrawn when the call itself is
 * refused: the caller never receives it and no session start is audited,
 * so a denied call cannot leave a usable grant behind.  A stream that has
 * already sent its headers has handed the grant over, and its start stays
 * on record.
 */
void
med__rpc_bg_withdraw_if_refused(med_call *c, int code)
{
	if (c->bg_event != RPC_BG_START ||
	    (code != GRPC_STATUS_PERMISSION_DENIED &&
	     code != GRPC_STATUS_UNAUTHENTICATED))
		return;
	pthread_mutex_lock(&c->mu);
	if (!c->md_sent) {
		memset(c->bg_issued, 0, sizeof(c->bg_issued));
		memset(&c->bg, 0, sizeof(c->bg));
		c->bg_event = RPC_BG_NONE;
		c->principal.break_glass = false;
	}
	pthread_mutex_unlock(&c->mu);
}
