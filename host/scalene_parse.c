/* scalene_parse.c - Scalene JSON (1.5.x and 2.x) to the normalized profile model.
 *
 * One cJSON parse, then one walk. Objects are read by indexing their members
 * once against a sorted key table (profile_index_object), never by repeated
 * key lookups: 2.x lines carry ~35 keys and a profile can hold 10^5 lines.
 * combined_stacks, combined_stacks_timeline and memory_stacks (most of a 2.3
 * document) are never visited. */
#include "profile.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parse_ctx {
    mcp_profile *p;
    cJSON *warnings;   /* borrowed, may be NULL */
    size_t n_warnings; /* including those not shown */
    bool unescape;     /* undo the \u0026-style escapes in source lines */
    /* Where we are, for messages. */
    const char *file;                   /* display path, NULL at top level */
    uint32_t lineno;                    /* 0 when not inside a line */
    const char *function;               /* name when inside a function record */
    int metric_slot[PROFILE_N_METRICS]; /* line-key index of each metric, -1 if none */
} parse_ctx;

/* Values at most this far outside a bound are rounding noise: clamped without a warning
 * (Scalene writes percent_cpu_time 100.00000000000004). */
#define PERCENT_SLACK 1e-6
#define FRACTION_SLACK 1e-9
#define MB_SLACK 1e-9

static void set_err(char *err, size_t errsz, const char *fmt, ...) MCP_PRINTF(3, 4);

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
    if (!err || errsz == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

/* The JSON type of v with its article, for messages ("an array"). */
static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an invalid value";
}

/* ------------------------------------------------------------------ */
/* Warnings                                                             */
/* ------------------------------------------------------------------ */

static void warn(parse_ctx *c, const char *fmt, ...) MCP_PRINTF(2, 3);

static void warn(parse_ctx *c, const char *fmt, ...)
{
    c->n_warnings++;
    if (!c->warnings || c->n_warnings > PROFILE_MAX_WARNINGS)
        return;
    char where[512], what[512], msg[1100];
    if (!c->file)
        snprintf(where, sizeof(where), "profile");
    else if (c->function)
        snprintf(where, sizeof(where), "%s:%u (function %s)", c->file, (unsigned)c->lineno,
                 c->function);
    else if (c->lineno)
        snprintf(where, sizeof(where), "%s:%u", c->file, (unsigned)c->lineno);
    else
        snprintf(where, sizeof(where), "%s", c->file);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof(msg), "%s: %s", where, what);
    profile_utf8_scrub(msg);
    cJSON_AddItemToArray(c->warnings, cJSON_CreateString(msg));
}

static void finish_warnings(parse_ctx *c)
{
    if (!c->warnings || c->n_warnings <= PROFILE_MAX_WARNINGS)
        return;
    char msg[128];
    snprintf(msg, sizeof(msg), "%zu more warnings not shown", c->n_warnings - PROFILE_MAX_WARNINGS);
    cJSON_AddItemToArray(c->warnings, cJSON_CreateString(msg));
}

/* ------------------------------------------------------------------ */
/* Typed reads: absent or null is silent, anything else wrong warns     */
/* ------------------------------------------------------------------ */

/* True with a finite number in *out; false when v is absent, null, of
 * another type or not finite (cJSON turns 1e999 into infinity). */
static bool read_number(parse_ctx *c, const cJSON *v, const char *field, double *out)
{
    if (!v || cJSON_IsNull(v))
        return false;
    if (!cJSON_IsNumber(v)) {
        warn(c, "%s is %s, expected a number; treated as absent", field, json_type_name(v));
        return false;
    }
    if (!isfinite(v->valuedouble)) {
        warn(c, "%s is not a finite number; treated as absent", field);
        return false;
    }
    *out = v->valuedouble + 0.0; /* -0.0 becomes 0: the model holds no negative zero */
    return true;
}

static double clamp_to(parse_ctx *c, const char *field, double v, double lo, double hi,
                       double slack)
{
    if (v >= lo && v <= hi)
        return v;
    double to = v < lo ? lo : hi;
    if (fabs(v - to) > slack)
        warn(c, "%s = %.15g is out of range %g..%g; clamped to %g", field, v, lo, hi, to);
    return to;
}

static double clamp_kind(parse_ctx *c, const char *field, profile_metric_kind kind, double v)
{
    switch (kind) {
    case PROFILE_PERCENT:
        return clamp_to(c, field, v, 0, 100, PERCENT_SLACK);
    case PROFILE_FRACTION:
        return clamp_to(c, field, v, 0, 1, FRACTION_SLACK);
    case PROFILE_MB:
        return clamp_to(c, field, v, 0, INFINITY, MB_SLACK);
    case PROFILE_COUNT:
        return clamp_to(c, field, v, 0, 0x1p63, 0);
    }
    return v;
}

/* A number of the given kind, clamped; `dflt` when absent or unusable. */
static double read_kind(parse_ctx *c, const cJSON *v, const char *field, profile_metric_kind kind,
                        double dflt)
{
    double d;
    if (!read_number(c, v, field, &d))
        return dflt;
    return clamp_kind(c, field, kind, d);
}

