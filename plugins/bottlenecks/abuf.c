/* abuf.c - growable text buffer (see abuf.h). */
#include "abuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ab_init(abuf *b)
{
    memset(b, 0, sizeof *b);
}

void ab_free(abuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static bool ab_reserve(abuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *n = realloc(b->s, cap);
    if (!n) {
        b->oom = true;
        return false;
    }
    b->s = n;
    b->cap = cap;
    return true;
}

void ab_puts(abuf *b, const char *s)
{
    size_t n = strlen(s);
    if (!ab_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void ab_printf(abuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !ab_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ab_truncate(abuf *b, size_t len)
{
    if (b->s && len < b->len) {
        b->len = len;
        b->s[len] = '\0';
    }
}

const char *ab_str(const abuf *b)
{
    return b->s && !b->oom ? b->s : "";
}

void ab_clip(const char *s, size_t max, char *out, size_t outsz)
{
    if (!outsz)
        return;
    s = s ? s : "";
    size_t n = strlen(s);
    if (max + 4 > outsz)
        max = outsz > 4 ? outsz - 4 : 0;
    if (n <= max) {
        memcpy(out, s, n + 1);
        return;
    }
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(out, s, cut);
    memcpy(out + cut, "...", 4);
}
