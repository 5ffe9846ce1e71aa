/*
 * mlmd/testing_cmocka.h - mlmd/testing.h's assertions as cmocka checks, for
 * C tests of pipelines (include after <cmocka.h>; not part of <mlmd.h>).
 *
 * (Contract placeholder: the owner of lib/testing writes it.)
 */
#ifndef MLMD_TESTING_CMOCKA_H
#define MLMD_TESTING_CMOCKA_H
#include "testing.h"
#endif
