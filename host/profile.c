/* profile.c - the normalized profile model: memory, metadata, accessors, lookups. */
#include "profile.h"

#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Arena: every string and array of a profile, freed at once            */
/* ------------------------------------------------------------------ */

#define ARENA_BLOCK_BYTES (64 * 1024)
#define ARENA_ALIGN alignof(max_align_t)

struct arena_block {
    struct arena_block *next;
    size_t cap, used;
    max_align_t data[];
};

struct profile_arena {
    struct arena_block *head; /* the block being filled */
};

static struct arena_block *arena_block_new(size_t cap)
{
    struct arena_block *b = calloc(1, sizeof(*b) + cap);
    if (b)
        b->cap = cap;
    return b;
}

static void *arena_alloc(struct profile_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct arena_block *b = a->head;
    if (b && b->cap - b->used >= n) {
        void *ptr = (char *)b->data + b->used;
        b->used += n;
        return ptr;
    }
    if (n > ARENA_BLOCK_BYTES / 4 && b) {
        /* A big array gets a block of its own, kept behind the head so the
         * head's free space still serves small strings. */
        struct arena_block *big = arena_block_new(n);
        if (!big)
            return NULL;
        big->used = n;
        big->next = b->next;
        b->next = big;
        return big->data;
    }
    b = arena_block_new(n > ARENA_BLOCK_BYTES ? n : ARENA_BLOCK_BYTES);
    if (!b)
        return NULL;
    b->next = a->head;
    a->head = b;
    b->used = n;
    return b->data;
}

static void arena_free(struct profile_arena *a)
{
    if (!a)
        return;
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                           */
/* ------------------------------------------------------------------ */

mcp_profile *profile_new(void)
{
    mcp_profile *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->arena = calloc(1, sizeof(*p->arena));
    if (!p->arena) {
        free(p);
        return NULL;
    }
    mcp_prof_summary *s = &p->summary;
    s->id = "";
    s->target = "";
    s->cwd = "";
    s->python = "";
    s->scalene_version = "unknown";
    s->gpu_device = "";
    p->scalene.schema_hint = "";
    p->scalene.program = "";
    p->scalene.max_footprint_python_fraction = -1;
    p->request_json = "{}";
    return p;
}

void profile_free(mcp_profile *p)
{
    if (!p)
        return;
    arena_free(p->arena);
    free(p);
}

void *profile_alloc(mcp_profile *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return arena_alloc(p->arena, count * size);
}

/* ------------------------------------------------------------------ */
/* Strings: copied into the arena as valid UTF-8                        */
/* ------------------------------------------------------------------ */

static const char utf8_replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0 when it is not one. NUL
 * counts as invalid: it would cut the C string short. */
static size_t utf8_sequence_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return c ? 1 : 0;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0xC2) /* below and above the lead-byte range: both invalid */
        return 0; // NOLINT(bugprone-branch-clone)
    else if (c < 0xE0)
        need = 2;
    else if (c < 0xF0) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return need;
}

/* Bytes the sanitized copy needs (without NUL); *bad counts invalid bytes. */
static size_t utf8_sanitized_len(const unsigned char *s, size_t n, size_t *bad)
{
    size_t out = 0, i = 0;
    *bad = 0;
    while (i < n) {
        size_t k = utf8_sequence_len(s + i, n - i);
        if (k) {
            out += k;
            i += k;
        } else {
            out += sizeof(utf8_replacement) - 1;
            (*bad)++;
            i++;
        }
    }
    return out;
}

static void utf8_sanitize_copy(char *dst, const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_sequence_len(s + i, n - i);
        if (k) {
            memcpy(dst, s + i, k);
            dst += k;
            i += k;
        } else {
            memcpy(dst, utf8_replacement, sizeof(utf8_replacement) - 1);
            dst += sizeof(utf8_replacement) - 1;
            i++;
        }
    }
    *dst = '\0';
}

const char *profile_strndup(mcp_profile *p, const char *s, size_t n, bool *replaced)
{
    size_t bad;
    size_t out_len = utf8_sanitized_len((const unsigned char *)s, n, &bad);
    if (replaced)
        *replaced = bad > 0;
    char *dst = arena_alloc(p->arena, out_len + 1);
    if (!dst)
        return NULL;
    if (bad)
        utf8_sanitize_copy(dst, (const unsigned char *)s, n);
    else {
        memcpy(dst, s, n);
        dst[n] = '\0';
    }
    return dst;
}

