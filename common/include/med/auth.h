/*
 * med/auth.h - who is calling, and what they may do.
 *
 * The RPC layer asks an authenticator for the caller's principal on every
 * call, then checks the method's required roles.  Deny by default: a method
 * that declares no roles and is not marked public is refused.
 *
 * The authenticator is a table of functions so that the token-file source
 * used in development can be joined later by mTLS peer identity and JWT
 * without touching the dispatcher.
 */
#ifndef MED_AUTH_H
#define MED_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

/* Roles, as bits so that a method can accept several. */
enum {
	MED_ROLE_CLINICIAN = 1u << 0,
	MED_ROLE_NURSE = 1u << 1,
	MED_ROLE_PHARMACIST = 1u << 2,
	MED_ROLE_REGISTRAR = 1u << 3,
	MED_ROLE_ADMIN = 1u << 4,
	MED_ROLE_AUDITOR = 1u << 5,
	MED_ROLE_SERVICE = 1u << 6,
	/* MED_ROLE_ALL: every role of the hospital's staff and services.  A
	 * method open to all of them is still closed to researchers. */
	MED_ROLE_ALL = (1u << 7) - 1,
	/* MED_ROLE_RESEARCHER: runs auditor-approved de-identified exports and
	 * nothing else, so it stands outside MED_ROLE_ALL and a method must
	 * name it to admit it. */
	MED_ROLE_RESEARCHER = 1u << 7,
	/* MED_ROLES_KNOWN: every role bit a principal may carry. */
	MED_ROLES_KNOWN = MED_ROLE_ALL | MED_ROLE_RESEARCHER,
	/* MED_ROLES_PUBLIC: no credentials needed (health checks only). */
	MED_ROLES_PUBLIC = 1u << 31,
};

#define MED_PRINCIPAL_NAME_MAX 128

/* The units (wards) a principal works on: at most this many, each shorter
 * than MED_UNIT_NAME_MAX bytes. */
#define MED_PRINCIPAL_UNITS_MAX 16
#define MED_UNIT_NAME_MAX	64

/*
 * The prefix of the principals of services ("service:records"): they come
 * from certificates only, and no token may name a user so.
 */
#define MED_SERVICE_PRINCIPAL_PREFIX "service:"

/*
 * med_principal_name_is_reserved is true when name[0..len) starts with
 * MED_SERVICE_PRINCIPAL_PREFIX; token sources refuse such user names.
 */
bool med_principal_name_is_reserved(const char *name, size_t len);

/*
 * SMART on FHIR v2 resource scopes (patient/Observation.rs, user/Patient.cruds;
 * the v1 forms .read .write .* as rs, cud, cruds), as a token's scope
 * claim grants them.  The FHIR facade enforces them (docs/security.md);
 * the gRPC services judge by roles and care alone.
 */
#define MED_SCOPES_MAX	   32
#define MED_SCOPE_TYPE_MAX 48

enum {
	MED_SCOPE_CREATE = 1u << 0, /* c */
	MED_SCOPE_READ = 1u << 1,   /* r */
	MED_SCOPE_UPDATE = 1u << 2, /* u */
	MED_SCOPE_DELETE = 1u << 3, /* d */
	MED_SCOPE_SEARCH = 1u << 4, /* s */
};

/* med_scope_context - whose data a scope reaches. */
typedef enum med_scope_context {
	MED_SCOPE_PATIENT = 1, /* the launch context's patient only */
	MED_SCOPE_USER = 2,    /* what the user may reach */
	MED_SCOPE_SYSTEM = 3,  /* a backend service, no user */
} med_scope_context;

/* med_scope - one resource scope. */
typedef struct med_scope {
	med_scope_context context;
	char type[MED_SCOPE_TYPE_MAX]; /* a resource type, or "*" */
	uint32_t perms;		       /* MED_SCOPE_* bits */
} med_scope;

/*
 * med_scope_parse reads one scope name s[0..len): true and *out filled for
 * a resource scope (CONTEXT/TYPE.PERMS, no granular "?..." suffix), false
 * for anything else (openid, launch/patient, a granular or malformed
 * scope: they grant no resource access).
 */
