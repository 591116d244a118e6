/* pysrc.c - Python source context for the analyzers (see pysrc.h). */
#include "pysrc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srcline.h"

#define PYSRC_MAX_DISK (16u << 20)

/* Lexer state carried from one line to the next. */
typedef struct lexstate {
    int depth;      /* open brackets */
    char triple;    /* quote char of an open triple-quoted string, or 0 */
    bool backslash; /* the line ended with a backslash continuation */
} lexstate;

/* Is t[i] the start of a string literal (after an optional prefix)? Returns
 * the index of the opening quote, or -1. Prefixes: r, b, u, f and pairs. */
static long string_start(const char *t, long i)
{
    if (t[i] == '"' || t[i] == '\'')
        return i;
    if (i > 0 && srcline_is_ident_char((unsigned char)t[i - 1]))
        return -1;
    long j = i;
    for (int k = 0; k < 2 && t[j] && strchr("rRbBuUfF", t[j]); k++)
        j++;
    if (j > i && (t[j] == '"' || t[j] == '\''))
        return j;
    return -1;
}

/* Scans one line, updating `st`; returns true when the line (outside any
 * continuation) is blank or only a comment. */
static bool scan_line(const char *t, lexstate *st)
{
    bool cont = st->depth > 0 || st->triple || st->backslash;
    bool code_seen = cont;
    st->backslash = false;
    for (long i = 0; t[i]; i++) {
        char c = t[i];
        if (st->triple) {
            if (c == '\\' && t[i + 1]) {
                i++;
                continue;
            }
            if (c == st->triple && t[i + 1] == c && t[i + 2] == c) {
                st->triple = 0;
                i += 2;
            }
            continue;
        }
        if (c == '#')
            break;
        if (c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n')
            continue;
        code_seen = true;
        long q = string_start(t, i);
        if (q >= 0) {
            char qc = t[q];
            if (t[q + 1] == qc && t[q + 2] == qc) {
                st->triple = qc;
                i = q + 2;
                continue;
            }
            for (i = q + 1; t[i] && t[i] != qc; i++)
                if (t[i] == '\\' && t[i + 1])
                    i++;
            if (!t[i])
                i--; /* unterminated: stop at the end */
            continue;
        }
        if (c == '(' || c == '[' || c == '{')
            st->depth++;
        else if ((c == ')' || c == ']' || c == '}') && st->depth > 0)
            st->depth--;
        else if (c == '\\' && (t[i + 1] == '\0' || t[i + 1] == '\n' || t[i + 1] == '\r'))
            st->backslash = true;
    }
    return !code_seen;
}

static bool alloc_arrays(pysrc *s, uint32_t n)
{
    s->n = n;
    s->text = calloc((size_t)n + 2, sizeof *s->text);
    s->indent = calloc((size_t)n + 2, sizeof *s->indent);
    s->flags = calloc((size_t)n + 2, sizeof *s->flags);
    if (!s->text || !s->indent || !s->flags)
        return false;
    for (uint32_t i = 0; i <= n + 1; i++) {
        s->text[i] = "";
        s->indent[i] = -1;
        s->flags[i] = PYSRC_F_UNKNOWN;
    }
    return true;
}

/* Fills indent and flags from text[] for a complete source. */
static void analyze_full(pysrc *s)
{
    lexstate st = {0, 0, false};
    for (uint32_t i = 1; i <= s->n; i++) {
        bool cont = st.depth > 0 || st.triple || st.backslash;
        bool blank = scan_line(s->text[i], &st);
        s->flags[i] = (uint8_t)((cont ? PYSRC_F_CONT : 0) | (blank ? PYSRC_F_BLANK : 0));
        s->indent[i] = (cont || blank) ? -1 : srcline_indent(s->text[i]);
    }
}

/* Sparse: each known line on its own. */
static void analyze_sparse(pysrc *s)
{
    for (uint32_t i = 1; i <= s->n; i++) {
        if (s->flags[i] & PYSRC_F_UNKNOWN)
            continue;
        lexstate st = {0, 0, false};
        bool blank = scan_line(s->text[i], &st);
        s->flags[i] = blank ? PYSRC_F_BLANK : 0;
        s->indent[i] = blank ? -1 : srcline_indent(s->text[i]);
    }
}

static bool same_text(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la && isspace((unsigned char)a[la - 1]))
        la--;
    while (lb && isspace((unsigned char)b[lb - 1]))
        lb--;
    return la == lb && memcmp(a, b, la) == 0;
}

