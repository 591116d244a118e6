/*
 * gpu.c - the GPU analyzer: get_gpu_hotspots and the "gpu" section of
 * analyze_profile. SDK only.
 *
 * Scalene's GPU fields (reference scalene.md sections 5.3 and 10):
 * n_gpu_percent is, in 2.x, the time-weighted mean GPU utilisation while the
 * line ran (in 1.5.16 the line's share of all GPU time);
 * n_gpu_avg_memory_mb / n_gpu_peak_memory_mb are this process's GPU memory
 * while on the line (1.5.16 divides MB by 2^20 once too often: its values
 * are about 0 and are not shown as memory). A profile has GPU data only when
 * Scalene found a GPU and GPU profiling was on (summary.gpu).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anl.h"
#include "scalene_mcp.h"
#include "schemas.h"

#define GPU_DEFAULT_TOP_N 10
#define GPU_DEFAULT_MAX_BYTES 6000
#define GPU_SECTION_TOP_N 5
#define GPU_FOOTER_RESERVE 400
#define GPU_SOURCE_MAX 100
/* A line this CPU-heavy while the GPU is this idle is CPU-bound work. */
#define GPU_IDLE_CPU_PERCENT 20.0
#define GPU_IDLE_GPU_PERCENT 10.0
/* The busiest line under this utilisation: the GPU is underused. */
#define GPU_LOW_UTIL_PERCENT 30.0

static const char how_to_enable[] =
    "To profile the GPU: run with gpu=true (Scalene 2.x) on a machine with an NVIDIA GPU, its "
    "driver's NVML library and the nvidia-ml-py package (module pynvml) in the profiled "
    "interpreter. Per-process utilisation needs NVML accounting mode: enable it once with "
    "`sudo python3 -m scalene.set_nvidia_gpu_modes` and run Scalene as a normal user (Scalene "
    "run as root switches it on itself, changing the GPU's settings); without it the figures "
    "are whole-device utilisation.";

typedef struct gpu_ent {
    size_t fi;
    const mcp_prof_line *l;
} gpu_ent;

static bool by_memory_sort; /* qsort context (single-threaded host) */

static int ent_cmp(const void *a, const void *b)
{
    const mcp_metrics *x = &((const gpu_ent *)a)->l->m, *y = &((const gpu_ent *)b)->l->m;
    double kx = by_memory_sort ? x->gpu_peak_mb : x->gpu_percent;
    double ky = by_memory_sort ? y->gpu_peak_mb : y->gpu_percent;
    if (kx != ky)
        return kx > ky ? -1 : 1;
    kx = by_memory_sort ? x->gpu_percent : x->gpu_peak_mb;
    ky = by_memory_sort ? y->gpu_percent : y->gpu_peak_mb;
    if (kx != ky)
        return kx > ky ? -1 : 1;
    const gpu_ent *ea = a, *eb = b;
    if (ea->fi != eb->fi)
        return ea->fi < eb->fi ? -1 : 1;
    return ea->l->lineno < eb->l->lineno ? -1 : ea->l->lineno > eb->l->lineno;
}

typedef struct gpu_set {
    const mcp_profile *p;
    const mcp_prof_summary *sm;
    anl_file *files;
    size_t n_files;
    gpu_ent *e;
    size_t n;
    bool memory_valid; /* GPU memory figures are meaningful (not 1.5.16) */
} gpu_set;

static void set_free(gpu_set *s)
{
    for (size_t i = 0; s->files && i < s->n_files; i++)
        anl_file_free(&s->files[i]);
    free(s->files);
    free(s->e);
    memset(s, 0, sizeof *s);
}

