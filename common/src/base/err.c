/*
 * err.c - med_err names and the one mapping of med_err to gRPC status codes.
 */
#include <med/err.h>

#include <stdarg.h>
#include <stdio.h>

#include <stddef.h>

/* gRPC status codes (grpc/status.h), restated so that this file, used by
 * every module, needs no gRPC header. */
enum {
	ST_OK = 0,
	ST_CANCELLED = 1,
	ST_UNKNOWN = 2,
	ST_INVALID_ARGUMENT = 3,
	ST_DEADLINE_EXCEEDED = 4,
	ST_NOT_FOUND = 5,
	ST_ALREADY_EXISTS = 6,
	ST_PERMISSION_DENIED = 7,
	ST_RESOURCE_EXHAUSTED = 8,
	ST_FAILED_PRECONDITION = 9,
	ST_ABORTED = 10,
	ST_OUT_OF_RANGE = 11,
	ST_UNIMPLEMENTED = 12,
	ST_INTERNAL = 13,
	ST_UNAVAILABLE = 14,
	ST_DATA_LOSS = 15,
	ST_UNAUTHENTICATED = 16,
};

static const struct {
	const char *name;
	int status;
} err_table[] = {
	[MED_OK] = {"ok", ST_OK},
	[MED_ERR_INVALID] = {"invalid argument", ST_INVALID_ARGUMENT},
	[MED_ERR_NOT_FOUND] = {"not found", ST_NOT_FOUND},
	[MED_ERR_EXISTS] = {"already exists", ST_ALREADY_EXISTS},
	[MED_ERR_DENIED] = {"permission denied", ST_PERMISSION_DENIED},
	[MED_ERR_UNAUTHENTICATED] = {"unauthenticated", ST_UNAUTHENTICATED},
	[MED_ERR_NOMEM] = {"out of memory", ST_RESOURCE_EXHAUSTED},
	[MED_ERR_LIMIT] = {"limit exceeded", ST_RESOURCE_EXHAUSTED},
	[MED_ERR_PRECONDITION] = {"failed precondition",
				  ST_FAILED_PRECONDITION},
	[MED_ERR_CONFLICT] = {"conflict, retry", ST_ABORTED},
	[MED_ERR_UNAVAILABLE] = {"unavailable", ST_UNAVAILABLE},
	[MED_ERR_TIMEOUT] = {"deadline exceeded", ST_DEADLINE_EXCEEDED},
	[MED_ERR_CANCELLED] = {"cancelled", ST_CANCELLED},
	[MED_ERR_UNIMPLEMENTED] = {"unimplemented", ST_UNIMPLEMENTED},
	[MED_ERR_IO] = {"i/o error", ST_INTERNAL},
	[MED_ERR_INTERNAL] = {"internal error", ST_INTERNAL},
	[MED_ERR_DATA_LOSS] = {"data loss", ST_DATA_LOSS},
};

static const char *const status_names[] = {
	"OK",
	"CANCELLED",
	"UNKNOWN",
	"INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED",
	"NOT_FOUND",
	"ALREADY_EXISTS",
	"PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION",
	"ABORTED",
	"OUT_OF_RANGE",
	"UNIMPLEMENTED",
	"INTERNAL",
	"UNAVAILABLE",
	"DATA_LOSS",
	"UNAUTHENTICATED",
};

#define N_ERRS	 (sizeof(err_table) / sizeof(err_table[0]))
#define N_STATUS (sizeof(status_names) / sizeof(status_names[0]))

const char *
med_strerror(med_err err)
{
	if ((unsigned)err >= N_ERRS || err_table[err].name == NULL)
		return "unknown error";
	return err_table[err].name;
}

int
med_err_to_grpc_status(med_err err)
{
	if ((unsigned)err >= N_ERRS || err_table[err].name == NULL)
		return ST_UNKNOWN;
	return err_table[err].status;
}

const char *
med_grpc_status_name(int code)
{
	if (code < 0 || (unsigned)code >= N_STATUS)
		return "UNKNOWN";
	return status_names[code];
}

med_err
med_problem_set(med_problem *p, med_err err, const char *field, const char *fmt,
		...)
{
	va_list ap;

	if (p == NULL)
		return err;
	p->err = err;
	snprintf(p->field, sizeof(p->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	return err;
}
