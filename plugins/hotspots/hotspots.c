/*
 * hotspots.c - the hotspots analyzer: get_cpu_hotspots, get_memory_hotspots,
 * get_call_paths, and the "cpu_hotspots" and "memory_hotspots" sections of
 * analyze_profile. SDK only (docs/analyzers-hotspots.md describes the
 * answers, the thresholds and why loop regions are merged).
 *
 * What Scalene's numbers mean here (reference scalene.md section 12):
 *  - 2.x spreads each sample of a loop without calls evenly over the loop's
 *    lines, header included, so they tie exactly. Lines of one loop region
 *    (start_region_line..end_region_line, headed by a real loop) that carry
 *    the same share are one hotspot: the region, with its lines, ranked by
 *    their sum.
 *  - On Python 3.11 a def line can carry a large share (a loop's jump back
 *    has no line number); such a hotspot says so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anl.h"
#include "scalene_mcp.h"
#include "schemas.h"

#define HS_DEFAULT_TOP_N 10
#define HS_DEFAULT_MAX_BYTES 6000
#define HS_FOLDED_DEFAULT_MAX_BYTES 60000
#define HS_SECTION_TOP_N 5
#define HS_SOURCE_MAX 100       /* bytes of a source line in the text */
#define HS_REGION_MAX_LINES 8   /* member lines printed per region */
#define HS_TIE_REL 1e-6         /* relative difference that still counts as a tie */
#define HS_COPY_HIGH_MB_S 100.0 /* n_copy_mb_s flagged as high from here */
#define HS_PATHS_PER_TARGET 3
#define HS_PATH_MAX_FRAMES 8 /* frames printed per path in the text */
#define HS_FOLDED_HEADER 400 /* bytes kept for the text before a folded export */

/* ------------------------------------------------------------------ */
/* CPU hotspots: lines and tied loop regions                            */
/* ------------------------------------------------------------------ */

typedef struct hs_cand {
    size_t fi;
    const mcp_prof_line *l;
    double cpu;
    uint32_t rs, re; /* loop region (2.x), 0 when the line is in none */
    size_t hot;      /* index of its hotspot in hs_ctx.h */
} hs_cand;

typedef struct hs_hot {
    size_t fi;
    size_t c0, nc; /* members: cands[c0 .. c0 + nc), by line number */
    uint32_t first, last;
    double cpu, py, nat, sys, per_line;
    double core; /* CPU-weighted mean core utilization, -1 when absent */
    bool region;
} hs_hot;

typedef struct hs_ctx {
    const mcp_profile *p;
    const mcp_prof_summary *sm;
    anl_file *files;
    size_t n_files;
    hs_cand *c;
    size_t nc;
    hs_hot *h;
    size_t nh;
    bool oom;
} hs_ctx;

static bool ctx_init(hs_ctx *x, const mcp_profile *p)
{
    memset(x, 0, sizeof *x);
    x->p = p;
    x->sm = anl_api->profile_summary(p);
    x->n_files = x->sm->n_files;
    x->files = calloc(x->n_files + 1, sizeof *x->files);
    if (!x->files)
        return false;
    for (size_t i = 0; i < x->n_files; i++)
        anl_file_init(&x->files[i], p, i);
    return true;
}

static void ctx_free(hs_ctx *x)
{
    for (size_t i = 0; x->files && i < x->n_files; i++)
        anl_file_free(&x->files[i]);
    free(x->files);
    free(x->c);
    free(x->h);
    memset(x, 0, sizeof *x);
}

static int cand_group_cmp(const void *a, const void *b)
{
    const hs_cand *x = a, *y = b;
    if (x->fi != y->fi)
        return x->fi < y->fi ? -1 : 1;
    if (x->rs != y->rs)
        return x->rs < y->rs ? -1 : 1;
    if (x->re != y->re)
        return x->re < y->re ? -1 : 1;
    if (x->rs && x->cpu != y->cpu)
        return x->cpu < y->cpu ? -1 : 1;
    return x->l->lineno < y->l->lineno ? -1 : x->l->lineno > y->l->lineno;
}

static int cand_line_cmp(const void *a, const void *b)
{
    const hs_cand *x = a, *y = b;
    return x->l->lineno < y->l->lineno ? -1 : x->l->lineno > y->l->lineno;
}