static bool collect(gpu_set *s, const mcp_profile *p, size_t only_fi, bool by_memory)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->sm = anl_api->profile_summary(p);
    s->n_files = s->sm->n_files;
    s->memory_valid = !anl_scalene_1x(s->sm);
    s->files = calloc(s->n_files + 1, sizeof *s->files);
    if (!s->files)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < s->n_files; i++) {
        anl_file_init(&s->files[i], p, i);
        n += s->files[i].info->n_lines;
    }
    s->e = malloc((n + 1) * sizeof *s->e);
    if (!s->e)
        return false;
    for (size_t fi = 0; fi < s->n_files; fi++) {
        if (only_fi != PLUGIN_ALL_FILES && fi != only_fi)
            continue;
        for (size_t i = 0; i < s->files[fi].info->n_lines; i++) {
            const mcp_prof_line *l = anl_api->profile_line(p, fi, i);
            if (l->m.gpu_percent > 0 || (s->memory_valid && l->m.gpu_peak_mb > 0))
                s->e[s->n++] = (gpu_ent){fi, l};
        }
    }
    by_memory_sort = by_memory && s->memory_valid;
    if (s->n)
        qsort(s->e, s->n, sizeof *s->e, ent_cmp);
    return true;
}

static void ent_text(gpu_set *s, const gpu_ent *e, size_t rank, textbuf *b)
{
    anl_file *af = &s->files[e->fi];
    const mcp_metrics *m = &e->l->m;
    const anl_func *fn = anl_func_of(af, e->l->lineno);
    textbuf_printf(b, "%zu. %s:%u in %s: GPU %.1f%%", rank, af->info->display_path, e->l->lineno,
                   fn->module ? "<module>" : fn->name, m->gpu_percent);
    if (s->memory_valid)
        textbuf_printf(b, ", GPU memory avg %.0f MB / peak %.0f MB", m->gpu_avg_mb, m->gpu_peak_mb);
    textbuf_printf(b, "; CPU %.1f%%", anl_cpu(m));
    if (m->copy_mb_s > 0)
        textbuf_printf(b, "; copies %.0f MB/s", m->copy_mb_s);
    textbuf_puts(b, "\n   ");
    srcline_put(b, e->l->source, GPU_SOURCE_MAX);
    textbuf_puts(b, "\n");
}

static cJSON *ent_json(gpu_set *s, const gpu_ent *e, size_t rank)
{
    anl_file *af = &s->files[e->fi];
    const mcp_metrics *m = &e->l->m;
    const anl_func *fn = anl_func_of(af, e->l->lineno);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", (double)rank);
    cJSON_AddStringToObject(o, "file", af->info->display_path);
    cJSON_AddStringToObject(o, "path", af->info->path);
    cJSON_AddNumberToObject(o, "line", e->l->lineno);
    cJSON_AddStringToObject(o, "source", e->l->source);
    cJSON_AddStringToObject(o, "function", fn->module ? "<module>" : fn->name);
    cJSON_AddNumberToObject(o, "gpu_percent", m->gpu_percent);
    if (s->memory_valid) {
        cJSON_AddNumberToObject(o, "gpu_avg_mb", m->gpu_avg_mb);
        cJSON_AddNumberToObject(o, "gpu_peak_mb", m->gpu_peak_mb);
    } else {
        cJSON_AddNullToObject(o, "gpu_avg_mb");
        cJSON_AddNullToObject(o, "gpu_peak_mb");
    }
    cJSON_AddNumberToObject(o, "cpu_percent", anl_cpu(m));
    cJSON_AddNumberToObject(o, "copy_mb_s", m->copy_mb_s);
    return o;
}

/* Why there is nothing to show, or NULL when there is GPU data. */
static const char *no_data_reason(const gpu_set *s, bool any_line)
{
    if (!s->sm->gpu && !any_line)
        return "GPU profiling was off or found no GPU (Scalene reported gpu: false)";
    if (!any_line)
        return "GPU profiling was on but no line used the GPU";
    return NULL;
}

static bool any_gpu_line(const gpu_set *s, size_t only_fi)
{
    if (only_fi == PLUGIN_ALL_FILES)
        return s->n > 0;
    for (size_t fi = 0; fi < s->n_files; fi++)
        for (size_t i = 0; i < s->files[fi].info->n_lines; i++) {
            const mcp_prof_line *l = anl_api->profile_line(s->p, fi, i);
            if (l->m.gpu_percent > 0 || (s->memory_valid && l->m.gpu_peak_mb > 0))
                return true;
        }
    return false;
}

