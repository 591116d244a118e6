/*
 * test_jschema.c - the JSON Schema subset validator used for tool arguments
 * (and, in test builds, for structuredContent against outputSchema).
 */
#include <check.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jschema.h"

static char err[1024];

/* Validates value against schema (both JSON texts); returns the result and
 * leaves the message in err. */
static bool check(const char *schema, const char *value)
{
    cJSON *s = cJSON_Parse(schema);
    cJSON *v = cJSON_Parse(value);
    ck_assert_msg(s != NULL, "bad test schema: %s", schema);
    ck_assert_msg(v != NULL, "bad test value: %s", value);
    char why[256];
    ck_assert_msg(jschema_check_supported(s, why, sizeof why), "unsupported: %s", why);
    memset(err, 'X', sizeof err);
    bool ok = jschema_validate(s, v, "argument", err, sizeof err);
    cJSON_Delete(s);
    cJSON_Delete(v);
    return ok;
}

#define OK(schema, value) ck_assert_msg(check(schema, value), "expected valid: %s", err)

/* Invalid, and the message contains each of the given fragments. */
static void bad(const char *schema, const char *value, ...)
{
    ck_assert_msg(!check(schema, value), "expected invalid: %s against %s", value, schema);
    ck_assert_msg(strlen(err) < sizeof err, "message not terminated");
    va_list ap;
    va_start(ap, value);
    const char *frag;
    while ((frag = va_arg(ap, const char *)) != NULL)
        ck_assert_msg(strstr(err, frag) != NULL, "message '%s' lacks '%s'", err, frag);
    va_end(ap);
}
#define BAD(schema, value, ...) bad(schema, value, __VA_ARGS__, (const char *)NULL)

#define OBJ(props) "{\"type\":\"object\",\"properties\":" props ",\"additionalProperties\":false}"

START_TEST(type_single)
{
    const char *S = OBJ("{\"s\":{\"type\":\"string\"},\"i\":{\"type\":\"integer\"},"
                        "\"n\":{\"type\":\"number\"},\"b\":{\"type\":\"boolean\"},"
                        "\"a\":{\"type\":\"array\"},\"o\":{\"type\":\"object\"},"
                        "\"z\":{\"type\":\"null\"}}");
    OK(S, "{\"s\":\"x\",\"i\":3,\"n\":1.5,\"b\":false,\"a\":[],\"o\":{},\"z\":null}");
    OK(S, "{\"i\":-7,\"n\":2}"); /* an integer is a number */
    OK(S, "{\"i\":2.0}");        /* 2.0 is an integer in JSON Schema */
    BAD(S, "{\"s\":1}", "argument 's'", "expected string", "got integer");
    BAD(S, "{\"i\":1.5}", "argument 'i'", "expected integer", "got number");
    BAD(S, "{\"i\":\"3\"}", "argument 'i'", "expected integer", "got string");
    BAD(S, "{\"n\":\"1\"}", "argument 'n'", "expected number");
    BAD(S, "{\"b\":0}", "argument 'b'", "expected boolean");
    BAD(S, "{\"a\":{}}", "argument 'a'", "expected array", "got object");
    BAD(S, "{\"o\":[]}", "argument 'o'", "expected object", "got array");
    BAD(S, "{\"z\":false}", "argument 'z'", "expected null", "got boolean");
    BAD(S, "{\"s\":null}", "argument 's'", "got null");
}
END_TEST

START_TEST(type_list)
{
    const char *S = OBJ("{\"v\":{\"type\":[\"string\",\"null\"]}}");
    OK(S, "{\"v\":\"x\"}");
    OK(S, "{\"v\":null}");
    BAD(S, "{\"v\":1}", "argument 'v'", "expected string or null");
}
END_TEST

START_TEST(root_type)
{
    BAD("{\"type\":\"object\"}", "[]", "argument", "expected object");
    BAD("{\"type\":\"object\"}", "\"x\"", "expected object", "got string");
    OK("{\"type\":\"object\"}", "{\"anything\":[1,2]}");
}
END_TEST

START_TEST(required_members)
{
    const char *S = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
                    "\"n\":{\"type\":\"integer\"}},\"required\":[\"path\",\"n\"]}";
    OK(S, "{\"path\":\"a\",\"n\":1}");
    BAD(S, "{\"n\":1}", "missing required argument 'path'");
    BAD(S, "{\"path\":\"a\"}", "missing required argument 'n'");
    BAD(S, "{}", "missing", "'path'");
    /* null is a present value: it fails the type, not "missing" */
    BAD(S, "{\"path\":null,\"n\":1}", "argument 'path'", "expected string");
}
END_TEST

