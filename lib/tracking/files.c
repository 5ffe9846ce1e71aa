/*
 * tracking/files.c - a run's inputs and outputs: the file read once with
 * its SHA-256 computed as the bytes go by (its size is the bytes read, so
 * digest and size describe the same content even if the file grows
 * meanwhile), its absolute file:// URI (the same form mlmd_model_record()
 * records), and the LogFiles call that records it.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "tk.h"

static int path_error(const char *what, const char *path, int err)
{
	int code = err == ENOENT || err == ENOTDIR ? MLMD_NOT_FOUND
		: err == EACCES || err == EPERM ? MLMD_PERMISSION_DENIED
		: err == EISDIR ? MLMD_INVALID_ARGUMENT : MLMD_UNAVAILABLE;
	return mlmd__fail(code, "%s '%s': %s", what, path, strerror(err));
}

/* SHA-256 (64 lowercase hex digits) and size of the file at path, read once. */
static int digest_file(const char *what, const char *path, char hex[65], int64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return path_error(what, path, errno);
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return path_error(what, path, EISDIR);
	}
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c) {
		close(fd);
		return MLMD_OOM();
	}
	int rc = EVP_DigestInit_ex(c, EVP_sha256(), NULL) ? 0 : mlmd__fail(MLMD_INTERNAL, "SHA-256 failed (OpenSSL)");
	unsigned char *chunk = malloc(1 << 16);
	if (!rc && !chunk)
		rc = MLMD_OOM();
	uint64_t total = 0;
	while (!rc) {
		ssize_t n = read(fd, chunk, 1 << 16);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = path_error(what, path, errno);
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (!EVP_DigestUpdate(c, chunk, (size_t)n))
			rc = mlmd__fail(MLMD_INTERNAL, "SHA-256 failed (OpenSSL)");
	}
	free(chunk);
	close(fd);
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!rc && (!EVP_DigestFinal_ex(c, md, &mdlen) || mdlen != 32))
		rc = mlmd__fail(MLMD_INTERNAL, "SHA-256 failed (OpenSSL)");
	EVP_MD_CTX_free(c);
	if (rc)
		return rc;
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	*size = (int64_t)total;
	return 0;
}

/* The absolute file:// URI of path (symbolic links resolved), every byte
 * but the unreserved ones and '/' percent-encoded; malloc'd. */
static int file_uri(const char *what, const char *path, char **out)
{
	*out = NULL;
	char *abs = realpath(path, NULL);
	if (!abs)
		return errno == ENOMEM ? MLMD_OOM() : path_error(what, path, errno);
	int rc = mlmd__file_uri_encode(abs, out);
	free(abs);
	return rc;
}

static int is_sha256_hex(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return i == 64;
}

static int log_file(mlmd_run *run, int output, const char *path, const mlmd_file_options *opts, int64_t *artifact_id)
{
	const char *fn = output ? "mlmd_run_log_output" : "mlmd_run_log_input";
	const char *what = output ? "output file" : "input file";
	if (artifact_id)
		*artifact_id = 0;
	if (!run)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: run is NULL", fn);
	mlmd_file_options defaults = MLMD_FILE_OPTIONS_INIT;
	const mlmd_file_options *o = opts ? opts : &defaults;
	if (o->version < 1 || o->version > MLMD_FILE_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: mlmd_file_options.version is %u (this library knows 1 "
			"to %d); initialise the options with MLMD_FILE_OPTIONS_INIT", fn, o->version,
			MLMD_FILE_OPTIONS_VERSION);
	char hex[65];
	int64_t size = 0;
	char *uri = NULL;
	int rc = 0;
	if (o->sha256) {
		if (!is_sha256_hex(o->sha256))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: sha256 '%s' is not 64 hex digits", fn, o->sha256);
		if (o->size < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: size %lld is negative", fn, (long long)o->size);
		for (int i = 0; i < 65; i++)
			hex[i] = (char)(o->sha256[i] >= 'A' && o->sha256[i] <= 'F' ? o->sha256[i] - 'A' + 'a' : o->sha256[i]);
		size = o->size;
		if (!o->uri && !path)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: a file given by its digest needs a uri or a path", fn);
	} else {
		if (!path)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: path is NULL (give a path, or opts->sha256 and uri)", fn);
		rc = digest_file(what, path, hex, &size);
		if (rc)
			return rc;
	}
	if (!o->uri && (rc = file_uri(what, path, &uri)))
		return rc;
	Mlmd__Pb__Tracking__FileRecord f = MLMD__PB__TRACKING__FILE_RECORD__INIT, *fp = &f;
	f.uri = uri ? uri : (char *)o->uri;
	f.sha256 = hex;
	f.has_size = 1;
	f.size = size;
	f.name = (char *)o->name;
	f.type = (char *)o->type;
	Mlmd__Pb__Tracking__LogFilesRequest rq = MLMD__PB__TRACKING__LOG_FILES_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run->id;
	if (output) {
		rq.n_outputs = 1;
		rq.outputs = &fp;
	} else {
		rq.n_inputs = 1;
		rq.inputs = &fp;
	}
	Mlmd__Pb__Tracking__LogFilesResponse *rs = NULL;
	rc = mlmd__tk_call(run->store, "LogFiles", &rq.base, &mlmd__pb__tracking__log_files_response__descriptor,
		(ProtobufCMessage **)&rs);
	free(uri);
	if (rc)
		return rc;
	size_t n = output ? rs->n_output_ids : rs->n_input_ids;
	int64_t id = n == 1 ? (output ? rs->output_ids[0] : rs->input_ids[0]) : 0;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (n != 1)
		return mlmd__fail(MLMD_INTERNAL, "%s: LogFiles answered %zu artifact ids for one file", fn, n);
	if (artifact_id)
		*artifact_id = id;
	return 0;
}

int mlmd_run_log_input(mlmd_run *run, const char *path, const mlmd_file_options *opts, int64_t *artifact_id)
{
	return log_file(run, 0, path, opts, artifact_id);
}

int mlmd_run_log_output(mlmd_run *run, const char *path, const mlmd_file_options *opts, int64_t *artifact_id)
{
	return log_file(run, 1, path, opts, artifact_id);
}