static const char *semantics(const gpu_set *s)
{
    return s->memory_valid ? "GPU % is the mean utilisation while the line ran"
                           : "GPU % is the line's share of all GPU time (Scalene 1.5.16; its "
                             "GPU memory figures are not usable and are left out)";
}

static int get_gpu_hotspots(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    size_t only_fi;
    const mcp_profile *p = plugin_open_profile_file(anl_api, call, args, &only_fi);
    if (!p)
        return MCP_ERROR;
    bool by_memory = !strcmp(plugin_arg_str(args, "sort_by", "utilization"), "memory");
    size_t top_n = plugin_arg_size(args, "top_n", GPU_DEFAULT_TOP_N);
    size_t max_bytes = plugin_arg_size(args, "max_bytes", GPU_DEFAULT_MAX_BYTES);
    gpu_set s;
    if (!collect(&s, p, only_fi, by_memory)) {
        set_free(&s);
        plugin_close_profile(anl_api, call, p);
        anl_api->result_error(call, NULL, "out of memory while analyzing the profile");
        return MCP_NOMEM;
    }
    const mcp_prof_summary *sm = s.sm;
    bool anywhere = any_gpu_line(&s, only_fi);
    const char *why = no_data_reason(&s, anywhere);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "profile_id", sm->id);
    cJSON_AddBoolToObject(out, "gpu_profiled", sm->gpu);
    cJSON_AddStringToObject(out, "gpu_device", sm->gpu_device ? sm->gpu_device : "");
    cJSON_AddBoolToObject(out, "has_gpu_data", anywhere);
    cJSON_AddBoolToObject(out, "memory_figures", s.memory_valid);
    cJSON_AddStringToObject(out, "sort_by", by_memory && s.memory_valid ? "memory" : "utilization");
    if (only_fi != PLUGIN_ALL_FILES)
        cJSON_AddStringToObject(out, "file_filter", s.files[only_fi].info->display_path);
    else
        cJSON_AddNullToObject(out, "file_filter");
    if (why && !sm->gpu)
        cJSON_AddStringToObject(out, "how_to_enable", how_to_enable);
    else
        cJSON_AddNullToObject(out, "how_to_enable");
    cJSON *arr = cJSON_AddArrayToObject(out, "lines");
    textbuf text, body, entry;
    textbuf_init(&text);
    textbuf_init(&body);
    textbuf_init(&entry);
    size_t shown = 0;
    bool cut_by_bytes = false;
    if (why) {
        textbuf_printf(&text, "No GPU data in profile %s: %s.\n%s\n", sm->id, why,
                       sm->gpu ? "" : how_to_enable);
    } else {
        for (size_t i = 0; i < s.n && shown < top_n; i++) {
            textbuf_cut(&entry, 0);
            ent_text(&s, &s.e[i], shown + 1, &entry);
            if (body.len + entry.len + GPU_FOOTER_RESERVE > max_bytes && shown > 0) {
                cut_by_bytes = true;
                break;
            }
            textbuf_putn(&body, textbuf_str(&entry), entry.len);
            cJSON_AddItemToArray(arr, ent_json(&s, &s.e[i], shown + 1));
            shown++;
        }
        textbuf_printf(&text, "GPU hotspots of profile %s (device %s)", sm->id,
                       sm->gpu_device && *sm->gpu_device ? sm->gpu_device : "unknown");
        if (only_fi != PLUGIN_ALL_FILES)
            textbuf_printf(&text, " in %s", s.files[only_fi].info->display_path);
        textbuf_printf(&text, ": %zu of %zu lines, by %s; %s.\n", shown, s.n,
                       by_memory && s.memory_valid ? "GPU peak memory" : "GPU utilisation",
                       semantics(&s));
        if (!s.n)
            textbuf_puts(&text, "No line of this file used the GPU.\n");
        textbuf_putn(&text, textbuf_str(&body), body.len);
    }
    char note[200] = "";
    if (!why && shown < s.n) {
        snprintf(note, sizeof note, "%zu more lines not shown: raise %s (now %zu).", s.n - shown,
                 cut_by_bytes ? "max_bytes" : "top_n", cut_by_bytes ? max_bytes : top_n);
        textbuf_printf(&text, "(%s)\n", note);
    }
    if (text.len > max_bytes) {
        size_t n = max_bytes - 24;
        while (n > 0 && ((unsigned char)text.s[n] & 0xC0) == 0x80)
            n--;
        textbuf_cut(&text, n);
        textbuf_puts(&text, "\n(cut at max_bytes)\n");
    }
    size_t total = why ? 0 : s.n;
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "shown", (double)shown);
    cJSON_AddBoolToObject(out, "truncated", shown < total);
    if (note[0])
        cJSON_AddStringToObject(out, "note", note);
    else if (why)
        cJSON_AddStringToObject(out, "note", why);
    else
        cJSON_AddNullToObject(out, "note");
    int rc = MCP_OK;
    if (text.oom || body.oom || entry.oom) {
        cJSON_Delete(out);
        anl_api->result_error(call, NULL, "out of memory while analyzing the profile");
        rc = MCP_NOMEM;
    } else {
        anl_api->result_text(call, "%s", textbuf_str(&text));
        anl_api->result_structured(call, out);
    }
    textbuf_free(&text);
    textbuf_free(&body);
    textbuf_free(&entry);
    set_free(&s);
    plugin_close_profile(anl_api, call, p);
    return rc;
}

