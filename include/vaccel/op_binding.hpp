// SPDX-License-Identifier: Apache-2.0
// Binding of the op schema (op_schema.hpp) to C function types (extension, not part of
// vAccel 0.8). An op's C parameters after the session become an array of Slots, one per
// parameter, and back, so that code which walks an op's Args (a genop decoder, a transport's
// encoder) is written once for every op:
//  - Thunk<Op, Handler>::fn has exactly the op's C signature; it packs its parameters into
//    slots and calls Handler(sess, view, slots): a transport registers it as the op's func;
//  - invoke<Fn>(fn, sess, slots) unpacks slots into a call of fn.
// The static_assert at the end checks every entry of AllOps against its C function type:
// parameter indices in range, scalars of the parameter's size, pointers where pointers are,
// and every parameter carried by some arg (or computed from one).
//
// Header-only, no state: thread-safe. C++20.
#pragma once

#include "op_schema.hpp"

#include <cstring>
#include <span>
#include <utility>

namespace vaccel::schema {

// One C parameter of an op call.
struct Slot {
	void *ptr = nullptr;   // pointer parameters
	int64_t num = 0;       // integer parameters, as a count (lengths, dimensions)
	std::byte raw[8] = {}; // arithmetic parameters, their bytes
	uint8_t raw_size = 0;  // 0: the value is `num`
};

// Runtime view of one op entry.
struct OpView {
	unsigned code;
	const char *name;
	std::span<const Arg> read;
	std::span<const Arg> write;
	bool raw_writes_swapped;
	size_t nr_params;
};

template <typename Fn>
struct Signature;
template <typename... P>
struct Signature<int(vaccel_session *, P...)> {
	static constexpr size_t count = sizeof...(P);
	static constexpr std::array<bool, sizeof...(P) + 1> pointer{std::is_pointer_v<P>..., false};
	static constexpr std::array<bool, sizeof...(P) + 1> integral{std::is_integral_v<P>..., false};
	static constexpr std::array<size_t, sizeof...(P) + 1> size{sizeof(P)..., 0};
	static constexpr std::array<bool, sizeof...(P) + 1> arg_array{std::is_same_v<P, vaccel_arg *>..., false};
};

template <typename Op>
constexpr OpView view_of()
{
	return {Op::code,
		Op::name,
		std::span<const Arg>(Op::read),
		std::span<const Arg>(Op::write),
		Op::raw_writes_swapped,
		Signature<typename Op::Fn>::count};
}

template <typename T>
Slot to_slot(T value) noexcept
{
	Slot s;
	if constexpr (std::is_pointer_v<T>) {
		s.ptr = const_cast<void *>(static_cast<const void *>(value));
	} else {
		static_assert(std::is_arithmetic_v<T> && sizeof(T) <= sizeof(s.raw));
		std::memcpy(s.raw, &value, sizeof(T));
		s.raw_size = sizeof(T);
		if constexpr (std::is_integral_v<T>)
			s.num = static_cast<int64_t>(value);
	}
	return s;
}

template <typename T>
T from_slot(const Slot &s) noexcept
{
	if constexpr (std::is_pointer_v<T>) {
		return static_cast<T>(s.ptr);
	} else {
		T value{};
		if (s.raw_size == sizeof(T))
			std::memcpy(&value, s.raw, sizeof(T));
		else
			value = static_cast<T>(s.num);
		return value;
	}
}

// Calls fn(sess, params...) with each parameter taken from its slot.
template <typename Fn>
struct Invoker;
template <typename... P>
struct Invoker<int(vaccel_session *, P...)> {
	template <size_t... I>
	static int call(int (*fn)(vaccel_session *, P...), vaccel_session *sess, const Slot *slots,
			std::index_sequence<I...>)
	{
		return fn(sess, from_slot<P>(slots[I])...);
	}
};

template <typename Fn>
int invoke(Fn *fn, vaccel_session *sess, const Slot *slots)
{
	return Invoker<Fn>::call(fn, sess, slots, std::make_index_sequence<Signature<Fn>::count>{});
}

using Handler = int (*)(vaccel_session *, const OpView &, Slot *);

// A function of the op's exact C type that hands its parameters, as slots, to `H`.
template <typename Op, Handler H, typename Fn = typename Op::Fn>
struct Thunk;
template <typename Op, Handler H, typename... P>
struct Thunk<Op, H, int(vaccel_session *, P...)> {
	static int fn(vaccel_session *sess, P... params)
	{
		static constexpr OpView view = view_of<Op>();
		Slot slots[sizeof...(P) + 1] = {to_slot(params)..., Slot{}};
		return H(sess, view, slots);
	}
};

template <typename... Ops, typename F>
constexpr void for_each_op(OpList<Ops...>, F &&f)
{
	(f.template operator()<Ops>(), ...);
}

// ---- compile-time checks of the table ---------------------------------------------------

template <typename Op>
consteval bool arg_matches(const Arg &a)
{
	using S = Signature<typename Op::Fn>;
	if (a.param >= S::count)
		return false;
	for (uint8_t c : a.count)
		if (c != kNone && (c >= S::count || !S::integral[c]))
			return false;
	switch (a.kind) {
	case Kind::scalar:
		return !S::pointer[a.param] && S::size[a.param] == a.elem;
	case Kind::rest:
		return S::arg_array[a.param] && a.count[0] != kNone;
	case Kind::array:
		return S::pointer[a.param] && a.count[0] != kNone && (!a.sets_count || a.count[1] == kNone);
	case Kind::matrix:
		return S::pointer[a.param] && a.count[2] != kNone;
	default:
		return S::pointer[a.param];
	}
}

// Every parameter is carried by an arg, or is a count that an arg (or a rest) sets.
template <typename Op>
consteval bool params_covered()
{
	using S = Signature<typename Op::Fn>;
	std::array<bool, S::count + 1> covered{};
	auto mark = [&](const Arg &a) {
		covered[a.param] = true;
		if ((a.sets_count || a.kind == Kind::rest) && a.count[0] != kNone)
			covered[a.count[0]] = true;
	};
	for (const Arg &a : Op::read)
		mark(a);
	for (const Arg &a : Op::write)
		mark(a);
	for (size_t i = 0; i < S::count; ++i)
		if (!covered[i])
			return false;
	return true;
}

template <typename Op>
consteval bool entry_valid()
{
	for (const Arg &a : Op::read)
		if (a.dir != Dir::in || !arg_matches<Op>(a))
			return false;
	for (const Arg &a : Op::write)
		if (a.dir == Dir::in || a.kind == Kind::scalar || !arg_matches<Op>(a))
			return false;
	// A rest arg, if any, comes last in its direction.
	for (size_t i = 0; i + 1 < Op::read.size(); ++i)
		if (Op::read[i].kind == Kind::rest)
			return false;
	for (size_t i = 0; i + 1 < Op::write.size(); ++i)
		if (Op::write[i].kind == Kind::rest)
			return false;
	return params_covered<Op>() && (!Op::raw_writes_swapped || Op::write.size() == 2);
}

template <typename... Ops>
consteval bool table_valid(OpList<Ops...>)
{
	return (entry_valid<Ops>() && ...);
}

static_assert(table_valid(AllOps{}), "an op_schema.hpp entry does not match its C function type");

} // namespace vaccel::schema
