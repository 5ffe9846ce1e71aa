/*
 * server/tls.c - the server's credentials: insecure, TLS with a certificate
 * and key, or mutual TLS with a client CA. The PEM files are read and
 * checked here with OpenSSL (which gRPC links too) before gRPC sees them,
 * because gRPC only reports a bad file as a port it could not add.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/grpc_security_constants.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <mlmd.h>
#include "internal.h"

#define MAX_PEM_BYTES (1 << 20)

/* Reads a whole PEM file (NUL-terminated, malloc'd) or fills err. */
static int read_pem(const char *what, const char *path, char **out, char *err, size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "TLS %s %s: %s", what, path, strerror(errno));
		return -MLMD_INVALID_ARGUMENT;
	}
	char *buf = malloc(MAX_PEM_BYTES + 1);
	size_t n = buf ? fread(buf, 1, MAX_PEM_BYTES + 1, f) : 0;
	int bad = !buf ? ENOMEM : ferror(f) ? EIO : 0;
	fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "TLS %s %s: %s", what, path, strerror(bad));
		return -MLMD_INVALID_ARGUMENT;
	}
	if (n > MAX_PEM_BYTES) {
		free(buf);
		snprintf(err, errlen, "TLS %s %s: larger than %d bytes", what, path, MAX_PEM_BYTES);
		return -MLMD_INVALID_ARGUMENT;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		free(buf);
		snprintf(err, errlen, "TLS %s %s: not a PEM file (it holds a NUL byte)", what, path);
		return -MLMD_INVALID_ARGUMENT;
	}
	*out = buf;
	return 0;
}

/* Checks the PEM texts: a certificate, a private key that matches it, and
 * (when given) at least one CA certificate. */
static int check_pems(const srv_config *cfg, const char *cert, const char *key, const char *ca, char *err,
		      size_t errlen)
{
	int rc = -MLMD_INVALID_ARGUMENT;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	BIO *b = BIO_new_mem_buf(cert, -1);
	if (b)
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!x) {
		snprintf(err, errlen, "TLS certificate %s: no PEM certificate in it", cfg->tls_cert_file);
		goto out;
	}
	b = BIO_new_mem_buf(key, -1);
	if (b)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!k) {
		snprintf(err, errlen, "TLS key %s: no PEM private key in it (or it is encrypted)", cfg->tls_key_file);
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		snprintf(err, errlen, "TLS key %s does not match the certificate %s", cfg->tls_key_file,
			 cfg->tls_cert_file);
		goto out;
	}
	if (ca) {
		X509 *c = NULL;
		b = BIO_new_mem_buf(ca, -1);
		if (b)
			c = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
		if (!c) {
			snprintf(err, errlen, "TLS client CA %s: no PEM certificate in it", cfg->tls_client_ca_file);
			goto out;
		}
		X509_free(c);
	}
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

int srv_tls_credentials(const srv_config *cfg, grpc_server_credentials **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!cfg->tls_cert_file) {
		*out = grpc_insecure_server_credentials_create();
		return 0;
	}
	char *cert = NULL, *key = NULL, *ca = NULL;
	int rc = read_pem("certificate", cfg->tls_cert_file, &cert, err, errlen);
	if (!rc)
		rc = read_pem("key", cfg->tls_key_file, &key, err, errlen);
	if (!rc && cfg->tls_client_ca_file)
		rc = read_pem("client CA", cfg->tls_client_ca_file, &ca, err, errlen);
	if (!rc)
		rc = check_pems(cfg, cert, key, ca, err, errlen);
	if (!rc) {
		grpc_ssl_pem_key_cert_pair pair = { key, cert };
		*out = grpc_ssl_server_credentials_create_ex(
			ca, &pair, 1,
			ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
			NULL);
		if (!*out) {
			snprintf(err, errlen, "gRPC refused the TLS certificate %s and key %s", cfg->tls_cert_file,
				 cfg->tls_key_file);
			rc = -MLMD_INVALID_ARGUMENT;
		}
	}
	if (key)
		OPENSSL_cleanse(key, strlen(key));
	free(cert);
	free(key);
	free(ca);
	return rc;
}

char *srv_tls_peer_cn(grpc_call *call)
{
	grpc_auth_context *ctx = grpc_call_auth_context(call);
	if (!ctx)
		return NULL;
	grpc_auth_property_iterator it = grpc_auth_context_find_properties_by_name(ctx, GRPC_X509_CN_PROPERTY_NAME);
	const grpc_auth_property *p = grpc_auth_property_iterator_next(&it);
	char *cn = NULL;
	if (p && p->value && p->value_length && !memchr(p->value, '\0', p->value_length)) {
		cn = malloc(p->value_length + 1);
		if (cn) {
			memcpy(cn, p->value, p->value_length);
			cn[p->value_length] = '\0';
		}
	}
	grpc_auth_context_release(ctx);
	return cn;
}