static int hot_cmp(const void *a, const void *b)
{
    const hs_hot *x = a, *y = b;
    if (x->cpu != y->cpu)
        return x->cpu > y->cpu ? -1 : 1;
    if (x->fi != y->fi)
        return x->fi < y->fi ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static bool ties(double a, double b)
{
    return fabs(a - b) <= HS_TIE_REL * fmax(fabs(a), fabs(b));
}

/* The loop region a line's share may be spread over (2.x), or 0. */
static void loop_region(anl_file *af, const mcp_prof_line *l, uint32_t *rs, uint32_t *re)
{
    *rs = *re = 0;
    if (!af->has_bounds || !l->region_start || l->region_end <= l->region_start)
        return;
    if (l->region_start == l->func_start && l->region_end == l->func_end)
        return;
    if (!srcline_is_loop_header(anl_text(af, l->region_start)))
        return;
    *rs = l->region_start;
    *re = l->region_end;
}

/* Collects the CPU hotspots of one file (only_fi) or all, ranked. */
static bool cpu_collect(hs_ctx *x, size_t only_fi)
{
    size_t n = 0;
    for (size_t fi = 0; fi < x->n_files; fi++)
        if (only_fi == PLUGIN_ALL_FILES || fi == only_fi)
            n += x->files[fi].info->n_lines;
    x->c = malloc((n + 1) * sizeof *x->c);
    x->h = malloc((n + 1) * sizeof *x->h);
    if (!x->c || !x->h)
        return !(x->oom = true);
    for (size_t fi = 0; fi < x->n_files; fi++) {
        if (only_fi != PLUGIN_ALL_FILES && fi != only_fi)
            continue;
        anl_file *af = &x->files[fi];
        for (size_t i = 0; i < af->info->n_lines; i++) {
            const mcp_prof_line *l = anl_api->profile_line(x->p, fi, i);
            double cpu = anl_cpu(&l->m);
            if (!(cpu > 0))
                continue;
            hs_cand *c = &x->c[x->nc++];
            c->fi = fi;
            c->l = l;
            c->cpu = cpu;
            loop_region(af, l, &c->rs, &c->re);
        }
    }
    if (x->nc)
        qsort(x->c, x->nc, sizeof *x->c, cand_group_cmp);
    for (size_t i = 0; i < x->nc;) {
        size_t j = i + 1;
        if (x->c[i].rs)
            while (j < x->nc && x->c[j].fi == x->c[i].fi && x->c[j].rs == x->c[i].rs &&
                   x->c[j].re == x->c[i].re && ties(x->c[j].cpu, x->c[j - 1].cpu))
                j++;
        if (j - i > 1)
            qsort(&x->c[i], j - i, sizeof *x->c, cand_line_cmp);
        hs_hot *h = &x->h[x->nh++];
        memset(h, 0, sizeof *h);
        h->fi = x->c[i].fi;
        h->c0 = i;
        h->nc = j - i;
        h->first = x->c[i].l->lineno;
        h->last = x->c[j - 1].l->lineno;
        h->region = j - i > 1;
        double core_w = 0, core_sum = 0;
        for (size_t k = i; k < j; k++) {
            const mcp_metrics *m = &x->c[k].l->m;
            h->cpu += x->c[k].cpu;
            h->py += m->cpu_python;
            h->nat += m->cpu_native;
            h->sys += m->cpu_system;
            if (m->core_utilization >= 0) {
                core_sum += m->core_utilization * x->c[k].cpu;
                core_w += x->c[k].cpu;
            }
        }
        h->per_line = h->cpu / (double)h->nc;
        h->core = core_w > 0 ? core_sum / core_w : -1;
        i = j;
    }
    if (x->nh)
        qsort(x->h, x->nh, sizeof *x->h, hot_cmp);
    for (size_t k = 0; k < x->nh; k++)
        for (size_t j = 0; j < x->h[k].nc; j++)
            x->c[x->h[k].c0 + j].hot = k;
    return true;
}

static const mcp_prof_line *hot_line(const hs_ctx *x, const hs_hot *h, size_t k)
{
    /* a hotspot groups nc >= 1 candidates, all set (the analyzer loses that) */
    // NOLINTNEXTLINE(clang-analyzer-core.uninitialized.UndefReturn)
    return x->c[h->c0 + k].l;
}

/* Def line carrying time (Python 3.11+: a loop's jump back lands there). */
static bool hot_is_def_line(hs_ctx *x, const hs_hot *h, const anl_func *fn)
{
    if (h->region || fn->module || h->first != fn->start)
        return false;
    return srcline_is_def(anl_text(&x->files[h->fi], h->first));
}

static const char *func_display(const anl_func *fn)
{
    return fn->module ? "<module>" : fn->name;
}

/* What dominates a hotspot's time, and what to do, for recommendations. */
static const char *cpu_advice(hs_ctx *x, const hs_hot *h, const anl_func *fn, bool loop)
{
    if (hot_is_def_line(x, h, fn))
        return "on its def line, which is the jump back of its loops (Python 3.11+): speed up "
               "the loops in this function";
    if (!h->region && srcline_is_import(hot_line(x, h, 0)->source))
        return "spent importing: import the module lazily where it is needed, or drop it";
    double total = h->py + h->nat + h->sys, alloc = 0;
    for (size_t k = 0; k < h->nc; k++)
        alloc += hot_line(x, h, k)->m.malloc_mb;
    if (total > 0 && h->py / total >= 0.6)
        return loop ? "mostly Python interpreter time in a loop: vectorize it (NumPy), use "
                      "built-ins or comprehensions, or compile it (Cython, Numba)"
                    : "mostly Python interpreter time: do less work per call, use built-ins, "
                      "or move the computation to compiled code (NumPy, Cython, Numba)";
    if (total > 0 && h->nat / total >= 0.6)
        return "mostly native code (library calls): check the algorithm and arguments of the "
               "call, and call it fewer times with bigger batches";
    if (total > 0 && h->sys / total >= 0.5)
        return alloc >= 100 ? "mostly system time while allocating (page faults of a large "
                              "allocation): allocate less, or allocate once and reuse it"
                            : "mostly system time (I/O, sleeping, waiting): batch, buffer or "
                              "overlap the I/O (async, threads), or remove the wait";
    return "mixed Python and native time: the first place to optimize";
}

/* ---- text of one CPU hotspot ---- */

static int digits(uint32_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static int min_indent(anl_file *af, uint32_t from, uint32_t to)
{
    int best = -1;
    for (uint32_t k = from; k <= to; k++) {
        const char *t = anl_text(af, k);
        if (!t)
            continue;
        int n = 0;
        while (t[n] == ' ')
            n++;
        if (!t[n])
            continue;
        if (best < 0 || n < best)
            best = n;
    }
    return best < 0 ? 0 : best;
}

static void put_code_line(textbuf *b, const char *mark, uint32_t lineno, int width, const char *t,
                          int strip)
{
    int n = 0;
    while (n < strip && t[n] == ' ')
        n++;
    textbuf_printf(b, "   %s%*u | ", mark, width, lineno);
    const char *s = t + n;
    size_t len = strlen(s);
    if (len > HS_SOURCE_MAX) {
        len = HS_SOURCE_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
        textbuf_putn(b, s, len);
        textbuf_puts(b, "...");
    } else {
        textbuf_puts(b, s);
    }
    textbuf_puts(b, "\n");
}

static bool is_member(const hs_ctx *x, const hs_hot *h, uint32_t lineno)
{
    for (size_t k = 0; k < h->nc; k++)
        if (hot_line(x, h, k)->lineno == lineno)
            return true;
    return false;
}

static const char *context_origin(anl_file *af)
{
    if (af->has_bounds)
        return "profile";
    return anl_disk(af) ? "disk" : "partial";
}

static void cpu_hot_text(hs_ctx *x, const hs_hot *h, size_t rank, int context, bool compact,
                         textbuf *b)
{
    anl_file *af = &x->files[h->fi];
    const anl_func *fn = anl_func_of(af, h->first);
    bool def_line = hot_is_def_line(x, h, fn);
    textbuf_printf(b, "%zu. %s:%u", rank, af->info->display_path, h->first);
    if (h->last != h->first)
        textbuf_printf(b, "-%u", h->last);
    textbuf_printf(b, " in %s: %.1f%% CPU [%s]", func_display(fn), h->cpu,
                   anl_severity_name(anl_cpu_severity(h->cpu)));
    if (h->region)
        textbuf_printf(b, ", loop region of %zu lines at %.1f%% each", h->nc, h->per_line);
    textbuf_puts(b, "\n");
    if (compact)
        return;
    textbuf_printf(b, "   python %.1f, native %.1f, system %.1f", h->py, h->nat, h->sys);
    if (h->core >= 0)
        textbuf_printf(b, "; cores busy %.0f%%", h->core * 100);
    uint32_t ls, le;
    if (!h->region && anl_loop_of(af, h->first, &ls, &le))
        textbuf_printf(b, "; in loop %u-%u", ls, le);
    textbuf_puts(b, "\n");
    if (def_line)
        textbuf_puts(b, "   note: time on a def line is usually the jump back of a loop in the "
                        "function (Python 3.11+ gives it no line number)\n");
    uint32_t from = h->first, to = h->last;
    if (context > 0) {
        from = h->first > (uint32_t)context ? h->first - (uint32_t)context : 1;
        uint32_t last = anl_last_line(af);
        to = h->last + (uint32_t)context;
        if (to > last)
            to = last > h->last ? last : h->last;
    }
    int width = digits(to);
    int strip = min_indent(af, from, to);
    size_t printed = 0;
    for (uint32_t k = from; k <= to; k++) {
        bool member = is_member(x, h, k);
        if (context == 0 && !member)
            continue;
        const char *t = anl_text(af, k);
        if (!t)
            continue;
        if (context == 0 && printed == HS_REGION_MAX_LINES) {
            textbuf_printf(b, "   ... %zu more lines of the region\n", h->nc - printed);
            break;
        }
        put_code_line(b, context > 0 ? (member ? "> " : "  ") : "", k, width, t, strip);
        printed++;
    }
}

/* ---- JSON of one CPU hotspot ---- */

static void add_int_or_null(cJSON *o, const char *k, uint32_t v, bool present)
{
    if (present)
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *cpu_hot_json(hs_ctx *x, const hs_hot *h, size_t rank, int context)
{
    anl_file *af = &x->files[h->fi];
    const anl_func *fn = anl_func_of(af, h->first);
    bool def_line = hot_is_def_line(x, h, fn);
    const char *src = anl_text(af, h->first);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", (double)rank);
    cJSON_AddStringToObject(o, "kind", h->region ? "loop_region" : "line");
    cJSON_AddStringToObject(o, "file", af->info->display_path);
    cJSON_AddStringToObject(o, "path", af->info->path);
    cJSON_AddNumberToObject(o, "line", h->first);
    cJSON_AddNumberToObject(o, "last_line", h->last);
    cJSON_AddStringToObject(o, "source", src ? src : "");
    cJSON_AddNumberToObject(o, "cpu_percent", h->cpu);
    cJSON_AddNumberToObject(o, "cpu_python_percent", h->py);
    cJSON_AddNumberToObject(o, "cpu_native_percent", h->nat);
    cJSON_AddNumberToObject(o, "cpu_system_percent", h->sys);
    cJSON_AddNumberToObject(o, "per_line_percent", h->per_line);
    if (h->core >= 0)
        cJSON_AddNumberToObject(o, "core_utilization", h->core);
    else
        cJSON_AddNullToObject(o, "core_utilization");
    cJSON_AddStringToObject(o, "severity", anl_severity_name(anl_cpu_severity(h->cpu)));
    cJSON_AddStringToObject(o, "function", func_display(fn));
    add_int_or_null(o, "function_start", fn->start, !fn->module);
    add_int_or_null(o, "function_end", fn->end, !fn->module && fn->end);
    uint32_t ls = 0, le = 0;
    bool in_loop = anl_loop_of(af, h->first, &ls, &le);
    add_int_or_null(o, "loop_start", ls, in_loop);
    add_int_or_null(o, "loop_end", le, in_loop);
    cJSON *lines = cJSON_AddArrayToObject(o, "lines");
    for (size_t k = 0; k < h->nc; k++) {
        const mcp_prof_line *l = hot_line(x, h, k);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "line", l->lineno);
        cJSON_AddStringToObject(e, "source", l->source);
        cJSON_AddNumberToObject(e, "cpu_percent", anl_cpu(&l->m));
        cJSON_AddItemToArray(lines, e);
    }
    cJSON *ctx = cJSON_AddArrayToObject(o, "context");
    if (context > 0) {
        uint32_t from = h->first > (uint32_t)context ? h->first - (uint32_t)context : 1;
        uint32_t last = anl_last_line(af), to = h->last + (uint32_t)context;
        if (to > last)
            to = last > h->last ? last : h->last;
        for (uint32_t k = from; k <= to; k++) {
            const char *t = anl_text(af, k);
            if (!t)
                continue;
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "line", k);
            cJSON_AddStringToObject(e, "source", t);
            cJSON_AddBoolToObject(e, "hot", is_member(x, h, k));
            cJSON_AddItemToArray(ctx, e);
        }
    }
    cJSON_AddStringToObject(o, "context_source", context > 0 ? context_origin(af) : "none");
    if (def_line)
        cJSON_AddStringToObject(o, "note",
                                "time on a def line is usually the jump back of a "
                                "loop in the function (Python 3.11+ gives it no "
                                "line number)");
    else if (h->region)
        cJSON_AddStringToObject(o, "note",
                                "Scalene 2.x spreads a loop's samples evenly over "
                                "its lines; the region's total is the loop's share");
    else
        cJSON_AddNullToObject(o, "note");
    return o;
}

/* ------------------------------------------------------------------ */
/* Budgeted text                                                        */
/* ------------------------------------------------------------------ */

#define HS_FOOTER_RESERVE 300

/* Adds `entry` to `body` when the whole answer still fits max_bytes (the
 * first entry is always added, compacted by the caller if need be). */
static bool fits(size_t head, const textbuf *body, const textbuf *entry, size_t max_bytes)
{
    return head + body->len + entry->len + HS_FOOTER_RESERVE <= max_bytes;
}

/* Final guard: the text never exceeds max_bytes. */
static void hard_cap(textbuf *b, size_t max_bytes)
{
    if (b->len <= max_bytes)
        return;
    static const char cut[] = "\n(cut at max_bytes)\n";
    size_t n = max_bytes > sizeof cut ? max_bytes - sizeof cut : 0;
    while (n > 0 && ((unsigned char)b->s[n] & 0xC0) == 0x80)
        n--;
    textbuf_cut(b, n);
    textbuf_puts(b, cut);
}

/* ------------------------------------------------------------------ */
/* get_cpu_hotspots                                                     */
/* ------------------------------------------------------------------ */

static int get_cpu_hotspots(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    size_t only_fi;
    const mcp_profile *p = plugin_open_profile_file(anl_api, call, args, &only_fi);
    if (!p)
        return MCP_ERROR;
    size_t top_n = plugin_arg_size(args, "top_n", HS_DEFAULT_TOP_N);
    double min_pct = plugin_arg_num(args, "min_percent", 1.0);
    int context = (int)plugin_arg_size(args, "context_lines", 0);
    size_t max_bytes = plugin_arg_size(args, "max_bytes", HS_DEFAULT_MAX_BYTES);
    hs_ctx x;
    if (!ctx_init(&x, p) || !cpu_collect(&x, only_fi)) {
        ctx_free(&x);
        plugin_close_profile(anl_api, call, p);
        return plugin_answer_oom(anl_api, call);
    }
    const mcp_prof_summary *sm = x.sm;
    size_t total = 0;
    while (total < x.nh && x.h[total].cpu >= min_pct)
        total++;

    textbuf head, body, entry;
    textbuf_init(&head);
    textbuf_init(&body);
    textbuf_init(&entry);
    textbuf_printf(&head,
                   "CPU hotspots of profile %s (Scalene %s, %.2f s; CPU python %.1f%%, "
                   "native %.1f%%, system %.1f%%)",
                   sm->id, sm->scalene_version, sm->elapsed_sec, sm->cpu_python, sm->cpu_native,
                   sm->cpu_system);
    if (only_fi != PLUGIN_ALL_FILES)
        textbuf_printf(&head, " in %s", x.files[only_fi].info->display_path);
    textbuf_puts(&head, "\n");

    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", sm->id);
    cJSON_AddStringToObject(out, "scalene_version", sm->scalene_version);
    cJSON_AddNumberToObject(out, "elapsed_sec", sm->elapsed_sec);
    cJSON_AddNumberToObject(out, "cpu_python_percent", sm->cpu_python);
    cJSON_AddNumberToObject(out, "cpu_native_percent", sm->cpu_native);
    cJSON_AddNumberToObject(out, "cpu_system_percent", sm->cpu_system);
    if (only_fi != PLUGIN_ALL_FILES)
        cJSON_AddStringToObject(out, "file_filter", x.files[only_fi].info->display_path);
    else
        cJSON_AddNullToObject(out, "file_filter");
    cJSON_AddNumberToObject(out, "min_percent", min_pct);
    cJSON *arr = cJSON_AddArrayToObject(out, "hotspots");

    size_t shown = 0;
    bool any_region = false, cut_by_bytes = false;
    for (size_t i = 0; i < total && shown < top_n; i++) {
        const hs_hot *h = &x.h[i];
        textbuf_cut(&entry, 0);
        cpu_hot_text(&x, h, shown + 1, context, false, &entry);
        if (!fits(head.len, &body, &entry, max_bytes)) {
            if (shown > 0) {
                cut_by_bytes = true;
                break;
            }
            textbuf_cut(&entry, 0);
            cpu_hot_text(&x, h, 1, 0, true, &entry);
        }
        textbuf_putn(&body, textbuf_str(&entry), entry.len);
        cJSON_AddItemToArray(arr, cpu_hot_json(&x, h, shown + 1, context));
        any_region |= h->region;
        shown++;
    }

    textbuf text;
    textbuf_init(&text);
    textbuf_putn(&text, textbuf_str(&head), head.len);
    if (total == 0) {
        if (x.nh)
            textbuf_printf(&text,
                           "No %s reaches min_percent %.1f%% of CPU (the largest has "
                           "%.2f%%); lower min_percent to see them.\n",
                           x.nh == 1 ? "line" : "line or loop region", min_pct, x.h[0].cpu);
        else
            textbuf_printf(&text, "No line%s has CPU samples.\n",
                           only_fi != PLUGIN_ALL_FILES ? " of this file" : "");
    } else {
        textbuf_printf(&text, "%zu of %zu hotspots at >= %.1f%% of CPU, ranked by CPU share:\n",
                       shown, total, min_pct);
        textbuf_putn(&text, textbuf_str(&body), body.len);
    }
    if (any_region)
        textbuf_puts(&text, "Loop regions: Scalene 2.x spreads a loop's samples evenly over its "
                            "lines (header included), so they are reported together.\n");
    char note[200] = "";
    if (shown < total) {
        if (cut_by_bytes)
            snprintf(note, sizeof note, "%zu more hotspots not shown: raise max_bytes (now %zu)%s.",
                     total - shown, max_bytes, context > 0 ? " or lower context_lines" : "");
        else
            snprintf(note, sizeof note, "%zu more hotspots not shown: raise top_n (now %zu).",
                     total - shown, top_n);
        textbuf_printf(&text, "(%s)\n", note);
    }
    hard_cap(&text, max_bytes);
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "shown", (double)shown);
    cJSON_AddBoolToObject(out, "truncated", shown < total);
    if (note[0])
        cJSON_AddStringToObject(out, "note", note);
    else
        cJSON_AddNullToObject(out, "note");

    int rc = MCP_OK;
    if (text.oom || body.oom || head.oom || entry.oom) {
        cJSON_Delete(out);
        rc = plugin_answer_oom(anl_api, call);
    } else {
        anl_api->result_text(call, "%s", textbuf_str(&text));
        anl_api->result_structured(call, out);
    }
    textbuf_free(&text);
    textbuf_free(&head);
    textbuf_free(&body);
    textbuf_free(&entry);
    ctx_free(&x);
    plugin_close_profile(anl_api, call, p);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Memory hotspots                                                      */
/* ------------------------------------------------------------------ */

typedef struct hs_mem {
    size_t fi;
    const mcp_prof_line *l;
    double key;
} hs_mem;

static int mem_cmp(const void *a, const void *b)
{
    const hs_mem *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    double xa = x->l->m.peak_mb + x->l->m.malloc_mb, ya = y->l->m.peak_mb + y->l->m.malloc_mb;
    if (xa != ya)
        return xa > ya ? -1 : 1;
    if (x->l->m.copy_mb_s != y->l->m.copy_mb_s)
        return x->l->m.copy_mb_s > y->l->m.copy_mb_s ? -1 : 1;
    if (x->fi != y->fi)
        return x->fi < y->fi ? -1 : 1;
    return x->l->lineno < y->l->lineno ? -1 : x->l->lineno > y->l->lineno;
}

typedef struct mem_set {
    hs_mem *m;
    size_t n;
    double total_alloc; /* MB allocated by every line of the profile */
    double footprint;   /* the run's peak footprint, MB */
    bool by_alloc;
} mem_set;

static bool mem_collect(hs_ctx *x, size_t only_fi, bool by_alloc, mem_set *s)
{
    memset(s, 0, sizeof *s);
    s->by_alloc = by_alloc;
    s->footprint = x->sm->max_footprint_mb;
    size_t n = 0;
    for (size_t fi = 0; fi < x->n_files; fi++)
        n += x->files[fi].info->n_lines;
    s->m = malloc((n + 1) * sizeof *s->m);
    if (!s->m)
        return false;
    for (size_t fi = 0; fi < x->n_files; fi++) {
        const mcp_prof_file *f = x->files[fi].info;
        for (size_t i = 0; i < f->n_lines; i++) {
            const mcp_prof_line *l = anl_api->profile_line(x->p, fi, i);
            const mcp_metrics *m = &l->m;
            s->total_alloc += m->malloc_mb;
            if (only_fi != PLUGIN_ALL_FILES && fi != only_fi)
                continue;
            if (!(m->peak_mb > 0 || m->malloc_mb > 0 || m->copy_mb_s > 0))
                continue; /* a malloc sample of 0 MB says nothing */
            s->m[s->n++] = (hs_mem){fi, l, by_alloc ? m->malloc_mb : m->peak_mb};
        }
    }
    if (s->n)
        qsort(s->m, s->n, sizeof *s->m, mem_cmp);
    return true;
}

/* Share of the footprint (peak) or of all allocation (alloc), 0..1. */
static double mem_share(const mem_set *s, const mcp_prof_line *l)
{
    if (s->by_alloc)
        return s->total_alloc > 0 ? l->m.malloc_mb / s->total_alloc : 0;
    return s->footprint > 0 ? fmin(1.0, l->m.peak_mb / s->footprint) : 0;
}

/* A share with the MB it stands for: critical >= 50 % and >= 1 GB, high
 * >= 25 % and >= 100 MB, medium >= 10 % and >= 10 MB, else low. */
static int share_severity(double share, double mb)
{
    if (share >= 0.5 && mb >= 1024)
        return MCP_SEV_CRITICAL;
    if (share >= 0.25 && mb >= 100)
        return MCP_SEV_HIGH;
    if (share >= 0.10 && mb >= 10)
        return MCP_SEV_MEDIUM;
    return MCP_SEV_LOW;
}

/* The more urgent of the line's share of the peak footprint (with its peak
 * MB) and its share of all MB allocated (with its allocated MB). */
static int mem_severity(const mem_set *s, const mcp_prof_line *l)
{
    double peak = s->footprint > 0 ? fmin(1.0, l->m.peak_mb / s->footprint) : 0;
    double alloc = s->total_alloc > 0 ? l->m.malloc_mb / s->total_alloc : 0;
    int a = share_severity(peak, l->m.peak_mb), b = share_severity(alloc, l->m.malloc_mb);
    return a < b ? a : b;
}

static void mem_text(hs_ctx *x, const mem_set *s, const hs_mem *e, size_t rank, textbuf *b)
{
    anl_file *af = &x->files[e->fi];
    const mcp_metrics *m = &e->l->m;
    const anl_func *fn = anl_func_of(af, e->l->lineno);
    textbuf_printf(b, "%zu. %s:%u in %s: ", rank, af->info->display_path, e->l->lineno,
                   func_display(fn));
    if (s->by_alloc)
        textbuf_printf(b, "allocated %.1f MB (%.0f%% of all), peak %.1f MB", m->malloc_mb,
                       mem_share(s, e->l) * 100, m->peak_mb);
    else
        textbuf_printf(b, "peak %.1f MB (%.0f%% of the %.1f MB footprint), allocated %.1f MB",
                       m->peak_mb, mem_share(s, e->l) * 100, s->footprint, m->malloc_mb);
    textbuf_printf(b, " [%s]\n   %lld malloc sample%s, python %.0f%%",
                   anl_severity_name(mem_severity(s, e->l)), (long long)m->mallocs,
                   m->mallocs == 1 ? "" : "s", m->python_fraction * 100);
    if (m->copy_mb_s > 0)
        textbuf_printf(b, ", copies %.1f MB/s%s", m->copy_mb_s,
                       m->copy_mb_s >= HS_COPY_HIGH_MB_S ? " (HIGH)" : "");
    if (anl_cpu(m) > 0)
        textbuf_printf(b, ", CPU %.1f%%", anl_cpu(m));
    textbuf_puts(b, "\n   ");
    srcline_put(b, e->l->source, HS_SOURCE_MAX);
    textbuf_puts(b, "\n");
}

static cJSON *mem_json(hs_ctx *x, const mem_set *s, const hs_mem *e, size_t rank)
{
    anl_file *af = &x->files[e->fi];
    const mcp_metrics *m = &e->l->m;
    const anl_func *fn = anl_func_of(af, e->l->lineno);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", (double)rank);
    cJSON_AddStringToObject(o, "file", af->info->display_path);
    cJSON_AddStringToObject(o, "path", af->info->path);
    cJSON_AddNumberToObject(o, "line", e->l->lineno);
    cJSON_AddStringToObject(o, "source", e->l->source);
    cJSON_AddStringToObject(o, "function", func_display(fn));
    cJSON_AddNumberToObject(o, "peak_mb", m->peak_mb);
    cJSON_AddNumberToObject(o, "alloc_mb", m->malloc_mb);
    cJSON_AddNumberToObject(o, "avg_mb", m->avg_mb);
    cJSON_AddNumberToObject(o, "mallocs", (double)m->mallocs);
    cJSON_AddNumberToObject(o, "python_fraction", m->python_fraction);
    cJSON_AddNumberToObject(o, "usage_fraction", m->usage_fraction);
    cJSON_AddNumberToObject(o, "share", mem_share(s, e->l));
    cJSON_AddNumberToObject(o, "copy_mb_s", m->copy_mb_s);
    cJSON_AddBoolToObject(o, "copy_high", m->copy_mb_s >= HS_COPY_HIGH_MB_S);
    cJSON_AddNumberToObject(o, "cpu_percent", anl_cpu(m));
    cJSON_AddStringToObject(o, "severity", anl_severity_name(mem_severity(s, e->l)));
    return o;
}

/* The line that allocated the most MB in all, or NULL. */
static const hs_mem *biggest_allocator(const mem_set *s)
{
    const hs_mem *best = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->m[i].l->m.malloc_mb > 0 && (!best || s->m[i].l->m.malloc_mb > best->l->m.malloc_mb))
            best = &s->m[i];
    return best;
}

