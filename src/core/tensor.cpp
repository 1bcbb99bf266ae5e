// SPDX-License-Identifier: Apache-2.0
// Tensor, buffer, node and status helpers of tf.h, tflite.h and torch.h.
//
// The three tensor structs share one shape (data, size, owned, nr_dims,
// dims, data_type) and differ in the dims/nr_dims integer types, so one
// template implements them all. Everything handed across the C ABI is
// malloc'd: plugins allocate output tensors with these helpers and
// applications free them with *_tensor_delete(), possibly from C.
//
// Semantics:
//  - init copies dims (nr_dims > 0 and dims non-NULL, as in vAccel 0.8),
//    data NULL, size 0, owned false. data_type is stored as given (not
//    range-checked, as engines may use values beyond the listed ones).
//  - allocate = new + total_size zeroed bytes (owned); total_size 0 gives
//    data NULL.
//  - set_data frees previously owned data, then borrows (owned=false).
//  - take_data hands data and size to the caller and leaves the tensor
//    empty (data NULL, size 0, owned false); dims are kept.
//  - release frees owned data and dims and zeroes the struct.
//  - buffer_init takes ownership of a malloc'd buffer; node/status copy
//    their strings (a NULL status message is VACCEL_EINVAL, as in vAccel
//    0.8); a released node has id -1.
#include <cstdlib>
#include <cstring>
#include <limits>

#include "ops/op_common.hpp"
#include "vaccel/cpp/tensor_kind.hpp"

using vaccel::ops::invalid_arg;

namespace {

template <typename Tensor>
struct TensorOps {
	using Traits = vaccel::TensorKind<Tensor>; // the traits shared with the agent and plugins
	using nr_dims_t = typename Traits::nr_dims_t;
	using dim_t = typename Traits::dim_t;
	using data_type_t = typename Traits::data_type_t;

	static int init(Tensor *t, nr_dims_t nr_dims, const dim_t *dims, data_type_t type, const char *what) noexcept
	{
		if (t == nullptr)
			return invalid_arg(what, "tensor is NULL");
		// vAccel 0.8 rejects 0-d tensors (nr_dims 0) as well as missing dims.
		if (nr_dims <= 0 || dims == nullptr)
			return invalid_arg(what, "invalid dims (nr_dims must be > 0)");
		const auto n = static_cast<uint64_t>(nr_dims);
		if (n > std::numeric_limits<size_t>::max() / sizeof(dim_t))
			return invalid_arg(what, "too many dims");
		dim_t *copy = nullptr;
		if (n > 0) {
			copy = static_cast<dim_t *>(std::malloc(n * sizeof(dim_t)));
			if (copy == nullptr)
				return VACCEL_ENOMEM;
			std::memcpy(copy, dims, n * sizeof(dim_t));
		}
		t->data = nullptr;
		t->size = 0;
		t->owned = false;
		t->nr_dims = nr_dims;
		t->dims = copy;
		t->data_type = type;
		return VACCEL_OK;
	}

	static int release(Tensor *t, const char *what) noexcept
	{
		if (t == nullptr)
			return invalid_arg(what, "tensor is NULL");
		if (t->owned)
			std::free(t->data);
		std::free(t->dims);
		std::memset(static_cast<void *>(t), 0, sizeof(*t));
		return VACCEL_OK;
	}

	static int create(Tensor **out, nr_dims_t nr_dims, const dim_t *dims, data_type_t type,
			  const char *what) noexcept
	{
		if (out == nullptr)
			return invalid_arg(what, "tensor is NULL");
		auto *t = static_cast<Tensor *>(std::calloc(1, sizeof(Tensor)));
		if (t == nullptr)
			return VACCEL_ENOMEM;
		if (int ret = init(t, nr_dims, dims, type, what)) {
			std::free(t);
			return ret;
		}
		*out = t;
		return VACCEL_OK;
	}

	static int allocate(Tensor **out, nr_dims_t nr_dims, const dim_t *dims, data_type_t type, size_t total_size,
			    const char *what) noexcept
	{
		if (out == nullptr)
			return invalid_arg(what, "tensor is NULL");
		Tensor *t = nullptr;
		if (int ret = create(&t, nr_dims, dims, type, what))
			return ret;
		if (total_size > 0) {
			t->data = std::calloc(1, total_size);
			if (t->data == nullptr) {
				destroy(t, what);
				return VACCEL_ENOMEM;
			}
			t->size = total_size;
			t->owned = true;
		}
		*out = t;
		return VACCEL_OK;
	}

	static int destroy(Tensor *t, const char *what) noexcept
	{
		if (int ret = release(t, what))
			return ret;
		std::free(t);
		return VACCEL_OK;
	}

