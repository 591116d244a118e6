/* test_leaks.c - get_memory_leaks and its analyze_profile section on real
 * Scalene fixtures (1.5.16 and 2.3.0) through the in-process host, plus
 * synthetic profiles: copies of real fixtures with a leak-map entry or a
 * line's source text edited (each such test says so). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer_test_util.h"
#include "host_harness.h"
#include "tools.h"

static const char *ini = "[server]\nlog_level = error\n[storage]\nbackend = memory\n"
                         "[plugin.memory]\n[plugin.leaks]\n";

static void setup(void)
{
    h = harness_new(ini);
}

static cJSON *first_file(cJSON *doc)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0);
}

static cJSON *line_obj(cJSON *file, int lineno)
{
    cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(file, "lines"))
    {
        if (cJSON_GetObjectItem(l, "lineno")->valueint == lineno)
            return l;
    }
    return NULL;
}

static cJSON *leaks(const char *args)
{
    cJSON *r = harness_call(h, "get_memory_leaks", args);
    ck_assert_msg(!cJSON_GetObjectItem(r, "error"), "JSON-RPC error for %s", args);
    ck_assert_msg(!harness_is_error(r), "%s: %s", args, harness_text(r));
    return r;
}

static const cJSON *leak_at(const cJSON *r, int line)
{
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(harness_structured(r), "leaks"))
    {
        if ((int)json_num(l, "line") == line)
            return l;
    }
    return NULL;
}

/* ---- real fixtures ---- */

START_TEST(leaky_cache_line_9_high_confidence)
{
    char dir15[1024];
    snprintf(dir15, sizeof dir15, "%s/scalene-1.5.16/leaky_cache", fixtures());
    harness_add_scalene(h, "scalene-1.5.16/leaky_cache/profile.json", dir15, "leak15");
    harness_add_scalene(h, "scalene-2.3.0/leaky_cache/profile.json",
                        "/home/dev/scalene-2.3.0-samples/leaky_cache", "leak23");
    const char *ids[] = {"leak15", "leak23"};
    for (int i = 0; i < 2; i++) {
        char args[128];
        snprintf(args, sizeof args, "{\"profile_id\":\"%s\"}", ids[i]);
        cJSON *r = leaks(args);
        const cJSON *sc = harness_structured(r);
        ck_assert_str_eq(json_str(sc, "verdict"), "leak");
        const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItem(sc, "leaks"), 0);
        ck_assert_int_eq((int)json_num(l, "line"), 9);
        ck_assert_str_eq(json_str(l, "confidence"), "high");
        ck_assert_str_eq(json_str(l, "function"), "handle");
        ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(l, "in_scalene_map")));
        ck_assert(json_num(l, "likelihood") >= 0.95);
        ck_assert(json_num(l, "velocity_mb_s") > 0);
        ck_assert(json_num(l, "retained_ratio") >= 0.5);
        ck_assert(json_num(l, "growth_slope_mb_s") > 100);
        ck_assert(json_num(l, "monotonic_fraction") >= 0.8);
        ck_assert_ptr_nonnull(strstr(json_str(l, "reason"), "_cache[...]"));
        ck_assert_ptr_nonnull(strstr(json_str(l, "recommendation"), "evict"));
        const cJSON *fp = cJSON_GetObjectItem(sc, "footprint");
        ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(fp, "returned_to_baseline")));
        ck_assert(json_num(fp, "growth_rate") > 90);
        ck_assert(json_num(fp, "slope_mb_s") > 100);
        ck_assert_ptr_nonnull(strstr(harness_text(r), "1 likely leak"));
        cJSON_Delete(r);
    }
}
END_TEST

START_TEST(memory_alloc_transient_is_not_a_leak)
{
    char dir15[1024];
    snprintf(dir15, sizeof dir15, "%s/scalene-1.5.16/memory_alloc", fixtures());
    harness_add_scalene(h, "scalene-1.5.16/memory_alloc/profile.json", dir15, "mem15");
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/profile.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "mem23");
    const char *ids[] = {"mem15", "mem23"};
    for (int i = 0; i < 2; i++) {
        char args[128];
        snprintf(args, sizeof args, "{\"profile_id\":\"%s\"}", ids[i]);
        cJSON *r = leaks(args);
        const cJSON *sc = harness_structured(r);
        ck_assert_str_eq(json_str(sc, "verdict"), "no_leak");
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(sc, "leaks")), 0);
        ck_assert(cJSON_IsTrue(
            cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "footprint"), "returned_to_baseline")));
        ck_assert_ptr_nonnull(strstr(harness_text(r), "nothing leaked"));
        ck_assert_ptr_nonnull(strstr(harness_text(r), "gave its memory back"));
        cJSON_Delete(r);
    }
}
END_TEST

