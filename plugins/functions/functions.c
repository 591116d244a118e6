/*
 * functions.c - the functions analyzer: get_function_summary and the
 * "functions" section of analyze_profile. SDK only.
 *
 * Per-function totals are sums over the lines each function owns, not
 * Scalene's function records, which can undercount (reference scalene.md
 * section 12: a record showed 48 % against 97 % in its lines; in 2.x a
 * loop's record often gets about half of what its lines hold). The records
 * give the names (and, in 1.5.16, the first lines); their own figure is
 * shown beside the derived one when the two differ a lot.
 *
 * Which lines a function owns:
 *  - 2.x: each line's start_function_line..end_function_line names its
 *    innermost enclosing function, so nested functions, lambdas' owners and
 *    methods each keep their own lines ("self" totals);
 *  - 1.5.16 (no bounds): a function runs from its record's first line to the
 *    line before the next code at its def's indentation or less, judged on
 *    the source file when it is still on disk, else on the profiled lines;
 *    a line belongs to the innermost such range.
 * Lines outside every function are the file's "<module>" entry.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anl.h"
#include "scalene_mcp.h"
#include "schemas.h"

#define FN_DEFAULT_TOP_N 10
#define FN_DEFAULT_MAX_BYTES 6000
#define FN_SECTION_TOP_N 5
#define FN_FOOTER_RESERVE 420
/* A record "differs a lot" from the lines' total from here on. */
#define FN_DIFF_CPU_POINTS 2.0
#define FN_DIFF_REL 0.25
#define FN_DIFF_MB 10.0

typedef struct fn_agg {
    size_t fi;
    const anl_func *fn; /* NULL: the file's module-level code */
    double cpu, py, nat, sys;
    double alloc, peak, copy, gpu;
    int64_t mallocs;
    size_t active;
    uint32_t hot_line;
    double hot_cpu;
} fn_agg;

typedef struct fn_ctx {
    const mcp_profile *p;
    const mcp_prof_summary *sm;
    anl_file *files;
    size_t n_files;
    fn_agg *a;
    size_t na;
    bool derived_ranges; /* some file had no Scalene bounds (1.5.16) */
} fn_ctx;

static void ctx_free(fn_ctx *x)
{
    for (size_t i = 0; x->files && i < x->n_files; i++)
        anl_file_free(&x->files[i]);
    free(x->files);
    free(x->a);
    memset(x, 0, sizeof *x);
}

static bool line_active(const mcp_metrics *m)
{
    return anl_cpu(m) > 0 || m->malloc_mb > 0 || m->peak_mb > 0 || m->copy_mb_s > 0 ||
           m->gpu_percent > 0;
}

static double rec_cpu(const anl_func *fn)
{
    return fn && fn->rec ? anl_cpu(&fn->rec->m) : 0;
}

/* Scalene's own record is far from what the function's lines hold. */
static bool record_differs(const fn_agg *g)
{
    if (!g->fn || !g->fn->rec)
        return false;
    const mcp_metrics *r = &g->fn->rec->m;
    double dc = fabs(g->cpu - anl_cpu(r));
    if (dc >= FN_DIFF_CPU_POINTS && dc >= FN_DIFF_REL * fmax(g->cpu, anl_cpu(r)))
        return true;
    double dm = fabs(g->alloc - r->malloc_mb);
    return dm >= FN_DIFF_MB && dm >= FN_DIFF_REL * fmax(g->alloc, r->malloc_mb);
}

