/* test_bottlenecks.c - get_bottlenecks and its analyze_profile section on real
 * Scalene fixtures (1.5.16 and 2.3.0) through the in-process host, the rule
 * library's text classifiers directly, and synthetic profiles: copies of a
 * real fixture with a line's source text or numbers edited (each such test
 * says so), to show each rule firing on the code it is for and staying quiet
 * on code that only looks like it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer_test_util.h"
#include "host_harness.h"
#include "tools.h"
#include "pysrc.h"
#include "rules.h"

static const char *ini = "[server]\nlog_level = error\n[storage]\nbackend = memory\n"
                         "[plugin.memory]\n[plugin.bottlenecks]\n";

/* The directory a 1.5.16 fixture ran in (its source is there). */
static char *fixture_dir(const char *rel)
{
    char *p = NULL;
    ck_assert_int_gt(asprintf(&p, "%s/%s", fixtures(), rel), 0);
    return p;
}

static void setup(void)
{
    h = harness_new(ini);
}

/* ---- synthetic profiles: a real fixture with edits ---- */

typedef struct edit {
    int lineno;
    const char *text; /* new source text, or NULL */
    const char *key;  /* a metric to set, or NULL */
    double value;
} edit;

/* Copies fixture `rel`, applies the edits to every file's lines, writes it
 * to a temporary file and stores it as profile `id`. */
static void add_edited(const char *rel, const char *cwd, const char *id, const edit *e, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixtures(), rel);
    cJSON *doc = load_json(path);
    cJSON *file;
    cJSON_ArrayForEach(file, cJSON_GetObjectItem(doc, "files"))
    {
        cJSON *line;
        cJSON_ArrayForEach(line, cJSON_GetObjectItem(file, "lines"))
        {
            int ln = cJSON_GetObjectItem(line, "lineno")->valueint;
            for (size_t i = 0; i < n; i++) {
                if (e[i].lineno != ln)
                    continue;
                if (e[i].text) {
                    char t[512];
                    snprintf(t, sizeof t, "%s\n", e[i].text);
                    cJSON_ReplaceItemInObject(line, "line", cJSON_CreateString(t));
                }
                if (e[i].key)
                    cJSON_ReplaceItemInObject(line, e[i].key, cJSON_CreateNumber(e[i].value));
            }
        }
    }
    add_doc(doc, cwd, id);
    cJSON_Delete(doc);
}

/* ---- helpers over answers ---- */

static cJSON *bottlenecks(const char *args)
{
    cJSON *r = harness_call(h, "get_bottlenecks", args);
    ck_assert_msg(!cJSON_GetObjectItem(r, "error"), "JSON-RPC error for %s", args);
    ck_assert_msg(!harness_is_error(r), "%s: %s", args, harness_text(r));
    return r;
}

static const cJSON *problems(const cJSON *r)
{
    return cJSON_GetObjectItem(harness_structured(r), "problems");
}

/* The problem whose line range holds `line`, or NULL. */
static const cJSON *problem_at(const cJSON *r, int line)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, problems(r))
    {
        if (json_num(p, "first_line") <= line && line <= json_num(p, "last_line"))
            return p;
    }
    return NULL;
}

/* Whether rule `rule` fired anywhere on the problem (primary or also). */
static int has_rule(const cJSON *p, const char *rule)
{
    if (!p)
        return 0;
    if (!strcmp(json_str(p, "rule"), rule))
        return 1;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(p, "also"))
    {
        if (!strcmp(a->valuestring, rule))
            return 1;
    }
    return 0;
}

static int rule_anywhere(const cJSON *r, const char *rule)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, problems(r))
    {
        if (has_rule(p, rule))
            return 1;
    }
    return 0;
}

/* ---- real fixtures ---- */