static const char *no_memory_text =
    "Memory was not profiled in this profile (it was made with memory=false, or Scalene's "
    "--cpu-only/--cpu), so it has no memory hotspots. Profile again with memory=true (the "
    "default) to get them.";

static int get_memory_hotspots(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    size_t only_fi;
    const mcp_profile *p = plugin_open_profile_file(anl_api, call, args, &only_fi);
    if (!p)
        return MCP_ERROR;
    const char *sort_by = plugin_arg_str(args, "sort_by", "peak");
    bool by_alloc = strcmp(sort_by, "alloc") == 0;
    size_t top_n = plugin_arg_size(args, "top_n", HS_DEFAULT_TOP_N);
    size_t max_bytes = plugin_arg_size(args, "max_bytes", HS_DEFAULT_MAX_BYTES);
    hs_ctx x;
    mem_set s;
    memset(&s, 0, sizeof s);
    if (!ctx_init(&x, p) || !mem_collect(&x, only_fi, by_alloc, &s)) {
        free(s.m);
        ctx_free(&x);
        plugin_close_profile(anl_api, call, p);
        return plugin_answer_oom(anl_api, call);
    }
    const mcp_prof_summary *sm = x.sm;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", sm->id);
    cJSON_AddStringToObject(out, "scalene_version", sm->scalene_version);
    cJSON_AddBoolToObject(out, "memory_profiled", sm->memory);
    cJSON_AddStringToObject(out, "sort_by", by_alloc ? "alloc" : "peak");
    cJSON_AddNumberToObject(out, "max_footprint_mb", sm->max_footprint_mb);
    cJSON_AddNumberToObject(out, "total_alloc_mb", s.total_alloc);
    if (only_fi != PLUGIN_ALL_FILES)
        cJSON_AddStringToObject(out, "file_filter", x.files[only_fi].info->display_path);
    else
        cJSON_AddNullToObject(out, "file_filter");
    cJSON *arr = cJSON_AddArrayToObject(out, "hotspots");
    textbuf head, body, entry, text;
    textbuf_init(&head);
    textbuf_init(&body);
    textbuf_init(&entry);
    textbuf_init(&text);
    textbuf_printf(&head,
                   "Memory hotspots of profile %s (Scalene %s; peak footprint %.1f MB, "
                   "%.1f MB allocated in all)",
                   sm->id, sm->scalene_version, sm->max_footprint_mb, s.total_alloc);
    if (only_fi != PLUGIN_ALL_FILES)
        textbuf_printf(&head, " in %s", x.files[only_fi].info->display_path);
    textbuf_puts(&head, "\n");
    size_t shown = 0;
    bool cut_by_bytes = false;
    if (sm->memory) {
        for (size_t i = 0; i < s.n && shown < top_n; i++) {
            textbuf_cut(&entry, 0);
            mem_text(&x, &s, &s.m[i], shown + 1, &entry);
            if (!fits(head.len, &body, &entry, max_bytes) && shown > 0) {
                cut_by_bytes = true;
                break;
            }
            textbuf_putn(&body, textbuf_str(&entry), entry.len);
            cJSON_AddItemToArray(arr, mem_json(&x, &s, &s.m[i], shown + 1));
            shown++;
        }
    }
    size_t total = sm->memory ? s.n : 0;
    textbuf_putn(&text, textbuf_str(&head), head.len);
    if (!sm->memory) {
        textbuf_printf(&text, "%s\n", no_memory_text);
    } else if (total == 0) {
        textbuf_puts(&text, "No line has memory samples: nothing allocated enough for Scalene to "
                            "sample it (about 1 MB per sample in 2.x).\n");
    } else {
        textbuf_printf(&text, "%zu of %zu lines with memory activity, ranked by %s:\n", shown,
                       total, by_alloc ? "MB allocated" : "peak MB");
        textbuf_putn(&text, textbuf_str(&body), body.len);
        const hs_mem *big = biggest_allocator(&s);
        if (!by_alloc && big && big != &s.m[0] && big->l->m.malloc_mb >= 2 * s.m[0].l->m.peak_mb)
            textbuf_printf(&text,
                           "Note: %s:%u allocated %.1f MB in all (%.0f%% of all allocation) "
                           "though its peak is %.1f MB: repeated or retained allocation; "
                           "sort_by=alloc ranks by that.\n",
                           x.files[big->fi].info->display_path, big->l->lineno, big->l->m.malloc_mb,
                           100 * big->l->m.malloc_mb / s.total_alloc, big->l->m.peak_mb);
    }
    char note[200] = "";
    if (shown < total) {
        snprintf(note, sizeof note, "%zu more lines not shown: raise %s (now %zu).", total - shown,
                 cut_by_bytes ? "max_bytes" : "top_n", cut_by_bytes ? max_bytes : top_n);
        textbuf_printf(&text, "(%s)\n", note);
    }
    hard_cap(&text, max_bytes);
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "shown", (double)shown);
    cJSON_AddBoolToObject(out, "truncated", shown < total);
    if (note[0])
        cJSON_AddStringToObject(out, "note", note);
    else if (!sm->memory)
        cJSON_AddStringToObject(out, "note", no_memory_text);
    else
        cJSON_AddNullToObject(out, "note");
    int rc = MCP_OK;
    if (text.oom || body.oom || entry.oom || head.oom) {
        cJSON_Delete(out);
        rc = plugin_answer_oom(anl_api, call);
    } else {
        anl_api->result_text(call, "%s", textbuf_str(&text));
        anl_api->result_structured(call, out);
    }
    textbuf_free(&head);
    textbuf_free(&body);
    textbuf_free(&entry);
    textbuf_free(&text);
    free(s.m);
    ctx_free(&x);
    plugin_close_profile(anl_api, call, p);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Call paths (Scalene's stacks)                                        */
/* ------------------------------------------------------------------ */

typedef struct cp_target {
    size_t fi;  /* PLUGIN_ALL_FILES when the leaf's file is not profiled */
    char *file; /* display path (owned) */
    char *func; /* leaf function (owned) */
    uint32_t first, last;
    size_t hot_rank; /* 1-based rank among the CPU hotspots, 0 when none */
    double w;        /* % of all CPU samples */
    int64_t samples;
    size_t *st; /* stack indexes */
    size_t n, cap;
} cp_target;

typedef struct cp_ctx {
    hs_ctx x;
    const mcp_profile *p;
    size_t only_fi;
    bool use_frac;
    int64_t total_count;
    cp_target *t;
    size_t nt, cap;
    size_t *order; /* stacks kept by the filter, heaviest first */
    size_t n_order;
    const hs_cand **by_pos; /* the hotspots' lines by (file, line number) */
} cp_ctx;

static double stack_w(const cp_ctx *c, const mcp_prof_stack *st)
{
    if (c->use_frac)
        return st->cpu_fraction * 100.0;
    return c->total_count > 0 ? (double)st->count * 100.0 / (double)c->total_count : 0;
}

static void cp_free(cp_ctx *c)
{
    for (size_t i = 0; i < c->nt; i++) {
        free(c->t[i].file);
        free(c->t[i].func);
        free(c->t[i].st);
    }
    free(c->t);
    free(c->order);
    free(c->by_pos);
    ctx_free(&c->x);
}

/* The leaf frame of stack i, split; false when it is malformed. */
static bool stack_leaf(const mcp_prof_stack *st, char **path, const char **func, size_t *flen,
                       uint32_t *line)
{
    if (st->n_frames == 0)
        return false;
    size_t pl;
    if (!anl_parse_frame(st->frames[st->n_frames - 1], &pl, func, flen, line))
        return false;
    *path = strndup(st->frames[st->n_frames - 1], pl);
    return *path != NULL;
}

static int cand_pos_cmp(const void *a, const void *b)
{
    const hs_cand *x = *(const hs_cand *const *)a, *y = *(const hs_cand *const *)b;
    if (x->fi != y->fi)
        return x->fi < y->fi ? -1 : 1;
    return x->l->lineno < y->l->lineno ? -1 : x->l->lineno > y->l->lineno;
}

/* 1-based rank of the CPU hotspot that holds (fi, line), 0 when none. */
static size_t hot_rank_of(const cp_ctx *c, size_t fi, uint32_t line)
{
    if (fi == PLUGIN_ALL_FILES || !c->by_pos)
        return 0;
    size_t lo = 0, hi = c->x.nc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const hs_cand *m = c->by_pos[mid];
        if (m->fi < fi || (m->fi == fi && m->l->lineno < line))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->x.nc && c->by_pos[lo]->fi == fi && c->by_pos[lo]->l->lineno == line)
        return c->by_pos[lo]->hot + 1;
    return 0;
}

