// SPDX-License-Identifier: Apache-2.0
// The header-only C++ layer (include/vaccel.hpp).
#include <vaccel.hpp>

#include "vtest.hpp"

#include <type_traits>

namespace {

namespace fs = std::filesystem;

static_assert(!std::is_copy_constructible_v<vaccel::Session>);
static_assert(std::is_nothrow_move_constructible_v<vaccel::Session>);
static_assert(!std::is_copy_constructible_v<vaccel::Resource>);
static_assert(std::is_nothrow_move_constructible_v<vaccel::Resource>);
static_assert(!std::is_copy_constructible_v<vaccel::ArgArray>);
static_assert(!std::is_copy_constructible_v<vaccel::Arg>);
static_assert(!std::is_copy_constructible_v<vaccel::ProfRegion>);
static_assert(std::is_base_of_v<std::system_error, vaccel::Error>);

class Cpp : public ::testing::Test {
protected:
	void SetUp() override
	{
		runtime.emplace(vaccel::Config(vtest::plugin_list({VTEST_CPU, VTEST_REMOTE}), VACCEL_LOG_ERROR));
		vtest::write_file(tmp / "model.bin", "bytes");
	}
	void TearDown() override { runtime.reset(); }
	std::optional<vaccel::Runtime> runtime;
	vtest::TempDir tmp;
};

TEST(CppError, CarriesTheCode)
{
	try {
		vaccel::check(VACCEL_ENOENT, "vaccel_something");
		FAIL() << "no throw";
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_ENOENT, e.vaccel_code());
		EXPECT_EQ(VACCEL_ENOENT, e.code().value());
		EXPECT_STREQ("vaccel", e.code().category().name());
		EXPECT_EQ(std::errc::no_such_file_or_directory, e.code()); // portable condition
		EXPECT_NE(std::string::npos, std::string(e.what()).find("vaccel_something"));
	}
	EXPECT_EQ(VACCEL_OK, vaccel::check(VACCEL_OK, "fine"));
	EXPECT_EQ("success", vaccel::error_category().message(0));
}

TEST(CppConfig, ValuesCopiesAndEnv)
{
	vaccel::Config c(std::string("a.so"), VACCEL_LOG_INFO, std::string("/tmp/l"), true, true);
	EXPECT_EQ("a.so", c.plugins());
	EXPECT_EQ(VACCEL_LOG_INFO, c.log_level());
	EXPECT_EQ("/tmp/l", c.log_file());
	EXPECT_TRUE(c.profiling_enabled());
	EXPECT_TRUE(c.version_ignore());
	vaccel::Config copy = c;
	EXPECT_EQ("a.so", copy.plugins());
	EXPECT_NE(static_cast<const void *>(copy.get()->plugins), static_cast<const void *>(c.get()->plugins));
	vaccel::Config moved = std::move(copy);
	EXPECT_EQ("a.so", moved.plugins());
	vaccel::Config defaults;
	EXPECT_TRUE(defaults.plugins().empty());
	EXPECT_THROW(vaccel::Config(std::nullopt, static_cast<vaccel_log_level_t>(0)), vaccel::Error);
	unsetenv("VACCEL_PLUGINS");
	unsetenv("VACCEL_LOG_LEVEL");
	vaccel::Config env = vaccel::Config::from_env();
	EXPECT_EQ(VACCEL_LOG_ERROR, env.log_level());
}

TEST(CppRuntime, ScopedBootstrapAndCleanup)
{
	std::string rundir;
	{
		vaccel::Runtime rt(vaccel::Config(std::string(VTEST_CPU)));
		EXPECT_TRUE(vaccel::Runtime::initialized());
		rundir = std::string(vaccel::Runtime::rundir());
		EXPECT_TRUE(fs::is_directory(rundir));
		EXPECT_EQ(1u, vaccel::plugin_count());
		EXPECT_THROW(vaccel::load_plugin(VTEST_NOSYM), vaccel::Error);
		try {
			vaccel::load_plugin(VTEST_BADMAJOR);
		} catch (const vaccel::Error &e) {
			EXPECT_EQ(VACCEL_EINVAL, e.vaccel_code());
		}
		vaccel::load_plugin(VTEST_GPU);
		EXPECT_EQ(2u, vaccel::plugin_count());
	}
	EXPECT_FALSE(vaccel::Runtime::initialized());
	EXPECT_FALSE(fs::exists(rundir));
}

