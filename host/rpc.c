/* rpc.c - line framing, raw id scan, protocol writer. */
#include "rpc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void rpc_reader_init(rpc_reader *r, size_t max_line, rpc_line_fn on_line,
                     rpc_oversize_fn on_oversize, void *ud)
{
    memset(r, 0, sizeof *r);
    r->max_line = max_line;
    r->on_line = on_line;
    r->on_oversize = on_oversize;
    r->ud = ud;
    r->first_line = true;
}

void rpc_reader_free(rpc_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->len = r->cap = 0;
}

static void deliver(rpc_reader *r, char *line, size_t len)
{
    if (len && line[len - 1] == '\r')
        len--;
    if (r->first_line) {
        r->first_line = false;
        if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3;
            len -= 3;
        }
    }
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len)
        return;
    line[len] = '\0';
    r->on_line(r->ud, line, len);
}

static int append(rpc_reader *r, const char *data, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        size_t ncap = r->cap ? r->cap : 4096;
        while (ncap < r->len + n + 1)
            ncap *= 2;
        char *nb = realloc(r->buf, ncap);
        if (!nb)
            return -1;
        r->buf = nb;
        r->cap = ncap;
    }
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    return 0;
}

int rpc_reader_feed(rpc_reader *r, const char *data, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t chunk = nl ? (size_t)(nl - data) : n;
        if (r->discarding) {
            r->discarded += chunk;
        } else if (r->len + chunk > r->max_line) {
            r->discarding = true;
            r->discarded = r->len + chunk;
            r->len = 0;
            if (r->cap > 1u << 20) { /* give back the big buffer */
                free(r->buf);
                r->buf = NULL;
                r->cap = 0;
            }
        } else if (append(r, data, chunk) < 0) {
            return -1;
        }
        if (!nl)
            return 0;
        if (r->discarding) {
            r->discarding = false;
            r->first_line = false;
            r->on_oversize(r->ud, r->discarded);
            r->discarded = 0;
        } else {
            if (append(r, "", 0) < 0)
                return -1;
            deliver(r, r->buf, r->len);
            r->len = 0;
        }
        data += chunk + 1;
        n -= chunk + 1;
    }
    return 0;
}

void rpc_reader_finish(rpc_reader *r)
{
    if (r->discarding) {
        r->discarding = false;
        r->on_oversize(r->ud, r->discarded);
    } else if (r->len > 0 && append(r, "", 0) == 0) {
        deliver(r, r->buf, r->len);
    }
    r->len = 0;
}

/* ---- raw id scan ------------------------------------------------------ */

typedef struct scan {
    const char *s;
    size_t len, pos;
} scan;

static void skip_ws(scan *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        sc->pos++;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Scans a string at pos (on the opening quote). When `key` is given, stores
 * up to keysz-1 decoded ASCII chars and sets *key_fits false when the decoded
 * key was longer or not plain ASCII. Returns 0 or -1 when malformed. */
static int scan_string(scan *sc, char *key, size_t keysz, bool *key_fits)
{
    size_t k = 0;
    if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
        return -1;
    sc->pos++;
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos++];
        int decoded = (unsigned char)c;
        if (c == '"') {
            if (key)
                key[k] = '\0';
            return 0;
        }
        if (c == '\\') {
            if (sc->pos >= sc->len)
                return -1;
            char e = sc->s[sc->pos++];
            if (e == 'u') {
                if (sc->pos + 4 > sc->len)
                    return -1;
                decoded = 0;
                for (int i = 0; i < 4; i++) {
                    int h = hexval(sc->s[sc->pos++]);
                    if (h < 0)
                        return -1;
                    decoded = decoded * 16 + h;
                }
            } else {
                decoded = (unsigned char)e;
            }
        }
        if (key) {
            if (decoded >= 0x80 || k + 1 >= keysz)
                *key_fits = false;
            else
                key[k++] = (char)decoded;
        }
    }
    return -1;
}

