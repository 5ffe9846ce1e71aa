/*
 * tracking/git.c - the git state of a directory, read from .git without
 * running git: the commit HEAD names, its branch, and whether the tracked
 * files on disk differ from the index ("dirty").
 *
 *  - The repository: the first ".git" found from the directory upward. A
 *    directory is the git dir; a file holding "gitdir: PATH" (a linked
 *    worktree, a submodule) names it, relative to the file's directory. A
 *    git dir with a "commondir" file (a linked worktree) keeps its HEAD and
 *    index itself and shares refs with the common dir.
 *  - The commit: HEAD is either 40 hex digits (detached) or "ref: NAME";
 *    NAME (followed through at most 5 symbolic refs) is a loose ref file, or
 *    a line of packed-refs. A branch is HEAD's ref under refs/heads/.
 *  - Dirty (git's `git diff --quiet`, worktree against index): the index
 *    (DIRC, versions 2, 3 and 4) is read whole and its checksum verified;
 *    each tracked entry's file is lstat'ed. A missing file, a changed type
 *    or executable bit, or an unmerged or intent-to-add entry is dirty. When
 *    size and mtime match the entry and the entry is older than the index
 *    file (not "racily clean"), the file is taken as unchanged; otherwise
 *    it is hashed as a git blob (SHA-1 of "blob SIZE\0" and the bytes) and
 *    compared with the entry's id. Untracked files, submodules, entries
 *    marked assume-unchanged or skip-worktree are not looked at; staged
 *    changes (index against HEAD) are not seen; clean/smudge filters and
 *    end-of-line conversion are not applied.
 * Anything unexpected (no repository, a reftable or SHA-256 repository, a
 * split index, a truncated or corrupt index, a size that the bytes present
 * do not hold) leaves that field unknown; nothing here fails but for memory.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "tk.h"

#define MAX_SMALL_FILE (64u << 10)     /* HEAD, a loose ref, a .git file, commondir */
#define MAX_PACKED_REFS (256u << 20)
#define MAX_INDEX (1024u << 20)
#define MAX_SYMREF_DEPTH 5

/* ---- paths and files ----------------------------------------------------------------- */

