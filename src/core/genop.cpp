// SPDX-License-Identifier: Apache-2.0
// vaccel_genop: one entry point for every op, the op code and the op's arguments travelling
// as typed args. The layouts are not written here: each op's args come from its entry in the
// op schema (include/vaccel/op_schema.hpp); this file decodes any entry generically. Each arg
// is checked for count, type, size and alignment (VACCEL_EINVAL), then the typed API function
// is called, which does the op's own validation, plugin lookup and profiling. Extension ops
// (no API function) go straight to the session plugin's op (extension_ops.hpp).
//
// Seed-era compatibility: applications built for vaccelrt pass untyped (RAW) args. A RAW arg
// is accepted wherever a typed one is expected as long as its size fits, the op code may be a
// RAW 1..4 byte little-endian integer, and for IMAGE_CLASSIFY two RAW write args keep the
// seed-era order (out_text, out_imgname) while typed ones use the 0.8 order.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdint>
#include <cstring>
#include <memory>

#include "arg_internal.hpp"
#include "extension_ops.hpp"
#include "ops/op_common.hpp"
#include "vaccel/op_binding.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using namespace vaccel::ops;
namespace schema = vaccel::schema;
using schema::Arg;
using schema::Kind;
using schema::Slot;

namespace {

// At most this many args per direction in a schema entry (rest args not counted).
constexpr size_t kMaxSpecs = 16;

// One genop call being decoded.
struct Call {
	// Only the op's own slots and element counts are initialised: value-initialising all of
	// both arrays (768 bytes, a `rep stos`) was half of an in-process genop NOOP.
	// REQUIRES: o.nr_params, o.read.size() and o.write.size() are at most kMaxSpecs.
	Call(vaccel_session *s, const schema::OpView &o)
	    : sess(s), op(o),
	      slots(std::uninitialized_value_construct_n(reinterpret_cast<Slot *>(slot_bytes), o.nr_params) -
		    o.nr_params)
	{
		std::fill_n(elems[0], o.read.size(), 0);
		std::fill_n(elems[1], o.write.size(), 0);
	}
	Call(const Call &) = delete;
	Call &operator=(const Call &) = delete;
	vaccel_session *sess;
	const schema::OpView &op;
	alignas(Slot) std::byte slot_bytes[sizeof(Slot) * kMaxSpecs];
	Slot *slots;                  // the op's nr_params slots, in slot_bytes
	uint64_t elems[2][kMaxSpecs]; // element count of each array arg, per direction
};

int arg_error(const char *op, const char *dir, size_t i, const char *what)
{
	vaccel_error("genop %s: %s arg %zu %s", op, dir, i, what);
	return VACCEL_EINVAL;
}

bool is_signed_int(vaccel_arg_type_t t) noexcept
{
	return t == VACCEL_ARG_INT8 || t == VACCEL_ARG_INT16 || t == VACCEL_ARG_INT32 || t == VACCEL_ARG_INT64;
}

// A scalar of exactly spec.elem bytes: its bytes, and as a count when it is a signed integer.
void read_scalar(const vaccel_arg &a, const Arg &spec, Slot &slot) noexcept
{
	std::memcpy(slot.raw, a.buf, spec.elem);
	slot.raw_size = spec.elem;
	if (!is_signed_int(spec.type))
		return;
	if (spec.elem == 4) {
		int32_t v = 0;
		std::memcpy(&v, a.buf, 4);
		slot.num = v;
	} else if (spec.elem == 8) {
		std::memcpy(&slot.num, a.buf, 8);
	}
}

// Checks and takes one arg (index i of direction `dir`) as described by `spec`.
int take_arg(Call &c, const char *dir, size_t i, const vaccel_arg &a, const Arg &spec, uint64_t &elems)
{
	const char *op = c.op.name;
	if (a.type != spec.type && a.type != VACCEL_ARG_RAW) {
		vaccel_error("genop %s: %s arg %zu has type %s, expected %s", op, dir, i,
			     vaccel_arg_type_to_str(a.type), vaccel_arg_type_to_str(spec.type));
		return VACCEL_EINVAL;
	}
	if (a.buf == nullptr || a.size == 0)
		return arg_error(op, dir, i, "is empty");
	Slot &slot = c.slots[spec.param];
	switch (spec.kind) {
	case Kind::scalar:
	case Kind::resource:
		if (a.size != spec.elem) {
			vaccel_error("genop %s: %s arg %zu has a bad size %zu (expected %u)", op, dir, i, a.size,
				     unsigned{spec.elem});
			return VACCEL_EINVAL;
		}
		read_scalar(a, spec, slot);
		if (spec.kind == Kind::resource) {
			vaccel_resource *res = nullptr;
			if (vaccel_resource_get_by_id(&res, slot.num) != VACCEL_OK || !res) {
				vaccel_error("genop %s: no resource with id %" PRId64, op, slot.num);
				return VACCEL_EINVAL;
			}
			slot.ptr = res;
		}
		return VACCEL_OK;
	case Kind::string:
		if (std::memchr(a.buf, '\0', a.size) == nullptr)
			return arg_error(op, dir, i, "is not a NUL-terminated string");
		slot.ptr = a.buf;
		return VACCEL_OK;
	default: // array, single, matrix
		if (a.size % spec.elem != 0 || (spec.kind == Kind::single && a.size != spec.elem)) {
			vaccel_error("genop %s: %s arg %zu has a bad size %zu (unit %u bytes)", op, dir, i, a.size,
				     unsigned{spec.elem});
			return VACCEL_EINVAL;
		}
		// The op reads and writes the elements in place: a misaligned buffer would be
		// undefined behaviour there (packed args are the caller's to align).
		if (reinterpret_cast<uintptr_t>(a.buf) % spec.elem != 0)
			return arg_error(op, dir, i, "is not aligned for its elements");
		slot.ptr = a.buf;
		elems = a.size / spec.elem;
		return VACCEL_OK;
	}
}

// Takes the args of one direction: fixed ones in schema order, then a rest arg if any.
int take_args(Call &c, int d, vaccel_arg *args, size_t count, std::span<const Arg> specs, bool swapped)
{
	const char *dir = d == 0 ? "read" : "write";
	const bool has_rest = !specs.empty() && specs.back().kind == Kind::rest;
	const size_t fixed = specs.size() - (has_rest ? 1 : 0);
	if (count < fixed || (!has_rest && count != fixed)) {
		vaccel_error("genop %s: wrong number of %s args: %zu (expected %s%zu)", c.op.name, dir, count,
			     has_rest ? "at least " : "", fixed);
		return VACCEL_EINVAL;
	}
	// Seed-era IMAGE_CLASSIFY: RAW write args come as (out_text, out_imgname).
	const bool swap = swapped && fixed == 2 && args[0].type == VACCEL_ARG_RAW;
	for (size_t i = 0; i < fixed; ++i) {
		const size_t s = swap ? 1 - i : i;
		if (int ret = take_arg(c, dir, i, args[i], specs[s], c.elems[d][s]))
			return ret;
	}
	if (has_rest) {
		const Arg &r = specs.back();
		c.slots[r.param].ptr = count > fixed ? args + fixed : nullptr;
		c.slots[r.count[0]].num = static_cast<int64_t>(count - fixed);
	}
	return VACCEL_OK;
}

// Product of the count params of `spec` (missing ones count 1); false if one is < 1 or it
// overflows.
bool count_of(const Call &c, const Arg &spec, uint64_t &out) noexcept
{
	unsigned __int128 n = 1;
	for (size_t k = 0; k < 2; ++k) {
		if (spec.count[k] == schema::kNone)
			continue;
		const int64_t v = c.slots[spec.count[k]].num;
		if (v < 1)
			return false;
		n *= static_cast<uint64_t>(v);
		if (n > UINT64_MAX)
			return false;
	}
	out = static_cast<uint64_t>(n);
	return true;
}

// Floats needed by a row-major rows x cols matrix with leading dimension ld.
bool matrix_fits(const Call &c, const Arg &spec, uint64_t available) noexcept
{
	const int64_t rows = c.slots[spec.count[0]].num, cols = c.slots[spec.count[1]].num,
		      ld = c.slots[spec.count[2]].num;
	if (rows <= 0 || cols <= 0 || ld < cols)
		return true; // left to the API function's own validation
	const auto needed = (static_cast<unsigned __int128>(rows) - 1) * static_cast<unsigned __int128>(ld) +
			    static_cast<unsigned __int128>(cols);
	return needed <= available;
}

// Length parameters set by their arrays, then the arrays that must hold a count.
int check_counts(Call &c)
{
	const std::span<const Arg> dirs[2] = {c.op.read, c.op.write};
	for (int d = 0; d < 2; ++d)
		for (size_t s = 0; s < dirs[d].size(); ++s)
			if (dirs[d][s].sets_count)
				c.slots[dirs[d][s].count[0]].num = static_cast<int64_t>(c.elems[d][s]);
	for (int d = 0; d < 2; ++d)
		for (size_t s = 0; s < dirs[d].size(); ++s) {
			const Arg &spec = dirs[d][s];
			uint64_t need = 0;
			bool ok = true;
			if (spec.kind == Kind::matrix)
				ok = matrix_fits(c, spec, c.elems[d][s]);
			else if (spec.kind == Kind::array && !spec.sets_count)
				ok = count_of(c, spec, need) && need <= c.elems[d][s];
			if (!ok) {
				vaccel_error("genop %s: %s arg %s (%" PRIu64 " elements) does not "
					     "match the sizes given",
					     c.op.name, d == 0 ? "read" : "write", spec.name, c.elems[d][s]);
				return VACCEL_EINVAL;
			}
		}
	return VACCEL_OK;
}

OpRegion extension_region("vaccel_extension_op");

// Calls the op: its API function, or for an extension op the session plugin's own function.
template <typename Op>
int call_op(vaccel_session *sess, const Slot *slots)
{
	if constexpr (!std::is_null_pointer_v<std::remove_cv_t<decltype(Op::api)>>) {
		return schema::invoke(Op::api, sess, slots);
	} else {
		auto *fn = reinterpret_cast<typename Op::Fn *>(vaccel::core::find_extension_op(sess->plugin, Op::code));
		if (fn == nullptr) {
			vaccel_error("session:%" PRId64 " Plugin does not support %s (op %u)", sess->id, Op::name,
				     Op::code);
			return VACCEL_ENOTSUP;
		}
		return run_in_region(extension_region, [&] { return schema::invoke(fn, sess, slots); });
	}
}

struct Entry {
	schema::OpView view;
	int (*call)(vaccel_session *, const Slot *);
	bool has_counts; // an arg check_counts() looks at: without one it is skipped
};

// Whether check_counts() has anything to do for `v` (an arg that sets or needs a count).
constexpr bool has_counts(const schema::OpView &v)
{
	for (const std::span<const Arg> dir : {v.read, v.write})
		for (const Arg &a : dir)
			if (a.sets_count || a.kind == Kind::matrix || a.kind == Kind::array)
				return true;
	return false;
}

template <typename... Ops>
constexpr auto make_entries(schema::OpList<Ops...>)
{
	return std::array<Entry, sizeof...(Ops)>{
		Entry{schema::view_of<Ops>(), &call_op<Ops>, has_counts(schema::view_of<Ops>())}...};
}

constexpr auto kEntries = make_entries(schema::AllOps{});
static_assert(
	[] {
		for (const Entry &e : kEntries)
			if (e.view.nr_params > kMaxSpecs || e.view.read.size() > kMaxSpecs ||
			    e.view.write.size() > kMaxSpecs)
				return false;
		return true;
	}(),
	"an op has more params or args than a Call holds (kMaxSpecs)");

// Op code -> index in kEntries (-1: no entry), built at compile time: genop's lookup is one load
// instead of a scan of the schema (which doubled the in-process genop NOOP cost).
constexpr auto kEntryOf = [] {
	std::array<int16_t, schema::kExtensionOpEnd> index{};
	index.fill(-1);
	for (size_t i = 0; i < kEntries.size(); ++i)
		if (kEntries[i].view.code < index.size())
			index[kEntries[i].view.code] = static_cast<int16_t>(i);
	return index;
}();

const Entry *find_entry(unsigned code) noexcept
{
	if (code >= kEntryOf.size() || kEntryOf[code] < 0)
		return nullptr;
	return &kEntries[static_cast<size_t>(kEntryOf[code])];
}

// read[0]: UINT8 op code, or a seed-era RAW integer of 1..4 bytes.
int read_op_code(const vaccel_arg &arg, unsigned *op) noexcept
{
	const bool typed = arg.type == VACCEL_ARG_UINT8 && arg.size == 1;
	const bool legacy = arg.type == VACCEL_ARG_RAW && arg.size >= 1 && arg.size <= 4;
	if (arg.buf == nullptr || !(typed || legacy)) {
		vaccel_error("genop: read[0] must be the op type as a UINT8 arg (got %s, %zu "
			     "bytes)",
			     vaccel_arg_type_to_str(arg.type), arg.size);
		return VACCEL_EINVAL;
	}
	const auto *bytes = static_cast<const unsigned char *>(arg.buf);
	unsigned value = 0;
	for (size_t i = arg.size; i-- > 0;) // little-endian, as the guests send it
		value = (value << 8) | bytes[i];
	*op = value;
	return VACCEL_OK;
}

int decode_and_call(vaccel_session *sess, const Entry &e, vaccel_arg *read, size_t nr_read, vaccel_arg *write,
		    size_t nr_write)
{
	Call c(sess, e.view);
	// The out-of-line steps are skipped when they have nothing to do (no args in a direction
	// that expects none, no counts to check): together they were most of a genop NOOP's cost.
	if (nr_read != 0 || !e.view.read.empty())
		if (int ret = take_args(c, 0, read, nr_read, e.view.read, false))
			return ret;
	if (nr_write != 0 || !e.view.write.empty())
		if (int ret = take_args(c, 1, write, nr_write, e.view.write, e.view.raw_writes_swapped))
			return ret;
	if (e.has_counts)
		if (int ret = check_counts(c))
			return ret;
	return e.call(sess, c.slots);
}

} // namespace