/* Reads the file and checks it against the recorded lines. */
static bool try_disk(pysrc *s, const mcp_host_api *api, const mcp_profile *p, size_t file)
{
    const mcp_prof_file *f = api->profile_file(p, file);
    const mcp_prof_summary *sum = api->profile_summary(p);
    if (!f || !f->path || !*f->path || f->path[0] == '<' || f->path[0] == '[')
        return false;
    char path[4096];
    if (f->path[0] == '/' || !sum->cwd || !*sum->cwd)
        snprintf(path, sizeof path, "%s", f->path);
    else
        snprintf(path, sizeof path, "%s/%s", sum->cwd, f->path);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    char *buf = malloc(PYSRC_MAX_DISK + 1);
    size_t len = buf ? fread(buf, 1, PYSRC_MAX_DISK, fp) : 0;
    bool too_big = buf && len == PYSRC_MAX_DISK && fgetc(fp) != EOF;
    fclose(fp);
    if (!buf || too_big) {
        free(buf);
        return false;
    }
    buf[len] = '\0';
    uint32_t nl = 0;
    for (size_t i = 0; i < len; i++)
        nl += buf[i] == '\n';
    if (len && buf[len - 1] != '\n')
        nl++;
    pysrc d = {0};
    if (!alloc_arrays(&d, nl)) {
        free(buf);
        pysrc_free(&d);
        return false;
    }
    d.buf = buf;
    char *q = buf;
    for (uint32_t i = 1; i <= nl && q; i++) {
        char *e = strchr(q, '\n');
        if (e)
            *e = '\0';
        d.text[i] = q;
        d.flags[i] = 0;
        q = e ? e + 1 : NULL;
    }
    /* every recorded line must match the file */
    for (size_t i = 0; i < f->n_lines; i++) {
        const mcp_prof_line *l = api->profile_line(p, file, i);
        if (!l || !l->source || !*l->source)
            continue;
        if (l->lineno > nl || !same_text(d.text[l->lineno], l->source)) {
            pysrc_free(&d);
            return false;
        }
    }
    pysrc_free(s);
    *s = d;
    s->origin = PYSRC_DISK;
    analyze_full(s);
    return true;
}

int pysrc_from_text(pysrc *s, const char *text)
{
    memset(s, 0, sizeof *s);
    size_t len = strlen(text);
    char *buf = malloc(len + 1);
    if (!buf)
        return MCP_NOMEM;
    memcpy(buf, text, len + 1);
    uint32_t nl = 0;
    for (size_t i = 0; i < len; i++)
        nl += buf[i] == '\n';
    if (len && buf[len - 1] != '\n')
        nl++;
    if (!alloc_arrays(s, nl)) {
        free(buf);
        pysrc_free(s);
        return MCP_NOMEM;
    }
    s->buf = buf;
    char *q = buf;
    for (uint32_t i = 1; i <= nl && q; i++) {
        char *e = strchr(q, '\n');
        if (e)
            *e = '\0';
        s->text[i] = q;
        s->flags[i] = 0;
        q = e ? e + 1 : NULL;
    }
    s->origin = PYSRC_DISK;
    analyze_full(s);
    return MCP_OK;
}

