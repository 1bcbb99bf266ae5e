// SPDX-License-Identifier: Apache-2.0
// vAccel 0.8 behaviour (issue 12): each case asserts the result the
// reference's own API tests expect, where our runtime used to differ.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <type_traits>

#include "vtest.hpp"

namespace {

using vtest::VaccelTest;

// ---- declarations the 0.8 headers provide ----------------------------------------------

static_assert(VACCEL_PLUGIN_MAX == 65536);
static_assert(VACCEL_ENUM_STR_MAX >= 32);

// The 0.8 callback type names and ours are the same types.
static_assert(std::is_same_v<vaccel_arg_type_validator_fn, vaccel_arg_custom_validator_t>);
static_assert(std::is_same_v<vaccel_arg_serializer_fn, vaccel_arg_serializer_t>);
static_assert(std::is_same_v<vaccel_arg_deserializer_fn, vaccel_arg_deserializer_t>);

// The 0.8 signatures, checked by assigning to pointers of the exact types.
[[maybe_unused]] int (*const take_data)(struct vaccel_torch_buffer *, void **,
					size_t *) = vaccel_torch_buffer_take_data;
[[maybe_unused]] int (*const prof_init)(struct vaccel_prof_region *, int) = vaccel_prof_regions_init;
[[maybe_unused]] void (*const clear)(struct vaccel_arg_array *) = vaccel_arg_array_clear;
[[maybe_unused]] void (*const set_pos)(struct vaccel_arg_array *, size_t) = vaccel_arg_array_set_position;
[[maybe_unused]] int (*const add_all)(struct vaccel_arg_array *, const struct vaccel_arg_array *,
				      bool) = vaccel_arg_array_add_all;
[[maybe_unused]] char *(*const type_name)(vaccel_op_type_t, char *, size_t) = vaccel_op_type_name;
[[maybe_unused]] int (*const opencv_unpack)(struct vaccel_session *, struct vaccel_arg *, int, struct vaccel_arg *,
					    int) = vaccel_opencv_unpack;

// An enum defined the 0.8 way, with the helper macros.
#define VTEST_COLOR_ENUM_LIST(VACCEL_ENUM_ITEM)                                                                        \
	VACCEL_ENUM_ITEM(RED, 3, VTEST_COLOR)                                                                          \
	VACCEL_ENUM_ITEM(BLUE, VTEST_COLOR)
VACCEL_ENUM_DEF_WITH_STR_FUNCS(vtest_color, VTEST_COLOR, VTEST_COLOR_ENUM_LIST)

TEST(Compat, EnumHelperMacros)
{
	EXPECT_EQ(3, VTEST_COLOR_RED);
	EXPECT_EQ(4, VTEST_COLOR_BLUE);
	EXPECT_EQ(5, VTEST_COLOR_MAX);
	EXPECT_STREQ("VTEST_COLOR_BLUE", vtest_color_to_str(VTEST_COLOR_BLUE));
	EXPECT_STREQ("RED", vtest_color_to_base_str(VTEST_COLOR_RED));
	EXPECT_STREQ("VTEST_COLOR_MAX", vtest_color_to_str(VTEST_COLOR_MAX));
	EXPECT_STREQ("MAX", vtest_color_to_base_str(static_cast<vtest_color_t>(42)));
}

// The per-enum X-macro lists give back the public enums' values and names.
#define VTEST_CHECK_ITEM(...) VACCEL_ENUM_GET_MACRO(__VA_ARGS__, VTEST_CHECK3, VTEST_CHECK2, x)(__VA_ARGS__)
#define VTEST_CHECK2(name, prefix) names.push_back(#prefix "_" #name);
#define VTEST_CHECK3(name, value, prefix) VTEST_CHECK2(name, prefix) values.push_back(prefix##_##name);
TEST(Compat, EnumListsMatchTheEnums)
{
	std::vector<std::string> names;
	std::vector<long> values;
	VACCEL_OP_TYPE_ENUM_LIST(VTEST_CHECK_ITEM)
	ASSERT_EQ(static_cast<size_t>(VACCEL_OP_MAX), names.size());
	for (int i = 0; i < VACCEL_OP_MAX; ++i)
		EXPECT_EQ(names[i], vaccel_op_type_to_str(static_cast<vaccel_op_type_t>(i)));
	names.clear();
	VACCEL_ARG_TYPE_ENUM_LIST(VTEST_CHECK_ITEM)
	EXPECT_EQ(static_cast<size_t>(VACCEL_ARG_MAX), names.size());
	EXPECT_EQ("VACCEL_ARG_CUSTOM", names.back());
	names.clear();
	values.clear();
	VACCEL_PLUGIN_TYPE_ENUM_LIST(VTEST_CHECK_ITEM)
	EXPECT_EQ(static_cast<long>(VACCEL_PLUGIN_CPU), values.front());
	EXPECT_EQ(static_cast<long>(VACCEL_PLUGIN_ALL), values.back());
	names.clear();
	VACCEL_LOG_LEVEL_ENUM_LIST(VTEST_CHECK_ITEM)
	EXPECT_EQ(static_cast<size_t>(VACCEL_LOG_MAX - 1), names.size());
	names.clear();
	VACCEL_RESOURCE_TYPE_ENUM_LIST(VTEST_CHECK_ITEM)
	VACCEL_BLOB_TYPE_ENUM_LIST(VTEST_CHECK_ITEM)
	VACCEL_PATH_TYPE_ENUM_LIST(VTEST_CHECK_ITEM)
	EXPECT_EQ(9u, names.size());
}

TEST(Compat, ListEntryInitAndOpTypeToLower)
{
	static vaccel_list_entry entry = LIST_ENTRY_INIT(entry);
	EXPECT_EQ(&entry, entry.next);
	EXPECT_EQ(&entry, entry.prev);
	char buf[VACCEL_ENUM_STR_MAX];
	EXPECT_STREQ("image_classify", vaccel_op_type_to_lower(VACCEL_OP_IMAGE_CLASSIFY, buf, sizeof(buf)));
	char small[6];
	EXPECT_STREQ("image", vaccel_op_type_to_lower(VACCEL_OP_IMAGE_CLASSIFY, small, sizeof(small)));
}

// ---- utils ---------------------------------------------------------------------------------

TEST(Compat, StrToLowerTruncatesAndRejectsSizeZero)
{
	char out[6];
	EXPECT_OK(vaccel_str_to_lower("HELLO WORLD", out, sizeof(out), nullptr));
	EXPECT_STREQ("hello", out);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_str_to_lower("HELLO", out, 0, nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_str_to_lower("HELLO", nullptr, sizeof(out), nullptr));
}

TEST(Compat, FsFileRead)
{
	vtest::TempDir dir;
	vtest::write_file(dir / "in.bin", std::string("abc\0def", 7));
	void *data = nullptr;
	size_t size = 0;
	ASSERT_OK(fs_file_read((dir / "in.bin").c_str(), &data, &size));
	ASSERT_EQ(7u, size);
	EXPECT_EQ(0, memcmp(data, "abc\0def", 7));
	free(data);
	EXPECT_EQ(VACCEL_ENOENT, fs_file_read((dir / "absent").c_str(), &data, &size));
	EXPECT_EQ(VACCEL_EINVAL, fs_file_read(dir.path().c_str(), &data, &size)) << "a directory";
	EXPECT_EQ(VACCEL_EINVAL, fs_file_read(nullptr, &data, &size));
	EXPECT_EQ(VACCEL_EINVAL, fs_file_read((dir / "in.bin").c_str(), nullptr, &size));
}

// ---- args ----------------------------------------------------------------------------------

bool accept_any(const void *, size_t, uint32_t)
{
	return true;
}

TEST(CompatArg, SizeZeroAndNullValidatorsAreEinval)
{
	int32_t v = 1;
	vaccel_arg arg{};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_init(&arg, &v, 0, VACCEL_ARG_RAW, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_init_from_buf(&arg, &v, 0, VACCEL_ARG_RAW, 0));
	vaccel_arg *heap = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_new(&heap, &v, 0, VACCEL_ARG_RAW, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_from_buf(&heap, &v, 0, VACCEL_ARG_RAW, 0));

	// An empty arg and a zeroed owned buffer are still fine.
	ASSERT_OK(vaccel_arg_init(&arg, nullptr, 0, VACCEL_ARG_RAW, 0));
	EXPECT_OK(vaccel_arg_release(&arg));
	ASSERT_OK(vaccel_arg_init(&arg, nullptr, sizeof(v), VACCEL_ARG_RAW, 0));
	ASSERT_NE(nullptr, arg.buf);
	EXPECT_EQ(0, *static_cast<int32_t *>(arg.buf));
	EXPECT_OK(vaccel_arg_release(&arg));

	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_raw(&a, &v, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_buffer(&a, &v, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_add_custom(&a, 7, &v, sizeof(v), nullptr));
	EXPECT_EQ(0u, a.count);
	ASSERT_OK(vaccel_arg_array_add_custom(&a, 7, &v, sizeof(v), accept_any));
	void *buf = nullptr;
	size_t size = 0;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_get_custom(&a, 7, &buf, &size, nullptr));
	EXPECT_EQ(0u, a.position);
	ASSERT_OK(vaccel_arg_array_get_custom(&a, 7, &buf, &size, accept_any));
	vaccel_arg_array_reset_position(&a);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_arg_array_set_custom(&a, 7, &v, sizeof(v), nullptr));
	EXPECT_OK(vaccel_arg_array_release(&a));
}