	static int set_data(Tensor *t, void *data, size_t size, const char *what) noexcept
	{
		if (t == nullptr || (data == nullptr && size > 0))
			return invalid_arg(what, "tensor or data is NULL");
		if (t->owned && t->data != data)
			std::free(t->data);
		t->data = data;
		t->size = size;
		t->owned = false;
		return VACCEL_OK;
	}

	static int take_data(Tensor *t, void **data, size_t *size, const char *what) noexcept
	{
		if (t == nullptr || data == nullptr || size == nullptr)
			return invalid_arg(what, "NULL argument");
		*data = t->data;
		*size = t->size;
		t->data = nullptr;
		t->size = 0;
		t->owned = false;
		return VACCEL_OK;
	}
};

char *dup_string(const char *s) noexcept
{
	const size_t len = std::strlen(s) + 1;
	auto *copy = static_cast<char *>(std::malloc(len));
	if (copy != nullptr)
		std::memcpy(copy, s, len);
	return copy;
}

// Buffers of tf.h (void *data) and torch.h (char *data).
template <typename Buffer, typename Data>
struct BufferOps {
	static int init(Buffer *b, Data *data, size_t size, const char *what) noexcept
	{
		if (b == nullptr || (data == nullptr && size > 0))
			return invalid_arg(what, "buffer or data is NULL");
		b->data = data;
		b->size = size;
		return VACCEL_OK;
	}
	static int release(Buffer *b, const char *what) noexcept
	{
		if (b == nullptr)
			return invalid_arg(what, "buffer is NULL");
		std::free(b->data);
		b->data = nullptr;
		b->size = 0;
		return VACCEL_OK;
	}
	static int create(Buffer **out, Data *data, size_t size, const char *what) noexcept
	{
		if (out == nullptr)
			return invalid_arg(what, "buffer is NULL");
		auto *b = static_cast<Buffer *>(std::calloc(1, sizeof(Buffer)));
		if (b == nullptr)
			return VACCEL_ENOMEM;
		if (int ret = init(b, data, size, what)) {
			std::free(b);
			return ret;
		}
		*out = b;
		return VACCEL_OK;
	}
	static int destroy(Buffer *b, const char *what) noexcept
	{
		if (int ret = release(b, what))
			return ret;
		std::free(b);
		return VACCEL_OK;
	}
	static int take_data(Buffer *b, Data **data, size_t *size, const char *what) noexcept
	{
		if (b == nullptr || data == nullptr || size == nullptr)
			return invalid_arg(what, "NULL argument");
		*data = b->data;
		*size = b->size;
		b->data = nullptr;
		b->size = 0;
		return VACCEL_OK;
	}
};

using TfTensor = TensorOps<vaccel_tf_tensor>;
using TfliteTensor = TensorOps<vaccel_tflite_tensor>;
using TorchTensor = TensorOps<vaccel_torch_tensor>;
using TfBuffer = BufferOps<vaccel_tf_buffer, void>;
using TorchBuffer = BufferOps<vaccel_torch_buffer, char>;
// vAccel 0.8 hands the torch buffer's data out as void ** (its field stays char *).
int torch_buffer_take(vaccel_torch_buffer *b, void **data, size_t *size, const char *what) noexcept
{
	if (data == nullptr)
		return invalid_arg(what, "NULL argument");
	char *bytes = nullptr;
	const int ret = TorchBuffer::take_data(b, &bytes, size, what);
	if (ret == VACCEL_OK)
		*data = bytes;
	return ret;
}

} // namespace

/* ---- TensorFlow ---------------------------------------------------------- */

int vaccel_tf_buffer_init(struct vaccel_tf_buffer *buffer, void *data, size_t size)
{
	return TfBuffer::init(buffer, data, size, "vaccel_tf_buffer_init");
}
int vaccel_tf_buffer_release(struct vaccel_tf_buffer *buffer)
{
	return TfBuffer::release(buffer, "vaccel_tf_buffer_release");
}
int vaccel_tf_buffer_new(struct vaccel_tf_buffer **buffer, void *data, size_t size)
{
	return TfBuffer::create(buffer, data, size, "vaccel_tf_buffer_new");
}
int vaccel_tf_buffer_delete(struct vaccel_tf_buffer *buffer)
{
	return TfBuffer::destroy(buffer, "vaccel_tf_buffer_delete");
}
int vaccel_tf_buffer_take_data(struct vaccel_tf_buffer *buffer, void **data, size_t *size)
{
	return TfBuffer::take_data(buffer, data, size, "vaccel_tf_buffer_take_data");
}

