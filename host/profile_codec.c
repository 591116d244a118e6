/* profile_codec.c - our own versioned stored JSON <-> the profile model.
 *
 * Format version 1 (keys in profile.h's profile_encode comment):
 *   meta     runner/store metadata; "label" absent means NULL
 *   run      what Scalene reported about the whole run
 *   samples  [[t_sec, mb], ...]
 *   files    [{path, display_path, cpu_percent, lines, functions, leaks,
 *              imports}], in the profile's order
 *   lines    {lineno, source, region:[s,e], loop:[s,e], func:[s,e],
 *             memory_samples, <metric>...}: every line the model holds, with
 *             its source text (analyzers show context lines), but a metric
 *             only when it is not 0 (an omitted metric reads as 0, so
 *             core_utilization's "absent" -1 is written out) and a range
 *             only when not [0,0], so 2.x's all-zero lines cost little
 *   stacks   [{frames, count, cpu_fraction, python_fraction, native_fraction}]
 * Derived summary fields (cpu sums, stacks flag, counts) are not stored.
 *
 * Doubles are written as raw JSON text with the fewest digits (15..17) that
 * strtod reads back to the same bits: cJSON's own printer compares with a
 * tolerance and can drop the last bit. int64 values beyond 2^53 (where a
 * JSON number read as double would lose digits) are written as strings. */
#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXACT_INT_LIMIT 9007199254740992.0 /* 2^53 */

/* ------------------------------------------------------------------ */
/* Encoding                                                             */
/* ------------------------------------------------------------------ */

typedef struct enc {
    bool oom;
} enc;

/* Attaches `item` to `parent` under `key` (a string that outlives the tree),
 * or appends it when key is NULL. Returns item, or NULL on failure. */
static cJSON *put(enc *e, cJSON *parent, const char *key, cJSON *item)
{
    if (!item || !parent) {
        cJSON_Delete(item);
        e->oom = true;
        return NULL;
    }
    bool ok = key ? cJSON_AddItemToObjectCS(parent, key, item) : cJSON_AddItemToArray(parent, item);
    if (!ok) {
        cJSON_Delete(item);
        e->oom = true;
        return NULL;
    }
    return item;
}

