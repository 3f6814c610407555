/*
 * med/json.h - one bounded JSON writer for every service: objects and
 * arrays with their commas, keys, escaped strings, integers, numbers as
 * the caller formatted them, booleans, null and hex strings.
 *
 * A writer grows in an arena up to a hard cap (med_json_init_arena) or
 * fills a caller's buffer (med_json_init_buf).  The first error is kept
 * (MED_ERR_LIMIT past the cap, MED_ERR_NOMEM) and every later call does
 * nothing, so a builder checks once at the end.  The text is always
 * NUL-terminated.  Values take a key inside an object and NULL inside an
 * array:
 *
 *   med_json_begin(&w, NULL, '{');
 *   med_json_str(&w, "resourceType", "Bundle");
 *   med_json_begin(&w, "entry", '[');
 *   med_json_i64(&w, NULL, 42);
 *   med_json_end(&w, ']');
 *   med_json_end(&w, '}');        -> {"resourceType":"Bundle","entry":[42]}
 *
 * Not thread-safe; one writer per thread.
 */
#ifndef MED_JSON_H
#define MED_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/arena.h>
#include <med/err.h>

/* med_json - a writer; fields are the writer's own, read med_json_text. */
typedef struct med_json {
	med_arena *arena; /* NULL: a fixed buffer */
	char *buf;
	size_t len, cap, max;
	med_err err;
	bool comma; /* a value was written at this level */
} med_json;

/* med_json_init_arena starts a writer that grows in a up to max bytes. */
void med_json_init_arena(med_json *w, med_arena *a, size_t max);

/* med_json_init_buf starts a writer over buf[0..cap) (cap >= 1). */
void med_json_init_buf(med_json *w, char *buf, size_t cap);

/* med_json_begin opens an object ('{') or array ('[') under key. */
void med_json_begin(med_json *w, const char *key, char bracket);

/* med_json_end closes the innermost object ('}') or array (']'). */
void med_json_end(med_json *w, char bracket);

/* med_json_str writes a string value (escaped); NULL writes "". */
void med_json_str(med_json *w, const char *key, const char *value);

/* med_json_i64 and med_json_u64 write integers. */
void med_json_i64(med_json *w, const char *key, int64_t value);
void med_json_u64(med_json *w, const char *key, uint64_t value);

/*
 * med_json_num writes a number exactly as text spells it (a decimal the
 * caller formatted, so that "37.0" keeps its precision); text that is no
 * JSON number sets MED_ERR_INVALID.
 */
void med_json_num(med_json *w, const char *key, const char *text);

/* med_json_double writes the shortest text that reads back as value;
 * NaN and infinities set MED_ERR_INVALID (JSON has none). */
void med_json_double(med_json *w, const char *key, double value);

/* med_json_bool and med_json_null write true/false and null. */
void med_json_bool(med_json *w, const char *key, bool value);
void med_json_null(med_json *w, const char *key);

/* med_json_hex writes n bytes as a lower-case hex string. */
void med_json_hex(med_json *w, const char *key, const uint8_t *p, size_t n);

/* med_json_raw appends n bytes as they are (already valid JSON). */
void med_json_raw(med_json *w, const char *key, const char *text, size_t n);

/* med_json_text returns the text (NUL-terminated) or NULL after an error;
 * *len (optional) gets its length. */
const char *med_json_text(const med_json *w, size_t *len);

/*
 * med_json_escape writes s as a JSON string body (no quotes) into out,
 * truncated to fit size (always terminated); returns the bytes written.
 * For fixed-size fields such as log lines.
 */
size_t med_json_escape(const char *s, char *out, size_t size);

#endif
