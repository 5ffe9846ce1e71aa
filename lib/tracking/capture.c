/*
 * tracking/capture.c - reproducibility capture: what a run was started with,
 * gathered by the process itself when the run begins (mlmd_run_begin) or
 * on request (mlmd_capture_collect, which the Python package calls and
 * completes with the interpreter's and packages' versions).
 *
 *   argv             /proc/self/cmdline (absent where there is none)
 *   cwd              getcwd()
 *   host             gethostname()
 *   user             the effective user's name (getpwuid_r), else $USER, else $LOGNAME
 *   library_version  mlmd_version()
 *   git_*            the working directory's repository, read from .git (git.c)
 *   env              the variables of the allow-list below that are set, plus
 *                    the caller's names ("NAME", or "PREFIX*" for a prefix);
 *                    never the whole environment
 * Nothing here fails for want of a field: a field that cannot be had is left
 * out. Only running out of memory is an error.
 */
#define _DEFAULT_SOURCE /* gethostname, environ */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tk.h"

extern char **environ;

/* The environment variables every run records when they are set: those
 * that change what a training program computes or how (devices, threads,
 * determinism switches, hash seeds, the locale) and a batch job's id. */
static const char *const DEFAULT_ENV[] = {
	"CUDA_VISIBLE_DEVICES", "CUBLAS_WORKSPACE_CONFIG", "NVIDIA_TF32_OVERRIDE", "HIP_VISIBLE_DEVICES",
	"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
	"VECLIB_MAXIMUM_THREADS", "PYTHONHASHSEED", "TF_DETERMINISTIC_OPS", "TF_CUDNN_DETERMINISTIC",
	"XLA_FLAGS", "SLURM_JOB_ID", "LANG", "LC_ALL", NULL
};

#define MAX_CMDLINE (1u << 20)
#define MAX_ENV_NAME 240 /* "mlmd.env." + the name stays within the store's 250-byte keys */

static int take(char **dst, const char *s)
{
	if (!s)
		return 0;
	*dst = mlmd__strdup(s);
	return *dst ? 0 : MLMD_OOM();
}

/* argv from /proc/self/cmdline: NUL-separated, read to its end (procfs
 * reports no size), at most MAX_CMDLINE bytes. */
static int capture_argv(Mlmd__Pb__Tracking__Capture *c)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	mlmd_buf b = { 0 };
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || b.len + (size_t)n > MAX_CMDLINE)
			break;
		mlmd__buf_put(&b, chunk, (size_t)n);
	}
	close(fd);
	if (b.oom) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	int rc = 0;
	for (size_t i = 0; i < b.len && !rc;) {
		const char *arg = b.p + i;
		size_t len = strnlen(arg, b.len - i);
		char *s = mlmd__strndup(arg, len);
		if (!s || mlmd__push_ptr((void ***)&c->argv, &c->n_argv, s)) {
			free(s);
			rc = MLMD_OOM();
		}
		i += len + 1;
	}
	mlmd__buf_free(&b);
	return rc;
}

static int capture_cwd(Mlmd__Pb__Tracking__Capture *c)
{
	for (size_t cap = 256; cap <= (1u << 20); cap *= 2) {
		char *buf = malloc(cap);
		if (!buf)
			return MLMD_OOM();
		if (getcwd(buf, cap)) {
			c->cwd = buf;
			return 0;
		}
		free(buf);
		if (errno != ERANGE)
			return 0;
	}
	return 0;
}

static int capture_user(Mlmd__Pb__Tracking__Capture *c)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name && found->pw_name[0])
		return take(&c->user, found->pw_name);
	const char *u = getenv("USER");
	if (!u || !u[0])
		u = getenv("LOGNAME");
	return u && u[0] ? take(&c->user, u) : 0;
}

/* ---- environment ------------------------------------------------------------------------- */

static int has_env(const Mlmd__Pb__Tracking__Capture *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->n_env; i++)
		if (strlen(c->env[i]->key) == len && memcmp(c->env[i]->key, name, len) == 0)
			return 1;
	return 0;
}