static void format_double(double v, char *buf, size_t size)
{
    if (!isfinite(v)) { /* the model never holds one; stay valid JSON */
        snprintf(buf, size, "0");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static void put_double(enc *e, cJSON *parent, const char *key, double v)
{
    char buf[40];
    format_double(v, buf, sizeof(buf));
    put(e, parent, key, cJSON_CreateRaw(buf));
}

static void put_int64(enc *e, cJSON *parent, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRId64, v);
    bool exact = (double)v <= EXACT_INT_LIMIT && (double)v >= -EXACT_INT_LIMIT;
    put(e, parent, key, exact ? cJSON_CreateRaw(buf) : cJSON_CreateString(buf));
}

static void put_string(enc *e, cJSON *parent, const char *key, const char *s)
{
    put(e, parent, key, cJSON_CreateString(s));
}

static void put_bool(enc *e, cJSON *parent, const char *key, bool b)
{
    put(e, parent, key, cJSON_CreateBool(b));
}

static void put_range(enc *e, cJSON *parent, const char *key, uint32_t start, uint32_t end)
{
    if (!start && !end)
        return;
    cJSON *arr = put(e, parent, key, cJSON_CreateArray());
    put_int64(e, arr, NULL, start);
    put_int64(e, arr, NULL, end);
}

static void put_samples(enc *e, cJSON *parent, const char *key, const mcp_sample *s, size_t n)
{
    if (n == 0)
        return;
    cJSON *arr = put(e, parent, key, cJSON_CreateArray());
    for (size_t i = 0; i < n && !e->oom; i++) {
        cJSON *pt = put(e, arr, NULL, cJSON_CreateArray());
        put_double(e, pt, NULL, s[i].t_sec);
        put_double(e, pt, NULL, s[i].mb);
    }
}

static void put_metrics(enc *e, cJSON *obj, const mcp_metrics *m)
{
    for (size_t i = 0; i < profile_n_metrics; i++) {
        const profile_metric_desc *d = &profile_metrics[i];
        double v = profile_metric_get(m, d);
        if (v == 0)
            continue;
        if (d->kind == PROFILE_COUNT) {
            int64_t iv;
            memcpy(&iv, (const char *)m + d->offset, sizeof(iv));
            put_int64(e, obj, d->name, iv);
        } else
            put_double(e, obj, d->name, v);
    }
}

static void encode_meta(enc *e, cJSON *root, const mcp_profile *p)
{
    const mcp_prof_summary *s = &p->summary;
    cJSON *m = put(e, root, "meta", cJSON_CreateObject());
    put_string(e, m, "id", s->id);
    if (s->label)
        put_string(e, m, "label", s->label);
    put_string(e, m, "target", s->target);
    put_string(e, m, "cwd", s->cwd);
    put_string(e, m, "python", s->python);
    put_string(e, m, "scalene_version", s->scalene_version);
    put_int64(e, m, "created_ms", s->created_ms);
    put_int64(e, m, "exit_status", s->exit_status);
    put_int64(e, m, "term_signal", s->term_signal);
    put_bool(e, m, "partial", s->partial);
    put_bool(e, m, "timed_out", s->timed_out);
    put_bool(e, m, "cancelled", s->cancelled);
    put_string(e, m, "request", p->request_json);
}

static void encode_run(enc *e, cJSON *root, const mcp_profile *p)
{
    const mcp_prof_summary *s = &p->summary;
    const profile_scalene_info *info = &p->scalene;
    cJSON *r = put(e, root, "run", cJSON_CreateObject());
    put_string(e, r, "schema_hint", info->schema_hint);
    put_string(e, r, "program", info->program);
    put_double(e, r, "start_time_abs", info->start_time_abs);
    put_double(e, r, "elapsed_sec", s->elapsed_sec);
    put_int64(e, r, "alloc_samples", s->alloc_samples);
    put_double(e, r, "growth_rate", s->growth_rate);
    put_double(e, r, "max_footprint_mb", s->max_footprint_mb);
    if (s->max_footprint_file)
        put_string(e, r, "max_footprint_file", s->max_footprint_file);
    put_int64(e, r, "max_footprint_line", s->max_footprint_line);
    put_double(e, r, "max_footprint_python_fraction", info->max_footprint_python_fraction);
    put_double(e, r, "native_allocations_mb", info->native_allocations_mb);
    put_bool(e, r, "memory", s->memory);
    put_bool(e, r, "gpu", s->gpu);
    put_string(e, r, "gpu_device", s->gpu_device);
    put_bool(e, r, "async_profile", info->async_profile);
}

static void encode_line(enc *e, cJSON *lines, const mcp_prof_line *l)
{
    cJSON *o = put(e, lines, NULL, cJSON_CreateObject());
    put_int64(e, o, "lineno", l->lineno);
    put_string(e, o, "source", l->source);
    put_range(e, o, "region", l->region_start, l->region_end);
    put_range(e, o, "loop", l->loop_start, l->loop_end);
    put_range(e, o, "func", l->func_start, l->func_end);
    put_metrics(e, o, &l->m);
    put_samples(e, o, "memory_samples", l->memory_samples, l->n_memory_samples);
}

static void encode_function(enc *e, cJSON *functions, const mcp_prof_function *f)
{
    cJSON *o = put(e, functions, NULL, cJSON_CreateObject());
    put_string(e, o, "name", f->name);
    put_int64(e, o, "first_line", f->first_line);
    if (f->last_line)
        put_int64(e, o, "last_line", f->last_line);
    put_metrics(e, o, &f->m);
}

static void encode_file(enc *e, cJSON *files, const profile_file *f)
{
    const mcp_prof_file *info = &f->info;
    cJSON *o = put(e, files, NULL, cJSON_CreateObject());
    put_string(e, o, "path", info->path);
    put_string(e, o, "display_path", info->display_path);
    put_double(e, o, "cpu_percent", info->cpu_percent);
    cJSON *lines = put(e, o, "lines", cJSON_CreateArray());
    for (size_t i = 0; i < info->n_lines && !e->oom; i++)
        encode_line(e, lines, &f->lines[i]);
    cJSON *functions = put(e, o, "functions", cJSON_CreateArray());
    for (size_t i = 0; i < info->n_functions && !e->oom; i++)
        encode_function(e, functions, &f->functions[i]);
    cJSON *leaks = put(e, o, "leaks", cJSON_CreateArray());
    for (size_t i = 0; i < info->n_leaks && !e->oom; i++) {
        cJSON *l = put(e, leaks, NULL, cJSON_CreateObject());
        put_int64(e, l, "lineno", f->leaks[i].lineno);
        put_double(e, l, "likelihood", f->leaks[i].likelihood);
        put_double(e, l, "velocity_mb_s", f->leaks[i].velocity_mb_s);
    }
    cJSON *imports = put(e, o, "imports", cJSON_CreateArray());
    for (size_t i = 0; i < info->n_imports && !e->oom; i++)
        put_string(e, imports, NULL, f->imports[i]);
}

static void encode_stack(enc *e, cJSON *stacks, const mcp_prof_stack *st)
{
    cJSON *o = put(e, stacks, NULL, cJSON_CreateObject());
    cJSON *frames = put(e, o, "frames", cJSON_CreateArray());
    for (size_t i = 0; i < st->n_frames && !e->oom; i++)
        put_string(e, frames, NULL, st->frames[i]);
    put_int64(e, o, "count", st->count);
    put_double(e, o, "cpu_fraction", st->cpu_fraction);
    put_double(e, o, "python_fraction", st->python_fraction);
    put_double(e, o, "native_fraction", st->native_fraction);
}

char *profile_encode(const mcp_profile *p, size_t *len)
{
    enc e = {false};
    cJSON *root = cJSON_CreateObject();
    put_string(&e, root, "format", PROFILE_FORMAT_NAME);
    put_int64(&e, root, "format_version", PROFILE_FORMAT_VERSION);
    encode_meta(&e, root, p);
    encode_run(&e, root, p);
    put_samples(&e, root, "samples", p->summary.samples, p->summary.n_samples);
    cJSON *files = put(&e, root, "files", cJSON_CreateArray());
    for (size_t i = 0; i < p->summary.n_files && !e.oom; i++)
        encode_file(&e, files, &p->files[i]);
    cJSON *stacks = put(&e, root, "stacks", cJSON_CreateArray());
    for (size_t i = 0; i < p->summary.n_stacks && !e.oom; i++)
        encode_stack(&e, stacks, &p->stacks[i]);
    char *out = e.oom ? NULL : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (out && len)
        *len = strlen(out);
    return out;
}

/* ------------------------------------------------------------------ */
/* Decoding: strict, since we wrote it; any surprise is corruption      */
/* ------------------------------------------------------------------ */

typedef struct dec {
    mcp_profile *p;
    char *err;
    size_t errsz;
    int rc;           /* first failure, MCP_OK until then */
    const char *area; /* "meta", "files[2].lines[5]", ... for messages */
    char area_buf[96];
    int metric_slot[PROFILE_N_METRICS]; /* record-key index of each metric */
} dec;

static bool fail(dec *d, int rc, const char *fmt, ...) MCP_PRINTF(3, 4);

static bool fail(dec *d, int rc, const char *fmt, ...)
{
    if (d->rc)
        return false;
    d->rc = rc;
    if (d->err && d->errsz) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        snprintf(d->err, d->errsz, "stored profile is corrupt: %s%s%s", d->area ? d->area : "",
                 d->area ? ": " : "", what);
    }
    return false;
}