/* a + "/" + b, malloc'd; b absolute is returned alone. NULL on OOM. */
static char *join(const char *a, const char *b)
{
	if (b[0] == '/')
		return mlmd__strdup(b);
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

/* Reads a regular file whole, at most `max` bytes, NUL-terminated. Returns
 * 0, 1 when it cannot be read (missing, not a regular file, too large,
 * changed size while read), -RESOURCE_EXHAUSTED on OOM. The size used to
 * allocate is the file's, never a number read from inside it. */
static int read_whole(const char *path, size_t max, char **out, size_t *len, struct stat *st_out)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return 1;
	}
	size_t n = (size_t)st.st_size;
	char *buf = malloc(n + 1);
	if (!buf) {
		close(fd);
		return MLMD_OOM();
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	char extra;
	int grew = got == n && read(fd, &extra, 1) > 0;
	close(fd);
	if (got != n || grew) {
		free(buf);
		return 1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	if (st_out)
		*st_out = st;
	return 0;
}

/* The first line of a small file, without its line end; NULL (and *rc 0)
 * when unreadable or holding a NUL byte. */
static char *read_line(const char *path, int *rc)
{
	char *buf;
	size_t len;
	*rc = read_whole(path, MAX_SMALL_FILE, &buf, &len, NULL);
	if (*rc) {
		*rc = *rc < 0 ? *rc : 0;
		return NULL;
	}
	if (memchr(buf, '\0', len)) {
		free(buf);
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

static int is_hex40(const char *s)
{
	for (int i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* A ref name we are willing to open as a path below the git dir: refs/...,
 * no "..", no empty or dot-led component, no control characters. */
static int safe_refname(const char *r)
{
	if (strncmp(r, "refs/", 5) != 0)
		return 0;
	const char *c = r;
	while (*c) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);
		if (n == 0 || c[0] == '.')
			return 0;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f || c[i] == '\\')
				return 0;
		c += n;
		if (*c == '/')
			c++;
	}
	return c[-1] != '/';
}

/* ---- the repository ------------------------------------------------------------------ */

typedef struct {
	char *root;    /* the worktree: the directory holding .git */
	char *gitdir;  /* HEAD and index */
	char *common;  /* refs and packed-refs (== gitdir unless a linked worktree) */
} repo;

static void repo_free(repo *r)
{
	free(r->root);
	free(r->gitdir);
	free(r->common);
}

/* Whether path is a git dir: it holds a HEAD file. */
static int looks_like_gitdir(const char *path)
{
	char *head = join(path, "HEAD");
	struct stat st;
	int ok = head && stat(head, &st) == 0 && S_ISREG(st.st_mode);
	free(head);
	return ok;
}

/* Finds the repository from dir upward. Returns 0 with r filled, 1 when
 * there is none (or it cannot be read), -RESOURCE_EXHAUSTED. */
static int repo_find(const char *dir, repo *r)
{
	memset(r, 0, sizeof *r);
	char *cur = realpath(dir, NULL);
	if (!cur)
		return errno == ENOMEM ? MLMD_OOM() : 1;
	for (;;) {
		char *dotgit = join(cur, ".git");
		if (!dotgit) {
			free(cur);
			return MLMD_OOM();
		}
		struct stat st;
		if (stat(dotgit, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
			char *gitdir = NULL;
			int rc = 0;
			if (S_ISDIR(st.st_mode)) {
				gitdir = dotgit;
				dotgit = NULL;
			} else { /* "gitdir: PATH", PATH relative to this directory */
				char *line = read_line(dotgit, &rc);
				if (line && strncmp(line, "gitdir: ", 8) == 0 && line[8]) {
					gitdir = join(cur, line + 8);
					if (!gitdir)
						rc = MLMD_OOM();
				}
				free(line);
			}
			free(dotgit);
			if (rc || !gitdir || !looks_like_gitdir(gitdir)) {
				free(gitdir);
				free(cur);
				return rc < 0 ? rc : 1;
			}
			r->root = cur;
			r->gitdir = gitdir;
			char *cd_file = join(gitdir, "commondir");
			if (!cd_file) {
				repo_free(r);
				return MLMD_OOM();
			}
			char *cd = read_line(cd_file, &rc);
			free(cd_file);
			if (rc) {
				repo_free(r);
				return rc;
			}
			r->common = cd && cd[0] ? join(gitdir, cd) : mlmd__strdup(gitdir);
			free(cd);
			if (!r->common) {
				repo_free(r);
				return MLMD_OOM();
			}
			return 0;
		}
		free(dotgit);
		char *slash = strrchr(cur, '/');
		if (!slash || slash == cur) {
			if (strcmp(cur, "/") == 0) {
				free(cur);
				return 1;
			}
			cur[1] = '\0'; /* try "/" last */
			continue;
		}
		*slash = '\0';
	}
}

/* ---- refs ---------------------------------------------------------------------------- */

/* Refs kept per worktree, in its own git dir rather than the common one. */
static int per_worktree(const char *ref)
{
	return strncmp(ref, "refs/bisect/", 12) == 0 || strncmp(ref, "refs/worktree/", 14) == 0 ||
		strncmp(ref, "refs/rewritten/", 15) == 0;
}

/* The id of `ref` in packed-refs ("<40 hex> <name>" lines; '#' and '^'
 * lines skipped). 0 found, 1 not, -RESOURCE_EXHAUSTED. */
static int packed_ref(const repo *r, const char *ref, char commit[41])
{
	char *path = join(r->common, "packed-refs");
	if (!path)
		return MLMD_OOM();
	char *buf;
	size_t len;
	int rc = read_whole(path, MAX_PACKED_REFS, &buf, &len, NULL);
	free(path);
	if (rc)
		return rc;
	size_t rl = strlen(ref);
	rc = 1;
	for (char *line = buf; line < buf + len;) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		char *end = nl ? nl : buf + len;
		if (end > line && end[-1] == '\r')
			end--;
		if (end - line == (ptrdiff_t)(41 + rl) && line[40] == ' ' && memcmp(line + 41, ref, rl) == 0 &&
			is_hex40(line)) {
			memcpy(commit, line, 40);
			commit[40] = '\0';
			rc = 0;
			break;
		}
		line = nl ? nl + 1 : buf + len;
	}
	free(buf);
	return rc;
}

/* Resolves HEAD: commit (or "" when unborn or unreadable) and branch. */
static int read_head(const repo *r, mlmd__git_info *g)
{
	char *path = join(r->gitdir, "HEAD");
	if (!path)
		return MLMD_OOM();
	int rc;
	char *line = read_line(path, &rc);
	free(path);
	if (rc)
		return rc;
	if (!line)
		return 0;
	if (strlen(line) == 40 && is_hex40(line)) {
		memcpy(g->commit, line, 41);
		free(line);
		return 0;
	}
	if (strncmp(line, "ref: ", 5) != 0 || !safe_refname(line + 5)) {
		free(line);
		return 0;
	}
	if (strncmp(line + 5, "refs/heads/", 11) == 0 && strcmp(line + 5, "refs/heads/.invalid") != 0) {
		g->branch = mlmd__strdup(line + 16);
		if (!g->branch) {
			free(line);
			return MLMD_OOM();
		}
	}
	char *ref = mlmd__strdup(line + 5);
	free(line);
	if (!ref)
		return MLMD_OOM();
	for (int depth = 0; depth < MAX_SYMREF_DEPTH; depth++) {
		char *file = join(per_worktree(ref) ? r->gitdir : r->common, ref);
		if (!file) {
			free(ref);
			return MLMD_OOM();
		}
		char *val = read_line(file, &rc);
		free(file);
		if (rc) {
			free(ref);
			return rc;
		}
		if (!val) { /* not loose: packed, or unborn */
			rc = packed_ref(r, ref, g->commit);
			free(ref);
			return rc < 0 ? rc : 0;
		}
		free(ref);
		if (strlen(val) == 40 && is_hex40(val)) {
			memcpy(g->commit, val, 41);
			free(val);
			return 0;
		}
		if (strncmp(val, "ref: ", 5) != 0 || !safe_refname(val + 5)) {
			free(val);
			return 0;
		}
		ref = mlmd__strdup(val + 5);
		free(val);
		if (!ref)
			return MLMD_OOM();
	}
	free(ref);
	return 0;
}

/* ---- the index ----------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* SHA-1 of a git blob: "blob <size>\0" then the bytes, from the open file fd
 * (size bytes expected; a file that changed length meanwhile gives 1). */
static int blob_sha1_fd(int fd, uint64_t size, unsigned char md[20])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return MLMD_OOM();
	char hdr[32];
	int hl = mlmd__snprintf(hdr, sizeof hdr, "blob %llu", (unsigned long long)size);
	int rc = 0;
	if (!EVP_DigestInit_ex(c, EVP_sha1(), NULL) || !EVP_DigestUpdate(c, hdr, (size_t)hl + 1))
		rc = mlmd__fail(MLMD_INTERNAL, "SHA-1 failed (OpenSSL)");
	unsigned char buf[65536];
	uint64_t got = 0;
	while (!rc) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = 1;
			break;
		}
		if (n == 0)
			break;
		got += (uint64_t)n;
		if (!EVP_DigestUpdate(c, buf, (size_t)n))
			rc = mlmd__fail(MLMD_INTERNAL, "SHA-1 failed (OpenSSL)");
	}
	unsigned int mdlen = 0;
	if (!rc && got != size)
		rc = 1;
	if (!rc && (!EVP_DigestFinal_ex(c, md, &mdlen) || mdlen != 20))
		rc = mlmd__fail(MLMD_INTERNAL, "SHA-1 failed (OpenSSL)");
	EVP_MD_CTX_free(c);
	return rc;
}