/* Skips any JSON value, iteratively (nesting depth costs no stack). */
static int skip_value(scan *sc)
{
    size_t depth = 0;
    do {
        skip_ws(sc);
        if (sc->pos >= sc->len)
            return -1;
        char c = sc->s[sc->pos];
        if (c == '"') {
            if (scan_string(sc, NULL, 0, NULL) < 0)
                return -1;
        } else if (c == '{' || c == '[') {
            depth++;
            sc->pos++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return -1;
            depth--;
            sc->pos++;
        } else {
            /* number or literal, or a separator inside a container */
            sc->pos++;
            while (sc->pos < sc->len && !strchr(",:]}\" \t\r\n{[", sc->s[sc->pos]))
                sc->pos++;
        }
        skip_ws(sc);
        while (depth > 0 && sc->pos < sc->len && (sc->s[sc->pos] == ',' || sc->s[sc->pos] == ':'))
            sc->pos++;
    } while (depth > 0);
    return 0;
}

/* The token is echoed verbatim, so it must be strict JSON even where cJSON
 * is lenient: no raw control characters in strings, no leading zeros. */
static enum rpc_id_kind classify_token(const char *t, size_t n)
{
    if (n > 0 && t[0] == '"') {
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)t[i] < 0x20)
                return RPC_ID_INVALID;
        return RPC_ID_STRING;
    }
    size_t i = (n > 0 && t[0] == '-') ? 1 : 0;
    if (i == n || (t[i] == '0' && i + 1 < n))
        return RPC_ID_INVALID;
    for (; i < n; i++)
        if (t[i] < '0' || t[i] > '9')
            return RPC_ID_INVALID;
    return RPC_ID_INTEGER;
}

enum rpc_id_kind rpc_scan_id(const char *json, size_t len, char *out, size_t outsz)
{
    scan sc = {json, len, 0};
    skip_ws(&sc);
    if (sc.pos >= sc.len || json[sc.pos] != '{')
        return RPC_ID_NONE;
    sc.pos++;
    for (;;) {
        skip_ws(&sc);
        if (sc.pos >= sc.len || json[sc.pos] == '}')
            return RPC_ID_NONE;
        char key[4];
        bool fits = true;
        if (scan_string(&sc, key, sizeof key, &fits) < 0)
            return RPC_ID_NONE;
        skip_ws(&sc);
        if (sc.pos >= sc.len || json[sc.pos] != ':')
            return RPC_ID_NONE;
        sc.pos++;
        skip_ws(&sc);
        size_t start = sc.pos;
        if (skip_value(&sc) < 0)
            return RPC_ID_NONE;
        if (fits && strcmp(key, "id") == 0) {
            size_t end = sc.pos;
            while (end > start && strchr(" \t\r\n", json[end - 1]))
                end--;
            enum rpc_id_kind kind = classify_token(json + start, end - start);
            if (kind == RPC_ID_INVALID)
                return kind;
            if (end - start >= outsz)
                return RPC_ID_INVALID;
            memcpy(out, json + start, end - start);
            out[end - start] = '\0';
            return kind;
        }
        skip_ws(&sc);
        if (sc.pos < sc.len && json[sc.pos] == ',')
            sc.pos++;
    }
}

bool rpc_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

/* Replaces every byte that is not part of a valid UTF-8 sequence with '?'.
 * Messages built with "%.200s" and the like can cut a character in two;
 * the protocol stream must stay valid UTF-8 whatever a string holds. Such
 * bytes are >= 0x80, never JSON syntax, so the replacement is safe. */
static void utf8_scrub(char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (n <= len - i && rpc_utf8_valid(s + i, n))
            i += n;
        else
            s[i++] = '?';
    }
}

int rpc_write(int fd, const cJSON *msg)
{
    char *text = cJSON_PrintUnformatted(msg);
    if (!text)
        return -1;
    size_t n = strlen(text);
    utf8_scrub(text, n);
    text[n] = '\0';
    /* One buffer with the newline so the line goes out in one write. */
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        return -1;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    size_t off = 0;
    int rc = 0;
    while (off < n + 1) {
        ssize_t w = write(fd, line + off, n + 1 - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    free(line);
    return rc;
}
