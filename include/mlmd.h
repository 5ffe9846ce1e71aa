/*
 * mlmd.h - the mlmd library: an embeddable, MLMD-compatible metadata store.
 * Include this one header; see docs/api.md.
 */
#ifndef MLMD_H
#define MLMD_H

#include "mlmd/common.h"
#include "mlmd/error.h"
#include "mlmd/store.h"
#include "mlmd/metadata.h"
#include "mlmd/scorer.h"
#include "mlmd/serving.h"
#include "mlmd/render.h"
#include "mlmd/tracking.h"
#include "mlmd/registry.h"
#include "mlmd/audit.h"
#include "mlmd/datagov.h"
#include "mlmd/monitor.h"
#include "mlmd/explain.h"
#include "mlmd/openlineage.h"
#include "mlmd/testing.h"
#include "mlmd/sqlite.h"
#include "mlmd/json.h"

#endif
