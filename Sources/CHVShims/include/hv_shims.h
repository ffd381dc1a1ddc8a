#ifndef HV_SHIMS_H
#define HV_SHIMS_H
/* Shims for C APIs Swift cannot call directly (variadic functions, macros). */
int hv_shims_version(void);
#endif
