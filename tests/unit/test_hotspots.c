/* test_hotspots.c - the hotspots analyzer (get_cpu_hotspots,
 * get_memory_hotspots, get_call_paths and its analyze_profile sections) on
 * real Scalene 1.5.16 and 2.3.0 fixtures, through the in-process host. In
 * test builds the host validates every result against the tool's
 * outputSchema, so each successful call here also checks the schema. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer_test_util.h"
#include "host_harness.h"

static const char *ini = "[server]\nlog_level = error\n[storage]\nbackend = memory\n"
                         "[plugin.memory]\n[plugin.hotspots]\n";

/* The run directory of a fixture: 1.5.16 profiles name the main script
 * relative to it, so the analyzer can read the source from disk. */

static void setup(void)
{
    h = harness_new(ini);
    /* 2.3.0 recorded absolute paths under this directory */
    harness_add_scalene(h, "scalene-2.3.0/cpu_loop/profile.json",
                        "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23");
    harness_add_scalene(h, "scalene-1.5.16/cpu_loop/profile.json",
                        fixture_run_dir("scalene-1.5.16", "cpu_loop"), "loop15");
    harness_add_scalene(h, "scalene-1.5.16/cpu_loop/profile.json", "/nonexistent/run/dir",
                        "loop15nodisk");
    harness_add_scalene(h, "scalene-2.3.0/two_file/profile.json",
                        "/home/dev/scalene-2.3.0-samples/two_file", "two23");
    harness_add_scalene(h, "scalene-1.5.16/two_file/profile.json",
                        fixture_run_dir("scalene-1.5.16", "two_file"), "two15");
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/profile.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "mem23");
    harness_add_scalene(h, "scalene-1.5.16/memory_alloc/profile.json",
                        fixture_run_dir("scalene-1.5.16", "memory_alloc"), "mem15");
    harness_add_scalene(h, "scalene-2.3.0/memory_alloc/cpu_only.json",
                        "/home/dev/scalene-2.3.0-samples/memory_alloc", "cpuonly23");
    harness_add_scalene(h, "scalene-2.3.0/leaky_cache/profile.json",
                        "/home/dev/scalene-2.3.0-samples/leaky_cache", "leak23");
}

/* ---- helpers over structuredContent ---- */

static const cJSON *item(const cJSON *o, const char *arr, int i)
{
    const cJSON *a = json_get(o, arr);
    ck_assert_msg(cJSON_GetArraySize(a) > i, "'%s' has %d items, wanted #%d", arr,
                  cJSON_GetArraySize(a), i);
    return cJSON_GetArrayItem(a, i);
}

/* ---- get_cpu_hotspots ---- */

/* Scalene 2.3 spreads the loop's samples over header and body (50/50): the
 * loop region is the one hotspot, not whichever line sorts first. */
