#ifndef CLIBVIRT_SHIM_H
#define CLIBVIRT_SHIM_H
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
/* VIR_DOMAIN_EVENT_CALLBACK is a cast macro, which Swift does not import. */
static inline virConnectDomainEventGenericCallback
cvirt_lifecycle_callback(virConnectDomainEventCallback cb) { return VIR_DOMAIN_EVENT_CALLBACK(cb); }
#endif
