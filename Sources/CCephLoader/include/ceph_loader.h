#ifndef PVC_CEPH_LOADER_H
#define PVC_CEPH_LOADER_H

// librados and librbd, opened with dlopen on first use instead of linked: a node without storage
// then never maps them (~12 MiB resident: libceph-common, librbd, librados and what they pull in).
// The types come from Ceph's own headers; every function is called through pvc_<name>, which
// calls the library's own symbol once pvc_ceph_load has succeeded.

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <rados/librados.h>
#include <rbd/librbd.h>

// Opens librados.so.2 and librbd.so.1 and resolves every function below, once per process
// (later calls return the first outcome). 0 on success; otherwise -1 with dlerror's message,
// which names the library or symbol, in `error` (NUL-terminated, cut to `length`). No pvc_
// function may be called before a successful load.
int pvc_ceph_load(char *error, size_t length);

int pvc_rados_create2(rados_t *cluster, const char *cluster_name, const char *name, uint64_t flags);
int pvc_rados_conf_read_file(rados_t cluster, const char *path);
int pvc_rados_conf_set(rados_t cluster, const char *option, const char *value);
int pvc_rados_connect(rados_t cluster);
void pvc_rados_shutdown(rados_t cluster);
int pvc_rados_pool_list(rados_t cluster, char *buffer, size_t length);
int pvc_rados_ioctx_create(rados_t cluster, const char *pool_name, rados_ioctx_t *ioctx);
void pvc_rados_ioctx_destroy(rados_ioctx_t ioctx);
int pvc_rados_ioctx_pool_stat(rados_ioctx_t ioctx, struct rados_pool_stat_t *stats);
int pvc_rados_mon_command(rados_t cluster, const char **command, size_t command_length, const char *input,
                          size_t input_length, char **output, size_t *output_length, char **status,
                          size_t *status_length);
void pvc_rados_buffer_free(char *buffer);
int pvc_rados_getaddrs(rados_t cluster, char **addresses);
int pvc_rados_blocklist_add(rados_t cluster, char *client_address, uint32_t expire_seconds);
int pvc_rbd_open(rados_ioctx_t ioctx, const char *name, rbd_image_t *image, const char *snapshot);
int pvc_rbd_open_read_only(rados_ioctx_t ioctx, const char *name, rbd_image_t *image, const char *snapshot);
int pvc_rbd_close(rbd_image_t image);
ssize_t pvc_rbd_list_lockers(rbd_image_t image, int *exclusive, char *tag, size_t *tag_length, char *clients,
                             size_t *clients_length, char *cookies, size_t *cookies_length, char *addresses,
                             size_t *addresses_length);
int pvc_rbd_break_lock(rbd_image_t image, const char *client, const char *cookie);
int pvc_rbd_watchers_list(rbd_image_t image, rbd_image_watcher_t *watchers, size_t *max_watchers);
void pvc_rbd_watchers_list_cleanup(rbd_image_watcher_t *watchers, size_t count);

#endif
