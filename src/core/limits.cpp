// SPDX-License-Identifier: Apache-2.0
// Public capacity queries (include/vaccel/limits.h).
#include "object_store.hpp"
#include "vaccel/limits.h"

extern "C" {

size_t vaccel_session_capacity(void)
{
	return vaccel::core::objects().session_ids.capacity();
}

size_t vaccel_resource_capacity(void)
{
	return vaccel::core::objects().resource_ids.capacity();
}

} // extern "C"
