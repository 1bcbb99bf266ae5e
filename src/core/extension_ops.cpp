// SPDX-License-Identifier: Apache-2.0
// Extension ops of the loaded plugins (extension_ops.hpp).
#include "extension_ops.hpp"

#include <map>
#include <mutex>
#include <new>
#include <utility>

#include "vaccel/op_schema.hpp"

namespace vaccel::core {
namespace {

struct ExtensionOps {
	std::mutex mutex;
	std::map<std::pair<const vaccel_plugin *, unsigned>, void *> funcs; // guarded by mutex
};

// Never destroyed: libvaccel's destructor may unload plugins after static destruction.
ExtensionOps &table()
{
	static auto *t = new ExtensionOps;
	return *t;
}

} // namespace

bool is_extension_op(long long code) noexcept
{
	return code >= schema::kFirstExtensionOp && code < schema::kExtensionOpEnd;
}

int register_extension_op(vaccel_op *op, long long code) noexcept
{
	try {
		auto &t = table();
		std::lock_guard lock(t.mutex);
		t.funcs[{op->owner, static_cast<unsigned>(code)}] = op->func;
		return VACCEL_OK;
	} catch (const std::bad_alloc &) {
		return VACCEL_ENOMEM;
	}
}

void *find_extension_op(const vaccel_plugin *plugin, unsigned code) noexcept
{
	auto &t = table();
	std::lock_guard lock(t.mutex);
	auto it = t.funcs.find({plugin, code});
	return it == t.funcs.end() ? nullptr : it->second;
}

void forget_extension_ops(const vaccel_plugin *plugin) noexcept
{
	auto &t = table();
	std::lock_guard lock(t.mutex);
	std::erase_if(t.funcs, [&](const auto &kv) { return kv.first.first == plugin; });
}

} // namespace vaccel::core