static void set_area(dec *d, const char *fmt, ...) MCP_PRINTF(2, 3);

static void set_area(dec *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->area_buf, sizeof(d->area_buf), fmt, ap);
    va_end(ap);
    d->area = d->area_buf;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* A finite number, or dflt when absent. */
static double get_double(dec *d, const cJSON *v, const char *key, double dflt)
{
    if (!v)
        return dflt;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        fail(d, MCP_CORRUPT, "%s is not a finite number", key);
        return dflt;
    }
    return v->valuedouble;
}

/* An integer number, or a string of decimal digits for values beyond 2^53. */
static int64_t get_int64(dec *d, const cJSON *v, const char *key, int64_t lo, int64_t hi)
{
    if (!v) {
        if (lo > 0)
            fail(d, MCP_CORRUPT, "%s is missing", key);
        return 0;
    }
    int64_t out;
    if (cJSON_IsString(v)) {
        char *end;
        errno = 0;
        long long ll = strtoll(v->valuestring, &end, 10);
        if (errno || end == v->valuestring || *end) {
            fail(d, MCP_CORRUPT, "%s is not an integer", key);
            return 0;
        }
        out = ll;
    } else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
               isfinite(v->valuedouble)) {
        out = profile_double_to_int64(v->valuedouble);
    } else {
        fail(d, MCP_CORRUPT, "%s is not an integer", key);
        return 0;
    }
    if (out < lo || out > hi) {
        fail(d, MCP_CORRUPT, "%s = %" PRId64 " is out of range", key, out);
        return 0;
    }
    return out;
}

