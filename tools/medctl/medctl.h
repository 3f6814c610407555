/*
 * medctl.h - the operator CLI's internal interfaces.
 */
#ifndef MEDCTL_H
#define MEDCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <protobuf-c/protobuf-c.h>
#include <med/arena.h>
#include <med/err.h>
#include <med/rpc.h>

/* ctl_opts - the options before SERVICE (main.c). */
typedef struct ctl_opts {
	const char *addr;
	const char *token;
	const char *request_id;
	const char *ca, *cert, *key, *server_name;
	const char *break_glass;
	long timeout_ms;
	bool compact;
	bool plaintext;
} ctl_opts;

/* EXIT_USAGE is medctl's exit status for a usage error. */
#define EXIT_USAGE 64

/*
 * medctl_open_channel opens a mutual-TLS channel to o->addr (plaintext
 * with --plaintext).  Returns 0, EXIT_USAGE (TLS files missing or bad,
 * said on stderr) or 14 (UNAVAILABLE).
 */
int medctl_open_channel(const ctl_opts *o, med_channel **ch);

/*
 * medctl_loss_report runs "medctl audit loss-report" (lossreport.c): reads
 * the audit log since --since-ms and asks dosage which administrations
 * and events the other side lacks.  Returns the exit status.
 */
int medctl_loss_report(const ctl_opts *o, int argc, char **argv);

/*
 * pbset_field sets the field at dotted path ("page.page_size") of msg from
 * text, allocating nested messages from arena.  Repeated fields append.
 * On error writes a reason naming the flag to err.
 */
med_err pbset_field(med_arena *arena, ProtobufCMessage *msg, const char *path,
		    const char *text, char *err, size_t errlen) MED_MUST_CHECK;

/*
 * MEDCTL_MAX_FILE_BYTES caps the bytes read with @PATH in one command:
 * 64 MiB, the largest MED_MAX_MESSAGE_BYTES a service accepts and the
 * largest message medctl's channel takes.  A service with a smaller cap
 * answers RESOURCE_EXHAUSTED.
 */
#define MEDCTL_MAX_FILE_BYTES (64u << 20)

/*
 * pbfile_bytes sets out from the value of the bytes flag --flag: text as-is,
 * "@PATH" the file's bytes, "@-" standard input (once), "@@..." the text
 * after the first @.  Data lives in arena.  On error (unreadable file, past
 * MEDCTL_MAX_FILE_BYTES) writes a reason naming the flag and the path.
 */
med_err pbfile_bytes(med_arena *arena, const char *flag, const char *text,
		     ProtobufCBinaryData *out, char *err,
		     size_t errlen) MED_MUST_CHECK;

/* pb_value_size is the size of one stored value of type t in a message. */
size_t pb_value_size(ProtobufCType t);

/* pbjson_print writes msg as one JSON object (proto field names, int64 as
 * strings, enums by name, bytes in base64); pretty with indentation. */
void pbjson_print(FILE *out, const ProtobufCMessage *msg, bool pretty);

/* pbhelp_fields lists the flags a request message takes. */
void pbhelp_fields(FILE *out, const ProtobufCMessageDescriptor *desc,
		   const char *prefix);

#endif