START_TEST(cpu_loop_23_reports_the_loop_region)
{
    harness_add_scalene(h, "scalene-2.3.0/cpu_loop/profile.json",
                        "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23");
    cJSON *r = bottlenecks("{\"profile_id\":\"loop23\"}");
    const cJSON *p = cJSON_GetArrayItem(problems(r), 0);
    ck_assert_ptr_nonnull(p);
    /* 2.x spread the samples over header and body: one problem, lines 6-7 */
    ck_assert_str_eq(json_str(p, "severity"), "critical");
    ck_assert_str_eq(json_str(p, "rule"), "python_numeric_loop");
    ck_assert_int_eq((int)json_num(p, "first_line"), 6);
    ck_assert_int_eq((int)json_num(p, "last_line"), 7);
    ck_assert_int_eq((int)json_num(p, "line"), 7);
    ck_assert_str_eq(json_str(p, "function"), "busy");
    ck_assert_str_eq(json_str(p, "file"), "cpu_loop.py");
    ck_assert(json_num(p, "cpu_percent") > 99);
    ck_assert_ptr_nonnull(strstr(json_str(p, "recommendation"), "NumPy"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "cpu_loop.py:6-7"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(cpu_loop_15_uses_the_source_on_disk)
{
    char *dir = fixture_dir("scalene-1.5.16/cpu_loop");
    harness_add_scalene(h, "scalene-1.5.16/cpu_loop/profile.json", dir, "loop15");
    free(dir);
    cJSON *r = bottlenecks("{\"profile_id\":\"loop15\"}");
    const cJSON *p = cJSON_GetArrayItem(problems(r), 0);
    /* 1.5.16 records only line 7; the file on disk shows its loop */
    ck_assert_str_eq(json_str(p, "rule"), "python_numeric_loop");
    ck_assert_int_eq((int)json_num(p, "line"), 7);
    ck_assert_int_eq((int)json_num(p, "first_line"), 7);
    ck_assert_ptr_nonnull(strstr(json_str(p, "evidence"), "loop at line 6"));
    ck_assert_ptr_null(strstr(harness_text(r), "Loop context was unknown"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(cpu_loop_15_without_source_says_so)
{
    harness_add_scalene(h, "scalene-1.5.16/cpu_loop/profile.json", "/nonexistent/dir", "blind");
    cJSON *r = bottlenecks("{\"profile_id\":\"blind\"}");
    const cJSON *p = cJSON_GetArrayItem(problems(r), 0);
    /* no loop header recorded, no file: a loop rule cannot be claimed */
    ck_assert_str_eq(json_str(p, "rule"), "python_time");
    ck_assert_ptr_nonnull(strstr(harness_text(r), "Loop context was unknown"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(memory_alloc_both_versions)
{
    char *dir = fixture_dir("scalene-1.5.16/memory_alloc");
    harness_add_scalene(h, "scalene-1.5.16/memory_alloc/profile.json", dir, "mem15");
    free(dir);
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/profile.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "mem23");
    const char *ids[] = {"mem15", "mem23"};
    for (int i = 0; i < 2; i++) {
        char args[128];
        snprintf(args, sizeof args, "{\"profile_id\":\"%s\"}", ids[i]);
        cJSON *r = bottlenecks(args);
        /* the 300 MB bytearray: a large allocation, not a loop problem */
        const cJSON *p = problem_at(r, 9);
        ck_assert_ptr_nonnull(p);
        ck_assert_str_eq(json_str(p, "rule"), "large_allocation");
        ck_assert(json_num(p, "peak_mb") > 290);
        ck_assert_str_eq(json_str(p, "severity"), "high");
        ck_assert(!has_rule(p, "alloc_in_loop"));
        /* `s += x` in the for loop over a list of ints */
        p = problem_at(r, 17);
        ck_assert_ptr_nonnull(p);
        ck_assert_str_eq(json_str(p, "rule"), "python_numeric_loop");
        ck_assert_str_eq(json_str(p, "function"), "main");
        ck_assert(!rule_anywhere(r, "str_concat_in_loop"));
        cJSON_Delete(r);
    }
}
END_TEST

START_TEST(leaky_cache_allocation_and_sleep)
{
    harness_add_scalene(h, "scalene-2.3.0/leaky_cache/profile.json",
                        "/home/dev/scalene-2.3.0-samples/leaky_cache", "leak23");
    cJSON *r = bottlenecks("{\"profile_id\":\"leak23\"}");
    const cJSON *p = problem_at(r, 9);
    ck_assert_str_eq(json_str(p, "rule"), "allocation_churn");
    /* its system time is page faults, not I/O */
    ck_assert_ptr_nonnull(strstr(json_str(p, "evidence"), "fresh pages"));
    ck_assert(!has_rule(p, "system_time"));
    p = problem_at(r, 17);
    ck_assert_str_eq(json_str(p, "rule"), "sleeping");
    /* Python 3.11 charged main()'s def line with loop time: merged, said */
    ck_assert_ptr_nonnull(strstr(json_str(p, "evidence"), "def line"));
    ck_assert_ptr_null(problem_at(r, 13));
    cJSON_Delete(r);
}
END_TEST

/* ---- synthetic: each rule fires on its code and not on a look-alike ---- */

typedef struct rule_case {
    const char *id;
    const char *init;   /* line 5 (was `total = 0`) */
    const char *body;   /* line 7 (was `total += i * i % 7`) */
    const char *metric; /* optional metric set on lines 6 and 7 */
    double value;
    const char *metric2;
    double value2;
    const char *expect; /* rule that must fire on the loop */
    const char *absent; /* rule that must not fire anywhere */
} rule_case;

static const rule_case cases[] = {
    {"concat", "    s = \"\"", "        s += str(i) + \",\"", NULL, 0, NULL, 0,
     "str_concat_in_loop", NULL},
    {"concat_int", "    s = 0", "        s += i * 3 + 1", NULL, 0, NULL, 0, "python_numeric_loop",
     "str_concat_in_loop"},
    {"concat_unknown", "    s = make()", "        s += x", NULL, 0, NULL, 0, NULL,
     "str_concat_in_loop"},
    {"regex", "    n = 0", "        if re.match(r\"[a-z]+[0-9]\", str(i)): n += 1", NULL, 0, NULL,
     0, "regex_in_loop", NULL},
    {"regex_compile", "    n = 0", "        pat = re.compile(\"[a-z]+\")", NULL, 0, NULL, 0,
     "regex_in_loop", NULL},
    {"regex_hoisted", "    pat = re.compile(r\"[a-z]+[0-9]\")",
     "        if pat.match(str(i)): n += 1", NULL, 0, NULL, 0, NULL, "regex_in_loop"},
    {"regex_variable", "    n = 0", "        if re.match(pattern, str(i)): n += 1", NULL, 0, NULL,
     0, NULL, "regex_in_loop"},
    {"io", "    f = open(path, \"a\")", "        f.write(\"%d\\n\" % i)", "n_sys_percent", 40,
     "n_cpu_percent_c", 2, "io_in_loop", NULL},
    {"io_no_wait", "    f = open(path, \"a\")", "        f.write(\"%d\\n\" % i)", NULL, 0, NULL, 0,
     NULL, "io_in_loop"},
    {"io_stringio", "    f = io.StringIO()", "        f.write(\"%d\\n\" % i)", "n_sys_percent", 40,
     "n_cpu_percent_c", 2, NULL, "io_in_loop"},
    {"alloc", "    n = 0", "        buf = bytearray(1 << 20)", "n_malloc_mb", 400, "n_mallocs", 400,
     "alloc_in_loop", NULL},
    {"alloc_small", "    n = 0", "        buf = bytearray(1 << 20)", "n_malloc_mb", 2, "n_mallocs",
     2, NULL, "alloc_in_loop"},
};

static void run_case(const rule_case *c)
{
    edit e[6];
    size_t n = 0;
    e[n++] = (edit){5, c->init, NULL, 0};
    e[n++] = (edit){7, c->body, NULL, 0};
    if (c->metric) {
        e[n++] = (edit){6, NULL, c->metric, c->value};
        e[n++] = (edit){7, NULL, c->metric, c->value};
    }
    if (c->metric2) {
        e[n++] = (edit){6, NULL, c->metric2, c->value2};
        e[n++] = (edit){7, NULL, c->metric2, c->value2};
    }
    add_edited("scalene-2.3.0/cpu_loop/profile.json", "/home/dev/scalene-2.3.0-samples/cpu_loop",
               c->id, e, n);
    char args[128];
    snprintf(args, sizeof args, "{\"profile_id\":\"%s\"}", c->id);
    cJSON *r = bottlenecks(args);
    const cJSON *p = problem_at(r, 7);
    ck_assert_msg(p != NULL, "%s: no problem at line 7", c->id);
    if (c->expect)
        ck_assert_msg(!strcmp(json_str(p, "rule"), c->expect), "%s: rule %s, expected %s", c->id,
                      json_str(p, "rule"), c->expect);
    if (c->absent)
        ck_assert_msg(!rule_anywhere(r, c->absent), "%s: %s fired:\n%s", c->id, c->absent,
                      harness_text(r));
    cJSON_Delete(r);
}

START_TEST(synthetic_rules_fire_and_stay_quiet)
{
    /* Synthetic: scalene-2.3.0/cpu_loop with lines 5 and 7 rewritten (and
     * some numbers changed) so that one real profile shape carries each
     * rule's code and its look-alike. */
    run_case(&cases[_i]);
}
END_TEST

START_TEST(synthetic_alloc_outside_loop_is_not_a_loop_problem)
{
    /* Synthetic: scalene-2.3.0/memory_alloc with the big bytearray given to
     * a plain assignment outside any loop. */
    edit e[] = {{9, "    buf = bytearray(300 * 1024 * 1024)", NULL, 0}};
    add_edited("scalene-2.3.0/memory_alloc/profile.json",
               "/home/dev/scalene-2.3.0-samples/memory_alloc", "outside", e, 1);
    cJSON *r = bottlenecks("{\"profile_id\":\"outside\"}");
    const cJSON *p = problem_at(r, 9);
    ck_assert_str_eq(json_str(p, "rule"), "large_allocation");
    ck_assert(!rule_anywhere(r, "alloc_in_loop"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(synthetic_gpu_profile)
{
    /* Synthetic: scalene-2.3.0/memory_alloc with GPU data added (no GPU ran):
     * gpu=true and a line that keeps the GPU busy with 3 GB of its memory. */
    char path[1024];
    snprintf(path, sizeof path, "%s/scalene-2.3.0/memory_alloc/profile.json", fixtures());
    cJSON *doc = load_json(path);
    cJSON_ReplaceItemInObject(doc, "gpu", cJSON_CreateTrue());
    cJSON_ReplaceItemInObject(doc, "gpu_device", cJSON_CreateString("GPU"));
    cJSON *file = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0);
    cJSON *line;
    cJSON_ArrayForEach(line, cJSON_GetObjectItem(file, "lines"))
    {
        if (cJSON_GetObjectItem(line, "lineno")->valueint != 18)
            continue;
        cJSON_ReplaceItemInObject(line, "n_gpu_percent", cJSON_CreateNumber(85));
        cJSON_ReplaceItemInObject(line, "n_gpu_avg_memory_mb", cJSON_CreateNumber(2500));
        cJSON_ReplaceItemInObject(line, "n_gpu_peak_memory_mb", cJSON_CreateNumber(3072));
    }
    char out[256];
    snprintf(out, sizeof out, "/tmp/smcp-bn-%d-gpu.json", (int)getpid());
    char *txt = cJSON_PrintUnformatted(doc);
    FILE *f = fopen(out, "wb");
    fputs(txt, f);
    fclose(f);
    free(txt);
    cJSON_Delete(doc);
    harness_add_scalene(h, out, "/home/dev/scalene-2.3.0-samples/memory_alloc", "gpu");
    unlink(out);
    cJSON *r = bottlenecks("{\"profile_id\":\"gpu\"}");
    const cJSON *p = problem_at(r, 18);
    ck_assert_ptr_nonnull(p);
    ck_assert(has_rule(p, "gpu_heavy"));
    ck_assert_str_eq(json_str(p, "severity"), "medium"); /* 3 GB of GPU memory */
    ck_assert(json_num(p, "gpu_percent") > 80);
    cJSON_Delete(r);
    /* the same line without GPU data is no problem at all */
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/profile.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "nogpu");
    r = bottlenecks("{\"profile_id\":\"nogpu\"}");
    ck_assert_ptr_null(problem_at(r, 18));
    cJSON_Delete(r);
}
END_TEST

/* ---- parameters and errors ---- */

START_TEST(bounded_by_top_n_and_max_bytes)
{
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/profile.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "mem23");
    cJSON *r = bottlenecks("{\"profile_id\":\"mem23\",\"top_n\":1}");
    const cJSON *sc = harness_structured(r);
    ck_assert_int_eq(cJSON_GetArraySize(problems(r)), 1);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(sc, "truncated")));
    ck_assert_int_gt((int)json_num(sc, "total_problems"), 1);
    ck_assert_ptr_nonnull(strstr(harness_text(r), "raise top_n"));
    cJSON_Delete(r);
    r = bottlenecks("{\"profile_id\":\"mem23\",\"max_bytes\":500}");
    ck_assert_int_eq(cJSON_GetArraySize(problems(r)), 1);
    ck_assert_ptr_nonnull(strstr(harness_text(r), "max_bytes"));
    cJSON_Delete(r);
    /* the default fits about 1,500 tokens */
    r = bottlenecks("{\"profile_id\":\"mem23\"}");
    ck_assert_int_lt((int)strlen(harness_text(r)), 6000);
    cJSON_Delete(r);
}
END_TEST

START_TEST(min_severity_and_file_filter)
{
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/profile.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "mem23");
    cJSON *r = bottlenecks("{\"profile_id\":\"mem23\",\"min_severity\":\"critical\"}");
    const cJSON *p;
    ck_assert_int_ge(cJSON_GetArraySize(problems(r)), 1);
    cJSON_ArrayForEach(p, problems(r))
    {
        ck_assert_str_eq(json_str(p, "severity"), "critical");
    }
    cJSON_Delete(r);
    harness_add_scalene(h, "scalene-2.3.0/two_file/profile.json",
                        "/home/dev/scalene-2.3.0-samples/two_file", "two23");
    r = bottlenecks("{\"profile_id\":\"two23\",\"file\":\"helper.py\"}");
    ck_assert_int_ge(cJSON_GetArraySize(problems(r)), 1);
    cJSON_ArrayForEach(p, problems(r))
    {
        ck_assert_str_eq(json_str(p, "file"), "helper.py");
    }
    cJSON_Delete(r);
}
END_TEST

START_TEST(errors_have_hints)
{
    harness_add_scalene(h, "scalene-2.3.0/cpu_loop/profile.json",
                        "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23");
    cJSON *r = harness_call(h, "get_bottlenecks", "{\"profile_id\":\"nope\"}");
    ck_assert(harness_is_error(r));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "no profile with id 'nope'"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "list_profiles"));
    cJSON_Delete(r);
    r = harness_call(h, "get_bottlenecks", "{\"profile_id\":\"loop23\",\"file\":\"zz.py\"}");
    ck_assert(harness_is_error(r));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "is not in profile"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "cpu_loop.py"));
    cJSON_Delete(r);
    r = harness_call(h, "get_bottlenecks", "{\"profile_id\":\"loop23\",\"top_n\":0}");
    ck_assert(harness_is_error(r));
    cJSON_Delete(r);
    r = harness_call(h, "get_bottlenecks", "{\"profile_id\":\"loop23\",\"min_severity\":\"x\"}");
    ck_assert(harness_is_error(r));
    cJSON_Delete(r);
}
END_TEST

START_TEST(section_in_analyze_profile)
{
    harness_add_scalene(h, "scalene-2.3.0/cpu_loop/profile.json",
                        "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23");
    cJSON *r = harness_call(h, "analyze_profile", "{\"profile_id\":\"loop23\",\"focus\":\"cpu\"}");
    ck_assert(!harness_is_error(r));
    const cJSON *sec =
        cJSON_GetObjectItem(cJSON_GetObjectItem(harness_structured(r), "sections"), "bottlenecks");
    ck_assert_ptr_nonnull(sec);
    ck_assert_ptr_nonnull(strstr(json_str(sec, "text"), "Python loop over numeric data"));
    const cJSON *rec =
        cJSON_GetArrayItem(cJSON_GetObjectItem(harness_structured(r), "recommendations"), 0);
    ck_assert_str_eq(json_str(rec, "section"), "bottlenecks");
    ck_assert_str_eq(json_str(rec, "severity"), "critical");
    ck_assert_int_eq((int)json_num(rec, "line"), 7);
    cJSON_Delete(r);
    /* focus leaks has no bottlenecks section */
    r = harness_call(h, "analyze_profile", "{\"profile_id\":\"loop23\",\"focus\":\"leaks\"}");
    ck_assert_ptr_null(
        cJSON_GetObjectItem(cJSON_GetObjectItem(harness_structured(r), "sections"), "bottlenecks"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(tool_is_read_only_and_idempotent)
{
    const tool *t = tools_find(harness_server(h), "get_bottlenecks");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->annotations, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT);
    ck_assert_ptr_nonnull(t->output_schema);
    /* closed: every object in the schema fixes its members */
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(t->output_schema, "additionalProperties")));
}
END_TEST

/* ---- the text classifiers ---- */

START_TEST(classifiers)
{
    char name[64], code[256];
    const char *rhs;
    pysrc_code("    s += \"abc\"  # note", code, sizeof code, NULL);
    ck_assert_str_eq(code, "s += \"\"");
    ck_assert(bn_concat_target("s += str(i)", name, sizeof name, &rhs));
    ck_assert_str_eq(name, "s");
    ck_assert_int_eq(bn_expr_is_string(rhs), 1);
    ck_assert(bn_concat_target("self.out = self.out + \"\"", name, sizeof name, &rhs));
    ck_assert_str_eq(name, "self.out");
    ck_assert(bn_concat_target("s += 1", name, sizeof name, &rhs));
    ck_assert_int_eq(bn_expr_is_string(rhs), 0);
    ck_assert(!bn_concat_target("s == t + 1", name, sizeof name, &rhs));
    /* a str subscript key is not a string operand */
    ck_assert_int_eq(bn_expr_is_string("row[\"\"]"), -1);
    ck_assert_int_eq(bn_expr_is_string("\"\".join(parts)"), 1);
    ck_assert_str_eq(bn_regex_literal_call("m = re.match(r\"\", s)"), "re.match(");
    ck_assert_ptr_null(bn_regex_literal_call("m = PAT.match(s)"));
    ck_assert_ptr_null(bn_regex_literal_call("m = re.match(pat, s)"));
    ck_assert_ptr_null(bn_regex_literal_call("m = are.match(\"\", s)"));
    ck_assert_str_eq(bn_io_call("print(x)"), "print(");
    ck_assert_ptr_null(bn_io_call("reprint(x)"));
    ck_assert_ptr_nonnull(bn_alloc_call("doubled = [x * 2 for x in data]"));
    ck_assert_ptr_nonnull(bn_alloc_call("row = [0] * n"));
    ck_assert_ptr_null(bn_alloc_call("total += x"));
    ck_assert(bn_is_numeric("total += i * i % 7", 0));
    ck_assert(!bn_is_numeric("s += str(i)", 0));
    ck_assert(!bn_is_numeric("print(i)", 0));
    ck_assert(!bn_is_numeric("total += float(np.dot(a, a))", 0));
    char norm[128];
    pysrc_normalize("    x  =  f( a,   \"a  b\" )   # c", norm, sizeof norm);
    ck_assert_str_eq(norm, "x = f( a, \"a  b\" )");

    pysrc s;
    ck_assert_int_eq(pysrc_from_text(&s, "import io\n"
                                         "def f(n):\n"
                                         "    buf = io.StringIO()\n"
                                         "    text = \"\"\n"
                                         "    for i in range(n):\n"
                                         "        x = (1 +\n"
                                         "             2)\n"
                                         "        buf.write(str(i))\n"
                                         "        out.write(str(i))\n"
                                         "    return text\n"),
                     MCP_OK);
    pysrc_ctx ctx;
    pysrc_context(&s, 8, &ctx);
    ck_assert(ctx.known);
    ck_assert_int_eq(ctx.inner_loop, 5);
    ck_assert_int_eq(ctx.func_def, 2);
    ck_assert_int_eq(ctx.func_end, 10);
    pysrc_context(&s, 7, &ctx); /* a continuation line */
    ck_assert_int_eq(ctx.stmt, 6);
    ck_assert_int_eq(ctx.inner_loop, 5);
    pysrc_context(&s, 10, &ctx);
    ck_assert_int_eq(ctx.inner_loop, 0);
    uint32_t at = 0;
    ck_assert_int_eq(bn_var_init_is_string(&s, "text", 3, 8, &at), 1);
    ck_assert_int_eq(at, 4);
    ck_assert_ptr_null(bn_io_call_in("buf.write(str(i))", &s, 3, 8));
    ck_assert_str_eq(bn_io_call_in("out.write(str(i))", &s, 3, 9), ".write(");
    pysrc_free(&s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bottlenecks");
    TCase *tc = tcase_create("fixtures");
    tcase_add_checked_fixture(tc, setup, harness_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cpu_loop_23_reports_the_loop_region);
    tcase_add_test(tc, cpu_loop_15_uses_the_source_on_disk);
    tcase_add_test(tc, cpu_loop_15_without_source_says_so);
    tcase_add_test(tc, memory_alloc_both_versions);
    tcase_add_test(tc, leaky_cache_allocation_and_sleep);
    tcase_add_loop_test(tc, synthetic_rules_fire_and_stay_quiet, 0,
                        (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, synthetic_alloc_outside_loop_is_not_a_loop_problem);
    tcase_add_test(tc, synthetic_gpu_profile);
    tcase_add_test(tc, bounded_by_top_n_and_max_bytes);
    tcase_add_test(tc, min_severity_and_file_filter);
    tcase_add_test(tc, errors_have_hints);
    tcase_add_test(tc, section_in_analyze_profile);
    tcase_add_test(tc, tool_is_read_only_and_idempotent);
    suite_add_tcase(s, tc);
    TCase *tt = tcase_create("text");
    tcase_add_test(tt, classifiers);
    suite_add_tcase(s, tt);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