static bool get_bool(dec *d, const cJSON *v, const char *key)
{
    if (!v)
        return false;
    if (!cJSON_IsBool(v)) {
        fail(d, MCP_CORRUPT, "%s is not a boolean", key);
        return false;
    }
    return cJSON_IsTrue(v);
}

/* A string copied into the profile, `dflt` when absent. */
static const char *get_string(dec *d, const cJSON *v, const char *key, const char *dflt)
{
    if (!v)
        return dflt;
    if (!cJSON_IsString(v)) {
        fail(d, MCP_CORRUPT, "%s is not a string", key);
        return dflt;
    }
    const char *s = profile_strdup(d->p, v->valuestring);
    if (!s)
        fail(d, MCP_NOMEM, "out of memory");
    return s ? s : dflt;
}

static const cJSON *get_array(dec *d, const cJSON *v, const char *key)
{
    if (v && !cJSON_IsArray(v)) {
        fail(d, MCP_CORRUPT, "%s is not an array", key);
        return NULL;
    }
    return v;
}

/* Room for the elements of array `v` (NULL when empty or absent). */
static void *alloc_for(dec *d, const cJSON *v, size_t size, size_t *n)
{
    *n = v ? (size_t)cJSON_GetArraySize(v) : 0;
    if (*n == 0)
        return NULL;
    void *mem = profile_alloc(d->p, *n, size);
    if (!mem)
        fail(d, MCP_NOMEM, "out of memory");
    return mem;
}

static uint32_t get_lineno(dec *d, const cJSON *v, const char *key, uint32_t min)
{
    return (uint32_t)get_int64(d, v, key, min, UINT32_MAX);
}

static void get_range(dec *d, const cJSON *v, const char *key, uint32_t *start, uint32_t *end)
{
    *start = *end = 0;
    if (!v)
        return;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) {
        fail(d, MCP_CORRUPT, "%s is not a [start, end] pair", key);
        return;
    }
    *start = get_lineno(d, v->child, key, 0);
    *end = get_lineno(d, v->child->next, key, 0);
}

static double get_in_range(dec *d, const cJSON *v, const char *key, profile_metric_kind kind,
                           double dflt)
{
    double x = get_double(d, v, key, dflt);
    if (v && !d->rc && !profile_metric_in_range(kind, x))
        fail(d, MCP_CORRUPT, "%s = %g is out of range", key, x);
    return x;
}

static void get_samples(dec *d, const cJSON *v, const char *key, const mcp_sample **out,
                        size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    v = get_array(d, v, key);
    size_t n;
    mcp_sample *s = alloc_for(d, v, sizeof(*s), &n);
    if (!s)
        return;
    size_t i = 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, v)
    {
        if (!cJSON_IsArray(pt) || cJSON_GetArraySize(pt) != 2) {
            fail(d, MCP_CORRUPT, "%s has an entry that is not a [t, mb] pair", key);
            return;
        }
        s[i].t_sec = get_in_range(d, pt->child, key, PROFILE_MB, 0);
        s[i].mb = get_in_range(d, pt->child->next, key, PROFILE_MB, 0);
        i++;
    }
    *out = s;
    *n_out = n;
}

