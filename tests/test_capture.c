/*
 * Reproducibility capture (lib/tracking/capture.c, git.c): the git state
 * read from .git without git, checked against real repositories that the
 * `git` command makes in a temporary directory (commit, branch, clean,
 * modified, deleted, untracked, executable bit, detached HEAD, packed refs,
 * linked worktrees, index versions 2, 3 and 4); odd .git files and
 * truncated or corrupt indexes (thousands of mutations with a valid
 * checksum) give unknown fields, never a crash; mlmd_capture_collect's
 * argv, cwd and environment allow-list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include "helpers.h"
#include "tracking/tk.h"

static char base[600];  /* a fresh directory for this run of the suite */
static char repo[700];  /* base/repo, a git repository with a few commits */

/* Runs a shell command (printf-style), failing the test when it fails. */
static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* The output's first line of a shell command. */
static void sh_out(char *out, size_t cap, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, (int)cap, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void head_of(const char *dir, char commit[64])
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse HEAD", dir);
	sh_out(commit, 64, cmd);
	assert_int_equal(strlen(commit), 40);
}

/* git's own answer to "do tracked files differ from the index?" */
static int git_says_dirty(const char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "git -C '%s' diff --quiet", dir);
	return system(cmd) != 0;
}

static void read_git(const char *dir, mlmd__git_info *g)
{
	OK(mlmd__git_read(dir, g));
}

static int setup(void **st)
{
	(void)st;
	const char *tmp = getenv("MLMD_TEST_TMP");
	char cwd[400];
	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(base, sizeof base, "%s%s%s/capture-%d", tmp && tmp[0] != '/' ? cwd : "",
		tmp && tmp[0] != '/' ? "/" : "", tmp ? tmp : "/tmp", (int)getpid());
	snprintf(repo, sizeof repo, "%s/repo", base);
	sh("rm -rf '%s' && mkdir -p '%s/sub'", base, repo);
	/* a repository of our own, whatever the user's git configuration says */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	sh("git -C '%s' init -q -b main && git -C '%s' config user.name Tester && "
	   "git -C '%s' config user.email tester@example.com", repo, repo, repo);
	write_file(repo, "a.txt", "hello\n");
	write_file(repo, "sub/b.txt", "inner file\n");
	write_file(repo, "run.sh", "#!/bin/sh\necho run\n");
	sh("chmod +x '%s/run.sh' && ln -s a.txt '%s/link' && git -C '%s' add -A && git -C '%s' commit -qm one",
		repo, repo, repo, repo);
	write_file(repo, "a.txt", "hello again\n");
	sh("git -C '%s' commit -qam two", repo);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	sh("rm -rf '%s'", base);
	return 0;
}

/* ---- a clean repository, then each kind of change --------------------------------------- */

static void clean_repository_commit_and_branch(void **st)
{
	(void)st;
	char head[64], sub[800];
	head_of(repo, head);
	mlmd__git_info g;
	read_git(repo, &g);
	assert_string_equal(g.commit, head);
	assert_non_null(g.branch);
	assert_string_equal(g.branch, "main");
	assert_int_equal(g.dirty, 0);
	mlmd__git_info_free(&g);
	/* found upward from a subdirectory */
	snprintf(sub, sizeof sub, "%s/sub", repo);
	read_git(sub, &g);
	assert_string_equal(g.commit, head);
	assert_int_equal(g.dirty, 0);
	mlmd__git_info_free(&g);
}

static void modified_deleted_and_restored_files(void **st)
{
	(void)st;
	mlmd__git_info g;
	/* same size, other bytes */
	write_file(repo, "a.txt", "hellO again\n");
	assert_true(git_says_dirty(repo));
	read_git(repo, &g);
	assert_int_equal(g.dirty, 1);
	mlmd__git_info_free(&g);
	/* the same bytes again, newer mtime: hashed, found equal */
	write_file(repo, "a.txt", "hello again\n");
	read_git(repo, &g);
	assert_int_equal(g.dirty, 0);
	mlmd__git_info_free(&g);
	/* a deleted tracked file counts */
	sh("rm '%s/sub/b.txt'", repo);
	read_git(repo, &g);
	assert_int_equal(g.dirty, 1);
	mlmd__git_info_free(&g);
	sh("git -C '%s' checkout -q -- sub/b.txt", repo);
	/* an untracked file does not */
	write_file(repo, "untracked.txt", "new\n");
	read_git(repo, &g);
	assert_int_equal(g.dirty, 0);
	assert_false(git_says_dirty(repo));
	mlmd__git_info_free(&g);
	sh("rm '%s/untracked.txt'", repo);
	/* the executable bit */
	sh("chmod -x '%s/run.sh'", repo);
	read_git(repo, &g);
	assert_int_equal(g.dirty, 1);
	assert_true(git_says_dirty(repo));
	mlmd__git_info_free(&g);
	sh("chmod +x '%s/run.sh'", repo);
	/* a symbolic link pointing elsewhere */
	sh("ln -sfn sub/b.txt '%s/link'", repo);
	read_git(repo, &g);
	assert_int_equal(g.dirty, 1);
	mlmd__git_info_free(&g);
	sh("ln -sfn a.txt '%s/link'", repo);
	read_git(repo, &g);
	assert_int_equal(g.dirty, 0);
	mlmd__git_info_free(&g);
	/* a staged change matches the worktree: `git diff --quiet` and we say clean (documented) */
	write_file(repo, "a.txt", "staged\n");
	sh("git -C '%s' add a.txt", repo);
	read_git(repo, &g);
	assert_int_equal(g.dirty, git_says_dirty(repo));
	assert_int_equal(g.dirty, 0);
	mlmd__git_info_free(&g);
	sh("git -C '%s' reset -q --hard", repo);
	read_git(repo, &g);
	assert_int_equal(g.dirty, 0);
	mlmd__git_info_free(&g);
}

