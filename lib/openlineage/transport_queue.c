/*
 * openlineage/transport_queue.c - the transport's on-disk queue: a
 * directory of event files (see transport.h for the names, the locks and
 * how a file appears whole).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "openlineage/transport.h"

/* mkdir -p, mode 0700 for what it creates. */
static int make_dirs(const char *dir)
{
	char *p = mlmd__strdup(dir);
	if (!p)
		return -1;
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0700) && errno != EEXIST) {
			free(p);
			return -1;
		}
		*c = '/';
	}
	int rc = mkdir(p, 0700) && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

static int open_lock(const char *dir, const char *name)
{
	char path[4096];
	if (mlmd__snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return -1;
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

/* Removes the temporary files of processes that no longer run (a crash
 * between writing an event and naming it): ".tmp-<pid>-...". */
static void remove_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		long pid = 0;
		if (strncmp(e->d_name, ".tmp-", 5) || sscanf(e->d_name + 5, "%ld", &pid) != 1 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char path[4096];
		if (mlmd__snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
			unlink(path);
	}
	closedir(d);
}

void mlmd__olq_entries_free(ol_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

int mlmd__olq_open(ol_queue *q, const char *dir, int64_t max_bytes)
{
	memset(q, 0, sizeof *q);
	q->lock_fd = q->send_fd = -1;
	if (!dir || !*dir)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage queue directory is empty");
	if (strlen(dir) > 3000)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage queue directory '%.64s...' is longer than 3000 bytes",
				  dir);
	if (make_dirs(dir))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage queue directory '%s' cannot be created: %s", dir,
				  strerror(errno));
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage queue directory '%s' is not a directory", dir);
	if (access(dir, W_OK | X_OK))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage queue directory '%s' is not writable: %s", dir,
				  strerror(errno));
	if (!(q->dir = mlmd__strdup(dir)))
		return MLMD_OOM();
	q->lock_fd = open_lock(dir, ".queue.lock");
	q->send_fd = open_lock(dir, ".send.lock");
	if (q->lock_fd < 0 || q->send_fd < 0) {
		int err = errno;
		mlmd__olq_close(q);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage queue directory '%s': cannot open its lock files: %s",
				  dir, strerror(err));
	}
	q->max_bytes = max_bytes;
	q->tag = (unsigned)(((uintptr_t)q >> 4) ^ (uintptr_t)mlmd__mono_ns()) & 0xffffffu;
	remove_stale_temps(dir);
	return 0;
}

void mlmd__olq_close(ol_queue *q)
{
	mlmd__olq_entries_free(q->known, q->n_known);
	if (q->lock_fd >= 0)
		close(q->lock_fd);
	if (q->send_fd >= 0)
		close(q->send_fd); /* releases the sender lock */
	free(q->dir);
	memset(q, 0, sizeof *q);
	q->lock_fd = q->send_fd = -1;
}

static int is_event_name(const char *name)
{
	size_t n = strlen(name);
	return n > 8 && !strncmp(name, "ev-", 3) && !strcmp(name + n - 5, ".json");
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const ol_entry *)a)->name, ((const ol_entry *)b)->name);
}