START_TEST(memory_off_says_so)
{
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/cpu_only.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "cpuonly");
    cJSON *r = leaks("{\"profile_id\":\"cpuonly\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert_str_eq(json_str(sc, "verdict"), "no_memory_data");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(sc, "memory_profiling")));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "memory profiling was off"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "memory=true"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(small_program_nothing_leaked)
{
    harness_add_scalene(h, "scalene-2.3.0/cpu_loop/profile.json",
                        "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23");
    cJSON *r = leaks("{\"profile_id\":\"loop23\"}");
    ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "no_leak");
    ck_assert_ptr_nonnull(strstr(harness_text(r), "nothing leaked"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "100 MB"));
    cJSON_Delete(r);
}
END_TEST

/* ---- synthetic ---- */

START_TEST(synthetic_map_entry_for_freed_buffer_is_dismissed)
{
    /* Synthetic: scalene-2.3.0/memory_alloc with a leak-map entry planted
     * on line 9 (the 300 MB bytearray that main() deletes), as Scalene
     * reports transient buffers (reference scalene.md section 12). */
    cJSON *doc = fixture_doc("scalene-2.3.0/memory_alloc/profile.json");
    cJSON *lk = cJSON_GetObjectItem(first_file(doc), "leaks");
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "likelihood", 0.98);
    cJSON_AddNumberToObject(e, "velocity_mb_s", 75.9);
    cJSON_AddItemToObject(lk, "9", e);
    add_doc(doc, "/home/dev/scalene-2.3.0-samples/memory_alloc", "planted");
    cJSON_Delete(doc);
    cJSON *r = leaks("{\"profile_id\":\"planted\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert_str_eq(json_str(sc, "verdict"), "no_leak");
    ck_assert_ptr_null(leak_at(r, 9));
    const cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(sc, "dismissed"), 0);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq((int)json_num(d, "line"), 9);
    ck_assert_ptr_nonnull(strstr(json_str(d, "reason"), "came back"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "Not leaks"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(synthetic_local_buffer_gets_low_confidence)
{
    /* Synthetic: scalene-2.3.0/leaky_cache with line 9's source rewritten
     * to bind the buffer to a local that handle() never returns: the same
     * numbers, but the code says the buffer dies at return. */
    cJSON *doc = fixture_doc("scalene-2.3.0/leaky_cache/profile.json");
    cJSON_ReplaceItemInObject(line_obj(first_file(doc), 9), "line",
                              cJSON_CreateString("    scratch = bytearray(1024 * 1024)\n"));
    add_doc(doc, "/home/dev/scalene-2.3.0-samples/leaky_cache", "local");
    cJSON_Delete(doc);
    cJSON *r = leaks("{\"profile_id\":\"local\"}");
    const cJSON *l = leak_at(r, 9);
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(json_str(l, "confidence"), "low");
    ck_assert_ptr_nonnull(strstr(json_str(l, "reason"), "binds a local (`scratch`)"));
    /* the footprint still grew and stayed: possible, not "nothing" */
    ck_assert_str_eq(json_str(harness_structured(r), "verdict"), "possible_leak");
    cJSON_Delete(r);
    /* ... and the real text gets high confidence (control) */
    r = leaks("{\"profile_id\":\"local\",\"min_confidence\":\"high\"}");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(harness_structured(r), "leaks")), 0);
    cJSON_Delete(r);
}
END_TEST

