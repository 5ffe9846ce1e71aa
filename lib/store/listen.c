/*
 * store/listen.c - listeners told about committed writes (owner: the transport).
 */
#include "store_private.h"

int mlmd_store_listen(mlmd_store *s, mlmd_store_listener_fn fn, void *user, void (*free_user)(void *), int *id)
{
	(void)s;
	(void)fn;
	(void)user;
	(void)free_user;
	(void)id;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_store_listen: not written yet");
}

int mlmd_store_unlisten(mlmd_store *s, int id)
{
	(void)s;
	(void)id;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_store_unlisten: not written yet");
}

void *mlmd_store_listener_data(mlmd_store *s, mlmd_store_listener_fn fn)
{
	(void)s;
	(void)fn;
	return NULL;
}