TEST_F(Cpp, SessionBasics)
{
	vaccel::Session local;
	EXPECT_GT(local.id(), 0);
	EXPECT_FALSE(local.is_remote());
	EXPECT_EQ("vtest-cpu", local.plugin_name());
	vaccel::Session remote(VACCEL_PLUGIN_REMOTE);
	EXPECT_TRUE(remote.is_remote());
	EXPECT_EQ(1000 + remote.id(), remote.remote_id());
	EXPECT_EQ("vtest-remote", remote.plugin_name());
	EXPECT_EQ(static_cast<uint32_t>(VACCEL_PLUGIN_REMOTE), remote.hint());

	vaccel_id_t id = local.id();
	vaccel::Session moved = std::move(local);
	EXPECT_FALSE(static_cast<bool>(local));
	EXPECT_EQ(id, moved.id());
	vaccel_session *found = nullptr;
	EXPECT_OK(vaccel_session_get_by_id(&found, id));
	EXPECT_EQ(moved.get(), found);

	// The C API treats the hint as a preference (vAccel 0.8) ...
	vaccel::Session fallback(VACCEL_PLUGIN_FPGA);
	EXPECT_EQ("vtest-cpu", fallback.plugin_name());
	// ... Session::strict() as a requirement.
	try {
		vaccel::Session none = vaccel::Session::strict(VACCEL_PLUGIN_FPGA);
		FAIL() << "no plugin has type FPGA";
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_ENOTSUP, e.vaccel_code());
	}
	EXPECT_EQ("vtest-cpu", vaccel::Session::strict(VACCEL_PLUGIN_CPU).plugin_name());
}

TEST_F(Cpp, SessionReleasedAtScopeEnd)
{
	vaccel_id_t id = 0;
	std::string dir;
	{
		vaccel::Session s;
		id = s.id();
		dir = s.get()->rundir;
		EXPECT_TRUE(fs::is_directory(dir));
	}
	vaccel_session *found = nullptr;
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_get_by_id(&found, id));
	EXPECT_FALSE(fs::exists(dir));
}

TEST_F(Cpp, Resources)
{
	vaccel::Session sess;
	vaccel::Resource file((tmp / "model.bin").string(), VACCEL_RESOURCE_MODEL);
	EXPECT_GT(file.id(), 0);
	EXPECT_EQ(VACCEL_RESOURCE_MODEL, file.type());
	EXPECT_EQ(VACCEL_PATH_LOCAL_FILE, file.path_type());
	ASSERT_EQ(1u, file.paths().size());
	EXPECT_EQ((tmp / "model.bin").string(), file.paths()[0]);
	ASSERT_EQ(1u, file.blobs().size());
	EXPECT_EQ(0, file.refcount());
	sess.register_resource(file);
	EXPECT_TRUE(sess.has_resource(file));
	EXPECT_EQ(1, file.refcount());
	sess.unregister_resource(file);
	EXPECT_FALSE(sess.has_resource(file));
	try {
		sess.unregister_resource(file);
		FAIL();
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_EPERM, e.vaccel_code());
	}
	EXPECT_THROW(file.directory(), vaccel::Error);

	const std::string bytes = "in-memory";
	auto mem = vaccel::Resource::from_buffer(std::as_bytes(std::span(bytes)), VACCEL_RESOURCE_DATA, std::nullopt,
						 true);
	ASSERT_EQ(1u, mem.blobs().size());
	EXPECT_EQ(VACCEL_BLOB_BUFFER, mem.blobs()[0]->type);
	auto persisted = vaccel::Resource::from_buffer(std::as_bytes(std::span(bytes)), VACCEL_RESOURCE_DATA,
						       std::string("p.bin"));
	EXPECT_EQ(bytes, vtest::read_file(vaccel_blob_path(persisted.blobs()[0])));

	fs::create_directory(tmp / "d");
	vtest::write_file(tmp / "d" / "x", "x");
	vaccel::Resource dir((tmp / "d").string(), VACCEL_RESOURCE_MODEL);
	EXPECT_EQ(fs::canonical(tmp / "d"), fs::canonical(dir.directory()));

	auto multi = vaccel::Resource::from_paths({(tmp / "model.bin").string(), (tmp / "d" / "x").string()},
						  VACCEL_RESOURCE_LIB);
	EXPECT_EQ(2u, multi.blobs().size());

	const vaccel_blob *blobs[] = {mem.blobs()[0]};
	auto from_blobs = vaccel::Resource::from_blobs(blobs, VACCEL_RESOURCE_DATA);
	EXPECT_EQ(1u, from_blobs.blobs().size());

	try {
		vaccel::Resource missing((tmp / "missing").string(), VACCEL_RESOURCE_MODEL);
		FAIL();
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_ENOENT, e.vaccel_code());
	}

	// Destroying a registered resource unregisters it.
	vaccel_id_t rid = 0;
	{
		vaccel::Resource tmp_res((tmp / "model.bin").string(), VACCEL_RESOURCE_MODEL);
		rid = tmp_res.id();
		sess.register_resource(tmp_res);
	}
	vaccel_resource *r = nullptr;
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_resource_by_id(sess.get(), &r, rid));
}

