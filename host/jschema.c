/* jschema.c - a small JSON Schema subset validator (see jschema.h). */
#include "jschema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds for $ref chains and cycles, and for the work one validation may do
 * (composition over references can otherwise grow exponentially). */
#define MAX_DEPTH 64
#define MAX_STEPS 100000

/* a table, one keyword per column */
// clang-format off
static const char *const known_keywords[] = {
    "type",     "properties", "required", "additionalProperties", "enum",     "const",
    "minimum",  "maximum",    "exclusiveMinimum",     "exclusiveMaximum",     "minLength",
    "maxLength", "items",     "minItems", "maxItems", "anyOf",    "oneOf",    "allOf",
    "description", "title",   "default",  "$schema",  "examples", "format",   "$defs",
    "$anchor",  "$ref",       "$comment", "if",       "then",     "else",     NULL};
// clang-format on

static bool keyword_known(const char *k)
{
    for (size_t i = 0; known_keywords[i]; i++)
        if (strcmp(known_keywords[i], k) == 0)
            return true;
    return false;
}

/* Keywords whose value is a schema, an array of schemas, or an object of
 * schemas (by name). */
static bool keyword_is_schema(const char *k)
{
    return !strcmp(k, "items") || !strcmp(k, "additionalProperties") || !strcmp(k, "if") ||
           !strcmp(k, "then") || !strcmp(k, "else");
}

static bool keyword_is_schema_list(const char *k)
{
    return !strcmp(k, "anyOf") || !strcmp(k, "oneOf") || !strcmp(k, "allOf");
}

static bool keyword_is_schema_map(const char *k)
{
    return !strcmp(k, "properties") || !strcmp(k, "$defs");
}

/* The subschema of `s` (an object) whose $anchor is `name`, searching only
 * schema positions; NULL when none. */
static const cJSON *find_anchor(const cJSON *s, const char *name, int depth)
{
    if (!cJSON_IsObject(s) || depth > MAX_DEPTH)
        return NULL;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "$anchor");
    if (cJSON_IsString(a) && strcmp(a->valuestring, name) == 0)
        return s;
    const cJSON *kw, *sub, *hit;
    cJSON_ArrayForEach(kw, s)
    {
        if (keyword_is_schema(kw->string)) {
            if ((hit = find_anchor(kw, name, depth + 1)))
                return hit;
        } else if (keyword_is_schema_list(kw->string) || keyword_is_schema_map(kw->string)) {
            cJSON_ArrayForEach(sub, kw)
            {
                if ((hit = find_anchor(sub, name, depth + 1)))
                    return hit;
            }
        }
    }
    return NULL;
}

/* Resolves a same-document $ref: "#", "#/json/pointer" or "#anchor". Other
 * references (network, relative files) are never fetched: NULL. */
static const cJSON *resolve_ref(const cJSON *root, const char *ref)
{
    if (ref[0] != '#')
        return NULL;
    if (ref[1] == '\0')
        return root;
    if (ref[1] != '/')
        return find_anchor(root, ref + 1, 0);
    const cJSON *cur = root;
    const char *p = ref + 1;
    while (cur && *p == '/') {
        p++;
        char tok[256];
        size_t n = 0;
        for (; *p && *p != '/'; p++) {
            char ch = *p;
            if (ch == '~' && (p[1] == '0' || p[1] == '1'))
                ch = *++p == '0' ? '~' : '/';
            else if (ch == '~' || ch == '%')
                return NULL; /* malformed or percent-encoded: not supported */
            if (n + 1 >= sizeof tok)
                return NULL;
            tok[n++] = ch;
        }
        tok[n] = '\0';
        if (cJSON_IsArray(cur)) {
            char *end;
            long i = strtol(tok, &end, 10);
            cur = (*tok && !*end && i >= 0) ? cJSON_GetArrayItem(cur, (int)i) : NULL;
        } else {
            cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, tok) : NULL;
        }
    }
    return cur && (cJSON_IsObject(cur) || cJSON_IsBool(cur)) ? cur : NULL;
}

