/*
 * hl7.h - the HL7 v2 interface service's parts: the parser and escapes
 * (parse.c), the ACK builder (ack.c), the MLLP framer (mllp.c), the
 * mapping of ADT and ORU messages (map.c), the message store (store.c)
 * and the listener (listener.c).  docs/hl7.md is the conformance profile.
 *
 * The parser, the ACK builder and the framer are pure functions over
 * caller memory, unit-tested in tests/unit/hl7/.
 */
#ifndef HL7_H
#define HL7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

/* --- settings ------------------------------------------------------------ */

#define HL7_PORT_KEY	      "MED_HL7_MLLP_PORT"
#define HL7_TRUSTED_KEY	      "MED_HL7_TRUSTED_NETWORK"
#define HL7_MAX_BYTES_KEY     "MED_HL7_MAX_MESSAGE_BYTES"
#define HL7_RETENTION_KEY     "MED_HL7_RETENTION_DAYS"
#define HL7_MAX_SENDERS_KEY   "MED_HL7_MAX_CONNECTIONS"
#define HL7_MAX_PENDING_KEY   "MED_HL7_MAX_PENDING"
#define HL7_PER_ADDRESS_KEY   "MED_HL7_MAX_CONNECTIONS_PER_ADDRESS"
#define HL7_FIRST_MESSAGE_KEY "MED_HL7_FIRST_MESSAGE_MS"
#define HL7_MESSAGE_KEY	      "MED_HL7_MESSAGE_MS"
#define HL7_IDLE_KEY	      "MED_HL7_IDLE_MS"
#define HL7_SENDERS_KEY	      "MED_HL7_SENDERS"
#define HL7_IDENTITY_URL_KEY  "MED_IDENTITY_URL"
#define HL7_IDENTITY_NAME_KEY "MED_IDENTITY_SERVER_NAME"
#define HL7_RECORDS_URL_KEY   "MED_RECORDS_URL"
#define HL7_RECORDS_NAME_KEY  "MED_RECORDS_SERVER_NAME"

/* --- parsing ------------------------------------------------------------- */

/* The most segments one message may hold, and fields per segment. */
#define HL7_MAX_SEGMENTS 512
#define HL7_MAX_FIELDS	 128

/* hl7_delims - a message's own separators, from MSH-1 and MSH-2. */
typedef struct hl7_delims {
	char field; /* MSH-1, usually | */
	char comp;  /* ^ */
	char rep;   /* ~ */
	char esc;   /* \ (0: the message has no escape character) */
	char sub;   /* & */
} hl7_delims;

/* hl7_charset - the character sets of MSH-18 this service reads. */
typedef enum hl7_charset {
	HL7_CHARSET_ASCII = 0, /* MSH-18 empty or "ASCII" */
	HL7_CHARSET_UTF8,      /* "UNICODE UTF-8" */
	HL7_CHARSET_LATIN1,    /* "8859/1" */
	HL7_CHARSET_DECODED,   /* a multibyte set (GB 18030, GBK) that
				* hl7_decode turned into UTF-8 before parsing */
} hl7_charset;

/* hl7_segment - one segment: a slice of the message text, its fields'
 * starts (field n of a non-MSH segment is fields[n]; MSH-n is fields[n-1]
 * because MSH-1 is the separator itself). */
typedef struct hl7_segment {
	char id[4];
	const char *text;
	size_t len;
	const char *field[HL7_MAX_FIELDS];
	size_t field_len[HL7_MAX_FIELDS];
	size_t n_fields; /* parts split by the field separator */
} hl7_segment;

/* hl7_msg - a parsed message; it points into the caller's text, which must
 * outlive it. */
typedef struct hl7_msg {
	hl7_delims d;
	hl7_charset charset;
	hl7_segment *seg; /* caller's array of cap_segments */
	size_t n_seg;
	size_t cap_seg;
} hl7_msg;

/*
 * hl7_problem - why a message was refused, and where: the ERR segment of
 * the ACK.  code is an HL7 table 0357 code; ack is "AE" (the content is
 * wrong: the sender fixes it) or "AR" (the message cannot be processed
 * here at all).
 */
typedef struct hl7_problem {
	const char *ack;
	int code;
	char segment[4];
	int seq;   /* which segment of that name, from 1 */
	int field; /* 0: the segment as a whole */
	int comp;  /* 0: the field as a whole */
	char text[256];
} hl7_problem;

/* HL7 table 0357 codes used here. */
enum {
	HL7_E_SEGMENT_SEQUENCE = 100,
	HL7_E_REQUIRED_MISSING = 101,
	HL7_E_DATA_TYPE = 102,
	HL7_E_TABLE_VALUE = 103,
	HL7_E_UNSUPPORTED_TYPE = 200,
	HL7_E_UNSUPPORTED_EVENT = 201,
	HL7_E_UNSUPPORTED_PROCESSING = 202,
	HL7_E_UNSUPPORTED_VERSION = 203,
	HL7_E_UNKNOWN_KEY = 204,
	HL7_E_DUPLICATE_KEY = 205,
	HL7_E_APPLICATION_RECORD_LOCKED = 206,
	HL7_E_INTERNAL = 207,
};

