/*
 * med/err.h - the one error type of libmed and every smartmed service.
 *
 * A function that can fail returns med_err; MED_OK is 0.  The mapping of
 * med_err to a gRPC status lives in exactly one place (rpc_status.c).
 */
#ifndef MED_ERR_H
#define MED_ERR_H

#define MED_MUST_CHECK __attribute__((warn_unused_result))

/* med_err - error codes; each maps to one gRPC status code. */
typedef enum med_err {
	MED_OK = 0,
	MED_ERR_INVALID = 1,	     /* bad input: INVALID_ARGUMENT */
	MED_ERR_NOT_FOUND = 2,	     /* NOT_FOUND */
	MED_ERR_EXISTS = 3,	     /* ALREADY_EXISTS */
	MED_ERR_DENIED = 4,	     /* PERMISSION_DENIED */
	MED_ERR_UNAUTHENTICATED = 5, /* UNAUTHENTICATED */
	MED_ERR_NOMEM = 6,	     /* RESOURCE_EXHAUSTED */
	MED_ERR_LIMIT = 7,	    /* a hard cap was hit: RESOURCE_EXHAUSTED */
	MED_ERR_PRECONDITION = 8,   /* FAILED_PRECONDITION */
	MED_ERR_CONFLICT = 9,	    /* ABORTED (concurrent change) */
	MED_ERR_UNAVAILABLE = 10,   /* a dependency is away: UNAVAILABLE */
	MED_ERR_TIMEOUT = 11,	    /* DEADLINE_EXCEEDED */
	MED_ERR_CANCELLED = 12,	    /* CANCELLED */
	MED_ERR_UNIMPLEMENTED = 13, /* UNIMPLEMENTED */
	MED_ERR_IO = 14,	    /* local I/O failed: INTERNAL */
	MED_ERR_INTERNAL = 15,	    /* a bug or broken invariant: INTERNAL */
	MED_ERR_DATA_LOSS = 16,	    /* corrupt stored data: DATA_LOSS */
} med_err;

/*
 * med_grpc_status - gRPC's status codes (grpc/status.h's grpc_status_code)
 * by name, for code that must not include gRPC's headers: the FHIR facade
 * reading an upstream call's med_rpc_status, err.c's one mapping.  The rpc
 * layer checks at build time that each equals gRPC's own.
 */
typedef enum med_grpc_status {
	MED_GRPC_OK = 0,
	MED_GRPC_CANCELLED = 1,
	MED_GRPC_UNKNOWN = 2,
	MED_GRPC_INVALID_ARGUMENT = 3,
	MED_GRPC_DEADLINE_EXCEEDED = 4,
	MED_GRPC_NOT_FOUND = 5,
	MED_GRPC_ALREADY_EXISTS = 6,
	MED_GRPC_PERMISSION_DENIED = 7,
	MED_GRPC_RESOURCE_EXHAUSTED = 8,
	MED_GRPC_FAILED_PRECONDITION = 9,
	MED_GRPC_ABORTED = 10,
	MED_GRPC_OUT_OF_RANGE = 11,
	MED_GRPC_UNIMPLEMENTED = 12,
	MED_GRPC_INTERNAL = 13,
	MED_GRPC_UNAVAILABLE = 14,
	MED_GRPC_DATA_LOSS = 15,
	MED_GRPC_UNAUTHENTICATED = 16,
} med_grpc_status;

/* med_strerror returns a static, human-readable name for err. */
const char *med_strerror(med_err err);

/* med_err_to_grpc_status returns the gRPC status code (0..16) for err. */
int med_err_to_grpc_status(med_err err);

/* med_grpc_status_name returns "OK", "INVALID_ARGUMENT", ... for code. */
const char *med_grpc_status_name(int code);

/*
 * med_problem - what a rule found wrong, kept apart from any RPC: the error
 * (MED_ERR_INVALID for bad input, MED_ERR_PRECONDITION for a state that
 * forbids the change, ...), the field it names ("drug.code", "dose") and
 * why, in words for the caller with no patient data.  Rules (a service's
 * domain.c) fill one and return its err; the handler turns it into the
 * call's status with med_call_fail_problem (med/rpc.h), and a unit test
 * reads it directly.  err == MED_OK means no problem.
 */
typedef struct med_problem {
	med_err err;
	char field[64];
	/* Room for the longest rule message with its catalogue code (dosage's
	 * route rules): a reason is never cut short. */
	char reason[320];
} med_problem;

/*
 * med_problem_set fills p (when not NULL) and returns err, so a rule can
 * write "return med_problem_set(p, MED_ERR_INVALID, "dose", "must be
 * above 0");".  The field and reason are truncated to fit.
 */
med_err med_problem_set(med_problem *p, med_err err, const char *field,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
