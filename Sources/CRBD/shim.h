#ifndef CRBD_SHIM_H
#define CRBD_SHIM_H
#include <rbd/librbd.h>
#endif
