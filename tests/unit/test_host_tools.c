/* test_host_tools.c - the host's stored-profile tools and analyze_profile on
 * real Scalene fixtures, through the in-process host. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "host_harness.h"

static const char *ini = "[server]\nlog_level = error\n[storage]\nbackend = memory\n"
                         "[plugin.memory]\n";

static harness *h;

static void setup(void)
{
    h = harness_new(ini);
    harness_add_scalene(h, "scalene-2.3.0/two_file/profile.json", "/tmp/rec/two_file", "two23");
    harness_add_scalene(h, "scalene-1.5.16/cpu_loop/profile.json", "/tmp/rec/cpu_loop", "loop15");
}

static void teardown(void)
{
    harness_free(h);
}

START_TEST(list_newest_first)
{
    cJSON *r = harness_call(h, "list_profiles", "{}");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(harness_structured(r), "profiles");
    ck_assert_int_eq(cJSON_GetArraySize(arr), 2);
    const cJSON *first = cJSON_GetArrayItem(arr, 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(first, "profile_id")->valuestring, "loop15");
    cJSON_Delete(r);
}
END_TEST

START_TEST(get_profile_summary_has_real_elapsed)
{
    cJSON *r = harness_call(h, "get_profile", "{\"profile_id\":\"loop15\"}");
    ck_assert(!harness_is_error(r));
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(harness_structured(r), "summary");
    /* the predecessor read a key Scalene never writes and always saw 0 */
    ck_assert(cJSON_GetObjectItemCaseSensitive(sum, "elapsed_sec")->valuedouble > 0.1);
    ck_assert_ptr_nonnull(strstr(harness_text(r), "Top lines by CPU"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(get_profile_unknown_and_hostile_ids)
{
    cJSON *r = harness_call(h, "get_profile", "{\"profile_id\":\"nope\"}");
    ck_assert(harness_is_error(r));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "no profile with id 'nope'"));
    cJSON_Delete(r);
    r = harness_call(h, "get_profile", "{\"profile_id\":\"../etc\"}");
    ck_assert(harness_is_error(r));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "not a valid profile id"));
    cJSON_Delete(r);
}
END_TEST

START_TEST(file_details_by_suffix_and_errors)
{
    cJSON *r =
        harness_call(h, "get_file_details", "{\"profile_id\":\"two23\",\"file\":\"helper.py\"}");
    ck_assert_msg(!harness_is_error(r), "%s", harness_text(r));
    const cJSON *sc = harness_structured(r);
    ck_assert_ptr_nonnull(
        strstr(cJSON_GetObjectItemCaseSensitive(sc, "file")->valuestring, "helper.py"));
    ck_assert_int_gt(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sc, "lines")), 0);
    cJSON_Delete(r);
    r = harness_call(h, "get_file_details", "{\"profile_id\":\"two23\",\"file\":\"absent.py\"}");
    ck_assert(harness_is_error(r));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "is not in profile"));
    cJSON_Delete(r);
    /* ".py" is a suffix of both files, but not on a '/' boundary: no match */
    r = harness_call(h, "get_file_details", "{\"profile_id\":\"two23\",\"file\":\"py\"}");
    ck_assert(harness_is_error(r));
    cJSON_Delete(r);
}
END_TEST

START_TEST(delete_then_gone)
{
    cJSON *r = harness_call(h, "delete_profile", "{\"profile_id\":\"two23\"}");
    ck_assert(!harness_is_error(r));
    cJSON_Delete(r);
    r = harness_call(h, "get_profile", "{\"profile_id\":\"two23\"}");
    ck_assert(harness_is_error(r));
    cJSON_Delete(r);
    r = harness_call(h, "delete_profile", "{\"profile_id\":\"two23\"}");
    ck_assert(harness_is_error(r));
    cJSON_Delete(r);
}
END_TEST

START_TEST(analyze_without_analyzers_says_so)
{
    cJSON *r = harness_call(h, "analyze_profile", "{\"profile_id\":\"loop15\",\"focus\":\"gpu\"}");
    ck_assert(!harness_is_error(r));
    ck_assert_ptr_nonnull(strstr(harness_text(r), "No analyzer plugin contributes"));
    cJSON_Delete(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("host_tools");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, list_newest_first);
    tcase_add_test(tc, get_profile_summary_has_real_elapsed);
    tcase_add_test(tc, get_profile_unknown_and_hostile_ids);
    tcase_add_test(tc, file_details_by_suffix_and_errors);
    tcase_add_test(tc, delete_then_gone);
    tcase_add_test(tc, analyze_without_analyzers_says_so);
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