bool med_scope_parse(const char *s, size_t len, med_scope *out);

/* med_principal - an authenticated caller. */
typedef struct med_principal {
	char user[MED_PRINCIPAL_NAME_MAX]; /* user or service name */
	uint32_t roles;			   /* MED_ROLE_* bits */
	bool authenticated;
	/* The verified mTLS peer the call came through ("" if plaintext). */
	char peer[MED_PRINCIPAL_NAME_MAX];
	/* The call runs under a valid break-glass grant. */
	bool break_glass;
	/* The units (wards) the user works on, from the token (med/care.h). */
	char units[MED_PRINCIPAL_UNITS_MAX][MED_UNIT_NAME_MAX];
	size_t n_units;
	/* SMART (fhiredge): the token carried a scope claim, its resource
	 * scopes, and its launch context's "patient" claim ("" if none). */
	bool has_scope_claim;
	med_scope scopes[MED_SCOPES_MAX];
	size_t n_scopes;
	char launch_patient[MED_PRINCIPAL_NAME_MAX];
} med_principal;

/*
 * med_principal_is_service is true when p is the service principal of
 * service ("hl7" for "service:hl7", from its certificate): for the few
 * writes one service makes that the others may not.
 */
bool med_principal_is_service(const med_principal *p, const char *service);

/*
 * med_principal_add_unit adds name[0..len) to p's units.  False when it is
 * empty, too long, not printable ASCII without spaces, or p already has
 * MED_PRINCIPAL_UNITS_MAX units.
 */
bool med_principal_add_unit(med_principal *p, const char *name, size_t len);

/*
 * med_auth_input - what the transport knows about a call.  Strings are not
 * NUL-terminated slices of the call's metadata and live only during the call.
 */
typedef struct med_auth_input {
	const char *bearer; /* token after "Bearer ", or NULL */
	size_t bearer_len;
	const char *peer_identity; /* mTLS peer (CN/SAN), NULL when plaintext */
	size_t peer_identity_len;
	bool transport_secure;
} med_auth_input;

/* med_authenticator - a source of identities. */
typedef struct med_authenticator {
	/*
	 * authenticate fills *out from in: MED_OK, MED_ERR_UNAUTHENTICATED for
	 * missing, unknown or invalid credentials, MED_ERR_NOT_FOUND when the
	 * credentials are not of this source's kind (a chain then asks the
	 * next source).  Called concurrently from many threads.
	 */
	med_err (*authenticate)(void *self, const med_auth_input *in,
				med_principal *out);
	/* free releases self. */
	void (*free)(void *self);
	void *self;
} med_authenticator;

/*
 * med_auth_token_file_open reads a file of lines
 * "TOKEN USER ROLE[,ROLE...] [UNIT[,UNIT...]]" (blank lines and # comments
 * skipped; roles by name, e.g. nurse; units are wards, e.g. ward-3) and returns
 * an authenticator over it.  Tokens are compared in constant time.  Errors:
 * MED_ERR_IO (unreadable), MED_ERR_INVALID with "PATH:LINE: why" in errbuf
 * (a malformed line, an unknown role, the role service - services are known
 * by their certificates - or a user named "service:...").
 */
med_err med_auth_token_file_open(const char *path, med_authenticator *out,
				 char *errbuf, size_t errlen) MED_MUST_CHECK;

/* med_authenticator_free releases a; a zeroed one is fine. */
void med_authenticator_free(med_authenticator *a);

/*
 * med_auth_chain joins n sources into one that asks them in order: the first
 * MED_OK wins, MED_ERR_NOT_FOUND passes to the next, any other error ends
 * the call.  When every source passes, the answer is
 * MED_ERR_UNAUTHENTICATED.  Takes over parts[0..n) (zeroing them) even on
 * failure; zeroed entries are skipped.  Errors: MED_ERR_NOMEM.
 */
med_err med_auth_chain(med_authenticator *parts, size_t n,
		       med_authenticator *out) MED_MUST_CHECK;

