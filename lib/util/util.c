/*
 * util/util.c - strings, clocks, growable arrays and buffers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pbutil.h"

char *mlmd__strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *mlmd__strdup(const char *s)
{
	return s ? mlmd__strndup(s, strlen(s)) : NULL;
}

int64_t mlmd__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t mlmd__mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct timespec mlmd__deadline_in_ms(clockid_t clock, int64_t ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int64_t mlmd__days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                  /* [0, 399] */
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365], years from March */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void mlmd__civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int mlmd__grow(void **arr, size_t n, size_t elem)
{
	/* Capacity is implied by n: the next power of two >= n. Reallocate only
	 * when n is zero or a power of two, i.e. when the array is full. This
	 * holds only for arrays that grew through here from NULL; see
	 * mlmd__grow_any for arrays of any origin. */
	if (n == 0 || (n & (n - 1)) == 0) {
		size_t cap = n ? n * 2 : 1;
		if (cap > SIZE_MAX / elem)
			return MLMD_OOM();
		void *p = realloc(*arr, cap * elem);
		if (!p)
			return MLMD_OOM();
		*arr = p;
	}
	return 0;
}

/*
 * Makes room for element n (0-based) of an array of any origin: one that
 * protobuf_c_message_unpack() sized exactly, one a caller malloc'd, or one
 * that grew here. The array's capacity cannot be inferred from its count,
 * but the allocator knows the size of the block, so this asks realloc()
 * every time for the next power of two >= n + 1 elements. For an array that
 * already has that size the call returns the same block without copying
 * (glibc, musl), and the requested size changes only at powers of two, so a
 * run of appends copies O(n) elements in all. An exactly sized foreign array
 * gets its first realloc on its first append, which is what makes it safe.
 */
int mlmd__grow_any(void **arr, size_t n, size_t elem)
{
	size_t cap = 1;
	while (cap < n + 1) {
		if (cap > SIZE_MAX / 2)
			return MLMD_OOM();
		cap *= 2;
	}
	if (cap > SIZE_MAX / elem)
		return MLMD_OOM();
	void *p = realloc(*arr, cap * elem);
	if (!p)
		return MLMD_OOM();
	*arr = p;
	return 0;
}

int mlmd__push_ptr(void ***arr, size_t *n, void *item)
{
	if (mlmd__grow((void **)arr, *n, sizeof(void *)))
		return -MLMD_RESOURCE_EXHAUSTED;
	(*arr)[(*n)++] = item;
	return 0;
}

int mlmd__push_i64(int64_t **arr, size_t *n, int64_t v)
{
	if (mlmd__grow((void **)arr, *n, sizeof(int64_t)))
		return -MLMD_RESOURCE_EXHAUSTED;
	(*arr)[(*n)++] = v;
	return 0;
}

void *mlmd__msg_new(const ProtobufCMessageDescriptor *d)
{
	void *m = malloc(d->sizeof_message);
	if (m)
		protobuf_c_message_init(d, m);
	return m;
}

void mlmd__buf_put(mlmd_buf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void mlmd__buf_puts(mlmd_buf *b, const char *s)
{
	mlmd__buf_put(b, s, strlen(s));
}

void mlmd__buf_printf(mlmd_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = mlmd__vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof tmp) {
		mlmd__buf_put(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	mlmd__vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	mlmd__buf_put(b, big, (size_t)n);
	free(big);
}

void mlmd__buf_free(mlmd_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

int mlmd__file_uri_encode(const char *abs_path, char **out)
{
	*out = NULL;
	mlmd_buf b = { 0 };
	mlmd__buf_puts(&b, "file://");
	for (const unsigned char *p = (const unsigned char *)abs_path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
			*p == '.' || *p == '_' || *p == '~' || *p == '/')
			mlmd__buf_put(&b, p, 1);
		else
			mlmd__buf_printf(&b, "%%%02X", *p);
	}
	if (b.oom || !b.p) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	*out = b.p;
	return 0;
}

uint32_t mlmd__lock_hash(const char *key, size_t len)
{
	/* FNV-1a over the bytes, then a finalizer so that keys differing only
	 * in their last bytes (node:1:41, node:1:42) spread over all 32 bits */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	h *= 0xC2B2AE35u;
	h ^= h >> 16;
	return h;
}
