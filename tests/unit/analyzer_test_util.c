/* analyzer_test_util.c - see analyzer_test_util.h. */
#include "analyzer_test_util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

harness *h;

void harness_teardown(void)
{
    harness_free(h);
    h = NULL;
}

const char *fixtures(void)
{
    const char *f = getenv("SMCP_FIXTURES");
    return f && *f ? f : "tests/fixtures";
}

const char *fixture_run_dir(const char *version, const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s/%s", fixtures(), version, name);
    return buf[k];
}

cJSON *load_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    cJSON *doc = cJSON_Parse(buf);
    free(buf);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

cJSON *fixture_doc(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixtures(), rel);
    return load_json(path);
}

void add_doc(const cJSON *doc, const char *cwd, const char *id)
{
    char out[256];
    snprintf(out, sizeof out, "/tmp/smcp-analyzer-test-%d-%s.json", (int)getpid(), id);
    char *txt = cJSON_PrintUnformatted(doc);
    ck_assert_ptr_nonnull(txt);
    FILE *f = fopen(out, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(txt, f);
    fclose(f);
    free(txt);
    harness_add_scalene(h, out, cwd, id);
    unlink(out);
}

const cJSON *json_get(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    ck_assert_msg(v != NULL, "missing key '%s'", k);
    return v;
}

double json_num(const cJSON *o, const char *k)
{
    const cJSON *v = json_get(o, k);
    ck_assert_msg(cJSON_IsNumber(v), "'%s' is not a number", k);
    return v->valuedouble;
}

const char *json_str(const cJSON *o, const char *k)
{
    const cJSON *v = json_get(o, k);
    ck_assert_msg(cJSON_IsString(v), "'%s' is not a string", k);
    return v->valuestring;
}

bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

cJSON *ok_call(const char *tname, const char *args)
{
    cJSON *r = harness_call(h, tname, args);
    ck_assert_msg(cJSON_GetObjectItemCaseSensitive(r, "result") != NULL,
                  "%s %s: JSON-RPC error (schema violation?): %s", tname, args,
                  cJSON_PrintUnformatted(r));
    ck_assert_msg(!harness_is_error(r), "%s %s failed: %s", tname, args, harness_text(r));
    ck_assert_ptr_nonnull(harness_structured(r));
    return r;
}

void expect_error(const char *tname, const char *args, const char *needle)
{
    cJSON *r = harness_call(h, tname, args);
    ck_assert_msg(harness_is_error(r), "%s %s should fail, got: %s", tname, args, harness_text(r));
    ck_assert_msg(strstr(harness_text(r), needle) != NULL, "'%s' not in: %s", needle,
                  harness_text(r));
    cJSON_Delete(r);
}
