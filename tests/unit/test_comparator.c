/* test_comparator.c - compare_profiles on real Scalene fixtures (1.5.16 and
 * 2.3.0) through the in-process host, and on synthetic profiles: copies of a
 * real fixture with lines inserted (shifting every line number), a loop made
 * slower or a line's text changed (each such test says so). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer_test_util.h"
#include "host_harness.h"
#include "tools.h"

static const char *ini = "[server]\nlog_level = error\n[storage]\nbackend = memory\n"
                         "[plugin.memory]\n[plugin.comparator]\n";

#define MEM23 "scalene-2.3.0/memory_alloc/profile.json"
#define MEM23_CWD "/home/dev/scalene-2.3.0-samples/memory_alloc"

static void setup(void)
{
    h = harness_new(ini);
}

static void bump(cJSON *o, const char *k, int by)
{
    cJSON *v = cJSON_GetObjectItem(o, k);
    if (cJSON_IsNumber(v) && v->valueint > 1)
        cJSON_SetNumberValue(v, v->valueint + by);
}

/*
 * Synthetic edit of a real 2.x profile: inserts `shift` comment lines after
 * line 1 (every later line number, range and function start moves down),
 * makes the lines in `slow` `factor` times slower in absolute time (the
 * elapsed time grows by the added seconds; every other line keeps its
 * seconds, so its share shrinks), and optionally rewrites one line's text.
 */
static void edit_profile(cJSON *doc, int shift, double factor, const int *slow, int n_slow,
                         int text_line, const char *text)
{
    double el = json_num(doc, "elapsed_time_sec"), added = 0;
    cJSON *file;
    cJSON_ArrayForEach(file, cJSON_GetObjectItem(doc, "files"))
    {
        cJSON *l;
        cJSON_ArrayForEach(l, cJSON_GetObjectItem(file, "lines"))
        {
            int ln = cJSON_GetObjectItem(l, "lineno")->valueint;
            for (int i = 0; i < n_slow; i++)
                if (slow[i] == ln)
                    added += (factor - 1) *
                             (json_num(l, "n_cpu_percent_python") + json_num(l, "n_cpu_percent_c") +
                              json_num(l, "n_sys_percent")) /
                             100 * el;
        }
    }
    double el2 = el + added, k = el / el2;
    cJSON_ReplaceItemInObject(doc, "elapsed_time_sec", cJSON_CreateNumber(el2));
    static const char *const pct[] = {"n_cpu_percent_python", "n_cpu_percent_c", "n_sys_percent"};
    static const char *const ranges[] = {"start_region_line",    "end_region_line",
                                         "start_outermost_loop", "end_outermost_loop",
                                         "start_function_line",  "end_function_line"};
    cJSON_ArrayForEach(file, cJSON_GetObjectItem(doc, "files"))
    {
        cJSON *lines = cJSON_GetObjectItem(file, "lines");
        cJSON *l;
        cJSON *template = NULL;
        cJSON_ArrayForEach(l, lines)
        {
            int ln = cJSON_GetObjectItem(l, "lineno")->valueint;
            double m = 1;
            for (int i = 0; i < n_slow; i++)
                if (slow[i] == ln)
                    m = factor;
            for (int i = 0; i < 3; i++)
                cJSON_SetNumberValue(cJSON_GetObjectItem(l, pct[i]), json_num(l, pct[i]) * m * k);
            if (ln == text_line && text) {
                char t[256];
                snprintf(t, sizeof t, "%s\n", text);
                cJSON_ReplaceItemInObject(l, "line", cJSON_CreateString(t));
            }
            if (ln == 2)
                template = l;
            if (shift) {
                bump(l, "lineno", shift);
                for (int i = 0; i < 6; i++)
                    bump(l, ranges[i], shift);
            }
        }
        for (int i = 0; i < shift && template; i++) {
            cJSON *c = cJSON_Duplicate(template, 1);
            char t[64];
            snprintf(t, sizeof t, "# inserted line %d\n", i);
            cJSON_ReplaceItemInObject(c, "line", cJSON_CreateString(t));
            cJSON_ReplaceItemInObject(c, "lineno", cJSON_CreateNumber(2 + i));
            for (int j = 0; j < 4; j++)
                cJSON_ReplaceItemInObject(c, ranges[j], cJSON_CreateNumber(2 + i));
            cJSON_AddItemToArray(lines, c); /* the parser sorts lines */
        }
        cJSON *fn;
        cJSON_ArrayForEach(fn, cJSON_GetObjectItem(file, "functions"))
        {
            bump(fn, "lineno", shift);
        }
    }
}

