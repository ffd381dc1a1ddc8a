#include "hv_shims.h"
int hv_shims_version(void) { return 1; }
