// SPDX-License-Identifier: Apache-2.0
// TensorKind<T>: what differs between the three framework tensor structs of vaccel/ops/tf.h,
// tflite.h and torch.h, so that code handling tensors is written once for all of them.
//
// The three structs share one shape (data, size, owned, nr_dims, dims, data_type) and differ in
// the integer types of nr_dims and dims, in their data-type enum and in the names of their C
// helpers.  TensorKind<T> names those types, the range of listed data types, and the helpers
// (create = *_tensor_new, allocate, set_data, destroy = *_tensor_delete).  One traits type serves
// libvaccel (src/core/tensor.cpp implements the helpers over it), the agent, the rpc and noop
// plugins and the owning pointers of vaccel/cpp/tensor.hpp.
//
// Thread safety: stateless; each function has the thread safety of the C helper it calls (a
// tensor is not shared between threads while it is changed).
#ifndef VACCEL_CPP_TENSOR_KIND_HPP
#define VACCEL_CPP_TENSOR_KIND_HPP

#include <cstddef>
#include <cstdint>

#include "../ops/tf.h"
#include "../ops/tflite.h"
#include "../ops/torch.h"

namespace vaccel {

// The common body of the three TensorKind specialisations: the integer and enum types of one
// tensor struct, the range of its listed data types and its four C helpers.
template <typename Tensor, typename NrDims, typename Dim, typename DataType,
	  int (*New)(Tensor **, NrDims, const Dim *, DataType),
	  int (*Allocate)(Tensor **, NrDims, const Dim *, DataType, std::size_t),
	  int (*SetData)(Tensor *, void *, std::size_t), int (*Delete)(Tensor *), std::int64_t MinType,
	  std::int64_t MaxType>
struct TensorKindOf {
	using tensor_t = Tensor;
	using nr_dims_t = NrDims;
	using dim_t = Dim;
	using data_type_t = DataType;

	// Contract: whether `v` names one of the enum's listed values.
	static constexpr bool valid_type(std::int64_t v) noexcept { return v >= MinType && v <= MaxType; }
	// Contract: *_tensor_new() (dims copied, no data).
	static int create(Tensor **t, NrDims n, const Dim *dims, DataType type) noexcept
	{
		return New(t, n, dims, type);
	}
	// Contract: *_tensor_allocate() (`bytes` zeroed bytes, owned by the tensor).
	static int allocate(Tensor **t, NrDims n, const Dim *dims, DataType type, std::size_t bytes) noexcept
	{
		return Allocate(t, n, dims, type, bytes);
	}
	// Contract: *_tensor_set_data() (borrows `data`; frees owned data first).
	static int set_data(Tensor *t, void *data, std::size_t size) noexcept { return SetData(t, data, size); }
	// Contract: *_tensor_delete() (frees owned data, dims and the struct).
	static int destroy(Tensor *t) noexcept { return Delete(t); }
};

template <typename Tensor>
struct TensorKind;

template <>
struct TensorKind<vaccel_tf_tensor>
    : TensorKindOf<vaccel_tf_tensor, int, std::int64_t, vaccel_tf_data_type, vaccel_tf_tensor_new,
		   vaccel_tf_tensor_allocate, vaccel_tf_tensor_set_data, vaccel_tf_tensor_delete, VACCEL_TF_FLOAT,
		   VACCEL_TF_UINT64> {
};

template <>
struct TensorKind<vaccel_tflite_tensor>
    : TensorKindOf<vaccel_tflite_tensor, int, std::int32_t, vaccel_tflite_data_type, vaccel_tflite_tensor_new,
		   vaccel_tflite_tensor_allocate, vaccel_tflite_tensor_set_data, vaccel_tflite_tensor_delete,
		   VACCEL_TFLITE_NOTYPE, VACCEL_TFLITE_INT4> {
};

template <>
struct TensorKind<vaccel_torch_tensor>
    : TensorKindOf<vaccel_torch_tensor, std::int64_t, std::int64_t, vaccel_torch_data_type, vaccel_torch_tensor_new,
		   vaccel_torch_tensor_allocate, vaccel_torch_tensor_set_data, vaccel_torch_tensor_delete,
		   VACCEL_TORCH_BYTE, VACCEL_TORCH_FLOAT> {
};

} // namespace vaccel

#endif // VACCEL_CPP_TENSOR_KIND_HPP