int pysrc_load(pysrc *s, const mcp_host_api *api, const mcp_profile *p, size_t file)
{
    memset(s, 0, sizeof *s);
    const mcp_prof_file *f = api->profile_file(p, file);
    if (!f)
        return alloc_arrays(s, 0) ? MCP_OK : MCP_NOMEM;
    uint32_t maxl = 0;
    bool contiguous = true;
    for (size_t i = 0; i < f->n_lines; i++) {
        const mcp_prof_line *l = api->profile_line(p, file, i);
        if (l->lineno > maxl)
            maxl = l->lineno;
        if (l->lineno != i + 1)
            contiguous = false;
    }
    if (!alloc_arrays(s, maxl)) {
        pysrc_free(s);
        return MCP_NOMEM;
    }
    for (size_t i = 0; i < f->n_lines; i++) {
        const mcp_prof_line *l = api->profile_line(p, file, i);
        s->text[l->lineno] = l->source ? l->source : "";
        s->flags[l->lineno] = 0;
    }
    if (contiguous && maxl > 0) {
        s->origin = PYSRC_PROFILE;
        analyze_full(s);
        return MCP_OK;
    }
    if (try_disk(s, api, p, file))
        return MCP_OK;
    s->origin = PYSRC_SPARSE;
    analyze_sparse(s);
    return MCP_OK;
}

const pysrc *pysrc_lazy(pysrc *srcs, bool *loaded, const mcp_host_api *api, const mcp_profile *p,
                        size_t file)
{
    if (!loaded[file]) {
        loaded[file] = true;
        if (pysrc_load(&srcs[file], api, p, file) != MCP_OK)
            memset(&srcs[file], 0, sizeof srcs[file]);
    }
    return &srcs[file];
}

void pysrc_free(pysrc *s)
{
    free(s->text);
    free(s->indent);
    free(s->flags);
    free(s->buf);
    memset(s, 0, sizeof *s);
}

const char *pysrc_text(const pysrc *s, uint32_t lineno)
{
    if (!s->text || lineno == 0 || lineno > s->n)
        return "";
    return s->text[lineno];
}

static bool is_def_kw(const char *t)
{
    return srcline_starts_keyword(t, "def") || srcline_starts_keyword(t, "class") ||
           (srcline_starts_keyword(t, "async") && strstr(t, "def") != NULL);
}

static bool is_class_kw(const char *t)
{
    return srcline_starts_keyword(t, "class");
}

static uint32_t stmt_start(const pysrc *s, uint32_t l)
{
    while (l > 1 && (s->flags[l] & PYSRC_F_CONT))
        l--;
    return l;
}

uint32_t pysrc_block_end(const pysrc *s, uint32_t header)
{
    if (header == 0 || header > s->n || s->origin == PYSRC_SPARSE)
        return 0;
    int ind = s->indent[header];
    if (ind < 0)
        return 0;
    uint32_t last = header;
    for (uint32_t k = header + 1; k <= s->n; k++) {
        if (s->flags[k] & (PYSRC_F_BLANK | PYSRC_F_UNKNOWN))
            continue;
        if (s->flags[k] & PYSRC_F_CONT) {
            last = k;
            continue;
        }
        if (s->indent[k] <= ind)
            break;
        last = k;
    }
    return last;
}

void pysrc_context(const pysrc *s, uint32_t lineno, pysrc_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    if (!s->text || lineno == 0 || lineno > s->n || (s->flags[lineno] & PYSRC_F_UNKNOWN)) {
        ctx->stmt = lineno;
        return;
    }
    uint32_t l0 = s->origin == PYSRC_SPARSE ? lineno : stmt_start(s, lineno);
    ctx->stmt = l0;
    char code[1024];
    pysrc_code(s->text[lineno], code, sizeof code, NULL);
    ctx->inline_loop = pysrc_has_inline_loop(code);
    ctx->is_loop_header = srcline_is_loop_header(s->text[l0]);
    int ind = s->indent[l0];
    bool full = s->origin != PYSRC_SPARSE;
    if (ind < 0) {
        ctx->known = full;
        return;
    }
    bool stopped = false;
    for (uint32_t k = l0; k-- > 1 && ind > 0;) {
        if (s->flags[k] & (PYSRC_F_BLANK | PYSRC_F_UNKNOWN | PYSRC_F_CONT))
            continue;
        if (s->indent[k] >= ind)
            continue;
        ind = s->indent[k];
        const char *t = s->text[k];
        if (srcline_is_loop_header(t)) {
            if (!ctx->inner_loop)
                ctx->inner_loop = k;
            ctx->outer_loop = k;
        } else if (is_def_kw(t)) {
            if (!is_class_kw(t)) {
                ctx->func_def = k;
                ctx->func_end = pysrc_block_end(s, k);
            }
            stopped = true;
            break;
        }
    }
    /* a full source tells the whole story; a sparse one only when it showed
     * an enclosing header */
    ctx->known = full || ctx->inner_loop || stopped;
}

