/*
 * leaks.c - the "leaks" analyzer: get_memory_leaks and its analyze_profile
 * section.
 *
 * Scalene's leak map is a hint, not an answer: it lists lines whose sampled
 * allocations were rarely seen freed, and it includes buffers that are freed
 * at return (reference scalene.md section 12). Each candidate line (in the map, or
 * allocating a large share) is scored on evidence:
 *
 *   +2  in Scalene's leak map (likelihood >= 0.95)
 *   +2  retained: the footprint kept >= 50% of what the line (and lines
 *       allocating in the same window) allocated; +1 for >= 20%;
 *       -3 below 10% (memory came back after its allocations)
 *   +1  the footprint rose steadily while the line allocated (>= 3 samples,
 *       >= 80% of steps up, positive least-squares slope)
 *   +1  the program never gave the memory back (growth_rate >= 1% and the
 *       timeline did not return to baseline); -2 when it did
 *   +1  the line made >= 25% of all allocation
 *   +1  the source stores into a container, attribute or global
 *   -2  the source binds a local that the function never returns or stores
 *       (freed at return); the confidence is then at most low
 *
 * Confidence: >= 5 high, 3-4 medium, 1-2 low; <= 0 the line is dismissed
 * (listed only when Scalene's map had it). docs/analyzers.md documents it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"
#include "plugin_args.h"
#include "pysrc.h"
#include "srcline.h"
#include "scalene_mcp.h"

static const mcp_host_api *api;

#define DEFAULT_TOP_N 10
#define DEFAULT_MAX_BYTES 6000
#define SECTION_TOP_N 5
#define MAX_CANDIDATES 200
#define CAND_MIN_MB 10.0
#define CAND_MIN_SHARE 0.05

enum { CONF_HIGH = 0, CONF_MEDIUM, CONF_LOW, CONF_NONE };
static const char *const conf_names[] = {"high", "medium", "low", "none"};

enum store_kind { STORE_NONE = 0, STORE_SUBSCRIPT, STORE_METHOD, STORE_ATTRIBUTE, STORE_GLOBAL };

typedef struct cand {
    size_t file;
    uint32_t line;
    const mcp_prof_line *l; /* NULL when the profile has no record */
    bool in_map;
    double likelihood, velocity;
    double malloc_mb, share;
    size_t n_samples;
    double t0, t1, slope, r2, mono;
    double retained, group_malloc, ratio; /* ratio < 0: unknown */
    double kept_mb;                       /* what the footprint kept of group_malloc */
    int score, conf;
    enum store_kind store;
    char holder[64]; /* container / attribute / global name */
    bool local_transient;
    char local_name[64];
    uint32_t suggested_by; /* a sibling of this map line */
    uint32_t window_peers[4];
    int n_peers;
    char function[128];
    textbuf why;
} cand;

typedef struct timeline {
    size_t n;
    const mcp_sample *s;
    double start, peak, end, slope, r2, mono;
    double net_growth_mb, total_alloc_mb, growth_rate;
    bool returned;
    bool fitted;
} timeline;

typedef struct leakan {
    const mcp_profile *p;
    const mcp_prof_summary *sum;
    timeline tl;
    cand *c;
    size_t n, cap;
    size_t n_map; /* lines in Scalene's map */
    pysrc *srcs;
    bool *loaded;
} leakan;

/* ------------------------------------------------------------------ */
/* Timeline                                                             */
/* ------------------------------------------------------------------ */

/* Least squares of mb over t_sec: slope (MB/s) and r2 (0..1; 0 when the
 * points do not determine a line). Returns false with fewer than 2 points
 * or no time spread. */
static bool fit_line(const mcp_sample *s, size_t n, double *slope, double *r2)
{
    *slope = 0;
    *r2 = 0;
    if (n < 2)
        return false;
    double mt = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mt += s[i].t_sec;
        my += s[i].mb;
    }
    mt /= (double)n;
    my /= (double)n;
    double stt = 0, sty = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dt = s[i].t_sec - mt, dy = s[i].mb - my;
        stt += dt * dt;
        sty += dt * dy;
        syy += dy * dy;
    }
    if (stt <= 1e-12)
        return false;
    *slope = sty / stt;
    *r2 = syy > 1e-12 ? (sty * sty) / (stt * syy) : 0;
    if (!isfinite(*slope))
        *slope = 0;
    if (!isfinite(*r2))
        *r2 = 0;
    return true;
}

/* Share of consecutive steps that do not go down by more than `tol` MB. */
static double monotonic_share(const mcp_sample *s, size_t n, double tol)
{
    if (n < 2)
        return 0;
    size_t up = 0;
    for (size_t i = 1; i < n; i++)
        if (s[i].mb - s[i - 1].mb >= -tol)
            up++;
    return (double)up / (double)(n - 1);
}

static void timeline_read(leakan *a)
{
    timeline *t = &a->tl;
    const mcp_prof_summary *s = a->sum;
    memset(t, 0, sizeof *t);
    t->n = s->n_samples;
    t->s = s->samples;
    t->growth_rate = s->growth_rate;
    for (size_t fi = 0; fi < s->n_files; fi++) {
        const mcp_prof_file *f = api->profile_file(a->p, fi);
        for (size_t i = 0; i < f->n_lines; i++)
            t->total_alloc_mb += api->profile_line(a->p, fi, i)->m.malloc_mb;
    }
    t->net_growth_mb = s->growth_rate / 100.0 * t->total_alloc_mb;
    if (t->n) {
        t->start = t->s[0].mb;
        t->end = t->s[t->n - 1].mb;
        t->peak = t->s[0].mb;
        for (size_t i = 0; i < t->n; i++)
            t->peak = fmax(t->peak, t->s[i].mb);
        t->fitted = fit_line(t->s, t->n, &t->slope, &t->r2);
        t->mono = monotonic_share(t->s, t->n, 0.01 * (t->peak - t->start) + 0.5);
    }
    /* Scalene keeps at most 100 timeline points and may drop the early
     * ones: the baseline is the lowest footprint seen, in the timeline or
     * any line's samples, before the peak */
    double t_peak = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->s[i].mb >= t->peak) {
            t_peak = t->s[i].t_sec;
            break;
        }
    for (size_t fi = 0; t->n && fi < s->n_files; fi++) {
        const mcp_prof_file *f = api->profile_file(a->p, fi);
        for (size_t i = 0; i < f->n_lines; i++) {
            const mcp_prof_line *l = api->profile_line(a->p, fi, i);
            for (size_t k = 0; k < l->n_memory_samples; k++)
                if (l->memory_samples[k].t_sec < t_peak && l->memory_samples[k].mb < t->start)
                    t->start = l->memory_samples[k].mb;
        }
    }
    if (s->max_footprint_mb > t->peak)
        t->peak = s->max_footprint_mb;
    double range = t->peak - t->start;
    bool tl_back = t->n >= 2 && range > 1 && t->end - t->start <= 0.1 * range;
    t->returned = s->growth_rate < 1.0 || tl_back;
}