static cJSON *compare(const char *args)
{
    cJSON *r = harness_call(h, "compare_profiles", args);
    ck_assert_msg(!cJSON_GetObjectItem(r, "error"), "JSON-RPC error for %s", args);
    ck_assert_msg(!harness_is_error(r), "%s: %s", args, harness_text(r));
    return r;
}

static const cJSON *list(const cJSON *r, const char *group, const char *name)
{
    const cJSON *sc = harness_structured(r);
    return group ? cJSON_GetObjectItem(cJSON_GetObjectItem(sc, group), name)
                 : cJSON_GetObjectItem(sc, name);
}

static int n_changes(const cJSON *r)
{
    return cJSON_GetArraySize(list(r, "lines", "regressions")) +
           cJSON_GetArraySize(list(r, "lines", "improvements")) +
           cJSON_GetArraySize(list(r, NULL, "new_code")) +
           cJSON_GetArraySize(list(r, NULL, "removed_code")) +
           cJSON_GetArraySize(list(r, "functions", "regressions")) +
           cJSON_GetArraySize(list(r, "functions", "improvements"));
}

static const cJSON *entry_with(const cJSON *arr, const char *source_part)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (strstr(json_str(e, "source"), source_part))
            return e;
    }
    return NULL;
}

/* ---- real fixtures ---- */

START_TEST(profile_against_itself)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/scalene-1.5.16/memory_alloc", fixtures());
    harness_add_scalene(h, "scalene-1.5.16/memory_alloc/profile.json", dir, "mem15");
    harness_add_scalene(h, MEM23, MEM23_CWD, "mem23");
    const char *ids[] = {"mem15", "mem23"};
    for (int i = 0; i < 2; i++) {
        char args[128];
        snprintf(args, sizeof args, "{\"before_id\":\"%s\",\"after_id\":\"%s\"}", ids[i], ids[i]);
        cJSON *r = compare(args);
        ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "no_significant_change");
        ck_assert_int_eq(n_changes(r), 0);
        ck_assert_int_gt((int)json_num(harness_structured(r), "matched_lines"), 5);
        ck_assert_ptr_nonnull(strstr(harness_text(r), "no significant change"));
        cJSON_Delete(r);
    }
}
END_TEST

START_TEST(cpu_loop_15_vs_23_match_by_text)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/scalene-1.5.16/cpu_loop", fixtures());
    harness_add_scalene(h, "scalene-1.5.16/cpu_loop/profile.json", dir, "loop15");
    harness_add_scalene(h, "scalene-2.3.0/cpu_loop/profile.json",
                        "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23");
    cJSON *r = compare("{\"before_id\":\"loop15\",\"after_id\":\"loop23\"}");
    const cJSON *sc = harness_structured(r);
    /* the 5 s line is found in both (else it would be new and removed) and
     * 2.x's header share went back to the body */
    ck_assert_int_eq(cJSON_GetArraySize(list(r, NULL, "new_code")), 0);
    ck_assert_int_eq(cJSON_GetArraySize(list(r, NULL, "removed_code")), 0);
    ck_assert_str_ne(json_str(sc, "verdict"), "regression");
    ck_assert_ptr_nonnull(strstr(harness_text(r), "Different Scalene versions"));
    cJSON_Delete(r);

    /* Synthetic: the 2.3.0 run made 3x slower: the matched line regresses */
    cJSON *doc = fixture_doc("scalene-2.3.0/cpu_loop/profile.json");
    int slow[] = {6, 7};
    edit_profile(doc, 0, 3.0, slow, 2, 0, NULL);
    add_doc(doc, "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23slow");
    cJSON_Delete(doc);
    r = compare("{\"before_id\":\"loop15\",\"after_id\":\"loop23slow\"}");
    const cJSON *e = cJSON_GetArrayItem(list(r, "lines", "regressions"), 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(json_str(e, "source"), "total += i * i % 7");
    ck_assert_int_eq((int)json_num(e, "before_line"), 7);
    ck_assert_int_eq((int)json_num(e, "after_line"), 7);
    ck_assert_str_eq(json_str(e, "function"), "busy");
    ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "regression");
    cJSON_Delete(r);
}
END_TEST

/* ---- synthetic ---- */