static void copy_name(char *out, size_t outsz, const char *name)
{
    if (outsz)
        snprintf(out, outsz, "%s", name);
}

uint32_t pysrc_def_line(const mcp_host_api *api, const mcp_profile *p, size_t file, const pysrc *s,
                        uint32_t lineno)
{
    const mcp_prof_line *l = api->profile_find_line(p, file, lineno);
    const char *text = l ? l->source : (s ? pysrc_text(s, lineno) : "");
    if (is_def_kw(text) && !is_class_kw(text))
        return lineno;
    if (l && l->func_start > 0)
        return l->func_start;
    if (s && s->origin != PYSRC_SPARSE) {
        pysrc_ctx ctx;
        pysrc_context(s, lineno, &ctx);
        return ctx.func_def;
    }
    if (text[0] != ' ' && text[0] != '\t')
        return 0; /* not indented: module level */
    return UINT32_MAX;
}

void pysrc_function_name(const mcp_host_api *api, const mcp_profile *p, size_t file, const pysrc *s,
                         uint32_t def, char *out, size_t outsz)
{
    const mcp_prof_file *f = api->profile_file(p, file);
    if (def == 0) {
        copy_name(out, outsz, "<module>");
        return;
    }
    for (size_t i = 0; f && i < f->n_functions; i++) {
        const mcp_prof_function *fn = api->profile_function(p, file, i);
        if (fn->first_line == def && fn->name && *fn->name) {
            copy_name(out, outsz, fn->name);
            return;
        }
    }
    const mcp_prof_line *dl = api->profile_find_line(p, file, def);
    const char *dt = dl ? dl->source : (s ? pysrc_text(s, def) : "");
    if (!pysrc_def_name(dt, out, outsz)) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "<function at line %u>", def);
        copy_name(out, outsz, tmp);
    }
}

void pysrc_function_of(const mcp_host_api *api, const mcp_profile *p, size_t file, const pysrc *s,
                       uint32_t lineno, char *out, size_t outsz, uint32_t *def_line)
{
    uint32_t def = pysrc_def_line(api, p, file, s, lineno);
    if (def == UINT32_MAX) {
        /* sparse: the nearest function record starting above the line */
        const mcp_prof_file *f = api->profile_file(p, file);
        uint32_t best = 0;
        const char *name = NULL;
        for (size_t i = 0; f && i < f->n_functions; i++) {
            const mcp_prof_function *fn = api->profile_function(p, file, i);
            if (fn->first_line <= lineno && fn->first_line > best &&
                (fn->last_line == 0 || fn->last_line >= lineno)) {
                best = fn->first_line;
                name = fn->name;
            }
        }
        if (def_line)
            *def_line = best;
        if (name && *name)
            copy_name(out, outsz, name);
        else
            copy_name(out, outsz, best ? "<function>" : "<module>");
        return;
    }
    if (def_line)
        *def_line = def;
    pysrc_function_name(api, p, file, s, def, out, outsz);
}

/* ---- single-line helpers ---- */

void pysrc_code(const char *text, char *out, size_t outsz, int *n_strings)
{
    size_t o = 0;
    int ns = 0;
    if (!outsz)
        return;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o + 1 < outsz)                                                                         \
            out[o++] = (ch);                                                                       \
    } while (0)
    const char *t = text ? text : "";
    while (*t == ' ' || *t == '\t')
        t++;
    for (long i = 0; t[i]; i++) {
        char c = t[i];
        if (c == '#')
            break;
        long q = string_start(t, i);
        if (q >= 0) {
            char qc = t[q];
            ns++;
            for (long k = i; k <= q; k++)
                PUT(t[k]);
            bool triple = t[q + 1] == qc && t[q + 2] == qc;
            long j = q + (triple ? 3 : 1);
            for (; t[j]; j++) {
                if (t[j] == '\\' && t[j + 1]) {
                    j++;
                    continue;
                }
                if (t[j] == qc && (!triple || (t[j + 1] == qc && t[j + 2] == qc)))
                    break;
            }
            PUT(qc);
            if (!t[j])
                break;
            i = j + (triple ? 2 : 0);
            continue;
        }
        if (c == '\n' || c == '\r')
            c = ' ';
        PUT(c);
    }
    while (o > 0 && isspace((unsigned char)out[o - 1]))
        o--;
    out[o] = '\0';
    if (n_strings)
        *n_strings = ns;
