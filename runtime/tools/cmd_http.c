/* cmd_http.c — OTLP/HTTP: one POST over a plain TCP connection (cmd.h).
 * The only network code of calltrace: the command's, never the runtime's.
 * http:// only (TLS is a collector's job: send to a local collector). */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "calltrace.h"
#include "tools/cmd.h"

#define HTTP_TIMEOUT_S 10

struct http_url {
    char host[256], port[8], path[2048];
};

static int http_parse_url(const char *url, struct http_url *u)
{
    if (strncmp(url, "https://", 8) == 0)
        return ct_cmd_err("%s: https is not supported; send to an http:// collector", url), -1;
    if (strncmp(url, "http://", 7) != 0)
        return ct_cmd_err("%s is not an http:// URL", url), -1;
    const char *h = url + 7, *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    snprintf(u->path, sizeof(u->path), "%s", slash ? slash : "/");
    snprintf(u->port, sizeof(u->port), "80");
    const char *colon = h[0] == '[' ? memchr(h, ']', hl) : memchr(h, ':', hl);
    if (h[0] == '[' && colon) { /* [v6]:port */
        snprintf(u->host, sizeof(u->host), "%.*s", (int)(colon - h - 1), h + 1);
        colon = colon + 1 < h + hl && colon[1] == ':' ? colon + 1 : NULL;
    } else {
        snprintf(u->host, sizeof(u->host), "%.*s", (int)(colon ? (size_t)(colon - h) : hl), h);
    }
    if (colon)
        snprintf(u->port, sizeof(u->port), "%.*s", (int)(h + hl - colon - 1), colon + 1);
    return u->host[0] ? 0 : (ct_cmd_err("%s names no host", url), -1);
}

static int http_connect(const struct http_url *u)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc)
        return ct_cmd_err("cannot resolve %s: %s", u->host, gai_strerror(rc)), -1;
    int fd = -1, err = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {.tv_sec = HTTP_TIMEOUT_S};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        ct_cmd_err("cannot connect to %s:%s: %s", u->host, u->port, strerror(err));
    return fd;
}

static int http_unhex(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "k=v,k2=v%20w" as "k: v\r\nk2: v w\r\n" (percent-decoded, trimmed). */
static void http_headers(FILE *out, const char *list)
{
    while (list && *list) {
        size_t n = strcspn(list, ",");
        const char *eq = memchr(list, '=', n);
        if (eq) {
            char kv[2][1024];
            const char *part[2][2] = {{list, eq}, {eq + 1, list + n}};
            for (int k = 0; k < 2; k++) {
                const char *p = part[k][0], *end = part[k][1];
                size_t o = 0;
                while (p < end && *p == ' ')
                    p++;
                for (; p < end && o + 1 < sizeof(kv[k]); p++) {
                    int hi, lo;
                    if (*p == '%' && p + 2 < end + 1 && (hi = http_unhex(p[1])) >= 0 &&
                        (lo = http_unhex(p[2])) >= 0) {
                        kv[k][o++] = (char)(hi * 16 + lo);
                        p += 2;
                    } else {
                        kv[k][o++] = *p;
                    }
                }
                while (o && kv[k][o - 1] == ' ')
                    o--;
                kv[k][o] = '\0';
            }
            if (kv[0][0] && !strpbrk(kv[0], "\r\n: ") && !strpbrk(kv[1], "\r\n"))
                fprintf(out, "%s: %s\r\n", kv[0], kv[1]);
            else
                ct_cmd_err("a header of OTEL_EXPORTER_OTLP_HEADERS is left out: not key=value");
        }
        list += n + (list[n] == ',');
    }
}

static int http_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads the answer's status line; -1 when none came. */
static int http_status(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = recv(fd, buf + n, cap - 1 - n, 0)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    buf[n] = '\0';
    int code;
    return sscanf(buf, "HTTP/%*d.%*d %d", &code) == 1 ? code : -1;
}

/* The first line of the answer's body (the first chunk's, when chunked). */
static const char *http_body_line(char *answer)
{
    char *body = strstr(answer, "\r\n\r\n");
    if (!body)
        return "";
    *body = '\0';
    body += 4;
    if (strcasestr(answer, "transfer-encoding: chunked") && strstr(body, "\r\n"))
        body = strstr(body, "\r\n") + 2;
    body[strcspn(body, "\r\n")] = '\0';
    return body;
}

int ct_http_post(const char *url, const char *headers, const char *ctype, const char *body,
                 size_t len)
{
    struct http_url u;
    if (http_parse_url(url, &u) != 0)
        return -1;
    char *head = NULL;
    size_t hlen = 0;
    FILE *h = open_memstream(&head, &hlen);
    if (!h)
        return ct_cmd_err("out of memory"), -1;
    fprintf(h, "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: calltrace/%s\r\n"
               "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n",
            u.path, u.host, u.port, CALLTRACE_VERSION_STRING, ctype, len);
    http_headers(h, headers);
    fputs("\r\n", h);
    fclose(h);
    int fd = http_connect(&u);
    int rc = -1;
    if (fd >= 0) {
        char answer[4096];
        if (http_write_all(fd, head, hlen) != 0 || http_write_all(fd, body, len) != 0) {
            ct_cmd_err("cannot send to %s: %s", url, strerror(errno));
        } else {
            int code = http_status(fd, answer, sizeof(answer));
            if (code >= 200 && code < 300)
                rc = 0;
            else if (code < 0)
                ct_cmd_err("%s gave no HTTP answer", url);
            else
                ct_cmd_err("%s answered %d: %.200s", url, code, http_body_line(answer));
        }
        close(fd);
    }
    free(head);
    return rc;
}