/*
 * med_auth_peers_open makes the service-identity source: a call that carries
 * no bearer token and whose verified mTLS peer (certificate common name) is
 * one of the comma-separated names in csv is the principal "service:NAME"
 * with the role service.  A call with a bearer token, or from any other
 * peer, is not of its kind (MED_ERR_NOT_FOUND).  Errors: MED_ERR_INVALID
 * (an empty or over-long name).
 */
med_err med_auth_peers_open(const char *csv, med_authenticator *out,
			    char *errbuf, size_t errlen) MED_MUST_CHECK;

/* med_jwt_opts - how bearer JWTs from the identity provider are checked. */
typedef struct med_jwt_opts {
	const char *jwks_path;	 /* JWKS file: RSA (RS256), EC P-256 (ES256) */
	const char *jwks_url;	 /* or the provider's JWKS URL (http/https) */
	const char *issuer;	 /* required "iss" */
	const char *audience;	 /* required in "aud" (string or array) */
	const char *roles_claim; /* top-level claim with roles; NULL "roles" */
	const char *units_claim; /* top-level claim with units; NULL "units" */
	/* SMART's "scope" (a space-separated string, or an array of
	 * strings) and "patient" claims are always read; see
	 * med_principal. */
	int leeway_s; /* clock skew allowed on exp, nbf and iat */
	int reload_s; /* look at the JWKS file again this often (0..86400;
			 0: only when a token names an unknown kid) */
} med_jwt_opts;

/*
 * med_auth_jwt_open makes the JWT source.  A bearer that is not shaped like a
 * JWT (three dot-separated base64url parts) is not of its kind; one that is
 * must verify (RS256 or ES256 only, against a key of the JWKS), carry no
 * "typ" or one of JWT and at+jwt, name the issuer and the audience, carry
 * exp (and nbf and iat, if at all) as NumericDates between 1970 and 9999,
 * and be inside exp/nbf/iat (with leeway), or the call gets
 * MED_ERR_UNAUTHENTICATED (the reason is logged).  The user is
 * "preferred_username", else "sub", and never "service:..."; roles are the
 * known role names in the roles claim (an array of strings, or one string);
 * unknown names are ignored and "service" is never taken from a token (services
 * are known by their certificates).  Units (wards) are the strings of the
 * units claim (an array of strings, or one string); a token with a unit
 * med_principal_add_unit refuses, or with too many, is refused.
 *
 * A JWKS URL is fetched at open (no keys: the open fails) and again when
 * its Cache-Control max-age ran out (none: every reload_s, or daily when
 * reload_s is 0), and, at most once a second, when a token names a kid the
 * keys lack; a fetch that fails or brings no usable key keeps the last
 * good keys and is tried again 10 s later.
 *
 * The JWKS file is read again when it changed (stat: inode, size, mtime),
 * every reload_s seconds and, at most once a second, when a token names a
 * kid the keys lack; the new keys replace the old ones at once for every
 * later check.  A new file that does not load (no usable key, not JSON)
 * keeps the old keys; both outcomes are logged and counted in
 * smartmed_jwks_reloads_total{result="ok|failed"}.  Errors: MED_ERR_IO
 * (JWKS unreadable), MED_ERR_INVALID (bad JWKS or options).
 */
med_err med_auth_jwt_open(const med_jwt_opts *opts, med_authenticator *out,
			  char *errbuf, size_t errlen) MED_MUST_CHECK;

/* --- break-glass (emergency access) ---------------------------------- */

/*
 * Break-glass lets a clinician or nurse reach clinical data outside the
 * roles of a method, for a short time, for a coded reason, with every call
 * audited.  A grant is "bg1.PAYLOAD.SIGNATURE" (base64url): the payload
 * names the grant id, the user, the reason code, the start and the end;
 * the signature is Ed25519 by the issuing service's key.  Every service
 * holds the public key and checks grants offline.
 */
typedef struct med_break_glass med_break_glass;

