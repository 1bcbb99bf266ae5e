// SPDX-License-Identifier: Apache-2.0
// Genop arguments of a request, built under the client-memory rule (docs/protocol.md,
// "Client memory"): every byte the agent or the host runtime decides on (op code, strings,
// ids, sizes, images...) is copied out of the client's shared memory into agent-private,
// aligned storage before anything looks at it, and only that copy is used. The one exception
// is plain numeric matrix data (the A and B operands of BLAS_SGEMM, recognised from the
// already-copied op code), which may be read in place.
#pragma once

#include "message.hpp"
#include "vaccel_rpc.pb.h"

#include <vaccel.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vaccel::agent {

namespace v1 = ::vaccel::rpc::v1;

// A segment (arg, tensor, run options) must lie inside one payload part: a sender that
// splits one across a memfd range and inline bytes is refused rather than copied for.
inline constexpr const char *kSplitSegmentText = "payload segment split across payload parts";

// Alignment of every private copy and write arg: enough for any scalar type a plugin reads.
inline constexpr size_t kArgAlign = alignof(std::max_align_t);

// Write args up to this many bytes in all (aligned) go to the reused scratch region, zeroed;
// larger ones to lazily mapped pages of their own.
inline constexpr uint64_t kScratchWriteMax = 64u << 10;

struct GenopCall {
	std::vector<vaccel_arg> read, write;
	int op = -1; // op code, from the private copy of read[0]; -1 when read[0] is not one
	// Copies of read args, and write args of at most kScratchWriteMax bytes in all, live in
	// the caller's scratch region (build_genop).
	std::shared_ptr<rpc::GrowableRegion> out; // larger write args, kept until the reply is sent
};

// Agent memory a call needs beyond its received payload (private copies + write args),
// computed before anything is allocated so that it can be charged to the budgets.
struct GenopCost {
	int op = -1;                // op code from the private copy of read[0]: the plan depends on it
	std::byte op_bytes[4] = {}; // that copy (read[0] is read from the payload once)
	uint64_t private_bytes = 0;
	uint64_t write_bytes = 0;
};

// Validates the request's args (counts, types, sizes, segments) and computes its cost.
// Returns VACCEL_OK or an error code with *why.
int plan_genop(const v1::Genop &m, const rpc::PayloadView &payload, uint64_t max_response, GenopCost &cost,
	       std::string &why);

// Builds the call planned by plan_genop (same request and payload). The private copies, and
// small write args, go to `scratch` (reused across requests, so its pages are already faulted
// in), which must outlive the reply.
int build_genop(const v1::Genop &m, const rpc::PayloadView &payload, const GenopCost &cost,
		rpc::GrowableRegion &scratch, GenopCall &call, std::string &why);

// Op code of a (private) read[0]: UINT8 arg, or a legacy RAW arg of 1..4 bytes (little endian).
int genop_op_code(const vaccel_arg &a);

} // namespace vaccel::agent
