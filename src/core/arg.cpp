// SPDX-License-Identifier: Apache-2.0
// Single operation args (struct vaccel_arg) and the deprecated seed-era arg
// list. The typed vaccel_arg_array lives in arg_array.cpp and arg_array_typed.cpp.
//
// Memory handed across the C ABI (arg buffers, list storage) uses
// malloc/free so that C callers and plugins can free what we allocate.
#include <cstdlib>
#include <cstring>

#include "arg_internal.hpp"
#include "ops/op_common.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using vaccel::ops::invalid_arg;

namespace vaccel::args {

bool valid_arg_type(vaccel_arg_type_t type) noexcept
{
	return static_cast<unsigned>(type) < static_cast<unsigned>(VACCEL_ARG_MAX);
}

int init_copy(vaccel_arg *arg, const void *buf, size_t size, vaccel_arg_type_t type, uint32_t custom_type_id) noexcept
{
	void *copy = nullptr;
	if (size > 0) {
		// A NULL source gives a zeroed buffer (vAccel 0.8 output slots).
		copy = buf != nullptr ? std::malloc(size) : std::calloc(1, size);
		if (copy == nullptr)
			return VACCEL_ENOMEM;
		if (buf != nullptr)
			std::memcpy(copy, buf, size);
	}
	*arg = vaccel_arg{copy, size, type, custom_type_id, true};
	return VACCEL_OK;
}

void release_arg(vaccel_arg *arg) noexcept
{
	if (arg->owned)
		std::free(arg->buf);
	// vAccel 0.8 marks a released arg with the VACCEL_ARG_MAX type.
	*arg = vaccel_arg{nullptr, 0, VACCEL_ARG_MAX, 0, false};
}

} // namespace vaccel::args

using namespace vaccel::args;

namespace {

// vAccel 0.8 rules: a buffer needs a size (size 0 only with a NULL buf); a
// NULL buf with a size is a zeroed copy for init, an error for init_from_buf.
int check_init_args(const char *what, const vaccel_arg *arg, const void *buf, size_t size, vaccel_arg_type_t type,
		    bool null_buf_ok) noexcept
{
	if (arg == nullptr)
		return invalid_arg(what, "arg is NULL");
	if (buf != nullptr && size == 0)
		return invalid_arg(what, "size is 0");
	if (buf == nullptr && size > 0 && !null_buf_ok)
		return invalid_arg(what, "buf is NULL but size > 0");
	if (!valid_arg_type(type))
		return invalid_arg(what, "invalid arg type");
	return VACCEL_OK;
}

} // namespace

int vaccel_arg_init(struct vaccel_arg *arg, const void *buf, size_t size, vaccel_arg_type_t type,
		    uint32_t custom_type_id)
{
	if (int ret = check_init_args("vaccel_arg_init", arg, buf, size, type, true))
		return ret;
	return init_copy(arg, buf, size, type, custom_type_id);
}

int vaccel_arg_init_from_buf(struct vaccel_arg *arg, void *buf, size_t size, vaccel_arg_type_t type,
			     uint32_t custom_type_id)
{
	if (int ret = check_init_args("vaccel_arg_init_from_buf", arg, buf, size, type, false))
		return ret;
	*arg = vaccel_arg{buf, size, type, custom_type_id, false};
	return VACCEL_OK;
}

int vaccel_arg_release(struct vaccel_arg *arg)
{
	if (arg == nullptr)
		return invalid_arg("vaccel_arg_release", "arg is NULL");
	release_arg(arg);
	return VACCEL_OK;
}

int vaccel_arg_new(struct vaccel_arg **arg, const void *buf, size_t size, vaccel_arg_type_t type,
		   uint32_t custom_type_id)
{
	if (arg == nullptr)
		return invalid_arg("vaccel_arg_new", "arg is NULL");
	auto *a = static_cast<vaccel_arg *>(std::calloc(1, sizeof(vaccel_arg)));
	if (a == nullptr)
		return VACCEL_ENOMEM;
	if (int ret = vaccel_arg_init(a, buf, size, type, custom_type_id)) {
		std::free(a);
		return ret;
	}
	*arg = a;
	return VACCEL_OK;
}

