// SPDX-License-Identifier: Apache-2.0
// Writes tiny .tflite flatbuffers for the tests and the fuzz seeds (no flatc or TFLite schema in
// Debian): a forward-only flatbuffer writer (every uoffset points to a later object, which the
// format allows) and the few TFLite tables the tests need, with field slots from
// tensorflow/lite/schema/schema.fbs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vaccel::test::tfl {

class Writer {
public:
	std::vector<uint8_t> b;

	void pad_to(size_t a)
	{
		while (b.size() % a != 0)
			b.push_back(0);
	}
	template <class T>
	void put(size_t pos, T v)
	{
		std::memcpy(&b[pos], &v, sizeof v);
	}
	template <class T>
	size_t append(T v)
	{
		const size_t p = b.size();
		b.resize(p + sizeof v);
		put(p, v);
		return p;
	}
};

// A child object: writes itself at the end of the buffer and returns its position.
using Child = std::function<size_t(Writer &)>;

// A table: scalar fields (raw bytes) and offset fields (children written after the table).
class Table {
public:
	template <class T>
	Table &scalar(unsigned id, T v)
	{
		std::vector<uint8_t> raw(sizeof v);
		std::memcpy(raw.data(), &v, sizeof v);
		fields_.push_back({id, std::move(raw), nullptr});
		return *this;
	}
	Table &ref(unsigned id, Child c)
	{
		fields_.push_back({id, {}, std::move(c)});
		return *this;
	}
	size_t write(Writer &w) const
	{
		unsigned max_id = 0;
		for (const auto &f : fields_)
			max_id = std::max(max_id, f.id + 1);
		// Layout: soffset, then each field 4-byte aligned slot (8 for 8-byte scalars).
		std::vector<uint16_t> offs(max_id, 0);
		uint16_t size = 4;
		std::vector<uint16_t> at(fields_.size());
		for (size_t i = 0; i < fields_.size(); ++i) {
			const size_t n = fields_[i].child ? 4 : fields_[i].raw.size();
			size = static_cast<uint16_t>((size + n - 1) / n * n);
			at[i] = size;
			offs[fields_[i].id] = size;
			size = static_cast<uint16_t>(size + n);
		}
		w.pad_to(2);
		const size_t vt = w.append<uint16_t>(static_cast<uint16_t>(4 + 2 * max_id));
		w.append<uint16_t>(size);
		for (const uint16_t o : offs)
			w.append<uint16_t>(o);
		w.pad_to(8);
		const size_t table = w.b.size();
		w.b.resize(table + size + 8, 0);
		w.put<int32_t>(table, static_cast<int32_t>(table - vt));
		for (size_t i = 0; i < fields_.size(); ++i)
			if (!fields_[i].child)
				std::memcpy(&w.b[table + at[i]], fields_[i].raw.data(), fields_[i].raw.size());
		for (size_t i = 0; i < fields_.size(); ++i) {
			if (!fields_[i].child)
				continue;
			const size_t slot = table + at[i];
			const size_t child = fields_[i].child(w);
			w.put<uint32_t>(slot, static_cast<uint32_t>(child - slot));
		}
		return table;
	}
	Child child() const
	{
		return [t = *this](Writer &w) { return t.write(w); };
	}

private:
	struct Field {
		unsigned id;
		std::vector<uint8_t> raw;
		Child child;
	};
	std::vector<Field> fields_;
};

template <class T>
Child vec(std::vector<T> v)
{
	return [v = std::move(v)](Writer &w) {
		while ((w.b.size() + 4) % std::max<size_t>(sizeof(T), 4) != 0)
			w.b.push_back(0);
		const size_t p = w.append<uint32_t>(static_cast<uint32_t>(v.size()));
		for (const T &x : v)
			w.append<T>(x);
		return p;
	};
}

inline Child tables(std::vector<Table> ts)
{
	return [ts = std::move(ts)](Writer &w) {
		w.pad_to(4);
		const size_t p = w.append<uint32_t>(static_cast<uint32_t>(ts.size()));
		std::vector<size_t> slots;
		for (size_t i = 0; i < ts.size(); ++i)
			slots.push_back(w.append<uint32_t>(0));
		for (size_t i = 0; i < ts.size(); ++i) {
			const size_t t = ts[i].write(w);
			w.put<uint32_t>(slots[i], static_cast<uint32_t>(t - slots[i]));
		}
		return p;
	};
}

