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
	MED_ROLE_ALL = (1u << 7) - 1,
	/* MED_ROLES_PUBLIC: no credentials needed (health checks only). */
	MED_ROLES_PUBLIC = 1u << 31,
};

#define MED_PRINCIPAL_NAME_MAX 128

/* med_principal - an authenticated caller. */
typedef struct med_principal {
	char user[MED_PRINCIPAL_NAME_MAX]; /* user or service name */
	uint32_t roles;			   /* MED_ROLE_* bits */
	bool authenticated;
} med_principal;

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
	 * missing or unknown credentials.  Called concurrently from many
	 * threads.
	 */
	med_err (*authenticate)(void *self, const med_auth_input *in,
				med_principal *out);
	/* free releases self. */
	void (*free)(void *self);
	void *self;
} med_authenticator;

/*
 * med_auth_token_file_open reads a file of lines "TOKEN USER ROLE[,ROLE...]"
 * (blank lines and # comments skipped; roles by name, e.g. nurse) and returns
 * an authenticator over it.  Tokens are compared in constant time.
 */
med_err med_auth_token_file_open(const char *path, med_authenticator *out,
				 char *errbuf, size_t errlen) MED_MUST_CHECK;

/* med_authenticator_free releases a; a zeroed one is fine. */
void med_authenticator_free(med_authenticator *a);

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