int vaccel_arg_from_buf(struct vaccel_arg **arg, void *buf, size_t size, vaccel_arg_type_t type,
			uint32_t custom_type_id)
{
	if (arg == nullptr)
		return invalid_arg("vaccel_arg_from_buf", "arg is NULL");
	auto *a = static_cast<vaccel_arg *>(std::calloc(1, sizeof(vaccel_arg)));
	if (a == nullptr)
		return VACCEL_ENOMEM;
	if (int ret = vaccel_arg_init_from_buf(a, buf, size, type, custom_type_id)) {
		std::free(a);
		return ret;
	}
	*arg = a;
	return VACCEL_OK;
}

int vaccel_arg_delete(struct vaccel_arg *arg)
{
	if (arg == nullptr)
		return invalid_arg("vaccel_arg_delete", "arg is NULL");
	release_arg(arg);
	std::free(arg);
	return VACCEL_OK;
}

/* ---- Deprecated seed-era arg list ------------------------------------ */

namespace {

// Next free slot of the list, or nullptr (logged) when full or invalid.
vaccel_arg *next_list_slot(vaccel_arg_list *args, const char *what) noexcept
{
	if (args == nullptr || args->list == nullptr || args->idcs_allocated_space == nullptr) {
		invalid_arg(what, "arg list is NULL");
		return nullptr;
	}
	if (args->curr_idx < 0 || static_cast<uint32_t>(args->curr_idx) >= args->size) {
		invalid_arg(what, "arg list is full");
		return nullptr;
	}
	return &args->list[args->curr_idx];
}

// Fills the next slot and advances; `allocated` marks a buffer the list frees.
int push_list_arg(vaccel_arg_list *args, void *buf, uint32_t size, uint32_t custom_type_id, bool allocated) noexcept
{
	vaccel_arg *slot = &args->list[args->curr_idx];
	*slot = vaccel_arg{buf, size, VACCEL_ARG_RAW, custom_type_id, false};
	args->idcs_allocated_space[args->curr_idx] = allocated ? 1 : 0;
	args->curr_idx++;
	return VACCEL_OK;
}

} // namespace

struct vaccel_arg_list *vaccel_args_init(uint32_t size)
{
	auto *args = static_cast<vaccel_arg_list *>(std::calloc(1, sizeof(vaccel_arg_list)));
	if (args == nullptr)
		return nullptr;
	// calloc(0) may return NULL; keep at least one element so a valid
	// (empty) list is distinguishable from a failed one.
	const size_t n = size > 0 ? size : 1;
	args->list = static_cast<vaccel_arg *>(std::calloc(n, sizeof(vaccel_arg)));
	args->idcs_allocated_space = static_cast<int *>(std::calloc(n, sizeof(int)));
	if (args->list == nullptr || args->idcs_allocated_space == nullptr) {
		std::free(args->list);
		std::free(args->idcs_allocated_space);
		std::free(args);
		return nullptr;
	}
	args->size = size;
	args->curr_idx = 0;
	return args;
}

int vaccel_add_serial_arg(struct vaccel_arg_list *args, void *buf, uint32_t size)
{
	if (next_list_slot(args, "vaccel_add_serial_arg") == nullptr)
		return VACCEL_EINVAL;
	if (buf == nullptr && size > 0)
		return invalid_arg("vaccel_add_serial_arg", "buf is NULL but size > 0");
	return push_list_arg(args, buf, size, 0, false);
}

