/* SPDX-License-Identifier: Apache-2.0 */
/* The documented vAccel 0.8 layout of every public struct on x86_64 Linux
 * (glibc; pthread_mutex_t is 40 bytes there), as (struct, field, offset)
 * and (struct, size) facts. layout_ours.c checks them against include/,
 * layout_ref.c against the mirrored reference headers in refinc/. */
#ifndef ABI_LAYOUT_EXPECT_H
#define ABI_LAYOUT_EXPECT_H

#include <stddef.h>

#define ABI_OFF(type, field, off) _Static_assert(offsetof(type, field) == (off), #type "." #field " offset")
#define ABI_SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " size")

#define ABI_CHECK_LIST_ENTRY()                                                                                         \
	ABI_OFF(struct vaccel_list_entry, next, 0);                                                                    \
	ABI_OFF(struct vaccel_list_entry, prev, 8);                                                                    \
	ABI_SIZE(struct vaccel_list_entry, 16)

#define ABI_CHECK_ARG()                                                                                                \
	ABI_OFF(struct vaccel_arg, buf, 0);                                                                            \
	ABI_OFF(struct vaccel_arg, size, 8);                                                                           \
	ABI_OFF(struct vaccel_arg, type, 16);                                                                          \
	ABI_OFF(struct vaccel_arg, custom_type_id, 20);                                                                \
	ABI_OFF(struct vaccel_arg, owned, 24);                                                                         \
	ABI_SIZE(struct vaccel_arg, 32)

#define ABI_CHECK_OP_PLUGIN()                                                                                          \
	ABI_OFF(struct vaccel_op, type, 0);                                                                            \
	ABI_OFF(struct vaccel_op, func, 8);                                                                            \
	ABI_OFF(struct vaccel_op, owner, 16);                                                                          \
	ABI_SIZE(struct vaccel_op, 24);                                                                                \
	ABI_OFF(struct vaccel_plugin_info, name, 0);                                                                   \
	ABI_OFF(struct vaccel_plugin_info, version, 8);                                                                \
	ABI_OFF(struct vaccel_plugin_info, vaccel_version, 16);                                                        \
	ABI_OFF(struct vaccel_plugin_info, init, 24);                                                                  \
	ABI_OFF(struct vaccel_plugin_info, fini, 32);                                                                  \
	ABI_OFF(struct vaccel_plugin_info, is_virtio, 40);                                                             \
	ABI_OFF(struct vaccel_plugin_info, type, 44);                                                                  \
	ABI_OFF(struct vaccel_plugin_info, session_init, 48);                                                          \
	ABI_OFF(struct vaccel_plugin_info, session_release, 56);                                                       \
	ABI_OFF(struct vaccel_plugin_info, session_update, 64);                                                        \
	ABI_OFF(struct vaccel_plugin_info, resource_register, 72);                                                     \
	ABI_OFF(struct vaccel_plugin_info, resource_unregister, 80);                                                   \
	ABI_OFF(struct vaccel_plugin_info, resource_sync, 88);                                                         \
	ABI_SIZE(struct vaccel_plugin_info, 96);                                                                       \
	ABI_OFF(struct vaccel_plugin, dl_handle, 0);                                                                   \
	ABI_OFF(struct vaccel_plugin, entry, 8);                                                                       \
	ABI_OFF(struct vaccel_plugin, ops, 24);                                                                        \
	ABI_OFF(struct vaccel_plugin, info, 216);                                                                      \
	ABI_SIZE(struct vaccel_plugin, 224)

#define ABI_CHECK_SESSION()                                                                                            \
	ABI_OFF(struct vaccel_session, id, 0);                                                                         \
	ABI_OFF(struct vaccel_session, remote_id, 8);                                                                  \
	ABI_OFF(struct vaccel_session, hint, 16);                                                                      \
	ABI_OFF(struct vaccel_session, is_virtio, 20);                                                                 \
	ABI_OFF(struct vaccel_session, rundir, 21);                                                                    \
	ABI_OFF(struct vaccel_session, entry, 4120);                                                                   \
	ABI_OFF(struct vaccel_session, resources, 4136);                                                               \
	ABI_OFF(struct vaccel_session, resource_counts, 4184);                                                         \
	ABI_OFF(struct vaccel_session, resources_lock, 4208);                                                          \
	ABI_OFF(struct vaccel_session, plugin, 4248);                                                                  \
	ABI_OFF(struct vaccel_session, priv, 4256);                                                                    \
	ABI_SIZE(struct vaccel_session, 4264)