/* Footprint just before t (last sample strictly before it); -1 when none. */
static double before(const timeline *t, double at)
{
    double v = -1;
    for (size_t i = 0; i < t->n && t->s[i].t_sec < at; i++)
        v = t->s[i].mb;
    return v;
}

/* ------------------------------------------------------------------ */
/* Source evidence                                                      */
/* ------------------------------------------------------------------ */

/* name at p: identifier chars and dots; its length */
static size_t dotted(const char *p)
{
    size_t n = 0;
    while (srcline_is_ident_char((unsigned char)p[n]) || (p[n] == '.' && n > 0))
        n++;
    return n;
}

static const char *const keep_methods[] = {".append(",     ".extend(", ".add(",        ".insert(",
                                           ".setdefault(", ".update(", ".appendleft(", ".put(",
                                           ".push(",       NULL};

/* What a line does with what it makes. */
static enum store_kind store_of(const char *code, char *holder, size_t hsz)
{
    holder[0] = '\0';
    const char *p = srcline_skip_blanks(code);
    size_t n = dotted(p);
    if (n && p[n] == '[') {
        /* NAME[...] = value */
        int depth = 0;
        const char *q = p + n;
        for (; *q; q++) {
            if (*q == '[')
                depth++;
            else if (*q == ']' && --depth == 0)
                break;
        }
        if (*q == ']') {
            q = srcline_skip_blanks(q + 1);
            if ((q[0] == '=' && q[1] != '=') || (q[0] == '+' && q[1] == '=')) {
                snprintf(holder, hsz, "%.*s[...]", (int)(n < 48 ? n : 48), p);
                return STORE_SUBSCRIPT;
            }
        }
    }
    for (int i = 0; keep_methods[i]; i++) {
        const char *w = pysrc_find_word(code, keep_methods[i]);
        if (w) {
            const char *b = w;
            while (b > code && (srcline_is_ident_char((unsigned char)b[-1]) || b[-1] == '.'))
                b--;
            snprintf(holder, hsz, "%.*s", (int)((w - b) < 48 ? (w - b) : 48), b);
            return STORE_METHOD;
        }
    }
    if (n && memchr(p, '.', n)) {
        const char *q = srcline_skip_blanks(p + n);
        if (q[0] == '=' && q[1] != '=') {
            snprintf(holder, hsz, "%.*s", (int)(n < 48 ? n : 48), p);
            return STORE_ATTRIBUTE;
        }
    }
    return STORE_NONE;
}

/* `NAME = ...` with a plain NAME: its name, else false. */
static bool local_assign(const char *code, char *name, size_t nsz)
{
    const char *p = srcline_skip_blanks(code);
    size_t n = 0;
    while (srcline_is_ident_char((unsigned char)p[n]))
        n++;
    if (!n || n >= nsz || (p[0] >= '0' && p[0] <= '9'))
        return false;
    const char *q = srcline_skip_blanks(p + n);
    if (q[0] == ':') { /* annotated */
        q = strchr(q, '=');
        if (!q)
            return false;
    }
    if (q[0] != '=' || q[1] == '=')
        return false;
    memcpy(name, p, n);
    name[n] = '\0';
    return true;
}

/* True when `name` escapes the function in line `code`: returned, yielded,
 * stored into a container or attribute, assigned elsewhere, or declared
 * global/nonlocal. */
