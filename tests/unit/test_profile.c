/*
 * test_profile.c - the profile model, the Scalene parser and our stored format.
 *
 * Real profiles come from $SMCP_FIXTURES/scalene-1.5.16 and scalene-2.3.0
 * (copies of the shared fixtures, recorded under /home/dev/...); the facts
 * asserted below were read from those files. $SMCP_FIXTURES/edge holds
 * hand-written documents for parser edge cases only.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define ERRSZ 512
#define V1 "scalene-1.5.16/"
#define V2 "scalene-2.3.0/"
#define V1_ROOT "/home/dev/scalene-1.5.16-samples/"
#define V2_ROOT "/home/dev/scalene-2.3.0-samples/"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static char *read_fixture(const char *rel, size_t *len)
{
    const char *dir = getenv("SMCP_FIXTURES");
    ck_assert_msg(dir != NULL, "SMCP_FIXTURES is not set (run through ctest)");
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open fixture %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* Parses a fixture that must parse; warnings (may be NULL) collects. */
static mcp_profile *parse_fixture(const char *rel, const char *cwd, cJSON *warnings)
{
    size_t len;
    char *buf = read_fixture(rel, &len);
    char err[ERRSZ] = "";
    mcp_profile *p = NULL;
    int rc = profile_parse_scalene(buf, len, cwd, &p, warnings, err, sizeof(err));
    free(buf);
    ck_assert_msg(rc == MCP_OK, "%s: rc %d: %s", rel, rc, err);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Parses a fixture expected to fail; returns the rc, err gets the text. */
static int parse_fixture_rc(const char *rel, char *err)
{
    size_t len;
    char *buf = read_fixture(rel, &len);
    mcp_profile *p = (mcp_profile *)&p; /* must be reset to NULL */
    err[0] = '\0';
    int rc = profile_parse_scalene(buf, len, NULL, &p, NULL, err, ERRSZ);
    free(buf);
    if (rc != MCP_OK)
        ck_assert_ptr_null(p);
    profile_free(rc == MCP_OK ? p : NULL);
    return rc;
}

static int parse_text(const char *text, size_t len, mcp_profile **p, cJSON *warnings, char *err)
{
    err[0] = '\0';
    return profile_parse_scalene(text, len, NULL, p, warnings, err, ERRSZ);
}

static bool contains(const char *haystack, const char *needle)
{
    return haystack && strstr(haystack, needle) != NULL;
}

/* The warning containing every one of the NULL-terminated needles, or NULL. */
static const char *find_warning(const cJSON *warnings, ...)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, warnings)
    {
        va_list ap;
        va_start(ap, warnings);
        bool all = true;
        for (const char *needle; (needle = va_arg(ap, const char *));)
            all = all && contains(w->valuestring, needle);
        va_end(ap);
        if (all)
            return w->valuestring;
    }
    return NULL;
}

static size_t file_index(const mcp_profile *p, const char *path)
{
    const mcp_prof_summary *s = profile_get_summary(p);
    for (size_t i = 0; i < s->n_files; i++)
        if (strcmp(profile_get_file(p, i)->path, path) == 0)
            return i;
    ck_abort_msg("no file %s in the profile", path);
    return 0;
}

static const mcp_prof_function *find_function(const mcp_profile *p, size_t file, const char *name)
{
    const mcp_prof_function *fn;
    for (size_t i = 0; (fn = profile_get_function(p, file, i)); i++)
        if (strcmp(fn->name, name) == 0)
            return fn;
    ck_abort_msg("no function %s", name);
    return NULL;
}

static double line_cpu(const mcp_prof_line *l)
{
    return l->m.cpu_python + l->m.cpu_native + l->m.cpu_system;
}

/* The line with the most CPU (first of equals) and the total over the file. */
static const mcp_prof_line *hottest_line(const mcp_profile *p, size_t file, double *total)
{
    const mcp_prof_line *best = NULL, *l;
    *total = 0;
    for (size_t i = 0; (l = profile_get_line(p, file, i)); i++) {
        *total += line_cpu(l);
        if (!best || line_cpu(l) > line_cpu(best))
            best = l;
    }
    ck_assert_ptr_nonnull(best);
    return best;
}

static const mcp_prof_line *must_find_line(const mcp_profile *p, size_t file, uint32_t lineno)
{
    const mcp_prof_line *l = profile_find_line(p, file, lineno);
    ck_assert_msg(l != NULL, "no line %u", lineno);
    return l;
}

/* ------------------------------------------------------------------ */
/* Scalene 1.5.16                                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_v1_cpu_loop)
{
    mcp_profile *p = parse_fixture(V1 "cpu_loop/profile.json", V1_ROOT "cpu_loop", NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    /* The seed read a wrong key and always reported 0 seconds. */
    ck_assert_double_eq(s->elapsed_sec, 5.23313570022583);
    ck_assert_str_eq(profile_get_scalene_info(p)->schema_hint, "<=1.5.18");
    ck_assert_uint_eq(s->n_files, 1);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_str_eq(f->path, "cpu_loop.py");
    ck_assert_str_eq(f->display_path, "cpu_loop.py");
    ck_assert_double_eq(f->cpu_percent, 99.99999999999999);
    ck_assert_uint_eq(f->n_lines, 1); /* 1.5.16 lists only lines with samples */
    double total;
    const mcp_prof_line *hot = hottest_line(p, 0, &total);
    ck_assert_uint_eq(hot->lineno, 7);
    ck_assert_str_eq(hot->source, "        total += i * i % 7");
    ck_assert_double_eq(hot->m.cpu_python, 96.52143648266788);
    ck_assert_double_eq(hot->m.cpu_native, 2.0431163144232767);
    ck_assert_double_eq(hot->m.cpu_system, 1.4354472029076522);
    ck_assert_double_gt(line_cpu(hot), 99.9);
    ck_assert_double_eq(hot->m.core_utilization, -1); /* not reported by 1.5.16 */
    ck_assert_uint_eq(hot->region_start, 0);
    ck_assert_uint_eq(hot->func_start, 0);
    const mcp_prof_function *busy = find_function(p, 0, "busy");
    ck_assert_uint_eq(busy->first_line, 4);
    ck_assert_uint_eq(busy->last_line, 0); /* no end_function_line before 2.1 */
    ck_assert_double_eq(busy->m.cpu_python, 96.52143648266788);
    ck_assert(s->memory);
    ck_assert(!s->gpu);
    ck_assert(!s->stacks);
    ck_assert_ptr_null(s->max_footprint_file);
    ck_assert_uint_eq(s->max_footprint_line, 0);
    ck_assert_uint_eq(s->n_samples, 0);
    ck_assert_double_eq(s->cpu_python, 96.52143648266788);
    ck_assert_str_eq(s->target, "cpu_loop.py"); /* Scalene's program until the runner sets it */
    ck_assert_str_eq(s->scalene_version, "unknown");
    ck_assert_str_eq(s->cwd, V1_ROOT "cpu_loop");
    profile_free(p);
}
END_TEST

