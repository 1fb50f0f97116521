/*
 * http.c: one HTTP request with libcurl opened by dlopen at first use (see ech_http.h).
 *
 * Only the libcurl headers are used at build time: the binary does not link libcurl, so
 * the cached path (answer from the keyring) never pays for loading curl and its TLS
 * stack. curl_easy_setopt is variadic; it is called through a correctly typed variadic
 * function pointer, with each argument of the type the option expects (long, curl_off_t
 * or a pointer), which is why this part is C rather than Swift.
 */
#define _GNU_SOURCE
#define CURL_DISABLE_TYPECHECK 1
#include "ech_http.h"

#include <curl/curl.h>
#include "ech_dl.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <strings.h>
#include <time.h>

#define MAX_BODY (1024L * 1024L)                 /* responses larger than 1 MiB are refused */
#ifndef SYSTEM_CA_DIR                            /* overridable for experiments only */
#define SYSTEM_CA_DIR "/etc/ssl/certs"
#endif
/* Link-local too: IMDS and App Service identity endpoints are never reached through a proxy. */
#define LOOPBACK_NO_PROXY "localhost,127.0.0.1,127.0.0.0/8,::1,169.254.0.0/16"
#ifndef ECH_HTTP_SONAMES                         /* overridable for experiments only */
#define ECH_HTTP_SONAMES { "libcurl.so.4", "libcurl-gnutls.so.4" }
#endif

/* ---- The libcurl entry points, resolved once with dlsym. ---- */

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    const char *(*easy_strerror)(CURLcode);
    time_t (*getdate)(const char *, const time_t *);  /* optional: Retry-After dates */
    int loaded;
    char load_error[200];
} api;

static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
    static const char *const sonames[] = ECH_HTTP_SONAMES;
    for (size_t i = 0; i < sizeof sonames / sizeof sonames[0]; i++) {
        void *lib = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (lib == NULL) continue;
        int ok = ech_dl_resolve(lib, "curl_global_init", &api.global_init)
            && ech_dl_resolve(lib, "curl_easy_init", &api.easy_init)
            && ech_dl_resolve(lib, "curl_easy_setopt", &api.easy_setopt)
            && ech_dl_resolve(lib, "curl_easy_perform", &api.easy_perform)
            && ech_dl_resolve(lib, "curl_easy_getinfo", &api.easy_getinfo)
            && ech_dl_resolve(lib, "curl_easy_cleanup", &api.easy_cleanup)
            && ech_dl_resolve(lib, "curl_slist_append", &api.slist_append)
            && ech_dl_resolve(lib, "curl_slist_free_all", &api.slist_free_all)
            && ech_dl_resolve(lib, "curl_easy_strerror", &api.easy_strerror);
        if (!ok) { dlclose(lib); continue; }
        (void)ech_dl_resolve(lib, "curl_getdate", &api.getdate);
        if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(api.load_error, sizeof api.load_error, "%s: curl_global_init failed", sonames[i]);
            return;  /* the library stays mapped: global state may be half set up */
        }
        api.loaded = 1;
        return;
    }
    snprintf(api.load_error, sizeof api.load_error,
             "libcurl could not be loaded (tried libcurl.so.4, libcurl-gnutls.so.4)");
}

int ech_http_available(void) {
    pthread_once(&api_once, load_curl);
    return api.loaded;
}

/* ---- Callbacks: the body into a bounded buffer, Retry-After from the headers. ---- */

typedef struct {
    unsigned char *data;
    size_t length, capacity;
    int too_big;
} sink;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
    sink *s = userdata;
    size_t n = size * nmemb;  /* size is always 1 */
    if (n > (size_t)MAX_BODY - s->length) { s->too_big = 1; return 0; }  /* aborts: CURLE_WRITE_ERROR */
    if (s->length + n > s->capacity) {
        size_t capacity = s->capacity ? s->capacity * 2 : 4096;
        while (capacity < s->length + n) capacity *= 2;
        if (capacity > (size_t)MAX_BODY) capacity = MAX_BODY;
        /* Not realloc: the old block may hold tokens and must be zeroed before it is freed. */
        unsigned char *grown = malloc(capacity);
        if (grown == NULL) return 0;
        if (s->length) memcpy(grown, s->data, s->length);
        if (s->data) { explicit_bzero(s->data, s->length); free(s->data); }
        s->data = grown;
        s->capacity = capacity;
    }
    memcpy(s->data + s->length, ptr, n);
    s->length += n;
    return n;
}

static void sink_free(sink *s) {
    if (s->data) { explicit_bzero(s->data, s->length); free(s->data); }
    s->data = NULL;
    s->length = s->capacity = 0;
}

/* The value after "name:" without surrounding blanks and the line end: *value, *n. */
static void header_value(const char **value, size_t *n) {
    while (*n && (**value == ' ' || **value == '\t')) { (*value)++; (*n)--; }
    while (*n && ((*value)[*n - 1] == '\r' || (*value)[*n - 1] == '\n' || (*value)[*n - 1] == ' ' || (*value)[*n - 1] == '\t')) (*n)--;
}