START_TEST(additional_properties)
{
    const char *closed = OBJ("{\"a\":{\"type\":\"string\"},\"b\":{}}");
    OK(closed, "{\"a\":\"x\",\"b\":[1]}");
    BAD(closed, "{\"a\":\"x\",\"c\":1}", "unknown argument 'c'", "accepted: a, b");
    BAD("{\"type\":\"object\",\"additionalProperties\":false}", "{\"x\":1}", "unknown argument 'x'",
        "accepted: none");
    /* open by default */
    OK("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}", "{\"zzz\":1}");
    OK("{\"type\":\"object\",\"additionalProperties\":true}", "{\"zzz\":1}");
    /* a schema for the extra members */
    const char *typed = "{\"type\":\"object\",\"properties\":{\"a\":{}},"
                        "\"additionalProperties\":{\"type\":\"integer\"}}";
    OK(typed, "{\"a\":\"s\",\"x\":1,\"y\":2}");
    BAD(typed, "{\"x\":1,\"y\":\"2\"}", "argument 'y'", "expected integer");
}
END_TEST

START_TEST(enum_and_const)
{
    const char *S = OBJ("{\"mode\":{\"enum\":[\"cpu\",\"memory\",7,null]}}");
    OK(S, "{\"mode\":\"cpu\"}");
    OK(S, "{\"mode\":7}");
    OK(S, "{\"mode\":null}");
    BAD(S, "{\"mode\":\"gpu\"}", "argument 'mode'", "must be one of", "\"cpu\"", "\"memory\"");
    BAD(S, "{\"mode\":\"CPU\"}", "argument 'mode'"); /* case-sensitive */
    const char *C = OBJ("{\"v\":{\"const\":{\"k\":[1,2]}}}");
    OK(C, "{\"v\":{\"k\":[1,2]}}");
    BAD(C, "{\"v\":{\"k\":[2,1]}}", "argument 'v'", "constant");
}
END_TEST

START_TEST(numeric_bounds)
{
    const char *S = OBJ("{\"a\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10},"
                        "\"b\":{\"type\":\"number\",\"exclusiveMinimum\":0,"
                        "\"exclusiveMaximum\":1}}");
    OK(S, "{\"a\":1,\"b\":0.5}");
    OK(S, "{\"a\":10}");
    BAD(S, "{\"a\":0}", "argument 'a'", ">= 1");
    BAD(S, "{\"a\":11}", "argument 'a'", "<= 10");
    BAD(S, "{\"b\":0}", "argument 'b'", "> 0");
    BAD(S, "{\"b\":1}", "argument 'b'", "< 1");
    BAD(S, "{\"b\":-3}", "argument 'b'", "> 0");
    /* bounds do not apply to other types */
    OK("{\"type\":\"object\",\"properties\":{\"x\":{\"minimum\":5}}}", "{\"x\":\"str\"}");
}
END_TEST

START_TEST(string_lengths)
{
    const char *S = OBJ("{\"s\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":4}}");
    OK(S, "{\"s\":\"ab\"}");
    OK(S, "{\"s\":\"abcd\"}");
    /* lengths count characters, not bytes */
    OK(S, "{\"s\":\"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\"}");
    OK(S, "{\"s\":\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\"}");
    BAD(S, "{\"s\":\"a\"}", "argument 's'", "at least 2");
    BAD(S, "{\"s\":\"abcde\"}", "argument 's'", "at most 4");
    BAD(OBJ("{\"s\":{\"type\":\"string\",\"minLength\":1}}"), "{\"s\":\"\"}", "argument 's'",
        "must not be empty");
}
END_TEST

START_TEST(arrays)
{
    const char *S = OBJ("{\"l\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
                        "\"minItems\":1,\"maxItems\":3}}");
    OK(S, "{\"l\":[\"a\"]}");
    OK(S, "{\"l\":[\"a\",\"b\",\"c\"]}");
    BAD(S, "{\"l\":[]}", "argument 'l'", "at least 1 item");
    BAD(S, "{\"l\":[\"a\",\"b\",\"c\",\"d\"]}", "argument 'l'", "at most 3 item");
    BAD(S, "{\"l\":[\"a\",2]}", "argument 'l'[1]", "expected string");
    /* nested objects in arrays name the member */
    const char *N = OBJ(
        "{\"files\":{\"type\":\"array\",\"items\":" OBJ("{\"path\":{\"type\":\"string\"}}") "}}");
    BAD(N, "{\"files\":[{\"path\":\"a\"},{\"path\":1}]}", "'files'[1]", "'path'",
        "expected string");
    BAD(N, "{\"files\":[{\"pth\":\"a\"}]}", "unknown", "'pth'");
}
END_TEST

