// SPDX-License-Identifier: Apache-2.0
// GENOP: arguments built under the client-memory rule (genop_args.hpp), exec policy (exec.cpp), call.
#include "handlers.hpp"

#include "log.hpp"

#include <cstring>

namespace vaccel::agent::handlers {
namespace {

std::string op_region_name(int op)
{
	char buf[64];
	if (op >= 0 && op < VACCEL_OP_MAX && vaccel_op_type_name(static_cast<vaccel_op_type_t>(op), buf, sizeof(buf)))
		return std::string("genop:") + buf;
	return "genop";
}

} // namespace

void genop(Tenant &t, const v1::Genop &m, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch, Reply &r)
{
	Tenant::SessionEntry *s = t.find_session(m.session_id(), r);
	if (!s)
		return;
	// Everything decided on below comes from private copies (genop_args.hpp).
	std::string why;
	GenopCost cost;
	if (int ret = plan_genop(m, payload, t.cfg().max_response, cost, why)) {
		RPC_WARN("conn %llu: genop refused: %s", (unsigned long long)t.id(), why.c_str());
		r.fail(ret, why);
		return;
	}
	auto charge = std::make_shared<Charge>();
	if (auto refused = charge->take(t.budget(), t.agent().memory_budget(), cost.private_bytes + cost.write_bytes);
	    refused != Charge::Refusal::none) {
		RPC_WARN("conn %llu: genop refused: %s", (unsigned long long)t.id(), refusal_text(refused));
		r.fail(VACCEL_ENOMEM, refusal_text(refused));
		return;
	}
	GenopCall call;
	if (int ret = build_genop(m, payload, cost, scratch, call, why)) {
		r.fail(ret, why);
		return;
	}
	if (int ret = check_exec_policy(t, call.read, *s, why); ret != VACCEL_OK) {
		RPC_WARN("conn %llu: %s", (unsigned long long)t.id(), why.c_str());
		r.fail(ret, why);
		return;
	}
	uint64_t t0 = monotonic_ns();
	int ret = vaccel_genop(s->sess, call.read.data(), static_cast<int>(call.read.size()), call.write.data(),
			       static_cast<int>(call.write.size()));
	t.record_sample(*s, op_region_name(call.op), t0, monotonic_ns() - t0);
	r.resp.set_status(ret);
	if (ret != VACCEL_OK) {
		r.resp.set_error("genop failed on the agent");
		return;
	}
	auto *done = r.resp.mutable_genop_done();
	for (const vaccel_arg &w : call.write) {
		auto *pa = done->add_write();
		pa->set_type(w.type);
		pa->set_size(w.size);
		pa->set_custom_type_id(w.custom_type_id);
		pa->set_has_data(true);
		if (w.size)
			r.payload.push_back({w.buf, w.size});
	}
	// The write args and their charge stay until the response is written.
	r.cleanup.push_back([out = call.out, charge] {});
}

} // namespace vaccel::agent::handlers