/* ---- analyze_profile section ---- */

static int gpu_section(mcp_section *sec, const mcp_profile *p, void *ud)
{
    (void)ud;
    double tv = plugin_arg_num(anl_api->section_args(sec), "top_n", GPU_SECTION_TOP_N);
    size_t top_n = tv < 1 ? 1 : tv > 100 ? 100 : (size_t)tv;
    gpu_set s;
    if (!collect(&s, p, PLUGIN_ALL_FILES, false)) {
        set_free(&s);
        anl_api->set_error(anl_api->section_plugin(sec), "out of memory");
        return MCP_NOMEM;
    }
    const char *why = no_data_reason(&s, s.n > 0);
    cJSON *data = cJSON_CreateObject();
    cJSON_AddBoolToObject(data, "gpu_profiled", s.sm->gpu);
    cJSON_AddBoolToObject(data, "has_gpu_data", s.n > 0);
    cJSON *arr = cJSON_AddArrayToObject(data, "lines");
    textbuf b, rec;
    textbuf_init(&b);
    textbuf_init(&rec);
    if (why) {
        textbuf_printf(&b, "No GPU data: %s.%s%s\n", why, s.sm->gpu ? "" : " ",
                       s.sm->gpu ? "" : how_to_enable);
    } else {
        textbuf_printf(&b, "Device %s; by GPU utilisation (%s):\n",
                       s.sm->gpu_device && *s.sm->gpu_device ? s.sm->gpu_device : "unknown",
                       semantics(&s));
        for (size_t i = 0; i < s.n && i < top_n; i++) {
            ent_text(&s, &s.e[i], i + 1, &b);
            cJSON_AddItemToArray(arr, ent_json(&s, &s.e[i], i + 1));
        }
        if (s.n > top_n)
            textbuf_printf(&b, "(%zu more; get_gpu_hotspots lists them)\n", s.n - top_n);
        /* CPU-bound lines while the GPU idles */
        for (size_t fi = 0; fi < s.n_files; fi++) {
            for (size_t i = 0; i < s.files[fi].info->n_lines; i++) {
                const mcp_prof_line *l = anl_api->profile_line(p, fi, i);
                double cpu = anl_cpu(&l->m);
                if (cpu < GPU_IDLE_CPU_PERCENT || l->m.gpu_percent >= GPU_IDLE_GPU_PERCENT ||
                    srcline_is_import(l->source))
                    continue; /* imports run once on the CPU whatever one does */
                textbuf_cut(&rec, 0);
                textbuf_printf(&rec,
                               "holds %.1f%% of CPU while the GPU is %.0f%% busy: this work "
                               "runs on the CPU; move it to the GPU or overlap it with GPU "
                               "work (e.g. load data in background workers)",
                               cpu, l->m.gpu_percent);
                anl_api->section_recommend(sec, MCP_SEV_MEDIUM, s.files[fi].info->display_path,
                                           l->lineno, textbuf_str(&rec));
            }
        }
        if (s.memory_valid && s.e[0].l->m.gpu_percent < GPU_LOW_UTIL_PERCENT) {
            textbuf_cut(&rec, 0);
            textbuf_printf(&rec,
                           "the GPU is at most %.0f%% busy on any line: it is underused; use "
                           "bigger batches and keep data on the GPU between steps",
                           s.e[0].l->m.gpu_percent);
            anl_api->section_recommend(sec, MCP_SEV_LOW, NULL, 0, textbuf_str(&rec));
        }
    }
    cJSON_AddNumberToObject(data, "total", (double)s.n);
    anl_api->section_text(sec, "%s", textbuf_str(&b));
    anl_api->section_data(sec, data);
    textbuf_free(&b);
    textbuf_free(&rec);
    set_free(&s);
    return MCP_OK;
}