START_TEST(nested_objects)
{
    const char *S = OBJ("{\"opts\":" OBJ("{\"depth\":{\"type\":\"integer\",\"minimum\":0}}") "}");
    OK(S, "{\"opts\":{\"depth\":3}}");
    BAD(S, "{\"opts\":{\"depth\":-1}}", "'opts'", "'depth'", ">= 0");
    BAD(S, "{\"opts\":{\"x\":1}}", "unknown", "'opts'", "'x'", "accepted: depth");
}
END_TEST

START_TEST(composition)
{
    const char *any = "{\"type\":\"object\",\"properties\":{\"v\":{\"anyOf\":["
                      "{\"type\":\"string\"},{\"type\":\"integer\",\"minimum\":0}]}}}";
    OK(any, "{\"v\":\"s\"}");
    OK(any, "{\"v\":5}");
    BAD(any, "{\"v\":-5}", "argument 'v'");
    BAD(any, "{\"v\":true}", "argument 'v'");

    const char *one = "{\"type\":\"object\",\"properties\":{\"v\":{\"oneOf\":["
                      "{\"type\":\"integer\"},{\"type\":\"number\",\"minimum\":10}]}}}";
    OK(one, "{\"v\":3}");    /* integer only */
    OK(one, "{\"v\":10.5}"); /* number >= 10 only */
    BAD(one, "{\"v\":12}", "argument 'v'", "more than one");
    BAD(one, "{\"v\":\"x\"}", "argument 'v'", "none of the alternatives");

    const char *all = "{\"type\":\"object\",\"properties\":{\"v\":{\"allOf\":["
                      "{\"type\":\"integer\"},{\"minimum\":1},{\"maximum\":5}]}}}";
    OK(all, "{\"v\":3}");
    BAD(all, "{\"v\":9}", "argument 'v'", "<= 5");
    BAD(all, "{\"v\":0}", "argument 'v'", ">= 1");
}
END_TEST

/* The 2020-12 vocabulary of the conformance suite's json_schema_2020_12_tool:
 * same-document references, anchors and conditionals. */
START_TEST(refs_and_conditionals)
{
    const char *S =
        "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
        "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\","
        "\"properties\":{\"city\":{\"type\":\"string\"}},\"additionalProperties\":false}},"
        "\"properties\":{\"address\":{\"$ref\":\"#/$defs/address\"},"
        "\"home\":{\"$ref\":\"#addressDef\"},"
        "\"contactMethod\":{\"enum\":[\"phone\",\"email\"]},"
        "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
        "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
        "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},"
        "\"required\":[\"contactMethod\"]},"
        "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
        "\"$comment\":\"ignored\",\"additionalProperties\":false}";
    OK(S, "{\"email\":\"a@b\",\"address\":{\"city\":\"X\"}}");
    OK(S, "{\"contactMethod\":\"phone\",\"phone\":\"1\",\"home\":{\"city\":\"Y\"}}");
    BAD(S, "{\"email\":\"a@b\",\"address\":{\"city\":1}}", "'city'", "string");
    BAD(S, "{\"email\":\"a@b\",\"home\":{\"zip\":1}}", "unknown", "'zip'");
    BAD(S, "{\"contactMethod\":\"phone\",\"email\":\"a@b\"}", "'phone'"); /* then */
    BAD(S, "{\"phone\":\"1\"}", "'email'");                               /* else */
    BAD(S, "{}", "missing required");                                     /* anyOf */

    /* a self-referencing schema follows the data; a pure cycle is cut */
    const char *tree = "{\"type\":\"object\",\"properties\":{\"kids\":{\"type\":\"array\","
                       "\"items\":{\"$ref\":\"#\"}}},\"additionalProperties\":false}";
    OK(tree, "{\"kids\":[{\"kids\":[]},{}]}");
    BAD(tree, "{\"kids\":[{\"x\":1}]}", "unknown", "'x'");
    BAD("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}", "{}", "too deep");
}
END_TEST

START_TEST(boolean_schemas)
{
    OK("{\"type\":\"object\",\"properties\":{\"a\":true}}", "{\"a\":[1,{}]}");
    BAD("{\"type\":\"object\",\"properties\":{\"a\":false}}", "{\"a\":1}", "argument 'a'",
        "not allowed");
    OK("{\"type\":\"object\",\"properties\":{\"a\":false}}", "{}");
}
END_TEST

START_TEST(annotations_ignored)
{
    const char *S = "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
                    "\"type\":\"object\",\"title\":\"T\",\"description\":\"D\","
                    "\"properties\":{\"n\":{\"type\":\"integer\",\"default\":3,"
                    "\"description\":\"how many\",\"examples\":[1,2],\"title\":\"N\"},"
                    "\"p\":{\"type\":\"string\",\"format\":\"uri\"}},"
                    "\"additionalProperties\":false}";
    OK(S, "{\"n\":1}");
    OK(S, "{}"); /* default is an annotation: nothing is required */
    OK(S, "{\"p\":\"not a uri, format is not asserted\"}");
}
END_TEST