int vaccel_add_nonserial_arg(struct vaccel_arg_list *args, void *buf, uint32_t argtype,
			     void *(*serializer)(void *, uint32_t *))
{
	if (next_list_slot(args, "vaccel_add_nonserial_arg") == nullptr)
		return VACCEL_EINVAL;
	if (serializer == nullptr)
		return invalid_arg("vaccel_add_nonserial_arg", "serializer is NULL");
	uint32_t size = 0;
	void *serialized = serializer(buf, &size);
	if (serialized == nullptr && size > 0)
		return invalid_arg("vaccel_add_nonserial_arg", "serializer failed");
	// The seed-era argtype is a user tag: kept as custom_type_id.
	return push_list_arg(args, serialized, size, argtype, true);
}

int vaccel_expect_serial_arg(struct vaccel_arg_list *args, void *buf, uint32_t size)
{
	if (next_list_slot(args, "vaccel_expect_serial_arg") == nullptr)
		return VACCEL_EINVAL;
	if (buf == nullptr && size > 0)
		return invalid_arg("vaccel_expect_serial_arg", "buf is NULL but size > 0");
	return push_list_arg(args, buf, size, 0, false);
}

int vaccel_expect_nonserial_arg(struct vaccel_arg_list *args, uint32_t expected_size)
{
	if (next_list_slot(args, "vaccel_expect_nonserial_arg") == nullptr)
		return VACCEL_EINVAL;
	void *buf = nullptr;
	if (expected_size > 0) {
		buf = std::calloc(1, expected_size);
		if (buf == nullptr)
			return VACCEL_ENOMEM;
	}
	return push_list_arg(args, buf, expected_size, 0, true);
}

void *vaccel_extract_serial_arg(struct vaccel_arg *args, int idx)
{
	if (args == nullptr || idx < 0)
		return nullptr;
	return args[idx].buf;
}

void *vaccel_extract_nonserial_arg(struct vaccel_arg *args, int idx, void *(*deserializer)(void *, uint32_t))
{
	if (args == nullptr || idx < 0 || deserializer == nullptr)
		return nullptr;
	return deserializer(args[idx].buf, static_cast<uint32_t>(args[idx].size));
}

int vaccel_write_serial_arg(struct vaccel_arg *args, int idx, void *buf)
{
	if (args == nullptr || idx < 0 || buf == nullptr)
		return invalid_arg("vaccel_write_serial_arg", "NULL args/buf or negative index");
	if (args[idx].size > 0 && args[idx].buf == nullptr)
		return invalid_arg("vaccel_write_serial_arg", "output slot has no buffer");
	if (args[idx].size > 0)
		std::memcpy(args[idx].buf, buf, args[idx].size);
	return VACCEL_OK;
}

int vaccel_write_nonserial_arg(struct vaccel_arg *args, int idx, void *buf, void *(*serializer)(void *, uint32_t *))
{
	if (args == nullptr || idx < 0 || serializer == nullptr)
		return invalid_arg("vaccel_write_nonserial_arg", "NULL args/serializer or negative index");
	uint32_t size = 0;
	void *serialized = serializer(buf, &size);
	if (serialized == nullptr && size > 0)
		return invalid_arg("vaccel_write_nonserial_arg", "serializer failed");
	if (size > args[idx].size || (size > 0 && args[idx].buf == nullptr))
		return invalid_arg("vaccel_write_nonserial_arg", "serialized data does not fit the output slot");
	if (size > 0)
		std::memcpy(args[idx].buf, serialized, size);
	// The serializer's result is not freed: seed-era serializers may return
	// memory they do not own (as the original runtime allowed).
	return VACCEL_OK;
}

int vaccel_delete_args(struct vaccel_arg_list *args)
{
	if (args == nullptr)
		return invalid_arg("vaccel_delete_args", "arg list is NULL");
	if (args->list != nullptr && args->idcs_allocated_space != nullptr) {
		const int used = args->curr_idx < 0 ? 0 : args->curr_idx;
		for (int i = 0; i < used && static_cast<uint32_t>(i) < args->size; ++i)
			if (args->idcs_allocated_space[i] != 0)
				std::free(args->list[i].buf);
	}
	std::free(args->list);
	std::free(args->idcs_allocated_space);
	std::free(args);
	return VACCEL_OK;
}