START_TEST(synthetic_local_that_escapes_is_kept)
{
    /* Synthetic: scalene-2.3.0/leaky_cache with the buffer bound to a local
     * that the next line returns: it escapes, so no "freed at return". */
    cJSON *doc = fixture_doc("scalene-2.3.0/leaky_cache/profile.json");
    cJSON *f = first_file(doc);
    cJSON_ReplaceItemInObject(line_obj(f, 9), "line",
                              cJSON_CreateString("    buf = bytearray(1024 * 1024)\n"));
    cJSON_ReplaceItemInObject(line_obj(f, 10), "line", cJSON_CreateString("    return buf\n"));
    add_doc(doc, "/home/dev/scalene-2.3.0-samples/leaky_cache", "escapes");
    cJSON_Delete(doc);
    cJSON *r = leaks("{\"profile_id\":\"escapes\"}");
    const cJSON *l = leak_at(r, 9);
    ck_assert_ptr_nonnull(l);
    ck_assert_ptr_null(strstr(json_str(l, "reason"), "binds a local"));
    ck_assert_str_ne(json_str(l, "confidence"), "low");
    cJSON_Delete(r);
}
END_TEST

/* ---- parameters, errors, section ---- */

START_TEST(errors_and_schema)
{
    cJSON *r = harness_call(h, "get_memory_leaks", "{\"profile_id\":\"nope\"}");
    ck_assert(harness_is_error(r));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "list_profiles"));
    cJSON_Delete(r);
    r = harness_call(h, "get_memory_leaks", "{\"profile_id\":\"x\",\"min_confidence\":\"sure\"}");
    ck_assert(harness_is_error(r));
    cJSON_Delete(r);
    const tool *t = tools_find(harness_server(h), "get_memory_leaks");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->annotations, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(t->output_schema, "additionalProperties")));
}
END_TEST

START_TEST(section_in_analyze_profile)
{
    harness_add_scalene(h, "scalene-2.3.0/leaky_cache/profile.json",
                        "/home/dev/scalene-2.3.0-samples/leaky_cache", "leak23");
    cJSON *r =
        harness_call(h, "analyze_profile", "{\"profile_id\":\"leak23\",\"focus\":\"leaks\"}");
    ck_assert(!harness_is_error(r));
    const cJSON *sc = harness_structured(r);
    const cJSON *sec = cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "sections"), "leaks");
    ck_assert_ptr_nonnull(sec);
    ck_assert_ptr_nonnull(strstr(json_str(sec, "text"), "leaky_cache.py:9"));
    const cJSON *rec = cJSON_GetArrayItem(cJSON_GetObjectItem(sc, "recommendations"), 0);
    ck_assert_str_eq(json_str(rec, "section"), "leaks");
    ck_assert_str_eq(json_str(rec, "severity"), "high");
    ck_assert_int_eq((int)json_num(rec, "line"), 9);
    cJSON_Delete(r);
    /* also under focus memory, not under cpu */
    r = harness_call(h, "analyze_profile", "{\"profile_id\":\"leak23\",\"focus\":\"memory\"}");
    ck_assert_ptr_nonnull(
        cJSON_GetObjectItem(cJSON_GetObjectItem(harness_structured(r), "sections"), "leaks"));
    cJSON_Delete(r);
    r = harness_call(h, "analyze_profile", "{\"profile_id\":\"leak23\",\"focus\":\"cpu\"}");
    ck_assert_ptr_null(
        cJSON_GetObjectItem(cJSON_GetObjectItem(harness_structured(r), "sections"), "leaks"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(bounded_text)
{
    harness_add_scalene(h, "scalene-2.3.0/leaky_cache/profile.json",
                        "/home/dev/scalene-2.3.0-samples/leaky_cache", "leak23");
    cJSON *r = leaks("{\"profile_id\":\"leak23\",\"max_bytes\":500}");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(harness_structured(r), "leaks")), 1);
    ck_assert_int_lt((int)strlen(harness_text(r)), 6000);
    cJSON_Delete(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("leaks");
    TCase *tc = tcase_create("fixtures");
    tcase_add_checked_fixture(tc, setup, harness_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, leaky_cache_line_9_high_confidence);
    tcase_add_test(tc, memory_alloc_transient_is_not_a_leak);
    tcase_add_test(tc, memory_off_says_so);
    tcase_add_test(tc, small_program_nothing_leaked);
    tcase_add_test(tc, synthetic_map_entry_for_freed_buffer_is_dismissed);
    tcase_add_test(tc, synthetic_local_buffer_gets_low_confidence);
    tcase_add_test(tc, synthetic_local_that_escapes_is_kept);
    tcase_add_test(tc, errors_and_schema);
    tcase_add_test(tc, section_in_analyze_profile);
    tcase_add_test(tc, bounded_text);
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
