/*
 * server/redact.c - a store URI as the server may print it: a password in
 * it (postgresql://USER:PASSWORD@HOST/DB, or a password=VALUE query
 * parameter) becomes "***", so start lines and errors on stderr, which
 * service managers keep in their logs, never hold a credential.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "server.h"

/* Appends n bytes of s to buf (at *at, size bytes), cutting at the end. */
static void put(char *buf, size_t size, size_t *at, const char *s, size_t n)
{
	if (*at + 1 >= size)
		return;
	if (n > size - 1 - *at)
		n = size - 1 - *at;
	memcpy(buf + *at, s, n);
	*at += n;
	buf[*at] = '\0';
}

void srv_redact_uri(const char *uri, char *buf, size_t size)
{
	if (!size)
		return;
	buf[0] = '\0';
	if (!uri)
		return;
	size_t at = 0;
	const char *p = uri;
	const char *scheme_end = strstr(uri, "://");
	if (scheme_end) {
		/* the authority runs to the first '/', '?' or '#'; its user
		 * information to the last '@' in it */
		const char *auth = scheme_end + 3;
		size_t auth_len = strcspn(auth, "/?#");
		const char *atsign = NULL;
		for (const char *q = auth; q < auth + auth_len; q++)
			if (*q == '@')
				atsign = q;
		const char *colon = atsign ? memchr(auth, ':', (size_t)(atsign - auth)) : NULL;
		if (colon) {
			put(buf, size, &at, uri, (size_t)(colon + 1 - uri));
			put(buf, size, &at, "***", 3);
			p = atsign;
		}
	}
	/* query parameters named password (any case), e.g. ?password=x&... */
	while (*p) {
		size_t n = strcspn(p, "?&");
		put(buf, size, &at, p, n);
		p += n;
		if (!*p)
			break;
		put(buf, size, &at, p, 1);
		p++;
		if (!strncasecmp(p, "password=", 9)) {
			put(buf, size, &at, p, 9);
			put(buf, size, &at, "***", 3);
			p += 9 + strcspn(p + 9, "&#");
		}
	}
}
