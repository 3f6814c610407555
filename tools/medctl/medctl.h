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

/*
 * pbset_field sets the field at dotted path ("page.page_size") of msg from
 * text, allocating nested messages from arena.  Repeated fields append.
 * On error writes a reason naming the flag to err.
 */
med_err pbset_field(med_arena *arena, ProtobufCMessage *msg, const char *path,
		    const char *text, char *err, size_t errlen) MED_MUST_CHECK;

/* pb_value_size is the size of one stored value of type t in a message. */
size_t pb_value_size(ProtobufCType t);

/* pbjson_print writes msg as one JSON object (proto field names, int64 as
 * strings, enums by name, bytes in base64); pretty with indentation. */
void pbjson_print(FILE *out, const ProtobufCMessage *msg, bool pretty);

/* pbhelp_fields lists the flags a request message takes. */
void pbhelp_fields(FILE *out, const ProtobufCMessageDescriptor *desc,
		   const char *prefix);

#endif
