// SPDX-License-Identifier: Apache-2.0
// Private header of the resource sources (never installed): resource.cpp (creation, release,
// lookups), resource_files.cpp (files and downloads) and resource_registration.cpp (links with
// sessions), and what bootstrap and cleanup (core.cpp) do to resources.
#pragma once

#include <cstddef>
#include <string>

#include "object_store.hpp"
#include "vaccel.h"

namespace vaccel::core {

// resource.cpp
// Recycles the resource id pool when no resource is live (a fresh bootstrap starts ids at 1).
void resources_reset_pool();
// Releases every live resource (vaccel_cleanup()).
void resources_release_all();

// resource_files.cpp
// A path as given by the user, classified.
struct SourcePath {
	std::string path; // local path without file://, or the URL
	vaccel_path_type_t type;
};
// Classifies `path` (URL, file:// or plain local file or directory); VACCEL_ENOENT if a local
// path does not exist, VACCEL_EINVAL if it is neither a file nor a directory (both logged).
int classify_path(const char *path, SourcePath &out);
// Deletes `n` blobs and frees the array (nullptr is fine).
void free_blob_array(vaccel_blob **blobs, size_t n);
// Appends an owned blob to the resource's C array (deletes it on VACCEL_ENOMEM).
int append_blob(vaccel_resource *res, vaccel_blob *blob);
// Creates <rundir>/resource.<id> on first use; VACCEL_ENOENT when vAccel is not initialised.
int ensure_resource_rundir(vaccel_resource *res);
// FILE blobs for a local-file resource's paths (not read yet).
int make_file_blobs(vaccel_resource *res);
// Loads what `sess` needs before the plugin's register hook: a directory's listing, a URL's
// download (local sessions), every file's bytes (transport sessions). REQUIRES: the resource's
// data_mutex held.
int prepare_for_session(vaccel_resource *res, const vaccel_session *sess);
// Copies `blobs` into `res` (see vaccel_resource_init_from_blobs).
int copy_blobs(vaccel_resource *res, const vaccel_blob **blobs, size_t nr_blobs);

// resource_registration.cpp
// Registers `res` with `sess`: prepares its data, calls the plugin's hook, then links both ways.
int register_impl(vaccel_resource *res, vaccel_session *sess);
// Unlinks `res` from `sess` and calls the plugin's unregister hook; VACCEL_EPERM if not linked.
int unregister_impl(vaccel_resource *res, vaccel_session *sess);
// Drops the link between `res` (state `rs`) and `sess` (state `ss`, nullptr if the session is
// gone). REQUIRES: objects().mutex held.
void remove_link_locked(SessionState *ss, ResourceState &rs, vaccel_session *sess, vaccel_resource *res);

} // namespace vaccel::core