/* ---- definitions ---- */

static const char in_schema[] =
    "{\"type\":\"object\",\"properties\":{" IN_PROFILE_ID ","
    "\"sort_by\":{\"type\":\"string\",\"enum\":[\"utilization\",\"memory\"],"
    "\"default\":\"utilization\",\"description\":\"utilization: GPU busy percent; memory: "
    "GPU peak MB\"}," IN_TOP_N(10) "," IN_FILE "," IN_MAX_BYTES(
        6000, 1000000) "},"
                       "\"required\":[\"profile_id\"],\"additionalProperties\":false}";

static const char out_schema[] =
    "{\"type\":\"object\",\"properties\":{\"profile_id\":" S_STR ",\"gpu_profiled\":" S_BOOL
    ",\"gpu_device\":" S_STR ",\"has_gpu_data\":" S_BOOL ",\"memory_figures\":" S_BOOL
    ",\"sort_by\":{\"type\":\"string\",\"enum\":[\"utilization\",\"memory\"]},"
    "\"file_filter\":" S_STR_NULL ",\"how_to_enable\":" S_STR_NULL ",\"lines\":{"
    "\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"rank\":" S_INT
    ",\"file\":" S_STR ",\"path\":" S_STR ",\"line\":" S_INT ",\"source\":" S_STR
    ",\"function\":" S_STR ",\"gpu_percent\":" S_NUM ",\"gpu_avg_mb\":" S_NUM_NULL
    ",\"gpu_peak_mb\":" S_NUM_NULL ",\"cpu_percent\":" S_NUM ",\"copy_mb_s\":" S_NUM "},"
    "\"required\":[\"rank\",\"file\",\"path\",\"line\",\"source\",\"function\",\"gpu_percent\","
    "\"gpu_avg_mb\",\"gpu_peak_mb\",\"cpu_percent\",\"copy_mb_s\"],"
    "\"additionalProperties\":false}}," OUT_PAGE "},"
    "\"required\":[\"profile_id\",\"gpu_profiled\",\"gpu_device\",\"has_gpu_data\","
    "\"memory_figures\",\"sort_by\",\"file_filter\",\"how_to_enable\",\"lines\"," OUT_PAGE_KEYS
    "],\"additionalProperties\":false}";

static const mcp_tool_def tool = {
    MCP_TOOL_DEF_VERSION,
    "get_gpu_hotspots",
    "GPU hotspots",
    "GPU utilisation and GPU memory by line, busiest first (or by GPU peak memory), with the "
    "line's CPU share beside it. When the profile has no GPU data it says so and what it takes "
    "to get it (gpu=true, an NVIDIA GPU with NVML, nvidia-ml-py).",
    in_schema,
    out_schema,
    MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT,
    get_gpu_hotspots,
    NULL,
    NULL,
};

static const mcp_section_def section = {
    MCP_SECTION_DEF_VERSION, "gpu", "GPU", MCP_FOCUS_GPU, 50, gpu_section, NULL, NULL,
};

static int gpu_init(mcp_plugin *self, const mcp_host_api *api)
{
    anl_setup(api);
    int rc = api->register_tool(self, &tool);
    if (rc != MCP_OK)
        return rc;
    return api->register_section(self, &section);
}

MCP_PLUGIN("gpu", "0.1.0", gpu_init, NULL);
