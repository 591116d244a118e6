/* srcline.c - one line of Python source (see srcline.h). */
#include "srcline.h"

#include <string.h>

bool srcline_is_ident_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (c & 0x80);
}

bool srcline_is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c & 0x80);
}

const char *srcline_skip_blanks(const char *s)
{
    if (!s)
        return "";
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

int srcline_indent(const char *s)
{
    int col = 0;
    for (; *s == ' ' || *s == '\t' || *s == '\f'; s++)
        col = *s == '\t' ? (col / 8 + 1) * 8 : (*s == '\f' ? 0 : col + 1);
    return col;
}

bool srcline_is_blank(const char *s)
{
    s = srcline_skip_blanks(s);
    return *s == '\0' || *s == '#' || *s == '\r';
}

bool srcline_starts_keyword(const char *s, const char *kw)
{
    s = srcline_skip_blanks(s);
    size_t n = strlen(kw);
    return strncmp(s, kw, n) == 0 && !srcline_is_ident_char((unsigned char)s[n]);
}

/* After an optional leading `async`. */
static const char *after_async(const char *s)
{
    s = srcline_skip_blanks(s);
    return srcline_starts_keyword(s, "async") ? srcline_skip_blanks(s + 5) : s;
}

bool srcline_is_loop_header(const char *s)
{
    if (!s)
        return false;
    s = after_async(s);
    return srcline_starts_keyword(s, "for") || srcline_starts_keyword(s, "while");
}

bool srcline_is_def(const char *s)
{
    return s && srcline_starts_keyword(after_async(s), "def");
}

bool srcline_is_import(const char *s)
{
    if (!s)
        return false;
    s = srcline_skip_blanks(s);
    return !strncmp(s, "import ", 7) || !strncmp(s, "from ", 5);
}

void srcline_clip(const char *s, size_t max, char *out, size_t outsz)
{
    text_clip(srcline_skip_blanks(s), max, out, outsz);
}

void srcline_put(textbuf *b, const char *s, size_t max)
{
    s = srcline_skip_blanks(s);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n <= max) {
        textbuf_putn(b, s, n);
        return;
    }
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    textbuf_putn(b, s, n);
    textbuf_puts(b, "...");
}