/* Whether the file at path (already lstat'ed as st) holds the blob `id`:
 * 0 same, 1 different (or changed while read), -RESOURCE_EXHAUSTED/-INTERNAL. */
static int content_differs(const char *path, const struct stat *st, const unsigned char id[20])
{
	unsigned char md[20];
	int rc;
	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlink(path, target, sizeof target);
		if (n < 0 || (size_t)n >= sizeof target)
			return 1;
		char hdr[32];
		int hl = mlmd__snprintf(hdr, sizeof hdr, "blob %zd", n);
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		unsigned int mdlen = 0;
		if (!c)
			return MLMD_OOM();
		int ok = EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, hdr, (size_t)hl + 1) &&
			EVP_DigestUpdate(c, target, (size_t)n) && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 20;
		EVP_MD_CTX_free(c);
		if (!ok)
			return mlmd__fail(MLMD_INTERNAL, "SHA-1 failed (OpenSSL)");
	} else {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return 1;
		rc = blob_sha1_fd(fd, (uint64_t)st->st_size, md);
		close(fd);
		if (rc)
			return rc;
	}
	return memcmp(md, id, 20) != 0;
}

/* Reads git's varint (index v4 path compression): 7 bits a byte, high bit
 * "more", each continuation adding one before the shift. 0 on success,
 * -1 when it runs past end or overflows. */