void profile_utf8_scrub(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_sequence_len((const unsigned char *)s + i, n - i);
        if (k)
            i += k;
        else
            s[i++] = '?';
    }
}

const char *profile_strdup(mcp_profile *p, const char *s)
{
    return s ? profile_strndup(p, s, strlen(s), NULL) : NULL;
}

/* ------------------------------------------------------------------ */
/* Metadata and derived fields                                          */
/* ------------------------------------------------------------------ */

/* Length of cwd without trailing slashes ("/" stays 1). */
static size_t cwd_prefix_len(const char *cwd)
{
    size_t n = strlen(cwd);
    while (n > 1 && cwd[n - 1] == '/')
        n--;
    return n;
}

/* The part of `path` after "cwd/", or NULL when path is not inside cwd. */
static const char *path_inside(const char *path, const char *cwd, size_t cwd_len)
{
    if (cwd_len == 0)
        return NULL;
    if (cwd_len == 1 && cwd[0] == '/')
        return path[0] == '/' && path[1] ? path + 1 : NULL;
    if (strncmp(path, cwd, cwd_len) != 0 || path[cwd_len] != '/' || !path[cwd_len + 1])
        return NULL;
    return path + cwd_len + 1;
}

const char *profile_display_path(const mcp_profile *p, const char *path)
{
    const char *cwd = p->summary.cwd;
    const char *rel = path_inside(path, cwd, cwd_prefix_len(cwd));
    return rel ? rel : path;
}

void profile_update_display_paths(mcp_profile *p)
{
    for (size_t i = 0; i < p->summary.n_files; i++) {
        mcp_prof_file *f = &p->files[i].info;
        f->display_path = profile_display_path(p, f->path);
    }
}

/* Copies `s` into *dst; NULL becomes `dflt` (a literal, may be NULL). */
static int set_string(mcp_profile *p, const char **dst, const char *s, const char *dflt)
{
    if (!s) {
        *dst = dflt;
        return MCP_OK;
    }
    const char *copy = profile_strdup(p, s);
    if (!copy)
        return MCP_NOMEM;
    *dst = copy;
    return MCP_OK;
}

int profile_set_meta(mcp_profile *p, const profile_meta *m)
{
    mcp_prof_summary *s = &p->summary;
    bool cwd_changed = strcmp(s->cwd, m->cwd ? m->cwd : "") != 0;
    if (set_string(p, &s->id, m->id, "") || set_string(p, &s->label, m->label, NULL) ||
        set_string(p, &s->target, m->target, "") || set_string(p, &s->cwd, m->cwd, "") ||
        set_string(p, &s->python, m->python, "") ||
        set_string(p, &s->scalene_version, m->scalene_version, "unknown") ||
        set_string(p, &p->request_json, m->request_json, "{}"))
        return MCP_NOMEM;
    s->created_ms = m->created_ms;
    s->exit_status = m->exit_status;
    s->term_signal = m->term_signal;
    s->partial = m->partial;
    s->timed_out = m->timed_out;
    s->cancelled = m->cancelled;
    if (cwd_changed)
        profile_update_display_paths(p);
    return MCP_OK;
}

void profile_get_meta(const mcp_profile *p, profile_meta *m)
{
    const mcp_prof_summary *s = &p->summary;
    m->id = s->id;
    m->label = s->label;
    m->target = s->target;
    m->cwd = s->cwd;
    m->python = s->python;
    m->scalene_version = s->scalene_version;
    m->created_ms = s->created_ms;
    m->exit_status = s->exit_status;
    m->term_signal = s->term_signal;
    m->partial = s->partial;
    m->timed_out = s->timed_out;
    m->cancelled = s->cancelled;
    m->request_json = p->request_json;
}

const profile_scalene_info *profile_get_scalene_info(const mcp_profile *p)
{
    return &p->scalene;
}

void profile_finish(mcp_profile *p)
{
    mcp_prof_summary *s = &p->summary;
    s->cpu_python = s->cpu_native = s->cpu_system = 0;
    for (size_t i = 0; i < s->n_files; i++) {
        const profile_file *f = &p->files[i];
        for (size_t j = 0; j < f->info.n_lines; j++) {
            s->cpu_python += f->lines[j].m.cpu_python;
            s->cpu_native += f->lines[j].m.cpu_native;
            s->cpu_system += f->lines[j].m.cpu_system;
        }
    }
    s->stacks = s->n_stacks > 0;
}

