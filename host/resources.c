/* resources.c - resource registry, templates, listing and reading. */
#include "resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "profile_access.h"
#include "store.h"

#define COMPLETION_MAX 100
#define PROFILES_PER_PAGE 50

typedef struct resource_reg {
    char *uri, *uri_template, *name, *title, *description, *mime;
    mcp_read_fn read;
    mcp_complete_fn complete;
    void *user_data;
    void (*free_user_data)(void *);
    struct mcp_plugin *owner;
} resource_reg;

struct mcp_read {
    const resource_reg *reg;
    cJSON *contents; /* array */
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void reg_free(resource_reg *r)
{
    if (r->free_user_data)
        r->free_user_data(r->user_data);
    free(r->uri);
    free(r->uri_template);
    free(r->name);
    free(r->title);
    free(r->description);
    free(r->mime);
    free(r);
}

static const char *reg_key(const resource_reg *r)
{
    return r->uri ? r->uri : r->uri_template;
}

int resources_register(server *s, struct mcp_plugin *owner, const mcp_resource_def *def, char *err,
                       size_t errsz)
{
    int rc = MCP_INVALID;
    if (!def || def->version < 1 || !def->name || !def->read || !def->uri == !def->uri_template) {
        snprintf(err, errsz,
                 "resource needs version >= 1, a name, a read function and exactly "
                 "one of uri and uri_template");
        goto fail;
    }
    const char *key = def->uri ? def->uri : def->uri_template;
    if (!strstr(key, "://")) {
        snprintf(err, errsz, "resource '%s': not an absolute URI (scheme://...)", key);
        goto fail;
    }
    for (size_t i = 0; i < s->n_resources; i++) {
        if (!strcmp(reg_key(s->resources[i]), key)) {
            snprintf(err, errsz, "resource '%s' is already registered by %s", key,
                     s->resources[i]->owner ? plugin_name(s->resources[i]->owner) : "the host");
            rc = MCP_EXISTS;
            goto fail;
        }
    }
    resource_reg *r = calloc(1, sizeof *r);
    resource_reg **nr = realloc(s->resources, (s->n_resources + 1) * sizeof *nr);
    if (nr)
        s->resources = nr;
    if (!r || !nr) {
        free(r);
        snprintf(err, errsz, "out of memory");
        rc = MCP_NOMEM;
        goto fail;
    }
    r->uri = dup_or_null(def->uri);
    r->uri_template = dup_or_null(def->uri_template);
    r->name = strdup(def->name);
    r->title = dup_or_null(def->title);
    r->description = dup_or_null(def->description);
    r->mime = dup_or_null(def->mime_type);
    r->read = def->read;
    r->complete = def->complete;
    r->user_data = def->user_data;
    r->free_user_data = def->free_user_data;
    r->owner = owner;
    s->resources[s->n_resources++] = r;
    return MCP_OK;
fail:
    if (def && def->free_user_data)
        def->free_user_data(def->user_data);
    return rc;
}

void resources_unregister_owner(server *s, struct mcp_plugin *owner)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_resources; i++) {
        if (s->resources[i]->owner == owner)
            reg_free(s->resources[i]);
        else
            s->resources[w++] = s->resources[i];
    }
    s->n_resources = w;
}

void resources_free_all(server *s)
{
    for (size_t i = s->n_resources; i-- > 0;)
        reg_free(s->resources[i]);
    free(s->resources);
    s->resources = NULL;
    s->n_resources = 0;
}

/* ---- templates -------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes n bytes; NULL when the result would hold a NUL. */
static char *pct_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; out && i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            if (!out[o]) {
                free(out);
                return NULL;
            }
            o++;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    if (out)
        out[o] = '\0';
    return out;
}

cJSON *resources_match_template(const char *tmpl, const char *uri)
{
    cJSON *vars = cJSON_CreateObject();
    const char *t = tmpl, *u = uri;
    while (vars && *t) {
        if (*t != '{') {
            if (*t != *u)
                goto nomatch;
            t++;
            u++;
            continue;
        }
        const char *close = strchr(t, '}');
        if (!close)
            goto nomatch;
        bool reserved = t[1] == '+';
        const char *name = t + 1 + reserved;
        size_t name_len = (size_t)(close - name);
        t = close + 1;
        /* the literal that follows the variable bounds its value */
        const char *next_var = strchr(t, '{');
        size_t lit_len = next_var ? (size_t)(next_var - t) : strlen(t);
        const char *end;
        if (lit_len == 0) {
            end = u + strlen(u);
        } else {
            char lit[256];
            if (lit_len >= sizeof lit)
                goto nomatch;
            memcpy(lit, t, lit_len);
            lit[lit_len] = '\0';
            end = strstr(u, lit);
            if (reserved) /* the last occurrence: {+path} may contain the literal */
                for (const char *more = end; more && (more = strstr(more + 1, lit));)
                    end = more;
            if (!end)
                goto nomatch;
        }
        if (end == u || (!reserved && memchr(u, '/', (size_t)(end - u))))
            goto nomatch;
        char *value = pct_decode(u, (size_t)(end - u));
        char key[128];
        if (!value || name_len == 0 || name_len >= sizeof key) {
            free(value);
            goto nomatch;
        }
        memcpy(key, name, name_len);
        key[name_len] = '\0';
        cJSON_AddStringToObject(vars, key, value);
        free(value);
        u = end;
    }
    if (vars && *u == '\0')
        return vars;
nomatch:
    cJSON_Delete(vars);
    return NULL;
}