/*
 * hl7_problem_set fills p and returns MED_ERR_INVALID, so that a check
 * reads "return hl7_problem_set(p, "AE", 101, "PID", 1, 3, "...")".
 */
med_err hl7_problem_set(hl7_problem *p, const char *ack, int code,
			const char *segment, int seq, int field,
			const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/*
 * hl7_parse splits text[0..len) into segments (ended by CR; a CR LF or a
 * lone LF is taken as CR) after reading the separators from MSH-1 and
 * MSH-2 and the character set from MSH-18.  Every field's escapes are
 * checked, so a message that parses reads without escape errors.
 * Errors: MED_ERR_INVALID with p filled (missing MSH, bad separators,
 * an unknown character set, a bad escape naming its segment and field,
 * too many segments or fields).
 */
med_err hl7_parse(const char *text, size_t len, hl7_msg *m,
		  hl7_problem *p) MED_MUST_CHECK;

/*
 * hl7_unescape decodes in[0..n) (one component, without separators) with
 * d into out (cap bytes, NUL-terminated), raw bytes in the message's
 * character set: \F\ \S\ \T\ \R\ \E\ give the separators, \Xhh..\ the
 * bytes, \.br\ a line feed; the highlighting escapes \H\ \N\ are dropped.
 * out NULL only checks the escapes.  Errors: MED_ERR_INVALID (an unknown
 * or unterminated escape, odd hex, a NUL byte), MED_ERR_LIMIT (out is too
 * small).
 */
med_err hl7_unescape(const hl7_delims *d, const char *in, size_t n, char *out,
		     size_t cap, size_t *out_len) MED_MUST_CHECK;

/*
 * hl7_escape writes in (UTF-8) into out with every separator and the
 * escape character escaped, CR and LF as \.br\.  Errors: MED_ERR_LIMIT.
 */
med_err hl7_escape(const hl7_delims *d, const char *in, char *out,
		   size_t cap) MED_MUST_CHECK;

/* hl7_find returns the seq-th (from 1) segment named id, or NULL. */
const hl7_segment *hl7_find(const hl7_msg *m, const char *id, int seq);

/*
 * hl7_get writes the value of field (from 1), repetition rep (from 0),
 * component comp and subcomponent sub (from 1; 0 takes the whole of the
 * level above, escapes and all separators decoded) of s into out as UTF-8.
 * An absent value is "" (MED_OK).  Errors: MED_ERR_INVALID (bytes that are
 * not of the message's character set), MED_ERR_LIMIT (out too small).
 */
med_err hl7_get(const hl7_msg *m, const hl7_segment *s, int field, int rep,
		int comp, int sub, char *out, size_t cap) MED_MUST_CHECK;

/* hl7_reps counts the repetitions of field of s (0 when empty). */
size_t hl7_reps(const hl7_msg *m, const hl7_segment *s, int field);

/* hl7_field_raw gives field of s as it stands in the message (escapes and
 * separators kept), or "" with *len 0. */
const char *hl7_field_raw(const hl7_segment *s, int field, size_t *len);

/* --- multibyte character sets (charset.c) ------------------------------- */

/* hl7_charset_is_multibyte: is name[0..n) an MSH-18 of a multibyte set
 * read by decoding the whole message (GB 18030, GBK; case aside)? */
bool hl7_charset_is_multibyte(const char *name, size_t n);

/*
 * hl7_wire_charset reads MSH-18 from the message in[0..len) as sent and,
 * when it names a multibyte set, copies it into name (cap bytes) and
 * returns iconv's name of the set to decode with; NULL otherwise (the
 * parser reads the message as it stands).
 */
const char *hl7_wire_charset(const char *in, size_t len, char *name,
			     size_t cap);

/* hl7_charset_encoder gives iconv's name to encode an ACK in for the
 * MSH-18 value name, or NULL when the ACK stays UTF-8. */
const char *hl7_charset_encoder(const char *name);

/*
 * hl7_decode turns in[0..len), of iconv's set set (MSH-18 name), into
 * UTF-8 in out (cap bytes, NUL-terminated; 2 * len + 1 is always enough).
 * Errors: MED_ERR_INVALID with p an AE 102 naming the segment and field
 * of the first byte that is not of the set; MED_ERR_LIMIT; MED_ERR_INTERNAL
 * (iconv lacks the set).
 */
med_err hl7_decode(const char *set, const char *name, const char *in,
		   size_t len, char *out, size_t cap, size_t *out_len,
		   hl7_problem *p) MED_MUST_CHECK;

/*
 * hl7_encode turns the UTF-8 in[0..len) into iconv's set set in out (cap
 * bytes).  Errors: MED_ERR_INVALID (a character the set lacks),
 * MED_ERR_LIMIT, MED_ERR_INTERNAL.
 */
med_err hl7_encode(const char *set, const char *in, size_t len, char *out,
		   size_t cap, size_t *out_len) MED_MUST_CHECK;

/* --- acknowledgements ---------------------------------------------------- */

/* hl7_header - the MSH fields an ACK answers. */
typedef struct hl7_header {
	char sending_app[128], sending_facility[128];
	char receiving_app[128], receiving_facility[128];
	char type[8], trigger[8], structure[16];
	char control_id[200];
	char processing_id[8];
	char version[16];
	char charset[32];
	int64_t sent_ms;
} hl7_header;

/*
 * hl7_content_digest writes into out a BLAKE2b digest of the message
 * in[0..len) as a resend carries it: every byte but MSH-7 (the time of the
 * message, which an interface engine stamps anew when it resends) and the
 * segment terminators' form (CR, LF or CRLF).  Two messages with one
 * digest say the same thing.
 */
#define HL7_DIGEST_LEN 32
void hl7_content_digest(const char *in, size_t len,
			unsigned char out[HL7_DIGEST_LEN]);

/*
 * hl7_header_read fills h from m's MSH.  Errors: MED_ERR_INVALID with p
 * filled (no MSH-9 type or trigger, no MSH-10, no MSH-12, a version
 * outside 2.3..2.8, processing id other than P, T or D).
 */
med_err hl7_header_read(const hl7_msg *m, hl7_header *h,
			hl7_problem *p) MED_MUST_CHECK;

/*
 * hl7_ack_build writes the ACK to h (NULL when the message could not be
 * read far enough to know its sender: the ACK then names nobody) into out:
 * MSH, MSA (AA when p is NULL, else p->ack) and, with p, an ERR segment
 * naming p's segment, field, code and text.  now_ms stamps MSH-7.
 * Errors: MED_ERR_LIMIT (out too small).
 */
med_err hl7_ack_build(const hl7_header *h, const hl7_problem *p, int64_t now_ms,
		      char *out, size_t cap, size_t *out_len) MED_MUST_CHECK;

/*
 * hl7_time_parse reads an HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ])
 * into Unix ms; without a zone it is taken as UTC.  Errors: MED_ERR_INVALID.
 */
med_err hl7_time_parse(const char *s, int64_t *ms) MED_MUST_CHECK;

/* hl7_time_format writes ms as YYYYMMDDHHMMSS+0000 into out[20]. */
void hl7_time_format(int64_t ms, char out[20]);

/* --- MLLP framing -------------------------------------------------------- */

#define HL7_MLLP_START 0x0B
#define HL7_MLLP_END   0x1C
#define HL7_MLLP_CR    0x0D

/* hl7_frame_state - where the framer is between two bytes. */
typedef enum hl7_frame_state {
	HL7_FRAME_IDLE = 0, /* waiting for 0x0B */
	HL7_FRAME_BODY,	    /* inside a message */
	HL7_FRAME_END,	    /* after 0x1C, waiting for 0x0D */
} hl7_frame_state;

/*
 * hl7_framer - a streaming MLLP decoder over a caller buffer of cap bytes.
 * A message longer than cap is not kept whole: its first cap bytes stay
 * (enough to read the MSH and answer it) and oversize counts the whole.
 */
typedef struct hl7_framer {
	hl7_frame_state state;
	char *buf;
	size_t cap;
	size_t len;    /* bytes kept of the current message */
	size_t total;  /* bytes of the current message, kept or not */
	bool oversize; /* total > cap */
} hl7_framer;

/* What hl7_framer_feed found. */
typedef enum hl7_frame_event {
	HL7_FRAME_MORE = 0, /* every byte taken, no message complete */
	HL7_FRAME_MESSAGE,  /* a message is in buf[0..len) */
	HL7_FRAME_BROKEN,   /* bytes outside a frame: close the connection */
} hl7_frame_event;

/* hl7_framer_init sets f up over buf[0..cap). */
void hl7_framer_init(hl7_framer *f, char *buf, size_t cap);

/*
 * hl7_framer_feed takes bytes of in[0..n) up to and including the end of
 * the next message, and says how many it took in *used.  After
 * HL7_FRAME_MESSAGE the caller reads buf[0..len) (and oversize, total),
 * then calls hl7_framer_next before feeding the rest.  Whitespace between
 * frames is skipped; any other byte outside a frame, or a start byte
 * inside one, is HL7_FRAME_BROKEN.
 */
hl7_frame_event hl7_framer_feed(hl7_framer *f, const char *in, size_t n,
				size_t *used);

/* hl7_framer_next forgets the message just read. */
void hl7_framer_next(hl7_framer *f);

/* hl7_person - what two records of a merge are compared by (identity's
 * Patient: sex as its AdministrativeSex numbers, the birth date as
 * "YYYY-MM-DD", the names). */
enum { HL7_SEX_FEMALE = 1, HL7_SEX_MALE = 2 };
typedef struct hl7_person {
	int sex; /* 0 unset, 1 female, 2 male, 3 other, 4 unknown */
	const char *birth_date;
	const char *family_name, *given_name;
} hl7_person;

/*
 * hl7_merge_disagrees says whether two records an A40 would merge
 * disagree (merge_rule.c): a known sex that differs, a birth date that
 * differs, or family and given names that both differ (case aside; an
 * empty value agrees with anything).  why names each difference.
 */
bool hl7_merge_disagrees(const hl7_person *survivor, const hl7_person *merged,
			 char *why, size_t len);

/* hl7_binding - one sender bound to a peer (MED_HL7_SENDERS, senders.c). */
#define HL7_BINDINGS_MAX 64
typedef struct hl7_binding {
	char peer[130];	  /* a certificate name, or "addr:IP" */
	char sender[260]; /* "APP@FACILITY", MSH-3 and MSH-4 */
	char types[64];	  /* "ADT,ORU"; "" = any type */
} hl7_binding;

/*
 * hl7_bindings_parse reads MED_HL7_SENDERS ("pas=PAS@HOSP:ADT;
 * lab=LAB@HOSP:ORU;addr:10.1.2.3=PAS@HOSP") into out[0..*n), at most cap
 * entries.  Errors: MED_ERR_INVALID with why naming the entry.
 */
med_err hl7_bindings_parse(const char *text, hl7_binding *out, size_t cap,
			   size_t *n, char *why, size_t len) MED_MUST_CHECK;

/*
 * hl7_binding_check says whether a peer known by peers[0..n_peers) may
 * send a message of type as sender under b[0..n): true when a binding
 * lets it (none when n is 0), else false with why in words, naming the
 * binding to add under the peer's first name ("is not bound to the sender
 * PAS@HOSP: to let it, add the binding pas=PAS@HOSP:ADT to
 * MED_HL7_SENDERS").
 */
bool hl7_binding_check(const hl7_binding *b, size_t n, const char *const *peers,
		       size_t n_peers, const char *sender, const char *type,
		       char *why, size_t len);

/* hl7_binding_lists_type: may b's sender send messages of type? */
bool hl7_binding_lists_type(const hl7_binding *b, const char *type);

/* hl7_deadlines - how long a connection may take (the listener's
 * MED_HL7_*_MS settings), so that a silent or trickling peer cannot hold
 * a slot: the first message from accept (the TLS handshake included), any
 * one message from its first byte, and the silence between messages. */
typedef struct hl7_deadlines {
	int64_t first_message_ms;
	int64_t message_ms;
	int64_t idle_ms;
} hl7_deadlines;

/*
 * hl7_read_timeout says how long the next read of a connection accepted
 * at accepted_ms may wait at now_ms: before its first message (first_done
 * false) what is left of first_message_ms; inside a frame (state not
 * IDLE, which began at frame_started_ms) what is left of message_ms, the
 * earlier of the two before the first message; between messages idle_ms.
 * 0 or less: the deadline has passed (close the connection).
 */
int64_t hl7_read_timeout(const hl7_deadlines *d, bool first_done,
			 hl7_frame_state state, int64_t accepted_ms,
			 int64_t frame_started_ms, int64_t now_ms);

/* hl7_waiting - what the pending pool's choice of a connection to close
 * sees of one connection waiting for its first message. */
typedef struct hl7_waiting {
	const char *addr; /* the peer's address, "" when unknown */
	int64_t accepted_ms;
	int slot; /* the caller's index, returned */
} hl7_waiting;

/*
 * hl7_pending_victim picks the waiting connection a newcomer at now_ms
 * closes when the pending pool (w[0..n)) is full: only one that has waited
 * at least grace_ms (an honest sender's handshake and first message take
 * less, so a flood of newcomers cannot push it out mid-handshake), of
 * those one of the address holding the most waiting connections, of
 * those the oldest.  Returns its slot, or -1 when every one is younger
 * than grace_ms (the newcomer is refused instead).  Reorders w.
 */
int hl7_pending_victim(hl7_waiting *w, int n, int64_t now_ms, int64_t grace_ms);

/*
 * hl7_frame_wrap writes 0x0B, msg, 0x1C, 0x0D into out.  Errors:
 * MED_ERR_LIMIT.
 */
med_err hl7_frame_wrap(const char *msg, size_t len, char *out, size_t cap,
		       size_t *out_len) MED_MUST_CHECK;

#endif