static int64_t read_count(parse_ctx *c, const cJSON *v, const char *field)
{
    return profile_double_to_int64(read_kind(c, v, field, PROFILE_COUNT, 0));
}

/* A line number or range bound: integer 0..UINT32_MAX, else 0 with a warning. */
static uint32_t read_lineno(parse_ctx *c, const cJSON *v, const char *field)
{
    double d;
    if (!read_number(c, v, field, &d))
        return 0;
    if (d < 0 || d > UINT32_MAX || d != floor(d)) {
        warn(c, "%s = %.15g is not a line number; treated as absent", field, d);
        return 0;
    }
    return (uint32_t)d;
}

static bool read_bool(parse_ctx *c, const cJSON *v, const char *field)
{
    if (!v || cJSON_IsNull(v))
        return false;
    if (!cJSON_IsBool(v)) {
        warn(c, "%s is %s, expected a boolean; treated as false", field, json_type_name(v));
        return false;
    }
    return cJSON_IsTrue(v);
}

/* A string copied into the profile, or `dflt` when absent/null/wrong type.
 * Sets *oom on allocation failure. */
static const char *read_string(parse_ctx *c, const cJSON *v, const char *field, const char *dflt,
                               bool *oom)
{
    if (!v || cJSON_IsNull(v))
        return dflt;
    if (!cJSON_IsString(v)) {
        warn(c, "%s is %s, expected a string; treated as absent", field, json_type_name(v));
        return dflt;
    }
    bool replaced;
    const char *s = profile_strndup(c->p, v->valuestring, strlen(v->valuestring), &replaced);
    if (!s) {
        *oom = true;
        return dflt;
    }
    if (replaced)
        warn(c, "%s has invalid UTF-8; bad bytes replaced by U+FFFD", field);
    return s;
}

/* ------------------------------------------------------------------ */
/* Key tables (sorted by strcmp; test builds check the order)           */
/* ------------------------------------------------------------------ */

enum top_key {
    TK_ALLOC_SAMPLES,
    TK_ASYNC_PROFILE,
    TK_COMBINED_STACKS,
    TK_ELAPSED_TIME_SEC,
    TK_ENTRYPOINT_DIR,
    TK_FILES,
    TK_GPU,
    TK_GPU_DEVICE,
    TK_GROWTH_RATE,
    TK_MAX_FOOTPRINT_FNAME,
    TK_MAX_FOOTPRINT_LINENO,
    TK_MAX_FOOTPRINT_MB,
    TK_MAX_FOOTPRINT_PYTHON_FRACTION,
    TK_MEMORY,
    TK_NATIVE_ALLOCATIONS_MB,
    TK_PROGRAM,
    TK_SAMPLES,
    TK_STACKS,
    TK_START_TIME_ABSOLUTE,
    TK_START_TIME_PERF,
    TK_COUNT
};

static const char *const top_keys[TK_COUNT] = {
    "alloc_samples",
    "async_profile",
    "combined_stacks",
    "elapsed_time_sec",
    "entrypoint_dir",
    "files",
    "gpu",
    "gpu_device",
    "growth_rate",
    "max_footprint_fname",
    "max_footprint_lineno",
    "max_footprint_mb",
    "max_footprint_python_fraction",
    "memory",
    "native_allocations_mb",
    "program",
    "samples",
    "stacks",
    "start_time_absolute",
    "start_time_perf",
};

enum file_key { FK_FUNCTIONS, FK_IMPORTS, FK_LEAKS, FK_LINES, FK_PERCENT_CPU_TIME, FK_COUNT };

static const char *const file_keys[FK_COUNT] = {"functions", "imports", "leaks", "lines",
                                                "percent_cpu_time"};

enum line_key {
    LK_CPU_SAMPLES_LIST,
    LK_END_FUNCTION_LINE,
    LK_END_OUTERMOST_LOOP,
    LK_END_REGION_LINE,
    LK_LINE,
    LK_LINENO,
    LK_MEMORY_SAMPLES,
    LK_N_AVG_MB,
    LK_N_COPY_MB_S,
    LK_N_CORE_UTILIZATION,
    LK_N_CPU_PERCENT_C,
    LK_N_CPU_PERCENT_PYTHON,
    LK_N_GPU_AVG_MEMORY_MB,
    LK_N_GPU_PEAK_MEMORY_MB,
    LK_N_GPU_PERCENT,
    LK_N_MALLOC_MB,
    LK_N_MALLOCS,
    LK_N_PEAK_MB,
    LK_N_PYTHON_FRACTION,
    LK_N_SYS_PERCENT,
    LK_N_USAGE_FRACTION,
    LK_START_FUNCTION_LINE,
    LK_START_OUTERMOST_LOOP,
    LK_START_REGION_LINE,
    LK_COUNT
};

static const char *const line_keys[LK_COUNT] = {
    "cpu_samples_list",
    "end_function_line",
    "end_outermost_loop",
    "end_region_line",
    "line",
    "lineno",
    "memory_samples",
    "n_avg_mb",
    "n_copy_mb_s",
    "n_core_utilization",
    "n_cpu_percent_c",
    "n_cpu_percent_python",
    "n_gpu_avg_memory_mb",
    "n_gpu_peak_memory_mb",
    "n_gpu_percent",
    "n_malloc_mb",
    "n_mallocs",
    "n_peak_mb",
    "n_python_fraction",
    "n_sys_percent",
    "n_usage_fraction",
    "start_function_line",
    "start_outermost_loop",
    "start_region_line",
};

