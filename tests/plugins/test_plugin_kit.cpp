// SPDX-License-Identifier: Apache-2.0
// The plugin kit (plugins/common): the C-ABI boundary and its one table, the background-line rule
// of labels, the classification pipeline's output strings, and the TensorKind traits shared with
// libvaccel (include/vaccel/cpp/tensor_kind.hpp).
#include <gtest/gtest.h>

#include <vaccel.h>
#include <vaccel/cpp/exception_code.hpp>
#include <vaccel/cpp/tensor_kind.hpp>

#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "boundary.hpp"
#include "classifier.hpp"
#include "labels.hpp"

namespace {

namespace vp = vaccel::plugin;
using vp::Status;

constexpr char kName[] = "kit-test";

TEST(PluginKitBoundary, StatusTableMapsEveryStatus)
{
	EXPECT_EQ(vp::status_code(Status::Ok), VACCEL_OK);
	EXPECT_EQ(vp::status_code(Status::InvalidInput), VACCEL_EINVAL);
	EXPECT_EQ(vp::status_code(Status::NotFound), VACCEL_ENOENT);
	EXPECT_EQ(vp::status_code(Status::Unsupported), VACCEL_ENOTSUP);
	EXPECT_EQ(vp::status_code(Status::NoMemory), VACCEL_ENOMEM);
	EXPECT_EQ(vp::status_code(Status::Backend), VACCEL_EBACKEND);
}

TEST(PluginKitBoundary, ReturnedCodesAndStatusesPassThroughTheTable)
{
	EXPECT_EQ(vp::boundary(kName, "op", [] { return VACCEL_EPERM; }), VACCEL_EPERM);
	EXPECT_EQ(vp::boundary(kName, "op", [] { return Status::Unsupported; }), VACCEL_ENOTSUP);
	EXPECT_EQ(vp::boundary(kName, "op", [] { return Status::Ok; }), VACCEL_OK);
}

TEST(PluginKitBoundary, ExceptionsMapByTheSharedTable)
{
	EXPECT_EQ(vp::boundary(kName, "op", []() -> int { vp::fail(Status::NotFound, "gone"); }), VACCEL_ENOENT);
	EXPECT_EQ(vp::boundary(kName, "op", []() -> int { throw std::bad_alloc(); }), VACCEL_ENOMEM);
	EXPECT_EQ(vp::boundary(kName, "op",
			       []() -> int { throw std::system_error(EACCES, std::generic_category(), "open"); }),
		  EACCES);
	EXPECT_EQ(vp::boundary(kName, "op",
			       []() -> int {
				       throw std::filesystem::filesystem_error(
					       "stat", std::make_error_code(std::errc::no_such_file_or_directory));
			       }),
		  VACCEL_ENOENT);
	EXPECT_EQ(vp::boundary(kName, "op", []() -> int { throw vaccel::Error(VACCEL_EPERM, "x"); }), VACCEL_EPERM);
	EXPECT_EQ(vp::boundary(kName, "op", []() -> int { throw std::runtime_error("engine"); }), VACCEL_EBACKEND);
	EXPECT_EQ(vp::boundary(kName, "op", []() -> int { throw 42; }), VACCEL_EBACKEND);
}

TEST(PluginKitBoundary, CoreFallbackIsEio)
{
	// The same table with libvaccel's fallback: what the core's one mapper returns.
	EXPECT_EQ(vaccel::call_at_c_boundary("core", VACCEL_EIO, []() -> int { throw std::logic_error("bug"); }),
		  VACCEL_EIO);
	EXPECT_EQ(vaccel::call_at_c_boundary("core", VACCEL_EIO, []() -> int { throw std::bad_alloc(); }),
		  VACCEL_ENOMEM);
	// A system_error of a category that is not errno-valued falls back too.
	EXPECT_EQ(vaccel::call_at_c_boundary(
			  "core", VACCEL_EIO,
			  []() -> int { throw std::system_error(std::make_error_code(std::io_errc::stream)); }),
		  VACCEL_EIO);
}

int throwing_op(vaccel_session *sess)
{
	if (sess == nullptr)
		throw std::runtime_error("no session");
	return VACCEL_OK;
}

TEST(PluginKitBoundary, AtBoundaryKeepsTheOpSignature)
{
	int (*fn)(vaccel_session *) = vp::at_boundary<kName, VACCEL_OP_NOOP, throwing_op>;
	EXPECT_EQ(fn(nullptr), VACCEL_EBACKEND);
	vaccel_session sess{};
	EXPECT_EQ(fn(&sess), VACCEL_OK);
}

TEST(PluginKitBoundary, AtBoundaryNamesTheOpTypeWhenItFails)
{
	// at_boundary looks the op type's name up only on the failure path: the line still names it.
	int (*fn)(vaccel_session *) = vp::at_boundary<kName, VACCEL_OP_NOOP, throwing_op>;
	testing::internal::CaptureStdout();
	EXPECT_EQ(fn(nullptr), VACCEL_EBACKEND);
	const std::string out = testing::internal::GetCapturedStdout();
	EXPECT_NE(out.find("[kit-test] NOOP: no session"), std::string::npos) << out;
	// A name given as a function is called for the log line.
	testing::internal::CaptureStdout();
	EXPECT_EQ(vp::boundary(
			  kName, [] { return "named late"; }, []() -> int { throw std::runtime_error("x"); }),
		  VACCEL_EBACKEND);
	const std::string late = testing::internal::GetCapturedStdout();
	EXPECT_NE(late.find("[kit-test] named late:"), std::string::npos) << late;
}

vaccel::image::Labels labels_of(size_t n, bool background_first)
{
	std::string text = background_first ? "background\n" : "";
	for (size_t i = 0; i < n; ++i)
		text += "class-" + std::to_string(i) + "\n";
	vaccel::image::Labels labels;
	std::string error;
	EXPECT_TRUE(labels.load_from_buffer(text, error)) << error;
	return labels;
}

TEST(PluginKitLabels, BackgroundLineRule)
{
	const auto plain = labels_of(1000, false);
	const auto with_background = labels_of(1000, true); // 1001 lines
	// Same length as the model: as written.
	EXPECT_EQ(vp::class_label(plain, 285, 1000), "class-285");
	// One extra leading line for a 1000-class model: shifted past "background".
	EXPECT_EQ(vp::class_label(with_background, 285, 1000), "class-285");
	EXPECT_EQ(vp::class_label(with_background, 0, 1000), "class-0");
	// A 1001-class model (class 0 = background) with a 1000-line file.
	EXPECT_EQ(vp::class_label(plain, 0, 1001), "background");
	EXPECT_EQ(vp::class_label(plain, 286, 1001), "class-285");
	// A 1001-class model with the 1001-line file: as written.
	EXPECT_EQ(vp::class_label(with_background, 0, 1001), "background");
}

TEST(PluginKitClassifier, WriteTop1AppliesTheLabelRule)
{
	const auto with_background = labels_of(4, true);
	unsigned char text[64] = {};
	unsigned char name[16] = {};
	vaccel_session sess{};
	const vp::ClassifyCall call{&sess, "x", 1, text, sizeof(text), name, sizeof(name)};
	ASSERT_EQ(vp::write_top1(kName, call, with_background, {0.1F, 0.2F, 0.6F, 0.1F}), VACCEL_OK);
	EXPECT_STREQ(reinterpret_cast<char *>(text), "class-2 (class 2, p=0.600)");
	EXPECT_STREQ(reinterpret_cast<char *>(name), "class-2");
	EXPECT_EQ(vp::write_top1(kName, call, with_background, {}), VACCEL_EBACKEND);
}

TEST(PluginKitClassifier, UndecodableImageIsInvalid)
{
	const auto labels = labels_of(4, false);
	unsigned char text[64] = {};
	vaccel_session sess{};
	const char junk[] = "not an image";
	const vp::ClassifyCall call{&sess, junk, sizeof(junk), text, sizeof(text), nullptr, 0};
	bool ran = false;
	const int rc = vp::classify_image(
		kName, call, labels,
		[&](const vaccel::image::Image &) {
			ran = true;
			return 0;
		},
		[](int) { return std::vector<float>{1.0F}; });
	EXPECT_EQ(rc, VACCEL_EINVAL);
	EXPECT_FALSE(ran);
}

template <typename T>
void round_trip(typename vaccel::TensorKind<T>::dim_t d0)
{
	using Kind = vaccel::TensorKind<T>;
	const typename Kind::dim_t dims[2] = {d0, 3};
	T *t = nullptr;
	ASSERT_EQ(Kind::allocate(&t, 2, dims, static_cast<typename Kind::data_type_t>(1), 24), VACCEL_OK);
	ASSERT_NE(t, nullptr);
	EXPECT_EQ(t->nr_dims, 2);
	EXPECT_EQ(t->dims[0], d0);
	EXPECT_EQ(t->size, 24U);
	EXPECT_TRUE(t->owned);
	EXPECT_EQ(Kind::destroy(t), VACCEL_OK);
}

TEST(PluginKitTensorKind, OneTraitsTypeForTheThreeKinds)
{
	round_trip<vaccel_tf_tensor>(2);
	round_trip<vaccel_tflite_tensor>(2);
	round_trip<vaccel_torch_tensor>(2);
	EXPECT_TRUE(vaccel::TensorKind<vaccel_torch_tensor>::valid_type(VACCEL_TORCH_FLOAT));
	EXPECT_FALSE(vaccel::TensorKind<vaccel_torch_tensor>::valid_type(0));
	EXPECT_TRUE(vaccel::TensorKind<vaccel_tflite_tensor>::valid_type(VACCEL_TFLITE_NOTYPE));
	EXPECT_FALSE(vaccel::TensorKind<vaccel_tf_tensor>::valid_type(-1));
}

} // namespace