#undef PUT
}

void pysrc_normalize(const char *text, char *out, size_t outsz)
{
    size_t o = 0;
    if (!outsz)
        return;
    const char *t = text ? text : "";
    bool space = false;
    for (long i = 0; t[i]; i++) {
        char c = t[i];
        if (c == '#')
            break;
        long q = string_start(t, i);
        if (q >= 0) {
            if (space && o > 0 && o + 1 < outsz)
                out[o++] = ' ';
            space = false;
            char qc = t[q];
            bool triple = t[q + 1] == qc && t[q + 2] == qc;
            long j = q + (triple ? 3 : 1);
            for (; t[j]; j++) {
                if (t[j] == '\\' && t[j + 1]) {
                    j++;
                    continue;
                }
                if (t[j] == qc && (!triple || (t[j + 1] == qc && t[j + 2] == qc)))
                    break;
            }
            long end = t[j] ? j + (triple ? 2 : 0) : j - 1;
            for (long k = i; k <= end && t[k]; k++)
                if (o + 1 < outsz)
                    out[o++] = t[k];
            if (!t[j])
                break;
            i = end;
            continue;
        }
        if (isspace((unsigned char)c)) {
            space = true;
            continue;
        }
        if (space && o > 0 && o + 1 < outsz)
            out[o++] = ' ';
        space = false;
        if (o + 1 < outsz)
            out[o++] = c;
    }
    out[o] = '\0';
}

bool pysrc_def_name(const char *text, char *out, size_t outsz)
{
    const char *t = text ? text : "";
    while (*t == ' ' || *t == '\t')
        t++;
    if (srcline_starts_keyword(t, "async"))
        for (t += 5; *t == ' ' || *t == '\t'; t++)
            ;
    if (srcline_starts_keyword(t, "def"))
        t += 3;
    else if (srcline_starts_keyword(t, "class"))
        t += 5;
    else
        return false;
    while (*t == ' ' || *t == '\t')
        t++;
    size_t n = 0;
    while (srcline_is_ident_char((unsigned char)t[n]))
        n++;
    if (!n || !outsz)
        return false;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, t, n);
    out[n] = '\0';
    return true;
}

const char *pysrc_find_word(const char *code, const char *word)
{
    size_t wl = strlen(word);
    if (!wl)
        return NULL;
    bool open_end = word[wl - 1] == '(' || word[wl - 1] == '.';
    bool open_start = word[0] == '.';
    for (const char *p = strstr(code, word); p; p = strstr(p + 1, word)) {
        if (!open_start && p > code &&
            (srcline_is_ident_char((unsigned char)p[-1]) || p[-1] == '.'))
            continue;
        if (!open_end && srcline_is_ident_char((unsigned char)p[wl]))
            continue;
        return p;
    }
    return NULL;
}

void pysrc_first_word(const char *text, char *out, size_t outsz)
{
    const char *t = text ? text : "";
    while (*t == ' ' || *t == '\t')
        t++;
    size_t n = 0;
    while (srcline_is_ident_char((unsigned char)t[n]))
        n++;
    if (!outsz)
        return;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, t, n);
    out[n] = '\0';
}

bool pysrc_has_inline_loop(const char *code)
{
    int depth = 0;
    for (const char *p = code; *p; p++) {
        if (*p == '(' || *p == '[' || *p == '{')
            depth++;
        else if ((*p == ')' || *p == ']' || *p == '}') && depth > 0)
            depth--;
        else if (depth > 0 && p[0] == 'f' && p[1] == 'o' && p[2] == 'r' &&
                 (p == code || !srcline_is_ident_char((unsigned char)p[-1])) &&
                 !srcline_is_ident_char((unsigned char)p[3]))
            return true;
    }
    return false;
}