/* Aggregates every file (or one) by function. */
static bool collect(fn_ctx *x, const mcp_profile *p, size_t only_fi)
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
    size_t cap = 0;
    for (size_t fi = 0; fi < x->n_files; fi++) {
        if (only_fi != PLUGIN_ALL_FILES && fi != only_fi)
            continue;
        const anl_func *funcs;
        cap += anl_funcs(&x->files[fi], &funcs) + 1;
    }
    x->a = calloc(cap + 1, sizeof *x->a);
    if (!x->a)
        return false;
    for (size_t fi = 0; fi < x->n_files; fi++) {
        if (only_fi != PLUGIN_ALL_FILES && fi != only_fi)
            continue;
        anl_file *af = &x->files[fi];
        x->derived_ranges |= !af->has_bounds;
        const anl_func *funcs;
        size_t nf = anl_funcs(af, &funcs);
        fn_agg *base = &x->a[x->na]; /* base[0..nf) functions, base[nf] module */
        for (size_t k = 0; k <= nf; k++) {
            base[k].fi = fi;
            base[k].fn = k < nf ? &funcs[k] : NULL;
        }
        for (size_t i = 0; i < af->info->n_lines; i++) {
            const mcp_prof_line *l = anl_api->profile_line(p, fi, i);
            const mcp_metrics *m = &l->m;
            if (!line_active(m))
                continue;
            const anl_func *fn = anl_func_of(af, l->lineno);
            fn_agg *g = fn->module ? &base[nf] : &base[fn - funcs];
            double cpu = anl_cpu(m);
            g->cpu += cpu;
            g->py += m->cpu_python;
            g->nat += m->cpu_native;
            g->sys += m->cpu_system;
            g->alloc += m->malloc_mb;
            g->peak = fmax(g->peak, m->peak_mb);
            g->copy += m->copy_mb_s;
            g->gpu = fmax(g->gpu, m->gpu_percent);
            g->mallocs += m->mallocs;
            g->active++;
            if (cpu > g->hot_cpu) {
                g->hot_cpu = cpu;
                g->hot_line = l->lineno;
            }
        }
        /* keep functions with activity or a record; module code if active */
        size_t w = 0;
        for (size_t k = 0; k <= nf; k++)
            if (base[k].active || (base[k].fn && base[k].fn->rec && k < nf))
                base[w++] = base[k];
        x->na += w;
    }
    return true;
}

static const char *agg_name(const fn_agg *g)
{
    return g->fn ? g->fn->name : "<module>";
}

static int cmp_cpu(const void *a, const void *b)
{
    const fn_agg *x = a, *y = b;
    if (x->cpu != y->cpu)
        return x->cpu > y->cpu ? -1 : 1;
    if (x->alloc != y->alloc)
        return x->alloc > y->alloc ? -1 : 1;
    if (x->fi != y->fi)
        return x->fi < y->fi ? -1 : 1;
    return strcmp(agg_name(x), agg_name(y));
}

static int cmp_mem(const void *a, const void *b)
{
    const fn_agg *x = a, *y = b;
    if (x->alloc != y->alloc)
        return x->alloc > y->alloc ? -1 : 1;
    if (x->peak != y->peak)
        return x->peak > y->peak ? -1 : 1;
    return cmp_cpu(a, b);
}

static int cmp_name(const void *a, const void *b)
{
    const fn_agg *x = a, *y = b;
    int s = strcmp(agg_name(x), agg_name(y));
    if (s)
        return s;
    if (x->fi != y->fi)
        return x->fi < y->fi ? -1 : 1;
    uint32_t xs = x->fn ? x->fn->start : 0, ys = y->fn ? y->fn->start : 0;
    return xs < ys ? -1 : xs > ys;
}