/* ---- listing ---------------------------------------------------------- */

static cJSON *resource_json(const resource_reg *r, bool tmpl)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, tmpl ? "uriTemplate" : "uri", tmpl ? r->uri_template : r->uri);
    cJSON_AddStringToObject(o, "name", r->name);
    if (r->title)
        cJSON_AddStringToObject(o, "title", r->title);
    if (r->description)
        cJSON_AddStringToObject(o, "description", r->description);
    if (r->mime)
        cJSON_AddStringToObject(o, "mimeType", r->mime);
    return o;
}

typedef struct profile_page {
    cJSON *arr;
} profile_page;

static int add_profile(void *ctx, const mcp_record_meta *m)
{
    profile_page *pg = ctx;
    cJSON *o = cJSON_CreateObject();
    char uri[128], title[512];
    snprintf(uri, sizeof uri, "scalene://profile/%s/summary", m->id);
    snprintf(title, sizeof title, "Profile of %.400s%s%.60s", m->target, *m->label ? " - " : "",
             m->label);
    cJSON_AddStringToObject(o, "uri", uri);
    cJSON_AddStringToObject(o, "name", m->id);
    cJSON_AddStringToObject(o, "title", title);
    cJSON_AddStringToObject(o, "description",
                            "Summary of a stored profile (the text and JSON get_profile gives)");
    cJSON_AddStringToObject(o, "mimeType", "text/plain");
    cJSON_AddItemToArray(pg->arr, o);
    return 0;
}

cJSON *resources_list(server *s, const cJSON *params, int *code, char *msg, size_t msgsz)
{
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(params, "cursor");
    const char *store_cursor = NULL;
    if (cur && !cJSON_IsNull(cur)) {
        if (!cJSON_IsString(cur) || strncmp(cur->valuestring, "rp:", 3) != 0) {
            *code = -32602;
            snprintf(msg, msgsz, "resources/list: invalid cursor");
            return NULL;
        }
        store_cursor = cur->valuestring + 3;
    }
    cJSON *res = cJSON_CreateObject();
    profile_page pg = {cJSON_AddArrayToObject(res, "resources")};
    if (!store_cursor)
        for (size_t i = 0; i < s->n_resources; i++)
            if (s->resources[i]->uri)
                cJSON_AddItemToArray(pg.arr, resource_json(s->resources[i], false));
    mcp_list_query q = {.cursor = store_cursor, .limit = PROFILES_PER_PAGE};
    char *next = NULL;
    char err[512];
    int rc = store_list(s->store, &q, add_profile, &pg, &next, err, sizeof err);
    if (rc != MCP_OK) {
        cJSON_Delete(res);
        *code = rc == MCP_INVALID ? -32602 : -32603;
        snprintf(msg, msgsz, "resources/list: %s", err);
        return NULL;
    }
    if (next) {
        char *c = NULL;
        if (asprintf(&c, "rp:%s", next) > 0)
            cJSON_AddStringToObject(res, "nextCursor", c);
        free(c);
        free(next);
    }
    return res;
}

cJSON *resources_templates_list(server *s, const cJSON *params, int *code, char *msg, size_t msgsz)
{
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(params, "cursor");
    if (cur && !cJSON_IsNull(cur)) {
        *code = -32602; /* one page holds every template */
        snprintf(msg, msgsz, "resources/templates/list: invalid cursor");
        return NULL;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(res, "resourceTemplates");
    for (size_t i = 0; i < s->n_resources; i++)
        if (s->resources[i]->uri_template)
            cJSON_AddItemToArray(arr, resource_json(s->resources[i], true));
    return res;
}

/* ---- reading ---------------------------------------------------------- */

int resource_api_read_text(mcp_read *rd, const char *uri, const char *mime, const char *text)
{
    if (!rd || !uri || !text)
        return MCP_INVALID;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "uri", uri);
    if (mime)
        cJSON_AddStringToObject(o, "mimeType", mime);
    cJSON_AddStringToObject(o, "text", text);
    cJSON_AddItemToArray(rd->contents, o);
    return MCP_OK;
}

