/* tools.c - tool registry. */
#include "tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jschema.h"
#include "plugin.h"

static bool valid_tool_name(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len == 0 || len > 64)
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

static void tool_free(tool *t)
{
    if (!t)
        return;
    if (t->free_user_data)
        t->free_user_data(t->user_data);
    free(t->name);
    free(t->title);
    free(t->description);
    cJSON_Delete(t->input_schema);
    cJSON_Delete(t->output_schema);
    free(t);
}

tool *tools_find_any(server *s, const char *name)
{
    for (size_t i = 0; i < s->n_tools; i++)
        if (strcmp(s->tools[i]->name, name) == 0)
            return s->tools[i];
    return NULL;
}

tool *tools_find(server *s, const char *name)
{
    tool *t = tools_find_any(s, name);
    return (t && t->enabled) ? t : NULL;
}

size_t tools_enabled_count(const server *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_tools; i++)
        n += s->tools[i]->enabled;
    return n;
}

static const char *owner_name(const struct mcp_plugin *p)
{
    return p ? plugin_name(p) : "the host";
}

static cJSON *parse_schema(const char *text, const char *which, bool need_object_root, char *err,
                           size_t errsz)
{
    cJSON *sch = text ? cJSON_Parse(text) : NULL;
    if (!sch) {
        snprintf(err, errsz, "%s is missing or not valid JSON", which);
        return NULL;
    }
    char why[256];
    if (!jschema_check_supported(sch, why, sizeof why)) {
        snprintf(err, errsz, "%s: %s", which, why);
        cJSON_Delete(sch);
        return NULL;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(sch, "type");
    if (need_object_root && !(cJSON_IsString(type) && strcmp(type->valuestring, "object") == 0)) {
        snprintf(err, errsz, "%s: root must have \"type\": \"object\"", which);
        cJSON_Delete(sch);
        return NULL;
    }
    return sch;
}

int tools_register(server *s, struct mcp_plugin *owner, const mcp_tool_def *def, char *err,
                   size_t errsz)
{
    int rc = MCP_INVALID;
    tool *t = NULL;
    if (!def || def->version < 1) {
        snprintf(err, errsz, "tool definition missing or version < 1");
        goto fail;
    }
    if (!valid_tool_name(def->name)) {
        snprintf(err, errsz, "tool name '%s' must be 1-64 chars of a-z, 0-9 and '_'",
                 def->name ? def->name : "(null)");
        goto fail;
    }
    tool *other = tools_find_any(s, def->name);
    if (other) {
        snprintf(err, errsz, "tool '%s' is already registered by %s", def->name,
                 owner_name(other->owner));
        rc = MCP_EXISTS;
        goto fail;
    }
    if (!def->description || !*def->description || !def->handler) {
        snprintf(err, errsz, "tool '%s' needs a description and a handler", def->name);
        goto fail;
    }
    t = calloc(1, sizeof *t);
    if (!t) {
        rc = MCP_NOMEM;
        snprintf(err, errsz, "out of memory");
        goto fail;
    }
    t->input_schema = parse_schema(def->input_schema, "input_schema", true, err, errsz);
    if (!t->input_schema)
        goto fail_tool;
    if (def->output_schema) {
        t->output_schema = parse_schema(def->output_schema, "output_schema", true, err, errsz);
        if (!t->output_schema)
            goto fail_tool;
    }
    t->name = strdup(def->name);
    t->title = def->title ? strdup(def->title) : NULL;
    t->description = strdup(def->description);
    t->annotations = def->annotations;
    t->handler = def->handler;
    t->owner = owner;
    t->enabled = config_tool_enabled(&s->cfg, def->name);
    tool **nt = realloc(s->tools, (s->n_tools + 1) * sizeof *nt);
    if (!t->name || !t->description || !nt) {
        if (nt)
            s->tools = nt;
        rc = MCP_NOMEM;
        snprintf(err, errsz, "out of memory");
        goto fail_tool;
    }
    s->tools = nt;
    /* user data belongs to the tool only once registration succeeded */
    t->user_data = def->user_data;
    t->free_user_data = def->free_user_data;
    s->tools[s->n_tools++] = t;
    return MCP_OK;

fail_tool:
    tool_free(t);
fail:
    if (def && def->free_user_data)
        def->free_user_data(def->user_data);
    return rc;
}

void tools_unregister_owner(server *s, struct mcp_plugin *owner)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_tools; i++) {
        if (s->tools[i]->owner == owner)
            tool_free(s->tools[i]);
        else
            s->tools[w++] = s->tools[i];
    }
    s->n_tools = w;
}

void tools_free_all(server *s)
{
    for (size_t i = s->n_tools; i-- > 0;)
        tool_free(s->tools[i]);
    free(s->tools);
    s->tools = NULL;
    s->n_tools = 0;
}

cJSON *tool_to_json(const tool *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "name", t->name);
    if (t->title)
        cJSON_AddStringToObject(o, "title", t->title);
    cJSON_AddStringToObject(o, "description", t->description);
    cJSON_AddItemToObject(o, "inputSchema", cJSON_Duplicate(t->input_schema, 1));
    if (t->output_schema)
        cJSON_AddItemToObject(o, "outputSchema", cJSON_Duplicate(t->output_schema, 1));
    cJSON *ann = cJSON_AddObjectToObject(o, "annotations");
    if (ann) {
        if (t->title)
            cJSON_AddStringToObject(ann, "title", t->title);
        cJSON_AddBoolToObject(ann, "readOnlyHint", (t->annotations & MCP_TOOL_READ_ONLY) != 0);
        cJSON_AddBoolToObject(ann, "destructiveHint", (t->annotations & MCP_TOOL_DESTRUCTIVE) != 0);
        cJSON_AddBoolToObject(ann, "idempotentHint", (t->annotations & MCP_TOOL_IDEMPOTENT) != 0);
        cJSON_AddBoolToObject(ann, "openWorldHint", (t->annotations & MCP_TOOL_OPEN_WORLD) != 0);
    }
    return o;
}
