// SPDX-License-Identifier: Apache-2.0
// RESOURCE_REGISTER, _UNREGISTER and _SYNC: a tenant's resources, uploaded into its private
// spool directory (or memory), shared between its sessions, synced back (handlers.hpp).
#include "handlers.hpp"

#include "log.hpp"
#include "spool.hpp"
#include "url_policy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vaccel::agent::handlers {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxBlobs = 4096;

bool valid_blob_name(const std::string &n)
{
	return !n.empty() && n.size() <= 255 && n != "." && n != ".." && n.find('/') == std::string::npos &&
	       n.find('\0') == std::string::npos;
}

} // namespace

namespace {

// Streams blob segments into spool files (FILE/MAPPED) or memory (BUFFER).
class BlobSink : public rpc::PayloadSink {
public:
	struct Seg {
		uint64_t size = 0;
		bool in_memory = false;
		rpc::UniqueFd fd;
		rpc::GrowableRegion mem;
		uint64_t done = 0;
	};
	std::vector<Seg> segs;

	int window(uint64_t, size_t want, std::span<std::byte> &out) override
	{
		skip_done();
		if (cur_ >= segs.size())
			return EPROTO;
		Seg &s = segs[cur_];
		size_t k = static_cast<size_t>(std::min<uint64_t>(want, s.size - s.done));
		if (s.in_memory) {
			if (int r = s.mem.reserve(s.mem.size() + k))
				return r;
			out = {s.mem.data() + s.mem.size(), k};
		} else {
			k = std::min(k, sizeof(bounce_));
			out = {bounce_, k};
		}
		return 0;
	}
	int commit(size_t n) override
	{
		Seg &s = segs[cur_];
		if (s.in_memory) {
			s.mem.commit(n);
		} else if (int r = write_file(s, bounce_, n)) {
			return r;
		}
		s.done += n;
		return 0;
	}

private:
	void skip_done()
	{
		while (cur_ < segs.size() && segs[cur_].done == segs[cur_].size)
			++cur_;
	}
	static int write_file(Seg &s, const std::byte *p, uint64_t n)
	{
		while (n > 0) {
			ssize_t w = ::write(s.fd.get(), p, static_cast<size_t>(std::min<uint64_t>(n, 1u << 30)));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return errno;
			}
			p += w;
			n -= static_cast<uint64_t>(w);
		}
		return 0;
	}
	size_t cur_ = 0;
	std::byte bounce_[256 * 1024];
};

} // namespace