#define ABI_CHECK_SLOG_CONFIG()                                                                                        \
	ABI_OFF(SLogConfig, sFileName, 0);                                                                             \
	ABI_OFF(SLogConfig, sFilePath, 256);                                                                           \
	ABI_OFF(SLogConfig, eColorFormat, 2304);                                                                       \
	ABI_OFF(SLogConfig, nFlags, 2310);                                                                             \
	ABI_SIZE(SLogConfig, 2312)

/* Structs only our full headers declare (the mirror set stays minimal). */
#define ABI_CHECK_REST()                                                                                               \
	ABI_OFF(struct vaccel_arg_array, args, 0);                                                                     \
	ABI_OFF(struct vaccel_arg_array, count, 8);                                                                    \
	ABI_OFF(struct vaccel_arg_array, capacity, 16);                                                                \
	ABI_OFF(struct vaccel_arg_array, position, 24);                                                                \
	ABI_OFF(struct vaccel_arg_array, owned, 32);                                                                   \
	ABI_SIZE(struct vaccel_arg_array, 40);                                                                         \
	ABI_OFF(struct vaccel_arg_list, size, 0);                                                                      \
	ABI_OFF(struct vaccel_arg_list, list, 8);                                                                      \
	ABI_OFF(struct vaccel_arg_list, curr_idx, 16);                                                                 \
	ABI_OFF(struct vaccel_arg_list, idcs_allocated_space, 24);                                                     \
	ABI_SIZE(struct vaccel_arg_list, 32);                                                                          \
	ABI_OFF(struct vaccel_blob, type, 0);                                                                          \
	ABI_OFF(struct vaccel_blob, name, 8);                                                                          \
	ABI_OFF(struct vaccel_blob, path, 16);                                                                         \
	ABI_OFF(struct vaccel_blob, path_owned, 24);                                                                   \
	ABI_OFF(struct vaccel_blob, data, 32);                                                                         \
	ABI_OFF(struct vaccel_blob, data_owned, 40);                                                                   \
	ABI_OFF(struct vaccel_blob, size, 48);                                                                         \
	ABI_SIZE(struct vaccel_blob, 56);                                                                              \
	ABI_OFF(struct vaccel_config, plugins, 0);                                                                     \
	ABI_OFF(struct vaccel_config, log_level, 8);                                                                   \
	ABI_OFF(struct vaccel_config, log_file, 16);                                                                   \
	ABI_OFF(struct vaccel_config, profiling_enabled, 24);                                                          \
	ABI_OFF(struct vaccel_config, version_ignore, 25);                                                             \
	ABI_SIZE(struct vaccel_config, 32);                                                                            \
	ABI_OFF(struct vaccel_prof_sample, start, 0);                                                                  \
	ABI_OFF(struct vaccel_prof_sample, time, 8);                                                                   \
	ABI_SIZE(struct vaccel_prof_sample, 16);                                                                       \
	ABI_OFF(struct vaccel_prof_region, name, 0);                                                                   \
	ABI_OFF(struct vaccel_prof_region, name_owned, 8);                                                             \
	ABI_OFF(struct vaccel_prof_region, nr_entries, 16);                                                            \
	ABI_OFF(struct vaccel_prof_region, samples, 24);                                                               \
	ABI_OFF(struct vaccel_prof_region, size, 32);                                                                  \
	ABI_SIZE(struct vaccel_prof_region, 40);                                                                       \
	ABI_OFF(struct vaccel_resource, id, 0);                                                                        \
	ABI_OFF(struct vaccel_resource, remote_id, 8);                                                                 \
	ABI_OFF(struct vaccel_resource, type, 16);                                                                     \
	ABI_OFF(struct vaccel_resource, path_type, 20);                                                                \
	ABI_OFF(struct vaccel_resource, paths, 24);                                                                    \
	ABI_OFF(struct vaccel_resource, nr_paths, 32);                                                                 \
	ABI_OFF(struct vaccel_resource, rundir, 40);                                                                   \
	ABI_OFF(struct vaccel_resource, blobs, 48);                                                                    \
	ABI_OFF(struct vaccel_resource, nr_blobs, 56);                                                                 \
	ABI_OFF(struct vaccel_resource, entry, 64);                                                                    \
	ABI_OFF(struct vaccel_resource, sessions, 80);                                                                 \
	ABI_OFF(struct vaccel_resource, sessions_lock, 96);                                                            \
	ABI_OFF(struct vaccel_resource, refcount, 136);                                                                \
	ABI_OFF(struct vaccel_resource, plugin_priv, 144);                                                             \
	ABI_SIZE(struct vaccel_resource, 152);                                                                         \
	ABI_OFF(struct vaccel_tf_buffer, data, 0);                                                                     \
	ABI_OFF(struct vaccel_tf_buffer, size, 8);                                                                     \
	ABI_SIZE(struct vaccel_tf_buffer, 16);                                                                         \
	ABI_OFF(struct vaccel_tf_node, name, 0);                                                                       \
	ABI_OFF(struct vaccel_tf_node, id, 8);                                                                         \
	ABI_SIZE(struct vaccel_tf_node, 16);                                                                           \
	ABI_OFF(struct vaccel_tf_tensor, data, 0);                                                                     \
	ABI_OFF(struct vaccel_tf_tensor, size, 8);                                                                     \
	ABI_OFF(struct vaccel_tf_tensor, owned, 16);                                                                   \
	ABI_OFF(struct vaccel_tf_tensor, nr_dims, 20);                                                                 \
	ABI_OFF(struct vaccel_tf_tensor, dims, 24);                                                                    \
	ABI_OFF(struct vaccel_tf_tensor, data_type, 32);                                                               \
	ABI_SIZE(struct vaccel_tf_tensor, 40);                                                                         \
	ABI_OFF(struct vaccel_tf_status, code, 0);                                                                     \
	ABI_OFF(struct vaccel_tf_status, message, 8);                                                                  \
	ABI_SIZE(struct vaccel_tf_status, 16);                                                                         \
	ABI_OFF(struct vaccel_tflite_tensor, data, 0);                                                                 \
	ABI_OFF(struct vaccel_tflite_tensor, size, 8);                                                                 \
	ABI_OFF(struct vaccel_tflite_tensor, owned, 16);                                                               \
	ABI_OFF(struct vaccel_tflite_tensor, nr_dims, 20);                                                             \
	ABI_OFF(struct vaccel_tflite_tensor, dims, 24);                                                                \
	ABI_OFF(struct vaccel_tflite_tensor, data_type, 32);                                                           \
	ABI_SIZE(struct vaccel_tflite_tensor, 40);                                                                     \
	ABI_OFF(struct vaccel_torch_buffer, data, 0);                                                                  \
	ABI_OFF(struct vaccel_torch_buffer, size, 8);                                                                  \
	ABI_SIZE(struct vaccel_torch_buffer, 16);                                                                      \
	ABI_OFF(struct vaccel_torch_tensor, data, 0);                                                                  \
	ABI_OFF(struct vaccel_torch_tensor, size, 8);                                                                  \
	ABI_OFF(struct vaccel_torch_tensor, owned, 16);                                                                \
	ABI_OFF(struct vaccel_torch_tensor, nr_dims, 24);                                                              \
	ABI_OFF(struct vaccel_torch_tensor, dims, 32);                                                                 \
	ABI_OFF(struct vaccel_torch_tensor, data_type, 40);                                                            \
	ABI_SIZE(struct vaccel_torch_tensor, 48)

#endif /* ABI_LAYOUT_EXPECT_H */
