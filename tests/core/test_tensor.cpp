// SPDX-License-Identifier: Apache-2.0
// Tensor/buffer/node/status helpers of vaccel/ops/{tf,tflite,torch}.h.
#include "vtest.hpp"

#include <cstdlib>
#include <cstring>

namespace {

TEST(TfTensor, InitSetTakeRelease)
{
	const int64_t dims[3] = {1, 2, 3};
	vaccel_tf_tensor t{};
	ASSERT_OK(vaccel_tf_tensor_init(&t, 3, dims, VACCEL_TF_INT32));
	EXPECT_EQ(3, t.nr_dims);
	EXPECT_NE(dims, t.dims) << "dims are copied";
	EXPECT_EQ(2, t.dims[1]);
	EXPECT_EQ(nullptr, t.data);
	EXPECT_EQ(VACCEL_TF_INT32, t.data_type);
	int32_t values[6] = {1, 2, 3, 4, 5, 6};
	ASSERT_OK(vaccel_tf_tensor_set_data(&t, values, sizeof(values)));
	EXPECT_EQ(static_cast<void *>(values), t.data);
	EXPECT_FALSE(t.owned);
	void *data = nullptr;
	size_t size = 0;
	ASSERT_OK(vaccel_tf_tensor_take_data(&t, &data, &size));
	EXPECT_EQ(static_cast<void *>(values), data);
	EXPECT_EQ(sizeof(values), size);
	EXPECT_EQ(nullptr, t.data);
	EXPECT_OK(vaccel_tf_tensor_release(&t));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_init(nullptr, 3, dims, VACCEL_TF_INT32));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_init(&t, 3, nullptr, VACCEL_TF_INT32));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_init(&t, -1, dims, VACCEL_TF_INT32));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_set_data(nullptr, values, 4));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_take_data(nullptr, &data, &size));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_release(nullptr));
}

TEST(TfTensor, AllocateOwnsZeroedData)
{
	const int64_t dims[1] = {8};
	vaccel_tf_tensor *t = nullptr;
	ASSERT_OK(vaccel_tf_tensor_allocate(&t, 1, dims, VACCEL_TF_UINT8, 8));
	ASSERT_NE(nullptr, t->data);
	EXPECT_TRUE(t->owned);
	EXPECT_EQ(8u, t->size);
	const uint8_t zeros[8] = {};
	EXPECT_EQ(0, memcmp(zeros, t->data, 8));
	// take_data hands ownership to the caller.
	void *data = nullptr;
	size_t size = 0;
	ASSERT_OK(vaccel_tf_tensor_take_data(t, &data, &size));
	EXPECT_FALSE(t->owned);
	free(data);
	EXPECT_OK(vaccel_tf_tensor_delete(t));
	vaccel_tf_tensor *n = nullptr;
	ASSERT_OK(vaccel_tf_tensor_new(&n, 1, dims, VACCEL_TF_FLOAT));
	EXPECT_OK(vaccel_tf_tensor_delete(n));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_allocate(nullptr, 1, dims, VACCEL_TF_UINT8, 8));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_new(nullptr, 1, dims, VACCEL_TF_FLOAT));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_tensor_delete(nullptr));
}

TEST(TfBufferNodeStatus, Lifecycle)
{
	void *mem = malloc(16);
	memset(mem, 7, 16);
	vaccel_tf_buffer buf{};
	ASSERT_OK(vaccel_tf_buffer_init(&buf, mem, 16));
	EXPECT_EQ(mem, buf.data);
	void *taken = nullptr;
	size_t size = 0;
	ASSERT_OK(vaccel_tf_buffer_take_data(&buf, &taken, &size));
	EXPECT_EQ(mem, taken);
	EXPECT_EQ(16u, size);
	EXPECT_EQ(nullptr, buf.data);
	EXPECT_OK(vaccel_tf_buffer_release(&buf));
	free(taken);
	vaccel_tf_buffer *hb = nullptr;
	ASSERT_OK(vaccel_tf_buffer_new(&hb, malloc(4), 4));
	EXPECT_OK(vaccel_tf_buffer_delete(hb)); // frees the owned data (LSan checks)
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_buffer_init(nullptr, nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_buffer_new(nullptr, nullptr, 0));

	vaccel_tf_node node{};
	ASSERT_OK(vaccel_tf_node_init(&node, "input", 3));
	EXPECT_STREQ("input", node.name);
	EXPECT_EQ(3, node.id);
	EXPECT_OK(vaccel_tf_node_release(&node));
	vaccel_tf_node *hn = nullptr;
	ASSERT_OK(vaccel_tf_node_new(&hn, "out", 0));
	EXPECT_OK(vaccel_tf_node_delete(hn));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_node_init(&node, nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_node_init(nullptr, "x", 0));

	vaccel_tf_status st{};
	ASSERT_OK(vaccel_tf_status_init(&st, 3, "bad input"));
	EXPECT_EQ(3, st.code);
	EXPECT_STREQ("bad input", st.message);
	EXPECT_OK(vaccel_tf_status_release(&st));
	vaccel_tf_status *hs = nullptr;
	ASSERT_OK(vaccel_tf_status_new(&hs, 0, "ok"));
	EXPECT_OK(vaccel_tf_status_delete(hs));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_status_init(nullptr, 0, "x"));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tf_status_delete(nullptr));
}

