#ifndef CRADOS_SHIM_H
#define CRADOS_SHIM_H
#include <rados/librados.h>
#endif
