/*
 * util/pbnames.c - MLMD's event types and execution states by name, and
 * which event types are inputs and outputs, for every writer of text.
 */
#include "pbutil.h"

const char *mlmd__event_type_name(int type)
{
	static const char *const names[] = { "UNKNOWN", "DECLARED_OUTPUT", "DECLARED_INPUT", "INPUT", "OUTPUT",
		"INTERNAL_INPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT" };
	return type >= 0 && type < (int)(sizeof names / sizeof *names) ? names[type] : "UNKNOWN";
}

const char *mlmd__execution_state_name(int state)
{
	static const char *const names[] = { "UNKNOWN", "NEW", "RUNNING", "COMPLETE", "FAILED", "CACHED", "CANCELED" };
	return state >= 0 && state < (int)(sizeof names / sizeof *names) ? names[state] : "UNKNOWN";
}

int mlmd__event_is_input(int type)
{
	return type == MLMD__PB__EVENT__TYPE__DECLARED_INPUT || type == MLMD__PB__EVENT__TYPE__INPUT ||
	       type == MLMD__PB__EVENT__TYPE__INTERNAL_INPUT;
}

int mlmd__event_is_output(int type)
{
	return type == MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT || type == MLMD__PB__EVENT__TYPE__OUTPUT ||
	       type == MLMD__PB__EVENT__TYPE__INTERNAL_OUTPUT || type == MLMD__PB__EVENT__TYPE__PENDING_OUTPUT;
}
