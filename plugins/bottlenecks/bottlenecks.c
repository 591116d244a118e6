/*
 * bottlenecks.c - the "bottlenecks" analyzer: get_bottlenecks and its
 * analyze_profile section.
 *
 * A problem is a unit of code (one line, or a loop whose samples Scalene 2.x
 * spread evenly over its lines) with a severity from its worst dimension
 * (CPU share, memory peak or volume, copy volume, GPU) and a recommendation
 * from the rule library (rules.c) keyed on what its source does and where it
 * sits. Thresholds and rules: docs/analyzers.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pysrc.h"
#include "srcline.h"
#include "rules.h"
#include "textbuf.h"
#include "plugin_args.h"
#include "scalene_mcp.h"

static const mcp_host_api *api;

#define DEFAULT_TOP_N 10
#define DEFAULT_MAX_BYTES 6000
#define SECTION_TOP_N 5
#define MAX_MEMBERS 16

static const char *const sev_names[] = {"critical", "high", "medium", "low"};

/* One unit of code and what the analysis found. */
typedef struct unit {
    size_t file;
    uint32_t first, last; /* line range */
    uint32_t header;      /* loop header of a spread loop, else 0 */
    uint32_t members[MAX_MEMBERS];
    int n_members;
    bn_metrics_input m;
    double def_cpu; /* share moved here from the function's def line */
    int severity;
    /* filled by evaluate() */
    uint32_t line; /* the line the recommendation is about */
    int rule;
    int also[BN_N_RULES];
    int n_also;
    char evidence[320];
    char function[128];
    bool loop_unknown;
} unit;

typedef struct analysis {
    const mcp_profile *p;
    const mcp_prof_summary *sum;
    unit *units;
    size_t n_units, cap;
    pysrc *srcs;      /* per file, loaded lazily */
    bool *src_loaded; /* per file */
    size_t n_files;
    int counts[4];
    bool spread_groups, def_merged, sparse_seen;
    double total_malloc_mb;
    double sys_base, sys_base_share; /* contention baseline (rules.h) */
    bool contended;
} analysis;

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static double line_cpu(const mcp_prof_line *l)
{
    return l->m.cpu_python + l->m.cpu_native + l->m.cpu_system;
}

static bool has_data(const mcp_prof_line *l, bool gpu)
{
    return line_cpu(l) > 0 || l->m.malloc_mb > 0 || l->m.peak_mb > 0 || l->m.copy_mb_s > 0 ||
           (gpu && (l->m.gpu_percent > 0 || l->m.gpu_peak_mb > 0));
}

static const pysrc *src_of(analysis *a, size_t file)
{
    return pysrc_lazy(a->srcs, a->src_loaded, api, a->p, file);
}

static unit *new_unit(analysis *a)
{
    if (a->n_units == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        unit *n = realloc(a->units, cap * sizeof *n);
        if (!n)
            return NULL;
        a->units = n;
        a->cap = cap;
    }
    unit *u = &a->units[a->n_units++];
    memset(u, 0, sizeof *u);
    return u;
}

static void add_metrics(bn_metrics_input *m, const mcp_prof_line *l)
{
    m->python += l->m.cpu_python;
    m->native += l->m.cpu_native;
    m->system += l->m.cpu_system;
    m->cpu = m->python + m->native + m->system;
    m->malloc_mb += l->m.malloc_mb;
    if (l->m.peak_mb > m->peak_mb)
        m->peak_mb = l->m.peak_mb;
    m->copy_mb_s += l->m.copy_mb_s;
    m->mallocs += l->m.mallocs;
    if (l->m.gpu_percent > m->gpu_percent)
        m->gpu_percent = l->m.gpu_percent;
    if (l->m.gpu_peak_mb > m->gpu_peak_mb)
        m->gpu_peak_mb = l->m.gpu_peak_mb;
}

/* ------------------------------------------------------------------ */
/* Units                                                                */
/* ------------------------------------------------------------------ */

/* Scalene 2.x spreads each sample of a loop without calls evenly over the
 * loop's lines: when the lines of one loop region carry equal shares, they
 * are one unit. */