/* ------------------------------------------------------------------ */
/* Metrics                                                              */
/* ------------------------------------------------------------------ */

#define METRIC(member, key, kind, absent)                                                          \
    {                                                                                              \
#member, key, kind, offsetof(mcp_metrics, member), absent                                  \
    }

const profile_metric_desc profile_metrics[PROFILE_N_METRICS] = {
    METRIC(cpu_python, "n_cpu_percent_python", PROFILE_PERCENT, 0),
    METRIC(cpu_native, "n_cpu_percent_c", PROFILE_PERCENT, 0),
    METRIC(cpu_system, "n_sys_percent", PROFILE_PERCENT, 0),
    METRIC(core_utilization, "n_core_utilization", PROFILE_FRACTION, -1),
    METRIC(gpu_percent, "n_gpu_percent", PROFILE_PERCENT, 0),
    METRIC(gpu_avg_mb, "n_gpu_avg_memory_mb", PROFILE_MB, 0),
    METRIC(gpu_peak_mb, "n_gpu_peak_memory_mb", PROFILE_MB, 0),
    METRIC(malloc_mb, "n_malloc_mb", PROFILE_MB, 0),
    METRIC(peak_mb, "n_peak_mb", PROFILE_MB, 0),
    METRIC(avg_mb, "n_avg_mb", PROFILE_MB, 0),
    METRIC(usage_fraction, "n_usage_fraction", PROFILE_FRACTION, 0),
    METRIC(python_fraction, "n_python_fraction", PROFILE_FRACTION, 0),
    METRIC(copy_mb_s, "n_copy_mb_s", PROFILE_MB, 0),
    METRIC(mallocs, "n_mallocs", PROFILE_COUNT, 0),
    /* The length of Scalene's cpu_samples_list, not a plain key. */
    METRIC(cpu_samples, NULL, PROFILE_COUNT, 0),
};

const size_t profile_n_metrics = PROFILE_N_METRICS;
_Static_assert(sizeof(mcp_metrics) == 13 * sizeof(double) + 2 * sizeof(int64_t),
               "mcp_metrics changed: update profile_metrics and PROFILE_N_METRICS");

void profile_metrics_init(mcp_metrics *m)
{
    memset(m, 0, sizeof(*m));
    m->core_utilization = -1;
}

double profile_metric_get(const mcp_metrics *m, const profile_metric_desc *d)
{
    const char *base = (const char *)m + d->offset;
    if (d->kind == PROFILE_COUNT) {
        int64_t v;
        memcpy(&v, base, sizeof(v));
        return (double)v;
    }
    double v;
    memcpy(&v, base, sizeof(v));
    return v;
}

void profile_metric_set(mcp_metrics *m, const profile_metric_desc *d, double v)
{
    char *base = (char *)m + d->offset;
    if (d->kind == PROFILE_COUNT) {
        int64_t i = profile_double_to_int64(v);
        memcpy(base, &i, sizeof(i));
    } else
        memcpy(base, &v, sizeof(v));
}

bool profile_metric_in_range(profile_metric_kind kind, double v)
{
    switch (kind) {
    case PROFILE_PERCENT:
        return v >= 0 && v <= 100;
    case PROFILE_FRACTION:
        return v >= 0 && v <= 1;
    case PROFILE_MB:
    case PROFILE_COUNT:
        return v >= 0 && v <= 1e300;
    }
    return false;
}

int64_t profile_double_to_int64(double d)
{
    /* 0x1p63 is the first double above INT64_MAX; casting it is undefined. */
    if (isnan(d))
        return 0;
    if (d >= 0x1p63)
        return INT64_MAX;
    if (d < -0x1p63)
        return INT64_MIN;
    return (int64_t)d;
}

/* ------------------------------------------------------------------ */
/* Object member lookup                                                 */
/* ------------------------------------------------------------------ */

static int compare_key(const void *key, const void *entry)
{
    return strcmp((const char *)key, *(const char *const *)entry);
}

#ifdef SMCP_TEST_HOOKS
static void check_keys_sorted(const char *const *keys, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(keys[i - 1], keys[i]) >= 0)
            abort(); /* a key table is out of order: fix the table */
}
#endif

void profile_index_object(const cJSON *obj, const char *const *keys, size_t n_keys,
                          const cJSON **slots)
{
#ifdef SMCP_TEST_HOOKS
    check_keys_sorted(keys, n_keys);
#endif
    memset(slots, 0, n_keys * sizeof(*slots));
    const cJSON *child;
    cJSON_ArrayForEach(child, obj)
    {
        if (!child->string)
            continue;
        const char *const *hit = bsearch(child->string, keys, n_keys, sizeof(*keys), compare_key);
        if (hit && !slots[hit - keys])
            slots[hit - keys] = child;
    }
}

