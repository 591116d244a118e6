/* textbuf.h - a growable text buffer for the bundled plugins' answers.
 *
 * An answer with a byte budget is built entry by entry: write an entry into
 * its own buffer, check that it still fits, then append it (or cut back with
 * textbuf_cut) so that an answer stops at a whole entry and can say what it
 * left out. Out of memory makes the buffer sticky-failed (oom set, further
 * writes ignored, textbuf_str "").
 */
#ifndef SMCP_TEXTBUF_H
#define SMCP_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "scalene_mcp.h"

typedef struct textbuf {
    char *s; /* NUL-terminated after any write */
    size_t len, cap;
    bool oom;
} textbuf;

void textbuf_init(textbuf *b);
void textbuf_free(textbuf *b);
void textbuf_puts(textbuf *b, const char *s);
void textbuf_putn(textbuf *b, const char *s, size_t n);
void textbuf_printf(textbuf *b, const char *fmt, ...) MCP_PRINTF(2, 3);
/* Cuts the buffer back to `len` bytes (no-op when len >= b->len). */
void textbuf_cut(textbuf *b, size_t len);
/* "" when nothing was written or out of memory; never NULL. */
const char *textbuf_str(const textbuf *b);

/* Copies `s` (NULL reads as "") into out (size outsz) and, when it is longer
 * than `max` bytes, cuts it at a UTF-8 boundary and ends it with "...". */
void text_clip(const char *s, size_t max, char *out, size_t outsz);

#endif