static void detached_head_packed_refs_and_worktrees(void **st)
{
	(void)st;
	char head[64], first[64], wt[800], cmd[1200];
	head_of(repo, head);
	snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse HEAD~1", repo);
	sh_out(first, sizeof first, cmd);
	mlmd__git_info g;
	/* detached at the first commit: no branch */
	sh("git -C '%s' checkout -q --detach HEAD~1", repo);
	read_git(repo, &g);
	assert_string_equal(g.commit, first);
	assert_null(g.branch);
	assert_int_equal(g.dirty, 0);
	mlmd__git_info_free(&g);
	sh("git -C '%s' checkout -q main", repo);
	/* the branch only in packed-refs */
	sh("git -C '%s' pack-refs --all --prune", repo);
	char loose[800];
	snprintf(loose, sizeof loose, "%s/.git/refs/heads/main", repo);
	assert_int_not_equal(access(loose, F_OK), 0);
	read_git(repo, &g);
	assert_string_equal(g.commit, head);
	assert_string_equal(g.branch, "main");
	mlmd__git_info_free(&g);
	/* a linked worktree: .git is a file naming the git dir, refs are the common dir's */
	snprintf(wt, sizeof wt, "%s/wt", base);
	sh("git -C '%s' worktree add -q -b feature '%s' HEAD~1", repo, wt);
	read_git(wt, &g);
	assert_string_equal(g.commit, first);
	assert_string_equal(g.branch, "feature");
	assert_int_equal(g.dirty, 0);
	mlmd__git_info_free(&g);
	write_file(wt, "a.txt", "changed in the worktree\n");
	read_git(wt, &g);
	assert_int_equal(g.dirty, 1);
	mlmd__git_info_free(&g);
	read_git(repo, &g); /* the main worktree is untouched */
	assert_int_equal(g.dirty, 0);
	assert_string_equal(g.branch, "main");
	mlmd__git_info_free(&g);
	sh("git -C '%s' worktree remove --force '%s'", repo, wt);
}

static void index_versions_and_intent_to_add(void **st)
{
	(void)st;
	mlmd__git_info g;
	for (int v = 2; v <= 4; v++) {
		sh("git -C '%s' update-index --index-version %d", repo, v);
		read_git(repo, &g);
		assert_int_equal(g.dirty, 0);
		mlmd__git_info_free(&g);
		write_file(repo, "sub/b.txt", "inner file, changed\n");
		read_git(repo, &g);
		assert_int_equal(g.dirty, 1);
		mlmd__git_info_free(&g);
		sh("git -C '%s' checkout -q -- sub/b.txt", repo);
	}
	/* intent-to-add (an extended flag, index v3): git diff shows the new file */
	write_file(repo, "later.txt", "later\n");
	sh("git -C '%s' add -N later.txt", repo);
	read_git(repo, &g);
	assert_int_equal(g.dirty, 1);
	assert_true(git_says_dirty(repo));
	mlmd__git_info_free(&g);
	sh("git -C '%s' rm -q --cached later.txt && rm '%s/later.txt' && git -C '%s' update-index --index-version 2",
		repo, repo, repo);
}

/* ---- odd repositories ----------------------------------------------------------------------- */

