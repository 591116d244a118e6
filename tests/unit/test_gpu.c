/* test_gpu.c - the GPU analyzer (get_gpu_hotspots and its analyze_profile
 * section).
 *
 * The GPU profile used here is SYNTHETIC: tests/fixtures/synthetic/
 * gpu_train/profile.json was written by hand in Scalene 2.3's layout (no
 * GPU was available to record one; see tests/fixtures/synthetic/README.md).
 * The no-GPU answers use the real Scalene 1.5.16 and 2.3.0 fixtures. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer_test_util.h"
#include "host_harness.h"

static const char *ini = "[server]\nlog_level = error\n[storage]\nbackend = memory\n"
                         "[plugin.memory]\n[plugin.gpu]\n";

static void setup(void)
{
    h = harness_new(ini);
    harness_add_scalene(h, "synthetic/gpu_train/profile.json", "/home/dev/synthetic/gpu_train",
                        "syn");
    harness_add_scalene(h, "scalene-2.3.0/cpu_loop/profile.json",
                        "/home/dev/scalene-2.3.0-samples/cpu_loop", "loop23");
    harness_add_scalene(h, "scalene-1.5.16/cpu_loop/profile.json", "/nonexistent", "loop15");
}

static int line_at(const cJSON *sc, int i)
{
    return (int)json_num(cJSON_GetArrayItem(json_get(sc, "lines"), i), "line");
}

/* SYNTHETIC profile: y = model(x) (88 % busy) ranks first by utilisation,
 * loss.backward() (3100 MB peak) first by GPU memory. */
START_TEST(synthetic_ranks)
{
    cJSON *r = ok_call("get_gpu_hotspots", "{\"profile_id\":\"syn\"}");
    const cJSON *sc = harness_structured(r);
    ck_assert(cJSON_IsTrue(json_get(sc, "gpu_profiled")));
    ck_assert(cJSON_IsTrue(json_get(sc, "has_gpu_data")));
    ck_assert_str_eq(json_str(sc, "gpu_device"), "GPU");
    ck_assert(cJSON_IsNull(json_get(sc, "how_to_enable")));
    ck_assert_int_eq(line_at(sc, 0), 16);
    ck_assert_int_eq(line_at(sc, 1), 18);
    ck_assert_int_eq(line_at(sc, 2), 26);
    ck_assert_int_eq(line_at(sc, 3), 17);
    const cJSON *top = cJSON_GetArrayItem(json_get(sc, "lines"), 0);
    ck_assert(fabs(json_num(top, "gpu_percent") - 88.0) < 1e-9);
    ck_assert(fabs(json_num(top, "gpu_peak_mb") - 2100.0) < 1e-9);
    ck_assert_str_eq(json_str(top, "function"), "train_step");
    ck_assert_ptr_nonnull(strstr(harness_text(r), "train.py:16 in train_step: GPU 88.0%"));
    cJSON_Delete(r);
    r = ok_call("get_gpu_hotspots", "{\"profile_id\":\"syn\",\"sort_by\":\"memory\",\"top_n\":2}");
    sc = harness_structured(r);
    ck_assert_str_eq(json_str(sc, "sort_by"), "memory");
    ck_assert_int_eq(line_at(sc, 0), 18);
    ck_assert(fabs(json_num(cJSON_GetArrayItem(json_get(sc, "lines"), 0), "gpu_peak_mb") - 3100) <
              1e-9);
    ck_assert_int_eq((int)json_num(sc, "shown"), 2);
    ck_assert(cJSON_IsTrue(json_get(sc, "truncated")));
    cJSON_Delete(r);
}
END_TEST

START_TEST(no_gpu_data_says_what_it_takes)
{
    const char *ids[] = {"{\"profile_id\":\"loop23\"}", "{\"profile_id\":\"loop15\"}"};
    for (int i = 0; i < 2; i++) {
        cJSON *r = ok_call("get_gpu_hotspots", ids[i]);
        const cJSON *sc = harness_structured(r);
        ck_assert(cJSON_IsFalse(json_get(sc, "has_gpu_data")));
        ck_assert_int_eq(cJSON_GetArraySize(json_get(sc, "lines")), 0);
        const char *t = harness_text(r);
        ck_assert_ptr_nonnull(strstr(t, "No GPU data"));
        ck_assert_ptr_nonnull(strstr(t, "gpu=true"));
        ck_assert_ptr_nonnull(strstr(t, "NVIDIA"));
        ck_assert_ptr_nonnull(strstr(t, "NVML"));
        ck_assert_ptr_nonnull(strstr(t, "nvidia-ml-py"));
        ck_assert_ptr_nonnull(strstr(json_str(sc, "how_to_enable"), "accounting mode"));
        cJSON_Delete(r);
    }
}
END_TEST

START_TEST(section_and_recommendations)
{
    cJSON *r = ok_call("analyze_profile",
                       "{\"profile_id\":\"syn\",\"focus\":\"gpu\",\"max_recommendations\":50}");
    const cJSON *sc = harness_structured(r);
    const cJSON *sec = json_get(json_get(sc, "sections"), "gpu");
    ck_assert_ptr_nonnull(strstr(json_str(sec, "text"), "train.py:16"));
    /* torch.randn holds 35 % of CPU while the GPU idles: the section says
     * so; the `import torch` line (20 % CPU) is not told to move to the GPU */
    bool randn = false, import = false;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, json_get(sc, "recommendations"))
    {
        if (strcmp(json_str(rec, "section"), "gpu") != 0)
            continue;
        int line = (int)json_num(rec, "line");
        randn |= line == 11 && strstr(json_str(rec, "text"), "GPU is 2% busy") != NULL;
        import |= line == 7;
    }
    ck_assert(randn);
    ck_assert(!import);
    cJSON_Delete(r);
    r = ok_call("analyze_profile", "{\"profile_id\":\"loop23\",\"focus\":\"gpu\"}");
    sec = json_get(json_get(harness_structured(r), "sections"), "gpu");
    ck_assert_ptr_nonnull(strstr(json_str(sec, "text"), "No GPU data"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(errors)
{
    const char *bad[][2] = {
        {"{\"profile_id\":\"missing\"}", "no profile with id"},
        {"{\"profile_id\":\"syn\",\"sort_by\":\"heat\"}", "sort_by"},
        {"{\"profile_id\":\"syn\",\"file\":\"nope.py\"}", "is not in profile"},
        {"{\"profile_id\":\"syn\",\"top_n\":-3}", "top_n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *r = harness_call(h, "get_gpu_hotspots", bad[i][0]);
        ck_assert_msg(harness_is_error(r), "%s should fail", bad[i][0]);
        ck_assert_msg(strstr(harness_text(r), bad[i][1]) != NULL, "%s: %s", bad[i][0],
                      harness_text(r));
        cJSON_Delete(r);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gpu");
    TCase *tc = tcase_create("fixtures");
    tcase_add_checked_fixture(tc, setup, harness_teardown);
    tcase_add_test(tc, synthetic_ranks);
    tcase_add_test(tc, no_gpu_data_says_what_it_takes);
    tcase_add_test(tc, section_and_recommendations);
    tcase_add_test(tc, errors);
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
