/*
 * crypto.c: a client certificate and its signatures through libcrypto.so.3, opened with
 * dlopen at first use (see ech_crypto.h). The OpenSSL 3 entry points used are declared
 * here, with opaque types, so no OpenSSL header (libssl-dev) is needed to build.
 */
#define _GNU_SOURCE
#include "ech_crypto.h"

#include "ech_dl.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ECH_CRYPTO_SONAME                        /* overridable for experiments only */
#define ECH_CRYPTO_SONAME "libcrypto.so.3"
#endif
#define MAX_FILE (1024L * 1024L)
#define EVP_PKEY_RSA 6                           /* NID_rsaEncryption */
#define RSA_PKCS1_PSS_PADDING 6

typedef struct ossl_opaque BIO, EVP_PKEY, X509, PKCS12, EVP_MD, EVP_MD_CTX, EVP_PKEY_CTX, OPENSSL_STACK;
typedef int pem_password_cb(char *buf, int size, int rwflag, void *u);

/* ---- The libcrypto entry points, resolved once with dlsym. ---- */

static struct {
    BIO *(*BIO_new_mem_buf)(const void *, int);
    int (*BIO_free)(BIO *);
    EVP_PKEY *(*PEM_read_bio_PrivateKey)(BIO *, EVP_PKEY **, pem_password_cb *, void *);
    X509 *(*PEM_read_bio_X509)(BIO *, X509 **, pem_password_cb *, void *);
    PKCS12 *(*d2i_PKCS12)(PKCS12 **, const unsigned char **, long);
    int (*PKCS12_mac_present)(const PKCS12 *);
    int (*PKCS12_verify_mac)(PKCS12 *, const char *, int);
    int (*PKCS12_parse)(PKCS12 *, const char *, EVP_PKEY **, X509 **, OPENSSL_STACK **);
    void (*PKCS12_free)(PKCS12 *);
    int (*EVP_PKEY_get_base_id)(const EVP_PKEY *);
    const char *(*EVP_PKEY_get0_type_name)(const EVP_PKEY *);
    int (*EVP_PKEY_eq)(const EVP_PKEY *, const EVP_PKEY *);
    void (*EVP_PKEY_free)(EVP_PKEY *);
    EVP_PKEY *(*X509_get0_pubkey)(const X509 *);
    int (*X509_digest)(const X509 *, const EVP_MD *, unsigned char *, unsigned int *);
    int (*i2d_X509)(const X509 *, unsigned char **);
    void (*X509_free)(X509 *);
    const EVP_MD *(*EVP_sha256)(void);
    int (*EVP_EncodeBlock)(unsigned char *, const unsigned char *, int);
    EVP_MD_CTX *(*EVP_MD_CTX_new)(void);
    void (*EVP_MD_CTX_free)(EVP_MD_CTX *);
    int (*EVP_DigestSignInit)(EVP_MD_CTX *, EVP_PKEY_CTX **, const EVP_MD *, void *, EVP_PKEY *);
    int (*EVP_DigestSign)(EVP_MD_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
    int (*EVP_PKEY_CTX_set_rsa_padding)(EVP_PKEY_CTX *, int);
    int (*EVP_PKEY_CTX_set_rsa_pss_saltlen)(EVP_PKEY_CTX *, int);
    int (*EVP_PKEY_CTX_set_rsa_mgf1_md)(EVP_PKEY_CTX *, const EVP_MD *);
    int (*OPENSSL_sk_num)(const OPENSSL_STACK *);
    void *(*OPENSSL_sk_value)(const OPENSSL_STACK *, int);
    void (*OPENSSL_sk_free)(OPENSSL_STACK *);
    void (*ERR_clear_error)(void);
    unsigned long (*ERR_peek_last_error)(void);
    void *(*OSSL_PROVIDER_try_load)(void *, const char *, int);  /* optional */
    void (*ERR_error_string_n)(unsigned long, char *, size_t);
    int loaded;
} api;

static pthread_once_t api_once = PTHREAD_ONCE_INIT;

#define R(name) ech_dl_resolve(lib, #name, &api.name)

static void load_crypto(void) {
    void *lib = dlopen(ECH_CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) return;
    int ok = R(BIO_new_mem_buf) && R(BIO_free) && R(PEM_read_bio_PrivateKey) && R(PEM_read_bio_X509)
        && R(d2i_PKCS12) && R(PKCS12_mac_present) && R(PKCS12_verify_mac) && R(PKCS12_parse) && R(PKCS12_free)
        && R(EVP_PKEY_get_base_id) && R(EVP_PKEY_get0_type_name) && R(EVP_PKEY_eq) && R(EVP_PKEY_free)
        && R(X509_get0_pubkey) && R(X509_digest) && R(i2d_X509) && R(X509_free) && R(EVP_sha256)
        && R(EVP_EncodeBlock) && R(EVP_MD_CTX_new) && R(EVP_MD_CTX_free) && R(EVP_DigestSignInit)
        && R(EVP_DigestSign) && R(EVP_PKEY_CTX_set_rsa_padding) && R(EVP_PKEY_CTX_set_rsa_pss_saltlen)
        && R(EVP_PKEY_CTX_set_rsa_mgf1_md) && R(OPENSSL_sk_num) && R(OPENSSL_sk_value) && R(OPENSSL_sk_free)
        && R(ERR_clear_error) && R(ERR_peek_last_error) && R(ERR_error_string_n);
    if (!ok) { dlclose(lib); return; }
    (void)R(OSSL_PROVIDER_try_load);
    api.loaded = 1;
}

static int available(char error[256]) {
    pthread_once(&api_once, load_crypto);
    if (!api.loaded) snprintf(error, 256, "%s could not be loaded", ECH_CRYPTO_SONAME);
    return api.loaded;
}

int ech_crypto_loaded(void) { return api.loaded; }

/* OpenSSL's last error as text (names a reason, never data), then an empty queue. */
static int fail(int code, char error[256], const char *what) {
    unsigned long e = api.ERR_peek_last_error();
    char reason[200] = "";
    if (e != 0) api.ERR_error_string_n(e, reason, sizeof reason);
    if (reason[0]) snprintf(error, 256, "%s (%s)", what, reason);
    else snprintf(error, 256, "%s", what);
    api.ERR_clear_error();
    return code;
}

/* ---- The credential. ---- */

struct ech_crypto_credential {
    EVP_PKEY *key;
    unsigned char thumbprint[32];
    size_t count;
    char **chain;  /* base64 DER, leaf first */
};

void ech_crypto_free(ech_crypto_credential *c) {
    if (c == NULL) return;
    if (c->key) api.EVP_PKEY_free(c->key);
    for (size_t i = 0; i < c->count; i++) free(c->chain[i]);
    free(c->chain);
    free(c);
}

/* The password for an encrypted PEM key; none given: refuse (never prompt on a terminal). */
static int password_callback(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    if (u == NULL) return -1;
    size_t n = strlen(u);
    if (n > (size_t)size) return -1;
    memcpy(buf, u, n);
    return (int)n;
}

/* Collected while reading: the key and every certificate in file order. */
typedef struct {
    EVP_PKEY *key;
    X509 **certs;
    size_t count, capacity;
} parts;

static int add_cert(parts *p, X509 *x) {
    if (p->count == p->capacity) {
        size_t capacity = p->capacity ? p->capacity * 2 : 4;
        X509 **grown = realloc(p->certs, capacity * sizeof *grown);
        if (grown == NULL) { api.X509_free(x); return 0; }
        p->certs = grown;
        p->capacity = capacity;
    }
    p->certs[p->count++] = x;
    return 1;
}

static void parts_free(parts *p) {
    if (p->key) api.EVP_PKEY_free(p->key);
    for (size_t i = 0; i < p->count; i++) api.X509_free(p->certs[i]);
    free(p->certs);
}

static int contains(const unsigned char *data, size_t length, const char *text) {
    return memmem(data, length, text, strlen(text)) != NULL;
}

static int read_pem(const unsigned char *data, size_t length, const char *password, parts *p, char error[256]) {
    BIO *bio = api.BIO_new_mem_buf(data, (int)length);
    if (bio == NULL) return fail(ECH_CRYPTO_FAILED, error, "out of memory");
    X509 *x;
    while ((x = api.PEM_read_bio_X509(bio, NULL, password_callback, NULL)) != NULL)
        if (!add_cert(p, x)) { api.BIO_free(bio); return fail(ECH_CRYPTO_FAILED, error, "out of memory"); }
    api.BIO_free(bio);
    api.ERR_clear_error();  /* the end of the data */
    bio = api.BIO_new_mem_buf(data, (int)length);
    if (bio == NULL) return fail(ECH_CRYPTO_FAILED, error, "out of memory");
    p->key = api.PEM_read_bio_PrivateKey(bio, NULL, password_callback, (void *)password);
    api.BIO_free(bio);
    if (p->key == NULL) {
        if (contains(data, length, "ENCRYPTED PRIVATE KEY-----") || contains(data, length, "Proc-Type: 4,ENCRYPTED"))
            return fail(ECH_CRYPTO_BAD_PASSWORD, error,
                        password ? "the password does not decrypt the private key" : "the private key is encrypted and no password was given");
        if (contains(data, length, "PRIVATE KEY-----"))
            return fail(ECH_CRYPTO_UNREADABLE, error, "the private key cannot be parsed");
        api.ERR_clear_error();  /* the decoders' "unsupported" for each certificate block */
        snprintf(error, 256, "it holds no private key");
        return ECH_CRYPTO_NO_KEY;
    }
    api.ERR_clear_error();
    return ECH_CRYPTO_OK;
}

/* OpenSSL's legacy provider, loaded at most once and kept for the life of the process. */
static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;
static void *legacy;
static void load_legacy(void) { legacy = api.OSSL_PROVIDER_try_load(NULL, "legacy", 1); }

static int read_pkcs12(const unsigned char *data, size_t length, const char *password, parts *p, char error[256]) {
    const unsigned char *cursor = data;
    PKCS12 *p12 = api.d2i_PKCS12(NULL, &cursor, (long)length);
    if (p12 == NULL) return fail(ECH_CRYPTO_UNREADABLE, error, "it is neither PEM nor PKCS#12");
    int empty = password == NULL || password[0] == '\0';
    if (api.PKCS12_mac_present(p12)) {
        int verified = empty ? (api.PKCS12_verify_mac(p12, NULL, 0) || api.PKCS12_verify_mac(p12, "", 0))
                             : api.PKCS12_verify_mac(p12, password, -1);
        if (!verified) {
            api.PKCS12_free(p12);
            return fail(ECH_CRYPTO_BAD_PASSWORD, error,
                        empty ? "the PKCS#12 file needs a password" : "the password does not open the PKCS#12 file");
        }
    }
    X509 *leaf = NULL;
    OPENSSL_STACK *others = NULL;
    int parsed = api.PKCS12_parse(p12, password, &p->key, &leaf, &others);
    if (!parsed && api.OSSL_PROVIDER_try_load) {
        /* Older files (RC2-40 or DES encrypted certificates: Windows and `openssl pkcs12
           -legacy` exports) need OpenSSL's legacy provider: loaded only then, and kept. */
        api.ERR_clear_error();
        pthread_once(&legacy_once, load_legacy);
        if (legacy != NULL)
            parsed = api.PKCS12_parse(p12, password, &p->key, &leaf, &others);
    }
    api.PKCS12_free(p12);
    if (!parsed) return fail(ECH_CRYPTO_UNREADABLE, error, "the PKCS#12 file cannot be read");
    int ok = leaf == NULL || add_cert(p, leaf);
    int n = others ? api.OPENSSL_sk_num(others) : 0;
    for (int i = 0; i < n; i++) {
        X509 *x = api.OPENSSL_sk_value(others, i);
        if (ok) ok = add_cert(p, x); else api.X509_free(x);
    }
    if (others) api.OPENSSL_sk_free(others);  /* the certificates now belong to p */
    api.ERR_clear_error();
    if (!ok) return fail(ECH_CRYPTO_FAILED, error, "out of memory");
    if (p->key == NULL) return fail(ECH_CRYPTO_NO_KEY, error, "it holds no private key");
    return ECH_CRYPTO_OK;
}

/* Certificate x's DER in base64 (malloc'd), and its SHA-256 into thumbprint when asked. */
static char *encode_cert(X509 *x, unsigned char *thumbprint) {
    int n = api.i2d_X509(x, NULL);
    if (n <= 0) return NULL;
    unsigned char *der = malloc((size_t)n);
    char *text = malloc(4 * (((size_t)n + 2) / 3) + 1);
    unsigned char *cursor = der;
    int ok = der && text && api.i2d_X509(x, &cursor) == n;
    if (ok && thumbprint) {
        unsigned int length = 0;
        ok = api.X509_digest(x, api.EVP_sha256(), thumbprint, &length) && length == 32;
    }
    if (ok) api.EVP_EncodeBlock((unsigned char *)text, der, n);
    free(der);
    if (!ok) { free(text); return NULL; }
    return text;
}

int ech_crypto_load(const unsigned char *data, size_t length, const char *password,
                    ech_crypto_credential **out, char error[256]) {
    *out = NULL;
    error[0] = '\0';
    if (!available(error)) return ECH_CRYPTO_UNAVAILABLE;
    if (length == 0 || length > (size_t)MAX_FILE) {
        snprintf(error, 256, length ? "it is larger than 1 MiB" : "it is empty");
        return ECH_CRYPTO_UNREADABLE;
    }
    api.ERR_clear_error();
    parts p = {0};
    int code = contains(data, length, "-----BEGIN ") ? read_pem(data, length, password, &p, error)
                                                       : read_pkcs12(data, length, password, &p, error);
    if (code == ECH_CRYPTO_OK && api.EVP_PKEY_get_base_id(p.key) != EVP_PKEY_RSA) {
        const char *type = api.EVP_PKEY_get0_type_name(p.key);
        snprintf(error, 256, "the private key is %s, not RSA", type ? type : "of another type");
        code = ECH_CRYPTO_NOT_RSA;
    }
    if (code == ECH_CRYPTO_OK && p.count == 0) {
        snprintf(error, 256, "it holds a private key but no certificate");
        code = ECH_CRYPTO_NO_CERTIFICATE;
    }
    size_t leaf = 0;
    while (code == ECH_CRYPTO_OK && leaf < p.count && api.EVP_PKEY_eq(api.X509_get0_pubkey(p.certs[leaf]), p.key) != 1) leaf++;
    api.ERR_clear_error();
    if (code == ECH_CRYPTO_OK && leaf == p.count) {
        snprintf(error, 256, p.count == 1 ? "the certificate is not the private key's" : "none of its %zu certificates is the private key's", p.count);
        code = ECH_CRYPTO_MISMATCH;
    }
    ech_crypto_credential *c = NULL;
    if (code == ECH_CRYPTO_OK) {
        c = calloc(1, sizeof *c);
        if (c) c->chain = calloc(p.count, sizeof *c->chain);
        if (c == NULL || c->chain == NULL) { free(c); c = NULL; code = fail(ECH_CRYPTO_FAILED, error, "out of memory"); }
    }
    if (code == ECH_CRYPTO_OK) {
        /* The leaf first, then the others in file order. */
        X509 *leaf_cert = p.certs[leaf];
        memmove(p.certs + 1, p.certs, leaf * sizeof *p.certs);
        p.certs[0] = leaf_cert;
        for (size_t i = 0; i < p.count && code == ECH_CRYPTO_OK; i++) {
            c->chain[i] = encode_cert(p.certs[i], i == 0 ? c->thumbprint : NULL);
            if (c->chain[i] == NULL) code = fail(ECH_CRYPTO_FAILED, error, "a certificate cannot be encoded");
            else c->count = i + 1;
        }
        c->key = p.key;
        p.key = NULL;
        if (code != ECH_CRYPTO_OK) { ech_crypto_free(c); c = NULL; }
    }
    parts_free(&p);
    *out = c;
    return code;
}

int ech_crypto_load_file(const char *path, const char *password, ech_crypto_credential **out, char error[256]) {
    *out = NULL;
    error[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) { snprintf(error, 256, "%s", strerror(errno)); return ECH_CRYPTO_UNREADABLE; }
    struct stat info;
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        snprintf(error, 256, "not a regular file");
        close(fd);
        return ECH_CRYPTO_UNREADABLE;
    }
    if (info.st_size > MAX_FILE) { close(fd); snprintf(error, 256, "it is larger than 1 MiB"); return ECH_CRYPTO_UNREADABLE; }
    size_t capacity = (size_t)info.st_size + 1, length = 0;
    unsigned char *data = malloc(capacity);
    if (data == NULL) { close(fd); snprintf(error, 256, "out of memory"); return ECH_CRYPTO_FAILED; }
    for (;;) {  /* read to the end, never past the buffer (the file may have grown) */
        ssize_t n = read(fd, data + length, capacity - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { snprintf(error, 256, "%s", strerror(errno)); length = 0; break; }
        if (n == 0) break;
        length += (size_t)n;
        if (length == capacity) { snprintf(error, 256, "it changed while being read"); length = 0; break; }
    }
    close(fd);
    int code = error[0] ? ECH_CRYPTO_UNREADABLE : ech_crypto_load(data, length, password, out, error);
    explicit_bzero(data, capacity);
    free(data);
    return code;
}

void ech_crypto_thumbprint_sha256(const ech_crypto_credential *c, unsigned char out[32]) {
    memcpy(out, c->thumbprint, 32);
}

size_t ech_crypto_chain_count(const ech_crypto_credential *c) { return c->count; }

const char *ech_crypto_chain_base64(const ech_crypto_credential *c, size_t i) {
    return i < c->count ? c->chain[i] : NULL;
}

int ech_crypto_sign(const ech_crypto_credential *c, int algorithm, const unsigned char *data, size_t length,
                    unsigned char **signature, size_t *signature_length, char error[256]) {
    *signature = NULL;
    *signature_length = 0;
    error[0] = '\0';
    if (!available(error)) return ECH_CRYPTO_UNAVAILABLE;
    EVP_MD_CTX *ctx = api.EVP_MD_CTX_new();
    if (ctx == NULL) return fail(ECH_CRYPTO_FAILED, error, "out of memory");
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *sha256 = api.EVP_sha256();
    int ok = api.EVP_DigestSignInit(ctx, &pctx, sha256, NULL, c->key) == 1;
    if (ok && algorithm == ECH_CRYPTO_PS256)
        ok = api.EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0
            && api.EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, sha256) > 0
            && api.EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0;
    size_t n = 0;
    if (ok) ok = api.EVP_DigestSign(ctx, NULL, &n, data, length) == 1 && n > 0;
    unsigned char *out = ok ? malloc(n) : NULL;
    if (ok) ok = out != NULL && api.EVP_DigestSign(ctx, out, &n, data, length) == 1;
    api.EVP_MD_CTX_free(ctx);
    if (!ok) { free(out); return fail(ECH_CRYPTO_FAILED, error, "the signature failed"); }
    api.ERR_clear_error();
    *signature = out;
    *signature_length = n;
    return ECH_CRYPTO_OK;
}
