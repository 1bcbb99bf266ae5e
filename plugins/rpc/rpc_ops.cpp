// SPDX-License-Identifier: Apache-2.0
// Schema-driven GENOP encoder of the rpc plugin (rpc_ops.hpp). Each arg of an op's schema
// entry becomes one wire arg: its type from the schema, its size from the call's parameters
// (op_schema.hpp, Kind), its bytes sent for read and in/out args, and write args copied back
// into the caller's buffers when the agent answers.  Every op runs behind the plugin kit's
// boundary (plugins/common/boundary.hpp), like rpc_plugin.cpp's model ops and hooks.
#include "rpc_ops.hpp"

#include "rpc_state.hpp"

#include "boundary.hpp"

#include <vaccel/op_binding.hpp>

#include <cstring>
#include <vector>

namespace vaccel::rpcplugin {
namespace {

namespace schema = vaccel::schema;
using schema::Arg;
using schema::Kind;
using schema::Slot;

// Element count of an array arg (product of its count params) or of a matrix (rows * ld);
// false for a negative dimension or an overflow.
bool elements(const Arg &a, const Slot *slots, uint64_t &out)
{
	const uint8_t dims[2] = {a.count[0], a.kind == Kind::matrix ? a.count[2] : a.count[1]};
	unsigned __int128 n = 1;
	for (uint8_t d : dims) {
		if (d == schema::kNone)
			continue;
		if (slots[d].num < 0)
			return false;
		n *= static_cast<uint64_t>(slots[d].num);
	}
	n *= a.elem;
	if (n > UINT64_MAX)
		return false;
	out = static_cast<uint64_t>(n);
	return true;
}

// Agent-side id of an EXEC_WITH_RESOURCE resource, written into the slot's bytes.
int resource_id(vaccel_session *sess, Slot &slot)
{
	auto *res = static_cast<vaccel_resource *>(slot.ptr);
	int64_t sid = 0;
	uint64_t gen = 0;
	if (int ret = State::get().session_remote_id(sess, sid, gen))
		return ret;
	int64_t remote = State::get().resource_remote_id(res, gen);
	if (remote <= 0) {
		vaccel_error("[rpc] resource %lld is not registered remotely", (long long)res->id);
		return VACCEL_EPERM;
	}
	std::memcpy(slot.raw, &remote, sizeof(remote));
	return VACCEL_OK;
}

WireArg buffer(const Arg &a, void *ptr, uint64_t size)
{
	const bool send = a.dir != schema::Dir::out;
	return WireArg{static_cast<uint32_t>(a.type),           size, 0, send, send ? ptr : nullptr,
		       a.dir == schema::Dir::in ? nullptr : ptr};
}

// Appends the wire form of one schema arg to `out`.
int encode_arg(vaccel_session *sess, const Arg &a, Slot *slots, std::vector<WireArg> &out)
{
	Slot &s = slots[a.param];
	switch (a.kind) {
	case Kind::scalar:
		out.push_back(WireArg{static_cast<uint32_t>(a.type), a.elem, 0, true, s.raw, nullptr});
		return VACCEL_OK;
	case Kind::resource:
		if (s.ptr == nullptr)
			return VACCEL_EINVAL;
		if (int ret = resource_id(sess, s))
			return ret;
		out.push_back(WireArg{VACCEL_ARG_INT64, 8, 0, true, s.raw, nullptr});
		return VACCEL_OK;
	case Kind::string: {
		if (s.ptr == nullptr)
			return VACCEL_EINVAL;
		const auto *str = static_cast<const char *>(s.ptr);
		out.push_back(WireArg{VACCEL_ARG_STRING, std::strlen(str) + 1, 0, true, str, nullptr});
		return VACCEL_OK;
	}
	case Kind::rest: {
		auto *args = static_cast<vaccel_arg *>(s.ptr);
		const int64_t n = slots[a.count[0]].num;
		if (n < 0 || (n > 0 && args == nullptr))
			return VACCEL_EINVAL;
		const bool write = a.dir != schema::Dir::in;
		for (int64_t i = 0; i < n; ++i)
			out.push_back(WireArg{static_cast<uint32_t>(args[i].type), args[i].size, args[i].custom_type_id,
					      true, args[i].buf, write ? args[i].buf : nullptr});
		return VACCEL_OK;
	}
	case Kind::single:
		if (s.ptr == nullptr)
			return VACCEL_EINVAL;
		out.push_back(buffer(a, s.ptr, a.elem));
		return VACCEL_OK;
	default: { // array, matrix
		uint64_t size = 0;
		if (s.ptr == nullptr || !elements(a, slots, size))
			return VACCEL_EINVAL;
		out.push_back(buffer(a, s.ptr, size));
		return VACCEL_OK;
	}
	}
}

// The one plugin op behind every schema op: typed call -> GENOP request.
int encode(vaccel_session *sess, const schema::OpView &op, Slot *slots)
{
	const uint8_t code = static_cast<uint8_t>(op.code);
	std::vector<WireArg> read{WireArg{VACCEL_ARG_UINT8, 1, 0, true, &code, nullptr}};
	std::vector<WireArg> write;
	for (const Arg &a : op.read)
		if (int ret = encode_arg(sess, a, slots, read))
			return ret;
	for (const Arg &a : op.write)
		if (int ret = encode_arg(sess, a, slots, write))
			return ret;
	return State::get().genop(sess, read, write);
}

// encode() behind the C-ABI boundary: what it or the transport throws (an allocation failure,
// a failed lock) becomes a logged VACCEL_E* code instead of unwinding into libvaccel.  The
// boundary is applied here, per call, rather than with at_boundary<> per op, because extension
// ops (ECHO) have codes outside vaccel_op_type_t: their log name is the schema's.
int encode_at_boundary(vaccel_session *sess, const schema::OpView &op, Slot *slots) noexcept
{
	return vaccel::plugin::boundary(kName, op.name, [&] { return encode(sess, op, slots); });
}

template <typename... Ops>
auto make_ops(schema::OpList<Ops...>)
{
	return std::array<vaccel_op, sizeof...(Ops)>{vaccel_op{
		static_cast<vaccel_op_type_t>(Ops::code),
		reinterpret_cast<void *>(&schema::Thunk<Ops, &encode_at_boundary>::fn), &vaccel_this_plugin}...};
}

} // namespace

int register_schema_ops()
{
	// Registered ops must outlive the plugin's registration: a function-local static.
	static auto ops = make_ops(schema::AllOps{});
	static_assert(ops.size() <= VACCEL_OP_MAX);
	return vaccel_plugin_register_ops(ops.data(), ops.size());
}

} // namespace vaccel::rpcplugin
