/* jschema.c - a small JSON Schema subset validator (see jschema.h). */
#include "jschema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const known_keywords[] = {
    "type",     "properties", "required", "additionalProperties", "enum",     "const",
    "minimum",  "maximum",    "exclusiveMinimum",     "exclusiveMaximum",     "minLength",
    "maxLength", "items",     "minItems", "maxItems", "anyOf",    "oneOf",    "allOf",
    "description", "title",   "default",  "$schema",  "examples", "format",   NULL};

static bool keyword_known(const char *k)
{
    for (size_t i = 0; known_keywords[i]; i++)
        if (strcmp(known_keywords[i], k) == 0)
            return true;
    return false;
}

bool jschema_check_supported(const cJSON *schema, char *err, size_t errsz)
{
    if (cJSON_IsBool(schema))
        return true;
    if (!cJSON_IsObject(schema)) {
        snprintf(err, errsz, "schema must be an object or boolean");
        return false;
    }
    const cJSON *kw;
    cJSON_ArrayForEach(kw, schema)
    {
        if (!keyword_known(kw->string)) {
            snprintf(err, errsz, "unsupported JSON Schema keyword '%s'", kw->string);
            return false;
        }
        if (strcmp(kw->string, "properties") == 0) {
            const cJSON *p;
            cJSON_ArrayForEach(p, kw)
            {
                if (!jschema_check_supported(p, err, errsz))
                    return false;
            }
        } else if (strcmp(kw->string, "items") == 0 ||
                   strcmp(kw->string, "additionalProperties") == 0) {
            if (!jschema_check_supported(kw, err, errsz))
                return false;
        } else if (strcmp(kw->string, "anyOf") == 0 || strcmp(kw->string, "oneOf") == 0 ||
                   strcmp(kw->string, "allOf") == 0) {
            const cJSON *s;
            cJSON_ArrayForEach(s, kw)
            {
                if (!jschema_check_supported(s, err, errsz))
                    return false;
            }
        }
    }
    return true;
}

static const char *type_of(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return (isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble)) ? "integer"
                                                                                      : "number";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "array";
    return "object";
}

static bool type_matches(const char *want, const cJSON *v)
{
    const char *have = type_of(v);
    if (strcmp(want, have) == 0)
        return true;
    return strcmp(want, "number") == 0 && strcmp(have, "integer") == 0;
}

typedef struct ctx {
    char *err;
    size_t errsz;
} ctx;

__attribute__((format(printf, 3, 4))) static bool fail(ctx *c, const char *path,
                                                        const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errsz, "%s: %s", path, msg);
    return false;
}

static bool validate(const cJSON *schema, const cJSON *v, const char *path, ctx *c);

static void describe_types(const cJSON *type, char *out, size_t n)
{
    if (cJSON_IsString(type)) {
        snprintf(out, n, "%s", type->valuestring);
        return;
    }
    out[0] = '\0';
    const cJSON *t;
    cJSON_ArrayForEach(t, type)
    {
        if (cJSON_IsString(t)) {
            size_t len = strlen(out);
            snprintf(out + len, n - len, "%s%s", len ? " or " : "", t->valuestring);
        }
    }
}

static bool check_type(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
    if (!type)
        return true;
    if (cJSON_IsString(type) && type_matches(type->valuestring, v))
        return true;
    if (cJSON_IsArray(type)) {
        const cJSON *t;
        cJSON_ArrayForEach(t, type)
        {
            if (cJSON_IsString(t) && type_matches(t->valuestring, v))
                return true;
        }
    }
    char want[128];
    describe_types(type, want, sizeof want);
    return fail(c, path, "expected %s, got %s", want, type_of(v));
}

static bool check_enum(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(schema, "enum");
    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(schema, "const");
    if (cn && !cJSON_Compare(cn, v, 1))
        return fail(c, path, "%s", "must be exactly the documented constant");
    if (!en)
        return true;
    char list[256] = "";
    const cJSON *e;
    cJSON_ArrayForEach(e, en)
    {
        if (cJSON_Compare(e, v, 1))
            return true;
        char *txt = cJSON_PrintUnformatted(e);
        if (txt) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", txt);
            cJSON_free(txt);
        }
    }
    return fail(c, path, "must be one of %s", list);
}

static bool check_number(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    if (!cJSON_IsNumber(v))
        return true;
    double d = v->valuedouble;
    const cJSON *k;
    char num[64];
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "minimum")) && d < k->valuedouble) {
        snprintf(num, sizeof num, "%g", k->valuedouble);
        return fail(c, path, "must be >= %s", num);
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "maximum")) && d > k->valuedouble) {
        snprintf(num, sizeof num, "%g", k->valuedouble);
        return fail(c, path, "must be <= %s", num);
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "exclusiveMinimum")) &&
        d <= k->valuedouble) {
        snprintf(num, sizeof num, "%g", k->valuedouble);
        return fail(c, path, "must be > %s", num);
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "exclusiveMaximum")) &&
        d >= k->valuedouble) {
        snprintf(num, sizeof num, "%g", k->valuedouble);
        return fail(c, path, "must be < %s", num);
    }
    return true;
}

