// SPDX-License-Identifier: Apache-2.0
// Helpers of the torch engine tests (test_torch_engine.cpp, test_torch_xnnpack.cpp), which call
// plugins/torch/torch_engine.hpp without the vAccel runtime.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "test_models.hpp"
#include "torch_engine.hpp"
#include "torch_preprocess.hpp"

namespace vaccel::test::torcht {

// The kind of the EngineError that fn throws; a test failure if it throws none.
inline torch_engine::ErrorKind kind_of(const std::function<void()> &fn)
{
	try {
		fn();
	} catch (const torch_engine::EngineError &e) {
		return e.kind();
	}
	ADD_FAILURE() << "expected an EngineError";
	return torch_engine::ErrorKind::Backend;
}

// One of the shared images, preprocessed as the plugin does by default.
inline torch_plugin::InputTensor image_input(const std::string &name)
{
	const auto bytes = read_bytes(model_path(name));
	torch_plugin::InputTensor in;
	std::string error;
	EXPECT_TRUE(torch_plugin::make_input(bytes.data(), bytes.size(), torch_plugin::Preprocess{}, in, error))
		<< error;
	return in;
}

} // namespace vaccel::test::torcht
