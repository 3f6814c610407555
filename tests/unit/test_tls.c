/*
 * test_tls.c - the pure parts of re-reading rotated certificates: file
 * stamps, the check of a new certificate, key and CA, and med_tls_reload
 * (which keeps the old PEMs when the new files cannot serve), and
 * med_channel_dial, which reads the same files for a peer channel.  The gRPC
 * fetcher around them is tested through a running service
 * (tests/integration/test_reload.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <med/config.h>
#include <med/rpc.h>
#include <med/util.h>

#include "testlib.h"

typedef struct pair {
	EVP_PKEY *key;
	X509 *cert;
} pair;

/* make_pair: a key and a certificate for key named cn, signed by issuer (NULL:
 * self-signed CA), valid from now+from_s to now+to_s. */
static pair
make_pair(const char *cn, const pair *issuer, long from_s, long to_s)
{
	static long serial;
	pair p = {EVP_EC_gen("P-256"), X509_new()};
	X509_NAME *name;
	X509_EXTENSION *ext;

	MT_TRUE(p.key != NULL && p.cert != NULL);
	X509_set_version(p.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(p.cert), ++serial);
	X509_gmtime_adj(X509_getm_notBefore(p.cert), from_s);
	X509_gmtime_adj(X509_getm_notAfter(p.cert), to_s);
	name = X509_get_subject_name(p.cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(
		p.cert,
		issuer != NULL ? X509_get_subject_name(issuer->cert) : name);
	X509_set_pubkey(p.cert, p.key);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
				  issuer == NULL ? "critical,CA:TRUE"
						 : "critical,CA:FALSE");
	MT_TRUE(ext != NULL);
	X509_add_ext(p.cert, ext, -1);
	X509_EXTENSION_free(ext);
	MT_TRUE(X509_sign(p.cert, issuer != NULL ? issuer->key : p.key,
			  EVP_sha256()) > 0);
	return p;
}

/* pem_of renders a certificate (or, with key, the private key) as PEM. */
static char *
pem_of(X509 *cert, EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL, *out;
	long n;

	MT_TRUE(b != NULL);
	if (key != NULL)
		MT_TRUE(PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL,
						 NULL) == 1);
	else
		MT_TRUE(PEM_write_bio_X509(b, cert) == 1);
	n = BIO_get_mem_data(b, &data);
	out = strndup(data, (size_t)n);
	BIO_free(b);
	MT_TRUE(out != NULL);
	return out;
}