TEST(CompatArg, GetArrayAcceptsNullCount)
{
	float values[3] = {1, 2, 3};
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 1));
	ASSERT_OK(vaccel_arg_array_add_float_array(&a, values, 3));
	float *got = nullptr;
	ASSERT_OK(vaccel_arg_array_get_float_array(&a, &got, nullptr));
	EXPECT_EQ(values, got);
	EXPECT_EQ(1u, a.position);
	EXPECT_OK(vaccel_arg_array_release(&a));
}

TEST(CompatArg, InitZeroAllocates)
{
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 0));
	EXPECT_NE(nullptr, a.args);
	EXPECT_GT(a.capacity, 0u);
	EXPECT_EQ(0u, a.count);
	EXPECT_TRUE(a.owned);
	EXPECT_OK(vaccel_arg_array_release(&a));
	EXPECT_EQ(nullptr, a.args);
	EXPECT_EQ(0u, a.capacity);
	EXPECT_FALSE(a.owned);
}

TEST(CompatArg, SetPositionClampsAndClearKeepsStorage)
{
	int8_t v[2] = {1, 2};
	vaccel_arg_array a{};
	ASSERT_OK(vaccel_arg_array_init(&a, 2));
	ASSERT_OK(vaccel_arg_array_add_int8(&a, &v[0]));
	ASSERT_OK(vaccel_arg_array_add_int8(&a, &v[1]));
	vaccel_arg_array_set_position(&a, 1);
	EXPECT_EQ(1u, a.position);
	vaccel_arg_array_set_position(&a, 99);
	EXPECT_EQ(2u, a.position) << "clamped to the count";
	vaccel_arg_array_set_position(nullptr, 1); // no crash

	vaccel_arg_array_clear(nullptr); // no crash
	vaccel_arg *storage = a.args;
	a.args = nullptr;
	vaccel_arg_array_clear(&a); // nothing to clear: left untouched
	EXPECT_EQ(2u, a.count);
	a.args = storage;
	vaccel_arg_array_clear(&a);
	EXPECT_EQ(storage, a.args);
	EXPECT_EQ(0u, a.count);
	EXPECT_EQ(0u, a.position);
	EXPECT_OK(vaccel_arg_array_release(&a));
}