static void agg_text(fn_ctx *x, const fn_agg *g, size_t rank, bool memory, textbuf *b)
{
    const mcp_prof_file *f = x->files[g->fi].info;
    textbuf_printf(b, "%zu. %s (%s", rank, agg_name(g), f->display_path);
    if (g->fn) {
        textbuf_printf(b, ":%u", g->fn->start);
        if (g->fn->end > g->fn->start)
            textbuf_printf(b, "-%u", g->fn->end);
    }
    textbuf_printf(b, "): CPU %.1f%% (python %.1f, native %.1f, system %.1f)", g->cpu, g->py,
                   g->nat, g->sys);
    if (memory && (g->alloc > 0 || g->peak > 0))
        textbuf_printf(b, "; allocated %.1f MB, peak line %.1f MB", g->alloc, g->peak);
    if (g->gpu > 0)
        textbuf_printf(b, "; GPU up to %.1f%%", g->gpu);
    if (g->hot_line)
        textbuf_printf(b, "; hottest line %u (%.1f%%)", g->hot_line, g->hot_cpu);
    textbuf_puts(b, "\n");
    if (record_differs(g)) {
        const mcp_metrics *r = &g->fn->rec->m;
        double dc = g->cpu - anl_cpu(r), dm = g->alloc - r->malloc_mb;
        bool cpu_off = fabs(dc) >= FN_DIFF_CPU_POINTS, mem_off = fabs(dm) >= FN_DIFF_MB;
        textbuf_puts(b, "   Scalene's own record:");
        if (cpu_off)
            textbuf_printf(b, " CPU %.1f%%", anl_cpu(r));
        if (mem_off)
            textbuf_printf(b, "%s allocated %.1f MB", cpu_off ? "," : "", r->malloc_mb);
        textbuf_printf(b, " (%s)\n", (cpu_off ? dc : dm) > 0 ? "undercounts" : "differs");
    } else if (g->fn && !g->fn->rec) {
        textbuf_puts(b, "   (no Scalene record; name from the def line)\n");
    } else if (g->fn && !g->active) {
        textbuf_printf(b,
                       "   (only Scalene's record: CPU %.1f%%; no line of it is in the "
                       "profile)\n",
                       rec_cpu(g->fn));
    }
}

static cJSON *agg_json(fn_ctx *x, const fn_agg *g, size_t rank)
{
    const mcp_prof_file *f = x->files[g->fi].info;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", (double)rank);
    cJSON_AddStringToObject(o, "name", agg_name(g));
    cJSON_AddStringToObject(o, "file", f->display_path);
    cJSON_AddStringToObject(o, "path", f->path);
    cJSON_AddBoolToObject(o, "module_level", g->fn == NULL);
    if (g->fn)
        cJSON_AddNumberToObject(o, "first_line", g->fn->start);
    else
        cJSON_AddNullToObject(o, "first_line");
    if (g->fn && g->fn->end)
        cJSON_AddNumberToObject(o, "last_line", g->fn->end);
    else
        cJSON_AddNullToObject(o, "last_line");
    cJSON_AddNumberToObject(o, "cpu_percent", g->cpu);
    cJSON_AddNumberToObject(o, "cpu_python_percent", g->py);
    cJSON_AddNumberToObject(o, "cpu_native_percent", g->nat);
    cJSON_AddNumberToObject(o, "cpu_system_percent", g->sys);
    cJSON_AddNumberToObject(o, "alloc_mb", g->alloc);
    cJSON_AddNumberToObject(o, "peak_mb", g->peak);
    cJSON_AddNumberToObject(o, "mallocs", (double)g->mallocs);
    cJSON_AddNumberToObject(o, "copy_mb_s", g->copy);
    cJSON_AddNumberToObject(o, "gpu_percent", g->gpu);
    cJSON_AddNumberToObject(o, "active_lines", (double)g->active);
    if (g->hot_line) {
        cJSON_AddNumberToObject(o, "hottest_line", g->hot_line);
        cJSON_AddNumberToObject(o, "hottest_line_percent", g->hot_cpu);
    } else {
        cJSON_AddNullToObject(o, "hottest_line");
        cJSON_AddNumberToObject(o, "hottest_line_percent", 0);
    }
    if (g->fn && g->fn->rec) {
        const mcp_metrics *r = &g->fn->rec->m;
        cJSON *rj = cJSON_AddObjectToObject(o, "recorded");
        cJSON_AddStringToObject(rj, "name", g->fn->rec->name);
        cJSON_AddNumberToObject(rj, "first_line", g->fn->rec->first_line);
        cJSON_AddNumberToObject(rj, "cpu_percent", anl_cpu(r));
        cJSON_AddNumberToObject(rj, "alloc_mb", r->malloc_mb);
        cJSON_AddNumberToObject(rj, "peak_mb", r->peak_mb);
    } else {
        cJSON_AddNullToObject(o, "recorded");
    }
    cJSON_AddBoolToObject(o, "record_differs", record_differs(g));
    return o;
}