/* Records NAME=VALUE (an environ entry, or name and getenv's value). */
static int add_env(Mlmd__Pb__Tracking__Capture *c, const char *name, size_t len, const char *value)
{
	if (len == 0 || len > MAX_ENV_NAME || has_env(c, name, len))
		return 0;
	for (size_t i = 0; i < len; i++) /* a name the store would refuse as a key is left out */
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	Mlmd__Pb__Tracking__Capture__EnvEntry *e = malloc(sizeof *e);
	if (!e)
		return MLMD_OOM();
	mlmd__pb__tracking__capture__env_entry__init(e);
	e->key = mlmd__strndup(name, len);
	e->value = mlmd__strdup(value);
	if (!e->key || !e->value || mlmd__push_ptr((void ***)&c->env, &c->n_env, e)) {
		free(e->key);
		free(e->value);
		free(e);
		return MLMD_OOM();
	}
	return 0;
}

/* One allow-list name: exact, or "PREFIX*" over the whole environment. */
static int capture_env_name(Mlmd__Pb__Tracking__Capture *c, const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || strchr(name, '='))
		return 0;
	if (name[len - 1] != '*') {
		const char *v = getenv(name);
		return v ? add_env(c, name, len, v) : 0;
	}
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq && (size_t)(eq - *e) >= len - 1 && strncmp(*e, name, len - 1) == 0) {
			int rc = add_env(c, *e, (size_t)(eq - *e), eq + 1);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int env_cmp(const void *a, const void *b)
{
	const Mlmd__Pb__Tracking__Capture__EnvEntry *x = *(void *const *)a, *y = *(void *const *)b;
	return strcmp(x->key, y->key);
}

static int capture_env(Mlmd__Pb__Tracking__Capture *c, const char *const *extra)
{
	for (const char *const *n = DEFAULT_ENV; *n; n++) {
		int rc = capture_env_name(c, *n);
		if (rc)
			return rc;
	}
	for (const char *const *n = extra; n && *n; n++) {
		int rc = capture_env_name(c, *n);
		if (rc)
			return rc;
	}
	if (c->n_env > 1)
		qsort(c->env, c->n_env, sizeof *c->env, env_cmp);
	return 0;
}

/* ---- the whole capture --------------------------------------------------------------------- */

int mlmd__capture_fill(Mlmd__Pb__Tracking__Capture *c, const char *const *extra_env, const char *git_dir)
{
	int rc = capture_argv(c);
	if (!rc)
		rc = capture_cwd(c);
	char host[256];
	if (!rc && gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		rc = take(&c->host, host);
	}
	if (!rc)
		rc = capture_user(c);
	if (!rc)
		rc = take(&c->library_version, mlmd_version());
	if (!rc)
		rc = capture_env(c, extra_env);
	if (!rc) {
		mlmd__git_info g;
		const char *dir = git_dir ? git_dir : c->cwd;
		rc = dir ? mlmd__git_read(dir, &g) : 0;
		if (!rc && dir) {
			if (g.commit[0])
				rc = take(&c->git_commit, g.commit);
			if (!rc && g.branch) {
				c->git_branch = g.branch;
				g.branch = NULL;
			}
			if (g.dirty >= 0) {
				c->has_git_dirty = 1;
				c->git_dirty = g.dirty;
			}
			mlmd__git_info_free(&g);
		}
	}
	if (rc)
		mlmd__capture_clear(c);
	return rc;
}

void mlmd__capture_clear(Mlmd__Pb__Tracking__Capture *c)
{
	for (size_t i = 0; i < c->n_argv; i++)
		free(c->argv[i]);
	free(c->argv);
	for (size_t i = 0; i < c->n_env; i++) {
		free(c->env[i]->key);
		free(c->env[i]->value);
		free(c->env[i]);
	}
	free(c->env);
	free(c->cwd);
	free(c->host);
	free(c->user);
	free(c->git_commit);
	free(c->git_branch);
	free(c->library_version);
	mlmd__pb__tracking__capture__init(c);
}

int mlmd_capture_collect(const char *const *extra_env, void **bytes, size_t *len)
{
	if (!bytes || !len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_capture_collect: bytes and len are required");
	*bytes = NULL;
	*len = 0;
	Mlmd__Pb__Tracking__Capture c;
	mlmd__pb__tracking__capture__init(&c);
	int rc = mlmd__capture_fill(&c, extra_env, NULL);
	if (rc)
		return rc;
	size_t n = protobuf_c_message_get_packed_size(&c.base);
	void *p = n ? malloc(n) : NULL;
	if (n && !p) {
		mlmd__capture_clear(&c);
		return MLMD_OOM();
	}
	if (n)
		protobuf_c_message_pack(&c.base, p);
	mlmd__capture_clear(&c);
	*bytes = p;
	*len = n;
	return 0;
}
