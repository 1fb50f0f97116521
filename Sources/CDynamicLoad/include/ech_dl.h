#ifndef ECH_DL_H
#define ECH_DL_H

/* Resolves `name` in a library opened with dlopen into the function pointer at `slot`;
 * 0 when the symbol is missing. Shared by the lazily opened libraries' modules (CHTTP,
 * CCrypto, CQRencode). */
int ech_dl_resolve(void *lib, const char *name, void *slot);

#endif
