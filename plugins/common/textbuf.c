/* textbuf.c - growable text buffer (see textbuf.h). */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void textbuf_init(textbuf *b)
{
    memset(b, 0, sizeof *b);
}

void textbuf_free(textbuf *b)
{
    free(b->s);
    textbuf_init(b);
}

static bool grow(textbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void textbuf_putn(textbuf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void textbuf_puts(textbuf *b, const char *s)
{
    textbuf_putn(b, s, strlen(s));
}

void textbuf_printf(textbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    /* ap was started just above (clang 14 analyzer false positive) */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        textbuf_putn(b, small, (size_t)n);
        return;
    }
    if (!grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void textbuf_cut(textbuf *b, size_t len)
{
    if (b->s && len < b->len) {
        b->len = len;
        b->s[len] = '\0';
    }
}

const char *textbuf_str(const textbuf *b)
{
    return b->s && !b->oom ? b->s : "";
}

void text_clip(const char *s, size_t max, char *out, size_t outsz)
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
    if (outsz < 4) { /* no room for the "..." */
        out[0] = '\0';
        return;
    }
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(out, s, cut);
    memcpy(out + cut, "...", 4);
}