static_assert(schema::Signature<decltype(vaccel_sgemm)>::count < kMaxSpecs);

int vaccel_genop(struct vaccel_session *sess, struct vaccel_arg *read, int nr_read, struct vaccel_arg *write,
		 int nr_write)
{
	VACCEL_OPS_TRY
	if (int ret = check_session(sess, "vaccel_genop"))
		return ret;
	if (read == nullptr || nr_read < 1)
		return invalid_arg("vaccel_genop", "no op type (read[0]) given");
	if (nr_write < 0 || (write == nullptr && nr_write > 0))
		return invalid_arg("vaccel_genop", "bad write args");
	unsigned code = 0;
	if (int ret = read_op_code(read[0], &code))
		return ret;
	const Entry *e = find_entry(code);
	if (e == nullptr && code < static_cast<unsigned>(VACCEL_OP_MAX)) {
		vaccel_error("genop: %s is not reachable through genop (use its API function)",
			     vaccel_op_type_to_str(static_cast<vaccel_op_type_t>(code)));
		return VACCEL_ENOTSUP;
	}
	if (e == nullptr) {
		vaccel_error("genop: invalid op type %u", code);
		return VACCEL_EINVAL;
	}
	VACCEL_OPS_DEBUG("session:%" PRId64 " genop %s (%d read, %d write args)", sess->id, e->view.name, nr_read - 1,
			 nr_write);
	return decode_and_call(sess, *e, read + 1, static_cast<size_t>(nr_read - 1), write,
			       static_cast<size_t>(nr_write));
	VACCEL_OPS_CATCH("vaccel_genop")
}