static bool escapes_in(const char *code, const char *name)
{
    size_t nl = strlen(name);
    const char *c = srcline_skip_blanks(code);
    if ((!strncmp(c, "global ", 7) || !strncmp(c, "nonlocal ", 9)) && pysrc_find_word(c, name))
        return true;
    for (const char *w = pysrc_find_word(c, name); w; w = pysrc_find_word(w + nl, name)) {
        const char *after = srcline_skip_blanks(w + nl);
        bool whole =
            *after == '\0' || *after == ',' || *after == ')' || *after == ']' || *after == '}';
        /* what precedes it */
        const char *b = w;
        while (b > c && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (whole && b - c >= 6 && !strncmp(b - 6, "return", 6) &&
            (b - 6 == c || !srcline_is_ident_char((unsigned char)b[-7])))
            return true;
        if (whole && b - c >= 5 && !strncmp(b - 5, "yield", 5))
            return true;
        if (whole && b > c && b[-1] == '=' && (b - 1 == c || b[-2] != '=')) {
            /* x = NAME, obj.a = NAME, d[k] = NAME (but not NAME = NAME) */
            return true;
        }
        if (whole && b > c && (b[-1] == '(' || b[-1] == ',')) {
            for (int i = 0; keep_methods[i]; i++)
                if (pysrc_find_word(c, keep_methods[i]))
                    return true;
            if (b[-1] == '(' && b - c >= 1 &&
                (b - 1 == c || !srcline_is_ident_char((unsigned char)b[-2])))
                return true; /* a tuple/returned expression such as (NAME, x) */
        }
        if (whole && b > c && b[-1] == '[')
            return true; /* [NAME, ...] list display: escapes with it */
    }
    return false;
}

static const pysrc *src_of(leakan *a, size_t file)
{
    return pysrc_lazy(a->srcs, a->loaded, api, a->p, file);
}

static void source_evidence(leakan *a, cand *c)
{
    const pysrc *src = src_of(a, c->file);
    const char *text = c->l ? c->l->source : pysrc_text(src, c->line);
    char code[1024];
    pysrc_code(text, code, sizeof code, NULL);
    c->store = store_of(code, c->holder, sizeof c->holder);
    pysrc_ctx ctx;
    pysrc_context(src, c->line, &ctx);
    char name[64];
    if (c->store == STORE_NONE && ctx.func_def && ctx.func_end > c->line &&
        local_assign(code, name, sizeof name)) {
        bool esc = false;
        for (uint32_t k = ctx.func_def + 1; k <= ctx.func_end && !esc; k++) {
            if (k == c->line || (src->flags[k] & (PYSRC_F_BLANK | PYSRC_F_UNKNOWN)))
                continue;
            char kc[1024];
            pysrc_code(src->text[k], kc, sizeof kc, NULL);
            esc = (k > c->line || !strncmp(srcline_skip_blanks(kc), "global", 6) ||
                   !strncmp(srcline_skip_blanks(kc), "nonlocal", 8)) &&
                  escapes_in(kc, name);
        }
        if (!esc) {
            c->local_transient = true;
            snprintf(c->local_name, sizeof c->local_name, "%s", name);
        }
    } else if (c->store == STORE_NONE && ctx.func_def == 0 &&
               local_assign(code, name, sizeof name) &&
               (src->origin != PYSRC_SPARSE || (text[0] != ' ' && text[0] != '\t'))) {
        c->store = STORE_GLOBAL;
        snprintf(c->holder, sizeof c->holder, "%s", name);
    }
}

/* ------------------------------------------------------------------ */
/* Candidates                                                           */
/* ------------------------------------------------------------------ */

static cand *add_cand(leakan *a, size_t file, uint32_t line)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->c[i].file == file && a->c[i].line == line)
            return &a->c[i];
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        cand *n = realloc(a->c, cap * sizeof *n);
        if (!n)
            return NULL;
        a->c = n;
        a->cap = cap;
    }
    cand *c = &a->c[a->n++];
    memset(c, 0, sizeof *c);
    c->file = file;
    c->line = line;
    c->ratio = -1;
    textbuf_init(&c->why);
    c->l = api->profile_find_line(a->p, file, line);
    if (c->l) {
        c->malloc_mb = c->l->m.malloc_mb;
        c->n_samples = c->l->n_memory_samples;
    }
    c->share = a->tl.total_alloc_mb > 0 ? c->malloc_mb / a->tl.total_alloc_mb : 0;
    return c;
}

typedef struct mb_idx {
    double mb;
    size_t file;
    uint32_t line;
} mb_idx;

static int mb_cmp(const void *x, const void *y)
{
    const mb_idx *a = x, *b = y;
    return a->mb > b->mb ? -1 : (a->mb < b->mb);
}

static int collect(leakan *a)
{
    const mcp_prof_summary *s = a->sum;
    for (size_t fi = 0; fi < s->n_files; fi++) {
        const mcp_prof_file *f = api->profile_file(a->p, fi);
        for (size_t i = 0; i < f->n_leaks; i++) {
            const mcp_prof_leak *lk = api->profile_leak(a->p, fi, i);
            cand *c = add_cand(a, fi, lk->lineno);
            if (!c)
                return MCP_NOMEM;
            c->in_map = true;
            c->likelihood = lk->likelihood;
            c->velocity = lk->velocity_mb_s;
            a->n_map++;
        }
    }
    /* the largest allocators */
    double floor_mb = fmax(CAND_MIN_MB, CAND_MIN_SHARE * a->tl.total_alloc_mb);
    size_t nb = 0, capb = 0;
    mb_idx *big = NULL;
    for (size_t fi = 0; fi < s->n_files; fi++) {
        const mcp_prof_file *f = api->profile_file(a->p, fi);
        for (size_t i = 0; i < f->n_lines; i++) {
            const mcp_prof_line *l = api->profile_line(a->p, fi, i);
            if (l->m.malloc_mb < floor_mb)
                continue;
            if (nb == capb) {
                capb = capb ? capb * 2 : 32;
                mb_idx *n = realloc(big, capb * sizeof *n);
                if (!n) {
                    free(big);
                    return MCP_NOMEM;
                }
                big = n;
            }
            big[nb++] = (mb_idx){l->m.malloc_mb, fi, l->lineno};
        }
    }
    if (nb) /* qsort(NULL, 0, ...) is undefined */
        qsort(big, nb, sizeof *big, mb_cmp);
    for (size_t i = 0; i < nb && a->n < MAX_CANDIDATES; i++)
        if (!add_cand(a, big[i].file, big[i].line)) {
            free(big);
            return MCP_NOMEM;
        }
    free(big);
    return MCP_OK;
}

/* Share of a line's sampled allocations made after time `at`. */
static double frac_after(const cand *c, double at)
{
    if (!c->l || !c->n_samples)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < c->n_samples; i++)
        k += c->l->memory_samples[i].t_sec > at;
    return (double)k / (double)c->n_samples;
}

/*
 * How much of a line's allocation the footprint kept. Frees show up in
 * Scalene's timeline late and in bulk (2.x records a big buffer's release
 * at a later sample), so "footprint after minus before" is unreliable when
 * another line frees memory meanwhile. Instead: find the footprint's lowest
 * point t_m from the line's first allocation to the end; whatever the line
 * allocated before t_m was (at least partly) given back, and of what it and
 * the other candidates allocated after t_m, the footprint kept
 * F(end) - F(t_m) (never more than the program's net growth):
 *
 *   ratio = after_share x min(1, (F(end) - F(t_m)) / allocated after t_m)
 */
