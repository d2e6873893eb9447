#ifndef CZOOKEEPER_SHIM_H
#define CZOOKEEPER_SHIM_H
/* The multithreaded API (sync calls, zoo_amulti) is only declared with THREADED, and a system
   library module cannot be given -D flags, so it is defined here. */
#ifndef THREADED
#define THREADED 1
#endif
#include <zookeeper/zookeeper.h>
/* Swift 6 rejects mutable C globals as not concurrency-safe: hand out const pointers instead. */
static inline const struct ACL_vector *czk_open_acl_unsafe(void) { return &ZOO_OPEN_ACL_UNSAFE; }
#endif