int vaccel_tf_node_init(struct vaccel_tf_node *node, const char *name, int id)
{
	if (node == nullptr || name == nullptr)
		return invalid_arg("vaccel_tf_node_init", "node or name is NULL");
	char *copy = dup_string(name);
	if (copy == nullptr)
		return VACCEL_ENOMEM;
	node->name = copy;
	node->id = id;
	return VACCEL_OK;
}
int vaccel_tf_node_release(struct vaccel_tf_node *node)
{
	if (node == nullptr)
		return invalid_arg("vaccel_tf_node_release", "node is NULL");
	std::free(node->name);
	node->name = nullptr;
	node->id = -1; // vAccel 0.8's "no node"
	return VACCEL_OK;
}
int vaccel_tf_node_new(struct vaccel_tf_node **node, const char *name, int id)
{
	if (node == nullptr)
		return invalid_arg("vaccel_tf_node_new", "node is NULL");
	auto *n = static_cast<vaccel_tf_node *>(std::calloc(1, sizeof(vaccel_tf_node)));
	if (n == nullptr)
		return VACCEL_ENOMEM;
	if (int ret = vaccel_tf_node_init(n, name, id)) {
		std::free(n);
		return ret;
	}
	*node = n;
	return VACCEL_OK;
}
int vaccel_tf_node_delete(struct vaccel_tf_node *node)
{
	if (int ret = vaccel_tf_node_release(node))
		return ret;
	std::free(node);
	return VACCEL_OK;
}

int vaccel_tf_tensor_init(struct vaccel_tf_tensor *tensor, int nr_dims, const int64_t *dims,
			  enum vaccel_tf_data_type type)
{
	return TfTensor::init(tensor, nr_dims, dims, type, "vaccel_tf_tensor_init");
}
int vaccel_tf_tensor_release(struct vaccel_tf_tensor *tensor)
{
	return TfTensor::release(tensor, "vaccel_tf_tensor_release");
}
int vaccel_tf_tensor_new(struct vaccel_tf_tensor **tensor, int nr_dims, const int64_t *dims,
			 enum vaccel_tf_data_type type)
{
	return TfTensor::create(tensor, nr_dims, dims, type, "vaccel_tf_tensor_new");
}
int vaccel_tf_tensor_allocate(struct vaccel_tf_tensor **tensor, int nr_dims, const int64_t *dims,
			      enum vaccel_tf_data_type type, size_t total_size)
{
	return TfTensor::allocate(tensor, nr_dims, dims, type, total_size, "vaccel_tf_tensor_allocate");
}
int vaccel_tf_tensor_delete(struct vaccel_tf_tensor *tensor)
{
	return TfTensor::destroy(tensor, "vaccel_tf_tensor_delete");
}
int vaccel_tf_tensor_set_data(struct vaccel_tf_tensor *tensor, void *data, size_t size)
{
	return TfTensor::set_data(tensor, data, size, "vaccel_tf_tensor_set_data");
}
int vaccel_tf_tensor_take_data(struct vaccel_tf_tensor *tensor, void **data, size_t *size)
{
	return TfTensor::take_data(tensor, data, size, "vaccel_tf_tensor_take_data");
}

int vaccel_tf_status_init(struct vaccel_tf_status *status, uint8_t code, const char *message)
{
	// vAccel 0.8 requires a message.
	if (status == nullptr || message == nullptr)
		return invalid_arg("vaccel_tf_status_init", "status or message is NULL");
	char *copy = dup_string(message);
	if (copy == nullptr)
		return VACCEL_ENOMEM;
	status->code = code;
	status->message = copy;
	return VACCEL_OK;
}
int vaccel_tf_status_release(struct vaccel_tf_status *status)
{
	if (status == nullptr)
		return invalid_arg("vaccel_tf_status_release", "status is NULL");
	std::free(status->message);
	status->message = nullptr;
	status->code = 0;
	return VACCEL_OK;
}
int vaccel_tf_status_new(struct vaccel_tf_status **status, uint8_t code, const char *message)
{
	if (status == nullptr)
		return invalid_arg("vaccel_tf_status_new", "status is NULL");
	auto *s = static_cast<vaccel_tf_status *>(std::calloc(1, sizeof(vaccel_tf_status)));
	if (s == nullptr)
		return VACCEL_ENOMEM;
	if (int ret = vaccel_tf_status_init(s, code, message)) {
		std::free(s);
		return ret;
	}
	*status = s;
	return VACCEL_OK;
}
int vaccel_tf_status_delete(struct vaccel_tf_status *status)
{
	if (int ret = vaccel_tf_status_release(status))
		return ret;
	std::free(status);
	return VACCEL_OK;
}