static int varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
	if (*p >= end)
		return -1;
	unsigned char c = *(*p)++;
	uint64_t v = c & 127;
	while (c & 128) {
		if (*p >= end || v + 1 > (UINT64_MAX >> 7))
			return -1;
		v += 1;
		c = *(*p)++;
		v = (v << 7) | (c & 127);
	}
	*out = v;
	return 0;
}

/* A path from the index we are willing to lstat below the worktree:
 * relative, no empty, "." or ".." component, no ".git" component. */
static int safe_path(const char *p, size_t n)
{
	if (n == 0 || p[0] == '/')
		return 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		size_t cl = j - i;
		if (cl == 0 || (cl == 1 && p[i] == '.') || (cl == 2 && p[i] == '.' && p[i + 1] == '.') ||
			(cl == 4 && strncasecmp(p + i, ".git", 4) == 0))
			return 0;
		i = j + 1;
	}
	return p[n - 1] != '/';
}

#define ENTRY_FIXED 62 /* 10 stat words, 20-byte id, 16-bit flags */

int mlmd__git_index_dirty(const char *root, const unsigned char *d, size_t len, int64_t index_mtime_s,
	int64_t index_mtime_ns)
{
	if (len < 12 + 20 || memcmp(d, "DIRC", 4) != 0)
		return -1;
	uint32_t version = be32(d + 4), count = be32(d + 8);
	if (version < 2 || version > 4)
		return -1;
	/* the trailing checksum: SHA-1 of everything before it (or zeros with index.skipHash) */
	static const unsigned char zeros[20];
	unsigned char md[20];
	unsigned int mdlen = 0;
	if (memcmp(d + len - 20, zeros, 20) != 0) {
		if (!EVP_Digest(d, len - 20, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
			return mlmd__fail(MLMD_INTERNAL, "SHA-1 failed (OpenSSL)");
		if (memcmp(md, d + len - 20, 20) != 0)
			return -1;
	}
	const unsigned char *p = d + 12, *end = d + len - 20;
	size_t rootlen = strlen(root);
	/* the entry's path after the worktree root: root + '/' + path; the v4
	 * previous path is the same buffer's tail */
	size_t cap = rootlen + 256;
	char *full = malloc(cap);
	if (!full)
		return MLMD_OOM();
	memcpy(full, root, rootlen);
	full[rootlen] = '/';
	size_t plen = 0; /* current path length (after root/) */
	int result = 0;
	for (uint32_t i = 0; i < count && result == 0; i++) {
		if ((size_t)(end - p) < ENTRY_FIXED) {
			result = -1;
			break;
		}
		const unsigned char *e = p;
		uint32_t mtime_s = be32(e + 8), mtime_ns = be32(e + 12), mode = be32(e + 24), size = be32(e + 36);
		const unsigned char *id = e + 40;
		unsigned flags = (unsigned)e[60] << 8 | e[61];
		unsigned xflags = 0;
		p += ENTRY_FIXED;
		if (flags & 0x4000) { /* extended */
			if (version < 3 || end - p < 2) {
				result = -1;
				break;
			}
			xflags = (unsigned)p[0] << 8 | p[1];
			p += 2;
		}
		const unsigned char *name;
		size_t nlen;
		if (version == 4) {
			uint64_t strip;
			if (varint(&p, end, &strip) || strip > plen) {
				result = -1;
				break;
			}
			name = p;
			const unsigned char *nul = memchr(p, '\0', (size_t)(end - p));
			if (!nul) {
				result = -1;
				break;
			}
			size_t suffix = (size_t)(nul - p);
			size_t keep = plen - (size_t)strip;
			if (rootlen + 1 + keep + suffix + 1 > cap) {
				size_t ncap = rootlen + 1 + keep + suffix + 1 + 256;
				char *nf = realloc(full, ncap);
				if (!nf) {
					free(full);
					return MLMD_OOM();
				}
				full = nf;
				cap = ncap;
			}
			memcpy(full + rootlen + 1 + keep, name, suffix);
			plen = keep + suffix;
			p = nul + 1;
		} else {
			const unsigned char *nul = memchr(p, '\0', (size_t)(end - p));
			if (!nul) {
				result = -1;
				break;
			}
			nlen = (size_t)(nul - p);
			if ((flags & 0xfff) != 0xfff && (flags & 0xfff) != nlen) {
				result = -1;
				break;
			}
			/* 1-8 NULs pad the entry to a multiple of 8 bytes */
			size_t entry = (size_t)(p - e) + nlen;
			size_t padded = (entry + 8) & ~(size_t)7;
			if (padded - (size_t)(p - e) > (size_t)(end - p)) {
				result = -1;
				break;
			}
			if (rootlen + 1 + nlen + 1 > cap) {
				size_t ncap = rootlen + 1 + nlen + 1 + 256;
				char *nf = realloc(full, ncap);
				if (!nf) {
					free(full);
					return MLMD_OOM();
				}
				full = nf;
				cap = ncap;
			}
			memcpy(full + rootlen + 1, p, nlen);
			plen = nlen;
			p = e + padded;
		}
		full[rootlen + 1 + plen] = '\0';
		if (memchr(full + rootlen + 1, '\0', plen) || !safe_path(full + rootlen + 1, plen)) {
			result = -1;
			break;
		}
		unsigned stage = (flags >> 12) & 3;
		unsigned type = mode >> 12;
		if (stage != 0 || (xflags & 0x2000)) { /* unmerged, or intent-to-add */
			result = 1;
			break;
		}
		if ((flags & 0x8000) || (xflags & 0x4000) || type == 016) /* assume-unchanged, skip-worktree, submodule */
			continue;
		if (type != 010 && type != 012) { /* neither a file nor a symlink: not an index we understand */
			result = -1;
			break;
		}
		struct stat st;
		if (lstat(full, &st) != 0) {
			result = errno == ENOENT || errno == ENOTDIR ? 1 : -1; /* deleted: dirty */
			break;
		}
		if (type == 010 ? !S_ISREG(st.st_mode) : !S_ISLNK(st.st_mode)) {
			result = 1;
			break;
		}
		if (type == 010 && !!(mode & 0100) != !!(st.st_mode & S_IXUSR)) {
			result = 1;
			break;
		}
		int64_t fm_s = (int64_t)st.st_mtim.tv_sec, fm_ns = (int64_t)st.st_mtim.tv_nsec;
		int same_stat = (uint32_t)st.st_size == size && (uint32_t)fm_s == mtime_s && (uint32_t)fm_ns == mtime_ns;
		/* racily clean: modified in the same instant the index was written */
		int racy = (int64_t)mtime_s > index_mtime_s ||
			((int64_t)mtime_s == index_mtime_s && (int64_t)mtime_ns >= index_mtime_ns);
		if (same_stat && !racy)
			continue;
		if ((uint32_t)st.st_size != size) {
			result = 1; /* git keeps the size's low 32 bits: a different size is a different file */
			break;
		}
		int rc = content_differs(full, &st, id);
		if (rc < 0) {
			free(full);
			return rc;
		}
		result = rc;
	}
	free(full);
	if (result != 0)
		return result;
	/* a split index keeps its other entries in sharedindex.*: not read, so unknown */
	while ((size_t)(end - p) >= 8) {
		uint32_t sz = be32(p + 4);
		if (memcmp(p, "link", 4) == 0)
			return -1;
		if (sz > (size_t)(end - p) - 8)
			return -1;
		p += 8 + sz;
	}
	return p == end ? 0 : -1;
}

/* The dirty flag of repository r: its index against its worktree. */
static int read_dirty(const repo *r, int *dirty)
{
	*dirty = -1;
	char *path = join(r->gitdir, "index");
	if (!path)
		return MLMD_OOM();
	char *buf;
	size_t len;
	struct stat st;
	int rc = read_whole(path, MAX_INDEX, &buf, &len, &st);
	free(path);
	if (rc)
		return rc < 0 ? rc : 0;
	rc = mlmd__git_index_dirty(r->root, (const unsigned char *)buf, len, (int64_t)st.st_mtim.tv_sec,
		(int64_t)st.st_mtim.tv_nsec);
	free(buf);
	if (rc < -1)
		return rc;
	*dirty = rc;
	return 0;
}

int mlmd__git_read(const char *dir, mlmd__git_info *g)
{
	memset(g, 0, sizeof *g);
	g->dirty = -1;
	repo r;
	int rc = repo_find(dir, &r);
	if (rc)
		return rc < 0 ? rc : 0;
	rc = read_head(&r, g);
	if (!rc && g->commit[0])
		rc = read_dirty(&r, &g->dirty);
	repo_free(&r);
	if (rc < 0) {
		mlmd__git_info_free(g);
		g->dirty = -1;
	}
	return rc < 0 ? rc : 0;
}

void mlmd__git_info_free(mlmd__git_info *g)
{
	free(g->branch);
	g->branch = NULL;
	g->commit[0] = '\0';
}
