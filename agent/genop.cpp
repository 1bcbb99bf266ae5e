// genop: arguments built under the client-memory rule (genop_args.hpp), exec policy, call.
#include "connection.hpp"

#include "log.hpp"

#include <cstring>

namespace vaccel::agent {
namespace {

std::string op_region_name(int op)
{
	char buf[64];
	if (op >= 0 && op < VACCEL_OP_MAX && vaccel_op_type_name(static_cast<vaccel_op_type_t>(op), buf, sizeof(buf)))
		return std::string("genop:") + buf;
	return "genop";
}

} // namespace

// `read` are the call's private copies (genop_args.hpp): what is checked here is what runs.
int Connection::check_exec_policy(const std::vector<vaccel_arg> &read, SessionEntry &s, std::string &why)
{
	if (read.empty())
		return VACCEL_OK; // vaccel_genop reports the missing op code
	int op = genop_op_code(read[0]);
	if (op == VACCEL_OP_EXEC) {
		if (cfg_.allow_exec)
			return VACCEL_OK;
		if (read.size() >= 2 && read[1].buf && read[1].size > 0) {
			std::string lib(static_cast<const char *>(read[1].buf),
					strnlen(static_cast<const char *>(read[1].buf), read[1].size));
			for (auto &allowed : cfg_.exec_allowlist)
				if (lib == allowed)
					return VACCEL_OK;
		}
		why = "exec is not allowed on this agent (start it with --allow-exec or --exec-allowlist)";
		return VACCEL_EPERM;
	}
	if (op == VACCEL_OP_EXEC_WITH_RESOURCE) {
		if (!cfg_.allow_exec) {
			why = "exec_with_resource is not allowed on this agent (start it with --allow-exec)";
			return VACCEL_EPERM;
		}
		if (read.size() < 2 || read[1].size != sizeof(int64_t) || !read[1].buf) {
			why = "exec_with_resource: missing resource id";
			return VACCEL_EINVAL;
		}
		int64_t rid = 0;
		memcpy(&rid, read[1].buf, sizeof(rid));
		auto it = resources_.find(rid);
		if (it == resources_.end()) {
			why = "exec_with_resource: unknown resource " + std::to_string(rid);
			return VACCEL_ENOENT;
		}
		if (!it->second.sessions.count(s.sess->id)) {
			why = "exec_with_resource: resource not registered with this session";
			return VACCEL_EPERM;
		}
	}
	return VACCEL_OK;
}

void Connection::do_genop(const v1::Genop &m, const rpc::PayloadView &payload, rpc::GrowableRegion &scratch,
			  Reply &r)
{
	SessionEntry *s = find_session(m.session_id(), r);
	if (!s)
		return;
	// Everything decided on below comes from private copies (genop_args.hpp).
	std::string why;
	GenopCost cost;
	if (int ret = plan_genop(m, payload, cfg_.max_response, cost, why)) {
		RPC_WARN("conn %llu: genop refused: %s", (unsigned long long)id_, why.c_str());
		r.fail(ret, why);
		return;
	}
	auto charge = std::make_shared<Charge>();
	if (auto refused = charge->take(budget_, agent_.memory_budget(), cost.private_bytes + cost.write_bytes);
	    refused != Charge::Refusal::none) {
		RPC_WARN("conn %llu: genop refused: %s", (unsigned long long)id_, refusal_text(refused));
		r.fail(VACCEL_ENOMEM, refusal_text(refused));
		return;
	}
	GenopCall call;
	if (int ret = build_genop(m, payload, cost, scratch, call, why)) {
		r.fail(ret, why);
		return;
	}
	if (int ret = check_exec_policy(call.read, *s, why); ret != VACCEL_OK) {
		RPC_WARN("conn %llu: %s", (unsigned long long)id_, why.c_str());
		r.fail(ret, why);
		return;
	}
	uint64_t t0 = monotonic_ns();
	int ret = vaccel_genop(s->sess, call.read.data(), static_cast<int>(call.read.size()), call.write.data(),
			       static_cast<int>(call.write.size()));
	record_sample(*s, op_region_name(call.op), t0, monotonic_ns() - t0);
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

} // namespace vaccel::agent
