/*
 * ech_crypto.h: a client certificate (private key + certificate chain) and its RS256/PS256
 * signatures, through the system's OpenSSL libcrypto (libcrypto.so.3, Debian: libssl3)
 * opened with dlopen the first time a certificate is used: the binary does not link it, so
 * the cached path never loads it. No OpenSSL header is needed at build time: the few
 * entry points are declared in crypto.c and resolved with dlsym.
 *
 * Secrets: the file's bytes and the password are wiped before the buffers holding them are
 * freed; the password is passed in memory only. Nothing here prints anything.
 */
#ifndef ECH_CRYPTO_H
#define ECH_CRYPTO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results of ech_crypto_load*; ech_crypto_sign returns OK, UNAVAILABLE or FAILED. */
enum {
    ECH_CRYPTO_OK = 0,
    ECH_CRYPTO_UNAVAILABLE = 1,     /* libcrypto.so.3 could not be loaded */
    ECH_CRYPTO_UNREADABLE = 2,      /* the file cannot be read, or is neither PEM nor PKCS#12 */
    ECH_CRYPTO_BAD_PASSWORD = 3,    /* wrong password, or none given for an encrypted file */
    ECH_CRYPTO_NO_KEY = 4,          /* no private key in it */
    ECH_CRYPTO_NOT_RSA = 5,         /* the key is not RSA (error names its type) */
    ECH_CRYPTO_NO_CERTIFICATE = 6,  /* a key but no certificate */
    ECH_CRYPTO_MISMATCH = 7,        /* no certificate in it matches the key */
    ECH_CRYPTO_FAILED = 8           /* anything else (memory, a signature that failed) */
};

/* The JWS algorithms: RSASSA-PKCS1-v1_5 with SHA-256, and RSASSA-PSS with SHA-256, MGF1
   with SHA-256 and a 32-byte salt (RFC 7518 §3.3 and §3.5). */
enum { ECH_CRYPTO_RS256 = 0, ECH_CRYPTO_PS256 = 1 };

/* An RSA private key with its certificate and the rest of the chain. Opaque. */
typedef struct ech_crypto_credential ech_crypto_credential;

/* Loads PEM (key and certificates in any order, in one buffer) or PKCS#12 (DER) from
   data. password may be NULL (none); it is used for an encrypted PEM key or a PKCS#12
   file. On success *out holds the credential (free with ech_crypto_free). error receives
   a short reason, never a secret. The caller wipes data and password. */
int ech_crypto_load(const unsigned char *data, size_t length,
                    const char *password, ech_crypto_credential **out, char error[256]);

/* Reads the file (at most 1 MiB) into a buffer that is wiped and freed afterwards, then
   ech_crypto_load. ECH_CRYPTO_UNREADABLE with errno's text when it cannot be read. */
int ech_crypto_load_file(const char *path, const char *password,
                         ech_crypto_credential **out, char error[256]);

/* The SHA-256 of the leaf certificate's DER (32 bytes). */
void ech_crypto_thumbprint_sha256(const ech_crypto_credential *credential, unsigned char out[32]);

/* The number of certificates: the leaf (index 0) then the others of the file in order. */
size_t ech_crypto_chain_count(const ech_crypto_credential *credential);

/* Certificate i's DER in standard base64 with padding (for x5c). NUL-terminated. */
const char *ech_crypto_chain_base64(const ech_crypto_credential *credential, size_t i);

/* Signs data with the key: a malloc'd *signature of *signature_length bytes (free it). */
int ech_crypto_sign(const ech_crypto_credential *credential, int algorithm,
                    const unsigned char *data, size_t length,
                    unsigned char **signature, size_t *signature_length, char error[256]);

/* Frees the key (OpenSSL clears its private numbers) and the certificates. NULL is fine. */
void ech_crypto_free(ech_crypto_credential *credential);

/* 1 once libcrypto has been loaded by this process through this module; never loads it. */
int ech_crypto_loaded(void);

#ifdef __cplusplus
}
#endif

#endif /* ECH_CRYPTO_H */