/* ---- TensorFlow Lite ------------------------------------------------------ */

int vaccel_tflite_tensor_init(struct vaccel_tflite_tensor *tensor, int nr_dims, const int32_t *dims,
			      enum vaccel_tflite_data_type type)
{
	return TfliteTensor::init(tensor, nr_dims, dims, type, "vaccel_tflite_tensor_init");
}
int vaccel_tflite_tensor_release(struct vaccel_tflite_tensor *tensor)
{
	return TfliteTensor::release(tensor, "vaccel_tflite_tensor_release");
}
int vaccel_tflite_tensor_new(struct vaccel_tflite_tensor **tensor, int nr_dims, const int32_t *dims,
			     enum vaccel_tflite_data_type type)
{
	return TfliteTensor::create(tensor, nr_dims, dims, type, "vaccel_tflite_tensor_new");
}
int vaccel_tflite_tensor_allocate(struct vaccel_tflite_tensor **tensor, int nr_dims, const int32_t *dims,
				  enum vaccel_tflite_data_type type, size_t total_size)
{
	return TfliteTensor::allocate(tensor, nr_dims, dims, type, total_size, "vaccel_tflite_tensor_allocate");
}
int vaccel_tflite_tensor_delete(struct vaccel_tflite_tensor *tensor)
{
	return TfliteTensor::destroy(tensor, "vaccel_tflite_tensor_delete");
}
int vaccel_tflite_tensor_set_data(struct vaccel_tflite_tensor *tensor, void *data, size_t size)
{
	return TfliteTensor::set_data(tensor, data, size, "vaccel_tflite_tensor_set_data");
}
int vaccel_tflite_tensor_take_data(struct vaccel_tflite_tensor *tensor, void **data, size_t *size)
{
	return TfliteTensor::take_data(tensor, data, size, "vaccel_tflite_tensor_take_data");
}

/* ---- Torch ------------------------------------------------------------------ */

int vaccel_torch_buffer_init(struct vaccel_torch_buffer *buffer, char *data, size_t size)
{
	return TorchBuffer::init(buffer, data, size, "vaccel_torch_buffer_init");
}
int vaccel_torch_buffer_release(struct vaccel_torch_buffer *buffer)
{
	return TorchBuffer::release(buffer, "vaccel_torch_buffer_release");
}
int vaccel_torch_buffer_new(struct vaccel_torch_buffer **buffer, char *data, size_t size)
{
	return TorchBuffer::create(buffer, data, size, "vaccel_torch_buffer_new");
}
int vaccel_torch_buffer_delete(struct vaccel_torch_buffer *buffer)
{
	return TorchBuffer::destroy(buffer, "vaccel_torch_buffer_delete");
}
int vaccel_torch_buffer_take_data(struct vaccel_torch_buffer *buffer, void **data, size_t *size)
{
	return torch_buffer_take(buffer, data, size, "vaccel_torch_buffer_take_data");
}

int vaccel_torch_tensor_init(struct vaccel_torch_tensor *tensor, int64_t nr_dims, const int64_t *dims,
			     enum vaccel_torch_data_type type)
{
	return TorchTensor::init(tensor, nr_dims, dims, type, "vaccel_torch_tensor_init");
}
int vaccel_torch_tensor_release(struct vaccel_torch_tensor *tensor)
{
	return TorchTensor::release(tensor, "vaccel_torch_tensor_release");
}
int vaccel_torch_tensor_new(struct vaccel_torch_tensor **tensor, int64_t nr_dims, const int64_t *dims,
			    enum vaccel_torch_data_type type)
{
	return TorchTensor::create(tensor, nr_dims, dims, type, "vaccel_torch_tensor_new");
}
int vaccel_torch_tensor_allocate(struct vaccel_torch_tensor **tensor, int64_t nr_dims, const int64_t *dims,
				 enum vaccel_torch_data_type type, size_t total_size)
{
	return TorchTensor::allocate(tensor, nr_dims, dims, type, total_size, "vaccel_torch_tensor_allocate");
}
int vaccel_torch_tensor_delete(struct vaccel_torch_tensor *tensor)
{
	return TorchTensor::destroy(tensor, "vaccel_torch_tensor_delete");
}
int vaccel_torch_tensor_set_data(struct vaccel_torch_tensor *tensor, void *data, size_t size)
{
	return TorchTensor::set_data(tensor, data, size, "vaccel_torch_tensor_set_data");
}
int vaccel_torch_tensor_take_data(struct vaccel_torch_tensor *tensor, void **data, size_t *size)
{
	return TorchTensor::take_data(tensor, data, size, "vaccel_torch_tensor_take_data");
}
