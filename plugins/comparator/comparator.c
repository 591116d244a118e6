/*
 * comparator.c - the "comparator" analyzer: compare_profiles.
 *
 * Two profiles of (versions of) one program: totals with absolute and
 * relative change, then per-function and per-line regressions and
 * improvements. Lines are matched by file (display path, else a unique base
 * name), enclosing function and whitespace-normalized source text (with an
 * occurrence number for repeated text), so edits that shift line numbers
 * still match; failing that, by file and text alone. Lines are compared in
 * absolute seconds (share x elapsed), never by share.
 *
 * Significance (docs/analyzers.md): Scalene samples CPU every `interval`
 * seconds (0.01 s by default in 1.5.x and 2.x), so a line holding t seconds
 * carries about t / interval samples, with Poisson noise sqrt(n): its time
 * is known to +- sqrt(interval x t). A change between two runs is
 * significant when
 *     |after - before| >= Z x sqrt(interval x (before + after))   (Z = 3)
 *     |after - before| >= max(5 x interval, 0.5% of the longer run)
 *     |after - before| >= tolerance x before      (default 10%)
 * Two runs of one script differ by noise only, so they pass none of these
 * for any line that matters. Peak memory needs tolerance and 5 MB (a few
 * allocation sampling windows).
 *
 * What a line's time is: a line that only computes (no I/O, sleep, wait,
 * import or allocating call) is compared on its CPU time (python + native):
 * its system time is waiting for a CPU, which depends on the machine's load,
 * not on the code. Other lines keep their system time (I/O, sleeping, page
 * faults are their cost), less CPU contention: when a profile's compute-only
 * lines show a median system share >= 25%, that share is taken out of every
 * line's system time before comparing (the answer says so).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"
#include "plugin_args.h"
#include "pysrc.h"
#include "srcline.h"
#include "rules.h"
#include "scalene_mcp.h"

static const mcp_host_api *api;

#define DEFAULT_TOP_N 10
#define DEFAULT_MAX_BYTES 6000
#define DEFAULT_TOLERANCE 10.0
#define SAMPLING_INTERVAL 0.01
#define NOISE_Z 3.0
#define MIN_SAMPLES_FLOOR 5.0 /* x interval */
#define MIN_ELAPSED_SHARE 0.005
#define MIN_MEMORY_MB 5.0
#define CONTENTION_SHARE 0.25
#define NORM_MAX 512

/* ------------------------------------------------------------------ */
/* 64-bit keys (hashes of file|function|text) to indexes                */
/* ------------------------------------------------------------------ */

/* FNV-1a, continued from `h` (start with FNV_START). */
#define FNV_START 1469598103934665603u

static uint64_t fnv_more(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return h;
}

static uint64_t fnv(const char *s)
{
    return fnv_more(FNV_START, s);
}

/* Hash of strings joined by a separator no source text holds. */
static uint64_t key_of(const char *a, const char *b, const char *c)
{
    uint64_t h = fnv_more(FNV_START, a);
    h = fnv_more(h ^ 0x1f, b);
    h = fnv_more(h ^ 0x1e, c);
    return h ? h : 1;
}

static uint64_t key_occ(uint64_t h, size_t occ)
{
    h ^= (uint64_t)occ + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    return h ? h : 1;
}

typedef struct umap {
    uint64_t *keys; /* 0 = empty */
    size_t *vals;
    size_t cap, n;
} umap;

