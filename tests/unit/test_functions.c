/* test_functions.c - the functions analyzer (get_function_summary and its
 * analyze_profile section) on real Scalene 1.5.16 and 2.3.0 fixtures, plus
 * the SYNTHETIC GPU profile for module-level code (none of the real
 * fixtures spends time at module level). Every successful call is also
 * validated against the tool's outputSchema by the test-build host. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer_test_util.h"
#include "host_harness.h"

static const char *ini = "[server]\nlog_level = error\n[storage]\nbackend = memory\n"
                         "[plugin.memory]\n[plugin.functions]\n";

static void setup(void)
{
    h = harness_new(ini);
    harness_add_scalene(h, "scalene-2.3.0/cpu_loop/profile.json",
                        "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23");
    harness_add_scalene(h, "scalene-1.5.16/cpu_loop/profile.json",
                        fixture_run_dir("scalene-1.5.16", "cpu_loop"), "loop15");
    harness_add_scalene(h, "scalene-2.3.0/two_file/profile.json",
                        "/home/dev/scalene-2.3.0-samples/two_file", "two23");
    harness_add_scalene(h, "scalene-1.5.16/two_file/profile.json", "/nonexistent", "two15");
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/profile.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "mem23");
    harness_add_scalene(h, "scalene-1.5.16/threaded/profile.json",
                        fixture_run_dir("scalene-1.5.16", "threaded"), "thr15");
    harness_add_scalene(h, "scalene-1.5.16/threaded/profile.json", "/nonexistent", "thr15nodisk");
    harness_add_scalene(h, "synthetic/gpu_train/profile.json", "/home/dev/synthetic/gpu_train",
                        "syn");
}

static const cJSON *fn_named(const cJSON *sc, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, json_get(sc, "functions"))
    {
        if (!strcmp(json_str(e, "name"), name))
            return e;
    }
    ck_abort_msg("no function '%s'", name);
    return NULL;
}

static cJSON *ok_call_fs(const char *args)
{
    return ok_call("get_function_summary", args);
}

/* Scalene 2.3's record of busy() holds 50 % while its lines hold 100 %:
 * the summary uses the lines and shows the record beside them. */
START_TEST(lines_beat_undercounting_record)
{
    cJSON *r = ok_call_fs("{\"profile_id\":\"loop23\"}");
    const cJSON *sc = harness_structured(r);
    const cJSON *busy = fn_named(sc, "busy");
    ck_assert(fabs(json_num(busy, "cpu_percent") - 100.0) < 0.01);
    const cJSON *rec = json_get(busy, "recorded");
    ck_assert(fabs(json_num(rec, "cpu_percent") - 50.0) < 0.01);
    ck_assert(json_num(busy, "cpu_percent") > json_num(rec, "cpu_percent") + 40);
    ck_assert(cJSON_IsTrue(json_get(busy, "record_differs")));
    ck_assert_int_eq((int)json_num(busy, "first_line"), 4);
    ck_assert_int_eq((int)json_num(busy, "last_line"), 8);
    ck_assert_int_eq((int)json_num(busy, "hottest_line"), 6);
    ck_assert_str_eq(json_str(sc, "ranges"), "scalene");
    const char *t = harness_text(r);
    ck_assert_ptr_nonnull(strstr(t, "busy (cpu_loop.py:4-8): CPU 100.0%"));
    ck_assert_ptr_nonnull(strstr(t, "Scalene's own record: CPU 50.0% (undercounts)"));
    ck_assert_ptr_nonnull(strstr(t, "can undercount"));
    cJSON_Delete(r);
}
END_TEST

/* Same program under 1.5.16: no bounds, ranges from the record and the
 * source on disk; the record agrees and is not flagged. */
START_TEST(derived_ranges_15)
{
    cJSON *r = ok_call_fs("{\"profile_id\":\"loop15\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert_str_eq(json_str(sc, "ranges"), "derived");
    const cJSON *busy = fn_named(sc, "busy");
    ck_assert_int_eq((int)json_num(busy, "first_line"), 4);
    ck_assert_int_eq((int)json_num(busy, "last_line"), 8);
    ck_assert(json_num(busy, "cpu_percent") > 95);
    ck_assert(cJSON_IsFalse(json_get(busy, "record_differs")));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "has no function bounds"));
    cJSON_Delete(r);
    /* the thread target Scalene 1.5.16 names Thread.worker, with and without
     * the source on disk */
    const char *ids[] = {"thr15", "thr15nodisk"};
    for (int i = 0; i < 2; i++) {
        char args[64];
        snprintf(args, sizeof args, "{\"profile_id\":\"%s\"}", ids[i]);
        r = ok_call_fs(args);
        sc = harness_structured(r);
        const cJSON *w = fn_named(sc, "Thread.worker"), *m = fn_named(sc, "main");
        ck_assert(json_num(w, "cpu_percent") > 95);
        ck_assert_int_eq((int)json_num(w, "hottest_line"), 8);
        ck_assert_int_eq((int)json_num(m, "hottest_line"), 16);
        ck_assert_int_lt((int)json_num(w, "last_line"), 12); /* ends before main() */
        cJSON_Delete(r);
    }
}
END_TEST