enum leak_key { LEAK_LIKELIHOOD, LEAK_VELOCITY_MB_S, LEAK_COUNT };
static const char *const leak_keys[LEAK_COUNT] = {"likelihood", "velocity_mb_s"};

enum stack_key { SK_C_TIME, SK_COUNT_, SK_CPU_SAMPLES, SK_PYTHON_TIME, SK_COUNT };
static const char *const stack_keys[SK_COUNT] = {"c_time", "count", "cpu_samples", "python_time"};

static int line_key_index(const char *key)
{
    for (int i = 0; i < LK_COUNT; i++)
        if (strcmp(line_keys[i], key) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------ */
/* Samples: [[ns, MB], ...]                                             */
/* ------------------------------------------------------------------ */

/* Reads a footprint timeline into an array owned by the profile. Malformed
 * points are skipped with one warning. MCP_OK or MCP_NOMEM. */
static int read_samples(parse_ctx *c, const cJSON *v, const char *field, mcp_sample **out,
                        size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (!v || cJSON_IsNull(v))
        return MCP_OK;
    if (!cJSON_IsArray(v)) {
        warn(c, "%s is %s, expected an array; ignored", field, json_type_name(v));
        return MCP_OK;
    }
    size_t cap = (size_t)cJSON_GetArraySize(v);
    if (cap == 0)
        return MCP_OK;
    mcp_sample *s = profile_alloc(c->p, cap, sizeof(*s));
    if (!s)
        return MCP_NOMEM;
    char t_field[64], mb_field[64];
    snprintf(t_field, sizeof(t_field), "%s time (s)", field);
    snprintf(mb_field, sizeof(mb_field), "%s footprint (MB)", field);
    size_t n = 0, bad = 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, v)
    {
        const cJSON *t = cJSON_IsArray(pt) ? pt->child : NULL;
        const cJSON *mb = t ? t->next : NULL;
        /* cJSON_IsNumber(NULL) is false (opaque to the analyzer) */
        // NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
        if (!cJSON_IsNumber(t) || !cJSON_IsNumber(mb) || !isfinite(t->valuedouble) ||
            !isfinite(mb->valuedouble)) {
            bad++;
            continue;
        }
        s[n].t_sec = clamp_to(c, t_field, t->valuedouble / 1e9 + 0.0, 0, INFINITY, 0);
        s[n].mb = clamp_to(c, mb_field, mb->valuedouble + 0.0, 0, INFINITY, MB_SLACK);
        n++;
    }
    if (bad)
        warn(c, "%s: %zu points are not [ns, MB] number pairs; skipped", field, bad);
    *out = s;
    *n_out = n;
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Lines and function records                                           */
/* ------------------------------------------------------------------ */

/* Undoes 2.x's literal "\u0026" "\u003c" "\u003e" in place. */
static void unescape_html_literals(char *s)
{
    char *src = strstr(s, "\\u00");
    if (!src)
        return;
    char *dst = src;
    while (*src) {
        char repl = 0;
        if (src[0] == '\\' && src[1] == 'u' && src[2] == '0' && src[3] == '0') {
            if (src[4] == '2' && src[5] == '6')
                repl = '&';
            else if (src[4] == '3' && src[5] == 'c')
                repl = '<';
            else if (src[4] == '3' && src[5] == 'e')
                repl = '>';
        }
        if (repl) {
            *dst++ = repl;
            src += 6;
        } else
            *dst++ = *src++;
    }
    *dst = '\0';
}

/* Copies a source line: no trailing newline, escapes undone, valid UTF-8. */
static const char *read_source(parse_ctx *c, const cJSON *v, bool *oom)
{
    if (!v || cJSON_IsNull(v))
        return "";
    if (!cJSON_IsString(v)) {
        warn(c, "line is %s, expected the source text; treated as empty", json_type_name(v));
        return "";
    }
    const char *text = v->valuestring;
    size_t n = strlen(text);
    if (n && text[n - 1] == '\n')
        n--;
    if (n && text[n - 1] == '\r')
        n--;
    bool replaced;
    /* Our own fresh arena copy, so writable for the in-place unescape. */
    char *s = (char *)profile_strndup(c->p, text, n, &replaced);
    if (!s) {
        *oom = true;
        return "";
    }
    if (replaced)
        warn(c, "source text has invalid UTF-8; bad bytes replaced by U+FFFD");
    if (c->unescape)
        unescape_html_literals(s);
    return s;
}

static void read_metrics(parse_ctx *c, const cJSON *const *slots, mcp_metrics *m)
{
    profile_metrics_init(m);
    for (size_t i = 0; i < PROFILE_N_METRICS; i++) {
        const profile_metric_desc *d = &profile_metrics[i];
        if (c->metric_slot[i] < 0)
            continue;
        double v = read_kind(c, slots[c->metric_slot[i]], d->scalene_key, d->kind, d->absent);
        profile_metric_set(m, d, v);
    }
    const cJSON *list = slots[LK_CPU_SAMPLES_LIST];
    if (cJSON_IsArray(list))
        m->cpu_samples = cJSON_GetArraySize(list);
    else if (list && !cJSON_IsNull(list))
        warn(c, "cpu_samples_list is %s, expected an array; ignored", json_type_name(list));
}

/* The lineno of a line or function record: an integer >= 1, else 0 after
 * a warning (the caller skips the record). */
static uint32_t read_record_lineno(parse_ctx *c, const cJSON *v, const char *what)
{
    if (!v || !cJSON_IsNumber(v)) {
        warn(c, "%s skipped: lineno is %s, expected a number", what,
             v ? json_type_name(v) : "missing");
        return 0;
    }
    double d = v->valuedouble;
    if (!(d >= 1 && d <= UINT32_MAX) || d != floor(d)) {
        warn(c, "%s skipped: lineno %.15g is not a line number", what, d);
        return 0;
    }
    return (uint32_t)d;
}

/* Fills *l from one element of `lines`. False when the entry is skipped. */
static bool read_line(parse_ctx *c, const cJSON *entry, mcp_prof_line *l, bool *oom)
{
    c->lineno = 0;
    if (!cJSON_IsObject(entry)) {
        warn(c, "lines entry is %s, expected an object; skipped", json_type_name(entry));
        return false;
    }
    const cJSON *k[LK_COUNT];
    profile_index_object(entry, line_keys, LK_COUNT, k);
    l->lineno = read_record_lineno(c, k[LK_LINENO], "lines entry");
    if (!l->lineno)
        return false;
    c->lineno = l->lineno;
    l->source = read_source(c, k[LK_LINE], oom);
    read_metrics(c, k, &l->m);
    l->region_start = read_lineno(c, k[LK_START_REGION_LINE], "start_region_line");
    l->region_end = read_lineno(c, k[LK_END_REGION_LINE], "end_region_line");
    l->loop_start = read_lineno(c, k[LK_START_OUTERMOST_LOOP], "start_outermost_loop");
    l->loop_end = read_lineno(c, k[LK_END_OUTERMOST_LOOP], "end_outermost_loop");
    l->func_start = read_lineno(c, k[LK_START_FUNCTION_LINE], "start_function_line");
    l->func_end = read_lineno(c, k[LK_END_FUNCTION_LINE], "end_function_line");
    mcp_sample *samples;
    if (read_samples(c, k[LK_MEMORY_SAMPLES], "memory_samples", &samples, &l->n_memory_samples))
        *oom = true;
    l->memory_samples = samples;
    return true;
}

typedef struct tagged_line {
    mcp_prof_line line;
    size_t pos; /* position in the document */
} tagged_line;

static int compare_tagged_line(const void *a, const void *b)
{
    const tagged_line *x = a, *y = b;
    if (x->line.lineno != y->line.lineno)
        return x->line.lineno > y->line.lineno ? 1 : -1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Scalene writes lines in ascending order; anything else is sorted here and
 * of duplicate linenos the first record in the document is kept. */
static int sort_lines(parse_ctx *c, profile_file *f)
{
    size_t n = f->info.n_lines;
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = f->lines[i - 1].lineno < f->lines[i].lineno;
    if (sorted)
        return MCP_OK;
    tagged_line *t = malloc(n * sizeof(*t));
    if (!t)
        return MCP_NOMEM;
    for (size_t i = 0; i < n; i++) {
        t[i].line = f->lines[i];
        t[i].pos = i;
    }
    qsort(t, n, sizeof(*t), compare_tagged_line);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept && f->lines[kept - 1].lineno == t[i].line.lineno) {
            c->lineno = t[i].line.lineno;
            warn(c, "duplicate line record; the first one is kept");
            continue;
        }
        f->lines[kept++] = t[i].line;
    }
    free(t);
    c->lineno = 0;
    f->info.n_lines = kept;
    return MCP_OK;
}

static int read_lines(parse_ctx *c, const cJSON *v, profile_file *f)
{
    if (!v || cJSON_IsNull(v))
        return MCP_OK;
    if (!cJSON_IsArray(v)) {
        warn(c, "lines is %s, expected an array; ignored", json_type_name(v));
        return MCP_OK;
    }
    size_t cap = (size_t)cJSON_GetArraySize(v);
    if (cap == 0)
        return MCP_OK;
    f->lines = profile_alloc(c->p, cap, sizeof(*f->lines));
    if (!f->lines)
        return MCP_NOMEM;
    bool oom = false;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, v)
    {
        if (read_line(c, entry, &f->lines[f->info.n_lines], &oom))
            f->info.n_lines++;
        if (oom)
            return MCP_NOMEM;
    }
    c->lineno = 0;
    return sort_lines(c, f);
}

