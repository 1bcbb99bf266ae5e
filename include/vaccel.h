/* SPDX-License-Identifier: Apache-2.0 */
/* vAccel: hardware-agnostic acceleration API (compatible with vAccel 0.8).
 * Umbrella header: include this one. Link with -lvaccel (pkg-config vaccel). */
#ifndef VACCEL_H
#define VACCEL_H

/* Version of the API/ABI this library implements; plugins put it in
 * vaccel_plugin_info.vaccel_version. Same major = compatible. */
#define VACCEL_VERSION "0.8.0"
#define VACCEL_VERSION_MAJOR 0
#define VACCEL_VERSION_MINOR 8
#define VACCEL_VERSION_PATCH 0

#include "vaccel/arg.h"
#include "vaccel/blob.h"
#include "vaccel/config.h"
#include "vaccel/core.h"
#include "vaccel/error.h"
#include "vaccel/id.h"
#include "vaccel/limits.h"
#include "vaccel/list.h"
#include "vaccel/log.h"
#include "vaccel/op.h"
#include "vaccel/plugin.h"
#include "vaccel/prof.h"
#include "vaccel/resource.h"
#include "vaccel/session.h"
#include "vaccel/shm.h"
#include "vaccel/slog.h"
#include "vaccel/url_policy.h"
#include "vaccel/ops/blas.h"
#include "vaccel/ops/exec.h"
#include "vaccel/ops/fpga.h"
#include "vaccel/ops/genop.h"
#include "vaccel/ops/image.h"
#include "vaccel/ops/minmax.h"
#include "vaccel/ops/noop.h"
#include "vaccel/ops/opencv.h"
#include "vaccel/ops/tf.h"
#include "vaccel/ops/tflite.h"
#include "vaccel/ops/torch.h"
#include "vaccel/utils/enum.h"
#include "vaccel/utils/fs.h"
#include "vaccel/utils/path.h"
#include "vaccel/utils/str.h"

#endif /* VACCEL_H */