static bool spread_group(analysis *a, size_t fi, const mcp_prof_line *l, unit *u)
{
    if (!(l->region_start > 0 && l->region_start < l->region_end))
        return false;
    const mcp_prof_line *h = api->profile_find_line(a->p, fi, l->region_start);
    if (!h || !srcline_is_loop_header(h->source))
        return false;
    double mx = 0, mn = HUGE_VAL;
    int n = 0;
    for (uint32_t k = l->region_start; k <= l->region_end; k++) {
        const mcp_prof_line *x = api->profile_find_line(a->p, fi, k);
        if (!x || line_cpu(x) <= 0 || x->region_start != l->region_start ||
            x->region_end != l->region_end)
            continue;
        double c = line_cpu(x);
        mx = c > mx ? c : mx;
        mn = c < mn ? c : mn;
        if (n < MAX_MEMBERS)
            u->members[n] = k;
        n++;
    }
    if (n < 2 || n > MAX_MEMBERS || mx - mn > 0.02 * mx + 0.01)
        return false;
    u->n_members = n;
    u->first = l->region_start;
    u->last = l->region_end;
    u->header = l->region_start;
    return true;
}

static void contention_baseline(analysis *a);

static int build_units(analysis *a, long only_file)
{
    bool gpu = a->sum->gpu;
    for (size_t fi = 0; fi < a->n_files; fi++) {
        const mcp_prof_file *f = api->profile_file(a->p, fi);
        for (size_t i = 0; i < f->n_lines; i++)
            a->total_malloc_mb += api->profile_line(a->p, fi, i)->m.malloc_mb;
    }
    for (size_t fi = 0; fi < a->n_files; fi++) {
        if (only_file >= 0 && (size_t)only_file != fi)
            continue;
        const mcp_prof_file *f = api->profile_file(a->p, fi);
        uint32_t maxl = 0;
        for (size_t i = 0; i < f->n_lines; i++) {
            uint32_t ln = api->profile_line(a->p, fi, i)->lineno;
            maxl = ln > maxl ? ln : maxl;
        }
        unsigned char *used = calloc((size_t)maxl + 2, 1);
        if (!used)
            return MCP_NOMEM;
        size_t first_unit = a->n_units;
        for (size_t i = 0; i < f->n_lines; i++) {
            const mcp_prof_line *l = api->profile_line(a->p, fi, i);
            if (used[l->lineno] || !has_data(l, gpu))
                continue;
            unit *u = new_unit(a);
            if (!u) {
                free(used);
                return MCP_NOMEM;
            }
            u->file = fi;
            if (line_cpu(l) > 0 && spread_group(a, fi, l, u)) {
                a->spread_groups = true;
                for (int k = 0; k < u->n_members; k++) {
                    used[u->members[k]] = 1;
                    add_metrics(&u->m, api->profile_find_line(a->p, fi, u->members[k]));
                }
            } else {
                u->first = u->last = l->lineno;
                u->members[0] = l->lineno;
                u->n_members = 1;
                used[l->lineno] = 1;
                add_metrics(&u->m, l);
            }
        }
        free(used);
        /* Python 3.11 puts a loop's jump back on the def line (reference
         * scalene.md section 12): move a def line's time into the hottest loop unit
         * of its function when Scalene gave the function's range. */
        for (size_t i = first_unit; i < a->n_units; i++) {
            unit *d = &a->units[i];
            const mcp_prof_line *l = api->profile_find_line(a->p, fi, d->first);
            if (d->n_members != 1 || !l || !srcline_is_def(l->source) || d->m.cpu <= 0 ||
                l->func_end <= l->lineno)
                continue;
            unit *best = NULL;
            for (size_t j = first_unit; j < a->n_units; j++) {
                unit *c = &a->units[j];
                if (c == d || c->first <= l->lineno || c->first > l->func_end || c->m.cpu <= 0)
                    continue;
                const mcp_prof_line *cl = api->profile_find_line(a->p, fi, c->first);
                bool loop = c->header || (cl && cl->loop_start && cl->loop_start < cl->lineno) ||
                            (cl && cl->loop_start < cl->loop_end);
                const mcp_prof_line *inner = cl;
                if (inner && inner->func_start != l->lineno)
                    continue; /* in a nested function */
                if (loop && (!best || c->m.cpu > best->m.cpu))
                    best = c;
            }
            if (!best)
                continue;
            best->def_cpu += d->m.cpu;
            best->m.python += d->m.python;
            best->m.native += d->m.native;
            best->m.system += d->m.system;
            best->m.cpu = best->m.python + best->m.native + best->m.system;
            d->m.python = d->m.native = d->m.system = d->m.cpu = 0;
            a->def_merged = true;
        }
    }
    contention_baseline(a);
    for (size_t i = 0; i < a->n_units; i++) {
        unit *u = &a->units[i];
        u->m.gpu_on = gpu;
        u->m.sys_base = a->sys_base;
        u->m.contended = a->contended;
        u->m.total_malloc_mb = a->total_malloc_mb;
        u->severity = bn_unit_severity(&u->m);
    }
    return MCP_OK;
}