static bool read_function(parse_ctx *c, const cJSON *entry, mcp_prof_function *fn, bool *oom)
{
    c->lineno = 0;
    c->function = NULL;
    if (!cJSON_IsObject(entry)) {
        warn(c, "functions entry is %s, expected an object; skipped", json_type_name(entry));
        return false;
    }
    const cJSON *k[LK_COUNT];
    profile_index_object(entry, line_keys, LK_COUNT, k);
    fn->first_line = read_record_lineno(c, k[LK_LINENO], "functions entry");
    if (!fn->first_line)
        return false;
    c->lineno = fn->first_line;
    fn->name = read_string(c, k[LK_LINE], "function name", "", oom);
    c->function = fn->name;
    read_metrics(c, k, &fn->m);
    c->function = NULL;
    return true;
}

static int read_functions(parse_ctx *c, const cJSON *v, profile_file *f)
{
    if (!v || cJSON_IsNull(v))
        return MCP_OK;
    if (!cJSON_IsArray(v)) {
        warn(c, "functions is %s, expected an array; ignored", json_type_name(v));
        return MCP_OK;
    }
    size_t cap = (size_t)cJSON_GetArraySize(v);
    if (cap == 0)
        return MCP_OK;
    f->functions = profile_alloc(c->p, cap, sizeof(*f->functions));
    if (!f->functions)
        return MCP_NOMEM;
    bool oom = false;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, v)
    {
        if (read_function(c, entry, &f->functions[f->info.n_functions], &oom))
            f->info.n_functions++;
        if (oom)
            return MCP_NOMEM;
    }
    c->lineno = 0;
    return MCP_OK;
}