static void windows(leakan *a)
{
    const timeline *t = &a->tl;
    for (size_t i = 0; i < a->n; i++) {
        cand *c = &a->c[i];
        if (!c->l || !c->n_samples)
            continue;
        const mcp_sample *ms = c->l->memory_samples;
        c->t0 = c->t1 = ms[0].t_sec;
        double lo = ms[0].mb, hi = ms[0].mb;
        for (size_t k = 0; k < c->n_samples; k++) {
            c->t0 = fmin(c->t0, ms[k].t_sec);
            c->t1 = fmax(c->t1, ms[k].t_sec);
            lo = fmin(lo, ms[k].mb);
            hi = fmax(hi, ms[k].mb);
        }
        fit_line(ms, c->n_samples, &c->slope, &c->r2);
        c->mono = monotonic_share(ms, c->n_samples, 0.01 * (hi - lo) + 0.5);
    }
    for (size_t i = 0; i < a->n; i++) {
        cand *c = &a->c[i];
        if (!c->l || !c->n_samples)
            continue;
        const mcp_sample *ms = c->l->memory_samples;
        /* the lowest footprint from just before the line's first
         * allocation to the end (latest on ties) */
        double fm = before(t, c->t0), tm = c->t0, fend;
        if (fm < 0)
            fm = HUGE_VAL;
        if (t->n) {
            for (size_t k = 0; k < t->n; k++)
                if (t->s[k].t_sec >= c->t0 && t->s[k].mb <= fm) {
                    fm = t->s[k].mb;
                    tm = t->s[k].t_sec;
                }
            fend = t->s[t->n - 1].mb;
            if (t->s[t->n - 1].t_sec < c->t1)
                fend = ms[c->n_samples - 1].mb;
        } else {
            for (size_t k = 0; k < c->n_samples; k++)
                if (ms[k].mb <= fm) {
                    fm = ms[k].mb;
                    tm = ms[k].t_sec;
                }
            fend = ms[c->n_samples - 1].mb;
        }
        if (!isfinite(fm)) {
            fm = ms[0].mb;
            tm = c->t0;
        }
        /* steady growth: fit the line's samples from the lowest point on */
        size_t first = 0;
        while (first < c->n_samples && ms[first].t_sec < tm)
            first++;
        if (c->n_samples - first >= 3) {
            double lo2 = ms[first].mb, hi2 = ms[first].mb;
            for (size_t k = first; k < c->n_samples; k++) {
                lo2 = fmin(lo2, ms[k].mb);
                hi2 = fmax(hi2, ms[k].mb);
            }
            fit_line(ms + first, c->n_samples - first, &c->slope, &c->r2);
            c->mono = monotonic_share(ms + first, c->n_samples - first, 0.01 * (hi2 - lo2) + 0.5);
        }
        double own = frac_after(c, tm);
        double group = 0;
        c->n_peers = 0;
        for (size_t j = 0; j < a->n; j++) {
            double g = a->c[j].malloc_mb * frac_after(&a->c[j], tm);
            group += g;
            if (j != i && g > 0 && c->n_peers < 4 && g >= 0.2 * own * c->malloc_mb)
                c->window_peers[c->n_peers++] = a->c[j].line;
        }
        double kept = fmax(0, fend - fm);
        if (t->total_alloc_mb > 0)
            kept = fmin(kept, fmax(0, t->net_growth_mb));
        double rate = group > 0 ? fmin(1.0, kept / group) : 0;
        c->group_malloc = group;
        c->kept_mb = fmin(kept, group);
        c->ratio = own * rate;
        c->retained = c->ratio * c->malloc_mb;
    }
}

static void say(cand *c, const char *fmt, ...) MCP_PRINTF(2, 3);

/* Appends one piece of evidence to the candidate's reason. */
static void say(cand *c, const char *fmt, ...)
{
    char buf[400] = "";
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        textbuf_printf(&c->why, "%s%s", c->why.len ? "; " : "", buf);
}

static void score(leakan *a, cand *c)
{
    const timeline *t = &a->tl;
    int s = 0;
    if (c->in_map && c->likelihood >= 0.95) {
        s += 2;
        say(c, "in Scalene's leak map (likelihood %.2f, %.2f MB/s)", c->likelihood, c->velocity);
    } else if (c->in_map) {
        s += 1;
        say(c, "in Scalene's leak map (likelihood %.2f)", c->likelihood);
    }
    if (c->ratio >= 0) {
        if (c->ratio >= 0.5)
            s += 2;
        else if (c->ratio >= 0.2)
            s += 1;
        else if (c->ratio < 0.1)
            s -= 3;
        if (c->n_peers && c->group_malloc > c->malloc_mb * 1.2)
            say(c,
                "it and line%s %u%s allocated %.0f MB over the same stretch while the footprint "
                "kept %.0f MB: about %.0f%% of this line's allocation stayed",
                c->n_peers > 1 ? "s" : "", c->window_peers[0], c->n_peers > 1 ? " and others" : "",
                c->group_malloc, c->kept_mb, 100 * c->ratio);
        else if (c->ratio < 0.1)
            say(c,
                "memory came back after its allocations (the footprint kept %.1f of the %.0f "
                "MB it allocated)",
                c->retained, c->malloc_mb);
        else if (c->ratio >= 0.95)
            say(c, "the footprint kept all of the %.0f MB it allocated", c->malloc_mb);
        else
            say(c, "the footprint kept about %.0f of the %.0f MB it allocated (%.0f%%)",
                c->retained, c->malloc_mb, 100 * c->ratio);
    } else if (c->malloc_mb > 0) {
        say(c, "allocated %.0f MB but Scalene recorded no footprint samples for it", c->malloc_mb);
    }
    if (c->n_samples >= 3 && c->mono >= 0.8 && c->slope > 0) {
        s += 1;
        say(c,
            "footprint rose steadily while it allocated (%zu samples, %.0f%% of steps up, "
            "%+.0f MB/s)",
            c->n_samples, 100 * c->mono, c->slope);
    }
    if (!t->returned && t->growth_rate >= 1.0) {
        s += 1;
        say(c, "the program never gave the memory back (growth_rate %.1f%%)", t->growth_rate);
    } else if (t->returned) {
        s -= 2;
        say(c, "the program gave its memory back (growth_rate %.2f%%, net %.1f MB)", t->growth_rate,
            t->net_growth_mb);
    }
    if (c->share >= 0.25) {
        s += 1;
        say(c, "%.0f%% of all allocation", 100 * c->share);
    }
    if (c->store != STORE_NONE) {
        s += 1;
        say(c, "stores into `%s`, which outlives the call", c->holder);
    }
    if (c->local_transient) {
        s -= 2;
        say(c, "binds a local (`%s`) that %s() never returns or stores: freed when it returns",
            c->local_name, c->function);
    }
    c->score = s;
    c->conf = s >= 5 ? CONF_HIGH : s >= 3 ? CONF_MEDIUM : s >= 1 ? CONF_LOW : CONF_NONE;
    if (c->local_transient && c->conf < CONF_LOW)
        c->conf = CONF_LOW;
}