/* Retry-After: delta-seconds, or an HTTP-date turned into seconds from now. */
static long parse_retry_after(const char *value, size_t n) {
    char text[128];
    header_value(&value, &n);
    if (n == 0 || n >= sizeof text) return -1;
    memcpy(text, value, n);
    text[n] = '\0';
    if (strspn(text, "0123456789") == n) {
        if (n > 9) return 999999999L;  /* absurdly long; the caller caps it anyway */
        return strtol(text, NULL, 10);
    }
    if (api.getdate == NULL) return -1;
    time_t when = api.getdate(text, NULL);
    if (when == (time_t)-1) return -1;
    time_t now = time(NULL);
    return when > now ? (long)(when - now) : 0;
}

/* What the header callback keeps of the last response's headers. */
typedef struct {
    long retry_after;
    char challenge[ECH_HTTP_MAX_CHALLENGE + 1];  /* the first WWW-Authenticate value, trimmed */
    int has_challenge, challenge_refused;
} header_state;

static size_t on_header(char *buffer, size_t size, size_t nitems, void *userdata) {
    header_state *h = userdata;
    size_t n = size * nitems;
    static const char name[] = "retry-after:", challenge[] = "www-authenticate:";
    if (n >= 5 && memcmp(buffer, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or 100-continue) starts */
        h->retry_after = -1;
        h->has_challenge = h->challenge_refused = 0;
        h->challenge[0] = '\0';
    } else if (n >= sizeof name - 1 && strncasecmp(buffer, name, sizeof name - 1) == 0) {
        h->retry_after = parse_retry_after(buffer + sizeof name - 1, n - (sizeof name - 1));
    } else if (!h->has_challenge && n >= sizeof challenge - 1 && strncasecmp(buffer, challenge, sizeof challenge - 1) == 0) {
        const char *value = buffer + sizeof challenge - 1;
        size_t length = n - (sizeof challenge - 1);
        header_value(&value, &length);
        h->has_challenge = 1;  /* only the first one counts */
        if (length > ECH_HTTP_MAX_CHALLENGE || memchr(value, '\0', length) != NULL) {
            h->challenge_refused = 1;  /* never cut short: a shortened path would name another file */
        } else {
            memcpy(h->challenge, value, length);
            h->challenge[length] = '\0';
        }
    }
    return n;
}

/* ---- Helpers. ---- */


static void fail(ech_http_response *resp, int code, const char *message) {
    resp->curl_code = code;
    snprintf(resp->error, sizeof resp->error, "%s", message);
}

/* Sets one option; on failure records the error and jumps to `done`. */
#define SET(option, value) do {                                                           \
        CURLcode rc_ = api.easy_setopt(curl, (option), (value));                          \
        if (rc_ != CURLE_OK) {                                                            \
            resp->curl_code = rc_;                                                        \
            snprintf(resp->error, sizeof resp->error, "libcurl refused %s: %s", #option,  \
                     api.easy_strerror(rc_));                                             \
            goto done; }                                                                  \
    } while (0)

/* Appends one "Name: value" line; 0 when out of memory. */
static int append_header(struct curl_slist **list, const char *line) {
    struct curl_slist *next = api.slist_append(*list, line);
    if (next != NULL) *list = next;
    return next != NULL;
}

/* Which CAs are trusted. The system CA directory (hashed links, looked up by subject
 * when a chain needs one) instead of the whole bundle file: OpenSSL 3 parses every
 * certificate of a bundle in every process, about 28 ms here, while a directory lookup
 * costs next to nothing. SSL_CERT_FILE (extra_ca_file) is added to the directory, not
 * put in its place. Returns 0 or a CURLcode with resp->error set. */
static int set_trust(CURL *curl, const char *extra, ech_http_response *resp) {
    if (extra != NULL && access(extra, R_OK) != 0) {
        snprintf(resp->error, sizeof resp->error, "cannot read SSL_CERT_FILE %s: %s", extra, strerror(errno ? errno : EIO));
        return resp->curl_code = CURLE_SSL_CACERT_BADFILE;
    }
    struct stat st;
    if (stat(SYSTEM_CA_DIR, &st) != 0 || !S_ISDIR(st.st_mode)) {  /* no directory: keep curl's bundle */
        return extra == NULL ? 0 : (resp->curl_code = api.easy_setopt(curl, CURLOPT_CAINFO, extra));
    }
    int code = api.easy_setopt(curl, CURLOPT_CAINFO, extra);  /* NULL drops the default bundle file */
    if (code == CURLE_OK) code = api.easy_setopt(curl, CURLOPT_CAPATH, SYSTEM_CA_DIR);
    if (code != CURLE_OK)
        snprintf(resp->error, sizeof resp->error, "cannot set the trusted CAs: %s", api.easy_strerror(code));
    return resp->curl_code = code;
}