START_TEST(planted_regression_with_shifted_lines)
{
    /* Synthetic: scalene-2.3.0/memory_alloc with 3 lines inserted at the top
     * (every line number moves by 3) and the `s += x` loop 4x slower. */
    harness_add_scalene(h, MEM23, MEM23_CWD, "before");
    cJSON *doc = fixture_doc(MEM23);
    int slow[] = {16, 17};
    edit_profile(doc, 3, 4.0, slow, 2, 0, NULL);
    add_doc(doc, MEM23_CWD, "after");
    cJSON_Delete(doc);
    cJSON *r = compare("{\"before_id\":\"before\",\"after_id\":\"after\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert_str_eq(json_str(sc, "verdict"), "regression");
    const cJSON *reg = list(r, "lines", "regressions");
    ck_assert_int_eq(cJSON_GetArraySize(reg), 1);
    const cJSON *e = cJSON_GetArrayItem(reg, 0);
    ck_assert_str_eq(json_str(e, "source"), "s += x");
    ck_assert_int_eq((int)json_num(e, "before_line"), 17);
    ck_assert_int_eq((int)json_num(e, "after_line"), 20);
    ck_assert(json_num(e, "change_sec") > 1.0);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(e, "matched_by_text_only")));
    /* line 5's share fell from 79% to 56%, its seconds did not: unchanged */
    ck_assert_int_eq(cJSON_GetArraySize(list(r, "lines", "improvements")), 0);
    ck_assert_ptr_null(entry_with(reg, "return [i for i"));
    ck_assert_int_eq(cJSON_GetArraySize(list(r, NULL, "new_code")), 0);
    ck_assert_int_eq(cJSON_GetArraySize(list(r, NULL, "removed_code")), 0);
    const cJSON *f = cJSON_GetArrayItem(list(r, "functions", "regressions"), 0);
    ck_assert_str_eq(json_str(f, "function"), "main");
    ck_assert_ptr_nonnull(strstr(harness_text(r), "memory_alloc.py:20 (was 17)"));
    cJSON_Delete(r);

    /* the other way round it is an improvement */
    r = compare("{\"before_id\":\"after\",\"after_id\":\"before\"}");
    ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "improvement");
    ck_assert_int_eq(cJSON_GetArraySize(list(r, "lines", "regressions")), 0);
    cJSON_Delete(r);

    /* a tolerance above the change hides it */
    r = compare("{\"before_id\":\"before\",\"after_id\":\"after\",\"tolerance\":500}");
    ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "no_significant_change");
    cJSON_Delete(r);
}
END_TEST

START_TEST(shift_alone_is_no_change)
{
    /* Synthetic: scalene-2.3.0/memory_alloc with 5 lines inserted only. */
    harness_add_scalene(h, MEM23, MEM23_CWD, "before");
    cJSON *doc = fixture_doc(MEM23);
    edit_profile(doc, 5, 1.0, NULL, 0, 0, NULL);
    add_doc(doc, MEM23_CWD, "shifted");
    cJSON_Delete(doc);
    cJSON *r = compare("{\"before_id\":\"before\",\"after_id\":\"shifted\"}");
    ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "no_significant_change");
    ck_assert_int_eq(n_changes(r), 0);
    cJSON_Delete(r);
}
END_TEST

START_TEST(changed_text_is_new_and_removed_code)
{
    /* Synthetic: scalene-2.3.0/memory_alloc with line 5 rewritten. */
    harness_add_scalene(h, MEM23, MEM23_CWD, "before");
    cJSON *doc = fixture_doc(MEM23);
    edit_profile(doc, 0, 1.0, NULL, 0, 5, "    return list(range(5_000_000))");
    add_doc(doc, MEM23_CWD, "rewritten");
    cJSON_Delete(doc);
    cJSON *r = compare("{\"before_id\":\"before\",\"after_id\":\"rewritten\"}");
    ck_assert_ptr_nonnull(entry_with(list(r, NULL, "new_code"), "list(range(5_000_000))"));
    ck_assert_ptr_nonnull(entry_with(list(r, NULL, "removed_code"), "[i for i in range"));
    const cJSON *n = cJSON_GetArrayItem(list(r, NULL, "new_code"), 0);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(n, "before_line")));
    ck_assert_int_eq((int)json_num(n, "after_line"), 5);
    /* same function, same time: the function did not change */
    ck_assert_int_eq(cJSON_GetArraySize(list(r, "functions", "regressions")), 0);
    ck_assert_int_eq(cJSON_GetArraySize(list(r, "functions", "improvements")), 0);
    cJSON_Delete(r);
}
END_TEST