/* ------------------------------------------------------------------ */
/* SDK accessors                                                        */
/* ------------------------------------------------------------------ */

static const profile_file *file_at(const mcp_profile *p, size_t i)
{
    return p && i < p->summary.n_files ? &p->files[i] : NULL;
}

const mcp_prof_summary *profile_get_summary(const mcp_profile *p)
{
    return p ? &p->summary : NULL;
}

const mcp_prof_file *profile_get_file(const mcp_profile *p, size_t i)
{
    const profile_file *f = file_at(p, i);
    return f ? &f->info : NULL;
}

const mcp_prof_line *profile_get_line(const mcp_profile *p, size_t file, size_t i)
{
    const profile_file *f = file_at(p, file);
    return f && i < f->info.n_lines ? &f->lines[i] : NULL;
}

const mcp_prof_function *profile_get_function(const mcp_profile *p, size_t file, size_t i)
{
    const profile_file *f = file_at(p, file);
    return f && i < f->info.n_functions ? &f->functions[i] : NULL;
}

const mcp_prof_leak *profile_get_leak(const mcp_profile *p, size_t file, size_t i)
{
    const profile_file *f = file_at(p, file);
    return f && i < f->info.n_leaks ? &f->leaks[i] : NULL;
}

const char *profile_get_import(const mcp_profile *p, size_t file, size_t i)
{
    const profile_file *f = file_at(p, file);
    return f && i < f->info.n_imports ? f->imports[i] : NULL;
}

const mcp_prof_stack *profile_get_stack(const mcp_profile *p, size_t i)
{
    return p && i < p->summary.n_stacks ? &p->stacks[i] : NULL;
}

const mcp_prof_line *profile_find_line(const mcp_profile *p, size_t file, uint32_t lineno)
{
    const profile_file *f = file_at(p, file);
    if (!f)
        return NULL;
    size_t lo = 0, hi = f->info.n_lines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t at = f->lines[mid].lineno;
        if (at == lineno)
            return &f->lines[mid];
        if (at < lineno)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* File lookup                                                          */
/* ------------------------------------------------------------------ */

enum match_level { MATCH_PATH, MATCH_DISPLAY, MATCH_SUFFIX, MATCH_LEVELS };

static bool file_matches(const mcp_prof_file *f, const char *q, size_t q_len,
                         enum match_level level, const char *cwd, size_t cwd_len)
{
    switch (level) {
    case MATCH_PATH:
        if (strcmp(f->path, q) == 0)
            return true;
        return f->path[0] != '/' && path_inside(q, cwd, cwd_len) &&
               strcmp(path_inside(q, cwd, cwd_len), f->path) == 0;
    case MATCH_DISPLAY:
        return strcmp(f->display_path, q) == 0;
    case MATCH_SUFFIX: {
        size_t len = strlen(f->path);
        return len > q_len && f->path[len - q_len - 1] == '/' &&
               memcmp(f->path + len - q_len, q, q_len) == 0;
    }
    case MATCH_LEVELS:
        break;
    }
    return false;
}

size_t profile_find_file(const mcp_profile *p, const char *query, size_t *candidates,
                         size_t max_candidates, size_t *n_matches)
{
    if (n_matches)
        *n_matches = 0;
    if (!p || !query)
        return PROFILE_NO_FILE;
    while (query[0] == '.' && query[1] == '/')
        query += 2;
    size_t q_len = strlen(query);
    if (q_len == 0)
        return PROFILE_NO_FILE;
    const char *cwd = p->summary.cwd;
    size_t cwd_len = cwd_prefix_len(cwd);
    for (int level = MATCH_PATH; level < MATCH_LEVELS; level++) {
        size_t count = 0, found = PROFILE_NO_FILE;
        for (size_t i = 0; i < p->summary.n_files; i++) {
            if (!file_matches(&p->files[i].info, query, q_len, level, cwd, cwd_len))
                continue;
            if (candidates && count < max_candidates)
                candidates[count] = i;
            found = i;
            count++;
        }
        if (count == 0)
            continue;
        if (n_matches)
            *n_matches = count;
        return count == 1 ? found : PROFILE_NO_FILE;
    }
    return PROFILE_NO_FILE;
}
