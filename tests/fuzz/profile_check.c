/* profile_check.c - the model's invariants (profile.h) as fuzz oracles. */
#include "profile_check.h"

#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "rpc.h"

static void check_str(const char *s, const char *what, int may_be_null)
{
    if (!s) {
        FUZZ_CHECK(may_be_null, "%s is NULL", what);
        return;
    }
    FUZZ_CHECK(rpc_utf8_valid(s, strlen(s)), "%s is not valid UTF-8", what);
}

static void check_metrics(const mcp_metrics *m, const char *what)
{
    for (size_t i = 0; i < profile_n_metrics; i++) {
        const profile_metric_desc *d = &profile_metrics[i];
        double v = profile_metric_get(m, d);
        FUZZ_CHECK(isfinite(v), "%s.%s is not finite", what, d->name);
        FUZZ_CHECK(v == d->absent || profile_metric_in_range(d->kind, v), "%s.%s = %g out of range",
                   what, d->name, v);
    }
}

static void check_fraction(double v, const char *what)
{
    FUZZ_CHECK(isfinite(v) && v >= 0 && v <= 1, "%s = %g is not a fraction", what, v);
}

static void check_samples(const mcp_sample *s, size_t n, const char *what)
{
    FUZZ_CHECK(n == 0 || s != NULL, "%s: %zu samples but no array", what, n);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(isfinite(s[i].t_sec), "%s[%zu].t_sec not finite", what, i);
        FUZZ_CHECK(isfinite(s[i].mb) && s[i].mb >= 0, "%s[%zu].mb = %g", what, i, s[i].mb);
    }
}

