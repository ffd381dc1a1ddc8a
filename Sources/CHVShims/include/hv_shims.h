#ifndef HV_SHIMS_H
#define HV_SHIMS_H
/* Shims for C APIs Swift cannot call directly (variadic functions, macros, va_list). */
#include "hv_mhd.h"
#include "hv_gzip.h"
#include "hv_bcrypt.h"

int hv_shims_version(void);
#endif
