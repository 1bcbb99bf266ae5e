# SPDX-License-Identifier: Apache-2.0
"""CFFI (API mode, out of line) description of the part of libvaccel the package calls.

The declarations are written by hand rather than scraped from the preprocessed headers: structs
end in ``...;`` so the C compiler, not this file, decides their layout, and only what the package
uses is declared. The compiled module is ``vaccel._libvaccel``.

Used three ways:
  * ``setup.py`` (``pip install ./python``): ``cffi_modules=["build_ffi.py:ffibuilder"]``; the
    include and library paths come from ``pkg-config vaccel`` (>= 0.8.0).
  * CMake: ``python3 build_ffi.py --emit-c OUT.c`` writes the C source that CMake compiles and
    links against the ``vaccel`` target of the same build.
  * by hand: ``python3 build_ffi.py`` compiles in place (needs pkg-config too).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import cffi

CDEF = r"""
typedef int64_t vaccel_id_t;
typedef int... vaccel_arg_type_t;
typedef int... vaccel_resource_type_t;
typedef int... vaccel_log_level_t;

struct vaccel_config {
    char *plugins; vaccel_log_level_t log_level; char *log_file;
    bool profiling_enabled; bool version_ignore; ...;
};
struct vaccel_session { vaccel_id_t id; vaccel_id_t remote_id; unsigned int hint; bool is_virtio; ...; };
struct vaccel_blob { char *name; char *path; uint8_t *data; size_t size; ...; };
struct vaccel_resource {
    vaccel_id_t id; vaccel_id_t remote_id; vaccel_resource_type_t type;
    char **paths; size_t nr_paths; struct vaccel_blob **blobs; size_t nr_blobs; ...;
};
struct vaccel_arg { void *buf; size_t size; vaccel_arg_type_t type; uint32_t custom_type_id; bool owned; ...; };

int vaccel_bootstrap(void);
int vaccel_bootstrap_with_config(const struct vaccel_config *config);
int vaccel_cleanup(void);
bool vaccel_is_initialized(void);

int vaccel_config_new(struct vaccel_config **config, const char *plugins, vaccel_log_level_t log_level,
                      const char *log_file, bool profiling_enabled, bool version_ignore);
int vaccel_config_delete(struct vaccel_config *config);

int vaccel_session_new(struct vaccel_session **sess, uint32_t flags);
int vaccel_session_delete(struct vaccel_session *sess);
bool vaccel_session_has_resource(const struct vaccel_session *sess, const struct vaccel_resource *res);

int vaccel_resource_multi_new(struct vaccel_resource **res, const char **paths, size_t nr_paths,
                              vaccel_resource_type_t type);
int vaccel_resource_from_buf(struct vaccel_resource **res, const void *buf, size_t nr_bytes,
                             vaccel_resource_type_t type, const char *filename, bool mem_only);
int vaccel_resource_delete(struct vaccel_resource *res);
int vaccel_resource_register(struct vaccel_resource *res, struct vaccel_session *sess);
int vaccel_resource_unregister(struct vaccel_resource *res, struct vaccel_session *sess);
int vaccel_resource_sync(struct vaccel_resource *res, struct vaccel_session *sess);

int vaccel_arg_from_buf(struct vaccel_arg **arg, void *buf, size_t size, vaccel_arg_type_t type,
                        uint32_t custom_id);
int vaccel_arg_delete(struct vaccel_arg *arg);

int vaccel_noop(struct vaccel_session *sess);
int vaccel_genop(struct vaccel_session *sess, struct vaccel_arg *read, int nr_read,
                 struct vaccel_arg *write, int nr_write);
int vaccel_exec(struct vaccel_session *sess, const char *library, const char *fn_symbol,
                struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write, size_t nr_write);
int vaccel_exec_with_resource(struct vaccel_session *sess, struct vaccel_resource *resource,
                              const char *fn_symbol, struct vaccel_arg *read, size_t nr_read,
                              struct vaccel_arg *write, size_t nr_write);
int vaccel_image_classification(struct vaccel_session *sess, const void *img, unsigned char *out_text,
                                unsigned char *out_imgname, size_t len_img, size_t len_out_text,
                                size_t len_out_imgname);
