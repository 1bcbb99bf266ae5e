// SPDX-License-Identifier: Apache-2.0
// Finding 3 (docs/security.md): image decompression bombs.  A guest sends a few bytes that declare
// a huge image as an IMAGE_CLASSIFY request to a real agent with the onnx plugin; each must get an
// error within 1 s without growing the agent's peak memory by 100 MB, and the agent keeps serving
// real images afterwards.  (The decoder's own tests are in tests/plugins/test_image.cpp.)
#include "agent_process.hpp"
#include "image_bombs.hpp"
#include "rpc_test_util.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

using namespace rpctest;
namespace bombs = vaccel::test::bombs;

namespace {

constexpr auto kMaxBombTime = std::chrono::seconds(1);
constexpr long kMaxBombGrowthKib = 100L * 1024;

std::vector<uint8_t> read_model_file(const std::string &name)
{
	std::ifstream f(std::string(VACCEL_TEST_MODELS_DIR) + "/" + name, std::ios::binary);
	return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

int classify(Client &c, int64_t sid, const std::vector<uint8_t> &img, std::string *text = nullptr)
{
	std::vector<std::vector<uint8_t>> outs;
	const int st = genop(c, sid, {u8(VACCEL_OP_IMAGE_CLASSIFY), buf(VACCEL_ARG_BUFFER, img.data(), img.size())},
			     {out(VACCEL_ARG_UCHAR_ARRAY, 256), out(VACCEL_ARG_UCHAR_ARRAY, 256)}, &outs);
	if (st == 0 && text != nullptr) // the label goes to one of the two text outputs
		for (const auto &o : outs)
			*text += std::string(o.begin(), o.end()).c_str();
	return st;
}

} // namespace

TEST(ImageBombs, ClassifyRefusesBombsQuicklyAndAgentKeepsServing)
{
	AgentProcess agent;
	ASSERT_TRUE(agent.start(ONNX_PLUGIN)) << agent.log_text();
	auto c = make_client(agent.address());
	const int64_t sid = create_session(*c);
	ASSERT_GT(sid, 0);
	const auto model = read_model_file("mobilenetv2-12-f32-opset10.onnx");
	const auto labels = read_model_file("imagenet_labels_1000.txt");
	const auto cat = read_model_file("cat.bmp");
	ASSERT_FALSE(model.empty() || labels.empty() || cat.empty()) << "models dir: " VACCEL_TEST_MODELS_DIR;
	int64_t rid = 0;
	ASSERT_EQ(register_blob(*c, sid, "model.onnx", model.data(), model.size(), VACCEL_BLOB_BUFFER, &rid, 0,
				VACCEL_RESOURCE_MODEL),
		  0);
	ASSERT_EQ(register_blob(*c, sid, "labels.txt", labels.data(), labels.size(), VACCEL_BLOB_BUFFER, &rid, 0,
				VACCEL_RESOURCE_DATA),
		  0);
	std::string text;
	ASSERT_EQ(classify(*c, sid, cat, &text), 0) << agent.log_text();
	EXPECT_NE(text.find("Egyptian cat"), std::string::npos) << text;

	const struct {
		const char *name;
		bombs::Bytes bytes;
	} cases[] = {
		{"TGA 8000x8000 header", bombs::tga_header(8000, 8000)},
		{"HDR 8000x8000 header", bombs::hdr_header(8000)},
		{"BMP 5000x5000 header only", bombs::bmp(5000, 5000, 0, false)},
		{"JPEG 4096x4096, 16 bytes", bombs::jpeg(4096, 4096, 16)},
		{"PNG 16x16, 200 MB stream", bombs::png(16, 16, 0, bombs::zlib_zeros(200'000'000))},
	};
	for (const auto &bomb : cases) {
		const long hwm_before = agent.hwm_kb();
		const auto t0 = std::chrono::steady_clock::now();
		EXPECT_EQ(classify(*c, sid, bomb.bytes), VACCEL_EINVAL) << bomb.name;
		const auto took = std::chrono::steady_clock::now() - t0;
		EXPECT_LT(took, kMaxBombTime)
			<< bomb.name << " took " << std::chrono::duration<double>(took).count() << " s";
		const long growth = agent.hwm_kb() - hwm_before;
		EXPECT_LT(growth, kMaxBombGrowthKib) << bomb.name << " grew the agent's peak RSS from "
						     << hwm_before / 1024 << " MiB by " << growth / 1024 << " MiB";
		std::printf("  %-28s %6zu bytes: %.3f s, peak RSS +%ld KiB\n", bomb.name, bomb.bytes.size(),
			    std::chrono::duration<double>(took).count(), growth);
	}
	// Every rejection is logged with its reason, and the agent still classifies real images.
	const std::string log = agent.log_text();
	EXPECT_NE(log.find("unsupported image format"), std::string::npos) << log;
	EXPECT_NE(log.find("truncated BMP"), std::string::npos) << log;
	ASSERT_TRUE(agent.alive());
	text.clear();
	ASSERT_EQ(classify(*c, sid, cat, &text), 0) << agent.log_text();
	EXPECT_NE(text.find("Egyptian cat"), std::string::npos) << text;
}
