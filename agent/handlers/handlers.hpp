// SPDX-License-Identifier: Apache-2.0
// The agent's request handlers: what each protocol request does to a tenant's state and the
// host runtime, one file per kind (session, resource, genop, exec policy, tensor models,
// profiling). They fill a Reply; none of them touches the socket, except resource_register,
// which streams its payload into the spool.
// Threads: the caller holds the tenant's state lock, shared for is_data_path() requests and
// exclusive for the others (agent/tenant.hpp).
#pragma once

#include "genop_args.hpp"
#include "tenant.hpp"

#include <string>
#include <vector>

namespace vaccel::agent::handlers {

// Bounds on what one request may describe (checked before anything is allocated for it).
inline constexpr size_t kMaxTensors = 1024;
inline constexpr size_t kMaxDims = 64;
inline constexpr const char *kSplitSegment = kSplitSegmentText;

// Requests that only read the tenant's state: they hold the state lock shared and may run on
// the pool, concurrently with each other.
bool is_data_path(const v1::Request &req);

// Runs any request but resource_register (dispatch.cpp).
void run(Tenant &t, const v1::Request &req, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch, Reply &r);

// session.cpp
void session_create(Tenant &t, const v1::SessionCreate &m, Reply &r);
void session_release(Tenant &t, const v1::SessionRelease &m, Reply &r);

// resource.cpp. resource_register receives or discards the payload itself; false when the
// stream is out of sync (why set).
bool resource_register(Tenant &t, const v1::ResourceRegister &m, rpc::IncomingPayload &in, Reply &r, std::string &why);
void resource_unregister(Tenant &t, const v1::ResourceUnregister &m, Reply &r);
void resource_sync(Tenant &t, const v1::ResourceSync &m, Reply &r);

// genop.cpp. `scratch` receives the call's private copies (genop_args.hpp).
void genop(Tenant &t, const v1::Genop &m, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch, Reply &r);

// exec.cpp: whether this agent lets a genop whose private `read` args name EXEC or
// EXEC_WITH_RESOURCE run in session s. VACCEL_OK, or an error code with why set.
int check_exec_policy(Tenant &t, const std::vector<vaccel_arg> &read, Tenant::SessionEntry &s, std::string &why);

// tensor_models.cpp: TF, TFLite and Torch models.
void tf_load(Tenant &t, const v1::ModelRef &m, bool unload, Reply &r);
void tf_run(Tenant &t, const v1::TfModelRun &m, const rpc::PayloadView &payload, Reply &r);
void tflite_load(Tenant &t, const v1::ModelRef &m, bool unload, Reply &r);
void tflite_run(Tenant &t, const v1::TfliteModelRun &m, const rpc::PayloadView &payload, Reply &r);
void torch_load(Tenant &t, const v1::ModelRef &m, Reply &r);
void torch_run(Tenant &t, const v1::TorchModelRun &m, const rpc::PayloadView &payload, Reply &r);

// profiling.cpp
void profiling_get(Tenant &t, const v1::ProfilingGet &m, Reply &r);

} // namespace vaccel::agent::handlers
