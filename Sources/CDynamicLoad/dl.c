#include "ech_dl.h"

#include <dlfcn.h>
#include <string.h>

int ech_dl_resolve(void *lib, const char *name, void *slot) {
    void *sym = dlsym(lib, name);
    if (sym == NULL) return 0;
    memcpy(slot, &sym, sizeof sym);  /* object pointer to function pointer, POSIX-style */
    return 1;
}