static const char undercount_note[] =
    "Totals add up each function's own lines (nested functions are their own entries). "
    "Scalene's function records can undercount (in 2.x a loop's record often holds about half "
    "of what its lines do), so a record is shown only where it differs a lot.";
static const char derived_note[] =
    "This profile has no function bounds (Scalene 1.5.x): ranges run from each record's first "
    "line to the next code at the def's indentation (source on disk when it still matches, "
    "else the profiled lines).";

static int get_function_summary(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    size_t only_fi;
    const mcp_profile *p = plugin_open_profile_file(anl_api, call, args, &only_fi);
    if (!p)
        return MCP_ERROR;
    const char *sort_by = plugin_arg_str(args, "sort_by", "cpu");
    size_t top_n = plugin_arg_size(args, "top_n", FN_DEFAULT_TOP_N);
    size_t max_bytes = plugin_arg_size(args, "max_bytes", FN_DEFAULT_MAX_BYTES);
    fn_ctx x;
    if (!collect(&x, p, only_fi)) {
        ctx_free(&x);
        plugin_close_profile(anl_api, call, p);
        return plugin_answer_oom(anl_api, call);
    }
    const mcp_prof_summary *sm = x.sm;
    bool memory = sm->memory;
    int (*cmp)(const void *, const void *) = !strcmp(sort_by, "memory") ? cmp_mem
                                             : !strcmp(sort_by, "name") ? cmp_name
                                                                        : cmp_cpu;
    if (x.na)
        qsort(x.a, x.na, sizeof *x.a, cmp);

    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", sm->id);
    cJSON_AddStringToObject(out, "scalene_version", sm->scalene_version);
    cJSON_AddStringToObject(out, "sort_by",
                            cmp == cmp_mem    ? "memory"
                            : cmp == cmp_name ? "name"
                                              : "cpu");
    if (only_fi != PLUGIN_ALL_FILES)
        cJSON_AddStringToObject(out, "file_filter", x.files[only_fi].info->display_path);
    else
        cJSON_AddNullToObject(out, "file_filter");
    cJSON_AddStringToObject(out, "ranges", x.derived_ranges ? "derived" : "scalene");
    cJSON *arr = cJSON_AddArrayToObject(out, "functions");

    textbuf text, body, entry;
    textbuf_init(&text);
    textbuf_init(&body);
    textbuf_init(&entry);
    textbuf_printf(&text, "Functions of profile %s (Scalene %s)", sm->id, sm->scalene_version);
    if (only_fi != PLUGIN_ALL_FILES)
        textbuf_printf(&text, " in %s", x.files[only_fi].info->display_path);
    textbuf_printf(&text, ", by %s:\n",
                   cmp == cmp_mem    ? "MB allocated"
                   : cmp == cmp_name ? "name"
                                     : "CPU share (sum of their lines)");
    size_t shown = 0;
    bool cut_by_bytes = false, any_diff = false;
    for (size_t i = 0; i < x.na && shown < top_n; i++) {
        textbuf_cut(&entry, 0);
        agg_text(&x, &x.a[i], shown + 1, memory, &entry);
        if (text.len + body.len + entry.len + FN_FOOTER_RESERVE > max_bytes && shown > 0) {
            cut_by_bytes = true;
            break;
        }
        textbuf_putn(&body, textbuf_str(&entry), entry.len);
        cJSON_AddItemToArray(arr, agg_json(&x, &x.a[i], shown + 1));
        any_diff |= record_differs(&x.a[i]);
        shown++;
    }
    if (!x.na)
        textbuf_puts(&text, "No function has samples in this profile.\n");
    textbuf_putn(&text, textbuf_str(&body), body.len);
    if (any_diff)
        textbuf_printf(&text, "%s\n", undercount_note);
    if (x.derived_ranges && shown)
        textbuf_printf(&text, "%s\n", derived_note);
    char note[200] = "";
    if (shown < x.na) {
        snprintf(note, sizeof note, "%zu more functions not shown: raise %s (now %zu).",
                 x.na - shown, cut_by_bytes ? "max_bytes" : "top_n",
                 cut_by_bytes ? max_bytes : top_n);
        textbuf_printf(&text, "(%s)\n", note);
    }
    if (text.len > max_bytes) { /* never over the bound */
        size_t n = max_bytes - 24;
        while (n > 0 && ((unsigned char)text.s[n] & 0xC0) == 0x80)
            n--;
        textbuf_cut(&text, n);
        textbuf_puts(&text, "\n(cut at max_bytes)\n");
    }
    cJSON_AddNumberToObject(out, "total", (double)x.na);
    cJSON_AddNumberToObject(out, "shown", (double)shown);
    cJSON_AddBoolToObject(out, "truncated", shown < x.na);
    if (note[0])
        cJSON_AddStringToObject(out, "note", note);
    else
        cJSON_AddNullToObject(out, "note");
    int rc = MCP_OK;
    if (text.oom || body.oom || entry.oom) {
        cJSON_Delete(out);
        rc = plugin_answer_oom(anl_api, call);
    } else {
        anl_api->result_text(call, "%s", textbuf_str(&text));
        anl_api->result_structured(call, out);
    }
    textbuf_free(&text);
    textbuf_free(&body);
    textbuf_free(&entry);
    ctx_free(&x);
    plugin_close_profile(anl_api, call, p);
    return rc;
}