TEST_F(Cpp, ArgArrayTypedRoundTrip)
{
	int32_t i = 5;
	double d = 1.25;
	bool b = true;
	unsigned char uc = 'u';
	std::vector<float> floats = {1.f, 2.f, 3.f};
	std::string text = "hello";
	std::vector<std::byte> buf(4, std::byte{0x7});
	vaccel::ArgArray args(2);
	args.add(i).add(d).add(b).add_uchar(uc).add(std::span(floats)).add_string(text).add_buffer(buf);
	EXPECT_EQ(7u, args.size());
	EXPECT_EQ(VACCEL_ARG_INT32, args.args()[0].type);
	EXPECT_EQ(VACCEL_ARG_FLOAT64, args.args()[1].type);
	EXPECT_EQ(VACCEL_ARG_UCHAR, args.args()[3].type);
	EXPECT_EQ(VACCEL_ARG_FLOAT32_ARRAY, args.args()[4].type);
	EXPECT_EQ(VACCEL_ARG_STRING, args.args()[5].type);

	EXPECT_EQ(5, args.get<int32_t>());
	EXPECT_EQ(1.25, args.get<double>());
	EXPECT_TRUE(args.get<bool>());
	args.seek(4);
	auto fs_view = args.get_array<float>();
	ASSERT_EQ(3u, fs_view.size());
	EXPECT_EQ(floats.data(), fs_view.data());
	EXPECT_EQ("hello", args.get_string());
	EXPECT_EQ(4u, args.get_buffer().size());
	EXPECT_EQ(0u, args.remaining());

	args.rewind();
	try {
		args.get<float>();
		FAIL();
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_EINVAL, e.vaccel_code());
	}
	args.set<int32_t>(99);
	EXPECT_EQ(99, i);
	args.seek(7);
	try {
		args.get<int32_t>();
		FAIL();
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_ERANGE, e.vaccel_code());
	}
	vaccel::ArgArray moved = std::move(args);
	EXPECT_EQ(7u, moved.size());
	moved.clear();
	EXPECT_EQ(0u, moved.size());
}

TEST_F(Cpp, SingleArg)
{
	auto copy = vaccel::Arg::copy_of(int64_t{77});
	EXPECT_EQ(VACCEL_ARG_INT64, copy.type());
	EXPECT_TRUE(copy.owned());
	EXPECT_EQ(8u, copy.bytes().size());
	std::array<std::byte, 3> mem{};
	auto borrowed = vaccel::Arg::borrow(mem, VACCEL_ARG_BUFFER);
	EXPECT_FALSE(borrowed.owned());
	EXPECT_EQ(static_cast<const void *>(mem.data()), borrowed.bytes().data());
	vaccel::Arg moved = std::move(copy);
	EXPECT_EQ(8u, moved.bytes().size());
}

TEST_F(Cpp, Ops)
{
	vaccel::Session sess;
	vaccel::noop(sess);
	EXPECT_EQ(1u, vtest::record(VTEST_CPU)->op_calls[VACCEL_OP_NOOP]);

	const std::string img(12, 'x');
	auto result = vaccel::image_classify(sess, std::as_bytes(std::span(img)));
	EXPECT_EQ("vtest-tag 12 bytes", result.tag);
	EXPECT_EQ("vtest-classify.png", result.image_name);
	EXPECT_EQ("vtest-detect 12 bytes", vaccel::image_detect(sess, std::as_bytes(std::span(img))));
	EXPECT_EQ("vtest-segment 12 bytes", vaccel::image_segment(sess, std::as_bytes(std::span(img))));
	EXPECT_EQ("vtest-pose 12 bytes", vaccel::image_pose(sess, std::as_bytes(std::span(img))));
	EXPECT_EQ("vtest-depth 12 bytes", vaccel::image_depth(sess, std::as_bytes(std::span(img))));
	try {
		vaccel::image_classify(sess, {});
		FAIL();
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_EINVAL, e.vaccel_code());
	}

	std::vector<float> a = {1, 2, 3, 4}, b = {1, 0, 0, 1}, c(4, 0.f);
	vaccel::sgemm(sess, 2, 2, 2, 1.f, a, 2, b, 2, 0.f, c, 2);
	EXPECT_EQ(a, c);
	std::vector<float> small(2);
	EXPECT_THROW(vaccel::sgemm(sess, 2, 2, 2, 1.f, a, 2, b, 2, 0.f, small, 2), vaccel::Error);

	int32_t in = 4, out = 0;
	vaccel::ArgArray read, write;
	read.add(in);
	write.add(out);
	vaccel::exec(sess, "/lib.so", "sym", read, write);
	EXPECT_EQ(8, out);
	EXPECT_STREQ("sym", vtest::record(VTEST_CPU)->last_symbol);

	vaccel::Resource lib((tmp / "model.bin").string(), VACCEL_RESOURCE_LIB);
	try {
		vaccel::exec_with_resource(sess, lib, "f", read, write);
		FAIL();
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_EPERM, e.vaccel_code());
	}
	sess.register_resource(lib);
	in = 6;
	vaccel::exec_with_resource(sess, lib, "f", read, write);
	EXPECT_EQ(12, out);

	uint8_t op = VACCEL_OP_IMAGE_POSE;
	std::vector<std::byte> image(3);
	std::vector<unsigned char> name(64);
	vaccel::ArgArray gread, gwrite;
	gread.add(op).add_buffer(image);
	gwrite.add_uchar(std::span(name));
	vaccel::genop(sess, gread, gwrite);
	EXPECT_STREQ("vtest-pose 3 bytes", reinterpret_cast<char *>(name.data()));
}