typedef struct wshare {
    double share, weight;
} wshare;

static int wshare_cmp(const void *x, const void *y)
{
    const wshare *a = x, *b = y;
    return a->share < b->share ? -1 : (a->share > b->share);
}

/* The CPU-weighted median system share of lines that only compute: when it
 * is high, the machine was busy and every line's system time is inflated. */
static void contention_baseline(analysis *a)
{
    size_t n = 0, cap = 0;
    wshare *w = NULL;
    double total = 0;
    for (size_t fi = 0; fi < a->n_files; fi++) {
        const mcp_prof_file *f = api->profile_file(a->p, fi);
        for (size_t i = 0; i < f->n_lines; i++) {
            const mcp_prof_line *l = api->profile_line(a->p, fi, i);
            double c = line_cpu(l);
            if (c < 0.2 || srcline_is_def(l->source) || srcline_is_loop_header(l->source) ||
                !bn_baseline_line(l->source))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                wshare *nw = realloc(w, cap * sizeof *nw);
                if (!nw) {
                    free(w);
                    return;
                }
                w = nw;
            }
            w[n++] = (wshare){l->m.cpu_system / c, c};
            total += c;
        }
    }
    if (n && total >= 5.0) {
        qsort(w, n, sizeof *w, wshare_cmp);
        double acc = 0, med = 0;
        for (size_t i = 0; i < n; i++) {
            acc += w[i].weight;
            if (acc >= total / 2) {
                med = w[i].share;
                break;
            }
        }
        a->sys_base_share = med;
        a->sys_base = med < 0.999 ? med / (1 - med) : 1000;
        a->contended = med >= 0.5;
    }
    free(w);
}

static int unit_cmp(const void *x, const void *y)
{
    const unit *a = x, *b = y;
    if (a->severity != b->severity)
        return a->severity - b->severity;
    if (a->m.cpu != b->m.cpu)
        return a->m.cpu > b->m.cpu ? -1 : 1;
    double ma = fmax(a->m.peak_mb, a->m.malloc_mb), mb = fmax(b->m.peak_mb, b->m.malloc_mb);
    if (ma != mb)
        return ma > mb ? -1 : 1;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    return a->first < b->first ? -1 : (a->first > b->first);
}