static int compare_function_first_line(const void *a, const void *b)
{
    const mcp_prof_function *x = *(const mcp_prof_function *const *)a;
    const mcp_prof_function *y = *(const mcp_prof_function *const *)b;
    return (x->first_line > y->first_line) - (x->first_line < y->first_line);
}

/* last_line = the largest end_function_line among the lines whose
 * start_function_line is the function's first line (2.1+); 0 otherwise. */
static int derive_function_ends(profile_file *f)
{
    size_t nf = f->info.n_functions;
    if (nf == 0)
        return MCP_OK;
    mcp_prof_function **by_line = malloc(nf * sizeof(*by_line));
    if (!by_line)
        return MCP_NOMEM;
    for (size_t i = 0; i < nf; i++)
        by_line[i] = &f->functions[i];
    qsort(by_line, nf, sizeof(*by_line), compare_function_first_line);
    for (size_t i = 0; i < f->info.n_lines; i++) {
        const mcp_prof_line *l = &f->lines[i];
        if (!l->func_start)
            continue;
        size_t lo = 0, hi = nf;
        while (lo < hi) { /* first function with first_line >= func_start */
            size_t mid = lo + (hi - lo) / 2;
            if (by_line[mid]->first_line < l->func_start)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t j = lo; j < nf && by_line[j]->first_line == l->func_start; j++)
            if (l->func_end > by_line[j]->last_line)
                by_line[j]->last_line = l->func_end;
    }
    free(by_line);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Leaks and imports                                                    */
/* ------------------------------------------------------------------ */

/* Leak keys are line numbers written as strings: digits only, 1..UINT32_MAX. */
static uint32_t parse_leak_lineno(const char *key)
{
    if (!key || !*key)
        return 0;
    uint64_t v = 0;
    for (const char *s = key; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return 0;
    }
    return (uint32_t)v;
}

static int compare_leak_line(const void *a, const void *b)
{
    const mcp_prof_leak *x = a, *y = b;
    return (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

static int read_leaks(parse_ctx *c, const cJSON *v, profile_file *f)
{
    if (!v || cJSON_IsNull(v))
        return MCP_OK;
    if (!cJSON_IsObject(v)) {
        warn(c, "leaks is %s, expected an object; ignored", json_type_name(v));
        return MCP_OK;
    }
    size_t cap = (size_t)cJSON_GetArraySize(v);
    if (cap == 0)
        return MCP_OK;
    f->leaks = profile_alloc(c->p, cap, sizeof(*f->leaks));
    if (!f->leaks)
        return MCP_NOMEM;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, v)
    {
        uint32_t lineno = parse_leak_lineno(entry->string);
        if (!lineno || !cJSON_IsObject(entry)) {
            warn(c, "leaks entry \"%.64s\" is not a line number with an object; skipped",
                 entry->string ? entry->string : "");
            continue;
        }
        c->lineno = lineno;
        const cJSON *k[LEAK_COUNT];
        profile_index_object(entry, leak_keys, LEAK_COUNT, k);
        mcp_prof_leak *leak = &f->leaks[f->info.n_leaks++];
        leak->lineno = lineno;
        leak->likelihood = read_kind(c, k[LEAK_LIKELIHOOD], "likelihood", PROFILE_FRACTION, 0);
        leak->velocity_mb_s = read_kind(c, k[LEAK_VELOCITY_MB_S], "velocity_mb_s", PROFILE_MB, 0);
    }
    c->lineno = 0;
    qsort(f->leaks, f->info.n_leaks, sizeof(*f->leaks), compare_leak_line);
    return MCP_OK;
}

static int read_imports(parse_ctx *c, const cJSON *v, profile_file *f)
{
    if (!v || cJSON_IsNull(v))
        return MCP_OK;
    if (!cJSON_IsArray(v)) {
        warn(c, "imports is %s, expected an array; ignored", json_type_name(v));
        return MCP_OK;
    }
    size_t cap = (size_t)cJSON_GetArraySize(v);
    if (cap == 0)
        return MCP_OK;
    f->imports = profile_alloc(c->p, cap, sizeof(*f->imports));
    if (!f->imports)
        return MCP_NOMEM;
    bool oom = false;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, v)
    {
        if (!cJSON_IsString(entry)) {
            warn(c, "imports entry is %s, expected a string; skipped", json_type_name(entry));
            continue;
        }
        f->imports[f->info.n_imports++] = read_string(c, entry, "imports entry", "", &oom);
        if (oom)
            return MCP_NOMEM;
    }
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

static int read_file(parse_ctx *c, const cJSON *entry, profile_file *f)
{
    bool replaced;
    const char *path = profile_strndup(c->p, entry->string, strlen(entry->string), &replaced);
    if (!path)
        return MCP_NOMEM;
    f->info.path = path;
    f->info.display_path = profile_display_path(c->p, path);
    c->file = f->info.display_path;
    if (replaced)
        warn(c, "file path has invalid UTF-8; bad bytes replaced by U+FFFD");
    const cJSON *k[FK_COUNT];
    profile_index_object(entry, file_keys, FK_COUNT, k);
    f->info.cpu_percent =
        read_kind(c, k[FK_PERCENT_CPU_TIME], "percent_cpu_time", PROFILE_PERCENT, 0);
    int rc = read_lines(c, k[FK_LINES], f);
    if (!rc)
        rc = read_functions(c, k[FK_FUNCTIONS], f);
    if (!rc)
        rc = derive_function_ends(f);
    if (!rc)
        rc = read_leaks(c, k[FK_LEAKS], f);
    if (!rc)
        rc = read_imports(c, k[FK_IMPORTS], f);
    return rc;
}

static int read_files(parse_ctx *c, const cJSON *files)
{
    mcp_profile *p = c->p;
    size_t cap = (size_t)cJSON_GetArraySize(files);
    if (cap == 0) {
        warn(c, "files is empty: Scalene attributed no samples to any file");
        return MCP_OK;
    }
    p->files = profile_alloc(p, cap, sizeof(*p->files));
    if (!p->files)
        return MCP_NOMEM;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, files)
    {
        if (!cJSON_IsObject(entry)) {
            warn(c, "files entry \"%.200s\" is %s, expected an object; skipped",
                 entry->string ? entry->string : "", json_type_name(entry));
            continue;
        }
        int rc = read_file(c, entry, &p->files[p->summary.n_files]);
        c->file = NULL;
        c->lineno = 0;
        if (rc)
            return rc;
        p->summary.n_files++;
    }
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Stacks (2.x): [[frames, {count, python_time, c_time, cpu_samples}]]  */
/* ------------------------------------------------------------------ */

static const char *read_frame(parse_ctx *c, const cJSON *v, bool *oom)
{
    const char *s = v->valuestring;
    size_t n = strlen(s);
    while (n && s[n - 1] == ';')
        n--;
    bool replaced;
    const char *copy = profile_strndup(c->p, s, n, &replaced);
    if (!copy)
        *oom = true;
    else if (replaced)
        warn(c, "stack frame has invalid UTF-8; bad bytes replaced by U+FFFD");
    return copy;
}

/* False when the entry does not have the known shape (caller warns). */
static bool read_stack(parse_ctx *c, const cJSON *entry, mcp_prof_stack *st, bool *oom)
{
    const cJSON *frames = cJSON_IsArray(entry) ? entry->child : NULL;
    const cJSON *stats = frames ? frames->next : NULL;
    if (!cJSON_IsArray(frames) || !cJSON_IsObject(stats))
        return false;
    const cJSON *fr;
    cJSON_ArrayForEach(fr, frames)
    {
        if (!cJSON_IsString(fr))
            return false;
    }
    size_t n = (size_t)cJSON_GetArraySize(frames);
    const char **out = profile_alloc(c->p, n ? n : 1, sizeof(*out));
    if (!out) {
        *oom = true;
        return false;
    }
    size_t i = 0;
    cJSON_ArrayForEach(fr, frames)
    {
        out[i++] = read_frame(c, fr, oom);
        if (*oom)
            return false;
    }
    st->frames = out;
    st->n_frames = n;
    const cJSON *k[SK_COUNT];
    profile_index_object(stats, stack_keys, SK_COUNT, k);
    st->count = read_count(c, k[SK_COUNT_], "stacks count");
    st->cpu_fraction = read_kind(c, k[SK_CPU_SAMPLES], "stacks cpu_samples", PROFILE_FRACTION, 0);
    st->python_fraction =
        read_kind(c, k[SK_PYTHON_TIME], "stacks python_time", PROFILE_FRACTION, 0);
    st->native_fraction = read_kind(c, k[SK_C_TIME], "stacks c_time", PROFILE_FRACTION, 0);
    return true;
}

static int read_stacks(parse_ctx *c, const cJSON *v)
{
    mcp_profile *p = c->p;
    if (!v || cJSON_IsNull(v))
        return MCP_OK;
    if (!cJSON_IsArray(v)) {
        warn(c, "stacks is %s, expected an array; ignored", json_type_name(v));
        return MCP_OK;
    }
    size_t cap = (size_t)cJSON_GetArraySize(v);
    if (cap == 0)
        return MCP_OK;
    p->stacks = profile_alloc(p, cap, sizeof(*p->stacks));
    if (!p->stacks)
        return MCP_NOMEM;
    size_t bad = 0;
    bool oom = false;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, v)
    {
        if (read_stack(c, entry, &p->stacks[p->summary.n_stacks], &oom))
            p->summary.n_stacks++;
        else if (oom)
            return MCP_NOMEM;
        else
            bad++;
    }
    if (bad)
        warn(c, "stacks: %zu entries are not [[frame strings], {stats}]; skipped", bad);
    return MCP_OK;
}

/* ------------------------------------------------------------------ */
/* Top level                                                            */
/* ------------------------------------------------------------------ */

static const cJSON *first_child_object(const cJSON *v)
{
    return cJSON_IsObject(v) || cJSON_IsArray(v) ? v->child : NULL;
}

/* reference/scalene.md §7 point 5: newest marker wins. */
static const char *detect_generation(const cJSON *const *top)
{
    if (top[TK_COMBINED_STACKS])
        return "2.3+";
    if (top[TK_ASYNC_PROFILE])
        return "2.2+";
    const cJSON *file = first_child_object(top[TK_FILES]);
    const cJSON *lines =
        cJSON_IsObject(file) ? cJSON_GetObjectItemCaseSensitive(file, "lines") : NULL;
    /* cJSON_IsArray(NULL) is false (opaque to the analyzer) */
    // NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
    const cJSON *line = cJSON_IsArray(lines) ? lines->child : NULL;
    if (top[TK_START_TIME_PERF] ||
        (cJSON_IsObject(line) && cJSON_GetObjectItemCaseSensitive(line, "cpu_samples_list")))
        return "1.5.54+";
    if (top[TK_ENTRYPOINT_DIR])
        return "1.5.32+";
    if (cJSON_IsObject(file) && cJSON_GetObjectItemCaseSensitive(file, "imports"))
        return "1.5.19+";
    return "<=1.5.18";
}

static int read_top(parse_ctx *c, const cJSON *const *top)
{
    mcp_profile *p = c->p;
    mcp_prof_summary *s = &p->summary;
    profile_scalene_info *info = &p->scalene;
    bool oom = false;

    info->schema_hint = detect_generation(top);
    /* The escapes exist since the JSON grew its 1.5.19+ keys; 1.5.16 writes
     * '&' raw, so a literal "\u0026" there is the program's own text. */
    c->unescape = strcmp(info->schema_hint, "<=1.5.18") != 0;

    s->elapsed_sec = read_kind(c, top[TK_ELAPSED_TIME_SEC], "elapsed_time_sec", PROFILE_MB, 0);
    s->alloc_samples = read_count(c, top[TK_ALLOC_SAMPLES], "alloc_samples");
    double growth = 0;
    if (read_number(c, top[TK_GROWTH_RATE], "growth_rate", &growth))
        s->growth_rate = growth;
    s->max_footprint_mb = read_kind(c, top[TK_MAX_FOOTPRINT_MB], "max_footprint_mb", PROFILE_MB, 0);
    s->max_footprint_file =
        read_string(c, top[TK_MAX_FOOTPRINT_FNAME], "max_footprint_fname", NULL, &oom);
    s->max_footprint_line = read_lineno(c, top[TK_MAX_FOOTPRINT_LINENO], "max_footprint_lineno");
    s->memory = read_bool(c, top[TK_MEMORY], "memory");
    s->gpu = read_bool(c, top[TK_GPU], "gpu");
    s->gpu_device = read_string(c, top[TK_GPU_DEVICE], "gpu_device", "", &oom);
    info->program = read_string(c, top[TK_PROGRAM], "program", "", &oom);
    s->target = info->program;
    info->start_time_abs =
        read_kind(c, top[TK_START_TIME_ABSOLUTE], "start_time_absolute", PROFILE_MB, 0);
    info->max_footprint_python_fraction =
        read_kind(c, top[TK_MAX_FOOTPRINT_PYTHON_FRACTION], "max_footprint_python_fraction",
                  PROFILE_FRACTION, -1);
    info->native_allocations_mb =
        read_kind(c, top[TK_NATIVE_ALLOCATIONS_MB], "native_allocations_mb", PROFILE_MB, 0);
    info->async_profile = read_bool(c, top[TK_ASYNC_PROFILE], "async_profile");
    if (oom)
        return MCP_NOMEM;

    mcp_sample *samples;
    int rc = read_samples(c, top[TK_SAMPLES], "samples", &samples, &s->n_samples);
    s->samples = samples;
    if (!rc)
        rc = read_stacks(c, top[TK_STACKS]);
    if (!rc)
        rc = read_files(c, top[TK_FILES]);
    return rc;
}

static void init_metric_slots(parse_ctx *c)
{
    for (size_t i = 0; i < PROFILE_N_METRICS; i++)
        c->metric_slot[i] =
            profile_metrics[i].scalene_key ? line_key_index(profile_metrics[i].scalene_key) : -1;
}

static bool is_json_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* True when a bare token (number or literal) cut at EOF could still have
 * become valid: "tr", "fals", "-1.5e". */
static bool is_bare_prefix(const char *tok, size_t n)
{
    static const char *const literals[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++)
        if (n <= strlen(literals[i]) && strncmp(tok, literals[i], n) == 0)
            return true;
    for (size_t i = 0; i < n; i++)
        if (!tok[i] || !strchr("0123456789+-.eE", tok[i]))
            return false;
    return true;
}

/* After cJSON failed at byte `pos`: does the text simply stop early (inside
 * a string or with brackets open), with the failure at its last token?
 * cJSON reports the start of the token it could not finish, not EOF. */
static bool looks_truncated(const char *buf, size_t len, size_t pos)
{
    size_t depth = 0, last_token = 0, bare_len = 0, i = 0;
    bool in_string = false, bare = false;
    while (i < len) {
        char ch = buf[i];
        if (is_json_space(ch) || ch == ':' || ch == ',') {
            i++;
            continue;
        }
        last_token = i;
        bare = false;
        if (ch == '"') {
            in_string = true;
            for (i++; i < len; i++) {
                if (buf[i] == '\\')
                    i++;
                else if (buf[i] == '"') {
                    in_string = false;
                    break;
                }
            }
            i++;
        } else if (ch == '{' || ch == '[') {
            depth++;
            i++;
        } else if (ch == '}' || ch == ']') {
            depth -= depth > 0;
            i++;
        } else {
            bare = true;
            i++; /* the token's first byte, whatever it is (a NUL must not stall the scan) */
            while (i < len && buf[i] && !is_json_space(buf[i]) && !strchr("{}[]:,\"", buf[i]))
                i++;
            bare_len = i - last_token;
        }
    }
    if (!in_string && depth == 0)
        return false;
    if (bare && !is_bare_prefix(buf + last_token, bare_len))
        return false;
    return pos >= last_token;
}

/* Explains why cJSON stopped at byte `pos` of `len`. */
static void describe_syntax_error(const char *buf, size_t len, size_t pos, char *err, size_t errsz)
{
    if (pos >= len || looks_truncated(buf, len, pos)) {
        set_err(err, errsz,
                "truncated JSON: the document stops at byte %zu before its value is complete "
                "(Scalene killed while writing, or a copy cut short)",
                len);
        return;
    }
    char near[24];
    size_t n = 0;
    for (size_t i = pos; i < len && n < sizeof(near) - 1; i++)
        near[n++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
    near[n] = '\0';
    set_err(err, errsz,
            "not valid JSON at byte %zu near \"%s\" (a syntax error, a NaN/Infinity token, or "
            "nesting deeper than %d levels)",
            pos, near, CJSON_NESTING_LIMIT);
}

/* Parses the document; NULL with err set when it is not one JSON object. */
static cJSON *parse_document(const char *buf, size_t len, char *err, size_t errsz)
{
    if (!buf || len == 0) {
        set_err(err, errsz, "empty document (0 bytes): Scalene wrote nothing");
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
    size_t pos = end ? (size_t)(end - buf) : len;
    if (!root) {
        describe_syntax_error(buf, len, pos, err, errsz);
        return NULL;
    }
    while (pos < len && is_json_space(buf[pos]))
        pos++;
    if (pos < len) {
        set_err(err, errsz, "unexpected data after the JSON value at byte %zu", pos);
        cJSON_Delete(root);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        set_err(err, errsz, "the top level is %s, expected an object", json_type_name(root));
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int profile_parse_scalene(const char *buf, size_t len, const char *cwd, mcp_profile **out,
                          cJSON *warnings, char *err, size_t errsz)
{
    *out = NULL;
    cJSON *root = parse_document(buf, len, err, errsz);
    if (!root)
        return MCP_INVALID;
    if (!root->child) {
        cJSON_Delete(root);
        set_err(err, errsz,
                "the profile is {}: the program ended before Scalene took any sample; "
                "profile a longer run");
        return MCP_NOTFOUND;
    }
    const cJSON *top[TK_COUNT];
    profile_index_object(root, top_keys, TK_COUNT, top);
    if (!cJSON_IsObject(top[TK_FILES])) {
        if (top[TK_FILES])
            set_err(err, errsz, "\"files\" is %s, expected an object",
                    json_type_name(top[TK_FILES]));
        else
            set_err(err, errsz, "no \"files\" object at the top level: not a Scalene profile");
        cJSON_Delete(root);
        return MCP_INVALID;
    }
    mcp_profile *p = profile_new();
    if (!p) {
        cJSON_Delete(root);
        set_err(err, errsz, "out of memory");
        return MCP_NOMEM;
    }
    parse_ctx c = {.p = p, .warnings = cJSON_IsArray(warnings) ? warnings : NULL};
    init_metric_slots(&c);
    int rc = MCP_OK;
    if (cwd && !(p->summary.cwd = profile_strdup(p, cwd)))
        rc = MCP_NOMEM;
    if (!rc)
        rc = read_top(&c, top);
    cJSON_Delete(root);
    if (rc) {
        profile_free(p);
        set_err(err, errsz, "out of memory while reading the profile");
        return rc;
    }
    profile_finish(p);
    finish_warnings(&c);
    *out = p;
    return MCP_OK;
}