TEST(CompatArg, ReleasedArgHasTypeMax)
{
	int32_t v = 3;
	vaccel_arg arg{};
	ASSERT_OK(vaccel_arg_init(&arg, &v, sizeof(v), VACCEL_ARG_INT32, 0));
	ASSERT_OK(vaccel_arg_release(&arg));
	EXPECT_EQ(VACCEL_ARG_MAX, arg.type);
	EXPECT_EQ(nullptr, arg.buf);
	EXPECT_EQ(0u, arg.size);
	EXPECT_FALSE(arg.owned);
}

TEST(CompatArg, AddRangeTakesConstSource)
{
	int16_t v = 9;
	vaccel_arg_array src{}, dst{};
	ASSERT_OK(vaccel_arg_array_init(&src, 1));
	ASSERT_OK(vaccel_arg_array_add_int16(&src, &v));
	const vaccel_arg_array &csrc = src;
	ASSERT_OK(vaccel_arg_array_init(&dst, 1));
	ASSERT_OK(vaccel_arg_array_add_all(&dst, &csrc, true));
	ASSERT_OK(vaccel_arg_array_add_range(&dst, &csrc, 0, 1, false));
	ASSERT_OK(vaccel_arg_array_add_remaining(&dst, &csrc, false));
	EXPECT_EQ(3u, dst.count);
	EXPECT_OK(vaccel_arg_array_release(&dst));
	EXPECT_OK(vaccel_arg_array_release(&src));
}

