/*
 * pysrc.h - what the bundled analyzers need to know about a profiled file's
 * Python source: the text of each line, its indentation, which lines continue
 * a statement, and from that the enclosing loops and function of a line.
 *
 * Used by the bottlenecks, leaks and comparator plugins (part of the
 * plugins/common/ library). It reads profiles only through the SDK's
 * api table, like any third-party analyzer.
 *
 * Where the text comes from (pysrc.origin):
 *  - PYSRC_PROFILE: the profile holds every line of the file (Scalene >= 1.5.17
 *    and 2.x record all lines), so its own snapshot of the source is used;
 *  - PYSRC_DISK: the profile is sparse (1.5.16 records only lines with data)
 *    and the file on disk (path, or cwd + path) still matches every line the
 *    profile recorded;
 *  - PYSRC_SPARSE: only the recorded lines are known: the enclosing loop of a
 *    line is unknown unless a recorded header shows it.
 */
#ifndef SMCP_PYSRC_H
#define SMCP_PYSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scalene_mcp.h"

typedef enum pysrc_origin { PYSRC_SPARSE = 0, PYSRC_DISK, PYSRC_PROFILE } pysrc_origin;

#define PYSRC_F_CONT 0x1u    /* continues the previous line's statement */
#define PYSRC_F_BLANK 0x2u   /* blank or comment only */
#define PYSRC_F_UNKNOWN 0x4u /* text not known (sparse) */

typedef struct pysrc {
    uint32_t n;        /* highest line number known */
    const char **text; /* text[lineno] (1-based, n + 1 entries); "" when unknown */
    int *indent;       /* indent[lineno] in columns (tabs to 8); -1 blank/unknown */
    uint8_t *flags;    /* PYSRC_F_* per line */
    pysrc_origin origin;
    char *buf; /* owned file text (PYSRC_DISK) */
} pysrc;

/* The enclosing context of a line. */
typedef struct pysrc_ctx {
    bool known;          /* false when the source is sparse and nothing was found */
    uint32_t stmt;       /* first line of the statement the line belongs to */
    uint32_t inner_loop; /* header of the innermost enclosing loop, 0 when none */
    uint32_t outer_loop; /* header of the outermost loop in the same function */
    uint32_t func_def;   /* the enclosing def line, 0 at module level */
    uint32_t func_end;   /* last line of that function's body (0 when unknown) */
    bool is_loop_header; /* the statement itself starts a loop (for/while) */
    bool inline_loop;    /* the line holds a comprehension or generator loop */
} pysrc_ctx;

/* Loads the source of file `file` of `p`. Never fails on missing data (falls
 * back to PYSRC_SPARSE); MCP_NOMEM on allocation failure. Free with
 * pysrc_free. Reads at most 16 MiB from disk. */
int pysrc_load(pysrc *s, const mcp_host_api *api, const mcp_profile *p, size_t file);
void pysrc_free(pysrc *s);

/* Per-file lazy loading: the source of file `file` in srcs[file], loaded
 * on first use (loaded[file] records it; a failed load leaves an empty,
 * sparse source). Both arrays hold one entry per file of `p`. */
const pysrc *pysrc_lazy(pysrc *srcs, bool *loaded, const mcp_host_api *api, const mcp_profile *p,
                        size_t file);

/* A complete source from `text` (lines separated by '\n'; copied), as if
 * read from disk. MCP_OK or MCP_NOMEM. For tools that get source elsewhere,
 * and for tests. */
int pysrc_from_text(pysrc *s, const char *text);

/* "" when unknown or out of range; never NULL. */
const char *pysrc_text(const pysrc *s, uint32_t lineno);

void pysrc_context(const pysrc *s, uint32_t lineno, pysrc_ctx *ctx);

/* Last line of the block that `header` opens (a def, for, ...); `header`
 * itself when nothing follows; 0 when unknown (sparse). */
uint32_t pysrc_block_end(const pysrc *s, uint32_t header);

/* The function enclosing `lineno` of file `file`: its name (Scalene's
 * function record when one starts at the def line, else the name on the def
 * line; "<module>" at module level) into out, and its def line into
 * *def_line (0 at module level; may be NULL). A def line belongs to its own
 * function. Uses Scalene's start_function_line (2.x), else the source
 * (`s`, may be NULL), else the nearest function record above an indented
 * line. */
void pysrc_function_of(const mcp_host_api *api, const mcp_profile *p, size_t file, const pysrc *s,
                       uint32_t lineno, char *out, size_t outsz, uint32_t *def_line);

/* The two halves of pysrc_function_of, for callers that cache names by def
 * line. pysrc_def_line returns UINT32_MAX when only Scalene's function
 * records can tell (sparse source): then call pysrc_function_of. */
uint32_t pysrc_def_line(const mcp_host_api *api, const mcp_profile *p, size_t file, const pysrc *s,
                        uint32_t lineno);
void pysrc_function_name(const mcp_host_api *api, const mcp_profile *p, size_t file, const pysrc *s,
                         uint32_t def, char *out, size_t outsz);

/* ---- single-line text helpers (no pysrc needed) ---- */

/* Copies `text` without its comment and with every string literal's content
 * removed (the quotes stay: `s += "abc"  # x` -> `s += ""`). *n_strings (may
 * be NULL) gets the number of string literals. A triple-quoted string left
 * open at the end of the line is closed. Leading and trailing blanks are
 * stripped. Always NUL-terminates (truncates to outsz - 1). */
void pysrc_code(const char *text, char *out, size_t outsz, int *n_strings);

/* Whitespace-normalized source for matching lines across runs: comment
 * removed, leading/trailing blanks stripped, every run of blanks outside
 * string literals collapsed to one space. */
void pysrc_normalize(const char *text, char *out, size_t outsz);

/* The name a def/class line defines ("busy" for "def busy(n):"), or false. */
bool pysrc_def_name(const char *text, char *out, size_t outsz);

/* True when `word` occurs in `code` as a whole word (identifier chars
 * around it are not [A-Za-z0-9_]); a word ending in '(' or '.' only needs
 * the boundary on its left. Returns the position or NULL. */
const char *pysrc_find_word(const char *code, const char *word);

/* The first keyword or identifier of a line ("for", "def", "total", ...). */
void pysrc_first_word(const char *text, char *out, size_t outsz);

/* True when the code (from pysrc_code) has a "for" inside brackets: a
 * comprehension or generator expression. */
bool pysrc_has_inline_loop(const char *code);

#endif