static void umap_free(umap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static bool umap_grow(umap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *k = calloc(cap, sizeof *k);
    size_t *v = calloc(cap, sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = m->keys[i] & (cap - 1);
        while (k[j])
            j = (j + 1) & (cap - 1);
        k[j] = m->keys[i];
        v[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
    return true;
}

/* The value slot of `key` (nonzero); NULL on allocation failure. *found
 * tells whether it was there; a new slot holds 0. */
static size_t *umap_slot(umap *m, uint64_t key, bool *found)
{
    if ((m->n + 1) * 2 > m->cap && !umap_grow(m))
        return NULL;
    size_t j = key & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == key) {
            *found = true;
            return &m->vals[j];
        }
        j = (j + 1) & (m->cap - 1);
    }
    *found = false;
    m->keys[j] = key;
    m->vals[j] = 0;
    m->n++;
    return &m->vals[j];
}

static bool umap_get(const umap *m, uint64_t key, size_t *out)
{
    if (!m->cap)
        return false;
    size_t j = key & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == key) {
            *out = m->vals[j];
            return true;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* One side of the comparison                                           */
/* ------------------------------------------------------------------ */

typedef struct cline {
    uint32_t file, lineno;
    const char *text;   /* borrowed from the profile or its pysrc */
    const char *func;   /* pooled */
    uint64_t key, key2; /* hashes of file|func|text|occ and file|text|occ */
    double cpu, sys;    /* seconds; sys after the contention correction */
    double t;           /* cpu + sys */
    double raw;         /* cpu + sys before the correction: what the samples saw */
    long match;         /* index on the other side, -1 */
    bool by_text;       /* matched by file and text only */
} cline;

typedef struct func_tot {
    uint64_t key; /* hash of file|func */
    const char *file, *func;
    double t, raw;
    long match;
} func_tot;

typedef struct side {
    const mcp_profile *p;
    const mcp_prof_summary *s;
    cline *l;
    size_t n, cap;
    func_tot *f;
    size_t nf, capf;
    const char **filekey; /* per file: borrowed display paths */
    pysrc *src;
    bool *src_loaded;
    bool sparse;       /* some file had no full source */
    bool renamed;      /* a file was paired by its source */
    double wait_share; /* contention baseline, 0..1 */
    bool adjusted;
    double total_t, total_cpu, total_sys_raw, allocated;
    umap by_key, by_key2, by_func;
    char **pool;
    size_t npool, cappool;
} side;

static const char *pool_str(side *sd, const char *s)
{
    for (size_t i = sd->npool; i-- > 0 && i + 8 >= sd->npool;)
        if (!strcmp(sd->pool[i], s))
            return sd->pool[i];
    if (sd->npool == sd->cappool) {
        size_t cap = sd->cappool ? sd->cappool * 2 : 64;
        char **n = realloc(sd->pool, cap * sizeof *n);
        if (!n)
            return NULL;
        sd->pool = n;
        sd->cappool = cap;
    }
    char *c = strdup(s);
    if (!c)
        return NULL;
    sd->pool[sd->npool++] = c;
    return c;
}

static void side_free(side *sd)
{
    free(sd->l);
    free(sd->f);
    for (size_t i = 0; sd->s && i < sd->s->n_files; i++)
        if (sd->src_loaded && sd->src_loaded[i])
            pysrc_free(&sd->src[i]);
    free(sd->src);
    free(sd->src_loaded);
    free(sd->filekey);
    for (size_t i = 0; i < sd->npool; i++)
        free(sd->pool[i]);
    free(sd->pool);
    umap_free(&sd->by_key);
    umap_free(&sd->by_key2);
    umap_free(&sd->by_func);
}

static double line_cpu_pct(const mcp_prof_line *l)
{
    return l->m.cpu_python + l->m.cpu_native;
}

typedef struct wshare {
    double share, weight;
} wshare;

static int wshare_cmp(const void *x, const void *y)
{
    const wshare *a = x, *b = y;
    return a->share < b->share ? -1 : (a->share > b->share);
}

/* The contention baseline: CPU-weighted median system share of lines that
 * only compute (same test as the bottlenecks analyzer). */
static double wait_share_of(const side *sd)
{
    size_t n = 0, cap = 0;
    wshare *w = NULL;
    double total = 0;
    for (size_t fi = 0; fi < sd->s->n_files; fi++) {
        const mcp_prof_file *f = api->profile_file(sd->p, fi);
        for (size_t i = 0; i < f->n_lines; i++) {
            const mcp_prof_line *l = api->profile_line(sd->p, fi, i);
            double c = line_cpu_pct(l) + l->m.cpu_system;
            char word[16];
            pysrc_first_word(l->source, word, sizeof word);
            if (c < 0.2 || !strcmp(word, "def") || srcline_is_loop_header(l->source) ||
                !bn_baseline_line(l->source))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                wshare *nw = realloc(w, cap * sizeof *nw);
                if (!nw) {
                    free(w);
                    return 0;
                }
                w = nw;
            }
            w[n++] = (wshare){l->m.cpu_system / c, c};
            total += c;
        }
    }
    double med = 0;
    if (n && total >= 5.0) {
        qsort(w, n, sizeof *w, wshare_cmp);
        double acc = 0;
        for (size_t i = 0; i < n; i++) {
            acc += w[i].weight;
            if (acc >= total / 2) {
                med = w[i].share;
                break;
            }
        }
    }
    free(w);
    return med;
}

static const pysrc *src_of(side *sd, size_t fi)
{
    return pysrc_lazy(sd->src, sd->src_loaded, api, sd->p, fi);
}

static cline *push_line(side *sd)
{
    if (sd->n == sd->cap) {
        size_t cap = sd->cap ? sd->cap * 2 : 256;
        cline *n = realloc(sd->l, cap * sizeof *n);
        if (!n)
            return NULL;
        sd->l = n;
        sd->cap = cap;
    }
    cline *c = &sd->l[sd->n++];
    memset(c, 0, sizeof *c);
    c->match = -1;
    return c;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int alloc_sources(side *sd)
{
    size_t nf = sd->s->n_files;
    sd->src = calloc(nf + 1, sizeof *sd->src);
    sd->src_loaded = calloc(nf + 1, sizeof *sd->src_loaded);
    return sd->src && sd->src_loaded ? MCP_OK : MCP_NOMEM;
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : (a > b);
}

/* The distinct hashes of a file's normalized non-blank lines, sorted. */
static uint64_t *line_hashes(side *sd, size_t fi, size_t *n)
{
    const pysrc *src = src_of(sd, fi);
    uint64_t *h = malloc((src->n + 1) * sizeof *h);
    *n = 0;
    if (!h)
        return NULL;
    for (uint32_t ln = 1; ln <= src->n; ln++) {
        if (src->flags[ln] & (PYSRC_F_BLANK | PYSRC_F_UNKNOWN))
            continue;
        char norm[NORM_MAX];
        pysrc_normalize(src->text[ln], norm, sizeof norm);
        if (norm[0])
            h[(*n)++] = fnv(norm);
    }
    qsort(h, *n, sizeof *h, u64_cmp);
    size_t w = 0;
    for (size_t i = 0; i < *n; i++)
        if (!w || h[w - 1] != h[i])
            h[w++] = h[i];
    *n = w;
    return h;
}

/* Shared lines over the smaller file's lines. */
static double similarity(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t i = 0, j = 0, common = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            common++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    size_t m = na < nb ? na : nb;
    return m ? (double)common / (double)m : 0;
}

#define MAX_RENAME_FILES 64
#define MIN_RENAME_SIMILARITY 0.5

/* File keys: the display path when the other side has the same one, else a
 * base name both sides have exactly once (then the before side's display
 * path), else, for files left on both sides, the before file whose source is
 * most alike (at least half of the smaller file's lines in common): a
 * renamed or copied script. Else the file's own display path. */
static int file_keys(side *b, side *a)
{
    side *sides[2] = {b, a};
    for (int k = 0; k < 2; k++) {
        size_t nf = sides[k]->s->n_files;
        if (alloc_sources(sides[k]) != MCP_OK)
            return MCP_NOMEM;
        sides[k]->filekey = calloc(nf + 1, sizeof(char *));
        if (!sides[k]->filekey)
            return MCP_NOMEM;
        for (size_t i = 0; i < nf; i++)
            sides[k]->filekey[i] = api->profile_file(sides[k]->p, i)->display_path;
    }
    bool *a_done = calloc(a->s->n_files + 1, sizeof *a_done);
    bool *b_used = calloc(b->s->n_files + 1, sizeof *b_used);
    if (!a_done || !b_used) {
        free(a_done);
        free(b_used);
        return MCP_NOMEM;
    }
    for (size_t i = 0; i < a->s->n_files; i++) {
        const char *ad = api->profile_file(a->p, i)->display_path;
        for (size_t j = 0; j < b->s->n_files; j++)
            if (!strcmp(ad, api->profile_file(b->p, j)->display_path)) {
                a_done[i] = b_used[j] = true;
                break;
            }
    }
    for (size_t i = 0; i < a->s->n_files; i++) {
        if (a_done[i])
            continue;
        const char *bn = base_name(api->profile_file(a->p, i)->display_path);
        size_t nb = 0, na = 0, which = 0;
        for (size_t j = 0; j < b->s->n_files; j++)
            if (!strcmp(bn, base_name(api->profile_file(b->p, j)->display_path))) {
                nb++;
                which = j;
            }
        for (size_t j = 0; j < a->s->n_files; j++)
            na += !strcmp(bn, base_name(api->profile_file(a->p, j)->display_path));
        if (nb == 1 && na == 1 && !b_used[which]) {
            a->filekey[i] = b->filekey[which];
            a_done[i] = b_used[which] = true;
        }
    }
    size_t left_a = 0, left_b = 0;
    for (size_t i = 0; i < a->s->n_files; i++)
        left_a += !a_done[i];
    for (size_t j = 0; j < b->s->n_files; j++)
        left_b += !b_used[j];
    if (left_a && left_b && left_a <= MAX_RENAME_FILES && left_b <= MAX_RENAME_FILES) {
        for (size_t i = 0; i < a->s->n_files; i++) {
            if (a_done[i])
                continue;
            size_t na = 0;
            uint64_t *ha = line_hashes(a, i, &na);
            double best = MIN_RENAME_SIMILARITY;
            long which = -1;
            for (size_t j = 0; ha && j < b->s->n_files; j++) {
                if (b_used[j])
                    continue;
                size_t nb = 0;
                uint64_t *hb = line_hashes(b, j, &nb);
                double sim = hb ? similarity(ha, na, hb, nb) : 0;
                free(hb);
                if (sim >= best) {
                    best = sim;
                    which = (long)j;
                }
            }
            free(ha);
            if (which >= 0) {
                a->filekey[i] = b->filekey[which];
                a->renamed = true;
                b_used[which] = a_done[i] = true;
            }
        }
    }
    free(a_done);
    free(b_used);
    return MCP_OK;
}

/* Per-line seconds of one file, Scalene 2.x's spread loops undone: when the
 * lines of a loop region carry equal shares (2.x splits a loop's samples
 * evenly over its lines, header included), the header's share goes to the
 * body lines, as 1.5.x would have recorded it. */
static void file_seconds(const side *sd, size_t fi, uint32_t maxl, double *cpu, double *sys)
{
    const mcp_prof_file *f = api->profile_file(sd->p, fi);
    double el = sd->s->elapsed_sec / 100.0;
    for (size_t i = 0; i < f->n_lines; i++) {
        const mcp_prof_line *l = api->profile_line(sd->p, fi, i);
        cpu[l->lineno] = line_cpu_pct(l) * el;
        sys[l->lineno] = l->m.cpu_system * el;
    }
    for (size_t i = 0; i < f->n_lines; i++) {
        const mcp_prof_line *l = api->profile_line(sd->p, fi, i);
        uint32_t h = l->region_start, e = l->region_end;
        if (!(h > 0 && h < e && e <= maxl && l->lineno == h) || cpu[h] + sys[h] <= 0 ||
            !srcline_is_loop_header(l->source))
            continue;
        double mx = 0, mn = HUGE_VAL;
        int n = 0;
        for (uint32_t k = h; k <= e; k++) {
            const mcp_prof_line *x = api->profile_find_line(sd->p, fi, k);
            if (!x || x->region_start != h || x->region_end != e || cpu[k] + sys[k] <= 0)
                continue;
            double t = cpu[k] + sys[k];
            mx = fmax(mx, t);
            mn = fmin(mn, t);
            n++;
        }
        if (n < 2 || mx - mn > 0.02 * mx + 1e-4)
            continue;
        double mc = cpu[h] / (n - 1), ms = sys[h] / (n - 1);
        for (uint32_t k = h + 1; k <= e; k++) {
            const mcp_prof_line *x = api->profile_find_line(sd->p, fi, k);
            if (!x || x->region_start != h || x->region_end != e || cpu[k] + sys[k] <= 0)
                continue;
            cpu[k] += mc;
            sys[k] += ms;
        }
        cpu[h] = sys[h] = 0;
    }
}

static int build_side(side *sd)
{
    size_t nf = sd->s->n_files;
    sd->wait_share = wait_share_of(sd);
    sd->adjusted = sd->wait_share >= CONTENTION_SHARE;
    double wait_ratio = sd->adjusted ? sd->wait_share / fmax(1e-9, 1 - sd->wait_share) : 0;
    umap occ = {0};
    int rc = MCP_OK;
    for (size_t fi = 0; fi < nf && rc == MCP_OK; fi++) {
        const pysrc *src = src_of(sd, fi);
        const mcp_prof_file *f = api->profile_file(sd->p, fi);
        if (src->origin == PYSRC_SPARSE)
            sd->sparse = true;
        uint32_t maxl = src->n;
        for (size_t i = 0; i < f->n_lines; i++) {
            uint32_t ln = api->profile_line(sd->p, fi, i)->lineno;
            maxl = ln > maxl ? ln : maxl;
        }
        double *cpu = calloc((size_t)maxl + 2, sizeof *cpu);
        double *sys = calloc((size_t)maxl + 2, sizeof *sys);
        const char **names = calloc((size_t)maxl + 2, sizeof *names); /* by def line */
        if (!cpu || !sys || !names) {
            free(cpu);
            free(sys);
            free(names);
            rc = MCP_NOMEM;
            break;
        }
        file_seconds(sd, fi, maxl, cpu, sys);
        for (size_t i = 0; i < f->n_lines; i++)
            sd->allocated += api->profile_line(sd->p, fi, i)->m.malloc_mb;
        for (uint32_t ln = 1; ln <= maxl && rc == MCP_OK; ln++) {
            const mcp_prof_line *l = api->profile_find_line(sd->p, fi, ln);
            const char *text = l ? l->source : pysrc_text(src, ln);
            if (!l && src->origin == PYSRC_SPARSE)
                continue;
            char norm[NORM_MAX];
            pysrc_normalize(text, norm, sizeof norm);
            /* a line that only computes is compared on its CPU time: its
             * waiting (system time) is the machine's, not its own */
            bool compute_only = sys[ln] > 0 && bn_baseline_line(text);
            double sys_adj = compute_only ? 0 : fmax(0, sys[ln] - wait_ratio * cpu[ln]);
            sd->total_cpu += cpu[ln];
            sd->total_sys_raw += sys[ln];
            sd->total_t += cpu[ln] + sys_adj;
            if (!norm[0])
                continue;
            char fname[128];
            uint32_t def = pysrc_def_line(api, sd->p, fi, src, ln);
            const char *func = NULL;
            if (def != UINT32_MAX && def <= maxl && names[def]) {
                func = names[def];
            } else {
                pysrc_function_of(api, sd->p, fi, src, ln, fname, sizeof fname, NULL);
                /* match on the unqualified name: 1.5.x may write Class.method */
                const char *dot = strrchr(fname, '.');
                func = pool_str(sd, dot && fname[0] != '<' ? dot + 1 : fname);
                if (func && def != UINT32_MAX && def <= maxl)
                    names[def] = func;
            }
            cline *c = push_line(sd);
            if (!c || !func) {
                rc = MCP_NOMEM;
                break;
            }
            c->file = (uint32_t)fi;
            c->lineno = ln;
            c->text = text;
            c->func = func;
            c->cpu = cpu[ln];
            c->sys = sys_adj;
            c->t = cpu[ln] + sys_adj;
            c->raw = cpu[ln] + sys[ln];
            /* the n-th line with this text in this function / file */
            bool found;
            uint64_t k0 = key_of(sd->filekey[fi], func, norm);
            uint64_t k1 = key_of(sd->filekey[fi], "\x1d", norm);
            size_t *o0 = umap_slot(&occ, k0, &found);
            size_t n0 = o0 ? (found ? ++*o0 : 0) : 0;
            size_t *o1 = o0 ? umap_slot(&occ, k1 ^ 0x5555555555555555u, &found) : NULL;
            size_t n1 = o1 ? (found ? ++*o1 : 0) : 0;
            if (!o0 || !o1) {
                rc = MCP_NOMEM;
                break;
            }
            c->key = key_occ(k0, n0);
            c->key2 = key_occ(k1, n1);
        }
        free(cpu);
        free(sys);
        free(names);
    }
    umap_free(&occ);
    if (rc != MCP_OK)
        return rc;
    for (size_t i = 0; i < sd->n; i++) {
        bool found;
        size_t *v = umap_slot(&sd->by_key, sd->l[i].key, &found);
        size_t *v2 = v ? umap_slot(&sd->by_key2, sd->l[i].key2, &found) : NULL;
        if (!v || !v2)
            return MCP_NOMEM;
        *v = i;
        *v2 = i;
    }
    /* function totals from the lines (Scalene's records can undercount) */
    for (size_t i = 0; i < sd->n; i++) {
        cline *c = &sd->l[i];
        if (sd->nf == sd->capf) {
            size_t cap = sd->capf ? sd->capf * 2 : 64;
            func_tot *n = realloc(sd->f, cap * sizeof *n);
            if (!n)
                return MCP_NOMEM;
            sd->f = n;
            sd->capf = cap;
        }
        uint64_t k = key_of(sd->filekey[c->file], c->func, "\x1c");
        bool found;
        size_t *v = umap_slot(&sd->by_func, k, &found);
        if (!v)
            return MCP_NOMEM;
        if (found) {
            sd->f[*v].t += c->t;
            sd->f[*v].raw += c->raw;
            continue;
        }
        *v = sd->nf;
        sd->f[sd->nf++] = (func_tot){k, sd->filekey[c->file], c->func, c->t, c->raw, -1};
    }
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Comparison                                                           */
/* ------------------------------------------------------------------ */

typedef struct cmp_ctx {
    side b, a;
    double tol;     /* fraction */
    double min_sec; /* absolute floor */
    double interval;
} cmp_ctx;

static double noise(const cmp_ctx *x, double tb, double ta)
{
    return NOISE_Z * sqrt(x->interval * (fmax(0, tb) + fmax(0, ta)));
}

/* +1 regression, -1 improvement, 0 not significant. tb/ta are the compared
 * seconds, rb/ra the seconds the samples saw (for the noise). */
static int significant(const cmp_ctx *x, double tb, double ta, double rb, double ra)
{
    double d = ta - tb;
    if (fabs(d) < noise(x, rb, ra) || fabs(d) < x->min_sec)
        return 0;
    if (tb > 0 && fabs(d) < x->tol * tb)
        return 0;
    return d > 0 ? 1 : -1;
}

static void match_lines(cmp_ctx *x)
{
    for (size_t i = 0; i < x->a.n; i++) {
        size_t j;
        if (umap_get(&x->b.by_key, x->a.l[i].key, &j) && x->b.l[j].match < 0) {
            x->a.l[i].match = (long)j;
            x->b.l[j].match = (long)i;
        }
    }
    for (size_t i = 0; i < x->a.n; i++) {
        size_t j;
        if (x->a.l[i].match >= 0)
            continue;
        if (umap_get(&x->b.by_key2, x->a.l[i].key2, &j) && x->b.l[j].match < 0) {
            x->a.l[i].match = (long)j;
            x->b.l[j].match = (long)i;
            x->a.l[i].by_text = x->b.l[j].by_text = true;
        }
    }
    for (size_t i = 0; i < x->a.nf; i++) {
        size_t j;
        if (umap_get(&x->b.by_func, x->a.f[i].key, &j)) {
            x->a.f[i].match = (long)j;
            x->b.f[j].match = (long)i;
        }
    }
}

typedef struct change {
    const cline *bl, *al; /* either may be NULL (new / removed) */
    const func_tot *bf, *af;
    double tb, ta, d;
    double rb, ra; /* raw seconds, for the noise */
} change;

typedef struct changes {
    change *v;
    size_t n, cap;
} changes;

static int push_change(changes *cs, change c)
{
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 32;
        change *n = realloc(cs->v, cap * sizeof *n);
        if (!n)
            return MCP_NOMEM;
        cs->v = n;
        cs->cap = cap;
    }
    cs->v[cs->n++] = c;
    return MCP_OK;
}

static int by_gain(const void *x, const void *y)
{
    double a = ((const change *)x)->d, b = ((const change *)y)->d;
    return a > b ? -1 : (a < b);
}

static int by_loss(const void *x, const void *y)
{
    return -by_gain(x, y);
}

static cJSON *num_or_null(double v, bool ok)
{
    return ok && isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *line_json(const cmp_ctx *x, const change *c)
{
    const cline *l = c->al ? c->al : c->bl;
    const side *sd = c->al ? &x->a : &x->b;
    cJSON *o = cJSON_CreateObject();
    char src[256];
    srcline_clip(l->text, 160, src, sizeof src);
    cJSON_AddStringToObject(o, "file", sd->filekey[l->file]);
    cJSON_AddStringToObject(o, "function", l->func);
    cJSON_AddStringToObject(o, "source", src);
    cJSON_AddItemToObject(o, "before_line",
                          c->bl ? cJSON_CreateNumber(c->bl->lineno) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "after_line",
                          c->al ? cJSON_CreateNumber(c->al->lineno) : cJSON_CreateNull());
    cJSON_AddNumberToObject(o, "before_sec", c->tb);
    cJSON_AddNumberToObject(o, "after_sec", c->ta);
    cJSON_AddNumberToObject(o, "change_sec", c->d);
    cJSON_AddItemToObject(o, "change_percent", num_or_null(100 * c->d / c->tb, c->tb > 0));
    cJSON_AddNumberToObject(o, "noise_sec", noise(x, c->rb, c->ra));
    cJSON_AddBoolToObject(o, "matched_by_text_only",
                          c->bl && c->al && (c->bl->by_text || c->al->by_text));
    return o;
}

static cJSON *func_json(const cmp_ctx *x, const change *c)
{
    const func_tot *f = c->af ? c->af : c->bf;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", f->file);
    cJSON_AddStringToObject(o, "function", f->func);
    cJSON_AddNumberToObject(o, "before_sec", c->tb);
    cJSON_AddNumberToObject(o, "after_sec", c->ta);
    cJSON_AddNumberToObject(o, "change_sec", c->d);
    cJSON_AddItemToObject(o, "change_percent", num_or_null(100 * c->d / c->tb, c->tb > 0));
    cJSON_AddNumberToObject(o, "noise_sec", noise(x, c->rb, c->ra));
    return o;
}

static void pct(char *out, size_t n, double d, double base)
{
    if (base > 0 && fabs(d) <= 100 * base)
        snprintf(out, n, "%+.0f%%", 100 * d / base);
    else if (base > 0)
        snprintf(out, n, "%s>100x", d > 0 ? "+" : "-");
    else
        snprintf(out, n, "new");
}

static void line_text(textbuf *b, const cmp_ctx *x, const change *c, size_t rank)
{
    const cline *l = c->al ? c->al : c->bl;
    const side *sd = c->al ? &x->a : &x->b;
    char src[200], p[32], where[64];
    srcline_clip(l->text, 100, src, sizeof src);
    pct(p, sizeof p, c->d, c->tb);
    if (c->bl && c->al && c->bl->lineno != c->al->lineno)
        snprintf(where, sizeof where, "%u (was %u)", c->al->lineno, c->bl->lineno);
    else
        snprintf(where, sizeof where, "%u", l->lineno);
    textbuf_printf(b, "%zu. %s:%s in %s%s `%s`: %.2f -> %.2f s (%+.2f s, %s; noise +-%.2f s)\n",
                   rank, sd->filekey[l->file], where, l->func, l->func[0] == '<' ? "" : "()", src,
                   c->tb, c->ta, c->d, p, noise(x, c->rb, c->ra));
}

static void func_text(textbuf *b, const cmp_ctx *x, const change *c, size_t rank)
{
    const func_tot *f = c->af ? c->af : c->bf;
    char p[32];
    pct(p, sizeof p, c->d, c->tb);
    textbuf_printf(b, "%zu. %s %s%s: %.2f -> %.2f s (%+.2f s, %s; noise +-%.2f s)\n", rank, f->file,
                   f->func, f->func[0] == '<' ? "" : "()", c->tb, c->ta, c->d, p,
                   noise(x, c->rb, c->ra));
}

/* Adds one list to text and JSON within the budget; returns how many were
 * left out. */
static size_t emit_list(textbuf *b, cJSON *arr, const cmp_ctx *x, const changes *cs, bool funcs,
                        const char *title, size_t top_n, size_t budget, bool *cut)
{
    if (!cs->n)
        return 0;
    size_t before = b->len;
    textbuf_printf(b, "%s:\n", title);
    size_t shown = 0;
    for (size_t i = 0; i < cs->n && shown < top_n && !*cut; i++) {
        size_t mark = b->len;
        if (funcs)
            func_text(b, x, &cs->v[i], shown + 1);
        else
            line_text(b, x, &cs->v[i], shown + 1);
        if (b->len > budget) {
            textbuf_cut(b, mark);
            *cut = true;
            break;
        }
        cJSON_AddItemToArray(arr, funcs ? func_json(x, &cs->v[i]) : line_json(x, &cs->v[i]));
        shown++;
    }
    if (!shown)
        textbuf_cut(b, before);
    return cs->n - shown;
}

typedef struct total_row {
    const char *metric, *unit;
    double b, a;
    int sig;
    double rb, ra; /* raw seconds for the noise */
} total_row;

static int compare(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    const char *bid = plugin_arg_str(args, "before_id", "");
    const char *aid = plugin_arg_str(args, "after_id", "");
    double tol_pct = plugin_arg_num(args, "tolerance", DEFAULT_TOLERANCE);
    int top_n = plugin_arg_int(args, "top_n", DEFAULT_TOP_N);
    int max_bytes = plugin_arg_int(args, "max_bytes", DEFAULT_MAX_BYTES);
    cmp_ctx x;
    memset(&x, 0, sizeof x);
    x.tol = tol_pct / 100.0;
    x.interval = SAMPLING_INTERVAL;
    mcp_plugin *self = api->call_plugin(call);
    if (plugin_open_profile_id(api, call, "before_id", bid, &x.b.p) != MCP_OK)
        return MCP_INVALID;
    if (plugin_open_profile_id(api, call, "after_id", aid, &x.a.p) != MCP_OK) {
        api->profile_release(self, x.b.p);
        return MCP_INVALID;
    }
    x.b.s = api->profile_summary(x.b.p);
    x.a.s = api->profile_summary(x.a.p);
    x.min_sec = fmax(MIN_SAMPLES_FLOOR * x.interval,
                     MIN_ELAPSED_SHARE * fmax(x.b.s->elapsed_sec, x.a.s->elapsed_sec));
    int rc = file_keys(&x.b, &x.a);
    if (rc == MCP_OK)
        rc = build_side(&x.b);
    if (rc == MCP_OK)
        rc = build_side(&x.a);
    changes lreg = {0}, limp = {0}, lnew = {0}, lrem = {0}, freg = {0}, fimp = {0};
    size_t matched = 0;
    if (rc == MCP_OK) {
        match_lines(&x);
        for (size_t i = 0; i < x.a.n && rc == MCP_OK; i++) {
            const cline *al = &x.a.l[i];
            if (al->match >= 0) {
                const cline *bl = &x.b.l[al->match];
                matched++;
                int s = significant(&x, bl->t, al->t, bl->raw, al->raw);
                change c = {bl, al, NULL, NULL, bl->t, al->t, al->t - bl->t, bl->raw, al->raw};
                if (s > 0)
                    rc = push_change(&lreg, c);
                else if (s < 0)
                    rc = push_change(&limp, c);
            } else if (significant(&x, 0, al->t, 0, al->raw) > 0) {
                rc =
                    push_change(&lnew, (change){NULL, al, NULL, NULL, 0, al->t, al->t, 0, al->raw});
            }
        }
        for (size_t i = 0; i < x.b.n && rc == MCP_OK; i++) {
            const cline *bl = &x.b.l[i];
            if (bl->match < 0 && significant(&x, bl->t, 0, bl->raw, 0) < 0)
                rc = push_change(&lrem,
                                 (change){bl, NULL, NULL, NULL, bl->t, 0, -bl->t, bl->raw, 0});
        }
        for (size_t i = 0; i < x.a.nf && rc == MCP_OK; i++) {
            const func_tot *af = &x.a.f[i];
            const func_tot *bf = af->match >= 0 ? &x.b.f[af->match] : NULL;
            double tb = bf ? bf->t : 0, rb = bf ? bf->raw : 0;
            int s = significant(&x, tb, af->t, rb, af->raw);
            change c = {NULL, NULL, bf, af, tb, af->t, af->t - tb, rb, af->raw};
            if (s > 0)
                rc = push_change(&freg, c);
            else if (s < 0)
                rc = push_change(&fimp, c);
        }
        for (size_t i = 0; x.b.f && i < x.b.nf && rc == MCP_OK; i++) {
            const func_tot *bf = &x.b.f[i];
            if (bf->match < 0 && significant(&x, bf->t, 0, bf->raw, 0) < 0)
                rc = push_change(&fimp,
                                 (change){NULL, NULL, bf, NULL, bf->t, 0, -bf->t, bf->raw, 0});
        }
    }
    if (rc != MCP_OK) {
        api->result_error(call, NULL, "out of memory comparing the profiles");
        goto done;
    }
    /* an empty list has no array: qsort(NULL, 0, ...) is undefined */
    if (lreg.n)
        qsort(lreg.v, lreg.n, sizeof *lreg.v, by_gain);
    if (lnew.n)
        qsort(lnew.v, lnew.n, sizeof *lnew.v, by_gain);
    if (freg.n)
        qsort(freg.v, freg.n, sizeof *freg.v, by_gain);
    if (limp.n)
        qsort(limp.v, limp.n, sizeof *limp.v, by_loss);
    if (lrem.n)
        qsort(lrem.v, lrem.n, sizeof *lrem.v, by_loss);
    if (fimp.n)
        qsort(fimp.v, fimp.n, sizeof *fimp.v, by_loss);

    /* totals */
    const mcp_prof_summary *sb = x.b.s, *sa = x.a.s;
    total_row rows[] = {
        {"elapsed_sec", "s", sb->elapsed_sec, sa->elapsed_sec, 0, 0, 0},
        {"profiled_sec", "s", x.b.total_t, x.a.total_t, 0, 0, 0},
        {"cpu_python_sec", "s", sb->cpu_python / 100 * sb->elapsed_sec,
         sa->cpu_python / 100 * sa->elapsed_sec, 0, 0, 0},
        {"cpu_native_sec", "s", sb->cpu_native / 100 * sb->elapsed_sec,
         sa->cpu_native / 100 * sa->elapsed_sec, 0, 0, 0},
        {"cpu_system_sec", "s", sb->cpu_system / 100 * sb->elapsed_sec,
         sa->cpu_system / 100 * sa->elapsed_sec, 0, 0, 0},
        {"peak_memory_mb", "MB", sb->max_footprint_mb, sa->max_footprint_mb, 0, 0, 0},
        {"allocated_mb", "MB", x.b.allocated, x.a.allocated, 0, 0, 0},
    };
    size_t nrows = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < nrows; i++) {
        rows[i].rb = rows[i].b;
        rows[i].ra = rows[i].a;
    }
    rows[1].rb = x.b.total_cpu + x.b.total_sys_raw;
    rows[1].ra = x.a.total_cpu + x.a.total_sys_raw;
    for (size_t i = 0; i < nrows; i++) {
        total_row *r = &rows[i];
        double d = r->a - r->b;
        if (!strcmp(r->unit, "MB")) {
            bool mem_on = sb->memory && sa->memory;
            r->sig = mem_on && fabs(d) >= MIN_MEMORY_MB && (r->b <= 0 || fabs(d) >= x.tol * r->b)
                         ? (d > 0 ? 1 : -1)
                         : 0;
        } else if (!strcmp(r->metric, "elapsed_sec")) {
            /* wall time has no sampling noise, only run-to-run jitter */
            r->sig = fabs(d) >= x.min_sec && (r->b <= 0 || fabs(d) >= x.tol * r->b)
                         ? (d > 0 ? 1 : -1)
                         : 0;
        } else {
            r->sig = significant(&x, r->b, r->a, r->rb, r->ra);
        }
    }
    /* verdict: the profiled time (contention taken out) and peak memory,
     * then the lines */
    int time_dir = rows[1].sig, mem_dir = rows[5].sig;
    bool up = time_dir > 0 || mem_dir > 0, down = time_dir < 0 || mem_dir < 0;
    if (!up && !down) {
        up = lreg.n || lnew.n;
        down = limp.n || lrem.n;
    }
    const char *verdict = up && down ? "mixed"
                          : up       ? "regression"
                          : down     ? "improvement"
                                     : "no_significant_change";

    textbuf b;
    textbuf_init(&b);
    size_t budget = max_bytes > 400 ? (size_t)max_bytes - 250 : 150;
    bool cut = false;
    const char *vtext =
        !strcmp(verdict, "no_significant_change") ? "no significant change" : verdict;
    textbuf_printf(&b,
                   "Comparison %s -> %s: %s (tolerance %g%%, noise 3 sigma at %.2g s/sample, "
                   "floor %.2f s).\n",
                   sb->id, sa->id, vtext, tol_pct, x.interval, x.min_sec);
    textbuf_puts(&b, "Totals (before -> after):\n");
    for (size_t i = 0; i < nrows; i++) {
        total_row *r = &rows[i];
        char p[32];
        pct(p, sizeof p, r->a - r->b, r->b);
        if (r->b == 0 && r->a == 0)
            snprintf(p, sizeof p, "0%%");
        textbuf_printf(&b, "- %s: %.2f -> %.2f %s (%+.2f, %s)%s\n", r->metric, r->b, r->a, r->unit,
                       r->a - r->b, p,
                       r->sig > 0   ? " regression"
                       : r->sig < 0 ? " improvement"
                                    : "");
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "before_id", sb->id);
    cJSON_AddStringToObject(out, "after_id", sa->id);
    cJSON_AddNumberToObject(out, "tolerance_percent", tol_pct);
    cJSON_AddStringToObject(out, "verdict", verdict);
    cJSON *sig = cJSON_AddObjectToObject(out, "significance");
    cJSON_AddNumberToObject(sig, "sampling_interval_sec", x.interval);
    cJSON_AddNumberToObject(sig, "z", NOISE_Z);
    cJSON_AddNumberToObject(sig, "min_seconds", x.min_sec);
    cJSON_AddNumberToObject(sig, "min_memory_mb", MIN_MEMORY_MB);
    cJSON_AddBoolToObject(sig, "contention_adjusted", x.b.adjusted || x.a.adjusted);
    cJSON *tot = cJSON_AddArrayToObject(out, "totals");
    for (size_t i = 0; i < nrows; i++) {
        total_row *r = &rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "metric", r->metric);
        cJSON_AddStringToObject(o, "unit", r->unit);
        cJSON_AddNumberToObject(o, "before", r->b);
        cJSON_AddNumberToObject(o, "after", r->a);
        cJSON_AddNumberToObject(o, "change", r->a - r->b);
        cJSON_AddItemToObject(o, "change_percent",
                              num_or_null(100 * (r->a - r->b) / r->b, r->b > 0));
        cJSON_AddBoolToObject(o, "significant", r->sig != 0);
        cJSON_AddStringToObject(o, "direction",
                                r->sig > 0   ? "regression"
                                : r->sig < 0 ? "improvement"
                                             : "unchanged");
        cJSON_AddItemToArray(tot, o);
    }
    cJSON *fn = cJSON_AddObjectToObject(out, "functions");
    cJSON *fr = cJSON_AddArrayToObject(fn, "regressions");
    cJSON *fi = cJSON_AddArrayToObject(fn, "improvements");
    cJSON *ln = cJSON_AddObjectToObject(out, "lines");
    cJSON *lr = cJSON_AddArrayToObject(ln, "regressions");
    cJSON *li = cJSON_AddArrayToObject(ln, "improvements");
    cJSON *nw = cJSON_AddArrayToObject(out, "new_code");
    cJSON *rm = cJSON_AddArrayToObject(out, "removed_code");
    size_t left = 0;
    left += emit_list(&b, lr, &x, &lreg, false, "Line regressions", (size_t)top_n, budget, &cut);
    left += emit_list(&b, li, &x, &limp, false, "Line improvements", (size_t)top_n, budget, &cut);
    left += emit_list(&b, fr, &x, &freg, true, "Function regressions", (size_t)top_n, budget, &cut);
    left +=
        emit_list(&b, fi, &x, &fimp, true, "Function improvements", (size_t)top_n, budget, &cut);
    left += emit_list(&b, nw, &x, &lnew, false, "New code (no matching line before)", (size_t)top_n,
                      budget, &cut);
    left += emit_list(&b, rm, &x, &lrem, false, "Removed code (no matching line after)",
                      (size_t)top_n, budget, &cut);
    if (!lreg.n && !limp.n && !lnew.n && !lrem.n)
        textbuf_printf(&b, "No line changed by more than the noise, %.2f s and %g%%.\n", x.min_sec,
                       tol_pct);
    cJSON *notes = cJSON_AddArrayToObject(out, "notes");
    char note[600];
    if (x.b.adjusted || x.a.adjusted) {
        snprintf(note, sizeof note,
                 "The machine was busy during %s%s%s (compute-only lines show %.0f%% / %.0f%% "
                 "system time): that waiting was taken out of every line's system time before "
                 "comparing.",
                 x.b.adjusted ? "the before run" : "", x.b.adjusted && x.a.adjusted ? " and " : "",
                 x.a.adjusted ? "the after run" : "", 100 * x.b.wait_share, 100 * x.a.wait_share);
        textbuf_printf(&b, "Note: %s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (rows[0].sig && !rows[1].sig) {
        snprintf(note, sizeof note,
                 "Elapsed time changed %+.0f%% but the time Scalene attributed to lines did not "
                 "change significantly: the difference is start-up, unprofiled code or machine "
                 "load, not the profiled code.",
                 rows[0].b > 0 ? 100 * (rows[0].a - rows[0].b) / rows[0].b : 0);
        textbuf_printf(&b, "Note: %s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (x.a.renamed) {
        snprintf(note, sizeof note,
                 "Files with different names were paired because most of their source lines are "
                 "the same (a renamed or copied script); they are shown under the before name.");
        textbuf_printf(&b, "Note: %s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (x.b.sparse || x.a.sparse) {
        snprintf(note, sizeof note,
                 "The %s profile records only sampled lines and its source file could not be "
                 "read: lines without samples there cannot be told from new or removed code.",
                 x.b.sparse ? "before" : "after");
        textbuf_printf(&b, "Note: %s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (strcmp(sb->scalene_version, sa->scalene_version) != 0) {
        snprintf(note, sizeof note,
                 "Different Scalene versions (%s, %s): their overheads and attribution differ "
                 "(2.x loop samples were moved from loop headers to their bodies to match).",
                 sb->scalene_version, sa->scalene_version);
        textbuf_printf(&b, "Note: %s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (left)
        textbuf_printf(&b, "(%zu more entries not shown: %s; raise %s)\n", left,
                       cut ? "max_bytes reached" : "top_n reached", cut ? "max_bytes" : "top_n");
    cJSON_AddNumberToObject(out, "matched_lines", (double)matched);
    cJSON_AddBoolToObject(out, "truncated", left > 0);
    api->result_text(call, "%s", textbuf_str(&b));
    api->result_structured(call, out);
    textbuf_free(&b);
done:
    free(lreg.v);
    free(limp.v);
    free(lnew.v);
    free(lrem.v);
    free(freg.v);
    free(fimp.v);
    side_free(&x.b);
    side_free(&x.a);
    api->profile_release(self, x.b.p);
    api->profile_release(self, x.a.p);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Registration                                                         */
/* ------------------------------------------------------------------ */

#define NUM "{\"type\":\"number\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"
#define BOOL "{\"type\":\"boolean\"}"
#define NUMNULL "{\"type\":[\"number\",\"null\"]}"
#define INTNULL "{\"type\":[\"integer\",\"null\"]}"

#define LINE_ITEM                                                                                  \
    "{\"type\":\"object\",\"properties\":{\"file\":" STR ",\"function\":" STR ",\"source\":" STR   \
    ",\"before_line\":" INTNULL ",\"after_line\":" INTNULL ",\"before_sec\":" NUM                  \
    ",\"after_sec\":" NUM ",\"change_sec\":" NUM ",\"change_percent\":" NUMNULL                    \
    ",\"noise_sec\":" NUM ",\"matched_by_text_only\":" BOOL "},"                                   \
    "\"required\":[\"file\",\"function\",\"source\",\"before_line\",\"after_line\","               \
    "\"before_sec\",\"after_sec\",\"change_sec\",\"change_percent\",\"noise_sec\","                \
    "\"matched_by_text_only\"],\"additionalProperties\":false}"

#define FUNC_ITEM                                                                                  \
    "{\"type\":\"object\",\"properties\":{\"file\":" STR ",\"function\":" STR                      \
    ",\"before_sec\":" NUM ",\"after_sec\":" NUM ",\"change_sec\":" NUM                            \
    ",\"change_percent\":" NUMNULL ",\"noise_sec\":" NUM "},"                                      \
    "\"required\":[\"file\",\"function\",\"before_sec\",\"after_sec\",\"change_sec\","             \
    "\"change_percent\",\"noise_sec\"],\"additionalProperties\":false}"

static const char input_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"before_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"
    "\"description\":\"the baseline profile\"},"
    "\"after_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"
    "\"description\":\"the profile to judge against it\"},"
    "\"tolerance\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1000,\"default\":10,"
    "\"description\":\"smallest relative change (percent) called significant, on top of the "
    "sampling-noise test\"},"
    "\"top_n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10,"
    "\"description\":\"most entries per list\"},"
    "\"max_bytes\":{\"type\":\"integer\",\"minimum\":500,\"maximum\":1000000,\"default\":6000}},"
    "\"required\":[\"before_id\",\"after_id\"],\"additionalProperties\":false}";

static const char output_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"before_id\":" STR ",\"after_id\":" STR ",\"tolerance_percent\":" NUM ","
    "\"verdict\":{\"type\":\"string\",\"enum\":[\"regression\",\"improvement\",\"mixed\","
    "\"no_significant_change\"]},"
    "\"significance\":{\"type\":\"object\",\"properties\":{\"sampling_interval_sec\":" NUM
    ",\"z\":" NUM ",\"min_seconds\":" NUM ",\"min_memory_mb\":" NUM ",\"contention_adjusted\":" BOOL
    "},\"required\":[\"sampling_interval_sec\",\"z\","
    "\"min_seconds\",\"min_memory_mb\",\"contention_adjusted\"],\"additionalProperties\":false},"
    "\"totals\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"metric\":" STR ",\"unit\":" STR ",\"before\":" NUM ",\"after\":" NUM ",\"change\":" NUM
    ",\"change_percent\":" NUMNULL ",\"significant\":" BOOL ",\"direction\":{\"type\":\"string\","
    "\"enum\":[\"regression\",\"improvement\",\"unchanged\"]}},\"required\":[\"metric\",\"unit\","
    "\"before\",\"after\",\"change\",\"change_percent\",\"significant\",\"direction\"],"
    "\"additionalProperties\":false}},"
    "\"functions\":{\"type\":\"object\",\"properties\":{\"regressions\":{\"type\":\"array\","
    "\"items\":" FUNC_ITEM "},\"improvements\":{\"type\":\"array\",\"items\":" FUNC_ITEM "}},"
    "\"required\":[\"regressions\",\"improvements\"],\"additionalProperties\":false},"
    "\"lines\":{\"type\":\"object\",\"properties\":{\"regressions\":{\"type\":\"array\","
    "\"items\":" LINE_ITEM "},\"improvements\":{\"type\":\"array\",\"items\":" LINE_ITEM "}},"
    "\"required\":[\"regressions\",\"improvements\"],\"additionalProperties\":false},"
    "\"new_code\":{\"type\":\"array\",\"items\":" LINE_ITEM "},"
    "\"removed_code\":{\"type\":\"array\",\"items\":" LINE_ITEM "},"
    "\"matched_lines\":" INT ",\"truncated\":" BOOL ",\"notes\":{\"type\":\"array\",\"items\":" STR
    "}},"
    "\"required\":[\"before_id\",\"after_id\",\"tolerance_percent\",\"verdict\",\"significance\","
    "\"totals\",\"functions\",\"lines\",\"new_code\",\"removed_code\",\"matched_lines\","
    "\"truncated\",\"notes\"],\"additionalProperties\":false}";

static int cmp_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    if (api->abi_major != MCP_ABI_MAJOR || !MCP_HAS(api, profile_find_line)) {
        if (api->set_error)
            api->set_error(self, "comparator needs a host with SDK ABI %d.%d or newer",
                           MCP_ABI_MAJOR, MCP_ABI_MINOR);
        return MCP_VERSION;
    }
    mcp_tool_def def = {
        .version = MCP_TOOL_DEF_VERSION,
        .name = "compare_profiles",
        .title = "Compare two profiles",
        .description =
            "Before/after comparison of two stored profiles: totals (elapsed, time attributed "
            "to lines, CPU split, peak and allocated memory) with absolute and relative change; "
            "per-function and per-line regressions and improvements in absolute seconds, "
            "matched by file, function and normalized source text so edits that shift line "
            "numbers still match; new and removed code; and a verdict that only calls a change "
            "significant beyond sampling noise (3 sigma), an absolute floor and `tolerance`. "
            "Use after changing code and profiling again.",
        .input_schema = input_schema,
        .output_schema = output_schema,
        .annotations = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT,
        .handler = compare,
    };
    return api->register_tool(self, &def);
}

MCP_PLUGIN("comparator", "1.0.0", cmp_init, NULL);
