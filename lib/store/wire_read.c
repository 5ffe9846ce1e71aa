/*
 * store/wire_read.c - the wire handlers of the node reads (store/wire.h).
 */
#include <string.h>
#include "wire.h"

mlmd__wire_fn mlmd__wire_handler(const char *rpc)
{
	(void)rpc; /* not written yet: every RPC is packed from its struct response */
	return NULL;
}
