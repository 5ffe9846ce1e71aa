/*
 * scorer/pmml_xml.c - PMML text to a small element tree, with expat.
 *
 * PMML needs no DTD, so any DOCTYPE is refused: that rules out entity
 * expansion ("billion laughs") and external entities outright. Nesting,
 * element count and text size are bounded. Element and attribute names keep
 * their local part; elements outside the PMML namespaces are marked foreign
 * (JPMML's InlineTable cells live in one).
 */
#include <expat.h>
#include <stdio.h>
#include <string.h>
#include "../util/base.h"
#include "pmml_xml.h"

#define MAX_DEPTH 256
#define MAX_ELEMENTS 50000000L
#define MAX_TEXT (64L << 20)

typedef struct {
	XML_Parser p;
	sc_pool *pool;
	px *root, *cur;
	int depth;
	long elements;
	const char *err;
	char errbuf[160];
	int pmml_major;
} builder;

static void stop(builder *b, const char *why)
{
	if (!b->err)
		b->err = why;
	XML_StopParser(b->p, XML_FALSE);
}

static const char *local_name(const char *qname, bool *foreign, builder *b)
{
	const char *sep = strchr(qname, '\x01');
	if (!sep) {
		*foreign = false; /* no namespace: PMML 3.x files sometimes omit it */
		return qname;
	}
	size_t ul = (size_t)(sep - qname);
	*foreign = !(ul > 24 && strncmp(qname, "http://www.dmg.org/PMML-", 24) == 0);
	if (!*foreign && b->pmml_major == 0)
		b->pmml_major = qname[24] - '0';
	return sep + 1;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	builder *b = ud;
	if (b->err)
		return;
	if (++b->depth > MAX_DEPTH) {
		stop(b, "elements nest deeper than 256 levels");
		return;
	}
	if (++b->elements > MAX_ELEMENTS) {
		stop(b, "more than 50 million elements");
		return;
	}
	px *n = mlmd__sc_alloc(b->pool, sizeof *n);
	if (!n) {
		stop(b, "out of memory");
		return;
	}
	bool foreign;
	const char *ln = local_name(name, &foreign, b);
	n->name = mlmd__sc_strdup(b->pool, ln, strlen(ln));
	n->foreign = foreign;
	n->line = (int)XML_GetCurrentLineNumber(b->p);
	size_t na = 0;
	while (atts[na])
		na += 2;
	n->attr = mlmd__sc_alloc_array(b->pool, na + 2, sizeof(char *));
	if (!n->name || !n->attr) {
		stop(b, "out of memory");
		return;
	}
	for (size_t i = 0; i < na; i += 2) {
		bool f;
		const char *an = local_name(atts[i], &f, b);
		n->attr[i] = mlmd__sc_strdup(b->pool, an, strlen(an));
		n->attr[i + 1] = mlmd__sc_strdup(b->pool, atts[i + 1], strlen(atts[i + 1]));
		if (!n->attr[i] || !n->attr[i + 1]) {
			stop(b, "out of memory");
			return;
		}
	}
	n->parent = b->cur;
	if (b->cur) {
		if (b->cur->last)
			b->cur->last->next = n;
		else
			b->cur->first = n;
		b->cur->last = n;
	} else {
		b->root = n;
	}
	b->cur = n;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	builder *b = ud;
	(void)name;
	if (b->err || !b->cur)
		return;
	if (b->cur->text)
		b->cur->text[b->cur->tlen] = '\0';
	b->cur = b->cur->parent;
	b->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	builder *b = ud;
	px *n = b->cur;
	if (b->err || !n || len <= 0)
		return;
	if (!n->text) {
		/* skip whitespace between elements */
		int i = 0;
		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
			i++;
		if (i == len)
			return;
	}
	if (n->tlen + (size_t)len + 1 > n->tcap) {
		if (n->tlen + (size_t)len > MAX_TEXT) {
			stop(b, "an element's text exceeds 64 MiB");
			return;
		}
		size_t cap = n->tcap ? n->tcap * 2 : 64;
		while (cap < n->tlen + (size_t)len + 1)
			cap *= 2;
		char *t = mlmd__sc_alloc(b->pool, cap);
		if (!t) {
			stop(b, "out of memory");
			return;
		}
		if (n->tlen)
			memcpy(t, n->text, n->tlen);
		n->text = t;
		n->tcap = cap;
	}
	memcpy(n->text + n->tlen, s, (size_t)len);
	n->tlen += (size_t)len;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
	int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	stop(ud, "DOCTYPE declarations are not allowed in PMML (no DTDs, entities or external references)");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int len,
	const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)len, (void)base, (void)sysid, (void)pubid, (void)notation;
	stop(ud, "entity declarations are not allowed in PMML");
}

int mlmd__px_parse(sc_pool *pool, const char *data, size_t len, px **root)
{
	builder b = { .pool = pool };
	b.p = XML_ParserCreateNS(NULL, '\x01');
	if (!b.p)
		return MLMD_OOM();
	XML_SetUserData(b.p, &b);
	XML_SetElementHandler(b.p, on_start, on_end);
	XML_SetCharacterDataHandler(b.p, on_text);
	XML_SetStartDoctypeDeclHandler(b.p, on_doctype);
	XML_SetEntityDeclHandler(b.p, on_entity);
	XML_SetParamEntityParsing(b.p, XML_PARAM_ENTITY_PARSING_NEVER);
	int rc = 0;
	const char *p = data;
	size_t left = len;
	while (!b.err) {
		int chunk = left > (1u << 30) ? (1 << 30) : (int)left;
		left -= (size_t)chunk;
		if (XML_Parse(b.p, p, chunk, left == 0) == XML_STATUS_ERROR) {
			if (!b.err) {
				snprintf(b.errbuf, sizeof b.errbuf, "%s", XML_ErrorString(XML_GetErrorCode(b.p)));
				b.err = b.errbuf;
			}
			break;
		}
		p += chunk;
		if (left == 0)
			break;
	}
	if (b.err)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "PMML: XML error at line %lu: %s",
			(unsigned long)XML_GetCurrentLineNumber(b.p), b.err);
	else if (!b.root || strcmp(b.root->name, "PMML") != 0)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "PMML: the document's root element is not <PMML>");
	else if (b.pmml_major != 0 && b.pmml_major != 3 && b.pmml_major != 4)
		rc = mlmd__fail(MLMD_UNIMPLEMENTED, "PMML: namespace version %d is not supported (3.x and 4.x are)",
			b.pmml_major);
	XML_ParserFree(b.p);
	if (!rc)
		*root = b.root;
	return rc;
}

const char *mlmd__px_attr(const px *n, const char *name)
{
	for (size_t i = 0; n->attr[i]; i += 2)
		if (strcmp(n->attr[i], name) == 0)
			return n->attr[i + 1];
	return NULL;
}

px *mlmd__px_child(const px *n, const char *name)
{
	for (px *c = n->first; c; c = c->next)
		if (!c->foreign && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

px *mlmd__px_next(const px *n, const char *name)
{
	for (px *c = n->next; c; c = c->next)
		if (!c->foreign && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}
