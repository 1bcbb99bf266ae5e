// SPDX-License-Identifier: Apache-2.0
// vAccel C++ API (header-only, C++20) over the C ABI of vaccel.h: RAII
// owners (Config/Runtime, Session, Resource, Arg/ArgArray, ProfRegion,
// TF/TFLite/Torch tensors, SharedBuffer),
// std::span views, and vaccel::Error (a std::system_error carrying the
// VACCEL_E* code). Link with -lvaccel as for C.
#ifndef VACCEL_HPP
#define VACCEL_HPP

#include "vaccel.h"
#include "vaccel/cpp/arg.hpp"
#include "vaccel/cpp/config.hpp"
#include "vaccel/cpp/error.hpp"
#include "vaccel/cpp/log.hpp"
#include "vaccel/cpp/ops.hpp"
#include "vaccel/cpp/prof.hpp"
#include "vaccel/cpp/resource.hpp"
#include "vaccel/cpp/session.hpp"
#include "vaccel/cpp/shm.hpp"
#include "vaccel/cpp/tensor.hpp"

#endif // VACCEL_HPP