START_TEST(cpu_loop_2x_tie_is_one_region)
{
    cJSON *r = ok_call("get_cpu_hotspots", "{\"profile_id\":\"loop23\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert_int_eq((int)json_num(sc, "total"), 1);
    const cJSON *top = item(sc, "hotspots", 0);
    ck_assert_str_eq(json_str(top, "kind"), "loop_region");
    ck_assert_int_eq((int)json_num(top, "line"), 6);
    ck_assert_int_eq((int)json_num(top, "last_line"), 7);
    ck_assert_int_eq(cJSON_GetArraySize(json_get(top, "lines")), 2);
    ck_assert(fabs(json_num(top, "cpu_percent") - 100.0) < 0.01);
    ck_assert(fabs(json_num(top, "per_line_percent") - 50.0) < 0.01);
    ck_assert_str_eq(json_str(top, "function"), "busy");
    ck_assert_int_eq((int)json_num(top, "function_start"), 4);
    ck_assert_int_eq((int)json_num(top, "function_end"), 8);
    ck_assert_int_eq((int)json_num(top, "loop_start"), 6);
    ck_assert_str_eq(json_str(top, "severity"), "critical");
    ck_assert_str_eq(json_str(top, "file"), "cpu_loop.py");
    ck_assert(json_num(top, "core_utilization") > 0);
    const char *t = harness_text(r);
    ck_assert_ptr_nonnull(strstr(t, "cpu_loop.py:6-7 in busy: 100.0% CPU [critical]"));
    ck_assert_ptr_nonnull(strstr(t, "total += i * i % 7"));
    /* never the header alone ranked as the hotspot */
    ck_assert_ptr_null(strstr(t, "cpu_loop.py:6 "));
    cJSON_Delete(r);
}
END_TEST

/* 1.5.16 put the samples on the body line; no bounds in the profile, so the
 * loop and function come from the source on disk. */
START_TEST(cpu_loop_15_body_line_first_with_disk_context)
{
    cJSON *r = ok_call("get_cpu_hotspots", "{\"profile_id\":\"loop15\",\"context_lines\":2}");
    const cJSON *sc = harness_structured(r);
    const cJSON *top = item(sc, "hotspots", 0);
    ck_assert_str_eq(json_str(top, "kind"), "line");
    ck_assert_int_eq((int)json_num(top, "line"), 7);
    ck_assert(json_num(top, "cpu_percent") > 95);
    ck_assert_str_eq(json_str(top, "function"), "busy");
    ck_assert_int_eq((int)json_num(top, "loop_start"), 6);
    ck_assert_int_eq((int)json_num(top, "loop_end"), 7);
    ck_assert(cJSON_IsNull(json_get(top, "core_utilization"))); /* 1.5.16 has none */
    ck_assert_str_eq(json_str(top, "context_source"), "disk");
    const cJSON *ctx = json_get(top, "context");
    ck_assert_int_eq(cJSON_GetArraySize(ctx), 5); /* lines 5..9 */
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(ctx, 1), "source"), "    for i in range(n):");
    ck_assert(cJSON_IsTrue(json_get(cJSON_GetArrayItem(ctx, 2), "hot")));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "> 7 |     total += i * i % 7"));
    cJSON_Delete(r);
}
END_TEST

/* The source is gone: context falls back to the profile's lines, no error. */
START_TEST(cpu_context_without_source_on_disk)
{
    cJSON *r = ok_call("get_cpu_hotspots", "{\"profile_id\":\"loop15nodisk\",\"context_lines\":3}");
    const cJSON *top = item(harness_structured(r), "hotspots", 0);
    ck_assert_int_eq((int)json_num(top, "line"), 7);
    ck_assert_str_eq(json_str(top, "context_source"), "partial");
    ck_assert_int_eq(cJSON_GetArraySize(json_get(top, "context")), 1);
    ck_assert(cJSON_IsNull(json_get(top, "loop_start")));
    ck_assert_str_eq(json_str(top, "function"), "busy"); /* from Scalene's record */
    cJSON_Delete(r);
}
END_TEST

/* Multi-file program: hotspots land in the right files and functions. */
START_TEST(cpu_two_files_attribution)
{
    const char *ids[] = {"two23", "two15"};
    for (int v = 0; v < 2; v++) {
        char args[128];
        snprintf(args, sizeof args, "{\"profile_id\":\"%s\"}", ids[v]);
        cJSON *r = ok_call("get_cpu_hotspots", args);
        const cJSON *sc = harness_structured(r);
        const cJSON *a = item(sc, "hotspots", 0), *b = item(sc, "hotspots", 1),
                    *c = item(sc, "hotspots", 2);
        ck_assert(ends_with(json_str(a, "file"), "helper.py"));
        ck_assert_str_eq(json_str(a, "function"), "crunch");
        ck_assert_int_eq((int)json_num(a, "last_line"), 7);
        ck_assert_str_eq(json_str(a, "kind"), v == 0 ? "loop_region" : "line");
        ck_assert(ends_with(json_str(b, "file"), "helper.py"));
        ck_assert_str_eq(json_str(b, "function"), "build");
        ck_assert_int_eq((int)json_num(b, "line"), 12);
        ck_assert(ends_with(json_str(c, "file"), "main.py"));
        ck_assert_str_eq(json_str(c, "function"), "local_work");
        ck_assert(json_num(a, "cpu_percent") > json_num(b, "cpu_percent"));
        cJSON_Delete(r);
    }
}
END_TEST