/* ---- analyze_profile section ---- */

static int functions_section(mcp_section *sec, const mcp_profile *p, void *ud)
{
    (void)ud;
    const cJSON *args = anl_api->section_args(sec);
    double tv = plugin_arg_num(args, "top_n", FN_SECTION_TOP_N);
    size_t top_n = tv < 1 ? 1 : tv > 100 ? 100 : (size_t)tv;
    bool mem_only = !strcmp(plugin_arg_str(args, "focus", "all"), "memory");
    fn_ctx x;
    if (!collect(&x, p, PLUGIN_ALL_FILES)) {
        ctx_free(&x);
        anl_api->set_error(anl_api->section_plugin(sec), "out of memory");
        return MCP_NOMEM;
    }
    if (x.na)
        qsort(x.a, x.na, sizeof *x.a, mem_only ? cmp_mem : cmp_cpu);
    textbuf b;
    textbuf_init(&b);
    cJSON *data = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(data, "functions");
    bool any_diff = false;
    if (!x.na)
        textbuf_puts(&b, "No function has samples.\n");
    else
        textbuf_printf(&b, "By %s, summed over each function's lines:\n",
                       mem_only ? "MB allocated" : "CPU share");
    for (size_t i = 0; i < x.na && i < top_n; i++) {
        agg_text(&x, &x.a[i], i + 1, x.sm->memory, &b);
        cJSON_AddItemToArray(arr, agg_json(&x, &x.a[i], i + 1));
        any_diff |= record_differs(&x.a[i]);
    }
    if (x.na > top_n)
        textbuf_printf(&b, "(%zu more; get_function_summary lists them)\n", x.na - top_n);
    if (any_diff)
        textbuf_printf(&b, "%s\n", undercount_note);
    cJSON_AddNumberToObject(data, "total", (double)x.na);
    anl_api->section_text(sec, "%s", textbuf_str(&b));
    anl_api->section_data(sec, data);
    textbuf_free(&b);
    ctx_free(&x);
    return MCP_OK;
}

/* ---- definitions ---- */