/* A map line that only holds a local: Scalene's sampling may have charged
 * another line's growth to it. Suggest lines of the same function that
 * store an allocation into a container. */
static void suggest_siblings(leakan *a, size_t ci)
{
    cand c0 = a->c[ci];
    const pysrc *src = src_of(a, c0.file);
    pysrc_ctx ctx;
    pysrc_context(src, c0.line, &ctx);
    if (!ctx.func_def || !ctx.func_end)
        return;
    for (uint32_t k = ctx.func_def + 1; k <= ctx.func_end; k++) {
        if (k == c0.line || (src->flags[k] & (PYSRC_F_BLANK | PYSRC_F_UNKNOWN | PYSRC_F_CONT)))
            continue;
        char code[1024], holder[64];
        pysrc_code(src->text[k], code, sizeof code, NULL);
        if (store_of(code, holder, sizeof holder) == STORE_NONE || !strchr(code, '('))
            continue;
        bool known = false;
        for (size_t i = 0; i < a->n; i++)
            known |= a->c[i].file == c0.file && a->c[i].line == k;
        if (known)
            continue;
        cand *n = add_cand(a, c0.file, k);
        if (!n)
            return;
        n->suggested_by = c0.line;
        source_evidence(a, n);
        pysrc_function_of(api, a->p, n->file, src, n->line, n->function, sizeof n->function, NULL);
        n->score = 3;
        n->conf = CONF_MEDIUM;
        say(n,
            "Scalene charged the growth to line %u, whose allocation is a local freed at return; "
            "this line of the same function stores into `%s`, which outlives the call",
            c0.line, holder);
        return;
    }
}

static int cand_cmp(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->conf != b->conf)
        return a->conf - b->conf;
    if (a->score != b->score)
        return b->score - a->score;
    if (a->retained != b->retained)
        return a->retained > b->retained ? -1 : 1;
    if (a->malloc_mb != b->malloc_mb)
        return a->malloc_mb > b->malloc_mb ? -1 : 1;
    return a->line < b->line ? -1 : (a->line > b->line);
}

static void leakan_free(leakan *a)
{
    for (size_t i = 0; i < a->n; i++)
        textbuf_free(&a->c[i].why);
    free(a->c);
    for (size_t i = 0; a->srcs && i < a->sum->n_files; i++)
        if (a->loaded[i])
            pysrc_free(&a->srcs[i]);
    free(a->srcs);
    free(a->loaded);
}

static int analyze(leakan *a, const mcp_profile *p)
{
    memset(a, 0, sizeof *a);
    a->p = p;
    a->sum = api->profile_summary(p);
    a->srcs = calloc(a->sum->n_files + 1, sizeof *a->srcs);
    a->loaded = calloc(a->sum->n_files + 1, sizeof *a->loaded);
    if (!a->srcs || !a->loaded)
        return MCP_NOMEM;
    if (!a->sum->memory)
        return MCP_OK;
    timeline_read(a);
    int rc = collect(a);
    if (rc != MCP_OK)
        return rc;
    windows(a);
    size_t n0 = a->n;
    for (size_t i = 0; i < n0; i++) {
        cand *c = &a->c[i];
        pysrc_function_of(api, p, c->file, src_of(a, c->file), c->line, c->function,
                          sizeof c->function, NULL);
        source_evidence(a, c);
        score(a, c);
    }
    for (size_t i = 0; i < n0; i++)
        if (a->c[i].in_map && a->c[i].local_transient)
            suggest_siblings(a, i);
    /* drop candidates without leak evidence that Scalene did not list */
    size_t w = 0;
    for (size_t i = 0; i < a->n; i++) {
        cand *c = &a->c[i];
        bool keep = c->in_map || c->suggested_by || (c->conf != CONF_NONE && c->ratio >= 0.2);
        if (keep)
            a->c[w++] = *c;
        else
            textbuf_free(&c->why);
    }
    a->n = w;
    if (a->n)
        qsort(a->c, a->n, sizeof *a->c, cand_cmp);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Output                                                               */
/* ------------------------------------------------------------------ */

static const char *recommendation(const cand *c)
{
    switch (c->store) {
    case STORE_SUBSCRIPT:
        return "The container grows without bound: evict old entries (an LRU with a maximum "
               "size such as functools.lru_cache(maxsize=...) or an OrderedDict trimmed with "
               "popitem), keep values in a weakref.WeakValueDictionary, or clear it when done.";
    case STORE_METHOD:
        return "The container grows on every call: drop items once processed, bound it "
               "(collections.deque(maxlen=N)), or stream results instead of accumulating them.";
    case STORE_ATTRIBUTE:
        return "An object attribute keeps the allocation alive: release it (set it to None or "
               "del it) when no longer needed, or hold it through a weakref.";
    case STORE_GLOBAL:
        return "A module-level name keeps the allocation alive for the whole run: build it "
               "lazily, free it (del) after use, or bound its size.";
    default:
        break;
    }
    if (c->local_transient)
        return "Probably not a leak: the buffer is freed when the function returns. If the "
               "footprint still grows, look for what the rest of the function keeps (a cache, a "
               "list that is appended to).";
    return "Find what keeps references to what this line allocates: compare "
           "tracemalloc snapshots (take_snapshot().compare_to(...)) or inspect "
           "gc.get_referrers(), then bound or release it.";
}

static cJSON *cand_json(const leakan *a, const cand *c, size_t rank)
{
    const mcp_prof_file *f = api->profile_file(a->p, c->file);
    cJSON *o = cJSON_CreateObject();
    char src[256];
    srcline_clip(c->l ? c->l->source : pysrc_text(&a->srcs[c->file], c->line), 160, src,
                 sizeof src);
    cJSON_AddNumberToObject(o, "rank", (double)rank);
    cJSON_AddStringToObject(o, "file", f->display_path);
    cJSON_AddNumberToObject(o, "line", c->line);
    cJSON_AddStringToObject(o, "function", c->function);
    cJSON_AddStringToObject(o, "source", src);
    cJSON_AddStringToObject(o, "confidence", conf_names[c->conf]);
    cJSON_AddNumberToObject(o, "score", c->score);
    cJSON_AddStringToObject(o, "reason", textbuf_str(&c->why));
    cJSON_AddBoolToObject(o, "in_scalene_map", c->in_map);
    if (c->in_map) {
        cJSON_AddNumberToObject(o, "likelihood", c->likelihood);
        cJSON_AddNumberToObject(o, "velocity_mb_s", c->velocity);
    } else {
        cJSON_AddNullToObject(o, "likelihood");
        cJSON_AddNullToObject(o, "velocity_mb_s");
    }
    cJSON_AddNumberToObject(o, "malloc_mb", c->malloc_mb);
    cJSON_AddNumberToObject(o, "allocation_share", c->share);
    cJSON_AddNumberToObject(o, "retained_mb", c->retained);
    if (c->ratio >= 0)
        cJSON_AddNumberToObject(o, "retained_ratio", c->ratio);
    else
        cJSON_AddNullToObject(o, "retained_ratio");
    cJSON_AddNumberToObject(o, "growth_slope_mb_s", c->slope);
    cJSON_AddNumberToObject(o, "monotonic_fraction", c->mono);
    cJSON_AddNumberToObject(o, "memory_samples", (double)c->n_samples);
    if (c->suggested_by)
        cJSON_AddNumberToObject(o, "suggested_by_line", c->suggested_by);
    else
        cJSON_AddNullToObject(o, "suggested_by_line");
    cJSON_AddStringToObject(o, "recommendation", recommendation(c));
    return o;
}

static cJSON *timeline_json(const leakan *a)
{
    const timeline *t = &a->tl;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "samples", (double)t->n);
    cJSON_AddNumberToObject(o, "start_mb", t->start);
    cJSON_AddNumberToObject(o, "peak_mb", t->peak);
    cJSON_AddNumberToObject(o, "end_mb", t->end);
    cJSON_AddNumberToObject(o, "slope_mb_s", t->slope);
    cJSON_AddNumberToObject(o, "r2", t->r2);
    cJSON_AddNumberToObject(o, "monotonic_fraction", t->mono);
    cJSON_AddBoolToObject(o, "returned_to_baseline", t->returned);
    cJSON_AddNumberToObject(o, "growth_rate", t->growth_rate);
    cJSON_AddNumberToObject(o, "net_growth_mb", t->net_growth_mb);
    cJSON_AddNumberToObject(o, "allocated_mb", t->total_alloc_mb);
    return o;
}

