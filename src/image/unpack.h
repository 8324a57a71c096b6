/* unpack.h - applies image layers (tar, tar+gzip, tar+zstd) onto a rootfs directory.
 *
 * Whiteouts (`.wh.NAME` removes NAME, `.wh..wh..opq` empties its directory) are applied as the
 * OCI image spec says. Nothing is ever written outside the target: entries with `..` or absolute
 * paths, entries reached through a symlink, and hardlinks pointing out of the rootfs refuse the
 * layer (WC_EINVAL); device nodes and FIFOs are skipped. */
#ifndef WASMCRI_IMAGE_UNPACK_H
#define WASMCRI_IMAGE_UNPACK_H

#include "util/error.h"

int img_unpack_layer(const char *layer_path, const char *rootfs, wc_error *err);

/* rm -rf that never follows symlinks. */
int img_remove_tree(const char *path);

#endif
