// SPDX-License-Identifier: Apache-2.0
// Locating test models/images for the plugin tests.  Never skips: a missing file is a failure
// whose message says which directory was searched and how to change it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace vaccel::test {

// The sample images of the models directory and a substring of the top-1 ImageNet label every
// classifier under test must give (../shared/models/README.md lists the expected classes).
struct ImageCase {
	const char *image;
	const char *label;
};
inline constexpr ImageCase kSampleImages[] = {
	{"cat.bmp", "Egyptian cat"}, {"parrot.jpg", "macaw"}, {"hot_dog.jpg", "hotdog"}, {"bird.bmp", "chickadee"}};

// $VACCEL_MODELS_DIR, else the directory configured at build time.
inline std::string models_dir()
{
	const char *env = std::getenv("VACCEL_MODELS_DIR");
	if (env != nullptr && *env != '\0')
		return env;
	return VACCEL_TEST_MODELS_DIR;
}

// Full path of a model-dir file, recording a test failure if it does not exist.
inline std::string model_path(const std::string &name)
{
	const std::filesystem::path p = std::filesystem::path(models_dir()) / name;
	if (!std::filesystem::exists(p))
		ADD_FAILURE() << "test data file '" << name << "' not found: looked in '" << models_dir()
			      << "' (set VACCEL_MODELS_DIR or -DVACCEL_MODELS_DIR=..., or run "
				 "scripts/fetch-models.sh)";
	return p.string();
}

inline std::vector<unsigned char> read_bytes(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An environment variable that tests need (set by CTest); empty if missing.
inline std::string env_or_empty(const char *name)
{
	const char *v = std::getenv(name);
	return v != nullptr ? v : "";
}

} // namespace vaccel::test