static cp_ctx *cp_sort_ctx; /* for qsort comparators (single-threaded host) */

static int cp_order_cmp(const void *a, const void *b)
{
    const mcp_prof_stack *x = anl_api->profile_stack(cp_sort_ctx->p, *(const size_t *)a);
    const mcp_prof_stack *y = anl_api->profile_stack(cp_sort_ctx->p, *(const size_t *)b);
    double wx = stack_w(cp_sort_ctx, x), wy = stack_w(cp_sort_ctx, y);
    if (wx != wy)
        return wx > wy ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int cp_target_cmp(const void *a, const void *b)
{
    const cp_target *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    if (x->samples != y->samples)
        return x->samples > y->samples ? -1 : 1;
    int s = strcmp(x->file, y->file);
    return s ? s : (x->first < y->first ? -1 : x->first > y->first);
}

static bool cp_add(cp_target *t, size_t si)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4;
        size_t *ns = realloc(t->st, nc * sizeof *ns);
        if (!ns)
            return false;
        t->st = ns;
        t->cap = nc;
    }
    t->st[t->n++] = si;
    return true;
}

/* Groups the stacks by where they end: a CPU hotspot (line or loop
 * region) or, for leaves outside them, the leaf line. */
static bool cp_build(cp_ctx *c)
{
    const mcp_prof_summary *sm = c->x.sm;
    for (size_t i = 0; i < sm->n_stacks; i++) {
        const mcp_prof_stack *st = anl_api->profile_stack(c->p, i);
        c->use_frac |= st->cpu_fraction > 0;
        c->total_count += st->count > 0 ? st->count : 0;
    }
    c->order = malloc((sm->n_stacks + 1) * sizeof *c->order);
    c->by_pos = malloc((c->x.nc + 1) * sizeof *c->by_pos);
    if (!c->order || !c->by_pos)
        return false;
    for (size_t i = 0; i < c->x.nc; i++)
        c->by_pos[i] = &c->x.c[i];
    if (c->x.nc)
        qsort(c->by_pos, c->x.nc, sizeof *c->by_pos, cand_pos_cmp);
    for (size_t i = 0; i < sm->n_stacks; i++) {
        const mcp_prof_stack *st = anl_api->profile_stack(c->p, i);
        char *path = NULL;
        const char *func;
        size_t flen;
        uint32_t line;
        if (!stack_leaf(st, &path, &func, &flen, &line))
            continue;
        size_t fi;
        const char *disp = anl_frame_display(c->p, path, &fi);
        if (c->only_fi != PLUGIN_ALL_FILES && fi != c->only_fi) {
            free(path);
            continue;
        }
        c->order[c->n_order++] = i;
        size_t rank = hot_rank_of(c, fi, line);
        cp_target *t = NULL;
        for (size_t k = 0; k < c->nt && !t; k++) {
            cp_target *o = &c->t[k];
            if (rank ? o->hot_rank == rank
                     : !o->hot_rank && o->first == line && strcmp(o->file, disp) == 0)
                t = o;
        }
        if (!t) {
            if (c->nt == c->cap) {
                size_t nc = c->cap ? c->cap * 2 : 16;
                cp_target *nt = realloc(c->t, nc * sizeof *nt);
                if (!nt) {
                    free(path);
                    return false;
                }
                c->t = nt;
                c->cap = nc;
            }
            t = &c->t[c->nt++];
            memset(t, 0, sizeof *t);
            t->fi = fi;
            t->hot_rank = rank;
            t->first = rank ? c->x.h[rank - 1].first : line;
            t->last = rank ? c->x.h[rank - 1].last : line;
            t->file = strdup(disp);
            t->func = strndup(func, flen);
            if (!t->file || !t->func) {
                free(path);
                return false;
            }
        }
        free(path);
        t->w += stack_w(c, st);
        t->samples += st->count;
        if (!cp_add(t, i))
            return false;
    }
    cp_sort_ctx = c;
    if (c->n_order)
        qsort(c->order, c->n_order, sizeof *c->order, cp_order_cmp);
    for (size_t k = 0; k < c->nt; k++)
        if (c->t[k].n > 1)
            qsort(c->t[k].st, c->t[k].n, sizeof *c->t[k].st, cp_order_cmp);
    if (c->nt)
        qsort(c->t, c->nt, sizeof *c->t, cp_target_cmp);
    return true;
}