START_TEST(cpu_file_filter)
{
    cJSON *r = ok_call("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"file\":\"main.py\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert_str_eq(json_str(sc, "file_filter"), "main.py");
    const cJSON *e;
    cJSON_ArrayForEach(e, json_get(sc, "hotspots"))
        ck_assert_str_eq(json_str(e, "file"), "main.py");
    ck_assert_int_eq((int)json_num(item(sc, "hotspots", 0), "line"), 6);
    cJSON_Delete(r);
}
END_TEST

START_TEST(cpu_limits_and_notes)
{
    cJSON *r = ok_call("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"top_n\":1}");
    const cJSON *sc = harness_structured(r);
    ck_assert_int_eq((int)json_num(sc, "shown"), 1);
    ck_assert_int_eq((int)json_num(sc, "total"), 3);
    ck_assert(cJSON_IsTrue(json_get(sc, "truncated")));
    ck_assert_ptr_nonnull(strstr(json_str(sc, "note"), "top_n"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "2 more hotspots not shown"));
    cJSON_Delete(r);
    /* min_percent leaves out the small ones */
    r = ok_call("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"min_percent\":30}");
    ck_assert_int_eq((int)json_num(harness_structured(r), "total"), 2);
    cJSON_Delete(r);
    /* max_bytes is a hard bound on the text, with a note */
    r = ok_call("get_cpu_hotspots",
                "{\"profile_id\":\"two23\",\"context_lines\":10,\"max_bytes\":700}");
    ck_assert_uint_le(strlen(harness_text(r)), 700);
    sc = harness_structured(r);
    ck_assert(cJSON_IsTrue(json_get(sc, "truncated")));
    ck_assert_ptr_nonnull(strstr(json_str(sc, "note"), "max_bytes"));
    cJSON_Delete(r);
    /* the default answer stays short (about 1,500 tokens at most) */
    r = ok_call("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"context_lines\":3}");
    ck_assert_uint_le(strlen(harness_text(r)), 6000);
    cJSON_Delete(r);
}
END_TEST

/* Python 3.11: a def line carrying time is explained, not just ranked. */
START_TEST(cpu_def_line_note)
{
    cJSON *r = ok_call("get_cpu_hotspots", "{\"profile_id\":\"leak23\"}");
    const cJSON *e, *found = NULL;
    cJSON_ArrayForEach(e, json_get(harness_structured(r), "hotspots"))
    {
        if ((int)json_num(e, "line") == 13)
            found = e;
    }
    ck_assert_ptr_nonnull(found);
    ck_assert_str_eq(json_str(found, "function"), "main");
    ck_assert_ptr_nonnull(strstr(json_str(found, "note"), "def line"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "note: time on a def line"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(cpu_errors)
{
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"nope\"}", "no profile with id 'nope'");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"nope\"}", "Hint: call list_profiles");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"../x\"}", "not a valid profile id");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"file\":\"absent.py\"}",
                 "is not in profile two23");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"file\":\"absent.py\"}",
                 "Hint: pass one of the profiled files");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"top_n\":0}", "top_n");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"min_percent\":101}",
                 "min_percent");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"context_lines\":-1}",
                 "context_lines");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"max_bytes\":10}", "max_bytes");
    expect_error("get_cpu_hotspots", "{\"profile_id\":\"two23\",\"bogus\":1}", "bogus");
    expect_error("get_cpu_hotspots", "{}", "profile_id");
}
END_TEST

/* ---- get_memory_hotspots ---- */

START_TEST(memory_alloc_line_first)
{
    const char *ids[] = {"mem23", "mem15"};
    const char *sorts[] = {"peak", "alloc"};
    for (int v = 0; v < 2; v++)
        for (int s = 0; s < 2; s++) {
            char args[128];
            snprintf(args, sizeof args, "{\"profile_id\":\"%s\",\"sort_by\":\"%s\"}", ids[v],
                     sorts[s]);
            cJSON *r = ok_call("get_memory_hotspots", args);
            const cJSON *sc = harness_structured(r);
            ck_assert(cJSON_IsTrue(json_get(sc, "memory_profiled")));
            const cJSON *top = item(sc, "hotspots", 0), *second = item(sc, "hotspots", 1);
            /* bytearray(300 MiB) beats the 5M-element list (about 194 MB) */
            ck_assert_int_eq((int)json_num(top, "line"), 9);
            ck_assert_str_eq(json_str(top, "function"), "make_bytes");
            ck_assert(json_num(top, "peak_mb") > 290 && json_num(top, "alloc_mb") > 290);
            ck_assert(json_num(top, "python_fraction") > 0.99);
            ck_assert_str_eq(json_str(top, "severity"), "high");
            ck_assert_int_eq((int)json_num(second, "line"), 5);
            ck_assert(json_num(top, "share") > json_num(second, "share"));
            ck_assert_ptr_nonnull(strstr(harness_text(r), "bytearray(300 * 1024 * 1024)"));
            cJSON_Delete(r);
        }
}
END_TEST