static char *base64(const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

int resource_api_read_blob(mcp_read *rd, const char *uri, const char *mime, const void *data,
                           size_t len)
{
    if (!rd || !uri || (!data && len))
        return MCP_INVALID;
    char *b64 = base64(data, len);
    if (!b64)
        return MCP_NOMEM;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "uri", uri);
    if (mime)
        cJSON_AddStringToObject(o, "mimeType", mime);
    cJSON_AddStringToObject(o, "blob", b64);
    free(b64);
    cJSON_AddItemToArray(rd->contents, o);
    return MCP_OK;
}

mcp_plugin *resource_api_read_plugin(const mcp_read *rd)
{
    return rd ? rd->reg->owner : NULL;
}

static const resource_reg *find_resource(server *s, const char *uri, cJSON **vars)
{
    *vars = NULL;
    for (size_t i = 0; i < s->n_resources; i++)
        if (s->resources[i]->uri && !strcmp(s->resources[i]->uri, uri))
            return s->resources[i];
    for (size_t i = 0; i < s->n_resources; i++) {
        if (!s->resources[i]->uri_template)
            continue;
        *vars = resources_match_template(s->resources[i]->uri_template, uri);
        if (*vars)
            return s->resources[i];
    }
    return NULL;
}

cJSON *resources_read(server *s, const cJSON *params, bool modern, int *code, char *msg,
                      size_t msgsz)
{
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(params, "uri");
    if (!cJSON_IsString(uri)) {
        *code = -32602;
        snprintf(msg, msgsz, "resources/read: params.uri must be a string");
        return NULL;
    }
    cJSON *vars = NULL;
    const resource_reg *r = find_resource(s, uri->valuestring, &vars);
    int rc = MCP_NOTFOUND;
    mcp_read rd = {r, cJSON_CreateArray()};
    if (r) {
        if (r->owner)
            r->owner->last_error[0] = '\0';
        rc = r->read(&rd, uri->valuestring, vars, r->user_data);
    }
    cJSON_Delete(vars);
    if (rc != MCP_OK) {
        const char *why = r && r->owner ? plugin_last_error(r->owner) : "";
        *code = rc == MCP_NOTFOUND ? (modern ? -32602 : -32002) : -32603;
        snprintf(msg, msgsz, "resource not found: %.300s%s%s", uri->valuestring,
                 why && *why ? ": " : "", why ? why : "");
        if (rc != MCP_NOTFOUND)
            snprintf(msg, msgsz, "cannot read %.300s: %s", uri->valuestring,
                     why && *why ? why : "failed");
        cJSON_Delete(rd.contents);
        return NULL;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON_AddItemToObject(res, "contents", rd.contents);
    return res;
}

/* ---- completion ------------------------------------------------------- */

int resource_api_complete_value(mcp_completion *c, const char *value)
{
    if (!c || !value)
        return MCP_INVALID;
    c->total++;
    if (cJSON_GetArraySize(c->values) < COMPLETION_MAX)
        cJSON_AddItemToArray(c->values, cJSON_CreateString(value));
    return MCP_OK;
}

int resources_complete(server *s, const char *uri, const char *arg, const char *prefix,
                       const cJSON *context, cJSON *values, char *msg, size_t msgsz)
{
    for (size_t i = 0; i < s->n_resources; i++) {
        const resource_reg *r = s->resources[i];
        if (!r->uri_template || strcmp(r->uri_template, uri) != 0)
            continue;
        if (!r->complete)
            return MCP_OK; /* nothing to suggest */
        mcp_completion c = {values, 0};
        return r->complete(&c, arg, prefix, context, r->user_data);
    }
    snprintf(msg, msgsz, "completion/complete: no resource template '%.300s'", uri);
    return MCP_NOTFOUND;
}

int resource_api_register(mcp_plugin *self, const mcp_resource_def *def)
{
    if (!self->in_init) {
        plugin_api_set_error(self, "register_resource is only allowed inside init");
        if (def && def->free_user_data)
            def->free_user_data(def->user_data);
        return MCP_MISUSE;
    }
    char err[512];
    int rc = resources_register(self->srv, self, def, err, sizeof err);
    if (rc != MCP_OK)
        plugin_api_set_error(self, "%s", err);
    return rc;
}