int vaccel_image_detection(struct vaccel_session *sess, const void *img, unsigned char *out_imgname,
                           size_t len_img, size_t len_out_imgname);
int vaccel_image_segmentation(struct vaccel_session *sess, const void *img, unsigned char *out_imgname,
                              size_t len_img, size_t len_out_imgname);
int vaccel_image_pose(struct vaccel_session *sess, const void *img, unsigned char *out_imgname,
                      size_t len_img, size_t len_out_imgname);
int vaccel_image_depth(struct vaccel_session *sess, const void *img, unsigned char *out_imgname,
                       size_t len_img, size_t len_out_imgname);
int vaccel_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k, float alpha, float *a,
                 int64_t lda, float *b, int64_t ldb, float beta, float *c, int64_t ldc);
int vaccel_fpga_arraycopy(struct vaccel_session *sess, int a[], int out_a[], size_t len_a);
int vaccel_fpga_mmult(struct vaccel_session *sess, float a[], float b[], float c[], size_t len_a);
int vaccel_fpga_parallel(struct vaccel_session *sess, float a[], float b[], float add_output[],
                         float mult_output[], size_t len_a);
int vaccel_fpga_vadd(struct vaccel_session *sess, float a[], float b[], float c[], size_t len_a,
                     size_t len_b);
int vaccel_minmax(struct vaccel_session *sess, const double *indata, int ndata, int low_threshold,
                  int high_threshold, double *outdata, double *min, double *max);

enum vaccel_tf_data_type { VACCEL_TF_FLOAT, ... };
struct vaccel_tf_buffer { void *data; size_t size; ...; };
struct vaccel_tf_node { char *name; int id; ...; };
struct vaccel_tf_tensor { void *data; size_t size; bool owned; int nr_dims; int64_t *dims;
                          enum vaccel_tf_data_type data_type; ...; };
struct vaccel_tf_status { uint8_t code; char *message; ...; };
int vaccel_tf_buffer_new(struct vaccel_tf_buffer **buffer, void *data, size_t size);
int vaccel_tf_buffer_delete(struct vaccel_tf_buffer *buffer);
int vaccel_tf_buffer_take_data(struct vaccel_tf_buffer *buffer, void **data, size_t *size);
int vaccel_tf_node_new(struct vaccel_tf_node **node, const char *name, int id);
int vaccel_tf_node_delete(struct vaccel_tf_node *node);
int vaccel_tf_tensor_new(struct vaccel_tf_tensor **tensor, int nr_dims, const int64_t *dims,
                         enum vaccel_tf_data_type type);
int vaccel_tf_tensor_delete(struct vaccel_tf_tensor *tensor);
int vaccel_tf_tensor_set_data(struct vaccel_tf_tensor *tensor, void *data, size_t size);
int vaccel_tf_status_new(struct vaccel_tf_status **status, uint8_t code, const char *message);
int vaccel_tf_status_delete(struct vaccel_tf_status *status);
int vaccel_tf_model_load(struct vaccel_session *sess, struct vaccel_resource *model,
                         struct vaccel_tf_status *status);
int vaccel_tf_model_unload(struct vaccel_session *sess, struct vaccel_resource *model,
                           struct vaccel_tf_status *status);
int vaccel_tf_model_run(struct vaccel_session *sess, const struct vaccel_resource *model,
                        const struct vaccel_tf_buffer *run_options, const struct vaccel_tf_node *in_nodes,
                        struct vaccel_tf_tensor *const *in, int nr_inputs,
                        const struct vaccel_tf_node *out_nodes, struct vaccel_tf_tensor **out,
                        int nr_outputs, struct vaccel_tf_status *status);

enum vaccel_tflite_data_type { VACCEL_TFLITE_NOTYPE, ... };
struct vaccel_tflite_tensor { void *data; size_t size; bool owned; int nr_dims; int32_t *dims;
                              enum vaccel_tflite_data_type data_type; ...; };
int vaccel_tflite_tensor_new(struct vaccel_tflite_tensor **tensor, int nr_dims, const int32_t *dims,
                             enum vaccel_tflite_data_type type);