// ---- tensors, tf helpers ------------------------------------------------------------------

TEST(CompatTensor, ZeroDimsIsEinval)
{
	int64_t dims64[1] = {1};
	int32_t dims32[1] = {1};
	vaccel_tf_tensor tf{};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_init(&tf, 0, dims64, VACCEL_TF_FLOAT));
	vaccel_tf_tensor *tfp = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_new(&tfp, 0, nullptr, VACCEL_TF_FLOAT));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_allocate(&tfp, 0, dims64, VACCEL_TF_FLOAT, 4));
	vaccel_tflite_tensor tfl{};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_tensor_init(&tfl, 0, dims32, VACCEL_TFLITE_FLOAT32));
	vaccel_torch_tensor tt{};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_tensor_init(&tt, 0, dims64, VACCEL_TORCH_FLOAT));
	vaccel_torch_tensor *ttp = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_tensor_new(&ttp, 0, dims64, VACCEL_TORCH_FLOAT));
	EXPECT_EQ(nullptr, ttp);
}

TEST(CompatTensor, TfStatusNeedsMessageAndNodeReleaseLeavesMinusOne)
{
	vaccel_tf_status st{};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_status_init(&st, 1, nullptr));
	vaccel_tf_status *heap = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_status_new(&heap, 1, nullptr));
	vaccel_tf_node node{};
	ASSERT_OK(vaccel_tf_node_init(&node, "in", 4));
	ASSERT_OK(vaccel_tf_node_release(&node));
	EXPECT_EQ(nullptr, node.name);
	EXPECT_EQ(-1, node.id);
}

TEST(CompatTensor, TorchBufferTakeDataIsVoidPointer)
{
	char *mem = static_cast<char *>(malloc(4));
	memcpy(mem, "opt", 4);
	vaccel_torch_buffer b{};
	ASSERT_OK(vaccel_torch_buffer_init(&b, mem, 4));
	void *data = nullptr;
	size_t size = 0;
	ASSERT_OK(vaccel_torch_buffer_take_data(&b, &data, &size));
	EXPECT_EQ(static_cast<void *>(mem), data);
	EXPECT_EQ(4u, size);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_buffer_take_data(&b, nullptr, &size));
	free(data);
}