/* Keys of line and function records, sorted (test builds check it). */
enum rec_key {
    RK_AVG_MB,
    RK_COPY_MB_S,
    RK_CORE_UTILIZATION,
    RK_CPU_NATIVE,
    RK_CPU_PYTHON,
    RK_CPU_SAMPLES,
    RK_CPU_SYSTEM,
    RK_FIRST_LINE,
    RK_FUNC,
    RK_GPU_AVG_MB,
    RK_GPU_PEAK_MB,
    RK_GPU_PERCENT,
    RK_LAST_LINE,
    RK_LINENO,
    RK_LOOP,
    RK_MALLOC_MB,
    RK_MALLOCS,
    RK_MEMORY_SAMPLES,
    RK_NAME,
    RK_PEAK_MB,
    RK_PYTHON_FRACTION,
    RK_REGION,
    RK_SOURCE,
    RK_USAGE_FRACTION,
    RK_COUNT
};

static const char *const rec_keys[RK_COUNT] = {
    "avg_mb",          "copy_mb_s",   "core_utilization", "cpu_native",     "cpu_python",
    "cpu_samples",     "cpu_system",  "first_line",       "func",           "gpu_avg_mb",
    "gpu_peak_mb",     "gpu_percent", "last_line",        "lineno",         "loop",
    "malloc_mb",       "mallocs",     "memory_samples",   "name",           "peak_mb",
    "python_fraction", "region",      "source",           "usage_fraction",
};

static void init_metric_slots(dec *d)
{
    for (size_t i = 0; i < PROFILE_N_METRICS; i++) {
        d->metric_slot[i] = -1;
        for (int k = 0; k < RK_COUNT; k++)
            if (strcmp(rec_keys[k], profile_metrics[i].name) == 0)
                d->metric_slot[i] = k;
    }
}

static void get_metrics(dec *d, const cJSON *const *k, mcp_metrics *m)
{
    memset(m, 0, sizeof(*m)); /* omitted means 0, even for core_utilization */
    for (size_t i = 0; i < profile_n_metrics; i++) {
        const profile_metric_desc *desc = &profile_metrics[i];
        const cJSON *v = d->metric_slot[i] >= 0 ? k[d->metric_slot[i]] : NULL;
        if (!v)
            continue;
        if (desc->kind == PROFILE_COUNT) {
            int64_t iv = get_int64(d, v, desc->name, 0, INT64_MAX);
            memcpy((char *)m + desc->offset, &iv, sizeof(iv));
        } else if (desc->absent < 0 && cJSON_IsNumber(v) && v->valuedouble == desc->absent) {
            profile_metric_set(m, desc, desc->absent);
        } else
            profile_metric_set(m, desc, get_in_range(d, v, desc->name, desc->kind, 0));
    }
}

static void decode_line(dec *d, const cJSON *o, mcp_prof_line *l)
{
    if (!cJSON_IsObject(o)) {
        fail(d, MCP_CORRUPT, "not an object");
        return;
    }
    const cJSON *k[RK_COUNT];
    profile_index_object(o, rec_keys, RK_COUNT, k);
    l->lineno = get_lineno(d, k[RK_LINENO], "lineno", 1);
    l->source = get_string(d, k[RK_SOURCE], "source", "");
    get_range(d, k[RK_REGION], "region", &l->region_start, &l->region_end);
    get_range(d, k[RK_LOOP], "loop", &l->loop_start, &l->loop_end);
    get_range(d, k[RK_FUNC], "func", &l->func_start, &l->func_end);
    get_metrics(d, k, &l->m);
    get_samples(d, k[RK_MEMORY_SAMPLES], "memory_samples", &l->memory_samples,
                &l->n_memory_samples);
}