/* NO_PROXY for a loopback target: loopback, plus whatever the environment lists. */
static char *loopback_no_proxy(void) {
    const char *env = getenv("no_proxy");
    if (env == NULL || *env == '\0') env = getenv("NO_PROXY");
    if (env == NULL) env = "";
    size_t length = strlen(LOOPBACK_NO_PROXY) + 1 + strlen(env) + 1;
    char *list = malloc(length);
    if (list != NULL) snprintf(list, length, "%s%s%s", LOOPBACK_NO_PROXY, *env ? "," : "", env);
    return list;
}

/* ---- The request. ---- */

int ech_http_perform(const ech_http_request *req, ech_http_response *resp) {
    memset(resp, 0, sizeof *resp);
    resp->retry_after_seconds = -1;
    if (!ech_http_available()) { fail(resp, -1, api.load_error); return -1; }

    int is_get = strcmp(req->method, "GET") == 0, is_post = strcmp(req->method, "POST") == 0;
    if (!is_get && !is_post) { fail(resp, CURLE_BAD_FUNCTION_ARGUMENT, "unsupported HTTP method"); return resp->curl_code; }

    CURL *curl = api.easy_init();
    if (curl == NULL) { fail(resp, CURLE_FAILED_INIT, "curl_easy_init failed"); return resp->curl_code; }
    struct curl_slist *headers = NULL;
    char *no_proxy = NULL;
    sink body = { 0 };
    char errbuf[CURL_ERROR_SIZE] = "";
    header_state received = { .retry_after = -1 };
    char *content_type = NULL;
    CURLcode rc;

    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_URL, req->url);
    /* Protocols: https only, unless the caller vouches for a loopback target. */
    SET(CURLOPT_PROTOCOLS_STR, req->allow_http ? "http,https" : "https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    SET(CURLOPT_FOLLOWLOCATION, req->follow_redirects ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, 3L);
    if (req->allow_http) {  /* a loopback emulator is never reached through a proxy */
        if ((no_proxy = loopback_no_proxy()) == NULL) { fail(resp, CURLE_OUT_OF_MEMORY, "out of memory"); goto done; }
        SET(CURLOPT_NOPROXY, no_proxy);
    }
    SET(CURLOPT_USERAGENT, "entra-credential-helper/0.1");
    SET(CURLOPT_FAILONERROR, 0L);  /* error statuses keep their (JSON) bodies */
    SET(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, req->total_timeout_ms);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MAX_BODY);  /* early stop when Content-Length says so */
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, &body);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, &received);
    if (set_trust(curl, req->extra_ca_file, resp) != CURLE_OK) goto done;

    if (is_post) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_length);
        SET(CURLOPT_POSTFIELDS, req->body_length ? (const char *)req->body : "");
    } else {
        SET(CURLOPT_HTTPGET, 1L);
    }
    for (const char *const *h = req->headers; h != NULL && *h != NULL; h++)
        if (!append_header(&headers, *h)) { fail(resp, CURLE_OUT_OF_MEMORY, "out of memory"); goto done; }
    /* No "Expect: 100-continue" round trip before a POST body. */
    if (is_post && !append_header(&headers, "Expect:")) { fail(resp, CURLE_OUT_OF_MEMORY, "out of memory"); goto done; }
    if (headers != NULL) SET(CURLOPT_HTTPHEADER, headers);

    rc = api.easy_perform(curl);
    (void)api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
    if (rc != CURLE_OK) {
        resp->curl_code = rc;
        if (body.too_big) snprintf(resp->error, sizeof resp->error, "response body larger than 1 MiB");
        else if (rc == CURLE_FILESIZE_EXCEEDED) snprintf(resp->error, sizeof resp->error, "response body larger than 1 MiB (Content-Length)");
        else snprintf(resp->error, sizeof resp->error, "%s", errbuf[0] ? errbuf : api.easy_strerror(rc));
        goto done;
    }
    if (api.easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type != NULL)
        resp->content_type = strdup(content_type);
    resp->retry_after_seconds = received.retry_after;
    resp->www_authenticate_refused = received.challenge_refused;
    if (received.has_challenge && !received.challenge_refused && (resp->www_authenticate = strdup(received.challenge)) == NULL) {
        fail(resp, CURLE_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    resp->body = body.data, resp->body_length = body.length;  /* ownership moves to resp */
    body.data = NULL, body.length = 0;

done:
    api.easy_cleanup(curl);
    for (struct curl_slist *h = headers; h != NULL; h = h->next)  /* copies may hold tokens */
        explicit_bzero(h->data, strlen(h->data));
    if (headers != NULL) api.slist_free_all(headers);
    free(no_proxy);
    sink_free(&body);
    return resp->curl_code;
}

void ech_http_response_free(ech_http_response *resp) {
    if (resp->body != NULL) { explicit_bzero(resp->body, resp->body_length); free(resp->body); }
    free(resp->content_type);
    free(resp->www_authenticate);
    resp->body = NULL, resp->body_length = 0, resp->content_type = NULL, resp->www_authenticate = NULL;
}