/* Multi-file program: functions attribute to their own files. */
START_TEST(two_files)
{
    const char *ids[] = {"two23", "two15"};
    for (int v = 0; v < 2; v++) {
        char args[64];
        snprintf(args, sizeof args, "{\"profile_id\":\"%s\"}", ids[v]);
        cJSON *r = ok_call_fs(args);
        const cJSON *sc = harness_structured(r);
        const cJSON *first = cJSON_GetArrayItem(json_get(sc, "functions"), 0);
        ck_assert_str_eq(json_str(first, "name"), "crunch");
        ck_assert(ends_with(json_str(first, "file"), "helper.py"));
        ck_assert(ends_with(json_str(fn_named(sc, "build"), "file"), "helper.py"));
        ck_assert(ends_with(json_str(fn_named(sc, "local_work"), "file"), "main.py"));
        /* 1.5.16 without the source: crunch ends before build starts */
        ck_assert_int_lt((int)json_num(first, "last_line"), 11);
        cJSON_Delete(r);
    }
    cJSON *r = ok_call_fs("{\"profile_id\":\"two23\",\"file\":\"main.py\"}");
    const cJSON *e;
    cJSON_ArrayForEach(e, json_get(harness_structured(r), "functions"))
        ck_assert_str_eq(json_str(e, "file"), "main.py");
    cJSON_Delete(r);
}
END_TEST

START_TEST(sorting)
{
    cJSON *r = ok_call_fs("{\"profile_id\":\"mem23\",\"sort_by\":\"memory\"}");
    const cJSON *arr = json_get(harness_structured(r), "functions");
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(arr, 0), "name"), "make_bytes");
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(arr, 1), "name"), "make_list");
    /* main's lines allocated 15 MB; its record says 0 */
    const cJSON *m = fn_named(harness_structured(r), "main");
    ck_assert(json_num(m, "alloc_mb") > 10);
    ck_assert(json_num(json_get(m, "recorded"), "alloc_mb") < 1);
    cJSON_Delete(r);
    r = ok_call_fs("{\"profile_id\":\"mem23\"}");
    arr = json_get(harness_structured(r), "functions");
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(arr, 0), "name"), "make_list"); /* 79 % CPU */
    cJSON_Delete(r);
    r = ok_call_fs("{\"profile_id\":\"mem23\",\"sort_by\":\"name\"}");
    arr = json_get(harness_structured(r), "functions");
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(arr, 0), "name"), "main");
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(arr, 1), "name"), "make_bytes");
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(arr, 2), "name"), "make_list");
    cJSON_Delete(r);
    r = ok_call_fs("{\"profile_id\":\"mem23\",\"top_n\":1}");
    const cJSON *sc = harness_structured(r);
    ck_assert_int_eq((int)json_num(sc, "shown"), 1);
    ck_assert(cJSON_IsTrue(json_get(sc, "truncated")));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "more functions not shown"));
    cJSON_Delete(r);
}
END_TEST

/* Module-level code is its own entry (SYNTHETIC profile: `import torch`
 * holds 20 % of CPU at module level). */
START_TEST(module_level)
{
    cJSON *r = ok_call_fs("{\"profile_id\":\"syn\"}");
    const cJSON *mod = fn_named(harness_structured(r), "<module>");
    ck_assert(cJSON_IsTrue(json_get(mod, "module_level")));
    ck_assert(cJSON_IsNull(json_get(mod, "first_line")));
    ck_assert(fabs(json_num(mod, "cpu_percent") - 20.0) < 0.01);
    ck_assert_int_eq((int)json_num(mod, "hottest_line"), 7);
    ck_assert(cJSON_IsNull(json_get(mod, "recorded")));
    cJSON_Delete(r);
}
END_TEST

START_TEST(errors)
{
    const char *bad[][2] = {
        {"{\"profile_id\":\"nope\"}", "no profile with id"},
        {"{\"profile_id\":\"loop23\",\"sort_by\":\"speed\"}", "sort_by"},
        {"{\"profile_id\":\"loop23\",\"top_n\":1000}", "top_n"},
        {"{\"profile_id\":\"loop23\",\"file\":\"other.py\"}", "is not in profile"},
        {"{\"profile_id\":\"loop23\",\"extra\":true}", "extra"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *r = harness_call(h, "get_function_summary", bad[i][0]);
        ck_assert_msg(harness_is_error(r), "%s should fail", bad[i][0]);
        ck_assert_msg(strstr(harness_text(r), bad[i][1]) != NULL, "%s: %s", bad[i][0],
                      harness_text(r));
        cJSON_Delete(r);
    }
}
END_TEST

START_TEST(section)
{
    cJSON *r = harness_call(h, "analyze_profile", "{\"profile_id\":\"loop23\",\"focus\":\"cpu\"}");
    ck_assert(!harness_is_error(r));
    const cJSON *sec = json_get(json_get(harness_structured(r), "sections"), "functions");
    ck_assert_ptr_nonnull(strstr(json_str(sec, "text"), "busy"));
    ck_assert_ptr_nonnull(strstr(json_str(sec, "text"), "undercounts"));
    cJSON_Delete(r);
    r = harness_call(h, "analyze_profile", "{\"profile_id\":\"loop23\",\"focus\":\"gpu\"}");
    ck_assert_ptr_null(
        cJSON_GetObjectItemCaseSensitive(json_get(harness_structured(r), "sections"), "functions"));
    cJSON_Delete(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("functions");
    TCase *tc = tcase_create("fixtures");
    tcase_add_checked_fixture(tc, setup, harness_teardown);
    tcase_add_test(tc, lines_beat_undercounting_record);
    tcase_add_test(tc, derived_ranges_15);
    tcase_add_test(tc, two_files);
    tcase_add_test(tc, sorting);
    tcase_add_test(tc, module_level);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, section);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
