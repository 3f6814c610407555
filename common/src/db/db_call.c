/*
 * db_call.c - med_db_tx_limit: store code names a capacity limit that the
 * call a thread serves ran into.  The RPC layer sets the hook around each
 * handler (med_db_call_enter): the database layer never reaches up for the
 * call.  Writes never come here: they name their call (med_call_tx).
 */
#include <stdarg.h>
#include <stdio.h>

#include <med/db.h>

/* The length of a limit's message: the call's status message holds it. */
#define LIMIT_MSG_MAX 256

/* The hooks and the call of the handler this thread runs, or NULL. */
static _Thread_local const med_db_call_hooks *t_hooks;
static _Thread_local void *t_call;

void
med_db_call_enter(const med_db_call_hooks *hooks, void *call)
{
	t_hooks = hooks;
	t_call = call;
}

void
med_db_call_leave(void)
{
	t_hooks = NULL;
	t_call = NULL;
}

med_err
med_db_tx_limit(const char *fmt, ...)
{
	char msg[LIMIT_MSG_MAX];
	va_list ap;

	if (t_hooks == NULL)
		return MED_ERR_LIMIT;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t_hooks->limit(t_call, msg);
	return MED_ERR_LIMIT;
}
