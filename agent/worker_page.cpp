// SPDX-License-Identifier: Apache-2.0
#include "worker_page.hpp"

#include "log.hpp"
#include "vaccel_rpc.pb.h"

#include <sys/mman.h>

#include <cstdio>
#include <ctime>
#include <new>

namespace vaccel::agent {

namespace {

// Written once by the worker before any thread exists, read by its threads afterwards.
std::atomic<WorkerPage *> g_page{nullptr};

uint64_t now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace

WorkerPage *map_worker_page()
{
	void *p = mmap(nullptr, sizeof(WorkerPage), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return nullptr;
	return new (p) WorkerPage();
}

void unmap_worker_page(WorkerPage *page)
{
	if (page) {
		page->~WorkerPage();
		munmap(page, sizeof(WorkerPage));
	}
}

void set_current_worker_page(WorkerPage *page)
{
	g_page.store(page, std::memory_order_release);
}

WorkerPage *current_worker_page()
{
	return g_page.load(std::memory_order_acquire);
}

OpScope::OpScope(int32_t op)
{
	WorkerPage *page = current_worker_page();
	if (!page || op <= 0)
		return;
	page->last_op.store(op, std::memory_order_relaxed);
	for (auto &s : page->slots) {
		int32_t free_slot = 0;
		// The start time is stored before the slot is published: the supervisor reads the op
		// first (acquire), so it never times a fresh op by a stale start.
		if (s.op.load(std::memory_order_relaxed) == 0) {
			s.started_ns.store(now_ns(), std::memory_order_relaxed);
			if (s.op.compare_exchange_strong(free_slot, op, std::memory_order_release)) {
				slot_ = &s;
				return;
			}
		}
	}
	static rpc::LogLimiter full_log;
	RPC_LOG_LIMITED(full_log, rpc::LogLevel::warn, "more than %zu ops at once: this one is not timed", kOpSlots);
}

OpScope::~OpScope()
{
	WorkerPage *page = current_worker_page();
	if (page)
		page->ops_done.fetch_add(1, std::memory_order_relaxed);
	if (slot_)
		slot_->op.store(0, std::memory_order_release);
}

void note_slot(bool greeted, bool stopping)
{
	if (WorkerPage *page = current_worker_page()) {
		page->greeted.store(greeted ? 1 : 0, std::memory_order_relaxed);
		page->leaving.store(stopping ? 1 : 0, std::memory_order_relaxed);
	}
}

const char *op_name(int32_t op, char *buf, size_t len)
{
	// v1::Request's call fields by number (the protocol is built for the lite runtime: no
	// reflection). A number the table lacks is printed as such.
	static const char *const kNames[] = {
		nullptr,
		"session_create",
		"session_release",
		"resource_register",
		"resource_unregister",
		"resource_sync",
		"genop",
		"tf_model_load",
		"tf_model_unload",
		"tf_model_run",
		"tflite_model_load",
		"tflite_model_unload",
		"tflite_model_run",
		"torch_model_load",
		"torch_model_run",
		"profiling_get",
		"ping",
		"auth",
	};
	static_assert(::vaccel::rpc::v1::Request::kAuth == 17 && ::vaccel::rpc::v1::Request::kGenop == 6);
	if (op > 0 && static_cast<size_t>(op) < sizeof(kNames) / sizeof(kNames[0]))
		snprintf(buf, len, "%s", kNames[op]);
	else
		snprintf(buf, len, "unknown(%d)", static_cast<int>(op));
	return buf;
}

} // namespace vaccel::agent
