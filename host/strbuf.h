/* strbuf.h - a growable string for building tool text. */
#ifndef SMCP_STRBUF_H
#define SMCP_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "scalene_mcp.h"

typedef struct strbuf {
    char *s; /* NUL-terminated; owned */
    size_t len, cap;
    bool oom; /* an append failed: the text is incomplete */
} strbuf;

void sb_init(strbuf *b);
void sb_free(strbuf *b);
void sb_printf(strbuf *b, const char *fmt, ...) MCP_PRINTF(2, 3);
void sb_puts(strbuf *b, const char *s);
/* Hands the string to the caller (free()); the buffer is reset. */
char *sb_take(strbuf *b);

#endif
