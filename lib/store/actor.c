/*
 * store/actor.c - who a store handle's calls are by: the actor of its audit
 * records and of the registry's requests and approvals. Set by the host
 * (mlmd_store_options.actor, mlmd_store_set_actor), else the environment's
 * MLMD_ACTOR, else the OS user name. The library trusts its host for
 * identity (docs/audit.md).
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store_private.h"

#define ACTOR_MAX 256

/* Whether `a` is an acceptable actor: 1..ACTOR_MAX bytes of well-formed
 * UTF-8 without control characters (it goes into the audit record's
 * line-based canonical text). 0 when it is, else the reason. */
static const char *actor_problem(const char *a)
{
	size_t n = strlen(a);
	if (n == 0)
		return "is empty";
	if (n > ACTOR_MAX)
		return "is longer than 256 bytes";
	const unsigned char *p = (const unsigned char *)a;
	while (*p) {
		unsigned char b = *p;
		if (b < 0x20 || b == 0x7f)
			return "holds a control character";
		int more = b < 0x80 ? 0 : (b & 0xe0) == 0xc0 && b >= 0xc2 ? 1 : (b & 0xf0) == 0xe0 ? 2 :
			(b & 0xf8) == 0xf0 && b <= 0xf4 ? 3 : -1;
		if (more < 0)
			return "is not valid UTF-8";
		p++;
		for (int i = 0; i < more; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return "is not valid UTF-8";
	}
	return NULL;
}

/* The default actor, newly allocated: MLMD_ACTOR when set and acceptable,
 * else the effective user's name, else "uid:<n>". */
static char *default_actor(void)
{
	const char *env = getenv("MLMD_ACTOR");
	if (env && !actor_problem(env))
		return strdup(env);
	char buf[4096], *name = NULL;
	struct passwd pw, *res = NULL;
	if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name &&
	    !actor_problem(res->pw_name))
		name = res->pw_name;
	if (name)
		return strdup(name);
	char uid[32];
	mlmd__snprintf(uid, sizeof uid, "uid:%lu", (unsigned long)geteuid());
	return strdup(uid);
}

int mlmd_store_set_actor(mlmd_store *s, const char *actor)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_set_actor: store is NULL");
	const char *why = actor ? actor_problem(actor) : NULL;
	if (why)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "actor '%.64s%s' %s (1..256 bytes of UTF-8 text without "
				  "control characters)", actor, strlen(actor) > 64 ? "..." : "", why);
	if (s->in_txn)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_store_set_actor: the store is running a call");
	char *copy = actor ? strdup(actor) : default_actor();
	if (!copy)
		return MLMD_OOM();
	free(s->actor);
	s->actor = copy;
	return 0;
}

const char *mlmd_store_actor(const mlmd_store *s)
{
	return s ? s->actor : NULL;
}

void mlmd__store_set_audit(mlmd_store *s, int on)
{
	s->audit_off = !on;
}