static const char *
path_in(const char *name)
{
	static char path[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", mt_tmpdir(), name);
	return path[i];
}

/* publish writes text to name by a rename (a new inode, as a Secret swap). */
static void
publish(const char *name, const char *text)
{
	char tmp[300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path_in(name));
	f = fopen(tmp, "w");
	MT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
	MT_TRUE(rename(tmp, path_in(name)) == 0);
}

/* publish_pair writes leaf's certificate and key (key_of's key, when
 * given) and ca's certificate. */
static void
publish_pair(const pair *leaf, const pair *key_of, const pair *ca)
{
	char *c = pem_of(leaf->cert, NULL);
	char *k = pem_of(NULL, (key_of ? key_of : leaf)->key);
	char *a = pem_of(ca->cert, NULL);

	publish("tls.crt", c);
	publish("tls.key", k);
	publish("ca.crt", a);
	free(c);
	free(k);
	free(a);
}

static void
load(med_tls *t)
{
	char err[256] = "";

	MT_OK(med_tls_load(t, path_in("tls.crt"), path_in("tls.key"),
			   path_in("ca.crt"), err, sizeof(err)));
}

/* A rename is a change even with the same size and a coarse mtime; a
 * missing file differs from any present one. */
static void
test_file_stamp(void)
{
	med_file_stamp a, b, c, gone;

	publish("f", "one");
	med_file_stamp_read(path_in("f"), &a);
	med_file_stamp_read(path_in("f"), &b);
	MT_TRUE(med_file_stamp_equal(&a, &b));
	MT_TRUE(!a.missing);
	publish("f", "two");
	med_file_stamp_read(path_in("f"), &c);
	MT_TRUE(!med_file_stamp_equal(&a, &c));
	med_file_stamp_read(path_in("absent"), &gone);
	MT_TRUE(gone.missing);
	MT_TRUE(!med_file_stamp_equal(&a, &gone));
	med_file_stamp_read(NULL, &gone);
	MT_TRUE(gone.missing);
}

static void
test_check(void)
{
	pair ca = make_pair("ca", NULL, -60, 86400);
	pair other_ca = make_pair("other ca", NULL, -60, 86400);
	pair leaf = make_pair("identity", &ca, -60, 86400);
	pair stranger = make_pair("identity", &other_ca, -60, 86400);
	pair expired = make_pair("identity", &ca, -7200, -3600);
	med_tls t = {0};
	char err[256] = "";

	publish_pair(&leaf, NULL, &ca);
	load(&t);
	MT_OK(med_tls_check(&t, err, sizeof(err)));
	med_tls_fini(&t);
	publish_pair(&leaf, &stranger, &ca); /* another key */
	load(&t);
	MT_EQ_INT(med_tls_check(&t, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(strstr(err, "key does not belong") != NULL);
	med_tls_fini(&t);
	publish_pair(&stranger, NULL, &ca); /* another CA's */
	load(&t);
	MT_EQ_INT(med_tls_check(&t, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(strstr(err, "chain") != NULL);
	med_tls_fini(&t);
	publish_pair(&expired, NULL, &ca);
	load(&t);
	MT_EQ_INT(med_tls_check(&t, err, sizeof(err)), MED_ERR_INVALID);
	med_tls_fini(&t);
	MT_EQ_INT(med_tls_check(NULL, err, sizeof(err)), MED_ERR_INVALID);
}

/* reload takes a new valid pair, ignores a rewrite with the same content,
 * and keeps the old PEMs when the new files are bad or gone. */
static void
test_reload(void)
{
	pair ca = make_pair("ca", NULL, -60, 86400);
	pair first = make_pair("identity", &ca, -60, 86400);
	pair renewed = make_pair("identity", &ca, -60, 86400);
	med_tls t = {0};
	char err[256] = "", *in_use;
	bool changed = true;

	publish_pair(&first, NULL, &ca);
	load(&t);
	MT_OK(med_tls_reload(&t, &changed, err, sizeof(err)));
	MT_TRUE(!changed); /* same content */
	publish_pair(&renewed, NULL, &ca);
	MT_OK(med_tls_reload(&t, &changed, err, sizeof(err)));
	MT_TRUE(changed);
	in_use = pem_of(renewed.cert, NULL);
	MT_EQ_STR(t.cert_pem, in_use);
	/* A half-done rotation: the first certificate with the new key. */
	publish_pair(&first, &renewed, &ca);
	MT_EQ_INT(med_tls_reload(&t, &changed, err, sizeof(err)),
		  MED_ERR_INVALID);
	MT_TRUE(!changed);
	MT_EQ_STR(t.cert_pem, in_use);
	publish("tls.crt", "not a certificate");
	MT_EQ_INT(med_tls_reload(&t, &changed, err, sizeof(err)),
		  MED_ERR_INVALID);
	MT_EQ_STR(t.cert_pem, in_use);
	publish_pair(&renewed, NULL, &ca);
	MT_TRUE(unlink(path_in("tls.key")) == 0);
	MT_EQ_INT(med_tls_reload(&t, &changed, err, sizeof(err)), MED_ERR_IO);
	MT_EQ_STR(t.cert_pem, in_use);
	MT_OK(med_tls_check(&t, err, sizeof(err)));
	free(in_use);
	med_tls_fini(&t);
}

/* Without the files it came from (PEMs given in memory) there is nothing
 * to re-read. */
static void
test_reload_needs_paths(void)
{
	med_tls t = {.cert_pem = "a", .key_pem = "b", .ca_pem = "c"};
	bool changed = false;

	MT_EQ_INT(med_tls_reload(&t, &changed, NULL, 0), MED_ERR_INVALID);
}

/* med_channel_dial reads the process's MED_TLS_* files into a mutual-TLS
 * channel (opened lazily: nothing listens at the target), and fails with
 * the files' error, no channel made, when one is missing. */
static void
test_dial(void)
{
	static const med_config_spec specs[] = {
		{"MED_TLS_CERT", MED_CONFIG_STRING, "", false, 0, 0, "cert"},
		{"MED_TLS_KEY", MED_CONFIG_STRING, "", false, 0, 0, "key"},
		{"MED_TLS_CA", MED_CONFIG_STRING, "", false, 0, 0, "ca"},
	};
	pair ca = make_pair("ca", NULL, -60, 86400);
	pair leaf = make_pair("dosage", &ca, -60, 86400);
	med_channel *ch = NULL;
	med_config *cfg = NULL;
	char err[256] = "";

	publish_pair(&leaf, NULL, &ca);
	unsetenv("MED_CONFIG_FILE");
	setenv("MED_TLS_CERT", path_in("tls.crt"), 1);
	setenv("MED_TLS_KEY", path_in("tls.key"), 1);
	setenv("MED_TLS_CA", path_in("ca.crt"), 1);
	MT_OK(med_config_load(specs, 3, &cfg, err, sizeof(err)));
	MT_OK(med_channel_dial(cfg, "127.0.0.1:1", "records", "records", &ch));
	MT_TRUE(ch != NULL);
	med_channel_close(ch);
	ch = NULL;
	MT_TRUE(unlink(path_in("tls.key")) == 0);
	MT_EQ_INT(med_channel_dial(cfg, "127.0.0.1:1", NULL, "records", &ch),
		  MED_ERR_IO);
	MT_TRUE(ch == NULL);
	med_config_free(cfg);
}

static const mt_case cases[] = {
	{"file_stamp", test_file_stamp},
	{"check", test_check},
	{"reload", test_reload},
	{"reload_needs_paths", test_reload_needs_paths},
	{"dial", test_dial},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