static const char in_schema[] =
    "{\"type\":\"object\",\"properties\":{" IN_PROFILE_ID ","
    "\"sort_by\":{\"type\":\"string\",\"enum\":[\"cpu\",\"memory\",\"name\"],\"default\":\"cpu\","
    "\"description\":\"cpu: CPU share; memory: MB allocated; name: alphabetical\"}," IN_TOP_N(
        10) "," IN_FILE "," IN_MAX_BYTES(6000, 1000000) "},\"required\":[\"profile_id\"],"
                                                        "\"additionalProperties\":false}";

static const char out_schema[] =
    "{\"type\":\"object\",\"properties\":{\"profile_id\":" S_STR ",\"scalene_version\":" S_STR
    ",\"sort_by\":{\"type\":\"string\",\"enum\":[\"cpu\",\"memory\",\"name\"]},"
    "\"file_filter\":" S_STR_NULL ",\"ranges\":{\"type\":\"string\",\"enum\":[\"scalene\","
    "\"derived\"]},\"functions\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"properties\":{\"rank\":" S_INT ",\"name\":" S_STR ",\"file\":" S_STR ",\"path\":" S_STR
    ",\"module_level\":" S_BOOL ",\"first_line\":" S_INT_NULL ",\"last_line\":" S_INT_NULL
    ",\"cpu_percent\":" S_NUM ",\"cpu_python_percent\":" S_NUM ",\"cpu_native_percent\":" S_NUM
    ",\"cpu_system_percent\":" S_NUM ",\"alloc_mb\":" S_NUM ",\"peak_mb\":" S_NUM
    ",\"mallocs\":" S_UINT ",\"copy_mb_s\":" S_NUM ",\"gpu_percent\":" S_NUM
    ",\"active_lines\":" S_UINT ",\"hottest_line\":" S_INT_NULL ",\"hottest_line_percent\":" S_NUM
    ",\"recorded\":{\"type\":[\"object\",\"null\"],\"properties\":{\"name\":" S_STR
    ",\"first_line\":" S_INT ",\"cpu_percent\":" S_NUM ",\"alloc_mb\":" S_NUM ",\"peak_mb\":" S_NUM
    "},\"required\":[\"name\",\"first_line\",\"cpu_percent\","
    "\"alloc_mb\",\"peak_mb\"],\"additionalProperties\":false},\"record_differs\":" S_BOOL
    "},\"required\":[\"rank\",\"name\",\"file\",\"path\",\"module_level\",\"first_line\","
    "\"last_line\",\"cpu_percent\",\"cpu_python_percent\",\"cpu_native_percent\","
    "\"cpu_system_percent\",\"alloc_mb\",\"peak_mb\",\"mallocs\",\"copy_mb_s\",\"gpu_percent\","
    "\"active_lines\",\"hottest_line\",\"hottest_line_percent\",\"recorded\","
    "\"record_differs\"],\"additionalProperties\":false}}," OUT_PAGE "},"
    "\"required\":[\"profile_id\",\"scalene_version\",\"sort_by\",\"file_filter\",\"ranges\","
    "\"functions\"," OUT_PAGE_KEYS "],\"additionalProperties\":false}";

static const mcp_tool_def tool = {
    MCP_TOOL_DEF_VERSION,
    "get_function_summary",
    "Per-function totals",
    "Per-function CPU (Python / native / system), memory and GPU totals, each summed over the "
    "function's own lines, with real names from Scalene's function records and module-level "
    "code as <module>; Scalene's own (often undercounting) record is shown where it differs a "
    "lot. Sort by cpu, memory or name.",
    in_schema,
    out_schema,
    MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT,
    get_function_summary,
    NULL,
    NULL,
};

static const mcp_section_def section = {
    MCP_SECTION_DEF_VERSION, "functions", "Functions", MCP_FOCUS_CPU | MCP_FOCUS_MEMORY, 30,
    functions_section,       NULL,        NULL,
};

static int functions_init(mcp_plugin *self, const mcp_host_api *api)
{
    anl_setup(api);
    int rc = api->register_tool(self, &tool);
    if (rc != MCP_OK)
        return rc;
    return api->register_section(self, &section);
}

MCP_PLUGIN("functions", "0.1.0", functions_init, NULL);