/* Runs the rule library on one unit. */
static void evaluate(analysis *a, unit *u)
{
    const pysrc *src = src_of(a, u->file);
    bool fired[BN_N_RULES] = {false};
    char ev[BN_N_RULES][256];
    uint32_t fired_line[BN_N_RULES] = {0};
    memset(ev, 0, sizeof ev);
    bool any_known = false;
    /* body lines first, the loop header last */
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < u->n_members; k++) {
            uint32_t ln = u->members[k];
            if ((pass == 0) == (ln == u->header && u->n_members > 1))
                continue;
            const mcp_prof_line *l = api->profile_find_line(a->p, u->file, ln);
            bn_line_input in;
            memset(&in, 0, sizeof in);
            in.src = src;
            in.lineno = ln;
            in.text = l ? l->source : pysrc_text(src, ln);
            pysrc_context(src, ln, &in.ctx);
            in.loop_header = in.ctx.inner_loop;
            in.in_loop = in.ctx.inner_loop != 0;
            if (u->header && ln != u->header) {
                in.in_loop = true;
                if (!in.loop_header)
                    in.loop_header = u->header;
            }
            if (l && l->loop_start && l->loop_start < ln && !in.in_loop) {
                in.in_loop = true;
                in.loop_header = l->loop_start;
            }
            in.loop_unknown = !in.ctx.known && !in.in_loop;
            any_known |= !in.loop_unknown;
            bool f1[BN_N_RULES] = {false};
            char e1[BN_N_RULES][256];
            bn_match_specific(&in, &u->m, f1, e1);
            for (int r = 0; r < BN_N_SPECIFIC; r++)
                if (f1[r] && !fired[r]) {
                    fired[r] = true;
                    fired_line[r] = ln;
                    memcpy(ev[r], e1[r], sizeof ev[r]);
                }
        }
    }
    u->loop_unknown = !any_known;
    if (u->loop_unknown)
        a->sparse_seen = true;
    /* the line the answer talks about: where the first rule fired, else the
     * hottest body line */
    u->rule = -1;
    for (int r = 0; r < BN_N_SPECIFIC; r++)
        if (fired[r]) {
            u->rule = r;
            u->line = fired_line[r];
            snprintf(u->evidence, sizeof u->evidence, "%s", ev[r]);
            break;
        }
    if (u->rule < 0) {
        double best = -1;
        for (int k = 0; k < u->n_members; k++) {
            if (u->n_members > 1 && u->members[k] == u->header)
                continue;
            const mcp_prof_line *l = api->profile_find_line(a->p, u->file, u->members[k]);
            double c = l ? line_cpu(l) + l->m.malloc_mb * 1e-6 : 0;
            if (c > best) {
                best = c;
                u->line = u->members[k];
            }
        }
        if (!u->line)
            u->line = u->first;
    }
    const mcp_prof_line *pl = api->profile_find_line(a->p, u->file, u->line);
    int gorder[BN_N_RULES];
    char gev[BN_N_RULES][256];
    memset(gev, 0, sizeof gev);
    int ng = bn_match_generic(pl ? pl->source : "", &u->m, gorder, gev);
    if (u->rule < 0) {
        u->rule = gorder[0];
        snprintf(u->evidence, sizeof u->evidence, "%s", gev[gorder[0]]);
    }
    u->n_also = 0;
    for (int r = 0; r < BN_N_SPECIFIC; r++)
        if (fired[r] && r != u->rule)
            u->also[u->n_also++] = r;
    for (int g = 0; g < ng; g++) {
        int r = gorder[g];
        if (r == u->rule || r == BN_PYTHON_TIME || r == BN_HOT_LINE)
            continue;
        if (u->rule == BN_IO_IN_LOOP && (r == BN_SYSTEM_TIME || r == BN_SLEEPING))
            continue;
        if (u->rule == BN_ALLOC_IN_LOOP && (r == BN_ALLOCATION_CHURN || r == BN_LARGE_ALLOCATION))
            continue;
        if (u->rule < BN_N_SPECIFIC && r == BN_NATIVE_DOMINATED)
            continue;
        u->also[u->n_also++] = r;
    }
    if (u->def_cpu > 0) {
        size_t n = strlen(u->evidence);
        snprintf(u->evidence + n, sizeof u->evidence - n,
                 " (includes %.1f%% Scalene put on the def line: Python 3.11 charges a loop's "
                 "jump back there)",
                 u->def_cpu);
    }
    pysrc_function_of(api, a->p, u->file, src, u->line, u->function, sizeof u->function, NULL);
}

static void analysis_free(analysis *a)
{
    for (size_t i = 0; a->srcs && i < a->n_files; i++)
        if (a->src_loaded[i])
            pysrc_free(&a->srcs[i]);
    free(a->srcs);
    free(a->src_loaded);
    free(a->units);
}

/* Builds and ranks the units of `p`; only_file < 0 for all files. Units
 * below min_sev are dropped. */