TEST_F(Cpp, TensorsAndModelOps)
{
	vaccel::Session sess;
	vaccel::Resource model((tmp / "model.bin").string(), VACCEL_RESOURCE_MODEL);
	try {
		vaccel::torch_model_load(sess, model);
		FAIL();
	} catch (const vaccel::Error &e) {
		EXPECT_EQ(VACCEL_EPERM, e.vaccel_code());
	}
	sess.register_resource(model);
	vaccel::torch_model_load(sess, model);
	const int64_t dims[2] = {1, 2};
	std::vector<vaccel::TorchTensor> inputs;
	inputs.push_back(vaccel::make_torch_tensor(dims, VACCEL_TORCH_FLOAT, 2 * sizeof(float)));
	auto in_view = vaccel::tensor_data<float>(*inputs[0]);
	ASSERT_EQ(2u, in_view.size());
	in_view[0] = 3.5f;
	in_view[1] = -1.f;
	auto outputs = vaccel::torch_model_run(sess, model, inputs, 1);
	ASSERT_EQ(1u, outputs.size());
	auto out_view = vaccel::tensor_data<float>(*outputs[0]);
	ASSERT_EQ(2u, out_view.size());
	EXPECT_EQ(3.5f, out_view[0]);
	EXPECT_EQ(-1.f, out_view[1]);

	vaccel::tflite_model_load(sess, model);
	const int32_t tdims[1] = {3};
	std::vector<vaccel::TfliteTensor> tin;
	tin.push_back(vaccel::make_tflite_tensor(tdims, VACCEL_TFLITE_UINT8, 3));
	uint8_t status = 42;
	auto tout = vaccel::tflite_model_run(sess, model, tin, 1, &status);
	EXPECT_EQ(0, status);
	ASSERT_EQ(1u, tout.size());
	EXPECT_EQ(3u, tout[0]->size);
	vaccel::tflite_model_unload(sess, model);

	const int64_t tfdims[1] = {4};
	auto tf = vaccel::make_tf_tensor(tfdims, VACCEL_TF_INT32, 16);
	EXPECT_EQ(4u, vaccel::tensor_data<int32_t>(*tf).size());
}

TEST(CppProf, RegionsAndScopes)
{
	vaccel::Runtime rt(vaccel::Config(std::nullopt, VACCEL_LOG_ERROR, std::nullopt, /*profiling=*/true));
	EXPECT_TRUE(vaccel::profiling_enabled());
	vaccel::ProfRegion region("cpp");
	for (int i = 0; i < 3; ++i) {
		auto scope = region.scope();
	}
	region.start();
	region.stop();
	EXPECT_EQ(4u, region.samples().size());
	EXPECT_GE(region.total_ns(), 0u);
	EXPECT_THROW(region.stop(), vaccel::Error);
	vaccel::ProfRegion moved = std::move(region);
	EXPECT_EQ(4u, moved.samples().size());
	moved.print();
}

TEST(CppLog, GoesThroughTheRuntimeLog)
{
	vtest::TempDir tmp;
	std::string file = (tmp / "cpp.log").string();
	{
		vaccel::Runtime rt(vaccel::Config(std::nullopt, VACCEL_LOG_INFO, file));
		EXPECT_TRUE(vaccel::log_enabled(VACCEL_LOG_INFO));
		EXPECT_FALSE(vaccel::log_enabled(VACCEL_LOG_DEBUG));
		vaccel::log(VACCEL_LOG_INFO, "cpp-info 100% literal");
		vaccel::log(VACCEL_LOG_DEBUG, "cpp-debug");
	}
	std::string all;
	for (const auto &e : fs::directory_iterator(tmp.path()))
		all += vtest::read_file(e.path());
	EXPECT_EQ(1u, vtest::count_lines_with(all, "cpp-info 100% literal")) << all;
	EXPECT_EQ(0u, vtest::count_lines_with(all, "cpp-debug"));
}

} // namespace
