/*
 * srcline.h - helpers for one line of Python source text: identifier and
 * keyword tests, indentation, statement kinds (loop header, def, import)
 * and clipping a line for an answer. No profile needed.
 */
#ifndef SMCP_SRCLINE_H
#define SMCP_SRCLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "textbuf.h"

/* [A-Za-z0-9_] or a byte of a non-ASCII (UTF-8) character. */
bool srcline_is_ident_char(int c);
/* [A-Za-z_] or a byte of a non-ASCII (UTF-8) character. */
bool srcline_is_ident_start(int c);

/* `s` after its leading spaces and tabs; "" for NULL. */
const char *srcline_skip_blanks(const char *s);
/* Indentation in columns: tabs to the next multiple of 8, a form feed
 * resets the column (as Python's tokenizer counts). */
int srcline_indent(const char *s);
/* Blank or comment only. */
bool srcline_is_blank(const char *s);

/* The line (after its indentation) starts with keyword `kw` as a whole
 * word (not followed by an identifier character). */
bool srcline_starts_keyword(const char *s, const char *kw);
/* A `for`/`while`/`async for` header; false for NULL. */
bool srcline_is_loop_header(const char *s);
/* A `def`/`async def` line; false for NULL. */
bool srcline_is_def(const char *s);
/* An `import ...`/`from ...` line; false for NULL. */
bool srcline_is_import(const char *s);

/* The line without its indentation into out, clipped to `max` bytes (see
 * text_clip). */
void srcline_clip(const char *s, size_t max, char *out, size_t outsz);
/* Appends the line without its indentation and trailing blanks, at most
 * `max` bytes (cut on a UTF-8 boundary and marked "..."). */
void srcline_put(textbuf *b, const char *s, size_t max);

#endif