static int analyze(analysis *a, const mcp_profile *p, long only_file, int min_sev)
{
    memset(a, 0, sizeof *a);
    a->p = p;
    a->sum = api->profile_summary(p);
    a->n_files = a->sum->n_files;
    a->srcs = calloc(a->n_files + 1, sizeof *a->srcs);
    a->src_loaded = calloc(a->n_files + 1, sizeof *a->src_loaded);
    if (!a->srcs || !a->src_loaded)
        return MCP_NOMEM;
    int rc = build_units(a, only_file);
    if (rc != MCP_OK)
        return rc;
    size_t w = 0;
    for (size_t i = 0; i < a->n_units; i++)
        if (a->units[i].severity <= min_sev && a->units[i].severity != BN_SEV_NONE)
            a->units[w++] = a->units[i];
    a->n_units = w;
    if (a->n_units) /* qsort(NULL, 0, ...) is undefined */
        qsort(a->units, a->n_units, sizeof *a->units, unit_cmp);
    for (size_t i = 0; i < a->n_units; i++)
        a->counts[a->units[i].severity]++;
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Output                                                               */
/* ------------------------------------------------------------------ */

static void metrics_clause(const analysis *a, const unit *u, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    if (u->m.cpu >= 0.05) {
        double cpu = u->m.cpu > 0 ? u->m.cpu : 1;
        n += (size_t)snprintf(out + n, outsz - n,
                              "%.1f%% of the run, %.2f s (python %.0f%%, native %.0f%%, system "
                              "%.0f%%)",
                              u->m.cpu, u->m.cpu / 100.0 * a->sum->elapsed_sec,
                              100 * u->m.python / cpu, 100 * u->m.native / cpu,
                              100 * u->m.system / cpu);
    }
    if (n < outsz && (u->m.malloc_mb >= 1 || u->m.peak_mb >= 1))
        n += (size_t)snprintf(out + n, outsz - n, "%sallocates %.0f MB (peak %.0f MB)",
                              n ? "; " : "", u->m.malloc_mb, u->m.peak_mb);
    if (n < outsz && u->m.copy_mb_s >= 1)
        n += (size_t)snprintf(out + n, outsz - n, "%scopies %.0f MB/s", n ? "; " : "",
                              u->m.copy_mb_s);
    if (n < outsz && u->m.gpu_on && (u->m.gpu_percent > 0 || u->m.gpu_peak_mb > 0))
        snprintf(out + n, outsz - n, "%sGPU %.0f%%, %.0f MB", n ? "; " : "", u->m.gpu_percent,
                 u->m.gpu_peak_mb);
}

static void location(const analysis *a, const unit *u, char *out, size_t outsz)
{
    const mcp_prof_file *f = api->profile_file(a->p, u->file);
    if (u->first != u->last)
        snprintf(out, outsz, "%s:%u-%u", f->display_path, u->first, u->last);
    else
        snprintf(out, outsz, "%s:%u", f->display_path, u->line);
}

static cJSON *problem_json(const analysis *a, const unit *u, size_t rank)
{
    const mcp_prof_file *f = api->profile_file(a->p, u->file);
    const mcp_prof_line *l = api->profile_find_line(a->p, u->file, u->line);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", (double)rank);
    cJSON_AddStringToObject(o, "severity", sev_names[u->severity]);
    cJSON_AddStringToObject(o, "rule", bn_rules[u->rule].id);
    cJSON_AddStringToObject(o, "title", bn_rules[u->rule].title);
    cJSON *also = cJSON_AddArrayToObject(o, "also");
    for (int i = 0; i < u->n_also; i++)
        cJSON_AddItemToArray(also, cJSON_CreateString(bn_rules[u->also[i]].id));
    cJSON_AddStringToObject(o, "file", f->display_path);
    cJSON_AddNumberToObject(o, "line", u->line);
    cJSON_AddNumberToObject(o, "first_line", u->first);
    cJSON_AddNumberToObject(o, "last_line", u->last);
    cJSON_AddStringToObject(o, "function", u->function);
    char src[512];
    srcline_clip(l ? l->source : "", 200, src, sizeof src);
    cJSON_AddStringToObject(o, "source", src);
    cJSON_AddNumberToObject(o, "cpu_percent", u->m.cpu);
    cJSON_AddNumberToObject(o, "python_percent", u->m.python);
    cJSON_AddNumberToObject(o, "native_percent", u->m.native);
    cJSON_AddNumberToObject(o, "system_percent", u->m.system);
    cJSON_AddNumberToObject(o, "seconds", u->m.cpu / 100.0 * a->sum->elapsed_sec);
    cJSON_AddNumberToObject(o, "malloc_mb", u->m.malloc_mb);
    cJSON_AddNumberToObject(o, "peak_mb", u->m.peak_mb);
    cJSON_AddNumberToObject(o, "copy_mb_s", u->m.copy_mb_s);
    cJSON_AddNumberToObject(o, "gpu_percent", u->m.gpu_percent);
    cJSON_AddStringToObject(o, "evidence", u->evidence);
    cJSON_AddStringToObject(o, "recommendation", bn_rules[u->rule].recommendation);
    return o;
}

/* One problem as text, ending with a newline. */
static void problem_text(textbuf *b, const analysis *a, const unit *u, size_t rank)
{
    const mcp_prof_line *l = api->profile_find_line(a->p, u->file, u->line);
    char loc[512], met[320], src[256];
    location(a, u, loc, sizeof loc);
    metrics_clause(a, u, met, sizeof met);
    srcline_clip(l ? l->source : "", 120, src, sizeof src);
    textbuf_printf(b, "%zu. [%s] %s in %s%s: %s\n", rank, sev_names[u->severity], loc, u->function,
                   u->function[0] == '<' ? "" : "()", met);
    if (u->first != u->last)
        textbuf_printf(b, "   line %u: `%s`\n", u->line, src);
    else
        textbuf_printf(b, "   `%s`\n", src);
    textbuf_printf(b, "   %s: %s.\n", bn_rules[u->rule].title, u->evidence);
    textbuf_printf(b, "   Fix: %s\n", bn_rules[u->rule].recommendation);
    if (u->n_also) {
        textbuf_puts(b, "   Also:");
        for (int i = 0; i < u->n_also; i++)
            textbuf_printf(b, "%s %s", i ? "," : "", bn_rules[u->also[i]].id);
        textbuf_puts(b, "\n");
    }
}

/* ------------------------------------------------------------------ */
/* Arguments and errors                                                 */
/* ------------------------------------------------------------------ */

static int sev_from_name(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, sev_names[i]))
            return i;
    return BN_SEV_LOW;
}