inline Child str(std::string s)
{
	return [s = std::move(s)](Writer &w) {
		w.pad_to(4);
		const size_t p = w.append<uint32_t>(static_cast<uint32_t>(s.size()));
		w.b.insert(w.b.end(), s.begin(), s.end());
		w.b.push_back(0);
		return p;
	};
}

// ---- TFLite model description ------------------------------------------------------------

struct Tensor {
	std::vector<int32_t> shape;
	int8_t type = 0;           // 0 FLOAT32, 2 INT32, 3 UINT8, 9 INT8
	std::vector<uint8_t> data; // constant data or empty
	std::vector<float> scales;
	std::vector<int64_t> zero_points;
	int32_t quantized_dimension = 0;
};

struct Op {
	int32_t builtin;
	std::vector<int32_t> inputs, outputs;
	uint8_t options_type = 0;
	Table options;
};

template <class T>
std::vector<uint8_t> bytes_of(const std::vector<T> &v)
{
	std::vector<uint8_t> b(v.size() * sizeof(T));
	if (!b.empty())
		std::memcpy(b.data(), v.data(), b.size());
	return b;
}

// The whole .tflite file: one subgraph, operator codes in order of first use.
inline std::vector<uint8_t> model(const std::vector<Tensor> &tensors, const std::vector<Op> &ops,
				  const std::vector<int32_t> &inputs, const std::vector<int32_t> &outputs)
{
	std::vector<int32_t> codes;
	std::vector<Table> op_tables;
	for (const Op &op : ops) {
		auto it = std::find(codes.begin(), codes.end(), op.builtin);
		const auto index = static_cast<uint32_t>(it - codes.begin());
		if (it == codes.end())
			codes.push_back(op.builtin);
		Table t;
		t.scalar<uint32_t>(0, index).ref(1, vec(op.inputs)).ref(2, vec(op.outputs));
		if (op.options_type != 0)
			t.scalar<uint8_t>(3, op.options_type).ref(4, op.options.child());
		op_tables.push_back(std::move(t));
	}
	std::vector<Table> code_tables;
	for (const int32_t c : codes)
		code_tables.push_back(Table().scalar<int8_t>(0, static_cast<int8_t>(c < 127 ? c : 127))
					      .scalar<int32_t>(2, 1)
					      .scalar<int32_t>(3, c));
	std::vector<Table> buffers{Table()}; // buffer 0: empty, by convention
	std::vector<Table> tensor_tables;
	for (size_t i = 0; i < tensors.size(); ++i) {
		const Tensor &t = tensors[i];
		Table tt;
		tt.ref(0, vec(t.shape)).scalar<int8_t>(1, t.type).ref(3, str("t" + std::to_string(i)));
		if (!t.data.empty()) {
			tt.scalar<uint32_t>(2, static_cast<uint32_t>(buffers.size()));
			buffers.push_back(Table().ref(0, vec(t.data)));
		}
		if (!t.scales.empty()) {
			Table q;
			q.ref(2, vec(t.scales)).ref(3, vec(t.zero_points)).scalar<int32_t>(6, t.quantized_dimension);
			tt.ref(4, q.child());
		}
		tensor_tables.push_back(std::move(tt));
	}
	Table subgraph;
	subgraph.ref(0, tables(tensor_tables)).ref(1, vec(inputs)).ref(2, vec(outputs)).ref(3, tables(op_tables));
	Table root;
	root.scalar<uint32_t>(0, 3).ref(1, tables(code_tables)).ref(2, tables({subgraph})).ref(4, tables(buffers));
	Writer w;
	w.b.resize(8, 0);
	std::memcpy(&w.b[4], "TFL3", 4);
	const size_t r = root.write(w);
	w.put<uint32_t>(0, static_cast<uint32_t>(r));
	w.pad_to(16);
	return w.b;
}

} // namespace vaccel::test::tfl
