/*
 * ech_http.h: one HTTP request through libcurl, loaded lazily with dlopen.
 *
 * The helper binary runs on every git fetch, docker pull and kubectl call and almost
 * always answers from the keyring, so libcurl (and its TLS stack) is not linked: it is
 * opened with dlopen the first time a request is made ("libcurl.so.4", then
 * "libcurl-gnutls.so.4"). The calls are plain, non-variadic C so Swift can use them;
 * the variadic curl_easy_setopt is only ever called from http.c.
 *
 * Nothing here prints or writes to stdout/stderr.
 */
#ifndef ECH_HTTP_H
#define ECH_HTTP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest WWW-Authenticate value returned (Azure Arc's names a file path). */
#define ECH_HTTP_MAX_CHALLENGE 1024

/* Everything the caller owns; nothing is kept after ech_http_perform returns. */
typedef struct {
    const char *method;          /* "GET" or "POST" (anything else fails with curl_code 43) */
    const char *url;
    const char *const *headers;  /* NULL-terminated "Name: value" list, may be NULL */
    const unsigned char *body;   /* request body (POST), may be NULL */
    size_t body_length;
    long connect_timeout_ms;     /* 0 = libcurl's default */
    long total_timeout_ms;       /* 0 = no limit */
    int allow_http;              /* 0: https:// only; 1: http and https. The caller sets 1 only
                                    for a loopback host, which is then also never proxied. */
    int follow_redirects;        /* 1: follow at most 3 redirects, and only to https:// */
    const char *extra_ca_file;   /* PEM bundle ADDED to the system CAs (SSL_CERT_FILE); NULL = none */
} ech_http_request;

/* Filled by ech_http_perform; release with ech_http_response_free. */
typedef struct {
    long status;                 /* HTTP status of the last response, 0 if none */
    unsigned char *body;         /* malloc'd, NULL when empty; at most 1 MiB */
    size_t body_length;
    long retry_after_seconds;    /* Retry-After (delta-seconds or HTTP-date), -1 if absent */
    char *content_type;          /* malloc'd or NULL */
    char *www_authenticate;      /* malloc'd or NULL: the last response's first WWW-Authenticate
                                    value (trimmed), at most ECH_HTTP_MAX_CHALLENGE bytes */
    int www_authenticate_refused; /* 1: it was longer than that, or held a NUL byte: not given */
    int curl_code;               /* CURLcode, 0 = a response was received; -1 = libcurl not loadable */
    char error[256];             /* text for curl_code != 0, "" otherwise */
} ech_http_response;

/* Performs the request; returns resp->curl_code. resp needs no initialisation. */
int ech_http_perform(const ech_http_request *req, ech_http_response *resp);

/* Zeroes and frees the body (it may hold tokens), frees content_type and www_authenticate.
 * Idempotent. */
void ech_http_response_free(ech_http_response *resp);

/* 1 if libcurl could be loaded (loads it on first call), 0 otherwise. */
int ech_http_available(void);

#ifdef __cplusplus
}
#endif

#endif /* ECH_HTTP_H */