bool resource_register(Tenant &t, const v1::ResourceRegister &m, rpc::IncomingPayload &in, Reply &r, std::string &why)
{
	uint64_t declared = 0;
	for (auto &b : m.blobs())
		if (!add_size(declared, b.size())) {
			why = "blob sizes overflow";
			return false;
		}
	if (declared != in.size() || (m.resource_id() != 0 && in.size() != 0)) {
		why = "resource payload does not match its blobs";
		return false;
	}
	auto refuse = [&](int status, std::string msg) {
		if (in.discard(why))
			return false;
		r.fail(status, std::move(msg));
		return true;
	};
	Tenant::SessionEntry *s = t.find_session(m.session_id(), r);
	if (!s)
		return refuse(VACCEL_ENOENT, "unknown session " + std::to_string(m.session_id()));

	if (m.resource_id() != 0) {
		// Sharing a resource this connection already uploaded with another of its sessions.
		Tenant::ResourceEntry *e = t.find_resource(m.resource_id(), r);
		if (!e)
			return true;
		int ret = vaccel_resource_register(e->res, s->sess);
		if (ret != VACCEL_OK) {
			r.fail(ret, "host resource register failed");
			return true;
		}
		e->sessions.insert(m.session_id());
		r.resp.mutable_resource_registered()->set_resource_id(m.resource_id());
		return true;
	}

	if (t.resources().size() >= t.cfg().max_resources_per_connection)
		return refuse(VACCEL_EUSERS, "too many resources on this connection");
	if (m.type() >= VACCEL_RESOURCE_MAX)
		return refuse(VACCEL_EINVAL, "invalid resource type");
	if (m.blobs_size() > static_cast<int>(kMaxBlobs))
		return refuse(VACCEL_EINVAL, "too many blobs");
	if (m.urls_size() > 0 && m.blobs_size() > 0)
		return refuse(VACCEL_EINVAL, "a resource has either blobs or urls");
	if (m.urls_size() == 0 && m.blobs_size() == 0)
		return refuse(VACCEL_EINVAL, "empty resource");
	if (m.urls_size() > 0) {
		if (!t.cfg().allow_url_resources)
			return refuse(VACCEL_EPERM, "URL resources are not allowed on this agent");
		for (auto &u : m.urls())
			if (!url_scheme_allowed(u))
				return refuse(VACCEL_EPERM, "only http(s) URLs are allowed (no host paths)");
	}
	std::set<std::string> names;
	for (auto &b : m.blobs()) {
		if (!valid_blob_name(b.name()))
			return refuse(VACCEL_EINVAL, "invalid blob name '" + b.name() + "'");
		if (!names.insert(b.name()).second)
			return refuse(VACCEL_EINVAL, "duplicate blob name '" + b.name() + "'");
		if (b.type() >= VACCEL_BLOB_MAX)
			return refuse(VACCEL_EINVAL, "invalid blob type");
	}
	// BUFFER blobs stay in memory, the others are spooled to disk: each side is charged to
	// the connection's budget and to the agent-wide one of its kind.
	uint64_t in_memory = 0;
	for (auto &b : m.blobs())
		if (b.type() == VACCEL_BLOB_BUFFER && !m.directory())
			in_memory += b.size(); // the sizes add up to `declared`: no overflow
	Charge mem_charge, disk_charge;
	if (auto refused = mem_charge.take(t.budget(), t.agent().memory_budget(), in_memory);
	    refused != Charge::Refusal::none)
		return refuse(VACCEL_ENOMEM, refusal_text(refused));
	if (auto refused = disk_charge.take(t.budget(), t.agent().disk_budget(), declared - in_memory);
	    refused != Charge::Refusal::none)
		return refuse(refused == Charge::Refusal::agent ? VACCEL_ENOSPC : VACCEL_ENOMEM, refusal_text(refused));

	// Spool directory of this resource: <spool>/c<conn>/r<n>/ (0700, agent/spool.hpp)
	std::string rel = t.new_resource_dir();
	std::string dir = t.agent().spool_dir() + "/" + rel;
	if (make_private_dirs(t.agent().spool_dir(), rel) != 0)
		return refuse(VACCEL_EIO, "cannot create spool directory");
	auto cleanup_dir = [dir] {
		std::error_code e2;
		fs::remove_all(dir, e2);
	};

	BlobSink sink;
	for (auto &b : m.blobs()) {
		BlobSink::Seg seg;
		seg.size = b.size();
		seg.in_memory = b.type() == VACCEL_BLOB_BUFFER && !m.directory();
		if (!seg.in_memory) {
			std::string path = dir + "/" + b.name();
			seg.fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
			if (!seg.fd) {
				cleanup_dir();
				return refuse(VACCEL_EIO, "cannot create spool file");
			}
		}
		sink.segs.push_back(std::move(seg));
	}
	// Uncached mapping: blob bytes are copied once into the spool or memory, then unmapped.
	if (int ret = in.receive(sink, why); ret != 0) {
		cleanup_dir();
		if (ret == ENOSPC || ret == EIO || ret == EDQUOT) {
			// Our disk failed us, not the peer's framing; still the stream is out of sync.
			why = "spooling resource: " + std::string(strerror(ret));
		}
		return false;
	}
	for (auto &seg : sink.segs)
		seg.fd.reset();

	vaccel_resource *res = nullptr;
	int ret = VACCEL_OK;
	auto type = static_cast<vaccel_resource_type_t>(m.type());
	if (m.urls_size() > 0) {
		std::vector<const char *> urls;
		for (auto &u : m.urls())
			urls.push_back(u.c_str());
		ret = vaccel_resource_multi_new(&res, urls.data(), urls.size(), type);
	} else if (m.directory()) {
		ret = vaccel_resource_new(&res, dir.c_str(), type);
	} else {
		std::vector<vaccel_blob *> blobs;
		for (int i = 0; i < m.blobs_size() && ret == VACCEL_OK; ++i) {
			const auto &b = m.blobs(i);
			auto &seg = sink.segs[static_cast<size_t>(i)];
			vaccel_blob *blob = nullptr;
			if (seg.in_memory)
				ret = vaccel_blob_from_buf(&blob, reinterpret_cast<const uint8_t *>(seg.mem.data()),
							   seg.size, false, b.name().c_str(), nullptr, false);
			else
				ret = vaccel_blob_new(&blob, (dir + "/" + b.name()).c_str());
			if (ret == VACCEL_OK)
				blobs.push_back(blob);
		}
		if (ret == VACCEL_OK)
			ret = vaccel_resource_from_blobs(&res, const_cast<const vaccel_blob **>(blobs.data()),
							 blobs.size(), type);
		for (auto *b : blobs)
			vaccel_blob_delete(b);
	}
	if (ret != VACCEL_OK) {
		cleanup_dir();
		if (m.urls_size() > 0)
			fail_url_resource(r, t.id(), ret, "creation");
		else
			r.fail(ret, "host resource creation failed");
		return true;
	}
	ret = vaccel_resource_register(res, s->sess);
	if (ret != VACCEL_OK) {
		vaccel_resource_delete(res);
		cleanup_dir();
		if (m.urls_size() > 0)
			fail_url_resource(r, t.id(), ret, "download or register");
		else
			r.fail(ret, "host resource register failed");
		return true;
	}
	Tenant::ResourceEntry e;
	e.res = res;
	e.sessions.insert(m.session_id());
	e.dir = dir;
	e.memory = std::move(mem_charge);
	e.disk = std::move(disk_charge);
	t.resources()[res->id] = std::move(e);
	r.resp.mutable_resource_registered()->set_resource_id(res->id);
	RPC_DEBUG("conn %llu: resource %lld registered (%llu bytes)", (unsigned long long)t.id(), (long long)res->id,
		  (unsigned long long)declared);
	return true;
}

