// SPDX-License-Identifier: Apache-2.0
// Which handler a request goes to, and which requests are data-path (handlers.hpp).
#include "handlers.hpp"

namespace vaccel::agent::handlers {

bool is_data_path(const v1::Request &req)
{
	switch (req.call_case()) {
	case v1::Request::kGenop:
	case v1::Request::kTfModelRun:
	case v1::Request::kTfliteModelRun:
	case v1::Request::kTorchModelRun:
	case v1::Request::kPing:
		return true;
	default:
		return false;
	}
}

void run(Tenant &t, const v1::Request &req, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch, Reply &r)
{
	switch (req.call_case()) {
	case v1::Request::kSessionCreate:
		session_create(t, req.session_create(), r);
		break;
	case v1::Request::kSessionRelease:
		session_release(t, req.session_release(), r);
		break;
	case v1::Request::kResourceUnregister:
		resource_unregister(t, req.resource_unregister(), r);
		break;
	case v1::Request::kResourceSync:
		resource_sync(t, req.resource_sync(), r);
		break;
	case v1::Request::kGenop:
		genop(t, req.genop(), payload, scratch, r);
		break;
	case v1::Request::kTfModelLoad:
		tf_load(t, req.tf_model_load(), false, r);
		break;
	case v1::Request::kTfModelUnload:
		tf_load(t, req.tf_model_unload(), true, r);
		break;
	case v1::Request::kTfModelRun:
		tf_run(t, req.tf_model_run(), payload, r);
		break;
	case v1::Request::kTfliteModelLoad:
		tflite_load(t, req.tflite_model_load(), false, r);
		break;
	case v1::Request::kTfliteModelUnload:
		tflite_load(t, req.tflite_model_unload(), true, r);
		break;
	case v1::Request::kTfliteModelRun:
		tflite_run(t, req.tflite_model_run(), payload, r);
		break;
	case v1::Request::kTorchModelLoad:
		torch_load(t, req.torch_model_load(), r);
		break;
	case v1::Request::kTorchModelRun:
		torch_run(t, req.torch_model_run(), payload, r);
		break;
	case v1::Request::kProfilingGet:
		profiling_get(t, req.profiling_get(), r);
		break;
	case v1::Request::kPing:
		break;
	case v1::Request::kAuth:
		r.fail(VACCEL_EINVAL, "no authentication pending on this connection");
		break;
	default:
		r.fail(VACCEL_ENOTSUP, "unsupported request");
		break;
	}
}

} // namespace vaccel::agent::handlers