int mlmd__olq_list(ol_queue *q, ol_entry **out, size_t *n, int64_t *bytes)
{
	*out = NULL;
	*n = 0;
	*bytes = 0;
	DIR *d = opendir(q->dir);
	if (!d)
		return mlmd__fail(MLMD_UNAVAILABLE, "OpenLineage queue directory '%s': %s", q->dir, strerror(errno));
	ol_entry *v = NULL;
	size_t cnt = 0;
	int64_t total = 0;
	struct dirent *e;
	int dfd = dirfd(d);
	while ((e = readdir(d))) {
		if (!is_event_name(e->d_name))
			continue;
		struct stat st;
		if (fstatat(dfd, e->d_name, &st, 0))
			continue; /* gone meanwhile */
		if (mlmd__grow((void **)&v, cnt, sizeof *v) || !(v[cnt].name = mlmd__strdup(e->d_name))) {
			closedir(d);
			mlmd__olq_entries_free(v, cnt);
			return MLMD_OOM();
		}
		v[cnt++].bytes = st.st_size;
		total += st.st_size;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof *v, cmp_entry);
	*out = v;
	*n = cnt;
	*bytes = total;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The time part of event file name `name` when it is past `floor`, else floor. */
static int64_t name_ns(const char *name, int64_t floor)
{
	int64_t ns = 0;
	for (int i = 3; i < 23; i++) {
		if (name[i] < '0' || name[i] > '9' || ns > (INT64_MAX - 9) / 10)
			return floor;
		ns = ns * 10 + (name[i] - '0');
	}
	return ns > floor ? ns : floor;
}

/* The time part of the last name any handle chose, as it wrote it at the
 * start of .queue.lock (queue lock held); 0 when there is none yet. */
static int64_t lock_file_ns(ol_queue *q)
{
	char buf[24] = "ev-";
	if (pread(q->lock_fd, buf + 3, 20, 0) != 20)
		return 0;
	return name_ns(buf, 0);
}

/* Adds a file this handle just queued to its listing (queue lock held);
 * out of memory, the listing is dropped and taken again at the next put. */
static void remember(ol_queue *q, const char *name, int64_t bytes)
{
	if (q->head > 0 && q->head * 2 >= q->n_known) { /* the dropped front: reuse its room */
		memmove(q->known, q->known + q->head, (q->n_known - q->head) * sizeof *q->known);
		q->n_known -= q->head;
		q->head = 0;
	}
	char *copy = mlmd__strdup(name);
	if (!copy || mlmd__grow_any((void **)&q->known, q->n_known, sizeof *q->known)) {
		free(copy);
		q->listed = 0;
		return;
	}
	q->known[q->n_known].name = copy;
	q->known[q->n_known++].bytes = bytes;
	q->known_bytes += bytes;
	q->puts_since_list++;
}

int mlmd__olq_put(ol_queue *q, const char *event, size_t len, int64_t *dropped)
{
	if ((int64_t)len > q->max_bytes) {
		(*dropped)++; /* could never fit: the queue keeps what it has */
		return 0;
	}
	char tmp[4096], final[4096];
	uint64_t seq = ++q->seq;
	mlmd__snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%06x-%llu", q->dir, (long)getpid(), q->tag,
		       (unsigned long long)seq);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return mlmd__fail(MLMD_UNAVAILABLE, "OpenLineage queue: cannot create '%s': %s", tmp, strerror(errno));
	/* whole before it is named: a crash leaves a temporary file, never a
	 * cut event under an event's name */
	if (write_all(fd, event, len) || fdatasync(fd)) {
		int err = errno;
		close(fd);
		unlink(tmp);
		return mlmd__fail(MLMD_UNAVAILABLE, "OpenLineage queue: cannot write '%s': %s", tmp, strerror(err));
	}
	close(fd);

	while (flock(q->lock_fd, LOCK_EX) && errno == EINTR)
		;
	int rc = 0;
	if (!q->listed || q->puts_since_list >= OL_RELIST_PUTS) {
		/* the directory as it is now: what other handles added and what
		 * the senders removed since the last listing */
		mlmd__olq_entries_free(q->known, q->n_known);
		q->known = NULL;
		q->n_known = q->head = 0;
		q->listed = 0;
		if (!(rc = mlmd__olq_list(q, &q->known, &q->n_known, &q->known_bytes))) {
			q->listed = 1;
			q->puts_since_list = 0;
			if (q->n_known) /* sorted: the last name is the newest */
				q->last_ns = name_ns(q->known[q->n_known - 1].name, q->last_ns);
		}
	}
	/* oldest first; a file already gone was posted (or dropped by another
	 * handle): it only stops counting */
	while (!rc && q->head < q->n_known && q->known_bytes + (int64_t)len > q->max_bytes) {
		ol_entry *e = &q->known[q->head++];
		char path[4096];
		mlmd__snprintf(path, sizeof path, "%s/%s", q->dir, e->name);
		if (unlink(path) == 0)
			(*dropped)++;
		q->known_bytes -= e->bytes;
		free(e->name);
		e->name = NULL;
	}
	if (!rc) {
		/* the name's time is past every name queued before (this handle's,
		 * the listing's, and the one the lock file remembers from any
		 * handle), so the names sort in queue order even when the clock
		 * went back or another process's clock is ahead */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, last = lock_file_ns(q);
		if (last < q->last_ns)
			last = q->last_ns;
		if (ns <= last)
			ns = last + 1;
		q->last_ns = ns;
		char mark[21];
		mlmd__snprintf(mark, sizeof mark, "%020lld", (long long)ns);
		if (pwrite(q->lock_fd, mark, 20, 0) != 20) {
			/* best effort: the listing still orders this handle's names */
		}
		mlmd__snprintf(final, sizeof final, "%s/ev-%020lld-%010ld-%06x-%012llu.json", q->dir, (long long)ns,
			       (long)getpid(), q->tag, (unsigned long long)seq);
		if (rename(tmp, final))
			rc = mlmd__fail(MLMD_UNAVAILABLE, "OpenLineage queue: cannot rename '%s': %s", tmp, strerror(errno));
	}
	if (!rc)
		remember(q, final + strlen(q->dir) + 1, (int64_t)len);
	flock(q->lock_fd, LOCK_UN);
	if (rc)
		unlink(tmp);
	return rc;
}

int mlmd__olq_read(ol_queue *q, const char *name, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	char path[4096];
	mlmd__snprintf(path, sizeof path, "%s/%s", q->dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return mlmd__fail(MLMD_UNAVAILABLE, "OpenLineage queue: cannot open '%s': %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) || st.st_size > OL_MAX_EVENT_BYTES) {
		close(fd);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage queue: '%s' is not a readable event of at most %d "
				  "bytes", path, OL_MAX_EVENT_BYTES);
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return MLMD_OOM();
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

void mlmd__olq_remove(ol_queue *q, const char *name)
{
	char path[4096];
	mlmd__snprintf(path, sizeof path, "%s/%s", q->dir, name);
	unlink(path);
}

int mlmd__olq_send_try(ol_queue *q)
{
	if (q->sending)
		return 1;
	if (flock(q->send_fd, LOCK_EX | LOCK_NB))
		return 0;
	q->sending = 1;
	return 1;
}

void mlmd__olq_send_release(ol_queue *q)
{
	if (!q->sending)
		return;
	flock(q->send_fd, LOCK_UN);
	q->sending = 0;
}
