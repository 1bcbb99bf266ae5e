// SPDX-License-Identifier: Apache-2.0
// Why an engine call failed, in words an engine layer can say without knowing vAccel.
//
// The engine layers of the plugins (onnx_classifier, tflite_model, torch_engine) are kept free of
// vAccel types so that tests and benchmarks can use them alone; they report failure as a Status
// (returned) or a Failure (thrown).  boundary.hpp turns both into VACCEL_E* codes through one
// table (status_code()).
//
// Thread safety: plain values and an immutable exception type.
#pragma once

#include <stdexcept>
#include <string>

namespace vaccel::plugin {

// The outcome of an engine call.  boundary.hpp's status_code() maps each to a VACCEL_E* code.
enum class Status {
	Ok,
	InvalidInput, // the caller's data or arguments do not fit (VACCEL_EINVAL)
	NotFound,     // a file or resource that should exist does not (VACCEL_ENOENT)
	Unsupported,  // valid input the engine cannot run, e.g. a custom operator (VACCEL_ENOTSUP)
	NoMemory,     // an allocation failed (VACCEL_ENOMEM)
	Backend,      // the engine itself failed (VACCEL_EBACKEND)
};

// An engine failure thrown through engine code; the plugin boundary logs what() and returns
// status_code(status()).
class Failure : public std::runtime_error {
public:
	// Contract: `status` must not be Status::Ok; `what` says what failed, for the log line.
	Failure(Status status, const std::string &what) : std::runtime_error(what), status_(status) {}
	// Contract: the Status given at construction.
	[[nodiscard]] Status status() const noexcept { return status_; }

private:
	Status status_;
};

// Contract: throws Failure(status, what); never returns.
[[noreturn]] inline void fail(Status status, const std::string &what)
{
	throw Failure(status, what);
}

} // namespace vaccel::plugin