#define MED_BREAK_GLASS_ID_LEN	 32 /* hex chars */
#define MED_BREAK_GLASS_MAX_LEN	 512
#define MED_BREAK_GLASS_CODE_MAX 32

/* The audit actions of a session's start and stop (not RPC paths). */
#define MED_BREAK_GLASS_START_ACTION "break-glass/start"
#define MED_BREAK_GLASS_STOP_ACTION  "break-glass/stop"

/* med_break_glass_grant - what a grant says. */
typedef struct med_break_glass_grant {
	char id[MED_BREAK_GLASS_ID_LEN + 1];
	char user[MED_PRINCIPAL_NAME_MAX];
	char reason[MED_BREAK_GLASS_CODE_MAX];
	int64_t not_before_s; /* Unix seconds */
	int64_t expires_s;
} med_break_glass_grant;

/* med_break_glass_opts - the keys and the time box. */
typedef struct med_break_glass_opts {
	const char *public_key_path; /* verifies grants (every service) */
	const char *secret_key_path; /* issues grants; NULL: verify only */
	int max_duration_s; /* longest grant issued or accepted; 0 = 4 h */
} med_break_glass_opts;

/*
 * med_break_glass_open reads the keys: PEM files of an Ed25519 public key
 * ("openssl pkey -pubout") and, on an issuing service, its private key
 * ("openssl genpkey -algorithm ed25519").  Errors: MED_ERR_IO, MED_ERR_INVALID
 * (not Ed25519, or a private key that does not match the public one).
 */
med_err med_break_glass_open(const med_break_glass_opts *opts,
			     med_break_glass **out, char *errbuf,
			     size_t errlen) MED_MUST_CHECK;

/* med_break_glass_free releases bg; NULL is fine. */
void med_break_glass_free(med_break_glass *bg);

/* med_break_glass_can_issue is true when bg holds the secret key. */
bool med_break_glass_can_issue(const med_break_glass *bg);

/*
 * med_break_glass_reason_valid is true for the reason codes a grant may
 * carry (see docs/security.md): UNCONSCIOUS, LIFE_THREAT, EMERGENCY_CARE,
 * CARE_TEAM_UNAVAILABLE, DISASTER.
 */
bool med_break_glass_reason_valid(const char *code, size_t len);

/*
 * med_break_glass_issue writes a grant for p (who must hold clinician or
 * nurse) with reason, valid from now_s for duration_s seconds (1 ..
 * max_duration_s) into buf, and fills *info.  Errors: MED_ERR_DENIED (role),
 * MED_ERR_INVALID (reason, duration), MED_ERR_PRECONDITION (no secret key),
 * MED_ERR_LIMIT (buf too small).
 */
med_err med_break_glass_issue(const med_break_glass *bg, const med_principal *p,
			      const char *reason, int64_t now_s, int duration_s,
			      char *buf, size_t len,
			      med_break_glass_grant *info) MED_MUST_CHECK;

/*
 * med_break_glass_verify checks grant[0..len) at now_s and fills *info.
 * Errors: MED_ERR_UNAUTHENTICATED (malformed, bad signature, expired, not
 * yet valid, or a time box longer than bg's max_duration_s: no grant this
 * deployment issues lasts longer, so a longer one was not issued by it).
 * The caller checks that info->user is the caller.
 */
med_err med_break_glass_verify(const med_break_glass *bg, const char *grant,
			       size_t len, int64_t now_s,
			       med_break_glass_grant *info) MED_MUST_CHECK;

/* med_role_parse maps "nurse" etc. to a MED_ROLE_* bit; 0 if unknown. */
uint32_t med_role_parse(const char *name, size_t len);

/* med_role_names writes "clinician,nurse" for roles into buf. */
void med_role_names(uint32_t roles, char *buf, size_t len);

/*
 * med_auth_check decides a call: MED_OK when allowed, MED_ERR_UNAUTHENTICATED
 * when the method needs a caller and there is none, MED_ERR_DENIED when the
 * caller lacks every role in required_roles.
 */
med_err med_auth_check(const med_principal *p, uint32_t required_roles);

#endif