/* One frame as "function (file:line)"; `folded` also replaces the
 * characters the folded format reserves (';' and line breaks). */
static void put_frame(const cp_ctx *c, textbuf *b, const char *frame, bool folded)
{
    size_t pl, flen;
    const char *func;
    uint32_t line;
    if (!anl_parse_frame(frame, &pl, &func, &flen, &line)) {
        size_t start = b->len;
        textbuf_puts(b, frame);
        for (size_t i = start; folded && i < b->len; i++)
            if (b->s[i] == ';' || b->s[i] == '\n' || b->s[i] == '\r')
                b->s[i] = ':';
        return;
    }
    char *path = strndup(frame, pl);
    const char *disp = path ? anl_frame_display(c->p, path, NULL) : "?";
    size_t start = b->len;
    textbuf_putn(b, func, flen);
    textbuf_printf(b, " (%s:%u)", disp, line);
    for (size_t i = start; folded && i < b->len; i++)
        if (b->s[i] == ';' || b->s[i] == '\n' || b->s[i] == '\r')
            b->s[i] = ':';
    free(path);
}

static void put_path_text(const cp_ctx *c, textbuf *b, const mcp_prof_stack *st)
{
    size_t n = st->n_frames;
    for (size_t i = 0; i < n; i++) {
        if (n > HS_PATH_MAX_FRAMES && i == 2) {
            textbuf_printf(b, " > ... %zu frames ...", n - HS_PATH_MAX_FRAMES + 1);
            i = n - (HS_PATH_MAX_FRAMES - 3);
        }
        if (i)
            textbuf_puts(b, " > ");
        put_frame(c, b, st->frames[i], false);
    }
}

