// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness: genop unpacking (src/core/genop.cpp) and the arg-array readers plugins use
// to unpack args (src/core/arg_array_typed.cpp, on arg_array.cpp), on a session of the noop plugin.
//
// Input (every field little endian; missing bytes read as zero):
//   u8 nr_read, u8 nr_write (each taken modulo kMaxArgs + 1), then per arg, read args first:
//     u8 type (modulo VACCEL_ARG_MAX: only values of the enum, as a C caller passes them),
//     u16 size (modulo kMaxArgSize + 1), u8 custom_type_id,
//     and for read args `size` data bytes.
//   Then the rest drives the arg-array reader: each byte picks one typed getter.
// read[0] is the op code (a UINT8 or a 1..4 byte RAW arg), exactly as a client sends it. Every
// arg's bytes live in their own heap block of exactly `size` bytes, so ASan flags any read past
// an arg; write args are zeroed blocks, as the agent gives them.
#include "fuzz_util.hpp"

#include <memory>
#include <vector>

#ifndef NOOP_PLUGIN
#error "NOOP_PLUGIN must name libvaccel-noop.so"
#endif

namespace {

constexpr size_t kMaxArgs = 16;
constexpr size_t kMaxArgSize = 1024;

vaccel_session g_sess{};

struct OwnedArgs {
	std::vector<vaccel_arg> args;
	std::vector<std::unique_ptr<uint8_t[]>> blocks;

	void add(vaccel::fuzz::Input &in, bool with_data)
	{
		vaccel_arg a{};
		a.type = static_cast<vaccel_arg_type_t>(in.u8() % VACCEL_ARG_MAX);
		a.size = in.u16() % (kMaxArgSize + 1);
		a.custom_type_id = in.u8();
		if (a.size != 0) {
			blocks.emplace_back(new uint8_t[a.size]());
			a.buf = blocks.back().get();
			if (with_data) {
				size_t got = 0;
				const uint8_t *src = in.take(a.size, got);
				memcpy(a.buf, src, got);
			}
		}
		args.push_back(a);
	}
};

// Reads the args back through the arg-array API, one getter per input byte, as a plugin would.
void read_back(vaccel::fuzz::Input &in, std::vector<vaccel_arg> &args)
{
	vaccel_arg_array arr{};
	if (vaccel_arg_array_wrap(&arr, args.data(), args.size()) != VACCEL_OK)
		return;
	for (int step = 0; step < 32 && !in.empty(); ++step) {
		const uint8_t pick = in.u8();
		void *buf = nullptr;
		size_t size = 0;
		switch (pick % 12) {
		case 0: {
			int8_t v;
			(void)vaccel_arg_array_get_int8(&arr, &v);
			break;
		}
		case 1: {
			int32_t v;
			(void)vaccel_arg_array_get_int32(&arr, &v);
			break;
		}
		case 2: {
			uint64_t v;
			(void)vaccel_arg_array_get_uint64(&arr, &v);
			break;
		}
		case 3: {
			double v;
			(void)vaccel_arg_array_get_double(&arr, &v);
			break;
		}
		case 4: {
			float *v;
			(void)vaccel_arg_array_get_float_array(&arr, &v, &size);
			break;
		}
		case 5: {
			int64_t *v;
			(void)vaccel_arg_array_get_int64_array(&arr, &v, &size);
			break;
		}
		case 6: {
			char *s;
			(void)vaccel_arg_array_get_string(&arr, &s);
			break;
		}
		case 7:
			(void)vaccel_arg_array_get_buffer(&arr, &buf, &size);
			break;
		case 8:
			(void)vaccel_arg_array_get_raw(&arr, &buf, &size);
			break;
		case 9:
			(void)vaccel_arg_array_get_custom(&arr, pick >> 4, &buf, &size, nullptr);
			break;
		case 10: {
			bool v;
			(void)vaccel_arg_array_get_bool(&arr, &v);
			break;
		}
		default:
			vaccel_arg_array_reset_position(&arr);
			break;
		}
	}
	vaccel_arg_array_release(&arr);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	vaccel::fuzz::quiet_logs();
	vaccel::fuzz::bootstrap_quietly(NOOP_PLUGIN);
	if (vaccel_session_init(&g_sess, 0) != VACCEL_OK) {
		fprintf(stderr, "fuzz_genop: no noop session\n");
		abort();
	}
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vaccel::fuzz::Input in(data, size);
	const size_t nr_read = in.u8() % (kMaxArgs + 1);
	const size_t nr_write = in.u8() % (kMaxArgs + 1);
	OwnedArgs read, write;
	for (size_t i = 0; i < nr_read; ++i)
		read.add(in, true);
	for (size_t i = 0; i < nr_write; ++i)
		write.add(in, false);
	(void)vaccel_genop(&g_sess, read.args.data(), static_cast<int>(read.args.size()), write.args.data(),
			   static_cast<int>(write.args.size()));
	read_back(in, read.args);
	return 0;
}
