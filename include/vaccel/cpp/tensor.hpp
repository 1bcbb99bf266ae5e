// SPDX-License-Identifier: Apache-2.0
// Owning smart pointers for the TF/TFLite/Torch tensors of vaccel/ops/*.h and
// model ops that return their outputs as owned tensors.
#ifndef VACCEL_CPP_TENSOR_HPP
#define VACCEL_CPP_TENSOR_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "../ops/tf.h"
#include "../ops/tflite.h"
#include "../ops/torch.h"
#include "error.hpp"
#include "resource.hpp"
#include "session.hpp"
#include "tensor_kind.hpp"

namespace vaccel {

// Deletes a tensor of any kind with its *_tensor_delete (TensorKind<T>::destroy).
template <typename Tensor>
struct TensorDeleter {
	void operator()(Tensor *t) const noexcept { TensorKind<Tensor>::destroy(t); }
};
using TfTensorDeleter = TensorDeleter<vaccel_tf_tensor>;
using TfliteTensorDeleter = TensorDeleter<vaccel_tflite_tensor>;
using TorchTensorDeleter = TensorDeleter<vaccel_torch_tensor>;
using TfTensor = std::unique_ptr<vaccel_tf_tensor, TfTensorDeleter>;
using TfliteTensor = std::unique_ptr<vaccel_tflite_tensor, TfliteTensorDeleter>;
using TorchTensor = std::unique_ptr<vaccel_torch_tensor, TorchTensorDeleter>;

// Zero-filled tensors owning `bytes` bytes of data.
inline TfTensor make_tf_tensor(std::span<const std::int64_t> dims, vaccel_tf_data_type type, std::size_t bytes)
{
	vaccel_tf_tensor *t = nullptr;
	check(vaccel_tf_tensor_allocate(&t, static_cast<int>(dims.size()), dims.data(), type, bytes),
	      "vaccel_tf_tensor_allocate");
	return TfTensor(t);
}
inline TfliteTensor make_tflite_tensor(std::span<const std::int32_t> dims, vaccel_tflite_data_type type,
				       std::size_t bytes)
{
	vaccel_tflite_tensor *t = nullptr;
	check(vaccel_tflite_tensor_allocate(&t, static_cast<int>(dims.size()), dims.data(), type, bytes),
	      "vaccel_tflite_tensor_allocate");
	return TfliteTensor(t);
}
inline TorchTensor make_torch_tensor(std::span<const std::int64_t> dims, vaccel_torch_data_type type, std::size_t bytes)
{
	vaccel_torch_tensor *t = nullptr;
	check(vaccel_torch_tensor_allocate(&t, static_cast<std::int64_t>(dims.size()), dims.data(), type, bytes),
	      "vaccel_torch_tensor_allocate");
	return TorchTensor(t);
}

// The tensor's bytes viewed as T (size rounded down to whole elements).
template <typename T, typename Tensor>
std::span<T> tensor_data(Tensor &t) noexcept
{
	return {static_cast<T *>(t.data), t.size / sizeof(T)};
}

namespace detail {
// Raw input pointer list for the C API from owning tensors.
template <typename Raw, typename Ptr>
std::vector<Raw *> raw_list(std::span<const Ptr> tensors)
{
	std::vector<Raw *> raw;
	raw.reserve(tensors.size());
	for (const auto &t : tensors)
		raw.push_back(t.get());
	return raw;
}
// Takes ownership of the plugin-allocated outputs, even when the op failed
// after allocating some of them.
template <typename Ptr, typename Raw>
std::vector<Ptr> adopt(std::vector<Raw *> &raw)
{
	std::vector<Ptr> out;
	out.reserve(raw.size());
	for (Raw *t : raw)
		out.emplace_back(t);
	return out;
}
} // namespace detail

inline void torch_model_load(Session &sess, Resource &model)
{
	check(vaccel_torch_model_load(sess.get(), model.get()), "vaccel_torch_model_load");
}

inline std::vector<TorchTensor> torch_model_run(Session &sess, Resource &model, std::span<const TorchTensor> inputs,
						std::size_t nr_outputs)
{
	auto in = detail::raw_list<vaccel_torch_tensor>(inputs);
	std::vector<vaccel_torch_tensor *> out(nr_outputs, nullptr);
	int rc = vaccel_torch_model_run(sess.get(), model.get(), nullptr, in.data(), static_cast<int>(in.size()),
					out.data(), static_cast<int>(out.size()));
	auto owned = detail::adopt<TorchTensor>(out);
	check(rc, "vaccel_torch_model_run");
	return owned;
}

inline void tflite_model_load(Session &sess, Resource &model)
{
	check(vaccel_tflite_model_load(sess.get(), model.get()), "vaccel_tflite_model_load");
}
inline void tflite_model_unload(Session &sess, Resource &model)
{
	check(vaccel_tflite_model_unload(sess.get(), model.get()), "vaccel_tflite_model_unload");
}

// Throws Error on a vAccel error; a non-zero engine status is returned in
// `status` (like the C API) so callers can tell the two apart.
inline std::vector<TfliteTensor> tflite_model_run(Session &sess, Resource &model, std::span<const TfliteTensor> inputs,
						  std::size_t nr_outputs, std::uint8_t *status = nullptr)
{
	auto in = detail::raw_list<vaccel_tflite_tensor>(inputs);
	std::vector<vaccel_tflite_tensor *> out(nr_outputs, nullptr);
	std::uint8_t engine_status = 0;
	int rc = vaccel_tflite_model_run(sess.get(), model.get(), in.data(), static_cast<int>(in.size()), out.data(),
					 static_cast<int>(out.size()), &engine_status);
	auto owned = detail::adopt<TfliteTensor>(out);
	if (status)
		*status = engine_status;
	check(rc, "vaccel_tflite_model_run");
	return owned;
}

} // namespace vaccel

#endif // VACCEL_CPP_TENSOR_HPP
