/*
 * err.c - med_err names and the one mapping of med_err to gRPC status codes.
 */
#include <med/err.h>

#include <stdarg.h>
#include <stdio.h>

#include <stddef.h>

static const struct {
	const char *name;
	int status;
} err_table[] = {
	[MED_OK] = {"ok", MED_GRPC_OK},
	[MED_ERR_INVALID] = {"invalid argument", MED_GRPC_INVALID_ARGUMENT},
	[MED_ERR_NOT_FOUND] = {"not found", MED_GRPC_NOT_FOUND},
	[MED_ERR_EXISTS] = {"already exists", MED_GRPC_ALREADY_EXISTS},
	[MED_ERR_DENIED] = {"permission denied", MED_GRPC_PERMISSION_DENIED},
	[MED_ERR_UNAUTHENTICATED] = {"unauthenticated",
				     MED_GRPC_UNAUTHENTICATED},
	[MED_ERR_NOMEM] = {"out of memory", MED_GRPC_RESOURCE_EXHAUSTED},
	[MED_ERR_LIMIT] = {"limit exceeded", MED_GRPC_RESOURCE_EXHAUSTED},
	[MED_ERR_PRECONDITION] = {"failed precondition",
				  MED_GRPC_FAILED_PRECONDITION},
	[MED_ERR_CONFLICT] = {"conflict, retry", MED_GRPC_ABORTED},
	[MED_ERR_UNAVAILABLE] = {"unavailable", MED_GRPC_UNAVAILABLE},
	[MED_ERR_TIMEOUT] = {"deadline exceeded", MED_GRPC_DEADLINE_EXCEEDED},
	[MED_ERR_CANCELLED] = {"cancelled", MED_GRPC_CANCELLED},
	[MED_ERR_UNIMPLEMENTED] = {"unimplemented", MED_GRPC_UNIMPLEMENTED},
	[MED_ERR_IO] = {"i/o error", MED_GRPC_INTERNAL},
	[MED_ERR_INTERNAL] = {"internal error", MED_GRPC_INTERNAL},
	[MED_ERR_DATA_LOSS] = {"data loss", MED_GRPC_DATA_LOSS},
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
		return MED_GRPC_UNKNOWN;
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
