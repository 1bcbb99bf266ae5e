// SPDX-License-Identifier: Apache-2.0
#include "genop_args.hpp"

#include <cstring>

namespace vaccel::agent {
namespace {

constexpr size_t kMaxArgs = 1024;

// BLAS_SGEMM read args (op code at 0): m n k alpha A lda B ldb beta ldc.
constexpr int kSgemmA = 5;
constexpr int kSgemmB = 7;

uint64_t align_up(uint64_t n)
{
	return (n + kArgAlign - 1) / kArgAlign * kArgAlign;
}

bool aligned(const void *p, size_t a)
{
	return reinterpret_cast<uintptr_t>(p) % a == 0;
}

// Alignment a plugin may assume for the bytes of an arg of this (valid) type. Untyped RAW
// args are read as anything by seed-era code (doubles in MINMAX): the strictest.
size_t type_alignment(uint32_t type)
{
	switch (type) {
	case VACCEL_ARG_INT16:
	case VACCEL_ARG_INT16_ARRAY:
	case VACCEL_ARG_UINT16:
	case VACCEL_ARG_UINT16_ARRAY:
		return 2;
	case VACCEL_ARG_INT32:
	case VACCEL_ARG_INT32_ARRAY:
	case VACCEL_ARG_UINT32:
	case VACCEL_ARG_UINT32_ARRAY:
	case VACCEL_ARG_FLOAT32:
	case VACCEL_ARG_FLOAT32_ARRAY:
		return 4;
	case VACCEL_ARG_INT64:
	case VACCEL_ARG_INT64_ARRAY:
	case VACCEL_ARG_UINT64:
	case VACCEL_ARG_UINT64_ARRAY:
	case VACCEL_ARG_FLOAT64:
	case VACCEL_ARG_FLOAT64_ARRAY:
		return 8;
	case VACCEL_ARG_RAW:
		return kArgAlign;
	default:
		return 1; // bytes, chars, bools, strings, opaque buffers
	}
}

// Whether read arg i must be copied: everything in the client's shared memory except the
// SGEMM matrix operands, and whatever is not aligned for its type.
bool must_copy(int op, int i, const v1::Arg &a, const std::byte *p, bool shared)
{
	if (shared)
		return !(op == VACCEL_OP_BLAS_SGEMM && (i == kSgemmA || i == kSgemmB) &&
			 a.type() == VACCEL_ARG_FLOAT32_ARRAY && aligned(p, alignof(float)));
	return !aligned(p, type_alignment(a.type()));
}

bool valid_type(const v1::Arg &a)
{
	return a.type() < static_cast<uint32_t>(VACCEL_ARG_MAX);
}

vaccel_arg make_arg(void *buf, const v1::Arg &a)
{
	// a.type() was checked against VACCEL_ARG_MAX: the cast is a valid enumerator.
	return vaccel_arg{buf, a.size(), static_cast<vaccel_arg_type_t>(a.type()), a.custom_type_id(), false};
}

// Copies read[0] (at most 4 bytes: an op code) into cost.op_bytes and decodes the op code
// from that copy, the one every later decision and the call itself use.
void private_op_code(const v1::Genop &m, const rpc::PayloadView &payload, GenopCost &cost)
{
	cost.op = -1;
	if (m.read_size() == 0 || m.read(0).size() == 0 || m.read(0).size() > sizeof(cost.op_bytes))
		return;
	const std::byte *p = payload.at(0, m.read(0).size());
	if (!p)
		return;
	memcpy(cost.op_bytes, p, m.read(0).size());
	cost.op = genop_op_code(vaccel_arg{cost.op_bytes, m.read(0).size(), VACCEL_ARG_RAW, 0, false});
}

} // namespace

int genop_op_code(const vaccel_arg &a)
{
	if (!a.buf || a.size == 0 || a.size > 4)
		return -1;
	const auto *b = static_cast<const unsigned char *>(a.buf);
	uint32_t v = 0;
	for (size_t i = a.size; i-- > 0;) // little endian, as the guests send it
		v = (v << 8) | b[i];
	return static_cast<int>(v);
}

int plan_genop(const v1::Genop &m, const rpc::PayloadView &payload, uint64_t max_response, GenopCost &cost,
	       std::string &why)
{
	cost = {};
	if (m.read_size() > static_cast<int>(kMaxArgs) || m.write_size() > static_cast<int>(kMaxArgs)) {
		why = "too many genop args";
		return VACCEL_EINVAL;
	}
	private_op_code(m, payload, cost);
	const int op = cost.op;
	rpc::PayloadCursor seg{payload};
	for (int i = 0; i < m.read_size(); ++i) {
		const auto &a = m.read(i);
		if (!valid_type(a)) {
			why = "read arg " + std::to_string(i) + " has an invalid type " + std::to_string(a.type());
			return VACCEL_EINVAL;
		}
		if (!a.has_data() && a.size() != 0) {
			why = "read arg without data";
			return VACCEL_EINVAL;
		}
		bool shared = false;
		std::byte *p = seg.take(a.size(), &shared);
		if (a.size() && !p) {
			why = kSplitSegmentText;
			return VACCEL_EINVAL;
		}
		if (a.size() && (i == 0 || must_copy(op, i, a, p, shared)))
			cost.private_bytes += align_up(a.size()); // sizes add up to the payload: no overflow
	}
	uint64_t response = 0;
	for (int i = 0; i < m.write_size(); ++i) {
		const auto &a = m.write(i);
		if (!valid_type(a)) {
			why = "write arg " + std::to_string(i) + " has an invalid type " + std::to_string(a.type());
			return VACCEL_EINVAL;
		}
		if (a.size() > max_response - response) {
			why = "write args exceed the response limit (--max-response)";
			return VACCEL_ENOMEM;
		}
		response += a.size();
		cost.write_bytes += align_up(a.size()); // each size <= max_response, at most kMaxArgs
	}
	return VACCEL_OK;
}

int build_genop(const v1::Genop &m, const rpc::PayloadView &payload, const GenopCost &cost,
		rpc::GrowableRegion &scratch, GenopCall &call, std::string &why)
{
	call.op = cost.op;
	scratch.clear();
	// Small write args share the scratch region with the private copies (after them): it is
	// reused across requests, so they cost no mmap, page fault and munmap per call.
	const bool small_write = cost.write_bytes <= kScratchWriteMax;
	const uint64_t in_scratch = cost.private_bytes + (small_write ? cost.write_bytes : 0);
	// A GrowableRegion is page-aligned: every copy at a kArgAlign multiple is aligned. One
	// reserve for all: the region may move while it grows.
	if (in_scratch && scratch.reserve(in_scratch)) {
		why = "cannot allocate private copies of the args";
		return VACCEL_ENOMEM;
	}
	rpc::PayloadCursor seg{payload};
	call.read.resize(static_cast<size_t>(m.read_size()));
	uint64_t priv = 0;
	for (int i = 0; i < m.read_size(); ++i) {
		const auto &a = m.read(i);
		bool shared = false;
		std::byte *p = seg.take(a.size(), &shared);
		if (a.size() && (i == 0 || must_copy(cost.op, i, a, p, shared))) {
			// Same layout as planned: the decision depends only on the private op code,
			// the metadata and where the segment lies, never on the client's bytes.
			std::byte *dst = scratch.data() + priv;
			if (i == 0 && cost.op >= 0)
				memcpy(dst, cost.op_bytes, a.size()); // the op code the plan was made for
			else
				memcpy(dst, p, a.size());
			priv += align_up(a.size());
			p = dst;
		}
		call.read[static_cast<size_t>(i)] = make_arg(a.size() ? p : nullptr, a);
	}
	// Write args: output-only ones start zeroed, in/out ones as a copy of their bytes. Large
	// ones get fresh pages of their own (mapped lazily, so a large claimed size costs nothing
	// until written, and the scratch region does not keep it).
	std::byte *out_base = scratch.data() + cost.private_bytes;
	if (!small_write) {
		call.out = std::make_shared<rpc::GrowableRegion>();
		if (cost.write_bytes && call.out->reserve(cost.write_bytes)) {
			why = "cannot allocate write args";
			return VACCEL_ENOMEM;
		}
		out_base = call.out->data();
	}
	call.write.resize(static_cast<size_t>(m.write_size()));
	uint64_t out_off = 0;
	for (int i = 0; i < m.write_size(); ++i) {
		const auto &a = m.write(i);
		std::byte *buf = nullptr;
		if (a.size()) {
			buf = out_base + out_off;
			out_off += align_up(a.size());
			if (a.has_data()) {
				const std::byte *src = seg.take(a.size());
				if (!src) {
					why = kSplitSegmentText;
					return VACCEL_EINVAL;
				}
				memcpy(buf, src, a.size());
			} else if (small_write) {
				memset(buf, 0, a.size()); // reused memory: no bytes of an earlier request
			}
		}
		call.write[static_cast<size_t>(i)] = make_arg(buf, a);
	}
	return VACCEL_OK;
}

} // namespace vaccel::agent