static cJSON *path_json(const cp_ctx *c, const mcp_prof_stack *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "cpu_percent", stack_w(c, st));
    cJSON_AddNumberToObject(o, "samples", (double)st->count);
    cJSON_AddNumberToObject(o, "python_percent", st->python_fraction * 100);
    cJSON_AddNumberToObject(o, "native_percent", st->native_fraction * 100);
    cJSON *fr = cJSON_AddArrayToObject(o, "frames");
    for (size_t i = 0; i < st->n_frames; i++) {
        size_t pl, flen;
        const char *func;
        uint32_t line;
        cJSON *f = cJSON_CreateObject();
        if (anl_parse_frame(st->frames[i], &pl, &func, &flen, &line)) {
            char *path = strndup(st->frames[i], pl);
            char *fn = strndup(func, flen);
            cJSON_AddStringToObject(f, "file", path ? anl_frame_display(c->p, path, NULL) : "");
            cJSON_AddStringToObject(f, "function", fn ? fn : "");
            cJSON_AddNumberToObject(f, "line", line);
            free(path);
            free(fn);
        } else {
            cJSON_AddStringToObject(f, "file", "");
            cJSON_AddStringToObject(f, "function", st->frames[i]);
            cJSON_AddNumberToObject(f, "line", 0);
        }
        cJSON_AddItemToArray(fr, f);
    }
    return o;
}

static const char *how_to_get_stacks(const mcp_prof_summary *sm)
{
    return anl_scalene_1x(sm)
               ? "Scalene 1.5.16 does not record call stacks. Profile again under Scalene 2.x "
                 "with stacks=true (profile_script or profile_code)."
               : "This profile was made without call stacks. Profile again with stacks=true "
                 "(profile_script or profile_code; needs Scalene 2.x).";
}

static int get_call_paths(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    cp_ctx c;
    memset(&c, 0, sizeof c);
    const mcp_profile *p = plugin_open_profile_file(anl_api, call, args, &c.only_fi);
    if (!p)
        return MCP_ERROR;
    c.p = p;
    bool folded = strcmp(plugin_arg_str(args, "format", "paths"), "folded") == 0;
    size_t top_n = plugin_arg_size(args, "top_n", HS_DEFAULT_TOP_N);
    size_t per = plugin_arg_size(args, "paths_per_line", HS_PATHS_PER_TARGET);
    size_t max_bytes = plugin_arg_size(args, "max_bytes",
                                       folded ? HS_FOLDED_DEFAULT_MAX_BYTES : HS_DEFAULT_MAX_BYTES);
    bool have_stacks = anl_api->profile_summary(p)->n_stacks > 0;
    if (!ctx_init(&c.x, p) ||
        (have_stacks && (!cpu_collect(&c.x, PLUGIN_ALL_FILES) || !cp_build(&c)))) {
        cp_free(&c);
        plugin_close_profile(anl_api, call, p);
        return plugin_answer_oom(anl_api, call);
    }
    const mcp_prof_summary *sm = c.x.sm;
    bool have = sm->n_stacks > 0;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", sm->id);
    cJSON_AddBoolToObject(out, "stacks_available", have);
    cJSON_AddStringToObject(out, "format", folded ? "folded" : "paths");
    if (c.only_fi != PLUGIN_ALL_FILES)
        cJSON_AddStringToObject(out, "file_filter", c.x.files[c.only_fi].info->display_path);
    else
        cJSON_AddNullToObject(out, "file_filter");
    cJSON_AddNumberToObject(out, "total_stacks", (double)sm->n_stacks);
    cJSON_AddNumberToObject(out, "total_samples", (double)c.total_count);
    if (have)
        cJSON_AddNullToObject(out, "how_to_get");
    else
        cJSON_AddStringToObject(out, "how_to_get", how_to_get_stacks(sm));
    cJSON *targets = cJSON_AddArrayToObject(out, "targets");
    textbuf text, body, entry;
    textbuf_init(&text);
    textbuf_init(&body);
    textbuf_init(&entry);
    size_t shown = 0, total = 0;
    bool cut_by_bytes = false;
    char note[200] = "";
    int rc = MCP_OK;
    if (!have) {
        textbuf_printf(&text, "Profile %s has no call stacks. %s\n", sm->id, how_to_get_stacks(sm));
        cJSON_AddNullToObject(out, "folded");
    } else if (folded) {
        /* the export: every kept stack, heaviest first, integer weights;
         * max_bytes bounds the export block and its header together */
        size_t budget = max_bytes > HS_FOLDED_HEADER ? max_bytes - HS_FOLDED_HEADER : 0;
        total = c.n_order;
        for (size_t k = 0; k < c.n_order; k++) {
            const mcp_prof_stack *st = anl_api->profile_stack(p, c.order[k]);
            textbuf_cut(&entry, 0);
            for (size_t i = 0; i < st->n_frames; i++) {
                if (i)
                    textbuf_puts(&entry, ";");
                put_frame(&c, &entry, st->frames[i], true);
            }
            int64_t wgt = st->count > 0 ? st->count : (int64_t)llround(st->cpu_fraction * 1e4);
            textbuf_printf(&entry, " %lld\n", (long long)wgt);
            if (body.len + entry.len > budget)
                break; /* the note below names max_bytes: the only limit here */
            textbuf_putn(&body, textbuf_str(&entry), entry.len);
            shown++;
        }
        if (shown < total)
            snprintf(note, sizeof note,
                     "%zu of %zu stacks left out (the lightest): raise max_bytes (now %zu).",
                     total - shown, total, max_bytes);
        textbuf_printf(&text,
                       "Folded stacks of profile %s: %zu line%s (%zu of %zu stacks, "
                       "heaviest first; weights are sample counts). Save the next block to "
                       "a file and run `flamegraph.pl FILE > flame.svg`, or open it in "
                       "speedscope.%s%s\n",
                       sm->id, shown, shown == 1 ? "" : "s", shown, total, note[0] ? " " : "",
                       note);
        cJSON_AddStringToObject(out, "folded", textbuf_str(&body));
    } else {
        total = c.nt;
        for (size_t k = 0; k < c.nt && shown < top_n; k++) {
            const cp_target *t = &c.t[k];
            textbuf_cut(&entry, 0);
            textbuf_printf(&entry, "%zu. %s:%u", shown + 1, t->file, t->first);
            if (t->last != t->first)
                textbuf_printf(&entry, "-%u", t->last);
            textbuf_printf(&entry, " %s: %.1f%% of CPU samples (%lld) via %zu path%s", t->func,
                           t->w, (long long)t->samples, t->n, t->n == 1 ? "" : "s");
            if (t->hot_rank)
                textbuf_printf(&entry, "; CPU hotspot #%zu", t->hot_rank);
            textbuf_puts(&entry, "\n");
            for (size_t j = 0; j < t->n && j < per; j++) {
                const mcp_prof_stack *st = anl_api->profile_stack(p, t->st[j]);
                textbuf_printf(&entry, "   %5.1f%%  ", stack_w(&c, st));
                put_path_text(&c, &entry, st);
                textbuf_puts(&entry, "\n");
            }
            if (t->n > per)
                textbuf_printf(&entry, "   (%zu lighter paths)\n", t->n - per);
            if (!fits(200, &body, &entry, max_bytes) && shown) {
                cut_by_bytes = true;
                break;
            }
            textbuf_putn(&body, textbuf_str(&entry), entry.len);
            cJSON *tj = cJSON_CreateObject();
            cJSON_AddNumberToObject(tj, "rank", (double)(shown + 1));
            cJSON_AddStringToObject(tj, "file", t->file);
            cJSON_AddNumberToObject(tj, "line", t->first);
            cJSON_AddNumberToObject(tj, "last_line", t->last);
            cJSON_AddStringToObject(tj, "function", t->func);
            cJSON_AddNumberToObject(tj, "cpu_percent", t->w);
            cJSON_AddNumberToObject(tj, "samples", (double)t->samples);
            add_int_or_null(tj, "hotspot_rank", (uint32_t)t->hot_rank, t->hot_rank > 0);
            cJSON_AddNumberToObject(tj, "n_paths", (double)t->n);
            cJSON *pj = cJSON_AddArrayToObject(tj, "paths");
            for (size_t j = 0; j < t->n && j < per; j++)
                cJSON_AddItemToArray(pj, path_json(&c, anl_api->profile_stack(p, t->st[j])));
            cJSON_AddItemToArray(targets, tj);
            shown++;
        }
        textbuf_printf(&text,
                       "Call paths into the hottest lines of profile %s (Scalene stacks: %zu "
                       "distinct, %lld samples), heaviest first:\n",
                       sm->id, c.n_order, (long long)c.total_count);
        if (!total)
            textbuf_puts(&text, "No stack ends in this file.\n");
        textbuf_putn(&text, textbuf_str(&body), body.len);
        if (shown < total) {
            snprintf(note, sizeof note, "%zu more end points not shown: raise %s (now %zu).",
                     total - shown, cut_by_bytes ? "max_bytes" : "top_n",
                     cut_by_bytes ? max_bytes : top_n);
            textbuf_printf(&text, "(%s)\n", note);
        }
        textbuf_puts(&text, "Export them for a flame graph with format=folded.\n");
        cJSON_AddNullToObject(out, "folded");
    }
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "shown", (double)shown);
    cJSON_AddBoolToObject(out, "truncated", shown < total);
    if (note[0])
        cJSON_AddStringToObject(out, "note", note);
    else
        cJSON_AddNullToObject(out, "note");
    if (!folded)
        hard_cap(&text, max_bytes);
    if (text.oom || body.oom || entry.oom) {
        cJSON_Delete(out);
        rc = plugin_answer_oom(anl_api, call);
    } else {
        anl_api->result_text(call, "%s", textbuf_str(&text));
        if (folded && have)
            anl_api->result_text(call, "%s", textbuf_str(&body));
        anl_api->result_structured(call, out);
    }
    textbuf_free(&text);
    textbuf_free(&body);
    textbuf_free(&entry);
    cp_free(&c);
    plugin_close_profile(anl_api, call, p);
    return rc;
}

