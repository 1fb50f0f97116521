/*
 * qr.c: libqrencode opened by dlopen at first use (see ech_qr.h).
 */
#define _GNU_SOURCE
#include "ech_qr.h"

#include "ech_dl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#ifndef ECH_QR_SONAMES                           /* overridable for experiments only */
#define ECH_QR_SONAMES { "libqrencode.so.4" }
#endif

/* libqrencode's own declarations (qrencode.h, 4.x): the symbol, and the two enum values
 * used. Bit 0 of each data byte is 1 for a dark module. */
typedef struct {
    int version;
    int width;
    unsigned char *data;
} QRcode;
enum { QR_ECLEVEL_M = 1 };
enum { QR_MODE_8 = 2 };

static struct {
    QRcode *(*encode_string)(const char *, int, int, int, int);
    void (*free_code)(QRcode *);
    int loaded;
} api;

static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void load_qrencode(void) {
    static const char *const sonames[] = ECH_QR_SONAMES;
    for (size_t i = 0; i < sizeof sonames / sizeof sonames[0]; i++) {
        void *lib = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (lib == NULL) continue;
        if (ech_dl_resolve(lib, "QRcode_encodeString", &api.encode_string) && ech_dl_resolve(lib, "QRcode_free", &api.free_code)) {
            api.loaded = 1;
            return;
        }
        dlclose(lib);
    }
}

int ech_qr_available(void) {
    pthread_once(&api_once, load_qrencode);
    return api.loaded;
}

int ech_qr_encode(const char *text, unsigned char *modules, size_t capacity) {
    if (!ech_qr_available()) return 0;
    if (text == NULL || modules == NULL) return -1;
    /* version 0: the smallest that fits; case-sensitive. */
    QRcode *code = api.encode_string(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (code == NULL) return -1;
    int width = code->width;
    if (width <= 0 || width > ECH_QR_MAX_WIDTH || (size_t)width * (size_t)width > capacity) {
        api.free_code(code);
        return -1;
    }
    for (size_t i = 0; i < (size_t)width * (size_t)width; i++) modules[i] = code->data[i] & 1;
    api.free_code(code);
    return width;
}
