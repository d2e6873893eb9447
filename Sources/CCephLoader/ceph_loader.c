#include "ceph_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// Every function pvcnoded uses, with the library that defines it.
#define RADOS_FUNCTIONS(X)                                                                         \
    X(rados_create2) X(rados_conf_read_file) X(rados_conf_set) X(rados_connect) X(rados_shutdown) \
    X(rados_pool_list) X(rados_ioctx_create) X(rados_ioctx_destroy) X(rados_ioctx_pool_stat)       \
    X(rados_mon_command) X(rados_buffer_free) X(rados_getaddrs) X(rados_blocklist_add)
#define RBD_FUNCTIONS(X)                                                                           \
    X(rbd_open) X(rbd_open_read_only) X(rbd_close) X(rbd_list_lockers) X(rbd_break_lock)          \
    X(rbd_watchers_list) X(rbd_watchers_list_cleanup)

// The pointers have the exact types Ceph's headers declare, so a wrapper that passes an argument
// of the wrong type fails to compile.
#define POINTER(name) static __typeof__(&name) loaded_##name;
RADOS_FUNCTIONS(POINTER)
RBD_FUNCTIONS(POINTER)

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char load_error[512];

static int resolve(void *library, const char *name, void **pointer) {
    dlerror();
    *pointer = dlsym(library, name);
    if (*pointer == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "%s", reason != NULL ? reason : name);
        return -1;
    }
    return 0;
}

static void load(void) {
    // RTLD_LOCAL: nothing else in the process binds to Ceph's symbols by accident. Never closed:
    // librados keeps threads of its own.
    void *rados = dlopen("librados.so.2", RTLD_NOW | RTLD_LOCAL);
    if (rados == NULL) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
    void *rbd = dlopen("librbd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (rbd == NULL) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
#define RESOLVE_RADOS(name) if (resolve(rados, #name, (void **)&loaded_##name) != 0) return;
#define RESOLVE_RBD(name) if (resolve(rbd, #name, (void **)&loaded_##name) != 0) return;
    RADOS_FUNCTIONS(RESOLVE_RADOS)
    RBD_FUNCTIONS(RESOLVE_RBD)
    load_status = 0;
}

int pvc_ceph_load(char *error, size_t length) {
    pthread_once(&load_once, load);
    if (load_status != 0 && error != NULL && length > 0) snprintf(error, length, "%s", load_error);
    return load_status;
}

int pvc_rados_create2(rados_t *cluster, const char *cluster_name, const char *name, uint64_t flags) {
    return loaded_rados_create2(cluster, cluster_name, name, flags);
}
int pvc_rados_conf_read_file(rados_t cluster, const char *path) { return loaded_rados_conf_read_file(cluster, path); }
int pvc_rados_conf_set(rados_t cluster, const char *option, const char *value) {
    return loaded_rados_conf_set(cluster, option, value);
}
int pvc_rados_connect(rados_t cluster) { return loaded_rados_connect(cluster); }
void pvc_rados_shutdown(rados_t cluster) { loaded_rados_shutdown(cluster); }
int pvc_rados_pool_list(rados_t cluster, char *buffer, size_t length) {
    return loaded_rados_pool_list(cluster, buffer, length);
}
int pvc_rados_ioctx_create(rados_t cluster, const char *pool_name, rados_ioctx_t *ioctx) {
    return loaded_rados_ioctx_create(cluster, pool_name, ioctx);
}
void pvc_rados_ioctx_destroy(rados_ioctx_t ioctx) { loaded_rados_ioctx_destroy(ioctx); }
int pvc_rados_ioctx_pool_stat(rados_ioctx_t ioctx, struct rados_pool_stat_t *stats) {
    return loaded_rados_ioctx_pool_stat(ioctx, stats);
}
int pvc_rados_mon_command(rados_t cluster, const char **command, size_t command_length, const char *input,
                          size_t input_length, char **output, size_t *output_length, char **status,
                          size_t *status_length) {
    return loaded_rados_mon_command(cluster, command, command_length, input, input_length, output, output_length,
                                    status, status_length);
}
void pvc_rados_buffer_free(char *buffer) { loaded_rados_buffer_free(buffer); }
int pvc_rados_getaddrs(rados_t cluster, char **addresses) { return loaded_rados_getaddrs(cluster, addresses); }
int pvc_rados_blocklist_add(rados_t cluster, char *client_address, uint32_t expire_seconds) {
    return loaded_rados_blocklist_add(cluster, client_address, expire_seconds);
}
int pvc_rbd_open(rados_ioctx_t ioctx, const char *name, rbd_image_t *image, const char *snapshot) {
    return loaded_rbd_open(ioctx, name, image, snapshot);
}
int pvc_rbd_open_read_only(rados_ioctx_t ioctx, const char *name, rbd_image_t *image, const char *snapshot) {
    return loaded_rbd_open_read_only(ioctx, name, image, snapshot);
}
int pvc_rbd_close(rbd_image_t image) { return loaded_rbd_close(image); }
ssize_t pvc_rbd_list_lockers(rbd_image_t image, int *exclusive, char *tag, size_t *tag_length, char *clients,
                             size_t *clients_length, char *cookies, size_t *cookies_length, char *addresses,
                             size_t *addresses_length) {
    return loaded_rbd_list_lockers(image, exclusive, tag, tag_length, clients, clients_length, cookies,
                                   cookies_length, addresses, addresses_length);
}
int pvc_rbd_break_lock(rbd_image_t image, const char *client, const char *cookie) {
    return loaded_rbd_break_lock(image, client, cookie);
}
int pvc_rbd_watchers_list(rbd_image_t image, rbd_image_watcher_t *watchers, size_t *max_watchers) {
    return loaded_rbd_watchers_list(image, watchers, max_watchers);
}
void pvc_rbd_watchers_list_cleanup(rbd_image_watcher_t *watchers, size_t count) {
    loaded_rbd_watchers_list_cleanup(watchers, count);
}