static void decode_function(dec *d, const cJSON *o, mcp_prof_function *f)
{
    if (!cJSON_IsObject(o)) {
        fail(d, MCP_CORRUPT, "not an object");
        return;
    }
    const cJSON *k[RK_COUNT];
    profile_index_object(o, rec_keys, RK_COUNT, k);
    f->name = get_string(d, k[RK_NAME], "name", "");
    f->first_line = get_lineno(d, k[RK_FIRST_LINE], "first_line", 1);
    f->last_line = get_lineno(d, k[RK_LAST_LINE], "last_line", 0);
    get_metrics(d, k, &f->m);
}

static void decode_lines(dec *d, size_t fi, const cJSON *v, profile_file *f)
{
    v = get_array(d, v, "lines");
    f->lines = alloc_for(d, v, sizeof(*f->lines), &f->info.n_lines);
    size_t i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, v)
    {
        if (d->rc)
            return;
        set_area(d, "files[%zu].lines[%zu]", fi, i);
        decode_line(d, o, &f->lines[i]);
        if (i && f->lines[i].lineno <= f->lines[i - 1].lineno)
            fail(d, MCP_CORRUPT, "lines are not in ascending lineno order");
        i++;
    }
}

static void decode_functions(dec *d, size_t fi, const cJSON *v, profile_file *f)
{
    v = get_array(d, v, "functions");
    f->functions = alloc_for(d, v, sizeof(*f->functions), &f->info.n_functions);
    size_t i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, v)
    {
        if (d->rc)
            return;
        set_area(d, "files[%zu].functions[%zu]", fi, i);
        decode_function(d, o, &f->functions[i++]);
    }
}

static void decode_leaks(dec *d, size_t fi, const cJSON *v, profile_file *f)
{
    v = get_array(d, v, "leaks");
    f->leaks = alloc_for(d, v, sizeof(*f->leaks), &f->info.n_leaks);
    size_t i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, v)
    {
        if (d->rc)
            return;
        set_area(d, "files[%zu].leaks[%zu]", fi, i);
        if (!cJSON_IsObject(o)) {
            fail(d, MCP_CORRUPT, "not an object");
            return;
        }
        mcp_prof_leak *l = &f->leaks[i];
        l->lineno = get_lineno(d, member(o, "lineno"), "lineno", 1);
        l->likelihood = get_in_range(d, member(o, "likelihood"), "likelihood", PROFILE_FRACTION, 0);
        l->velocity_mb_s =
            get_in_range(d, member(o, "velocity_mb_s"), "velocity_mb_s", PROFILE_MB, 0);
        if (i && l->lineno < f->leaks[i - 1].lineno)
            fail(d, MCP_CORRUPT, "leaks are not in lineno order");
        i++;
    }
}

static void decode_strings(dec *d, const cJSON *v, const char *key, const char ***out, size_t *n)
{
    v = get_array(d, v, key);
    const char **s = alloc_for(d, v, sizeof(*s), n);
    *out = s;
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        if (d->rc)
            return;
        s[i++] = get_string(d, item, key, "");
        if (!cJSON_IsString(item))
            return;
    }
}

static void decode_file(dec *d, size_t fi, const cJSON *o, profile_file *f)
{
    set_area(d, "files[%zu]", fi);
    if (!cJSON_IsObject(o)) {
        fail(d, MCP_CORRUPT, "not an object");
        return;
    }
    const cJSON *path = member(o, "path");
    if (!cJSON_IsString(path)) {
        fail(d, MCP_CORRUPT, "no path string");
        return;
    }
    f->info.path = get_string(d, path, "path", "");
    f->info.display_path = get_string(d, member(o, "display_path"), "display_path", f->info.path);
    f->info.cpu_percent =
        get_in_range(d, member(o, "cpu_percent"), "cpu_percent", PROFILE_PERCENT, 0);
    decode_lines(d, fi, member(o, "lines"), f);
    decode_functions(d, fi, member(o, "functions"), f);
    decode_leaks(d, fi, member(o, "leaks"), f);
    set_area(d, "files[%zu]", fi);
    decode_strings(d, member(o, "imports"), "imports", &f->imports, &f->info.n_imports);
}