START_TEST(files_match_across_working_directories)
{
    /* The same profile stored with another cwd: display paths differ
     * (absolute vs relative), base names still match. */
    harness_add_scalene(h, MEM23, MEM23_CWD, "here");
    harness_add_scalene(h, MEM23, "/elsewhere", "there");
    cJSON *r = compare("{\"before_id\":\"here\",\"after_id\":\"there\"}");
    ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "no_significant_change");
    ck_assert_int_eq(n_changes(r), 0);
    cJSON_Delete(r);
}
END_TEST

START_TEST(renamed_file_is_paired_by_its_source)
{
    /* Synthetic: scalene-2.3.0/memory_alloc stored again under another file
     * name, with 3 lines inserted and the loop 4x slower: the file is paired
     * by its source, the regression found on the shifted line. */
    harness_add_scalene(h, MEM23, MEM23_CWD, "before");
    cJSON *doc = fixture_doc(MEM23);
    int slow[] = {16, 17};
    edit_profile(doc, 3, 4.0, slow, 2, 0, NULL);
    cJSON *files = cJSON_GetObjectItem(doc, "files");
    cJSON *f = cJSON_DetachItemFromObject(files, cJSON_GetArrayItem(files, 0)->string);
    cJSON_AddItemToObject(files, MEM23_CWD "/memory_alloc_v2.py", f);
    add_doc(doc, MEM23_CWD, "renamed");
    cJSON_Delete(doc);
    cJSON *r = compare("{\"before_id\":\"before\",\"after_id\":\"renamed\"}");
    ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "regression");
    const cJSON *e = cJSON_GetArrayItem(list(r, "lines", "regressions"), 0);
    ck_assert_str_eq(json_str(e, "source"), "s += x");
    ck_assert_int_eq((int)json_num(e, "after_line"), 20);
    ck_assert_int_eq(cJSON_GetArraySize(list(r, NULL, "new_code")), 0);
    ck_assert_int_eq(cJSON_GetArraySize(list(r, NULL, "removed_code")), 0);
    ck_assert_ptr_nonnull(strstr(harness_text(r), "paired"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(errors_and_bounds)
{
    harness_add_scalene(h, MEM23, MEM23_CWD, "before");
    cJSON *r = harness_call(h, "compare_profiles", "{\"before_id\":\"before\",\"after_id\":\"x\"}");
    ck_assert(harness_is_error(r));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "no profile with id 'x'"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "list_profiles"));
    cJSON_Delete(r);
    r = harness_call(h, "compare_profiles", "{\"before_id\":\"y\",\"after_id\":\"before\"}");
    ck_assert(harness_is_error(r));
    cJSON_Delete(r);
    r = harness_call(h, "compare_profiles",
                     "{\"before_id\":\"before\",\"after_id\":\"before\",\"tolerance\":-1}");
    ck_assert(harness_is_error(r));
    cJSON_Delete(r);
    const tool *t = tools_find(harness_server(h), "compare_profiles");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->annotations, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(t->output_schema, "additionalProperties")));

    /* Synthetic: many regressions, few bytes */
    cJSON *doc = fixture_doc(MEM23);
    int slow[] = {5, 9, 16, 17};
    edit_profile(doc, 0, 3.0, slow, 4, 0, NULL);
    add_doc(doc, MEM23_CWD, "slower");
    cJSON_Delete(doc);
    r = compare("{\"before_id\":\"before\",\"after_id\":\"slower\",\"max_bytes\":900}");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(harness_structured(r), "truncated")));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "max_bytes"));
    ck_assert_int_lt((int)strlen(harness_text(r)), 900);
    cJSON_Delete(r);
    r = compare("{\"before_id\":\"before\",\"after_id\":\"slower\",\"top_n\":1}");
    ck_assert_int_eq(cJSON_GetArraySize(list(r, "lines", "regressions")), 1);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(harness_structured(r), "truncated")));
    cJSON_Delete(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("comparator");
    TCase *tc = tcase_create("fixtures");
    tcase_add_checked_fixture(tc, setup, harness_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, profile_against_itself);
    tcase_add_test(tc, cpu_loop_15_vs_23_match_by_text);
    tcase_add_test(tc, planted_regression_with_shifted_lines);
    tcase_add_test(tc, shift_alone_is_no_change);
    tcase_add_test(tc, changed_text_is_new_and_removed_code);
    tcase_add_test(tc, files_match_across_working_directories);
    tcase_add_test(tc, renamed_file_is_paired_by_its_source);
    tcase_add_test(tc, errors_and_bounds);
    suite_add_tcase(s, tc);
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