TEST(TfliteTensor, Lifecycle)
{
	const int32_t dims[2] = {2, 2};
	vaccel_tflite_tensor t{};
	ASSERT_OK(vaccel_tflite_tensor_init(&t, 2, dims, VACCEL_TFLITE_FLOAT32));
	EXPECT_EQ(2, t.nr_dims);
	EXPECT_NE(dims, t.dims);
	float v[4] = {1, 2, 3, 4};
	ASSERT_OK(vaccel_tflite_tensor_set_data(&t, v, sizeof(v)));
	EXPECT_FALSE(t.owned);
	void *data = nullptr;
	size_t size = 0;
	ASSERT_OK(vaccel_tflite_tensor_take_data(&t, &data, &size));
	EXPECT_EQ(static_cast<void *>(v), data);
	EXPECT_OK(vaccel_tflite_tensor_release(&t));
	vaccel_tflite_tensor *a = nullptr, *n = nullptr;
	ASSERT_OK(vaccel_tflite_tensor_allocate(&a, 2, dims, VACCEL_TFLITE_INT8, 4));
	EXPECT_TRUE(a->owned);
	ASSERT_OK(vaccel_tflite_tensor_new(&n, 2, dims, VACCEL_TFLITE_INT8));
	EXPECT_OK(vaccel_tflite_tensor_delete(a));
	EXPECT_OK(vaccel_tflite_tensor_delete(n));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_tensor_init(nullptr, 2, dims, VACCEL_TFLITE_INT8));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_tensor_new(nullptr, 2, dims, VACCEL_TFLITE_INT8));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_tensor_allocate(nullptr, 2, dims, VACCEL_TFLITE_INT8, 4));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_tensor_set_data(nullptr, v, 4));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_tensor_take_data(nullptr, &data, &size));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_tflite_tensor_delete(nullptr));
}

TEST(TorchTensorBuffer, Lifecycle)
{
	const int64_t dims[2] = {1, 3};
	vaccel_torch_tensor t{};
	ASSERT_OK(vaccel_torch_tensor_init(&t, 2, dims, VACCEL_TORCH_FLOAT));
	EXPECT_EQ(2, t.nr_dims);
	EXPECT_EQ(3, t.dims[1]);
	float v[3] = {1, 2, 3};
	ASSERT_OK(vaccel_torch_tensor_set_data(&t, v, sizeof(v)));
	void *data = nullptr;
	size_t size = 0;
	ASSERT_OK(vaccel_torch_tensor_take_data(&t, &data, &size));
	EXPECT_EQ(sizeof(v), size);
	EXPECT_OK(vaccel_torch_tensor_release(&t));
	vaccel_torch_tensor *a = nullptr, *n = nullptr;
	ASSERT_OK(vaccel_torch_tensor_allocate(&a, 2, dims, VACCEL_TORCH_LONG, 3 * sizeof(int64_t)));
	EXPECT_TRUE(a->owned);
	ASSERT_OK(vaccel_torch_tensor_new(&n, 2, dims, VACCEL_TORCH_BYTE));
	EXPECT_OK(vaccel_torch_tensor_delete(a));
	EXPECT_OK(vaccel_torch_tensor_delete(n));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_tensor_init(nullptr, 2, dims, VACCEL_TORCH_FLOAT));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_tensor_allocate(nullptr, 2, dims, VACCEL_TORCH_FLOAT, 4));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_tensor_set_data(nullptr, v, 4));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_tensor_take_data(nullptr, &data, &size));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_tensor_delete(nullptr));

	char *mem = static_cast<char *>(malloc(5));
	memcpy(mem, "opts", 5);
	vaccel_torch_buffer b{};
	ASSERT_OK(vaccel_torch_buffer_init(&b, mem, 5));
	void *taken = nullptr; // void ** as in vAccel 0.8
	ASSERT_OK(vaccel_torch_buffer_take_data(&b, &taken, &size));
	EXPECT_EQ(mem, taken);
	EXPECT_EQ(5u, size);
	EXPECT_OK(vaccel_torch_buffer_release(&b));
	free(taken);
	vaccel_torch_buffer *hb = nullptr;
	ASSERT_OK(vaccel_torch_buffer_new(&hb, static_cast<char *>(malloc(3)), 3));
	EXPECT_OK(vaccel_torch_buffer_delete(hb));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_buffer_init(nullptr, nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_buffer_new(nullptr, nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_torch_buffer_delete(nullptr));
}

TEST(DataTypes, MatchTheReference)
{
	EXPECT_EQ(1, VACCEL_TF_FLOAT);
	EXPECT_EQ(9, VACCEL_TF_INT64);
	EXPECT_EQ(23, VACCEL_TF_UINT64);
	EXPECT_EQ(1, VACCEL_TFLITE_FLOAT32);
	EXPECT_EQ(18, VACCEL_TFLITE_INT4);
	EXPECT_EQ(7, VACCEL_TORCH_FLOAT);
}

} // namespace