static void decode_stack(dec *d, const cJSON *o, mcp_prof_stack *st)
{
    if (!cJSON_IsObject(o)) {
        fail(d, MCP_CORRUPT, "not an object");
        return;
    }
    const char **frames;
    decode_strings(d, member(o, "frames"), "frames", &frames, &st->n_frames);
    st->frames = frames;
    st->count = get_int64(d, member(o, "count"), "count", 0, INT64_MAX);
    st->cpu_fraction =
        get_in_range(d, member(o, "cpu_fraction"), "cpu_fraction", PROFILE_FRACTION, 0);
    st->python_fraction =
        get_in_range(d, member(o, "python_fraction"), "python_fraction", PROFILE_FRACTION, 0);
    st->native_fraction =
        get_in_range(d, member(o, "native_fraction"), "native_fraction", PROFILE_FRACTION, 0);
}

static void decode_meta(dec *d, const cJSON *m)
{
    mcp_prof_summary *s = &d->p->summary;
    d->area = "meta";
    if (!cJSON_IsObject(m)) {
        fail(d, MCP_CORRUPT, "missing or not an object");
        return;
    }
    s->id = get_string(d, member(m, "id"), "id", "");
    s->label = get_string(d, member(m, "label"), "label", NULL);
    s->target = get_string(d, member(m, "target"), "target", "");
    s->cwd = get_string(d, member(m, "cwd"), "cwd", "");
    s->python = get_string(d, member(m, "python"), "python", "");
    s->scalene_version = get_string(d, member(m, "scalene_version"), "scalene_version", "unknown");
    s->created_ms = get_int64(d, member(m, "created_ms"), "created_ms", INT64_MIN, INT64_MAX);
    s->exit_status =
        (int)get_int64(d, member(m, "exit_status"), "exit_status", INT32_MIN, INT32_MAX);
    s->term_signal =
        (int)get_int64(d, member(m, "term_signal"), "term_signal", INT32_MIN, INT32_MAX);
    s->partial = get_bool(d, member(m, "partial"), "partial");
    s->timed_out = get_bool(d, member(m, "timed_out"), "timed_out");
    s->cancelled = get_bool(d, member(m, "cancelled"), "cancelled");
    d->p->request_json = get_string(d, member(m, "request"), "request", "{}");
}

static void decode_run(dec *d, const cJSON *r)
{
    mcp_prof_summary *s = &d->p->summary;
    profile_scalene_info *info = &d->p->scalene;
    d->area = "run";
    if (!cJSON_IsObject(r)) {
        fail(d, MCP_CORRUPT, "missing or not an object");
        return;
    }
    info->schema_hint = get_string(d, member(r, "schema_hint"), "schema_hint", "");
    info->program = get_string(d, member(r, "program"), "program", "");
    info->start_time_abs =
        get_in_range(d, member(r, "start_time_abs"), "start_time_abs", PROFILE_MB, 0);
    s->elapsed_sec = get_in_range(d, member(r, "elapsed_sec"), "elapsed_sec", PROFILE_MB, 0);
    s->alloc_samples = get_int64(d, member(r, "alloc_samples"), "alloc_samples", 0, INT64_MAX);
    s->growth_rate = get_double(d, member(r, "growth_rate"), "growth_rate", 0);
    s->max_footprint_mb =
        get_in_range(d, member(r, "max_footprint_mb"), "max_footprint_mb", PROFILE_MB, 0);
    s->max_footprint_file =
        get_string(d, member(r, "max_footprint_file"), "max_footprint_file", NULL);
    s->max_footprint_line = get_lineno(d, member(r, "max_footprint_line"), "max_footprint_line", 0);
    const cJSON *pf = member(r, "max_footprint_python_fraction");
    info->max_footprint_python_fraction = get_double(d, pf, "max_footprint_python_fraction", -1);
    if (pf && info->max_footprint_python_fraction != -1 &&
        !profile_metric_in_range(PROFILE_FRACTION, info->max_footprint_python_fraction))
        fail(d, MCP_CORRUPT, "max_footprint_python_fraction is out of range");
    info->native_allocations_mb =
        get_in_range(d, member(r, "native_allocations_mb"), "native_allocations_mb", PROFILE_MB, 0);
    s->memory = get_bool(d, member(r, "memory"), "memory");
    s->gpu = get_bool(d, member(r, "gpu"), "gpu");
    s->gpu_device = get_string(d, member(r, "gpu_device"), "gpu_device", "");
    info->async_profile = get_bool(d, member(r, "async_profile"), "async_profile");
}