/* The footprint grew and stayed up, whatever the lines say. */
static bool unexplained_growth(const leakan *a)
{
    return !a->tl.returned && a->tl.net_growth_mb >= CAND_MIN_MB;
}

static const char *verdict_of(const leakan *a, size_t *n_leaks)
{
    size_t hi = 0, any = 0;
    for (size_t i = 0; i < a->n; i++) {
        hi += a->c[i].conf == CONF_HIGH;
        any += a->c[i].conf != CONF_NONE && !a->c[i].local_transient;
    }
    *n_leaks = any;
    if (!a->sum->memory)
        return "no_memory_data";
    if (hi)
        return "leak";
    if (any || unexplained_growth(a))
        return "possible_leak";
    return "no_leak";
}

/* The opening paragraph: the verdict in plain words and the timeline. */
static void headline(textbuf *b, const leakan *a, const char *verdict, size_t n_leaks, bool intro)
{
    const mcp_prof_summary *s = a->sum;
    const timeline *t = &a->tl;
    if (intro)
        textbuf_printf(b, "Memory leaks in %s (%s, %.2f s%s): ", s->id, s->target, s->elapsed_sec,
                       s->partial ? ", partial run" : "");
    else
        textbuf_puts(b, "Verdict: ");
    if (!strcmp(verdict, "no_memory_data")) {
        textbuf_puts(b, "memory profiling was off for this run, so there is no leak data. Profile "
                        "again with memory profiling on (profile_script with memory=true, the "
                        "default).\n");
        return;
    }
    if (!strcmp(verdict, "leak"))
        textbuf_printf(b, "%zu likely leak%s.\n", n_leaks, n_leaks == 1 ? "" : "s");
    else if (!strcmp(verdict, "possible_leak") && n_leaks)
        textbuf_printf(b, "no line is a clear leak; %zu possible.\n", n_leaks);
    else if (!strcmp(verdict, "possible_leak"))
        textbuf_printf(b,
                       "the footprint grew %.0f MB and stayed up, but no line's evidence accounts "
                       "for it (see the lines below and their reasons).\n",
                       t->net_growth_mb);
    else
        textbuf_puts(b, "nothing leaked.\n");
    if (t->n >= 2)
        textbuf_printf(
            b,
            "Footprint: %.0f MB at start, peak %.0f MB, %.0f MB at the end; slope %+.0f "
            "MB/s (R2 %.2f), %.0f%% of steps up; %s (growth_rate %.2f%%, net %.0f of %.0f "
            "MB allocated).\n",
            t->start, t->peak, t->end, t->slope, t->r2, 100 * t->mono,
            t->returned ? "memory returned to baseline" : "memory did not return", t->growth_rate,
            t->net_growth_mb, t->total_alloc_mb);
    else
        textbuf_printf(b,
                       "Footprint: peak %.0f MB; growth_rate %.2f%%; Scalene kept no timeline.\n",
                       t->peak, t->growth_rate);
    if (!strcmp(verdict, "no_leak")) {
        if (a->n_map == 0)
            textbuf_puts(b, "Scalene's leak map is empty");
        else
            textbuf_printf(b, "Scalene listed %zu line%s, but the evidence says transient (below)",
                           a->n_map, a->n_map == 1 ? "" : "s");
        if (t->peak < 1 && t->total_alloc_mb < 1)
            textbuf_printf(b, " and the program allocated almost nothing (peak %.1f MB).\n",
                           t->peak);
        else if (t->returned)
            textbuf_puts(b, " and the program gave its memory back.\n");
        else
            textbuf_puts(b, "; no line's allocations account for the growth.\n");
        if (t->peak < 100 && a->n_map == 0)
            textbuf_puts(b, "(Scalene only scores leaks once the footprint passes 100 MB; this run "
                            "stayed below, so its map is empty by construction.)\n");
    }
}

