// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the libFuzzer harnesses of tests/fuzz (see README.md there).
#pragma once

#include <vaccel.h>

#include "log.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vaccel::fuzz {

// Reads the fuzzer's bytes front to back; past the end every read yields zeros, so a harness
// never needs a length check of its own.
class Input {
public:
	Input(const uint8_t *data, size_t size) : p_(data), n_(size) {}
	[[nodiscard]] size_t left() const { return n_ - pos_; }
	[[nodiscard]] bool empty() const { return pos_ >= n_; }
	uint8_t u8() { return pos_ < n_ ? p_[pos_++] : 0; }
	uint16_t u16()
	{
		uint16_t lo = u8();
		return static_cast<uint16_t>(lo | (u8() << 8));
	}
	uint32_t u32()
	{
		uint32_t lo = u16();
		return lo | (static_cast<uint32_t>(u16()) << 16);
	}
	// Up to n bytes (fewer when the input runs out).
	const uint8_t *take(size_t n, size_t &got)
	{
		got = n < left() ? n : left();
		const uint8_t *at = p_ + pos_;
		pos_ += got;
		return at;
	}

private:
	const uint8_t *p_;
	size_t n_;
	size_t pos_ = 0;
};

inline void quiet_rpc_sink(rpc::LogLevel, const char *) {}

// Logging off: a rejected input logs a line by design, and millions of them would only slow the
// run down. Errors still surface as sanitizer reports (stderr stays open).
inline void quiet_logs()
{
	rpc::set_log_sink(quiet_rpc_sink);
	rpc::set_log_level(rpc::LogLevel::error);
}

// (Re)starts libvaccel with only `plugin` (may be nullptr) and its log sent to /dev/null.
inline void bootstrap_quietly(const char *plugin)
{
	struct vaccel_config cfg {};
	if (vaccel_config_init(&cfg, plugin, VACCEL_LOG_ERROR, "/dev/null", false, false) != VACCEL_OK ||
	    vaccel_bootstrap_with_config(&cfg) != VACCEL_OK) {
		fprintf(stderr, "fuzz: cannot bootstrap vaccel with plugin '%s'\n", plugin ? plugin : "");
		abort();
	}
	vaccel_config_release(&cfg);
}

} // namespace vaccel::fuzz