static void decode_body(dec *d, const cJSON *root)
{
    mcp_profile *p = d->p;
    decode_meta(d, member(root, "meta"));
    decode_run(d, member(root, "run"));
    d->area = NULL;
    get_samples(d, member(root, "samples"), "samples", &p->summary.samples, &p->summary.n_samples);
    const cJSON *files = get_array(d, member(root, "files"), "files");
    p->files = alloc_for(d, files, sizeof(*p->files), &p->summary.n_files);
    size_t i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, files)
    {
        if (d->rc)
            return;
        decode_file(d, i, o, &p->files[i]);
        i++;
    }
    d->area = NULL;
    const cJSON *stacks = get_array(d, member(root, "stacks"), "stacks");
    p->stacks = alloc_for(d, stacks, sizeof(*p->stacks), &p->summary.n_stacks);
    i = 0;
    cJSON_ArrayForEach(o, stacks)
    {
        if (d->rc)
            return;
        set_area(d, "stacks[%zu]", i);
        decode_stack(d, o, &p->stacks[i++]);
    }
}

static bool only_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

/* MCP_OK when root is our format at a version we read. */
static int check_format(dec *d, const cJSON *root)
{
    const cJSON *format = member(root, "format");
    if (!cJSON_IsString(format) || strcmp(format->valuestring, PROFILE_FORMAT_NAME) != 0) {
        fail(d, MCP_CORRUPT, "not a %s document (no \"format\":\"%s\")", PROFILE_FORMAT_NAME,
             PROFILE_FORMAT_NAME);
        return d->rc;
    }
    const cJSON *version = member(root, "format_version");
    double v = cJSON_IsNumber(version) ? version->valuedouble : 0;
    if (!(v >= 1) || v != floor(v)) {
        fail(d, MCP_CORRUPT, "format_version is not a positive integer");
        return d->rc;
    }
    if (v > PROFILE_FORMAT_VERSION) {
        d->rc = MCP_VERSION;
        if (d->err && d->errsz)
            snprintf(d->err, d->errsz,
                     "stored profile has format_version %.0f; this build reads up to %d: "
                     "upgrade scalene-mcp",
                     v, PROFILE_FORMAT_VERSION);
    }
    return d->rc;
}

int profile_decode(const char *buf, size_t len, mcp_profile **out, char *err, size_t errsz)
{
    *out = NULL;
    dec d = {.err = err, .errsz = errsz};
    const char *end = NULL;
    cJSON *root = buf && len ? cJSON_ParseWithLengthOpts(buf, len, &end, false) : NULL;
    if (!cJSON_IsObject(root)) {
        fail(&d, MCP_CORRUPT, "not a JSON object");
        cJSON_Delete(root);
        return d.rc;
    }
    if (end && !only_space(end, (size_t)(buf + len - end))) { /* (cJSON always sets end) */
        fail(&d, MCP_CORRUPT, "unexpected data after the JSON object");
        cJSON_Delete(root);
        return d.rc;
    }
    if (check_format(&d, root)) {
        cJSON_Delete(root);
        return d.rc;
    }
    d.p = profile_new();
    if (!d.p) {
        cJSON_Delete(root);
        fail(&d, MCP_NOMEM, "out of memory");
        return d.rc;
    }
    init_metric_slots(&d);
    decode_body(&d, root);
    cJSON_Delete(root);
    if (d.rc) {
        profile_free(d.p);
        return d.rc;
    }
    profile_finish(d.p);
    *out = d.p;
    return MCP_OK;
}