/* ------------------------------------------------------------------ */
/* analyze_profile sections                                             */
/* ------------------------------------------------------------------ */

static size_t section_top_n(const mcp_section *sec)
{
    double v = plugin_arg_num(anl_api->section_args(sec), "top_n", HS_SECTION_TOP_N);
    return v < 1 ? 1 : v > 100 ? 100 : (size_t)v;
}

static int cpu_section(mcp_section *sec, const mcp_profile *p, void *ud)
{
    (void)ud;
    size_t top_n = section_top_n(sec);
    hs_ctx x;
    if (!ctx_init(&x, p) || !cpu_collect(&x, PLUGIN_ALL_FILES)) {
        ctx_free(&x);
        anl_api->set_error(anl_api->section_plugin(sec), "out of memory");
        return MCP_NOMEM;
    }
    textbuf b, rec;
    textbuf_init(&b);
    textbuf_init(&rec);
    cJSON *data = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(data, "hotspots");
    size_t total = 0;
    while (total < x.nh && x.h[total].cpu >= 1.0)
        total++;
    if (!total)
        textbuf_puts(&b, "No line or loop holds 1% of CPU or more.\n");
    for (size_t i = 0; i < total && i < top_n; i++) {
        const hs_hot *h = &x.h[i];
        cpu_hot_text(&x, h, i + 1, 0, false, &b);
        cJSON_AddItemToArray(arr, cpu_hot_json(&x, h, i + 1, 0));
        int sev = anl_cpu_severity(h->cpu);
        if (sev > MCP_SEV_MEDIUM)
            continue;
        anl_file *af = &x.files[h->fi];
        const anl_func *fn = anl_func_of(af, h->first);
        uint32_t ls, le;
        bool loop = h->region || anl_loop_of(af, h->first, &ls, &le);
        textbuf_cut(&rec, 0);
        if (h->region)
            textbuf_printf(&rec, "the loop at lines %u-%u in %s holds %.1f%% of CPU, ", h->first,
                           h->last, func_display(fn), h->cpu);
        else
            textbuf_printf(&rec, "line %u in %s holds %.1f%% of CPU, ", h->first, func_display(fn),
                           h->cpu);
        textbuf_puts(&rec, cpu_advice(&x, h, fn, loop));
        anl_api->section_recommend(sec, sev, af->info->display_path, h->first, textbuf_str(&rec));
    }
    if (total > top_n)
        textbuf_printf(&b, "(%zu more; get_cpu_hotspots lists them)\n", total - top_n);
    cJSON_AddNumberToObject(data, "total", (double)total);
    anl_api->section_text(sec, "%s", textbuf_str(&b));
    anl_api->section_data(sec, data);
    textbuf_free(&b);
    textbuf_free(&rec);
    ctx_free(&x);
    return MCP_OK;
}