START_TEST(test_v1_leaky_cache)
{
    mcp_profile *p = parse_fixture(V1 "leaky_cache/profile.json", NULL, NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_double_eq(s->elapsed_sec, 0.595862865447998);
    ck_assert_double_eq(s->growth_rate, 104.97365067175889); /* over 100 and kept */
    ck_assert_int_eq(s->alloc_samples, 401);
    ck_assert_double_eq(s->max_footprint_mb, 399.80701541900635);
    ck_assert_str_eq(s->max_footprint_file, "leaky_cache.py");
    ck_assert_uint_eq(s->max_footprint_line, 10);
    ck_assert_uint_eq(s->n_samples, 9);
    ck_assert_double_eq(s->samples[0].t_sec, 0.067569239);
    ck_assert_double_eq(s->samples[0].mb, 41.688103067372985);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_uint_eq(f->n_leaks, 1);
    const mcp_prof_leak *leak = profile_get_leak(p, 0, 0);
    ck_assert_uint_eq(leak->lineno, 9);
    ck_assert_double_eq(leak->likelihood, 0.9827586206896551);
    ck_assert_double_eq_tol(leak->likelihood, 0.98, 0.005);
    ck_assert_double_eq(leak->velocity_mb_s, 3.1959044985855645);
    const mcp_prof_line *l9 = must_find_line(p, 0, 9);
    ck_assert_str_eq(l9->source, "    _cache[i] = bytearray(1024 * 1024)");
    ck_assert_double_eq(l9->m.malloc_mb, 380.86416244506836);
    ck_assert_double_eq(l9->m.peak_mb, 1.9150362014770508);
    ck_assert_double_eq(l9->m.usage_fraction, 1.0);
    ck_assert_uint_eq(l9->n_memory_samples, 9);
    ck_assert_uint_eq(f->n_functions, 2);
    ck_assert_uint_eq(find_function(p, 0, "main")->first_line, 13);
    profile_free(p);
}
END_TEST

START_TEST(test_v1_two_file)
{
    mcp_profile *p = parse_fixture(V1 "two_file/profile.json", V1_ROOT "two_file", NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_uint_eq(s->n_files, 2);
    size_t helper = file_index(p, V1_ROOT "two_file/helper.py");
    size_t main_py = file_index(p, "main.py"); /* the script as typed: relative */
    ck_assert_str_eq(profile_get_file(p, helper)->display_path, "helper.py");
    ck_assert_str_eq(profile_get_file(p, main_py)->display_path, "main.py");
    ck_assert_double_eq(profile_get_file(p, helper)->cpu_percent, 83.31995999359596);
    ck_assert_double_eq(profile_get_file(p, main_py)->cpu_percent, 16.680040006404038);
    /* 1.5.16 writes '&' raw. */
    ck_assert_str_eq(must_find_line(p, helper, 7)->source,
                     "        acc ^= (i * 2654435761) & 0xFFFFFFFF");
    ck_assert_uint_eq(must_find_line(p, helper, 12)->n_memory_samples, 8);
    ck_assert_str_eq(s->max_footprint_file, V1_ROOT "two_file/helper.py");
    ck_assert_uint_eq(s->max_footprint_line, 12);
    ck_assert_double_eq(s->growth_rate, 100.12506384747276);
    ck_assert_uint_eq(find_function(p, main_py, "local_work")->first_line, 5);
    profile_free(p);
}
END_TEST

START_TEST(test_v1_module_mode)
{
    mcp_profile *p = parse_fixture(V1 "module_mode/profile.json", V1_ROOT "module_mode", NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_uint_eq(s->n_files, 1);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_str_eq(f->path, V1_ROOT "module_mode/mypkg/work.py");
    ck_assert_str_eq(f->display_path, "mypkg/work.py");
    ck_assert_str_eq(profile_get_scalene_info(p)->program, V1_ROOT "module_mode/mypkg/__main__.py");
    double total;
    const mcp_prof_line *hot = hottest_line(p, 0, &total);
    ck_assert_uint_eq(hot->lineno, 2);
    ck_assert_double_eq(hot->m.cpu_python, 97.4456949760506);
    ck_assert_uint_eq(find_function(p, 0, "compute")->first_line, 1);
    profile_free(p);
}
END_TEST

START_TEST(test_v1_threaded)
{
    mcp_profile *p = parse_fixture(V1 "threaded/profile.json", NULL, NULL);
    /* 1.5.16 qualifies a thread target with the class. */
    const mcp_prof_function *worker = find_function(p, 0, "Thread.worker");
    ck_assert_uint_eq(worker->first_line, 5);
    ck_assert_double_eq(worker->m.cpu_python, 95.35284559190254);
    double total;
    ck_assert_uint_eq(hottest_line(p, 0, &total)->lineno, 8);
    ck_assert_uint_eq(profile_get_file(p, 0)->n_lines, 2);
    profile_free(p);
}
END_TEST

START_TEST(test_v1_memory_alloc)
{
    mcp_profile *p = parse_fixture(V1 "memory_alloc/profile.json", NULL, NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_double_eq(s->max_footprint_mb, 510.63123416900635);
    ck_assert_uint_eq(s->max_footprint_line, 16);
    ck_assert_uint_eq(s->n_samples, 8);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_double_eq(f->cpu_percent, 91.73652886486825);
    ck_assert_uint_eq(f->n_lines, 6);
    ck_assert_double_eq(must_find_line(p, 0, 9)->m.malloc_mb, 300.5190238952637);
    /* A line with no metric but memory samples is still listed by 1.5.16. */
    const mcp_prof_line *l23 = must_find_line(p, 0, 23);
    ck_assert_str_eq(l23->source, "main()");
    ck_assert_double_eq(line_cpu(l23), 0);
    ck_assert_uint_eq(l23->n_memory_samples, 5);
    ck_assert_uint_eq(f->n_functions, 3);
    profile_free(p);
}
END_TEST

START_TEST(test_v1_exception)
{
    mcp_profile *p = parse_fixture(V1 "exception/profile.json", NULL, NULL);
    double total;
    const mcp_prof_line *hot = hottest_line(p, 0, &total);
    ck_assert_uint_eq(hot->lineno, 5);
    ck_assert_double_eq(hot->m.cpu_python, 98.34019746690268);
    ck_assert_double_eq(profile_get_summary(p)->elapsed_sec, 4.492496967315674);
    profile_free(p);
}
END_TEST

START_TEST(test_short_script_is_notfound)
{
    char err[ERRSZ];
    ck_assert_int_eq(parse_fixture_rc(V1 "short_script/profile.json", err), MCP_NOTFOUND);
    ck_assert(contains(err, "{}"));
    ck_assert(contains(err, "sample"));
    ck_assert_int_eq(parse_fixture_rc(V2 "short_script/profile.json", err), MCP_NOTFOUND);
    ck_assert(contains(err, "{}"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Scalene 2.3.0                                                        */
/* ------------------------------------------------------------------ */

START_TEST(test_v2_cpu_loop)
{
    cJSON *w = cJSON_CreateArray();
    mcp_profile *p = parse_fixture(V2 "cpu_loop/profile.json", V2_ROOT "cpu_loop", w);
    ck_assert_int_eq(cJSON_GetArraySize(w), 0);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_str_eq(profile_get_scalene_info(p)->schema_hint, "2.3+");
    ck_assert_double_eq(s->elapsed_sec, 5.856846570968628);
    ck_assert_double_eq(profile_get_scalene_info(p)->start_time_abs, 1795311131.3833747);
    ck_assert(profile_get_scalene_info(p)->async_profile);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_str_eq(f->display_path, "cpu_loop.py");
    ck_assert_uint_eq(f->n_lines, 19); /* 2.x lists every line of the file */
    ck_assert_str_eq(must_find_line(p, 0, 1)->source,
                     "\"\"\"CPU-bound loop inside a function (pure Python arithmetic).\"\"\"");
    ck_assert_str_eq(must_find_line(p, 0, 2)->source, "");
    /* The loop header and its one-line body tie exactly (2.x spreads samples). */
    const mcp_prof_line *l6 = must_find_line(p, 0, 6), *l7 = must_find_line(p, 0, 7);
    ck_assert_double_eq(l6->m.cpu_python, l7->m.cpu_python);
    ck_assert_double_eq(l7->m.cpu_python, 30.59800736716876);
    ck_assert_int_eq(l7->m.cpu_samples, 500);
    ck_assert_double_eq(l7->m.core_utilization, 0.49361232433276686);
    ck_assert_double_gt(line_cpu(l6) + line_cpu(l7), 99.0);
    ck_assert_uint_eq(l7->region_start, 6);
    ck_assert_uint_eq(l7->region_end, 7);
    ck_assert_uint_eq(l7->func_start, 4);
    ck_assert_uint_eq(l7->func_end, 8);
    ck_assert_double_eq(must_find_line(p, 0, 3)->m.core_utilization, 0);
    const mcp_prof_function *busy = find_function(p, 0, "busy");
    ck_assert_uint_eq(busy->first_line, 4);
    ck_assert_uint_eq(busy->last_line, 8);
    ck_assert(s->stacks);
    ck_assert_uint_eq(s->n_stacks, 1);
    const mcp_prof_stack *st = profile_get_stack(p, 0);
    ck_assert_uint_eq(st->n_frames, 3);
    ck_assert_str_eq(st->frames[0], V2_ROOT "cpu_loop/cpu_loop.py <module>:19");
    ck_assert_str_eq(st->frames[2], V2_ROOT "cpu_loop/cpu_loop.py busy:7");
    ck_assert_int_eq(st->count, 507);
    ck_assert_double_eq(st->cpu_fraction, 1.0);
    ck_assert_double_eq(st->python_fraction, 0.6204830066880975);
    ck_assert_double_eq(st->native_fraction, 0.3795169933119025);
    ck_assert_str_eq(s->gpu_device, "");
    cJSON_Delete(w);
    profile_free(p);
}
END_TEST

START_TEST(test_v2_two_file_unescapes)
{
    mcp_profile *p = parse_fixture(V2 "two_file/profile.json", V2_ROOT "two_file", NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_uint_eq(s->n_files, 2);
    size_t helper = file_index(p, V2_ROOT "two_file/helper.py");
    size_t main_py = file_index(p, V2_ROOT "two_file/main.py");
    ck_assert_str_eq(profile_get_file(p, main_py)->display_path, "main.py");
    /* The raw document holds the 6-character text \u0026 here. */
    ck_assert_str_eq(must_find_line(p, helper, 7)->source,
                     "        acc ^= (i * 2654435761) & 0xFFFFFFFF");
    ck_assert_uint_eq(profile_get_file(p, helper)->n_lines, 12);
    ck_assert_uint_eq(profile_get_file(p, main_py)->n_lines, 16);
    ck_assert_uint_eq(must_find_line(p, helper, 12)->n_memory_samples, 75);
    ck_assert_uint_eq(s->n_samples, 75);
    ck_assert_double_eq(s->samples[0].t_sec, 2.80559873);
    ck_assert_double_eq(s->growth_rate, 100.0);
    ck_assert_uint_eq(s->n_stacks, 4);
    ck_assert_uint_eq(find_function(p, main_py, "main")->last_line, 13);
    profile_free(p);
}
END_TEST

START_TEST(test_v2_leaky_cache)
{
    mcp_profile *p = parse_fixture(V2 "leaky_cache/profile.json", V2_ROOT "leaky_cache", NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    const mcp_prof_leak *leak = profile_get_leak(p, 0, 0);
    ck_assert_uint_eq(profile_get_file(p, 0)->n_leaks, 1);
    ck_assert_uint_eq(leak->lineno, 9);
    ck_assert_double_eq(leak->likelihood, 0.9833333333333333);
    ck_assert_double_eq(leak->velocity_mb_s, 1.2502297529689121);
    ck_assert_uint_eq(profile_get_file(p, 0)->n_imports, 1);
    ck_assert_str_eq(profile_get_import(p, 0, 0), "import time");
    ck_assert_uint_eq(s->max_footprint_line, 9);
    ck_assert_double_eq(s->max_footprint_mb, 400.09135246276855);
    ck_assert_double_eq(profile_get_scalene_info(p)->max_footprint_python_fraction, 1.0);
    ck_assert_uint_eq(s->n_samples, 100);
    const mcp_prof_line *l9 = must_find_line(p, 0, 9);
    ck_assert_uint_eq(l9->n_memory_samples, 100);
    ck_assert_double_eq(l9->memory_samples[0].t_sec, 0.62486945);
    ck_assert_double_eq(l9->memory_samples[0].mb, 1.000901222229004);
    ck_assert_int_eq(l9->m.mallocs, 226);
    ck_assert_double_eq(l9->m.python_fraction, 0.9999796597608209);
    ck_assert_uint_eq(find_function(p, 0, "handle")->last_line, 10);
    ck_assert_uint_eq(find_function(p, 0, "main")->last_line, 18);
    profile_free(p);
}
END_TEST

START_TEST(test_v2_module_mode)
{
    mcp_profile *p = parse_fixture(V2 "module_mode/profile.json", V2_ROOT "module_mode", NULL);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_uint_eq(profile_get_summary(p)->n_files, 1);
    ck_assert_str_eq(f->display_path, "mypkg/work.py");
    ck_assert_uint_eq(f->n_lines, 2);
    double total;
    ck_assert_uint_eq(hottest_line(p, 0, &total)->lineno, 2);
    const mcp_prof_function *compute = find_function(p, 0, "compute");
    ck_assert_uint_eq(compute->first_line, 1);
    ck_assert_uint_eq(compute->last_line, 2);
    const mcp_prof_stack *st = profile_get_stack(p, 0);
    ck_assert_str_eq(st->frames[st->n_frames - 1],
                     V2_ROOT "module_mode/mypkg/work.py compute.<locals>.<genexpr>:2");
    profile_free(p);
}
END_TEST

START_TEST(test_v2_threaded)
{
    mcp_profile *p = parse_fixture(V2 "threaded/profile.json", NULL, NULL);
    /* 2.x names the thread target without its class. */
    const mcp_prof_function *worker = find_function(p, 0, "worker");
    ck_assert_uint_eq(worker->first_line, 5);
    ck_assert_uint_eq(worker->last_line, 9);
    ck_assert_str_eq(profile_get_import(p, 0, 0), "import threading");
    ck_assert_uint_eq(profile_get_summary(p)->n_stacks, 4);
    ck_assert_double_eq(must_find_line(p, 0, 8)->m.cpu_python, 84.85205393919759);
    profile_free(p);
}
END_TEST

START_TEST(test_v2_memory_alloc_variants)
{
    mcp_profile *p = parse_fixture(V2 "memory_alloc/profile.json", NULL, NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert(s->memory);
    ck_assert_double_eq(s->max_footprint_mb, 510.12341690063477);
    ck_assert_double_eq(must_find_line(p, 0, 9)->m.malloc_mb, 300.57842350006104);
    ck_assert_uint_eq(find_function(p, 0, "main")->last_line, 20);
    profile_free(p);

    p = parse_fixture(V2 "memory_alloc/cpu_only.json", NULL, NULL);
    s = profile_get_summary(p);
    ck_assert(!s->memory);
    ck_assert_uint_eq(s->n_samples, 0);
    ck_assert_double_eq(must_find_line(p, 0, 9)->m.malloc_mb, 0);
    ck_assert_uint_eq(s->n_stacks, 4);
    profile_free(p);

    /* --reduced-profile --no-stacks: lines are all still there, no stacks. */
    p = parse_fixture(V2 "memory_alloc/reduced_nostacks.json", NULL, NULL);
    s = profile_get_summary(p);
    ck_assert(!s->stacks);
    ck_assert_uint_eq(s->n_stacks, 0);
    ck_assert_uint_eq(profile_get_file(p, 0)->n_lines, 23);
    profile_free(p);
}
END_TEST

START_TEST(test_v2_exception)
{
    mcp_profile *p = parse_fixture(V2 "exception/profile.json", NULL, NULL);
    const mcp_prof_function *work = find_function(p, 0, "work");
    ck_assert_uint_eq(work->first_line, 4);
    ck_assert_uint_eq(work->last_line, 5);
    ck_assert_double_eq(profile_get_summary(p)->elapsed_sec, 3.303025007247925);
    profile_free(p);
}
END_TEST

/* The summary's CPU totals are the sums over every line of every file. */
START_TEST(test_summary_sums_lines)
{
    mcp_profile *p = parse_fixture(V2 "two_file/profile.json", NULL, NULL);
    const mcp_prof_summary *s = profile_get_summary(p);
    double py = 0, c = 0, sys = 0;
    for (size_t i = 0; i < s->n_files; i++) {
        const mcp_prof_line *l;
        for (size_t j = 0; (l = profile_get_line(p, i, j)); j++) {
            py += l->m.cpu_python;
            c += l->m.cpu_native;
            sys += l->m.cpu_system;
        }
    }
    ck_assert_double_eq_tol(s->cpu_python, py, 1e-9);
    ck_assert_double_eq_tol(s->cpu_native, c, 1e-9);
    ck_assert_double_eq_tol(s->cpu_system, sys, 1e-9);
    ck_assert_double_gt(s->cpu_python, 45.0);
    profile_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Edge documents                                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_edge_invalid_documents)
{
    char err[ERRSZ];
    ck_assert_int_eq(parse_fixture_rc("edge/empty.json", err), MCP_INVALID);
    ck_assert(contains(err, "0 bytes"));
    ck_assert_int_eq(parse_fixture_rc("edge/empty_object.json", err), MCP_NOTFOUND);
    ck_assert_int_eq(parse_fixture_rc("edge/truncated.json", err), MCP_INVALID);
    ck_assert(contains(err, "truncated"));
    ck_assert_int_eq(parse_fixture_rc("edge/top_level_array.json", err), MCP_INVALID);
    ck_assert(contains(err, "top level is an array"));
    ck_assert_int_eq(parse_fixture_rc("edge/files_not_object.json", err), MCP_INVALID);
    ck_assert(contains(err, "\"files\" is an array"));
    ck_assert_int_eq(parse_fixture_rc("edge/no_files.json", err), MCP_INVALID);
    ck_assert(contains(err, "files"));
    ck_assert_int_eq(parse_fixture_rc("edge/nan_token.json", err), MCP_INVALID);
    ck_assert(contains(err, "not valid JSON"));
    ck_assert(contains(err, "NaN"));
    ck_assert_int_eq(parse_fixture_rc("edge/trailing_garbage.json", err), MCP_INVALID);
    ck_assert(contains(err, "after the JSON value"));

    mcp_profile *p = NULL;
    ck_assert_int_eq(parse_text("hello", 5, &p, NULL, err), MCP_INVALID);
    ck_assert(contains(err, "not valid JSON"));
    ck_assert_int_eq(parse_text("\"files\"", 7, &p, NULL, err), MCP_INVALID);
    ck_assert(contains(err, "a string"));
    ck_assert_int_eq(parse_text(NULL, 0, &p, NULL, err), MCP_INVALID);
    ck_assert_ptr_null(p);
    /* Length wins over the NUL terminator: the object is cut short. */
    ck_assert_int_eq(parse_text("{\"files\": {}}", 8, &p, NULL, err), MCP_INVALID);
    ck_assert(contains(err, "truncated"));
}
END_TEST

/* Every cut of a real 2.x document is rejected as truncated, never a crash. */
START_TEST(test_edge_truncated_everywhere)
{
    size_t len;
    char *buf = read_fixture(V2 "cpu_loop/profile.json", &len);
    char err[ERRSZ];
    for (size_t k = 1; k <= 40; k++) {
        size_t cut = len * k / 41;
        mcp_profile *p = NULL;
        ck_assert_int_eq(parse_text(buf, cut, &p, NULL, err), MCP_INVALID);
        ck_assert_msg(contains(err, "truncated"), "cut at %zu: %s", cut, err);
        ck_assert_ptr_null(p);
    }
    free(buf);
}
END_TEST

START_TEST(test_edge_files_and_lines_empty)
{
    cJSON *w = cJSON_CreateArray();
    mcp_profile *p = parse_fixture("edge/files_empty.json", NULL, w);
    ck_assert_uint_eq(profile_get_summary(p)->n_files, 0);
    ck_assert_double_eq(profile_get_summary(p)->elapsed_sec, 0.5);
    ck_assert_ptr_nonnull(find_warning(w, "files is empty", NULL));
    ck_assert_ptr_null(profile_get_file(p, 0));
    profile_free(p);
    cJSON_Delete(w);

    p = parse_fixture("edge/lines_empty.json", NULL, NULL);
    ck_assert_uint_eq(profile_get_summary(p)->n_files, 1);
    ck_assert_uint_eq(profile_get_file(p, 0)->n_lines, 0);
    ck_assert_ptr_null(profile_find_line(p, 0, 1));
    ck_assert_ptr_null(profile_get_line(p, 0, 0));
    ck_assert_double_eq(profile_get_summary(p)->elapsed_sec, 1.25);
    profile_free(p);
}
END_TEST

START_TEST(test_edge_wrong_types)
{
    cJSON *w = cJSON_CreateArray();
    mcp_profile *p = parse_fixture("edge/wrong_types.json", NULL, w);
    const mcp_prof_summary *s = profile_get_summary(p);
    /* Top level: each bad value is absent, with a warning naming it. */
    ck_assert_double_eq(s->elapsed_sec, 0);
    ck_assert_ptr_nonnull(find_warning(w, "elapsed_time_sec", "a string", NULL));
    ck_assert(!s->memory);
    ck_assert_ptr_nonnull(find_warning(w, "memory", "expected a boolean", NULL));
    ck_assert_int_eq(s->alloc_samples, 0);
    ck_assert_str_eq(s->gpu_device, "");
    ck_assert_uint_eq(s->max_footprint_line, 0);
    ck_assert_uint_eq(s->n_samples, 0);
    ck_assert_ptr_nonnull(find_warning(w, "samples", "an object", NULL));
    /* One well-formed stack of three; its string count is absent. */
    ck_assert_uint_eq(s->n_stacks, 1);
    ck_assert_str_eq(profile_get_stack(p, 0)->frames[0], "a.py f:1");
    ck_assert_int_eq(profile_get_stack(p, 0)->count, 0);
    ck_assert_ptr_nonnull(find_warning(w, "stacks", "2 entries", NULL));
    /* b.py is not an object: skipped. */
    ck_assert_uint_eq(s->n_files, 1);
    ck_assert_ptr_nonnull(find_warning(w, "b.py", "skipped", NULL));
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_double_eq(f->cpu_percent, 0);
    /* Lines 1, 3 and 5 survive; "2", 4.5 and the string entry do not. */
    ck_assert_uint_eq(f->n_lines, 3);
    const mcp_prof_line *l1 = must_find_line(p, 0, 1);
    ck_assert_double_eq(l1->m.cpu_python, 0);
    ck_assert_double_eq(l1->m.cpu_native, 3);
    ck_assert_ptr_nonnull(find_warning(w, "a.py:1", "n_cpu_percent_python", "a string", NULL));
    ck_assert_ptr_null(profile_find_line(p, 0, 2));
    ck_assert_ptr_nonnull(find_warning(w, "lineno is a string", NULL));
    const mcp_prof_line *l3 = must_find_line(p, 0, 3);
    ck_assert_str_eq(l3->source, "");
    ck_assert_ptr_nonnull(find_warning(w, "a.py:3", "line is a number", NULL));
    ck_assert_double_eq(l3->m.cpu_system, 0);
    ck_assert_ptr_nonnull(find_warning(w, "a.py:3", "n_sys_percent", "a boolean", NULL));
    ck_assert_uint_eq(l3->n_memory_samples, 1);
    ck_assert_double_eq(l3->memory_samples[0].t_sec, 1.0);
    ck_assert_double_eq(l3->memory_samples[0].mb, 2.0);
    ck_assert_ptr_nonnull(find_warning(w, "a.py:3", "2 points", NULL));
    ck_assert_ptr_nonnull(find_warning(w, "4.5", NULL));
    const mcp_prof_line *l5 = must_find_line(p, 0, 5);
    ck_assert_int_eq(l5->m.mallocs, 7); /* a float count is truncated */
    ck_assert_int_eq(l5->m.cpu_samples, 0);
    ck_assert_ptr_nonnull(find_warning(w, "cpu_samples_list", "a number", NULL));
    /* Function with a numeric name kept with "", the null lineno skipped. */
    ck_assert_uint_eq(f->n_functions, 1);
    ck_assert_str_eq(profile_get_function(p, 0, 0)->name, "");
    ck_assert_ptr_nonnull(find_warning(w, "lineno is null", NULL));
    /* Leaks: "abc" and "3" (not an object) skipped; the string likelihood is 0. */
    ck_assert_uint_eq(f->n_leaks, 1);
    ck_assert_uint_eq(profile_get_leak(p, 0, 0)->lineno, 1);
    ck_assert_double_eq(profile_get_leak(p, 0, 0)->likelihood, 0);
    ck_assert_double_eq(profile_get_leak(p, 0, 0)->velocity_mb_s, 1);
    ck_assert_ptr_nonnull(find_warning(w, "\"abc\"", NULL));
    ck_assert_uint_eq(f->n_imports, 1);
    ck_assert_str_eq(profile_get_import(p, 0, 0), "import os");
    cJSON_Delete(w);
    profile_free(p);
}
END_TEST

START_TEST(test_edge_out_of_range_clamped)
{
    cJSON *w = cJSON_CreateArray();
    mcp_profile *p = parse_fixture("edge/out_of_range.json", NULL, w);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_double_eq(s->elapsed_sec, 0);
    ck_assert_double_eq(s->growth_rate, -12.5); /* may be negative: kept */
    ck_assert_ptr_null(find_warning(w, "growth_rate", NULL));
    ck_assert_double_eq(s->max_footprint_mb, 0);
    ck_assert_double_eq(profile_get_scalene_info(p)->max_footprint_python_fraction, 1);
    ck_assert_double_eq(s->samples[0].t_sec, 1.0);
    ck_assert_double_eq(s->samples[0].mb, 0);
    ck_assert_double_eq(s->samples[1].t_sec, 0);
    ck_assert_double_eq(s->samples[1].mb, 3.0);
    ck_assert_ptr_nonnull(find_warning(w, "samples footprint (MB)", "-5", NULL));
    const mcp_prof_stack *st = profile_get_stack(p, 0);
    ck_assert_int_eq(st->count, 0);
    ck_assert_double_eq(st->cpu_fraction, 1);
    ck_assert_double_eq(st->python_fraction, 0);
    ck_assert_double_eq(st->native_fraction, 0.5);
    ck_assert_double_eq(profile_get_file(p, 0)->cpu_percent, 100);
    ck_assert_ptr_nonnull(find_warning(w, "a.py", "percent_cpu_time", "250", NULL));
    const mcp_prof_line *l = must_find_line(p, 0, 1);
    ck_assert_double_eq(l->m.cpu_python, 100);
    ck_assert_ptr_nonnull(
        find_warning(w, "a.py:1", "n_cpu_percent_python", "150", "clamped to 100", NULL));
    ck_assert_double_eq(l->m.cpu_native, 0);
    ck_assert_double_eq(l->m.cpu_system, 100);
    ck_assert_double_eq(l->m.gpu_percent, 100);
    ck_assert_double_eq(l->m.usage_fraction, 1);
    ck_assert_double_eq(l->m.python_fraction, 0);
    ck_assert_double_eq(l->m.core_utilization, 1);
    ck_assert_double_eq(l->m.malloc_mb, 0);
    ck_assert_double_eq(l->m.peak_mb, 0);
    ck_assert_int_eq(l->m.mallocs, 0);
    /* -0.0 becomes +0.0 (the stored format omits zeros and reads them as +0). */
    ck_assert_double_eq(l->m.avg_mb, 0);
    ck_assert(!signbit(l->m.avg_mb));
    /* Rounding noise is clamped without a warning. */
    ck_assert_ptr_null(find_warning(w, "n_sys_percent", NULL));
    ck_assert_ptr_null(find_warning(w, "n_peak_mb", NULL));
    const mcp_prof_leak *leak = profile_get_leak(p, 0, 0);
    ck_assert_double_eq(leak->likelihood, 1);
    ck_assert_double_eq(leak->velocity_mb_s, 0);
    ck_assert_ptr_nonnull(find_warning(w, "a.py:1", "likelihood", "1.2", NULL));
    cJSON_Delete(w);
    profile_free(p);
}
END_TEST

START_TEST(test_edge_huge_ints)
{
    cJSON *w = cJSON_CreateArray();
    mcp_profile *p = parse_fixture("edge/huge_ints.json", NULL, w);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_int_eq(s->alloc_samples, INT64_MAX);
    ck_assert_ptr_nonnull(find_warning(w, "alloc_samples", NULL));
    ck_assert_double_eq(s->max_footprint_mb, 0); /* 1e999 reads as infinity */
    ck_assert_ptr_nonnull(find_warning(w, "max_footprint_mb", "not a finite number", NULL));
    ck_assert_uint_eq(s->n_samples, 2);
    ck_assert_double_eq(s->samples[0].t_sec, 9223372036854775807.0 / 1e9);
    ck_assert_double_eq(s->samples[1].t_sec, 1e21);
    ck_assert_double_eq(profile_get_scalene_info(p)->start_time_abs, 1795311131.3833747);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_uint_eq(f->n_lines, 1);
    const mcp_prof_line *l = must_find_line(p, 0, UINT32_MAX);
    ck_assert_int_eq(l->m.mallocs, INT64_MAX);
    ck_assert_double_eq(l->memory_samples[0].t_sec, 18446744073709551615.0 / 1e9);
    ck_assert_ptr_nonnull(find_warning(w, "lineno 4294967296", NULL));
    ck_assert_uint_eq(f->n_leaks, 0);
    profile_free(p);
    cJSON_Delete(w);
}
END_TEST

static char *nested_document(size_t depth)
{
    size_t cap = 2 * depth + 64;
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    size_t n = (size_t)snprintf(doc, cap, "{\"files\": {}, \"x\": ");
    memset(doc + n, '[', depth);
    n += depth;
    memset(doc + n, ']', depth);
    n += depth;
    doc[n++] = '}';
    doc[n] = '\0';
    return doc;
}

START_TEST(test_edge_deep_nesting)
{
    char err[ERRSZ];
    mcp_profile *p = NULL;
    char *doc = nested_document(900); /* within cJSON's limit, under an unknown key */
    ck_assert_int_eq(parse_text(doc, strlen(doc), &p, NULL, err), MCP_OK);
    profile_free(p);
    free(doc);
    doc = nested_document(100000);
    ck_assert_int_eq(parse_text(doc, strlen(doc), &p, NULL, err), MCP_INVALID);
    ck_assert(contains(err, "nesting"));
    ck_assert_ptr_null(p);
    free(doc);
    /* Deep structure where a string is expected: absent, with a warning. */
    const char *text = "{\"files\": {\"a.py\": {\"lines\": [{\"lineno\": 1, \"line\": "
                       "[[[[[[[[[[{\"a\": [[[]]]}]]]]]]]]]]}]}}}";
    cJSON *w = cJSON_CreateArray();
    ck_assert_int_eq(parse_text(text, strlen(text), &p, w, err), MCP_OK);
    ck_assert_str_eq(must_find_line(p, 0, 1)->source, "");
    ck_assert_ptr_nonnull(find_warning(w, "line is an array", NULL));
    profile_free(p);
    cJSON_Delete(w);
}
END_TEST

START_TEST(test_edge_invalid_utf8_replaced)
{
    cJSON *w = cJSON_CreateArray();
    mcp_profile *p = parse_fixture("edge/invalid_utf8.json", NULL, w);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_str_eq(f->path, "bad\xEF\xBF\xBD.py");
    /* C3 28: lone lead byte; E2 82: cut sequence; valid é stays. */
    ck_assert_str_eq(must_find_line(p, 0, 1)->source,
                     "s = '\xEF\xBF\xBD(' + '\xEF\xBF\xBD\xEF\xBF\xBD'  # caf\xC3\xA9");
    /* An encoded surrogate (ED A0 80) is three bad bytes. */
    ck_assert_str_eq(must_find_line(p, 0, 2)->source,
                     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD surrogate");
    ck_assert_str_eq(profile_get_function(p, 0, 0)->name, "f\xEF\xBF\xBD");
    ck_assert_double_eq(must_find_line(p, 0, 1)->m.cpu_python, 50.0);
    ck_assert_ptr_nonnull(find_warning(w, ":1", "source text has invalid UTF-8", NULL));
    ck_assert_ptr_nonnull(find_warning(w, "file path has invalid UTF-8", NULL));
    /* A raw key quoted in a warning has its bad byte scrubbed to '?'. */
    ck_assert_uint_eq(f->n_leaks, 0);
    ck_assert_ptr_nonnull(find_warning(w, "leaks entry \"9?\"", NULL));
    const cJSON *msg;
    cJSON_ArrayForEach(msg, w)
    {
        ck_assert_msg(!contains(msg->valuestring, "\xff") && !contains(msg->valuestring, "\xfe"),
                      "raw invalid byte in warning: %s", msg->valuestring);
    }
    profile_free(p);
    cJSON_Delete(w);
}
END_TEST

START_TEST(test_edge_escapes_by_generation)
{
    mcp_profile *p = parse_fixture("edge/escapes_2x.json", NULL, NULL);
    ck_assert_str_eq(profile_get_scalene_info(p)->schema_hint, "2.3+");
    ck_assert_str_eq(must_find_line(p, 0, 1)->source, "if a < b && c > d:");
    /* Other \u00XX text is the program's own; a real JSON escape is decoded. */
    ck_assert_str_eq(must_find_line(p, 0, 2)->source, "t = '\\u00e9' + \"\xC3\xA9\"");
    ck_assert_str_eq(must_find_line(p, 0, 3)->source, "end &");
    /* Function names are not escaped by Scalene, so not unescaped. */
    ck_assert_str_eq(profile_get_function(p, 0, 0)->name, "make_list.<locals>.<listcomp>");
    profile_free(p);

    /* 1.5.16-era documents write '&' raw: literal \u0026 is source text. */
    p = parse_fixture("edge/escapes_1x.json", NULL, NULL);
    ck_assert_str_eq(profile_get_scalene_info(p)->schema_hint, "<=1.5.18");
    ck_assert_str_eq(must_find_line(p, 0, 4)->source,
                     "p = re.compile('\\u0026') if a < b & c else None");
    profile_free(p);
}
END_TEST

START_TEST(test_edge_unsorted_lines)
{
    cJSON *w = cJSON_CreateArray();
    mcp_profile *p = parse_fixture("edge/unsorted_lines.json", NULL, w);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_uint_eq(f->n_lines, 3);
    ck_assert_uint_eq(profile_get_line(p, 0, 0)->lineno, 3);
    ck_assert_uint_eq(profile_get_line(p, 0, 1)->lineno, 5);
    ck_assert_uint_eq(profile_get_line(p, 0, 2)->lineno, 9);
    ck_assert_str_eq(must_find_line(p, 0, 9)->source, "first nine");
    ck_assert_ptr_nonnull(find_warning(w, "a.py:9", "duplicate", NULL));
    /* Leak keys sort as strings ("12" < "9"); the model sorts numerically. */
    ck_assert_uint_eq(profile_get_leak(p, 0, 0)->lineno, 9);
    ck_assert_uint_eq(profile_get_leak(p, 0, 1)->lineno, 12);
    ck_assert_double_eq(profile_get_summary(p)->cpu_python, 35.0);
    profile_free(p);
    cJSON_Delete(w);
}
END_TEST

START_TEST(test_edge_warnings_capped)
{
    /* 300 lines with a bad value each: 100 warnings plus one summary. */
    size_t cap = 300 * 80 + 64;
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    size_t n = (size_t)snprintf(doc, cap, "{\"files\": {\"a.py\": {\"lines\": [");
    for (int i = 1; i <= 300; i++)
        n += (size_t)snprintf(doc + n, cap - n, "%s{\"lineno\": %d, \"n_sys_percent\": \"x\"}",
                              i > 1 ? "," : "", i);
    n += (size_t)snprintf(doc + n, cap - n, "]}}}");
    cJSON *w = cJSON_CreateArray();
    mcp_profile *p = NULL;
    char err[ERRSZ];
    ck_assert_int_eq(parse_text(doc, n, &p, w, err), MCP_OK);
    ck_assert_int_eq(cJSON_GetArraySize(w), PROFILE_MAX_WARNINGS + 1);
    ck_assert_str_eq(cJSON_GetArrayItem(w, PROFILE_MAX_WARNINGS)->valuestring,
                     "200 more warnings not shown");
    ck_assert_uint_eq(profile_get_file(p, 0)->n_lines, 300);
    profile_free(p);
    cJSON_Delete(w);
    free(doc);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Model: accessors, lookups, metadata                                  */
/* ------------------------------------------------------------------ */

START_TEST(test_accessors_out_of_range)
{
    mcp_profile *p = parse_fixture(V2 "leaky_cache/profile.json", NULL, NULL);
    const mcp_prof_file *f = profile_get_file(p, 0);
    ck_assert_ptr_null(profile_get_file(p, 1));
    ck_assert_ptr_null(profile_get_file(p, SIZE_MAX));
    ck_assert_ptr_nonnull(profile_get_line(p, 0, f->n_lines - 1));
    ck_assert_ptr_null(profile_get_line(p, 0, f->n_lines));
    ck_assert_ptr_null(profile_get_line(p, 1, 0));
    ck_assert_ptr_null(profile_get_function(p, 0, f->n_functions));
    ck_assert_ptr_null(profile_get_leak(p, 0, f->n_leaks));
    ck_assert_ptr_null(profile_get_import(p, 0, f->n_imports));
    ck_assert_ptr_null(profile_get_stack(p, profile_get_summary(p)->n_stacks));
    ck_assert_ptr_null(profile_find_line(p, 1, 9));
    ck_assert_ptr_null(profile_find_line(p, 0, 0));
    ck_assert_ptr_null(profile_find_line(p, 0, 22));
    ck_assert_ptr_null(profile_get_summary(NULL));
    ck_assert_ptr_null(profile_get_file(NULL, 0));
    ck_assert_ptr_null(profile_find_line(NULL, 0, 1));
    profile_free(p);
    profile_free(NULL);
}
END_TEST

START_TEST(test_find_line_every_line)
{
    mcp_profile *p = parse_fixture(V2 "two_file/profile.json", NULL, NULL);
    for (size_t fi = 0; fi < 2; fi++) {
        const mcp_prof_line *l;
        for (size_t i = 0; (l = profile_get_line(p, fi, i)); i++) {
            ck_assert_ptr_eq(profile_find_line(p, fi, l->lineno), l);
            ck_assert_uint_eq(l->lineno, i + 1); /* 2.x: every line, 1..n */
        }
    }
    profile_free(p);
}
END_TEST

START_TEST(test_find_file)
{
    mcp_profile *p = parse_fixture("edge/find_file.json", "/proj/", NULL);
    size_t cand[4], n;
    ck_assert_str_eq(profile_get_file(p, 1)->display_path, "x/util.py");
    ck_assert_str_eq(profile_get_file(p, 3)->display_path, "rel/tool.py");
    ck_assert_uint_eq(profile_find_file(p, "util.py", cand, 4, &n), PROFILE_NO_FILE);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(cand[0], 1);
    ck_assert_uint_eq(cand[1], 2);
    ck_assert_uint_eq(profile_find_file(p, "util.py", cand, 1, &n), PROFILE_NO_FILE);
    ck_assert_uint_eq(n, 2); /* all matches counted, only max_candidates written */
    ck_assert_uint_eq(profile_find_file(p, "x/util.py", cand, 4, &n), 1);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(profile_find_file(p, "/proj/y/util.py", NULL, 0, &n), 2);
    ck_assert_uint_eq(profile_find_file(p, "main.py", NULL, 0, NULL), 0);
    ck_assert_uint_eq(profile_find_file(p, "./main.py", NULL, 0, NULL), 0);
    ck_assert_uint_eq(profile_find_file(p, "/proj/rel/tool.py", NULL, 0, NULL), 3);
    ck_assert_uint_eq(profile_find_file(p, "tool.py", NULL, 0, NULL), 3);
    ck_assert_uint_eq(profile_find_file(p, "til.py", NULL, 0, &n), PROFILE_NO_FILE);
    ck_assert_uint_eq(n, 0); /* suffixes only match after a '/' */
    ck_assert_uint_eq(profile_find_file(p, "", NULL, 0, &n), PROFILE_NO_FILE);
    ck_assert_uint_eq(profile_find_file(p, "nope.py", NULL, 0, &n), PROFILE_NO_FILE);
    ck_assert_uint_eq(n, 0);
    profile_free(p);

    /* An exact path beats a suffix match of another file. */
    p = parse_fixture(V1 "two_file/profile.json", V1_ROOT "two_file", NULL);
    size_t main_py = file_index(p, "main.py");
    ck_assert_uint_eq(profile_find_file(p, "main.py", NULL, 0, &n), main_py);
    ck_assert_uint_eq(profile_find_file(p, V1_ROOT "two_file/main.py", NULL, 0, &n), main_py);
    ck_assert_uint_eq(profile_find_file(p, "helper.py", NULL, 0, &n),
                      file_index(p, V1_ROOT "two_file/helper.py"));
    profile_free(p);
}
END_TEST

START_TEST(test_meta_setters)
{
    mcp_profile *p = parse_fixture(V2 "two_file/profile.json", NULL, NULL);
    size_t helper = file_index(p, V2_ROOT "two_file/helper.py");
    ck_assert_str_eq(profile_get_file(p, helper)->display_path, V2_ROOT "two_file/helper.py");
    char id[] = "run_42", cwd[] = V2_ROOT "two_file";
    profile_meta m = {.id = id,
                      .label = "baseline",
                      .target = "main.py",
                      .cwd = cwd,
                      .python = "/usr/bin/python3",
                      .scalene_version = "2.3.0",
                      .created_ms = INT64_C(1795311157038),
                      .exit_status = -1,
                      .term_signal = 15,
                      .partial = true,
                      .timed_out = true};
    ck_assert_int_eq(profile_set_meta(p, &m), MCP_OK);
    memset(id, 'x', sizeof(id) - 1); /* the profile holds copies */
    memset(cwd, 'x', sizeof(cwd) - 1);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_str_eq(s->id, "run_42");
    ck_assert_str_eq(s->label, "baseline");
    ck_assert_str_eq(s->target, "main.py");
    ck_assert_str_eq(s->cwd, V2_ROOT "two_file");
    ck_assert_str_eq(s->python, "/usr/bin/python3");
    ck_assert_str_eq(s->scalene_version, "2.3.0");
    ck_assert_int_eq(s->created_ms, INT64_C(1795311157038));
    ck_assert_int_eq(s->exit_status, -1);
    ck_assert_int_eq(s->term_signal, 15);
    ck_assert(s->partial && s->timed_out && !s->cancelled);
    /* Display paths follow the new cwd. */
    ck_assert_str_eq(profile_get_file(p, helper)->display_path, "helper.py");

    /* Read, change one field, write back. */
    profile_meta again;
    profile_get_meta(p, &again);
    ck_assert_str_eq(again.label, "baseline");
    again.label = NULL;
    again.cancelled = true;
    ck_assert_int_eq(profile_set_meta(p, &again), MCP_OK);
    ck_assert_ptr_null(s->label);
    ck_assert(s->cancelled);
    ck_assert_str_eq(s->id, "run_42");
    ck_assert_str_eq(profile_get_file(p, helper)->display_path, "helper.py");

    profile_meta empty = {0};
    ck_assert_int_eq(profile_set_meta(p, &empty), MCP_OK);
    ck_assert_str_eq(s->id, "");
    ck_assert_str_eq(s->scalene_version, "unknown");
    ck_assert_str_eq(profile_get_file(p, helper)->display_path, V2_ROOT "two_file/helper.py");
    profile_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Stored format                                                        */
/* ------------------------------------------------------------------ */

static void assert_str_same(const char *a, const char *b, const char *what)
{
    if (!a || !b)
        ck_assert_msg(a == b, "%s: one is NULL", what);
    else
        ck_assert_msg(strcmp(a, b) == 0, "%s: '%s' != '%s'", what, a, b);
}

/* Bitwise, so -0.0 vs 0.0 or a lost last bit fails. */
static void assert_double_same(double a, double b, const char *what)
{
    ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0, "%s: %.17g != %.17g", what, a, b);
}

static void assert_samples_same(const mcp_sample *a, const mcp_sample *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_double_same(a[i].t_sec, b[i].t_sec, "sample t_sec");
        assert_double_same(a[i].mb, b[i].mb, "sample mb");
    }
}

static void assert_metrics_same(const mcp_metrics *a, const mcp_metrics *b)
{
    ck_assert_msg(memcmp(a, b, sizeof(*a)) == 0, "metrics differ");
}

static void assert_summary_same(const mcp_profile *pa, const mcp_profile *pb)
{
    const mcp_prof_summary *a = profile_get_summary(pa), *b = profile_get_summary(pb);
    assert_str_same(a->id, b->id, "id");
    assert_str_same(a->label, b->label, "label");
    assert_str_same(a->target, b->target, "target");
    assert_str_same(a->cwd, b->cwd, "cwd");
    assert_str_same(a->python, b->python, "python");
    assert_str_same(a->scalene_version, b->scalene_version, "scalene_version");
    ck_assert_int_eq(a->created_ms, b->created_ms);
    assert_double_same(a->elapsed_sec, b->elapsed_sec, "elapsed_sec");
    assert_double_same(a->max_footprint_mb, b->max_footprint_mb, "max_footprint_mb");
    assert_str_same(a->max_footprint_file, b->max_footprint_file, "max_footprint_file");
    ck_assert_uint_eq(a->max_footprint_line, b->max_footprint_line);
    assert_double_same(a->growth_rate, b->growth_rate, "growth_rate");
    assert_double_same(a->cpu_python, b->cpu_python, "cpu_python");
    assert_double_same(a->cpu_native, b->cpu_native, "cpu_native");
    assert_double_same(a->cpu_system, b->cpu_system, "cpu_system");
    ck_assert_int_eq(a->alloc_samples, b->alloc_samples);
    ck_assert(a->memory == b->memory && a->gpu == b->gpu && a->stacks == b->stacks);
    assert_str_same(a->gpu_device, b->gpu_device, "gpu_device");
    ck_assert_int_eq(a->exit_status, b->exit_status);
    ck_assert_int_eq(a->term_signal, b->term_signal);
    ck_assert(a->partial == b->partial && a->timed_out == b->timed_out &&
              a->cancelled == b->cancelled);
    ck_assert_uint_eq(a->n_files, b->n_files);
    ck_assert_uint_eq(a->n_samples, b->n_samples);
    ck_assert_uint_eq(a->n_stacks, b->n_stacks);
    assert_samples_same(a->samples, b->samples, a->n_samples);

    const profile_scalene_info *ia = profile_get_scalene_info(pa);
    const profile_scalene_info *ib = profile_get_scalene_info(pb);
    assert_str_same(ia->schema_hint, ib->schema_hint, "schema_hint");
    assert_str_same(ia->program, ib->program, "program");
    assert_double_same(ia->start_time_abs, ib->start_time_abs, "start_time_abs");
    assert_double_same(ia->max_footprint_python_fraction, ib->max_footprint_python_fraction,
                       "max_footprint_python_fraction");
    assert_double_same(ia->native_allocations_mb, ib->native_allocations_mb,
                       "native_allocations_mb");
    ck_assert(ia->async_profile == ib->async_profile);
}

static void assert_file_same(const mcp_profile *pa, const mcp_profile *pb, size_t fi)
{
    const mcp_prof_file *a = profile_get_file(pa, fi), *b = profile_get_file(pb, fi);
    assert_str_same(a->path, b->path, "path");
    assert_str_same(a->display_path, b->display_path, "display_path");
    assert_double_same(a->cpu_percent, b->cpu_percent, "cpu_percent");
    ck_assert_uint_eq(a->n_lines, b->n_lines);
    ck_assert_uint_eq(a->n_functions, b->n_functions);
    ck_assert_uint_eq(a->n_leaks, b->n_leaks);
    ck_assert_uint_eq(a->n_imports, b->n_imports);
    for (size_t i = 0; i < a->n_lines; i++) {
        const mcp_prof_line *x = profile_get_line(pa, fi, i), *y = profile_get_line(pb, fi, i);
        ck_assert_uint_eq(x->lineno, y->lineno);
        assert_str_same(x->source, y->source, "source");
        assert_metrics_same(&x->m, &y->m);
        ck_assert_uint_eq(x->region_start, y->region_start);
        ck_assert_uint_eq(x->region_end, y->region_end);
        ck_assert_uint_eq(x->loop_start, y->loop_start);
        ck_assert_uint_eq(x->loop_end, y->loop_end);
        ck_assert_uint_eq(x->func_start, y->func_start);
        ck_assert_uint_eq(x->func_end, y->func_end);
        ck_assert_uint_eq(x->n_memory_samples, y->n_memory_samples);
        assert_samples_same(x->memory_samples, y->memory_samples, x->n_memory_samples);
    }
    for (size_t i = 0; i < a->n_functions; i++) {
        const mcp_prof_function *x = profile_get_function(pa, fi, i);
        const mcp_prof_function *y = profile_get_function(pb, fi, i);
        assert_str_same(x->name, y->name, "function name");
        ck_assert_uint_eq(x->first_line, y->first_line);
        ck_assert_uint_eq(x->last_line, y->last_line);
        assert_metrics_same(&x->m, &y->m);
    }
    for (size_t i = 0; i < a->n_leaks; i++) {
        const mcp_prof_leak *x = profile_get_leak(pa, fi, i), *y = profile_get_leak(pb, fi, i);
        ck_assert_uint_eq(x->lineno, y->lineno);
        assert_double_same(x->likelihood, y->likelihood, "likelihood");
        assert_double_same(x->velocity_mb_s, y->velocity_mb_s, "velocity_mb_s");
    }
    for (size_t i = 0; i < a->n_imports; i++)
        assert_str_same(profile_get_import(pa, fi, i), profile_get_import(pb, fi, i), "import");
}

static void assert_profiles_same(const mcp_profile *a, const mcp_profile *b)
{
    assert_summary_same(a, b);
    for (size_t i = 0; i < profile_get_summary(a)->n_files; i++)
        assert_file_same(a, b, i);
    for (size_t i = 0; i < profile_get_summary(a)->n_stacks; i++) {
        const mcp_prof_stack *x = profile_get_stack(a, i), *y = profile_get_stack(b, i);
        ck_assert_uint_eq(x->n_frames, y->n_frames);
        for (size_t j = 0; j < x->n_frames; j++)
            assert_str_same(x->frames[j], y->frames[j], "frame");
        ck_assert_int_eq(x->count, y->count);
        assert_double_same(x->cpu_fraction, y->cpu_fraction, "cpu_fraction");
        assert_double_same(x->python_fraction, y->python_fraction, "python_fraction");
        assert_double_same(x->native_fraction, y->native_fraction, "native_fraction");
    }
}

/* encode -> decode gives the same model, and encoding that gives the same bytes. */
static void assert_round_trip(const mcp_profile *p, const char *what)
{
    size_t len;
    char *doc = profile_encode(p, &len);
    ck_assert_msg(doc != NULL, "%s: encode failed", what);
    ck_assert_uint_eq(len, strlen(doc));
    mcp_profile *q = NULL;
    char err[ERRSZ] = "";
    int rc = profile_decode(doc, len, &q, err, sizeof(err));
    ck_assert_msg(rc == MCP_OK, "%s: decode rc %d: %s", what, rc, err);
    assert_profiles_same(p, q);
    size_t len2;
    char *doc2 = profile_encode(q, &len2);
    ck_assert_msg(len2 == len && memcmp(doc, doc2, len) == 0, "%s: re-encoding differs", what);
    free(doc2);
    free(doc);
    profile_free(q);
}

static const char *const round_trip_fixtures[] = {
    V1 "cpu_loop/profile.json",
    V1 "exception/profile.json",
    V1 "leaky_cache/profile.json",
    V1 "memory_alloc/profile.json",
    V1 "module_mode/profile.json",
    V1 "threaded/profile.json",
    V1 "two_file/profile.json",
    V2 "cpu_loop/profile.json",
    V2 "exception/profile.json",
    V2 "leaky_cache/profile.json",
    V2 "memory_alloc/profile.json",
    V2 "memory_alloc/cpu_only.json",
    V2 "memory_alloc/reduced_nostacks.json",
    V2 "module_mode/profile.json",
    V2 "threaded/profile.json",
    V2 "two_file/profile.json",
    "edge/wrong_types.json",
    "edge/out_of_range.json",
    "edge/huge_ints.json",
    "edge/invalid_utf8.json",
    "edge/escapes_2x.json",
    "edge/unsorted_lines.json",
    "edge/files_empty.json",
    "edge/lines_empty.json",
};

START_TEST(test_round_trip_fixture)
{
    const char *rel = round_trip_fixtures[_i];
    mcp_profile *p = parse_fixture(rel, "/home/dev", NULL);
    assert_round_trip(p, rel);
    /* Again with every metadata field set, label NULL and not. */
    profile_meta m = {.id = "abc-123",
                      .label = "x \"quoted\" \xC3\xA9",
                      .target = "-m mypkg",
                      .cwd = "/home/dev",
                      .python = "python3",
                      .scalene_version = "2.4.0",
                      .created_ms = INT64_MAX,
                      .exit_status = 143,
                      .term_signal = 15,
                      .partial = true,
                      .timed_out = false,
                      .cancelled = true};
    ck_assert_int_eq(profile_set_meta(p, &m), MCP_OK);
    assert_round_trip(p, rel);
    m.label = NULL;
    m.created_ms = INT64_MIN;
    ck_assert_int_eq(profile_set_meta(p, &m), MCP_OK);
    assert_round_trip(p, rel);
    profile_free(p);
}
END_TEST

START_TEST(test_encoding_is_compact)
{
    size_t raw_len;
    char *raw = read_fixture(V2 "two_file/profile.json", &raw_len);
    free(raw);
    mcp_profile *p = parse_fixture(V2 "two_file/profile.json", NULL, NULL);
    size_t len;
    char *doc = profile_encode(p, &len);
    ck_assert_ptr_nonnull(doc);
    /* combined_stacks is most of a 2.3 document and is not kept. */
    ck_assert_uint_lt(len, raw_len / 20);
    cJSON *root = cJSON_Parse(doc);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(cJSON_GetObjectItem(root, "format")->valuestring, PROFILE_FORMAT_NAME);
    ck_assert_int_eq(cJSON_GetObjectItem(root, "format_version")->valueint, PROFILE_FORMAT_VERSION);
    /* An all-zero line keeps its source text and ranges, no metrics. */
    const cJSON *helper = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "files"), 0);
    const cJSON *line1 = cJSON_GetArrayItem(cJSON_GetObjectItem(helper, "lines"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(line1, "source")->valuestring,
                     "\"\"\"Imported module that does the heavy lifting.\"\"\"");
    ck_assert_ptr_null(cJSON_GetObjectItem(line1, "cpu_python"));
    ck_assert_ptr_null(cJSON_GetObjectItem(line1, "core_utilization")); /* 0: omitted */
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(line1, "region"));
    const cJSON *line7 = cJSON_GetArrayItem(cJSON_GetObjectItem(helper, "lines"), 6);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(line7, "cpu_python"));
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(line7, "core_utilization"));
    ck_assert_ptr_null(cJSON_GetObjectItem(line7, "malloc_mb"));
    cJSON_Delete(root);
    free(doc);
    profile_free(p);
}
END_TEST

static int decode_text(const char *text, char *err)
{
    mcp_profile *p = (mcp_profile *)&p;
    err[0] = '\0';
    int rc = profile_decode(text, strlen(text), &p, err, ERRSZ);
    if (rc != MCP_OK)
        ck_assert_ptr_null(p);
    profile_free(rc == MCP_OK ? p : NULL);
    return rc;
}

#define HEADER "{\"format\":\"scalene-mcp-profile\",\"format_version\":1,"

START_TEST(test_decode_rejects)
{
    char err[ERRSZ];
    ck_assert_int_eq(decode_text("garbage", err), MCP_CORRUPT);
    ck_assert(contains(err, "not a JSON object"));
    ck_assert_int_eq(decode_text("", err), MCP_CORRUPT);
    ck_assert_int_eq(decode_text(HEADER "\"meta\":{},\"run\":{}} x", err), MCP_CORRUPT);
    ck_assert(contains(err, "after the JSON object"));
    ck_assert_int_eq(decode_text(HEADER "\"meta\":{},\"run\":{}}\n", err), MCP_OK);
    ck_assert_int_eq(decode_text("[]", err), MCP_CORRUPT);
    ck_assert_int_eq(decode_text("{}", err), MCP_CORRUPT);
    ck_assert(contains(err, "scalene-mcp-profile"));
    ck_assert_int_eq(decode_text("{\"format\":\"other\",\"format_version\":1}", err), MCP_CORRUPT);
    ck_assert_int_eq(decode_text("{\"format\":\"scalene-mcp-profile\",\"format_version\":99}", err),
                     MCP_VERSION);
    ck_assert(contains(err, "99"));
    ck_assert_int_eq(
        decode_text("{\"format\":\"scalene-mcp-profile\",\"format_version\":\"1\"}", err),
        MCP_CORRUPT);
    ck_assert_int_eq(decode_text("{\"format\":\"scalene-mcp-profile\",\"format_version\":0}", err),
                     MCP_CORRUPT);
    /* A raw Scalene profile is not our format. */
    size_t len;
    char *raw = read_fixture(V1 "cpu_loop/profile.json", &len);
    ck_assert_int_eq(decode_text(raw, err), MCP_CORRUPT);
    free(raw);
    /* Minimal: meta and run present, everything else defaults. */
    ck_assert_int_eq(decode_text(HEADER "\"meta\":{},\"run\":{}}", err), MCP_OK);
    ck_assert_int_eq(decode_text(HEADER "\"run\":{}}", err), MCP_CORRUPT);
    ck_assert(contains(err, "meta"));
    /* Invariants the model promises are checked. */
    ck_assert_int_eq(decode_text(HEADER "\"meta\":{},\"run\":{},\"files\":[{\"path\":\"a.py\","
                                        "\"lines\":[{\"lineno\":5},{\"lineno\":2}]}]}",
                                 err),
                     MCP_CORRUPT);
    ck_assert(contains(err, "files[0].lines[1]"));
    ck_assert(contains(err, "ascending"));
    ck_assert_int_eq(decode_text(HEADER "\"meta\":{},\"run\":{},\"files\":[{\"path\":\"a.py\","
                                        "\"lines\":[{\"lineno\":1,\"cpu_python\":150}]}]}",
                                 err),
                     MCP_CORRUPT);
    ck_assert(contains(err, "cpu_python"));
    ck_assert_int_eq(decode_text(HEADER "\"meta\":{},\"run\":{},\"files\":[{\"path\":\"a.py\","
                                        "\"lines\":[{\"source\":\"x\"}]}]}",
                                 err),
                     MCP_CORRUPT);
    ck_assert(contains(err, "lineno is missing"));
    ck_assert_int_eq(decode_text(HEADER "\"meta\":{\"id\":7},\"run\":{}}", err), MCP_CORRUPT);
    ck_assert(contains(err, "meta: id is not a string"));
    ck_assert_int_eq(decode_text(HEADER "\"meta\":{},\"run\":{},\"files\":[{}]}", err),
                     MCP_CORRUPT);
    ck_assert(contains(err, "path"));
}
END_TEST

START_TEST(test_decode_truncated_encoding)
{
    mcp_profile *p = parse_fixture(V2 "leaky_cache/profile.json", NULL, NULL);
    size_t len;
    char *doc = profile_encode(p, &len);
    ck_assert_ptr_nonnull(doc);
    char err[ERRSZ];
    for (size_t k = 1; k < 20; k++) {
        mcp_profile *q = NULL;
        ck_assert_int_eq(profile_decode(doc, len * k / 20, &q, err, sizeof(err)), MCP_CORRUPT);
        ck_assert_ptr_null(q);
    }
    free(doc);
    profile_free(p);
}
END_TEST

START_TEST(test_decoded_defaults)
{
    mcp_profile *p = NULL;
    char err[ERRSZ];
    const char *text = HEADER "\"meta\":{},\"run\":{}}";
    ck_assert_int_eq(profile_decode(text, strlen(text), &p, err, sizeof(err)), MCP_OK);
    const mcp_prof_summary *s = profile_get_summary(p);
    ck_assert_str_eq(s->scalene_version, "unknown");
    ck_assert_str_eq(s->id, "");
    ck_assert_ptr_null(s->label);
    ck_assert_ptr_null(s->max_footprint_file);
    ck_assert_uint_eq(s->n_files, 0);
    ck_assert_double_eq(profile_get_scalene_info(p)->max_footprint_python_fraction, -1);
    profile_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *profile_suite(void)
{
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("scalene-1.5.16");
    tcase_add_test(tc, test_v1_cpu_loop);
    tcase_add_test(tc, test_v1_leaky_cache);
    tcase_add_test(tc, test_v1_two_file);
    tcase_add_test(tc, test_v1_module_mode);
    tcase_add_test(tc, test_v1_threaded);
    tcase_add_test(tc, test_v1_memory_alloc);
    tcase_add_test(tc, test_v1_exception);
    tcase_add_test(tc, test_short_script_is_notfound);
    suite_add_tcase(s, tc);

    tc = tcase_create("scalene-2.3.0");
    tcase_add_test(tc, test_v2_cpu_loop);
    tcase_add_test(tc, test_v2_two_file_unescapes);
    tcase_add_test(tc, test_v2_leaky_cache);
    tcase_add_test(tc, test_v2_module_mode);
    tcase_add_test(tc, test_v2_threaded);
    tcase_add_test(tc, test_v2_memory_alloc_variants);
    tcase_add_test(tc, test_v2_exception);
    tcase_add_test(tc, test_summary_sums_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("edge");
    tcase_add_test(tc, test_edge_invalid_documents);
    tcase_add_test(tc, test_edge_truncated_everywhere);
    tcase_add_test(tc, test_edge_files_and_lines_empty);
    tcase_add_test(tc, test_edge_wrong_types);
    tcase_add_test(tc, test_edge_out_of_range_clamped);
    tcase_add_test(tc, test_edge_huge_ints);
    tcase_add_test(tc, test_edge_deep_nesting);
    tcase_add_test(tc, test_edge_invalid_utf8_replaced);
    tcase_add_test(tc, test_edge_escapes_by_generation);
    tcase_add_test(tc, test_edge_unsorted_lines);
    tcase_add_test(tc, test_edge_warnings_capped);
    suite_add_tcase(s, tc);

    tc = tcase_create("model");
    tcase_add_test(tc, test_accessors_out_of_range);
    tcase_add_test(tc, test_find_line_every_line);
    tcase_add_test(tc, test_find_file);
    tcase_add_test(tc, test_meta_setters);
    suite_add_tcase(s, tc);

    tc = tcase_create("codec");
    tcase_add_loop_test(tc, test_round_trip_fixture, 0,
                        (int)(sizeof(round_trip_fixtures) / sizeof(round_trip_fixtures[0])));
    tcase_add_test(tc, test_encoding_is_compact);
    tcase_add_test(tc, test_decode_rejects);
    tcase_add_test(tc, test_decode_truncated_encoding);
    tcase_add_test(tc, test_decoded_defaults);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(profile_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