/* ------------------------------------------------------------------ */
/* get_bottlenecks                                                      */
/* ------------------------------------------------------------------ */

static int get_bottlenecks(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    const char *id = plugin_arg_str(args, "profile_id", "");
    int top_n = plugin_arg_int(args, "top_n", DEFAULT_TOP_N);
    int max_bytes = plugin_arg_int(args, "max_bytes", DEFAULT_MAX_BYTES);
    const char *min_sev_name = plugin_arg_str(args, "min_severity", "low");
    int min_sev = sev_from_name(min_sev_name);
    const mcp_profile *p = NULL;
    int rc = plugin_open_profile_id(api, call, "profile_id", id, &p);
    if (rc != MCP_OK)
        return rc;
    size_t only_fi;
    if (!plugin_file_arg(api, call, p, args, &only_fi)) {
        plugin_close_profile(api, call, p);
        return MCP_INVALID;
    }
    analysis a;
    rc = analyze(&a, p, only_fi == PLUGIN_ALL_FILES ? -1 : (long)only_fi, min_sev);
    if (rc != MCP_OK) {
        analysis_free(&a);
        plugin_close_profile(api, call, p);
        plugin_answer_oom(api, call);
        return rc;
    }
    const mcp_prof_summary *s = a.sum;
    textbuf b;
    textbuf_init(&b);
    textbuf_printf(&b, "Bottlenecks in %s (%s, %.2f s%s): ", s->id, s->target, s->elapsed_sec,
                   s->partial ? ", partial run" : "");
    if (a.n_units == 0)
        textbuf_printf(&b, "none at or above %s.\n", sev_names[min_sev]);
    else
        textbuf_printf(&b, "%zu problem%s (critical %d, high %d, medium %d, low %d).\n", a.n_units,
                       a.n_units == 1 ? "" : "s", a.counts[0], a.counts[1], a.counts[2],
                       a.counts[3]);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", s->id);
    cJSON_AddNumberToObject(out, "elapsed_sec", s->elapsed_sec);
    cJSON_AddStringToObject(out, "min_severity", sev_names[min_sev]);
    cJSON_AddNumberToObject(out, "total_problems", (double)a.n_units);
    cJSON *counts = cJSON_AddObjectToObject(out, "counts");
    for (int i = 0; i < 4; i++)
        cJSON_AddNumberToObject(counts, sev_names[i], a.counts[i]);
    cJSON *arr = cJSON_AddArrayToObject(out, "problems");
    size_t shown = 0, budget = max_bytes > 300 ? (size_t)max_bytes - 200 : 100;
    bool cut_bytes = false;
    for (size_t i = 0; i < a.n_units && shown < (size_t)top_n; i++) {
        evaluate(&a, &a.units[i]);
        size_t before = b.len;
        problem_text(&b, &a, &a.units[i], shown + 1);
        if (b.len > budget && shown > 0) {
            textbuf_cut(&b, before);
            cut_bytes = true;
            break;
        }
        cJSON_AddItemToArray(arr, problem_json(&a, &a.units[i], shown + 1));
        shown++;
    }
    cJSON *notes = cJSON_AddArrayToObject(out, "notes");
    char note[512];
    if (a.n_units == 0) {
        char copy[64] = "";
        if (isfinite(bn_copy_thresholds[min_sev]))
            snprintf(copy, sizeof copy, ", copying >= %g MB/s", bn_copy_thresholds[min_sev]);
        snprintf(note, sizeof note,
                 "No line reaches the %s threshold in any dimension (CPU >= %g%% of the run, "
                 "peak >= %g MB, allocation >= %g MB%s).",
                 sev_names[min_sev], bn_cpu_thresholds[min_sev], bn_peak_thresholds[min_sev],
                 bn_alloc_thresholds[min_sev], copy);
        textbuf_printf(&b, "%s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (a.spread_groups) {
        snprintf(note, sizeof note,
                 "Scalene 2.x spreads a loop's samples evenly over its lines; such loops are "
                 "reported as one problem (a line range).");
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (a.contended) {
        snprintf(note, sizeof note,
                 "System time is high even on lines that only compute (median %.0f%% of their "
                 "time): the machine was busy while profiling, so Scalene counted waiting for a "
                 "CPU as system time. System-time findings here only count time beyond that; "
                 "re-profile on an idle machine for exact I/O figures.",
                 100 * a.sys_base_share);
        textbuf_printf(&b, "Note: %s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (a.sparse_seen) {
        snprintf(note, sizeof note,
                 "Loop context was unknown for some lines (the profile records only sampled "
                 "lines and the source file is not readable or has changed): loop rules were "
                 "skipped there.");
        textbuf_printf(&b, "Note: %s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    if (!s->memory) {
        snprintf(note, sizeof note,
                 "Memory profiling was off for this run: memory and allocation rules could not "
                 "fire.");
        textbuf_printf(&b, "Note: %s\n", note);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    bool truncated = shown < a.n_units;
    if (truncated)
        textbuf_printf(&b, "(%zu more problem%s not shown: %s; raise %s to see them)\n",
                       a.n_units - shown, a.n_units - shown == 1 ? "" : "s",
                       cut_bytes ? "max_bytes reached" : "top_n reached",
                       cut_bytes ? "max_bytes" : "top_n");
    cJSON_AddNumberToObject(out, "shown", (double)shown);
    cJSON_AddBoolToObject(out, "truncated", truncated);
    api->result_text(call, "%s", textbuf_str(&b));
    api->result_structured(call, out);
    textbuf_free(&b);
    analysis_free(&a);
    plugin_close_profile(api, call, p);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* analyze_profile section                                              */
/* ------------------------------------------------------------------ */

static int section(mcp_section *sec, const mcp_profile *p, void *ud)
{
    (void)ud;
    const cJSON *args = api->section_args(sec);
    int top_n = plugin_arg_int(args, "top_n", SECTION_TOP_N);
    analysis a;
    int rc = analyze(&a, p, -1, BN_SEV_LOW);
    if (rc != MCP_OK) {
        analysis_free(&a);
        api->set_error(api->section_plugin(sec), "out of memory");
        return rc;
    }
    cJSON *data = cJSON_CreateObject();
    cJSON_AddNumberToObject(data, "total_problems", (double)a.n_units);
    cJSON *arr = cJSON_AddArrayToObject(data, "problems");
    if (a.n_units == 0)
        api->section_text(sec,
                          "No bottleneck: no line reaches %g%% of the run, %g MB peak, %g MB "
                          "allocated or %g MB/s copied.\n",
                          bn_cpu_thresholds[3], bn_peak_thresholds[3], bn_alloc_thresholds[3],
                          bn_copy_thresholds[3]);
    for (size_t i = 0; i < a.n_units && i < (size_t)top_n; i++) {
        unit *u = &a.units[i];
        evaluate(&a, u);
        char loc[512], met[320], rec[1024];
        location(&a, u, loc, sizeof loc);
        metrics_clause(&a, u, met, sizeof met);
        api->section_text(sec, "%zu. [%s] %s in %s: %s: %s. %s\n", i + 1, sev_names[u->severity],
                          loc, u->function, bn_rules[u->rule].title, u->evidence, met);
        snprintf(rec, sizeof rec, "%s: %s", bn_rules[u->rule].title,
                 bn_rules[u->rule].recommendation);
        api->section_recommend(sec, u->severity, api->profile_file(p, u->file)->display_path,
                               u->line, rec);
        cJSON_AddItemToArray(arr, problem_json(&a, u, i + 1));
    }
    if (a.n_units > (size_t)top_n)
        api->section_text(sec, "(%zu more: get_bottlenecks lists them all)\n",
                          a.n_units - (size_t)top_n);
    api->section_data(sec, data);
    analysis_free(&a);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Registration                                                         */
/* ------------------------------------------------------------------ */

#define SEV_ENUM "[\"critical\",\"high\",\"medium\",\"low\"]"

static const char input_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"profile_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"
    "\"description\":\"a stored profile (list_profiles)\"},"
    "\"top_n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10,"
    "\"description\":\"most problems to list\"},"
    "\"min_severity\":{\"type\":\"string\",\"enum\":" SEV_ENUM ",\"default\":\"low\","
    "\"description\":\"leave out problems below this severity\"},"
    "\"file\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096,"
    "\"description\":\"only this file (path, display path or a path suffix)\"},"
    "\"max_bytes\":{\"type\":\"integer\",\"minimum\":500,\"maximum\":1000000,\"default\":6000,"
    "\"description\":\"bound on the text answer; whole problems are left out past it\"}},"
    "\"required\":[\"profile_id\"],\"additionalProperties\":false}";

#define NUM "{\"type\":\"number\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"

static const char output_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"profile_id\":" STR ",\"elapsed_sec\":" NUM ",\"min_severity\":{\"type\":\"string\","
    "\"enum\":" SEV_ENUM "},\"total_problems\":" INT ",\"shown\":" INT ","
    "\"truncated\":{\"type\":\"boolean\"},"
    "\"counts\":{\"type\":\"object\",\"properties\":{\"critical\":" INT ",\"high\":" INT
    ",\"medium\":" INT ",\"low\":" INT "},\"required\":[\"critical\",\"high\",\"medium\","
    "\"low\"],\"additionalProperties\":false},"
    "\"notes\":{\"type\":\"array\",\"items\":" STR "},"
    "\"problems\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"rank\":" INT ",\"severity\":{\"type\":\"string\",\"enum\":" SEV_ENUM "},"
    "\"rule\":" STR ",\"title\":" STR ",\"also\":{\"type\":\"array\",\"items\":" STR "},"
    "\"file\":" STR ",\"line\":" INT ",\"first_line\":" INT ",\"last_line\":" INT ","
    "\"function\":" STR ",\"source\":" STR ",\"cpu_percent\":" NUM ",\"python_percent\":" NUM
    ",\"native_percent\":" NUM ",\"system_percent\":" NUM ",\"seconds\":" NUM ",\"malloc_mb\":" NUM
    ",\"peak_mb\":" NUM ",\"copy_mb_s\":" NUM ",\"gpu_percent\":" NUM ",\"evidence\":" STR
    ",\"recommendation\":" STR "},"
    "\"required\":[\"rank\",\"severity\",\"rule\",\"title\",\"also\",\"file\",\"line\","
    "\"first_line\",\"last_line\",\"function\",\"source\",\"cpu_percent\",\"python_percent\","
    "\"native_percent\",\"system_percent\",\"seconds\",\"malloc_mb\",\"peak_mb\","
    "\"copy_mb_s\",\"gpu_percent\",\"evidence\",\"recommendation\"],"
    "\"additionalProperties\":false}}},"
    "\"required\":[\"profile_id\",\"elapsed_sec\",\"min_severity\",\"total_problems\","
    "\"shown\",\"truncated\",\"counts\",\"notes\",\"problems\"],"
    "\"additionalProperties\":false}";

static int bn_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    if (api->abi_major != MCP_ABI_MAJOR || !MCP_HAS(api, register_section)) {
        if (api->set_error)
            api->set_error(self, "bottlenecks needs a host with SDK ABI %d.%d or newer",
                           MCP_ABI_MAJOR, MCP_ABI_MINOR);
        return MCP_VERSION;
    }
    mcp_tool_def def = {
        .version = MCP_TOOL_DEF_VERSION,
        .name = "get_bottlenecks",
        .title = "Bottlenecks with fixes",
        .description =
            "Problems in a stored profile ranked by severity (critical, high, medium, low) "
            "across CPU share, system time (I/O, sleeping), memory peak and allocation volume, "
            "copy volume and GPU, each with what the line does and a concrete fix from a rule "
            "library: string concatenation in a loop, regex compiled per iteration, I/O in a "
            "loop, repeated allocation in a loop, Python loops over numeric data, and generic "
            "fallbacks. Use after profile_script to decide what to change first.",
        .input_schema = input_schema,
        .output_schema = output_schema,
        .annotations = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT,
        .handler = get_bottlenecks,
    };
    int rc = api->register_tool(self, &def);
    if (rc != MCP_OK)
        return rc;
    mcp_section_def sd = {
        .version = MCP_SECTION_DEF_VERSION,
        .name = "bottlenecks",
        .title = "Bottlenecks",
        .focus = MCP_FOCUS_CPU | MCP_FOCUS_MEMORY | MCP_FOCUS_GPU,
        .order = 30,
        .fn = section,
    };
    return api->register_section(self, &sd);
}

MCP_PLUGIN("bottlenecks", "1.0.0", bn_init, NULL);