/* A cache filled 1 MiB at a time: small per-line peak, most of all MB
 * allocated. sort_by=alloc ranks it first; by peak a note points at it. */
START_TEST(memory_alloc_vs_peak)
{
    cJSON *r = ok_call("get_memory_hotspots", "{\"profile_id\":\"leak23\",\"sort_by\":\"alloc\"}");
    const cJSON *top = item(harness_structured(r), "hotspots", 0);
    ck_assert_int_eq((int)json_num(top, "line"), 9);
    ck_assert(json_num(top, "alloc_mb") > 300);
    ck_assert_str_ne(json_str(top, "severity"), "low");
    cJSON_Delete(r);
    r = ok_call("get_memory_hotspots", "{\"profile_id\":\"leak23\"}");
    ck_assert_ptr_nonnull(strstr(harness_text(r), "leaky_cache.py:9 allocated"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "sort_by=alloc"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(memory_not_profiled)
{
    cJSON *r = ok_call("get_memory_hotspots", "{\"profile_id\":\"cpuonly23\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert(cJSON_IsFalse(json_get(sc, "memory_profiled")));
    ck_assert_int_eq(cJSON_GetArraySize(json_get(sc, "hotspots")), 0);
    ck_assert_ptr_nonnull(strstr(harness_text(r), "Memory was not profiled"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "memory=true"));
    cJSON_Delete(r);
    expect_error("get_memory_hotspots", "{\"profile_id\":\"mem23\",\"sort_by\":\"size\"}",
                 "sort_by");
    expect_error("get_memory_hotspots", "{\"profile_id\":\"mem23\",\"file\":\"x.py\"}",
                 "is not in profile");
}
END_TEST

/* ---- get_call_paths ---- */

START_TEST(call_paths_into_hot_lines)
{
    cJSON *r = ok_call("get_call_paths", "{\"profile_id\":\"two23\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert(cJSON_IsTrue(json_get(sc, "stacks_available")));
    const cJSON *t = item(sc, "targets", 0);
    ck_assert(ends_with(json_str(t, "file"), "helper.py"));
    ck_assert_int_eq((int)json_num(t, "line"), 6);
    ck_assert_int_eq((int)json_num(t, "last_line"), 7);
    ck_assert_int_eq((int)json_num(t, "hotspot_rank"), 1);
    ck_assert(json_num(t, "cpu_percent") > 50);
    const cJSON *path = item(t, "paths", 0);
    const cJSON *frames = json_get(path, "frames");
    int n = cJSON_GetArraySize(frames);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(frames, 0), "function"), "<module>");
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(frames, 1), "function"), "main");
    ck_assert_int_eq((int)json_num(cJSON_GetArrayItem(frames, 1), "line"), 10);
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(frames, n - 1), "function"), "crunch");
    ck_assert_ptr_nonnull(strstr(harness_text(r), "main (main.py:10) > crunch (helper.py:7)"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(call_paths_folded_export)
{
    cJSON *r = ok_call("get_call_paths", "{\"profile_id\":\"two23\",\"format\":\"folded\"}");
    const cJSON *sc = harness_structured(r);
    const char *folded = json_str(sc, "folded");
    int lines = 0;
    for (const char *s = folded; *s;) {
        const char *nl = strchr(s, '\n');
        ck_assert_ptr_nonnull(nl);
        /* "frame;frame;... WEIGHT": a space, then only digits */
        const char *sp = s;
        for (const char *q = s; q < nl; q++)
            if (*q == ' ')
                sp = q;
        ck_assert(sp > s && sp + 1 < nl);
        for (const char *q = sp + 1; q < nl; q++)
            ck_assert(*q >= '0' && *q <= '9');
        ck_assert(memchr(s, ';', (size_t)(nl - s)) != NULL);
        lines++;
        s = nl + 1;
    }
    ck_assert_int_eq(lines, 4);
    ck_assert_ptr_nonnull(
        strstr(folded, "<module> (main.py:16);main (main.py:10);crunch (helper.py:7) 222\n"));
    /* the export is its own text block, after a short header */
    const cJSON *content = json_get(json_get(r, "result"), "content");
    ck_assert_int_eq(cJSON_GetArraySize(content), 2);
    ck_assert_str_eq(json_str(cJSON_GetArrayItem(content, 1), "text"), folded);
    ck_assert_ptr_nonnull(strstr(harness_text(r), "flamegraph.pl"));
    cJSON_Delete(r);
    /* bounded */
    r = ok_call("get_call_paths",
                "{\"profile_id\":\"two23\",\"format\":\"folded\",\"max_bytes\":512}");
    sc = harness_structured(r);
    ck_assert_uint_le(strlen(json_str(sc, "folded")), 512);
    ck_assert(cJSON_IsTrue(json_get(sc, "truncated")));
    cJSON_Delete(r);
}
END_TEST

START_TEST(call_paths_without_stacks)
{
    cJSON *r = ok_call("get_call_paths", "{\"profile_id\":\"two15\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert(cJSON_IsFalse(json_get(sc, "stacks_available")));
    ck_assert_ptr_nonnull(strstr(json_str(sc, "how_to_get"), "stacks=true"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "stacks=true"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "Scalene 2.x"));
    cJSON_Delete(r);
}
END_TEST

/* ---- analyze_profile ---- */

START_TEST(sections_in_analyze_profile)
{
    cJSON *r = ok_call("analyze_profile", "{\"profile_id\":\"loop23\"}");
    const cJSON *sc = harness_structured(r);
    const cJSON *secs = json_get(sc, "sections");
    ck_assert_ptr_nonnull(strstr(json_str(json_get(secs, "cpu_hotspots"), "text"), "6-7 in busy"));
    ck_assert_ptr_nonnull(json_get(secs, "memory_hotspots"));
    const cJSON *rec = item(sc, "recommendations", 0);
    ck_assert_str_eq(json_str(rec, "severity"), "critical");
    ck_assert_str_eq(json_str(rec, "section"), "cpu_hotspots");
    ck_assert_ptr_nonnull(strstr(json_str(rec, "text"), "loop at lines 6-7"));
    cJSON_Delete(r);
    r = ok_call("analyze_profile", "{\"profile_id\":\"mem23\",\"focus\":\"memory\"}");
    secs = json_get(harness_structured(r), "sections");
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(secs, "cpu_hotspots"));
    ck_assert_ptr_nonnull(
        strstr(json_str(json_get(secs, "memory_hotspots"), "text"), "make_bytes"));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "allocates up to 300.6 MB"));
    cJSON_Delete(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hotspots");
    TCase *tc = tcase_create("fixtures");
    tcase_add_checked_fixture(tc, setup, harness_teardown);
    tcase_add_test(tc, cpu_loop_2x_tie_is_one_region);
    tcase_add_test(tc, cpu_loop_15_body_line_first_with_disk_context);
    tcase_add_test(tc, cpu_context_without_source_on_disk);
    tcase_add_test(tc, cpu_two_files_attribution);
    tcase_add_test(tc, cpu_file_filter);
    tcase_add_test(tc, cpu_limits_and_notes);
    tcase_add_test(tc, cpu_def_line_note);
    tcase_add_test(tc, cpu_errors);
    tcase_add_test(tc, memory_alloc_line_first);
    tcase_add_test(tc, memory_alloc_vs_peak);
    tcase_add_test(tc, memory_not_profiled);
    tcase_add_test(tc, call_paths_into_hot_lines);
    tcase_add_test(tc, call_paths_folded_export);
    tcase_add_test(tc, call_paths_without_stacks);
    tcase_add_test(tc, sections_in_analyze_profile);
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