static int memory_section(mcp_section *sec, const mcp_profile *p, void *ud)
{
    (void)ud;
    size_t top_n = section_top_n(sec);
    hs_ctx x;
    mem_set s;
    memset(&s, 0, sizeof s);
    if (!ctx_init(&x, p) || !mem_collect(&x, PLUGIN_ALL_FILES, false, &s)) {
        free(s.m);
        ctx_free(&x);
        anl_api->set_error(anl_api->section_plugin(sec), "out of memory");
        return MCP_NOMEM;
    }
    cJSON *data = cJSON_CreateObject();
    cJSON_AddBoolToObject(data, "memory_profiled", x.sm->memory);
    cJSON *arr = cJSON_AddArrayToObject(data, "hotspots");
    textbuf b, rec;
    textbuf_init(&b);
    textbuf_init(&rec);
    if (!x.sm->memory) {
        textbuf_printf(&b, "%s\n", no_memory_text);
    } else if (!s.n) {
        textbuf_puts(&b, "No line has memory samples.\n");
    } else {
        textbuf_printf(&b, "Peak footprint %.1f MB; lines by peak MB:\n", s.footprint);
        for (size_t i = 0; i < s.n && i < top_n; i++) {
            const hs_mem *e = &s.m[i];
            mem_text(&x, &s, e, i + 1, &b);
            cJSON_AddItemToArray(arr, mem_json(&x, &s, e, i + 1));
            const char *file = x.files[e->fi].info->display_path;
            const mcp_metrics *m = &e->l->m;
            int sev = mem_severity(&s, e->l);
            if (sev > MCP_SEV_MEDIUM)
                continue;
            textbuf_cut(&rec, 0);
            if (m->malloc_mb >= 2 * m->peak_mb && s.total_alloc > 0)
                textbuf_printf(&rec,
                               "allocates %.1f MB in all (%.0f%% of all allocation) though "
                               "its peak is %.1f MB: allocate once and reuse the buffer, or "
                               "check what keeps the data alive (get_memory_leaks)",
                               m->malloc_mb, 100 * m->malloc_mb / s.total_alloc, m->peak_mb);
            else
                textbuf_printf(&rec,
                               "allocates up to %.1f MB (%.0f%% of the peak footprint): "
                               "process the data in chunks or stream it, use generators, "
                               "views or smaller dtypes, and drop references early",
                               m->peak_mb, mem_share(&s, e->l) * 100);
            anl_api->section_recommend(sec, sev, file, e->l->lineno, textbuf_str(&rec));
        }
        /* copy volume anywhere, not only on the top lines */
        for (size_t i = 0; i < s.n; i++) {
            const hs_mem *e = &s.m[i];
            if (e->l->m.copy_mb_s < HS_COPY_HIGH_MB_S)
                continue;
            textbuf_cut(&rec, 0);
            textbuf_printf(&rec,
                           "copies %.0f MB/s: avoid the copies (views instead of slices, "
                           "in-place operations, np.asarray instead of np.array)",
                           e->l->m.copy_mb_s);
            anl_api->section_recommend(
                sec, e->l->m.copy_mb_s >= 10 * HS_COPY_HIGH_MB_S ? MCP_SEV_HIGH : MCP_SEV_MEDIUM,
                x.files[e->fi].info->display_path, e->l->lineno, textbuf_str(&rec));
        }
        if (s.n > top_n)
            textbuf_printf(&b, "(%zu more; get_memory_hotspots lists them)\n", s.n - top_n);
    }
    cJSON_AddNumberToObject(data, "total", x.sm->memory ? (double)s.n : 0);
    anl_api->section_text(sec, "%s", textbuf_str(&b));
    anl_api->section_data(sec, data);
    textbuf_free(&b);
    textbuf_free(&rec);
    free(s.m);
    ctx_free(&x);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Tool definitions                                                     */
/* ------------------------------------------------------------------ */

#define CPU_HOT_ITEM                                                                               \
    "{\"type\":\"object\",\"properties\":{"                                                        \
    "\"rank\":" S_INT ",\"kind\":{\"type\":\"string\",\"enum\":[\"line\",\"loop_region\"]},"       \
    "\"file\":" S_STR ",\"path\":" S_STR ",\"line\":" S_INT ",\"last_line\":" S_INT                \
    ",\"source\":" S_STR ",\"cpu_percent\":" S_NUM ",\"cpu_python_percent\":" S_NUM                \
    ",\"cpu_native_percent\":" S_NUM ",\"cpu_system_percent\":" S_NUM                              \
    ",\"per_line_percent\":" S_NUM ",\"core_utilization\":" S_NUM_NULL ",\"severity\":" S_SEVERITY \
    ",\"function\":" S_STR ",\"function_start\":" S_INT_NULL ",\"function_end\":" S_INT_NULL       \
    ",\"loop_start\":" S_INT_NULL ",\"loop_end\":" S_INT_NULL                                      \
    ",\"lines\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"               \
    "\"line\":" S_INT ",\"source\":" S_STR ",\"cpu_percent\":" S_NUM "},"                          \
    "\"required\":[\"line\",\"source\",\"cpu_percent\"],\"additionalProperties\":false}},"         \
    "\"context\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"              \
    "\"line\":" S_INT ",\"source\":" S_STR ",\"hot\":" S_BOOL "},"                                 \
    "\"required\":[\"line\",\"source\",\"hot\"],\"additionalProperties\":false}},"                 \
    "\"context_source\":{\"type\":\"string\",\"enum\":[\"none\",\"profile\",\"disk\","             \
    "\"partial\"]},\"note\":" S_STR_NULL "},"                                                      \
    "\"required\":[\"rank\",\"kind\",\"file\",\"path\",\"line\",\"last_line\",\"source\","         \
    "\"cpu_percent\",\"cpu_python_percent\",\"cpu_native_percent\",\"cpu_system_percent\","        \
    "\"per_line_percent\",\"core_utilization\",\"severity\",\"function\",\"function_start\","      \
    "\"function_end\",\"loop_start\",\"loop_end\",\"lines\",\"context\",\"context_source\","       \
    "\"note\"],\"additionalProperties\":false}"

static const char cpu_in_schema[] =
    "{\"type\":\"object\",\"properties\":{" IN_PROFILE_ID "," IN_TOP_N(
        10) ","
            "\"min_percent\":{\"type\":\"number\",\"minimum\":0,\"maximum\":100,\"default\":1,"
            "\"description\":\"leave out hotspots under this share of all CPU time "
            "(percent)\"}," IN_FILE
            ",\"context_lines\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10,\"default\":0,"
            "\"description\":\"source lines to show before and after each hotspot\"}," IN_MAX_BYTES(
                6000, 1000000) "},\"required\":[\"profile_id\"],\"additionalProperties\":false}";

static const char cpu_out_schema[] =
    "{\"type\":\"object\",\"properties\":{\"profile_id\":" S_STR ",\"scalene_version\":" S_STR
    ",\"elapsed_sec\":" S_NUM ",\"cpu_python_percent\":" S_NUM ",\"cpu_native_percent\":" S_NUM
    ",\"cpu_system_percent\":" S_NUM ",\"file_filter\":" S_STR_NULL ",\"min_percent\":" S_NUM
    ",\"hotspots\":{\"type\":\"array\",\"items\":" CPU_HOT_ITEM "}," OUT_PAGE "},"
    "\"required\":[\"profile_id\",\"scalene_version\",\"elapsed_sec\",\"cpu_python_percent\","
    "\"cpu_native_percent\",\"cpu_system_percent\",\"file_filter\",\"min_percent\","
    "\"hotspots\"," OUT_PAGE_KEYS "],\"additionalProperties\":false}";

static const char mem_in_schema[] =
    "{\"type\":\"object\",\"properties\":{" IN_PROFILE_ID ","
    "\"sort_by\":{\"type\":\"string\",\"enum\":[\"peak\",\"alloc\"],\"default\":\"peak\","
    "\"description\":\"peak: the line's peak MB; alloc: MB it allocated in all\"}," IN_TOP_N(
        10) "," IN_FILE "," IN_MAX_BYTES(6000, 1000000) "},\"required\":[\"profile_id\"],"
                                                        "\"additionalProperties\":false}";

static const char mem_out_schema[] =
    "{\"type\":\"object\",\"properties\":{\"profile_id\":" S_STR ",\"scalene_version\":" S_STR
    ",\"memory_profiled\":" S_BOOL ",\"sort_by\":{\"type\":\"string\",\"enum\":[\"peak\","
    "\"alloc\"]},\"max_footprint_mb\":" S_NUM ",\"total_alloc_mb\":" S_NUM
    ",\"file_filter\":" S_STR_NULL ",\"hotspots\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"properties\":{\"rank\":" S_INT ",\"file\":" S_STR ",\"path\":" S_STR
    ",\"line\":" S_INT ",\"source\":" S_STR ",\"function\":" S_STR ",\"peak_mb\":" S_NUM
    ",\"alloc_mb\":" S_NUM ",\"avg_mb\":" S_NUM ",\"mallocs\":" S_UINT ",\"python_fraction\":" S_NUM
    ",\"usage_fraction\":" S_NUM ",\"share\":" S_NUM ",\"copy_mb_s\":" S_NUM
    ",\"copy_high\":" S_BOOL ",\"cpu_percent\":" S_NUM ",\"severity\":" S_SEVERITY
    "},\"required\":[\"rank\",\"file\",\"path\",\"line\",\"source\","
    "\"function\",\"peak_mb\",\"alloc_mb\",\"avg_mb\",\"mallocs\",\"python_fraction\","
    "\"usage_fraction\",\"share\",\"copy_mb_s\",\"copy_high\",\"cpu_percent\",\"severity\"],"
    "\"additionalProperties\":false}}," OUT_PAGE "},"
    "\"required\":[\"profile_id\",\"scalene_version\",\"memory_profiled\",\"sort_by\","
    "\"max_footprint_mb\",\"total_alloc_mb\",\"file_filter\",\"hotspots\"," OUT_PAGE_KEYS "],"
    "\"additionalProperties\":false}";

static const char paths_in_schema[] =
    "{\"type\":\"object\",\"properties\":{" IN_PROFILE_ID ","
    "\"format\":{\"type\":\"string\",\"enum\":[\"paths\",\"folded\"],\"default\":\"paths\","
    "\"description\":\"paths: the heaviest call paths into the hottest lines; folded: every "
    "stack as 'frame;frame;frame weight' lines (flamegraph.pl, speedscope)\"}," IN_TOP_N(
        10) ",\"paths_per_line\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":20,"
            "\"default\":3,\"description\":\"paths shown per end point (format paths)\"}," IN_FILE
            ",\"max_bytes\":{\"type\":\"integer\",\"minimum\":512,\"maximum\":4000000,"
            "\"description\":\"upper bound of the text answer in bytes (default 6000; 60000 for "
            "folded); what does not fit is left out and a note says so\"}},"
            "\"required\":[\"profile_id\"],\"additionalProperties\":false}";

#define FRAME_ITEM                                                                                 \
    "{\"type\":\"object\",\"properties\":{\"file\":" S_STR ",\"function\":" S_STR                  \
    ",\"line\":" S_INT "},\"required\":[\"file\",\"function\",\"line\"],"                          \
    "\"additionalProperties\":false}"
#define PATH_ITEM                                                                                  \
    "{\"type\":\"object\",\"properties\":{\"cpu_percent\":" S_NUM ",\"samples\":" S_INT            \
    ",\"python_percent\":" S_NUM ",\"native_percent\":" S_NUM                                      \
    ",\"frames\":{\"type\":\"array\",\"items\":" FRAME_ITEM "}},"                                  \
    "\"required\":[\"cpu_percent\",\"samples\",\"python_percent\",\"native_percent\","             \
    "\"frames\"],\"additionalProperties\":false}"

static const char paths_out_schema[] =
    "{\"type\":\"object\",\"properties\":{\"profile_id\":" S_STR ",\"stacks_available\":" S_BOOL
    ",\"format\":{\"type\":\"string\",\"enum\":[\"paths\",\"folded\"]},\"file_filter\":" S_STR_NULL
    ",\"total_stacks\":" S_UINT ",\"total_samples\":" S_UINT ",\"how_to_get\":" S_STR_NULL
    ",\"targets\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"rank\":" S_INT ",\"file\":" S_STR ",\"line\":" S_INT ",\"last_line\":" S_INT
    ",\"function\":" S_STR ",\"cpu_percent\":" S_NUM ",\"samples\":" S_INT
    ",\"hotspot_rank\":" S_INT_NULL ",\"n_paths\":" S_UINT ",\"paths\":{\"type\":\"array\","
    "\"items\":" PATH_ITEM "}},\"required\":[\"rank\",\"file\",\"line\",\"last_line\","
    "\"function\",\"cpu_percent\",\"samples\",\"hotspot_rank\",\"n_paths\",\"paths\"],"
    "\"additionalProperties\":false}},\"folded\":" S_STR_NULL "," OUT_PAGE "},"
    "\"required\":[\"profile_id\",\"stacks_available\",\"format\",\"file_filter\","
    "\"total_stacks\",\"total_samples\",\"how_to_get\",\"targets\",\"folded\"," OUT_PAGE_KEYS
    "],\"additionalProperties\":false}";

static const mcp_tool_def tools[] = {
    {MCP_TOOL_DEF_VERSION, "get_cpu_hotspots", "CPU hotspots",
     "Lines and loops ranked by their share of all CPU time, with the Python / native / system "
     "split, core utilization, the enclosing function and loop, the source, a severity and "
     "optional context lines. Loop regions whose lines Scalene 2.x gave equal shares are one "
     "hotspot. Use it first to find where a program spends its time.",
     cpu_in_schema, cpu_out_schema, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, get_cpu_hotspots,
     NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "get_memory_hotspots", "Memory hotspots",
     "Lines ranked by peak MB or by MB allocated, with malloc samples, the Python share of the "
     "allocation and copy volume (flagged when high). Use it to find what makes the footprint.",
     mem_in_schema, mem_out_schema, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, get_memory_hotspots,
     NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "get_call_paths", "Call paths into the hot lines",
     "For a profile made with stacks=true: the heaviest call paths (Scalene's stacks) into the "
     "hottest lines, or every stack in folded format (frame;frame;frame weight) for "
     "flamegraph.pl or speedscope. Without stacks it says how to get them.",
     paths_in_schema, paths_out_schema, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, get_call_paths,
     NULL, NULL},
};

static const mcp_section_def sections[] = {
    {MCP_SECTION_DEF_VERSION, "cpu_hotspots", "CPU hotspots", MCP_FOCUS_CPU, 10, cpu_section, NULL,
     NULL},
    {MCP_SECTION_DEF_VERSION, "memory_hotspots", "Memory hotspots", MCP_FOCUS_MEMORY, 20,
     memory_section, NULL, NULL},
};

static int hotspots_init(mcp_plugin *self, const mcp_host_api *api)
{
    anl_setup(api);
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        int rc = api->register_tool(self, &tools[i]);
        if (rc != MCP_OK)
            return rc;
    }
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        int rc = api->register_section(self, &sections[i]);
        if (rc != MCP_OK)
            return rc;
    }
    return MCP_OK;
}

MCP_PLUGIN("hotspots", "0.1.0", hotspots_init, NULL);