static void cand_text(textbuf *b, const leakan *a, const cand *c, size_t rank)
{
    const mcp_prof_file *f = api->profile_file(a->p, c->file);
    char src[256];
    srcline_clip(c->l ? c->l->source : pysrc_text(&a->srcs[c->file], c->line), 160, src,
                 sizeof src);
    textbuf_printf(b, "%zu. [%s confidence] %s:%u in %s%s: `%s`\n", rank, conf_names[c->conf],
                   f->display_path, c->line, c->function, c->function[0] == '<' ? "" : "()", src);
    textbuf_printf(b, "   Evidence: %s.\n", textbuf_str(&c->why));
    textbuf_printf(b, "   Fix: %s\n", recommendation(c));
}

static int conf_from_name(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, conf_names[i]))
            return i;
    return CONF_LOW;
}

static int get_memory_leaks(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    const char *id = plugin_arg_str(args, "profile_id", "");
    int top_n = plugin_arg_int(args, "top_n", DEFAULT_TOP_N);
    int max_bytes = plugin_arg_int(args, "max_bytes", DEFAULT_MAX_BYTES);
    int min_conf = conf_from_name(plugin_arg_str(args, "min_confidence", "low"));
    const mcp_profile *p = NULL;
    int rc = plugin_open_profile_id(api, call, "profile_id", id, &p);
    if (rc != MCP_OK)
        return rc;
    leakan a;
    rc = analyze(&a, p);
    if (rc != MCP_OK) {
        leakan_free(&a);
        plugin_close_profile(api, call, p);
        plugin_answer_oom(api, call);
        return rc;
    }
    size_t n_leaks = 0;
    const char *verdict = verdict_of(&a, &n_leaks);
    textbuf b;
    textbuf_init(&b);
    headline(&b, &a, verdict, n_leaks, true);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", a.sum->id);
    cJSON_AddBoolToObject(out, "memory_profiling", a.sum->memory);
    cJSON_AddStringToObject(out, "verdict", verdict);
    cJSON_AddItemToObject(out, "footprint", timeline_json(&a));
    cJSON_AddNumberToObject(out, "scalene_leak_lines", (double)a.n_map);
    cJSON *leaks = cJSON_AddArrayToObject(out, "leaks");
    cJSON *dismissed = cJSON_AddArrayToObject(out, "dismissed");
    size_t listed = 0, shown = 0, budget = max_bytes > 300 ? (size_t)max_bytes - 200 : 100;
    bool cut = false;
    for (size_t i = 0; i < a.n; i++) {
        cand *c = &a.c[i];
        if (c->conf == CONF_NONE || c->conf > min_conf)
            continue;
        listed++;
        if (shown >= (size_t)top_n || cut)
            continue;
        size_t before_len = b.len;
        cand_text(&b, &a, c, shown + 1);
        if (b.len > budget && shown > 0) {
            textbuf_cut(&b, before_len);
            cut = true;
            continue;
        }
        cJSON_AddItemToArray(leaks, cand_json(&a, c, shown + 1));
        shown++;
    }
    size_t n_dismissed = 0;
    for (size_t i = 0; i < a.n; i++) {
        cand *c = &a.c[i];
        if (c->conf != CONF_NONE)
            continue;
        n_dismissed++;
        if (n_dismissed > 10)
            continue;
        const mcp_prof_file *f = api->profile_file(p, c->file);
        char src[256];
        srcline_clip(c->l ? c->l->source : "", 160, src, sizeof src);
        if (!cut && b.len < budget) {
            if (n_dismissed == 1)
                textbuf_puts(&b, "Not leaks (Scalene listed them, the evidence says transient):\n");
            textbuf_printf(&b, "- %s:%u `%s`: %s.\n", f->display_path, c->line, src,
                           textbuf_str(&c->why));
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", f->display_path);
        cJSON_AddNumberToObject(o, "line", c->line);
        cJSON_AddStringToObject(o, "source", src);
        cJSON_AddNumberToObject(o, "likelihood", c->likelihood);
        cJSON_AddStringToObject(o, "reason", textbuf_str(&c->why));
        cJSON_AddItemToArray(dismissed, o);
    }
    bool truncated = shown < listed;
    if (truncated)
        textbuf_printf(&b, "(%zu more not shown: %s; raise %s to see them)\n", listed - shown,
                       cut ? "max_bytes reached" : "top_n reached", cut ? "max_bytes" : "top_n");
    cJSON_AddNumberToObject(out, "total", (double)listed);
    cJSON_AddNumberToObject(out, "shown", (double)shown);
    cJSON_AddBoolToObject(out, "truncated", truncated);
    api->result_text(call, "%s", textbuf_str(&b));
    api->result_structured(call, out);
    textbuf_free(&b);
    leakan_free(&a);
    plugin_close_profile(api, call, p);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* analyze_profile section                                              */
/* ------------------------------------------------------------------ */

static int section(mcp_section *sec, const mcp_profile *p, void *ud)
{
    (void)ud;
    int top_n = plugin_arg_int(api->section_args(sec), "top_n", SECTION_TOP_N);
    leakan a;
    int rc = analyze(&a, p);
    if (rc != MCP_OK) {
        leakan_free(&a);
        api->set_error(api->section_plugin(sec), "out of memory");
        return rc;
    }
    size_t n_leaks = 0;
    const char *verdict = verdict_of(&a, &n_leaks);
    textbuf b;
    textbuf_init(&b);
    headline(&b, &a, verdict, n_leaks, false);
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "verdict", verdict);
    cJSON_AddItemToObject(data, "footprint", timeline_json(&a));
    cJSON *arr = cJSON_AddArrayToObject(data, "leaks");
    size_t shown = 0;
    for (size_t i = 0; i < a.n && shown < (size_t)top_n; i++) {
        cand *c = &a.c[i];
        if (c->conf == CONF_NONE)
            continue;
        cand_text(&b, &a, c, ++shown);
        cJSON_AddItemToArray(arr, cand_json(&a, c, shown));
        if (c->local_transient)
            continue;
        char rec[1024];
        snprintf(rec, sizeof rec, "Memory leak (%s confidence): %s", conf_names[c->conf],
                 recommendation(c));
        api->section_recommend(sec,
                               c->conf == CONF_HIGH     ? MCP_SEV_HIGH
                               : c->conf == CONF_MEDIUM ? MCP_SEV_MEDIUM
                                                        : MCP_SEV_LOW,
                               api->profile_file(p, c->file)->display_path, c->line, rec);
    }
    api->section_text(sec, "%s", textbuf_str(&b));
    api->section_data(sec, data);
    textbuf_free(&b);
    leakan_free(&a);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Registration                                                         */
/* ------------------------------------------------------------------ */

#define CONF_ENUM "[\"high\",\"medium\",\"low\"]"
#define NUM "{\"type\":\"number\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"
#define BOOL "{\"type\":\"boolean\"}"
#define NUMNULL "{\"type\":[\"number\",\"null\"]}"

static const char input_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"profile_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"
    "\"description\":\"a stored profile (list_profiles)\"},"
    "\"top_n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10},"
    "\"min_confidence\":{\"type\":\"string\",\"enum\":" CONF_ENUM ",\"default\":\"low\","
    "\"description\":\"leave out suspects below this confidence\"},"
    "\"max_bytes\":{\"type\":\"integer\",\"minimum\":500,\"maximum\":1000000,\"default\":6000,"
    "\"description\":\"bound on the text answer\"}},"
    "\"required\":[\"profile_id\"],\"additionalProperties\":false}";

static const char output_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"profile_id\":" STR ",\"memory_profiling\":" BOOL ","
    "\"verdict\":{\"type\":\"string\",\"enum\":[\"leak\",\"possible_leak\",\"no_leak\","
    "\"no_memory_data\"]},"
    "\"footprint\":{\"type\":\"object\",\"properties\":{\"samples\":" INT ",\"start_mb\":" NUM
    ",\"peak_mb\":" NUM ",\"end_mb\":" NUM ",\"slope_mb_s\":" NUM ",\"r2\":" NUM
    ",\"monotonic_fraction\":" NUM ",\"returned_to_baseline\":" BOOL ",\"growth_rate\":" NUM
    ",\"net_growth_mb\":" NUM ",\"allocated_mb\":" NUM "},"
    "\"required\":[\"samples\",\"start_mb\",\"peak_mb\",\"end_mb\",\"slope_mb_s\",\"r2\","
    "\"monotonic_fraction\",\"returned_to_baseline\",\"growth_rate\",\"net_growth_mb\","
    "\"allocated_mb\"],\"additionalProperties\":false},"
    "\"scalene_leak_lines\":" INT ",\"total\":" INT ",\"shown\":" INT ",\"truncated\":" BOOL ","
    "\"leaks\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"rank\":" INT ",\"file\":" STR ",\"line\":" INT ",\"function\":" STR ",\"source\":" STR
    ",\"confidence\":{\"type\":\"string\",\"enum\":" CONF_ENUM "},\"score\":" INT ",\"reason\":" STR
    ",\"in_scalene_map\":" BOOL ",\"likelihood\":" NUMNULL ",\"velocity_mb_s\":" NUMNULL
    ",\"malloc_mb\":" NUM ",\"allocation_share\":" NUM ",\"retained_mb\":" NUM
    ",\"retained_ratio\":" NUMNULL ",\"growth_slope_mb_s\":" NUM ",\"monotonic_fraction\":" NUM
    ",\"memory_samples\":" INT
    ",\"suggested_by_line\":{\"type\":[\"integer\",\"null\"]},\"recommendation\":" STR "},"
    "\"required\":[\"rank\",\"file\",\"line\",\"function\",\"source\",\"confidence\",\"score\","
    "\"reason\",\"in_scalene_map\",\"likelihood\",\"velocity_mb_s\",\"malloc_mb\","
    "\"allocation_share\",\"retained_mb\",\"retained_ratio\",\"growth_slope_mb_s\","
    "\"monotonic_fraction\",\"memory_samples\",\"suggested_by_line\",\"recommendation\"],"
    "\"additionalProperties\":false}},"
    "\"dismissed\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"file\":" STR ",\"line\":" INT ",\"source\":" STR ",\"likelihood\":" NUM ",\"reason\":" STR
    "},\"required\":[\"file\",\"line\",\"source\",\"likelihood\",\"reason\"],"
    "\"additionalProperties\":false}}},"
    "\"required\":[\"profile_id\",\"memory_profiling\",\"verdict\",\"footprint\","
    "\"scalene_leak_lines\",\"total\",\"shown\",\"truncated\",\"leaks\",\"dismissed\"],"
    "\"additionalProperties\":false}";

static int leaks_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    if (api->abi_major != MCP_ABI_MAJOR || !MCP_HAS(api, register_section)) {
        if (api->set_error)
            api->set_error(self, "leaks needs a host with SDK ABI %d.%d or newer", MCP_ABI_MAJOR,
                           MCP_ABI_MINOR);
        return MCP_VERSION;
    }
    mcp_tool_def def = {
        .version = MCP_TOOL_DEF_VERSION,
        .name = "get_memory_leaks",
        .title = "Memory leaks with evidence",
        .description =
            "Lines that leak memory in a stored profile, ranked by evidence with a confidence "
            "(high, medium, low) and the reason: Scalene's leak likelihood and velocity, how "
            "much of what the line allocated the footprint kept (from the footprint timeline and "
            "the line's own memory samples, growth slope by least squares), growth_rate, the "
            "line's share of allocation and what its source does with the memory. Transient "
            "buffers Scalene lists are dismissed with the reason. Says plainly when memory "
            "profiling was off or nothing leaked.",
        .input_schema = input_schema,
        .output_schema = output_schema,
        .annotations = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT,
        .handler = get_memory_leaks,
    };
    int rc = api->register_tool(self, &def);
    if (rc != MCP_OK)
        return rc;
    mcp_section_def sd = {
        .version = MCP_SECTION_DEF_VERSION,
        .name = "leaks",
        .title = "Memory leaks",
        .focus = MCP_FOCUS_LEAKS | MCP_FOCUS_MEMORY,
        .order = 40,
        .fn = section,
    };
    return api->register_section(self, &sd);
}

MCP_PLUGIN("leaks", "1.0.0", leaks_init, NULL);