START_TEST(message_fits_buffer)
{
    /* long names are cut, never overrun the caller's buffer */
    char name[3000];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    char value[3100];
    snprintf(value, sizeof value, "{\"%s\":1}", name);
    cJSON *s = cJSON_Parse("{\"type\":\"object\",\"additionalProperties\":false}");
    cJSON *v = cJSON_Parse(value);
    char small[64];
    ck_assert(!jschema_validate(s, v, "argument", small, sizeof small));
    ck_assert_uint_lt(strlen(small), sizeof small);
    ck_assert(strstr(small, "unknown argument 'nnn") != NULL);
    cJSON_Delete(s);
    cJSON_Delete(v);
}
END_TEST

START_TEST(structured_content_root_name)
{
    cJSON *s = cJSON_Parse("{\"type\":\"object\",\"properties\":{\"count\":{\"type\":"
                           "\"integer\"}},\"required\":[\"count\"]}");
    cJSON *v = cJSON_Parse("{\"count\":\"many\"}");
    char e[256];
    ck_assert(!jschema_validate(s, v, "structuredContent", e, sizeof e));
    ck_assert_msg(strstr(e, "structuredContent 'count'") != NULL, "%s", e);
    cJSON_Delete(s);
    cJSON_Delete(v);
}
END_TEST

static bool supported(const char *schema, char *why, size_t n)
{
    cJSON *s = cJSON_Parse(schema);
    ck_assert_ptr_nonnull(s);
    why[0] = '\0';
    bool ok = jschema_check_supported(s, why, n);
    cJSON_Delete(s);
    return ok;
}

START_TEST(unsupported_keywords_refused)
{
    const char *bad[][2] = {
        {"{\"type\":\"object\",\"$ref\":\"#/x\"}", "$ref"},
        {"{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"pattern\":\"a+\"}}}",
         "pattern"},
        {"{\"type\":\"object\",\"patternProperties\":{}}", "patternProperties"},
        {"{\"type\":\"array\",\"items\":{\"uniqueItems\":true}}", "uniqueItems"},
        {"{\"anyOf\":[{\"not\":{}}]}", "not"},
        {"{\"type\":\"object\",\"additionalProperties\":{\"not\":{}}}", "not"},
        {"{\"$ref\":\"https://example.com/schema.json\"}", "$ref"}, /* never fetched */
        {"{\"$defs\":{\"a\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/b\"}", "$ref"},
        {"{\"then\":{\"prefixItems\":[]}}", "prefixItems"},
        {"{\"allOf\":[{\"multipleOf\":2}]}", "multipleOf"},
        {"{\"oneOf\":[{\"$defs\":{\"x\":{\"dependentRequired\":{}}}}]}", "dependentRequired"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[256];
        ck_assert_msg(!supported(bad[i][0], why, sizeof why), "accepted: %s", bad[i][0]);
        ck_assert_msg(strstr(why, bad[i][1]) != NULL, "'%s' does not name %s", why, bad[i][1]);
    }
    char why[256];
    ck_assert(!supported("[]", why, sizeof why));
    ck_assert(!supported("\"string\"", why, sizeof why));
    ck_assert(supported("true", why, sizeof why));
    ck_assert(supported("{\"type\":\"object\",\"properties\":{\"a\":{\"anyOf\":[{\"type\":"
                        "\"string\"},{\"type\":\"array\",\"items\":{\"enum\":[1]}}]}},"
                        "\"required\":[\"a\"],\"additionalProperties\":false}",
                        why, sizeof why));
}
END_TEST

static Suite *jschema_suite(void)
{
    Suite *s = suite_create("jschema");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, type_single);
    tcase_add_test(tc, type_list);
    tcase_add_test(tc, root_type);
    tcase_add_test(tc, required_members);
    tcase_add_test(tc, additional_properties);
    tcase_add_test(tc, enum_and_const);
    tcase_add_test(tc, numeric_bounds);
    tcase_add_test(tc, string_lengths);
    tcase_add_test(tc, arrays);
    tcase_add_test(tc, nested_objects);
    tcase_add_test(tc, composition);
    tcase_add_test(tc, refs_and_conditionals);
    tcase_add_test(tc, boolean_schemas);
    tcase_add_test(tc, annotations_ignored);
    tcase_add_test(tc, message_fits_buffer);
    tcase_add_test(tc, structured_content_root_name);
    suite_add_tcase(s, tc);
    tc = tcase_create("supported");
    tcase_add_test(tc, unsupported_keywords_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jschema_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