static void no_repository_and_odd_git_files(void **st)
{
	(void)st;
	char dir[800], path[900];
	mlmd__git_info g;
	/* a directory with a .git file that says nothing useful, then one naming nothing */
	snprintf(dir, sizeof dir, "%s/odd", base);
	sh("mkdir -p '%s'", dir);
	const char *odd[] = { "garbage\n", "gitdir: \n", "gitdir: /nonexistent/mlmd/gitdir\n", "" };
	for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
		write_file(dir, ".git", odd[i]);
		read_git(dir, &g);
		assert_string_equal(g.commit, "");
		assert_null(g.branch);
		assert_int_equal(g.dirty, -1);
		mlmd__git_info_free(&g);
	}
	/* a git dir whose HEAD and refs are nonsense */
	sh("rm -f '%s/.git' && mkdir -p '%s/.git/refs/heads'", dir, dir);
	const char *heads[] = { "ref: refs/heads/../../../../etc/passwd\n", "ref: /etc/passwd\n", "0123\n",
		"ref: refs/heads/x\n", "ref: refs/heads/y\n", "ref: refs/heads/loop\n" };
	write_file(dir, ".git/refs/heads/x", "not a commit id\n");
	write_file(dir, ".git/refs/heads/loop", "ref: refs/heads/loop\n");
	for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
		write_file(dir, ".git/HEAD", heads[i]);
		read_git(dir, &g);
		assert_string_equal(g.commit, "");
		assert_int_equal(g.dirty, -1);
		mlmd__git_info_free(&g);
	}
	/* y is unborn: the branch is known, the commit is not */
	write_file(dir, ".git/HEAD", "ref: refs/heads/y\n");
	read_git(dir, &g);
	assert_string_equal(g.branch, "y");
	mlmd__git_info_free(&g);
	/* a directory in no repository at all (under /tmp, outside this project's tree) */
	snprintf(path, sizeof path, "/tmp/mlmd-capture-norepo-%d", (int)getpid());
	sh("mkdir -p '%s'", path);
	if (access("/tmp/.git", F_OK) != 0 && access("/.git", F_OK) != 0) {
		read_git(path, &g);
		assert_string_equal(g.commit, "");
		assert_null(g.branch);
		assert_int_equal(g.dirty, -1);
		mlmd__git_info_free(&g);
	}
	sh("rmdir '%s'", path);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *p = malloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void fix_checksum(unsigned char *d, size_t len)
{
	unsigned int n = 0;
	assert_true(EVP_Digest(d, len - 20, d + len - 20, &n, EVP_sha1(), NULL));
}

/* Truncated at every length, bytes flipped (checksum then wrong), and
 * thousands of mutations with a recomputed checksum so the parser itself
 * sees them: every answer is dirty, clean or unknown, never a crash (the
 * suite also runs under ASan and UBSan). The repository's index file is
 * also replaced by broken ones: the commit stays known, dirty is unknown. */
static void corrupt_and_truncated_indexes(void **st)
{
	(void)st;
	char ipath[800], saved[900], head[64];
	head_of(repo, head);
	for (int v = 2; v <= 4; v++) {
		sh("git -C '%s' update-index --index-version %d", repo, v);
		snprintf(ipath, sizeof ipath, "%s/.git/index", repo);
		size_t len;
		unsigned char *orig = read_all(ipath, &len);
		assert_true(len > 32);
		assert_int_equal(mlmd__git_index_dirty(repo, orig, len, INT64_MAX, 0), 0);
		for (size_t n = 0; n < len; n++)
			assert_int_equal(mlmd__git_index_dirty(repo, orig, n, INT64_MAX, 0), -1);
		unsigned char *m = malloc(len);
		for (size_t i = 0; i < len - 20; i++) { /* one bit flipped: the checksum says no */
			memcpy(m, orig, len);
			m[i] ^= 0x10;
			assert_int_equal(mlmd__git_index_dirty(repo, m, len, INT64_MAX, 0), -1);
		}
		srandom(42 + (unsigned)v);
		int seen[4] = { 0 };
		for (int k = 0; k < 4000; k++) {
			memcpy(m, orig, len);
			int edits = 1 + (int)(random() % 4);
			for (int e = 0; e < edits; e++) {
				size_t at = 12 + (size_t)random() % (len - 32);
				switch (random() % 3) {
				case 0: m[at] = (unsigned char)random(); break;
				case 1: m[at] = 0xff; break;
				default: m[at] = 0; break;
				}
			}
			fix_checksum(m, len);
			int rc = mlmd__git_index_dirty(repo, m, len, INT64_MAX, 0);
			assert_true(rc >= -1 && rc <= 1);
			seen[rc + 1]++;
		}
		/* the mutations reached all three answers (the parser got past the header) */
		assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
		/* a count larger than the entries present */
		memcpy(m, orig, len);
		m[8] = 0x7f;
		fix_checksum(m, len);
		assert_int_equal(mlmd__git_index_dirty(repo, m, len, INT64_MAX, 0), -1);
		/* on disk: truncated, then garbage; the commit is still read */
		snprintf(saved, sizeof saved, "%s.saved", ipath);
		sh("cp '%s' '%s'", ipath, saved);
		FILE *f = fopen(ipath, "wb");
		fwrite(orig, 1, len / 2, f);
		fclose(f);
		mlmd__git_info g;
		read_git(repo, &g);
		assert_string_equal(g.commit, head);
		assert_int_equal(g.dirty, -1);
		mlmd__git_info_free(&g);
		write_file(repo, ".git/index", "DIRC not really");
		read_git(repo, &g);
		assert_string_equal(g.commit, head);
		assert_int_equal(g.dirty, -1);
		mlmd__git_info_free(&g);
		sh("mv '%s' '%s'", saved, ipath);
		read_git(repo, &g);
		assert_int_equal(g.dirty, 0);
		mlmd__git_info_free(&g);
		free(m);
		free(orig);
	}
	sh("git -C '%s' update-index --index-version 2", repo);
}

