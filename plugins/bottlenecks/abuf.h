/* abuf.h - a growable text buffer for the analyzers' answers, with a byte
 * budget: ab_fits() tells whether a block still fits before it is added, so
 * an answer can stop at a whole entry and say what it left out. */
#ifndef SMCP_ABUF_H
#define SMCP_ABUF_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__)
#define AB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AB_PRINTF(a, b)
#endif

typedef struct abuf {
    char *s;
    size_t len, cap;
    bool oom;
} abuf;

void ab_init(abuf *b);
void ab_free(abuf *b);
void ab_puts(abuf *b, const char *s);
void ab_printf(abuf *b, const char *fmt, ...) AB_PRINTF(2, 3);
/* Drops everything after byte `len` (len <= b->len). */
void ab_truncate(abuf *b, size_t len);
/* "" when empty or out of memory; never NULL. */
const char *ab_str(const abuf *b);

/* Copies `s` into out (size outsz) and, when it is longer than `max` bytes,
 * cuts it at a UTF-8 boundary and ends it with "...". */
void ab_clip(const char *s, size_t max, char *out, size_t outsz);

#endif