TEST(CompatProf, RegionCountIsInt)
{
	vaccel_prof_region r[1] = {VACCEL_PROF_REGION_INIT("x")};
	EXPECT_OK(vaccel_prof_regions_release(r, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_prof_regions_release(r, -1)) << "not a huge size_t";
}

// ---- sessions, resources, ops through plugins -------------------------------------------------

using CompatRuntime = VaccelTest;

TEST_F(CompatRuntime, UnmatchedHintFallsBackToFirstLocalPlugin)
{
	// The reference's exec examples ask for VACCEL_PLUGIN_DEBUG with only the
	// exec-like plugin loaded; here vtest-remote (transport) comes first.
	ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_REMOTE, VTEST_CPU})));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_DEBUG));
	EXPECT_STREQ("vtest-cpu", sess.plugin->info->name);
	EXPECT_FALSE(sess.is_virtio);
	EXPECT_EQ(static_cast<unsigned>(VACCEL_PLUGIN_DEBUG), sess.hint);
	EXPECT_OK(vaccel_noop(&sess));
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(CompatRuntime, UnmatchedHintWithOnlyATransportUsesIt)
{
	ASSERT_OK(bootstrap(VTEST_REMOTE));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_DEBUG));
	EXPECT_STREQ("vtest-remote", sess.plugin->info->name);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(CompatRuntime, SeedSessionIdIsTheId)
{
	static_assert(offsetof(vaccel_session, session_id) == offsetof(vaccel_session, id));
	static_assert(sizeof(vaccel_session{}.session_id) == sizeof(vaccel_id_t));
	ASSERT_OK(bootstrap(VTEST_CPU));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_GT(sess.session_id, 0);
	EXPECT_EQ(sess.id, sess.session_id);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(CompatRuntime, UrlIsFetchedOnlyAtRegister)
{
	ASSERT_OK(bootstrap(VTEST_CPU));
	vtest::HttpServer server(std::map<std::string, std::string>{{"/m.bin", "MODEL"}});
	vaccel_resource missing{};
	ASSERT_OK(vaccel_resource_init(&missing, server.url("/absent").c_str(), VACCEL_RESOURCE_MODEL))
		<< "an unreachable URL is not an init error";
	vaccel_resource good{};
	ASSERT_OK(vaccel_resource_init(&good, server.url("/m.bin").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(0u, server.requests()) << "init does not contact the server";
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_resource_register(&missing, &sess));
	ASSERT_OK(vaccel_resource_register(&good, &sess));
	EXPECT_EQ("MODEL", vtest::read_file(vaccel_blob_path(good.blobs[0])));
	EXPECT_OK(vaccel_session_release(&sess));
	EXPECT_OK(vaccel_resource_release(&good));
	EXPECT_OK(vaccel_resource_release(&missing));
}

TEST_F(CompatRuntime, OpencvUnpackPassesThrough)
{
	ASSERT_OK(bootstrap(VTEST_CPU));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_opencv_unpack(&sess, nullptr, -1, nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_opencv_unpack(nullptr, nullptr, 0, nullptr, 0));
	EXPECT_EQ(vaccel_opencv(&sess, nullptr, 0, nullptr, 0), vaccel_opencv_unpack(&sess, nullptr, 0, nullptr, 0));
	EXPECT_OK(vaccel_session_release(&sess));
}

#ifdef VTEST_NOOP
class CompatNoop : public VaccelTest {
protected:
	void SetUp() override
	{
		ASSERT_OK(bootstrap(VTEST_NOOP));
		ASSERT_OK(vaccel_session_init(&sess, 0));
	}
	void TearDown() override
	{
		vaccel_session_release(&sess);
		VaccelTest::TearDown();
	}
	vaccel_session sess{};
};

TEST_F(CompatNoop, FpgaDummyResults)
{
	int ai[3] = {4, 5, 6}, ao[3] = {};
	ASSERT_OK(vaccel_fpga_arraycopy(&sess, ai, ao, 3));
	EXPECT_EQ(0, memcmp(ai, ao, sizeof(ai)));

	float a[3] = {1, 2, 3}, b[3] = {10, 20, 30}, c[3] = {}, add[3] = {}, mult[3] = {};
	ASSERT_OK(vaccel_fpga_mmult(&sess, a, b, c, 3));
	for (float x : c)
		EXPECT_FLOAT_EQ(9.1f, x);
	ASSERT_OK(vaccel_fpga_parallel(&sess, a, b, add, mult, 3));
	for (int i = 0; i < 3; ++i) {
		EXPECT_FLOAT_EQ(a[i] + b[i], add[i]);
		EXPECT_FLOAT_EQ(1.0f, mult[i]);
	}
	float v[3] = {};
	ASSERT_OK(vaccel_fpga_vadd(&sess, a, b, v, 3, 3));
	for (int i = 0; i < 3; ++i)
		EXPECT_FLOAT_EQ(a[i] + b[i], v[i]);
}

TEST_F(CompatNoop, TfModelLoadAcceptsNullStatus)
{
	vtest::TempDir dir;
	vtest::write_file(dir / "model.pb", "graph");
	vaccel_resource model{};
	ASSERT_OK(vaccel_resource_init(&model, (dir / "model.pb").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_OK(vaccel_resource_register(&model, &sess));
	EXPECT_OK(vaccel_tf_model_load(&sess, &model, nullptr));
	vaccel_tf_status st{};
	EXPECT_OK(vaccel_tf_model_load(&sess, &model, &st));
	EXPECT_NE(nullptr, st.message);
	EXPECT_OK(vaccel_tf_status_release(&st));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_model_unload(&sess, &model, nullptr)) << "only load (0.8)";
	EXPECT_OK(vaccel_resource_unregister(&model, &sess));
	EXPECT_OK(vaccel_resource_release(&model));
}
#endif

} // namespace