/* ---- mlmd_capture_collect ------------------------------------------------------------------- */

static void capture_collect_fields_and_env_allow_list(void **st)
{
	(void)st;
	setenv("OMP_NUM_THREADS", "3", 1);
	setenv("MLMD_TEST_CAPTURE_A", "a", 1);
	setenv("MLMD_TEST_CAPTURE_B", "b", 1);
	setenv("MLMD_TEST_SECRET", "never", 1);
	const char *extra[] = { "MLMD_TEST_CAPTURE_*", "UNSET_MLMD_VARIABLE", NULL };
	void *bytes = NULL;
	size_t len = 0;
	OK(mlmd_capture_collect(extra, &bytes, &len));
	Mlmd__Pb__Tracking__Capture *c = (Mlmd__Pb__Tracking__Capture *)protobuf_c_message_unpack(
		&mlmd__pb__tracking__capture__descriptor, NULL, len, bytes);
	assert_non_null(c);
	assert_true(c->n_argv >= 1);
	assert_non_null(strstr(c->argv[0], "test_capture"));
	char cwd[1024];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_string_equal(c->cwd, cwd);
	assert_non_null(c->host);
	assert_true(c->host[0] != '\0');
	assert_non_null(c->user);
	assert_string_equal(c->library_version, mlmd_version());
	/* the allow-listed variable and the caller's prefix; nothing else of ours, and no PATH */
	const char *want[][2] = { { "MLMD_TEST_CAPTURE_A", "a" }, { "MLMD_TEST_CAPTURE_B", "b" }, { "OMP_NUM_THREADS", "3" } };
	size_t found = 0;
	for (size_t i = 0; i < c->n_env; i++) {
		assert_string_not_equal(c->env[i]->key, "PATH");
		assert_string_not_equal(c->env[i]->key, "MLMD_TEST_SECRET");
		assert_string_not_equal(c->env[i]->key, "UNSET_MLMD_VARIABLE");
		if (i > 0)
			assert_true(strcmp(c->env[i - 1]->key, c->env[i]->key) < 0);
		for (size_t k = 0; k < 3; k++)
			if (!strcmp(c->env[i]->key, want[k][0])) {
				assert_string_equal(c->env[i]->value, want[k][1]);
				found++;
			}
	}
	assert_int_equal(found, 3);
	protobuf_c_message_free_unpacked(&c->base, NULL);
	mlmd_buffer_free(bytes);
	FAILS(mlmd_capture_collect(NULL, NULL, &len), MLMD_INVALID_ARGUMENT, "bytes and len");
}

/* Run from a repository's directory, the capture names its commit. */
static void capture_collect_reads_the_working_directory(void **st)
{
	(void)st;
	char head[64], old[1024];
	head_of(repo, head);
	assert_non_null(getcwd(old, sizeof old));
	assert_int_equal(chdir(repo), 0);
	void *bytes = NULL;
	size_t len = 0;
	int rc = mlmd_capture_collect(NULL, &bytes, &len);
	assert_int_equal(chdir(old), 0);
	OK(rc);
	Mlmd__Pb__Tracking__Capture *c = (Mlmd__Pb__Tracking__Capture *)protobuf_c_message_unpack(
		&mlmd__pb__tracking__capture__descriptor, NULL, len, bytes);
	assert_non_null(c);
	assert_string_equal(c->git_commit, head);
	assert_string_equal(c->git_branch, "main");
	assert_true(c->has_git_dirty);
	assert_false(c->git_dirty);
	protobuf_c_message_free_unpacked(&c->base, NULL);
	mlmd_buffer_free(bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean_repository_commit_and_branch),
		cmocka_unit_test(modified_deleted_and_restored_files),
		cmocka_unit_test(detached_head_packed_refs_and_worktrees),
		cmocka_unit_test(index_versions_and_intent_to_add),
		cmocka_unit_test(no_repository_and_odd_git_files),
		cmocka_unit_test(corrupt_and_truncated_indexes),
		cmocka_unit_test(capture_collect_fields_and_env_allow_list),
		cmocka_unit_test(capture_collect_reads_the_working_directory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
