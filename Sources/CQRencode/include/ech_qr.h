/*
 * ech_qr.h: a QR code's modules through Debian's libqrencode (libqrencode.so.4, package
 * libqrencode4), opened with dlopen the first time a code is drawn: the binary does not
 * link it, so the cached path never loads it, and a machine without it simply shows no
 * code. No libqrencode header is needed at build time: the two entry points are declared
 * in qr.c and resolved with dlsym. Nothing here prints anything.
 */
#ifndef ECH_QR_H
#define ECH_QR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest symbol (version 40) is 177 modules wide. */
#define ECH_QR_MAX_WIDTH 177

/* Encodes `text` (8-bit, error correction level M) and writes its width*width modules,
 * row by row, into `modules` (1 = dark, 0 = light), which holds `capacity` bytes.
 * Returns the width; 0 when libqrencode cannot be loaded, -1 when the text cannot be
 * encoded or does not fit. */
int ech_qr_encode(const char *text, unsigned char *modules, size_t capacity);

/* 1 if libqrencode could be loaded (loads it on first call), 0 otherwise. */
int ech_qr_available(void);

#ifdef __cplusplus
}
#endif

#endif