static bool supported(const cJSON *root, const cJSON *schema, int depth, char *err, size_t errsz)
{
    if (cJSON_IsBool(schema))
        return true;
    if (!cJSON_IsObject(schema)) {
        snprintf(err, errsz, "schema must be an object or boolean");
        return false;
    }
    if (depth > MAX_DEPTH) {
        snprintf(err, errsz, "schema nests more than %d levels", MAX_DEPTH);
        return false;
    }
    const cJSON *kw;
    cJSON_ArrayForEach(kw, schema)
    {
        if (!keyword_known(kw->string)) {
            snprintf(err, errsz, "unsupported JSON Schema keyword '%s'", kw->string);
            return false;
        }
        if (keyword_is_schema(kw->string)) {
            if (!supported(root, kw, depth + 1, err, errsz))
                return false;
        } else if (keyword_is_schema_list(kw->string) || keyword_is_schema_map(kw->string)) {
            const cJSON *s;
            cJSON_ArrayForEach(s, kw)
            {
                if (!supported(root, s, depth + 1, err, errsz))
                    return false;
            }
        } else if (strcmp(kw->string, "$ref") == 0) {
            if (!cJSON_IsString(kw) || !resolve_ref(root, kw->valuestring)) {
                snprintf(err, errsz,
                         "$ref '%.200s' does not name a schema in this document (only "
                         "\"#\", \"#/pointer\" and \"#anchor\" references are supported)",
                         cJSON_IsString(kw) ? kw->valuestring : "?");
                return false;
            }
        } else if (strcmp(kw->string, "$anchor") == 0 && !cJSON_IsString(kw)) {
            snprintf(err, errsz, "$anchor must be a string");
            return false;
        }
    }
    return true;
}

bool jschema_check_supported(const cJSON *schema, char *err, size_t errsz)
{
    return supported(schema, schema, 0, err, errsz);
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
    const cJSON *root; /* for $ref */
    int depth;
    long steps;
} ctx;

__attribute__((format(printf, 3, 4))) static bool fail(ctx *c, const char *path, const char *fmt,
                                                       ...)
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
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "exclusiveMinimum")) && d <= k->valuedouble) {
        snprintf(num, sizeof num, "%g", k->valuedouble);
        return fail(c, path, "must be > %s", num);
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(schema, "exclusiveMaximum")) && d >= k->valuedouble) {
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
            snprintf(c->err, c->errsz, "unknown %s (accepted: %s)", sub, names[0] ? names : "none");
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

/* $ref applies next to the schema's other keywords (2020-12). */
static bool check_ref(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(schema, "$ref");
    if (!cJSON_IsString(ref))
        return true;
    const cJSON *target = resolve_ref(c->root, ref->valuestring);
    if (!target)
        return fail(c, path, "schema error: unresolvable $ref '%.200s'", ref->valuestring);
    return validate(target, v, path, c);
}

static bool check_conditional(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    const cJSON *if_s = cJSON_GetObjectItemCaseSensitive(schema, "if");
    if (!if_s)
        return true;
    const cJSON *branch =
        cJSON_GetObjectItemCaseSensitive(schema, validate(if_s, v, path, c) ? "then" : "else");
    return !branch || validate(branch, v, path, c);
}

static bool validate(const cJSON *schema, const cJSON *v, const char *path, ctx *c)
{
    if (cJSON_IsTrue(schema))
        return true;
    if (cJSON_IsFalse(schema))
        return fail(c, path, "%s", "is not allowed");
    if (c->depth >= MAX_DEPTH || ++c->steps > MAX_STEPS)
        return fail(c, path, "%s", "schema error: too deep or too costly to evaluate");
    c->depth++;
    bool ok = check_ref(schema, v, path, c) && check_type(schema, v, path, c) &&
              check_enum(schema, v, path, c) && check_number(schema, v, path, c) &&
              check_string(schema, v, path, c) && check_array(schema, v, path, c) &&
              check_object(schema, v, path, c) && check_composition(schema, v, path, c) &&
              check_conditional(schema, v, path, c);
    c->depth--;
    return ok;
}

bool jschema_validate(const cJSON *schema, const cJSON *value, const char *what, char *err,
                      size_t errsz)
{
    ctx c = {err, errsz, schema, 0, 0};
    err[0] = '\0';
    /* Root-level messages read "arguments: expected object"; members read
     * "argument 'x': ..." (the object check names them itself). */
    return validate(schema, value, what, &c);
}
