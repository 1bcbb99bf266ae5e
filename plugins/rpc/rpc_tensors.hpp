// SPDX-License-Identifier: Apache-2.0
// The tensor-model ops of the rpc transport plugin (rpc_tensors.cpp): TF, TFLite and Torch model
// load/unload/run, each sent as its own request message with the tensor bytes out of band.
// Each has the signature and contract of the public function it implements (vaccel/ops/tf.h,
// tflite.h, torch.h): the core has already checked the session and that `model` is a MODEL resource
// registered with it; each returns VACCEL_OK or a vAccel error code (the agent's, or the transport's).
// Thread safety: as every op of the plugin (rpc_state.hpp): calls of any threads may overlap.
#pragma once

#include <vaccel.h>

#include <cstdint>

// Loads `model` on the agent (vaccel_tf_model_load); the agent's framework status in `status`.
int rpc_tf_model_load(vaccel_session *sess, vaccel_resource *model, vaccel_tf_status *status);
// Unloads `model` on the agent (vaccel_tf_model_unload).
int rpc_tf_model_unload(vaccel_session *sess, vaccel_resource *model, vaccel_tf_status *status);
// Runs a loaded TF model (vaccel_tf_model_run): inputs sent, `nr_out` outputs allocated here.
int rpc_tf_model_run(vaccel_session *sess, const vaccel_resource *model, const vaccel_tf_buffer *run_options,
		     const vaccel_tf_node *in_nodes, vaccel_tf_tensor *const *in, int nr_in,
		     const vaccel_tf_node *out_nodes, vaccel_tf_tensor **out, int nr_out, vaccel_tf_status *status);
// Loads `model` on the agent (vaccel_tflite_model_load).
int rpc_tflite_model_load(vaccel_session *sess, vaccel_resource *model);
// Unloads `model` on the agent (vaccel_tflite_model_unload).
int rpc_tflite_model_unload(vaccel_session *sess, vaccel_resource *model);
// Runs a loaded TFLite model (vaccel_tflite_model_run): `nr_out` outputs allocated here, the
// interpreter's status in `status`.
int rpc_tflite_model_run(vaccel_session *sess, const vaccel_resource *model, vaccel_tflite_tensor *const *in, int nr_in,
			 vaccel_tflite_tensor **out, int nr_out, uint8_t *status);
// Loads `model` on the agent (vaccel_torch_model_load).
int rpc_torch_model_load(vaccel_session *sess, vaccel_resource *model);
// Runs a loaded TorchScript model (vaccel_torch_model_run): `nr_out` outputs allocated here.
int rpc_torch_model_run(vaccel_session *sess, const vaccel_resource *model, const vaccel_torch_buffer *run_options,
			vaccel_torch_tensor *const *in, int nr_in, vaccel_torch_tensor **out, int nr_out);