void fuzz_check_profile(const mcp_profile *p)
{
    const mcp_prof_summary *s = profile_get_summary(p);
    FUZZ_CHECK(s != NULL, "no summary");
    check_str(s->id, "summary.id", 0);
    check_str(s->label, "summary.label", 1);
    check_str(s->target, "summary.target", 0);
    check_str(s->cwd, "summary.cwd", 0);
    check_str(s->python, "summary.python", 0);
    check_str(s->scalene_version, "summary.scalene_version", 0);
    check_str(s->max_footprint_file, "summary.max_footprint_file", 1);
    check_str(s->gpu_device, "summary.gpu_device", 0);
    FUZZ_CHECK(isfinite(s->elapsed_sec) && s->elapsed_sec >= 0, "elapsed_sec = %g", s->elapsed_sec);
    FUZZ_CHECK(isfinite(s->max_footprint_mb) && s->max_footprint_mb >= 0, "max_footprint_mb = %g",
               s->max_footprint_mb);
    FUZZ_CHECK(isfinite(s->growth_rate), "growth_rate = %g", s->growth_rate);
    FUZZ_CHECK(isfinite(s->cpu_python) && s->cpu_python >= 0, "cpu_python = %g", s->cpu_python);
    FUZZ_CHECK(isfinite(s->cpu_native) && s->cpu_native >= 0, "cpu_native = %g", s->cpu_native);
    FUZZ_CHECK(isfinite(s->cpu_system) && s->cpu_system >= 0, "cpu_system = %g", s->cpu_system);
    FUZZ_CHECK(s->alloc_samples >= 0, "alloc_samples = %lld", (long long)s->alloc_samples);
    check_samples(s->samples, s->n_samples, "summary.samples");

    const profile_scalene_info *si = profile_get_scalene_info(p);
    check_str(si->schema_hint, "scalene.schema_hint", 0);
    check_str(si->program, "scalene.program", 0);
    FUZZ_CHECK(isfinite(si->start_time_abs), "start_time_abs not finite");
    FUZZ_CHECK(si->max_footprint_python_fraction == -1 || (si->max_footprint_python_fraction >= 0 &&
                                                           si->max_footprint_python_fraction <= 1),
               "max_footprint_python_fraction = %g", si->max_footprint_python_fraction);
    FUZZ_CHECK(isfinite(si->native_allocations_mb) && si->native_allocations_mb >= 0,
               "native_allocations_mb = %g", si->native_allocations_mb);
    check_str(p->request_json, "request_json", 0);

    for (size_t f = 0; f < s->n_files; f++) {
        const mcp_prof_file *fi = profile_get_file(p, f);
        FUZZ_CHECK(fi != NULL, "file %zu missing", f);
        check_str(fi->path, "file.path", 0);
        check_str(fi->display_path, "file.display_path", 0);
        FUZZ_CHECK(isfinite(fi->cpu_percent) && fi->cpu_percent >= 0 && fi->cpu_percent <= 100,
                   "file.cpu_percent = %g", fi->cpu_percent);
        uint32_t prev = 0;
        for (size_t i = 0; i < fi->n_lines; i++) {
            const mcp_prof_line *l = profile_get_line(p, f, i);
            FUZZ_CHECK(l != NULL, "line %zu of file %zu missing", i, f);
            FUZZ_CHECK(l->lineno >= 1 && l->lineno > prev, "lines not sorted/unique at %u",
                       l->lineno);
            prev = l->lineno;
            FUZZ_CHECK(profile_find_line(p, f, l->lineno) == l, "find_line(%u) misses", l->lineno);
            check_str(l->source, "line.source", 0);
            check_metrics(&l->m, "line");
            check_samples(l->memory_samples, l->n_memory_samples, "line.memory_samples");
        }
        FUZZ_CHECK(profile_get_line(p, f, fi->n_lines) == NULL, "line past the end");
        for (size_t i = 0; i < fi->n_functions; i++) {
            const mcp_prof_function *fn = profile_get_function(p, f, i);
            FUZZ_CHECK(fn != NULL, "function missing");
            check_str(fn->name, "function.name", 0);
            check_metrics(&fn->m, "function");
        }
        uint32_t prev_leak = 0;
        for (size_t i = 0; i < fi->n_leaks; i++) {
            const mcp_prof_leak *lk = profile_get_leak(p, f, i);
            FUZZ_CHECK(lk != NULL, "leak missing");
            FUZZ_CHECK(lk->lineno >= prev_leak, "leaks not sorted at %u", lk->lineno);
            prev_leak = lk->lineno;
            check_fraction(lk->likelihood, "leak.likelihood");
            FUZZ_CHECK(isfinite(lk->velocity_mb_s), "leak.velocity_mb_s not finite");
        }
        for (size_t i = 0; i < fi->n_imports; i++)
            check_str(profile_get_import(p, f, i), "import", 0);
        /* every file can be found by its own path unless another has the
         * same (an empty query, also "./", finds nothing by design) */
        const char *q = fi->path;
        while (q[0] == '.' && q[1] == '/')
            q += 2;
        if (*q) {
            size_t n_matches = 0;
            size_t idx = profile_find_file(p, fi->path, NULL, 0, &n_matches);
            FUZZ_CHECK(n_matches >= 1, "find_file('%s') found nothing", fi->path);
            FUZZ_CHECK(n_matches > 1 || idx == f, "find_file('%s') = %zu, not %zu", fi->path, idx,
                       f);
        }
    }
    FUZZ_CHECK(profile_get_file(p, s->n_files) == NULL, "file past the end");
    for (size_t i = 0; i < s->n_stacks; i++) {
        const mcp_prof_stack *st = profile_get_stack(p, i);
        FUZZ_CHECK(st != NULL, "stack missing");
        FUZZ_CHECK(st->n_frames == 0 || st->frames, "stack frames missing");
        for (size_t k = 0; k < st->n_frames; k++)
            check_str(st->frames[k], "stack frame", 0);
        FUZZ_CHECK(st->count >= 0, "stack count = %lld", (long long)st->count);
        check_fraction(st->cpu_fraction, "stack.cpu_fraction");
        check_fraction(st->python_fraction, "stack.python_fraction");
        check_fraction(st->native_fraction, "stack.native_fraction");
    }
    FUZZ_CHECK(profile_get_stack(p, s->n_stacks) == NULL, "stack past the end");
}

void fuzz_check_roundtrip(const mcp_profile *p)
{
    size_t n1 = 0;
    char *e1 = profile_encode(p, &n1);
    if (!e1)
        return; /* out of memory */
    mcp_profile *q = NULL;
    char err[512];
    int rc = profile_decode(e1, n1, &q, err, sizeof err);
    FUZZ_CHECK(rc == MCP_OK, "decode(encode(p)) failed (%d): %s", rc, err);
    size_t n2 = 0;
    char *e2 = profile_encode(q, &n2);
    FUZZ_CHECK(e2 != NULL, "encode of the decoded profile failed");
    FUZZ_CHECK(n1 == n2 && memcmp(e1, e2, n1) == 0, "encode(decode(encode(p))) differs");
    fuzz_check_profile(q);
    free(e2);
    profile_free(q);
    free(e1);
}
