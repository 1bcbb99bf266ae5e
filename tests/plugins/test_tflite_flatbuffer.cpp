// SPDX-License-Identifier: Apache-2.0
// The tflite plugin's flatbuffer reader (plugins/tflite/tflite_flatbuffer.cpp) against hostile
// models (issue 13): flatbuffer offsets may point many entries at one table or vector, so a small
// file could make the reader copy gigabytes; its copies are capped at kMaxCopyFactor x the file's
// size + kCopySlackBytes; the XNNPACK engine's computed tensors at kMaxActivationBytes.  Models
// are written here with tiny_tflite.hpp (no Arm NN needed).
#include "test_models.hpp"
#include "tflite_flatbuffer.hpp"
#include "tflite_xnn.hpp"
#include "tiny_tflite_models.hpp"

#include <gtest/gtest.h>

namespace tfl = vaccel::test::tfl;
using vaccel::tflite::FbModel;
using vaccel::tflite::read_model;

namespace {

// A vector of `n` offsets that all point to the one table `t` (written once).
tfl::Child shared_tables(tfl::Table t, uint32_t n)
{
	return [t = std::move(t), n](tfl::Writer &w) {
		w.pad_to(4);
		const size_t p = w.append<uint32_t>(n);
		std::vector<size_t> slots;
		for (uint32_t i = 0; i < n; ++i)
			slots.push_back(w.append<uint32_t>(0));
		const size_t at = t.write(w);
		for (const size_t s : slots)
			w.put<uint32_t>(s, static_cast<uint32_t>(at - s));
		return p;
	};
}

// One ADD operator table whose inputs vector holds `inputs` indices, listed `ops` times.
std::vector<uint8_t> shared_operator_model(uint32_t ops, size_t inputs)
{
	tfl::Table op;
	op.scalar<uint32_t>(0, 0)
		.ref(1, tfl::vec(std::vector<int32_t>(inputs, 0)))
		.ref(2, tfl::vec(std::vector<int32_t>{0}));
	tfl::Table tensor;
	tensor.ref(0, tfl::vec(std::vector<int32_t>{1, 4})).scalar<int8_t>(1, 0);
	tfl::Table subgraph;
	subgraph.ref(0, tfl::tables({tensor}))
		.ref(1, tfl::vec(std::vector<int32_t>{0}))
		.ref(2, tfl::vec(std::vector<int32_t>{0}))
		.ref(3, shared_tables(op, ops));
	tfl::Table root;
	root.scalar<uint32_t>(0, 3)
		.ref(1, tfl::tables({tfl::Table().scalar<int8_t>(0, 0).scalar<int32_t>(2, 1)}))
		.ref(2, tfl::tables({subgraph}))
		.ref(4, tfl::tables({tfl::Table()}));
	tfl::Writer w;
	w.b.resize(8, 0);
	std::memcpy(&w.b[4], "TFL3", 4);
	const size_t r = root.write(w);
	w.put<uint32_t>(0, static_cast<uint32_t>(r));
	return w.b;
}

} // namespace

// 4096 operator entries all pointing at one operator with 16384 inputs: an 80 KB file whose
// reading copied 4096 x 64 KiB = 256 MiB (and a few MB more make it terabytes); now refused
// once the copies pass 4x the file + 1 MiB.  The same table listed 4 times reads fine.
TEST(TfliteFlatbuffer, SharedTablesCannotMultiplyTheCopies)
{
	const auto big = shared_operator_model(4096, 16384);
	ASSERT_LT(big.size(), size_t{100} << 10);
	FbModel m;
	std::string err;
	EXPECT_FALSE(read_model(big.data(), big.size(), m, err));
	EXPECT_NE(err.find("over the reader's limits"), std::string::npos) << err;
	EXPECT_TRUE(m.operators.empty());
	const auto few = shared_operator_model(4, 16384);
	ASSERT_TRUE(read_model(few.data(), few.size(), m, err)) << err;
	EXPECT_EQ(m.operators.size(), 4U);
	EXPECT_EQ(m.operators[3].inputs.size(), 16384U);
}

// The cap leaves real models alone: both shared TFLite models read whole.
TEST(TfliteFlatbuffer, RealModelsStayUnderTheCopyCap)
{
	for (const char *name : {"mobilenet_v1_0.25_128_quant.tflite", "mobilenet_v2_1.0_224_quant.tflite"}) {
		const auto bytes = vaccel::test::read_bytes(vaccel::test::model_path(name));
		FbModel m;
		std::string err;
		ASSERT_TRUE(read_model(bytes.data(), bytes.size(), m, err)) << name << ": " << err;
		EXPECT_GT(m.operators.size(), 10U) << name;
	}
}

// A 700-byte model whose PAD makes a [1, 8192, 8192, 1] f32 tensor (256 MiB) from a 2x2 input,
// then four ADDs of as much: 1.25 GiB of computed tensors, which XNNPACK would allocate at
// runtime creation.  Refused over kMaxActivationBytes (1 GiB), for every engine (InvalidInput);
// the engine used to build it.
TEST(TfliteFlatbuffer, XnnpackActivationsAreCapped)
{
	using namespace vaccel::test::tfl;
	auto make = [](int adds) {
		std::vector<Tensor> t{
			f32({1, 2, 2, 1}),
			{{4, 2}, 2, bytes_of(std::vector<int32_t>{0, 0, 4095, 4095, 4095, 4095, 0, 0}), {}, {}, 0},
			f32({1, 8192, 8192, 1})};
		std::vector<Op> ops{{kPad, {0, 1}, {2}, 22, Table()}};
		for (int k = 0; k < adds; ++k) {
			t.push_back(f32({1, 8192, 8192, 1}));
			const auto prev = static_cast<int32_t>(t.size() - 2), out = static_cast<int32_t>(t.size() - 1);
			ops.push_back({kAdd, {prev, prev}, {out}, 11, act_opts(0)});
		}
		return model(t, ops, {0}, {static_cast<int32_t>(t.size() - 1)});
	};
	vaccel::tflite::Status status{};
	std::string err;
	const auto four = make(4);
	ASSERT_LT(four.size(), 2048U);
	EXPECT_FALSE(vaccel::tflite::XnnEngine::build(four, 1, status, err));
	EXPECT_EQ(status, vaccel::tflite::Status::InvalidInput);
	EXPECT_NE(err.find("over the engine's limits"), std::string::npos) << err;
}