static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static bool check_string(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    if (!cJSON_IsString(v))
        return true;
    size_t n = utf8_length(v->valuestring);
    const cJSON *k;
    char num[32];
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "minLength")) && n < (size_t)k->valuedouble) {
        snprintf(num, sizeof num, "%d", k->valueint);
        return n == 0 ? fail(c, path, "must not be empty (at least %s characters)", num)
                      : fail(c, path, "must have at least %s characters", num);
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "maxLength")) && n > (size_t)k->valuedouble) {
        snprintf(num, sizeof num, "%d", k->valueint);
        return fail(c, path, "must have at most %s characters", num);
    }
    return true;
}

static bool check_array(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    if (!cJSON_IsArray(v))
        return true;
    size_t n = (size_t)cJSON_GetArraySize(v);
    const cJSON *k;
    char num[32];
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "minItems")) && n < (size_t)k->valuedouble) {
        snprintf(num, sizeof num, "%d", k->valueint);
        return fail(c, path, "must have at least %s items", num);
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "maxItems")) && n > (size_t)k->valuedouble) {
        snprintf(num, sizeof num, "%d", k->valueint);
        return fail(c, path, "must have at most %s items", num);
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
    if (!items)
        return true;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        char sub[512];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i++);
        if (!validate(items, e, sub, c))
            return false;
    }
    return true;
}

static void list_properties(const cJSON *props, char *out, size_t n)
{
    out[0] = '\0';
    const cJSON *p;
    cJSON_ArrayForEach(p, props)
    {
        size_t len = strlen(out);
        if (len + 4 >= n)
            break;
        snprintf(out + len, n - len, "%s%s", len ? ", " : "", p->string);
    }
}

static bool check_object(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    if (!cJSON_IsObject(v))
        return true;
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    const cJSON *addl = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    const cJSON *r;
    cJSON_ArrayForEach(r, req)
    {
        if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(v, r->valuestring)) {
            char sub[512];
            snprintf(sub, sizeof sub, "%s '%s'", path, r->valuestring);
            snprintf(c->err, c->errsz, "missing required %s", sub);
            return false;
        }
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, v)
    {
        char sub[512];
        snprintf(sub, sizeof sub, "%s '%s'", path, m->string);
        const cJSON *ps = props ? cJSON_GetObjectItemCaseSensitive(props, m->string) : NULL;
        if (ps) {
            if (!validate(ps, m, sub, c))
                return false;
        } else if (cJSON_IsFalse(addl)) {
            char names[400];
            list_properties(props, names, sizeof names);
            snprintf(c->err, c->errsz, "unknown %s (accepted: %s)", sub,
                     names[0] ? names : "none");
            return false;
        } else if (cJSON_IsObject(addl) && !validate(addl, m, sub, c)) {
            return false;
        }
    }
    return true;
}

static bool check_composition(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(schema, "allOf");
    const cJSON *any = cJSON_GetObjectItemCaseSensitive(schema, "anyOf");
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(schema, "oneOf");
    const cJSON *s;
    cJSON_ArrayForEach(s, all)
    {
        if (!validate(s, v, path, c))
            return false;
    }
    if (any) {
        bool ok = false;
        cJSON_ArrayForEach(s, any)
        {
            if (validate(s, v, path, c)) {
                ok = true;
                break;
            }
        }
        if (!ok)
            return false; /* err holds the last alternative's reason */
    }
    if (one) {
        int matches = 0;
        cJSON_ArrayForEach(s, one)
        {
            if (validate(s, v, path, c))
                matches++;
        }
        if (matches != 1)
            return fail(c, path, "%s",
                        matches ? "matches more than one alternative"
                                : "matches none of the alternatives");
    }
    return true;
}

static bool validate(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    if (cJSON_IsTrue(schema))
        return true;
    if (cJSON_IsFalse(schema))
        return fail(c, path, "%s", "is not allowed");
    return check_type(schema, v, path, c) && check_enum(schema, v, path, c) &&
           check_number(schema, v, path, c) && check_string(schema, v, path, c) &&
           check_array(schema, v, path, c) && check_object(schema, v, path, c) &&
           check_composition(schema, v, path, c);
}

bool jschema_validate(const cJSON *schema, const cJSON *value, const char *what, char *err,
                      size_t errsz)
{
    ctx c = {err, errsz};
    err[0] = '\0';
    /* Root-level messages read "arguments: expected object"; members read
     * "argument 'x': ..." (the object check names them itself). */
    return validate(schema, value, what, &c);
}