int vaccel_tflite_tensor_delete(struct vaccel_tflite_tensor *tensor);
int vaccel_tflite_tensor_set_data(struct vaccel_tflite_tensor *tensor, void *data, size_t size);
int vaccel_tflite_model_load(struct vaccel_session *sess, struct vaccel_resource *model);
int vaccel_tflite_model_unload(struct vaccel_session *sess, struct vaccel_resource *model);
int vaccel_tflite_model_run(struct vaccel_session *sess, const struct vaccel_resource *model,
                            struct vaccel_tflite_tensor *const *in, int nr_inputs,
                            struct vaccel_tflite_tensor **out, int nr_outputs, uint8_t *status);

enum vaccel_torch_data_type { VACCEL_TORCH_BYTE, ... };
struct vaccel_torch_buffer { char *data; size_t size; ...; };
struct vaccel_torch_tensor { void *data; size_t size; bool owned; int64_t nr_dims; int64_t *dims;
                             enum vaccel_torch_data_type data_type; ...; };
int vaccel_torch_buffer_new(struct vaccel_torch_buffer **buffer, char *data, size_t size);
int vaccel_torch_buffer_delete(struct vaccel_torch_buffer *buffer);
int vaccel_torch_buffer_take_data(struct vaccel_torch_buffer *buffer, void **data, size_t *size);
int vaccel_torch_tensor_new(struct vaccel_torch_tensor **tensor, int64_t nr_dims, const int64_t *dims,
                            enum vaccel_torch_data_type type);
int vaccel_torch_tensor_delete(struct vaccel_torch_tensor *tensor);
int vaccel_torch_tensor_set_data(struct vaccel_torch_tensor *tensor, void *data, size_t size);
int vaccel_torch_model_load(struct vaccel_session *sess, struct vaccel_resource *model);
int vaccel_torch_model_run(struct vaccel_session *sess, const struct vaccel_resource *model,
                           const struct vaccel_torch_buffer *run_options,
                           struct vaccel_torch_tensor **in_tensor, int nr_read,
                           struct vaccel_torch_tensor **out_tensor, int nr_write);
"""

# The deprecated fpga/minmax declarations would warn on every call site the generated C has.
SOURCE = '#pragma GCC diagnostic ignored "-Wdeprecated-declarations"\n#include <vaccel.h>\n'
MODULE = "vaccel._libvaccel"
MIN_VERSION = "0.8.0"


def _pkg_config(*args: str) -> str:
    return subprocess.run(["pkg-config", *args, "vaccel"], check=True, capture_output=True,
                          text=True).stdout.strip()


def _from_pkg_config() -> dict[str, list[str]]:
    """Compiler and linker flags of libvaccel, or a clear error when pkg-config cannot find it."""
    try:
        subprocess.run(["pkg-config", f"--atleast-version={MIN_VERSION}", "vaccel"], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ModuleNotFoundError(
            f"Required pkg-config package 'vaccel' >= {MIN_VERSION} not found: install vAccel "
            "and/or add <prefix>/lib/pkgconfig to PKG_CONFIG_PATH") from exc
    flags: dict[str, list[str]] = {"include_dirs": [], "library_dirs": [], "libraries": []}
    for tok in shlex.split(_pkg_config("--cflags")):
        if tok.startswith("-I"):
            flags["include_dirs"].append(tok[2:])
    for tok in shlex.split(_pkg_config("--libs")):
        if tok.startswith("-L"):
            flags["library_dirs"].append(tok[2:])
        elif tok.startswith("-l"):
            flags["libraries"].append(tok[2:])
    return flags


def make_builder(pkg_config: bool = True) -> cffi.FFI:
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    kwargs = _from_pkg_config() if pkg_config else {}
    ffi.set_source(MODULE, SOURCE, **kwargs)
    return ffi


if "--emit-c" in sys.argv:
    ffibuilder = None
else:
    ffibuilder = make_builder(pkg_config=True)

if __name__ == "__main__":
    if "--emit-c" in sys.argv:
        out = sys.argv[sys.argv.index("--emit-c") + 1]
        make_builder(pkg_config=False).emit_c_code(out)
    else:
        os.chdir(os.path.dirname(os.path.abspath(__file__)))
        ffibuilder.compile(verbose=True)