void resource_unregister(Tenant &t, const v1::ResourceUnregister &m, Reply &r)
{
	Tenant::SessionEntry *s = t.find_session(m.session_id(), r);
	if (!s)
		return;
	Tenant::ResourceEntry *e = t.find_resource(m.resource_id(), r);
	if (!e)
		return;
	if (!e->sessions.count(m.session_id())) {
		r.fail(VACCEL_EPERM, "resource is not registered with this session");
		return;
	}
	int ret = vaccel_resource_unregister(e->res, s->sess);
	e->sessions.erase(m.session_id());
	t.release_resource_if_unused(m.resource_id());
	if (ret != VACCEL_OK)
		r.fail(ret, "host resource unregister failed");
}

void resource_sync(Tenant &t, const v1::ResourceSync &m, Reply &r)
{
	Tenant::SessionEntry *s = t.find_session(m.session_id(), r);
	if (!s)
		return;
	Tenant::ResourceEntry *e = t.find_resource(m.resource_id(), r);
	if (!e)
		return;
	uint64_t total = 0;
	for (size_t i = 0; i < e->res->nr_blobs; ++i)
		if (e->res->blobs[i]->type == VACCEL_BLOB_BUFFER)
			total += e->res->blobs[i]->size;
	if (total > t.cfg().max_response) {
		r.fail(VACCEL_ENOMEM, "resource blobs exceed the response limit (--max-response)");
		return;
	}
	auto *out = r.resp.mutable_resource_synced();
	for (size_t i = 0; i < e->res->nr_blobs; ++i) {
		vaccel_blob *b = e->res->blobs[i];
		if (b->type != VACCEL_BLOB_BUFFER)
			continue;
		auto *pb = out->add_blobs();
		pb->set_name(b->name ? b->name : "");
		pb->set_type(b->type);
		pb->set_size(b->size);
		r.payload.push_back({b->data, b->size});
	}
}

} // namespace vaccel::agent::handlers
