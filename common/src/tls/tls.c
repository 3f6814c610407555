/*
 * tls.c - the PEM material of mutual TLS (med/tls.h): reading the three
 * files, checking that certificate, key and CA form a usable chain
 * (OpenSSL), and re-reading them when they change.  Certificates and keys
 * stay in memory only as long as the owner of the med_tls keeps them; the
 * private key is wiped when it is freed.  No gRPC here: the rpc layer
 * makes credentials of a med_tls, the audit layer NNG's TLS config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sodium.h>

#include <med/tls.h>

#define PEM_MAX_BYTES (1u << 20)

static med_err
tls_fail(char *errbuf, size_t errlen, const char *path, const char *why)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s: %s", path, why);
	return MED_ERR_INVALID;
}

/* read_pem reads a whole PEM file into a new NUL-terminated string. */
static med_err
read_pem(const char *path, char **out, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf;
	size_t n;

	if (f == NULL) {
		tls_fail(errbuf, errlen, path, strerror(errno));
		return MED_ERR_IO;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 ||
	    (size_t)st.st_size > PEM_MAX_BYTES) {
		fclose(f);
		return tls_fail(errbuf, errlen, path,
				"empty, unreadable or larger than 1 MiB");
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		return MED_ERR_NOMEM;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	buf[n] = '\0';
	if (n != (size_t)st.st_size || strstr(buf, "-----BEGIN ") == NULL) {
		sodium_memzero(buf, n);
		free(buf);
		return tls_fail(errbuf, errlen, path, "not a PEM file");
	}
	*out = buf;
	return MED_OK;
}

/* tls_read reads the three files into t's PEMs (paths untouched); on error
 * what was read stays in t for med_tls_fini. */
static med_err
tls_read(med_tls *t, const char *cert_path, const char *key_path,
	 const char *ca_path, char *errbuf, size_t errlen)
{
	med_err err = read_pem(cert_path, &t->cert_pem, errbuf, errlen);

	if (err == MED_OK)
		err = read_pem(key_path, &t->key_pem, errbuf, errlen);
	if (err == MED_OK)
		err = read_pem(ca_path, &t->ca_pem, errbuf, errlen);
	return err;
}

med_err
med_tls_load(med_tls *t, const char *cert_path, const char *key_path,
	     const char *ca_path, char *errbuf, size_t errlen)
{
	med_err err;

	if (t == NULL || cert_path == NULL || key_path == NULL ||
	    ca_path == NULL)
		return MED_ERR_INVALID;
	memset(t, 0, sizeof(*t));
	err = tls_read(t, cert_path, key_path, ca_path, errbuf, errlen);
	if (err == MED_OK) {
		t->cert_path = strdup(cert_path);
		t->key_path = strdup(key_path);
		t->ca_path = strdup(ca_path);
		if (t->cert_path == NULL || t->key_path == NULL ||
		    t->ca_path == NULL)
			err = MED_ERR_NOMEM;
	}
	if (err != MED_OK)
		med_tls_fini(t);
	return err;
}

static void
free_secret(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

void
med_tls_fini(med_tls *t)
{
	if (t == NULL)
		return;
	free(t->cert_pem);
	free_secret(t->key_pem);
	free(t->ca_pem);
	free(t->cert_path);
	free(t->key_path);
	free(t->ca_path);
	memset(t, 0, sizeof(*t));
}

/* --- checking a pair ------------------------------------------------------ */

/* certs_read reads every certificate of pem into a new stack (NULL when
 * there is none). */
static STACK_OF(X509) * certs_read(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;

	while (b != NULL && sk != NULL &&
	       (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(sk, x) <= 0)
			X509_free(x);
	BIO_free(b);
	if (sk != NULL && sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		sk = NULL;
	}
	return sk;
}

static EVP_PKEY *
key_read(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k =
		b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

/* chain_verifies: the leaf, with the rest of its chain, verifies against
 * the CA certificates today. */
static bool
chain_verifies(STACK_OF(X509) * chain, STACK_OF(X509) * cas)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = store != NULL && ctx != NULL;

	for (int i = 0; ok && i < sk_X509_num(cas); i++)
		ok = X509_STORE_add_cert(store, sk_X509_value(cas, i)) == 1;
	ok = ok && X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0),
				       chain) == 1;
	ok = ok && X509_verify_cert(ctx) == 1;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static med_err
check_fail(char *errbuf, size_t errlen, const char *why)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", why);
	return MED_ERR_INVALID;
}

med_err
med_tls_check(const med_tls *t, char *errbuf, size_t errlen)
{
	STACK_OF(X509) *chain = NULL, *cas = NULL;
	EVP_PKEY *key = NULL;
	const char *why = NULL;

	if (t == NULL || t->cert_pem == NULL || t->key_pem == NULL ||
	    t->ca_pem == NULL)
		return check_fail(errbuf, errlen,
				  "certificate, key or CA "
				  "missing");
	if ((chain = certs_read(t->cert_pem)) == NULL)
		why = "certificate: no PEM certificate";
	else if ((key = key_read(t->key_pem)) == NULL)
		why = "key: no PEM private key";
	else if (X509_check_private_key(sk_X509_value(chain, 0), key) != 1)
		why = "key does not belong to the certificate";
	else if ((cas = certs_read(t->ca_pem)) == NULL)
		why = "CA: no PEM certificate";
	else if (!chain_verifies(chain, cas))
		why = "certificate does not chain to the CA, or is outside "
		      "its validity";
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(cas, X509_free);
	return why == NULL ? MED_OK : check_fail(errbuf, errlen, why);
}

/* same_pems: a and b hold the same three PEMs. */
static bool
same_pems(const med_tls *a, const med_tls *b)
{
	return strcmp(a->cert_pem, b->cert_pem) == 0 &&
	       strcmp(a->key_pem, b->key_pem) == 0 &&
	       strcmp(a->ca_pem, b->ca_pem) == 0;
}

/* swap_pems exchanges the PEMs (not the paths) of a and b. */
static void
swap_pems(med_tls *a, med_tls *b)
{
	med_tls tmp = *a;

	a->cert_pem = b->cert_pem;
	a->key_pem = b->key_pem;
	a->ca_pem = b->ca_pem;
	b->cert_pem = tmp.cert_pem;
	b->key_pem = tmp.key_pem;
	b->ca_pem = tmp.ca_pem;
}

med_err
med_tls_reload(med_tls *t, bool *changed, char *errbuf, size_t errlen)
{
	med_tls fresh = {0};
	med_err err;

	if (t == NULL || changed == NULL || t->cert_path == NULL ||
	    t->key_path == NULL || t->ca_path == NULL || t->cert_pem == NULL)
		return MED_ERR_INVALID;
	*changed = false;
	err = tls_read(&fresh, t->cert_path, t->key_path, t->ca_path, errbuf,
		       errlen);
	if (err == MED_OK)
		err = med_tls_check(&fresh, errbuf, errlen);
	if (err == MED_OK && !same_pems(t, &fresh)) {
		swap_pems(t, &fresh);
		*changed = true;
	}
	med_tls_fini(&fresh); /* the old PEMs, or the unused new ones */
	return err;
}
