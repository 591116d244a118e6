/* prompts.c - prompt registry, prompts/list, prompts/get, completion. */
#include "prompts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "resources.h"

typedef struct prompt_reg {
    char *name, *title, *description;
    mcp_prompt_arg *args; /* strings owned */
    size_t n_args;
    mcp_prompt_fn get;
    mcp_complete_fn complete;
    void *user_data;
    void (*free_user_data)(void *);
    struct mcp_plugin *owner;
} prompt_reg;

struct mcp_prompt {
    const prompt_reg *reg;
    cJSON *messages;
};

static void reg_free(prompt_reg *r)
{
    if (r->free_user_data)
        r->free_user_data(r->user_data);
    for (size_t i = 0; i < r->n_args; i++) {
        free((char *)r->args[i].name);
        free((char *)r->args[i].description);
    }
    free(r->args);
    free(r->name);
    free(r->title);
    free(r->description);
    free(r);
}

int prompts_register(server *s, struct mcp_plugin *owner, const mcp_prompt_def *def, char *err,
                     size_t errsz)
{
    int rc = MCP_INVALID;
    if (!def || def->version < 1 || !def->name || !*def->name || !def->get ||
        (def->n_args && !def->args)) {
        snprintf(err, errsz, "prompt needs version >= 1, a name and a get function");
        goto fail;
    }
    for (size_t i = 0; i < s->n_prompts; i++) {
        if (!strcmp(s->prompts[i]->name, def->name)) {
            snprintf(err, errsz, "prompt '%s' is already registered by %s", def->name,
                     s->prompts[i]->owner ? plugin_name(s->prompts[i]->owner) : "the host");
            rc = MCP_EXISTS;
            goto fail;
        }
    }
    prompt_reg *r = calloc(1, sizeof *r);
    prompt_reg **nr = realloc(s->prompts, (s->n_prompts + 1) * sizeof *nr);
    if (nr)
        s->prompts = nr;
    if (!r || !nr || (def->n_args && !(r->args = calloc(def->n_args, sizeof *r->args)))) {
        free(r);
        snprintf(err, errsz, "out of memory");
        rc = MCP_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < def->n_args; i++) {
        r->args[i].name = strdup(def->args[i].name ? def->args[i].name : "");
        r->args[i].description = def->args[i].description ? strdup(def->args[i].description) : NULL;
        r->args[i].required = def->args[i].required;
    }
    r->n_args = def->n_args;
    r->name = strdup(def->name);
    r->title = def->title ? strdup(def->title) : NULL;
    r->description = def->description ? strdup(def->description) : NULL;
    r->get = def->get;
    r->complete = def->complete;
    r->user_data = def->user_data;
    r->free_user_data = def->free_user_data;
    r->owner = owner;
    s->prompts[s->n_prompts++] = r;
    return MCP_OK;
fail:
    if (def && def->free_user_data)
        def->free_user_data(def->user_data);
    return rc;
}

void prompts_unregister_owner(server *s, struct mcp_plugin *owner)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_prompts; i++) {
        if (s->prompts[i]->owner == owner)
            reg_free(s->prompts[i]);
        else
            s->prompts[w++] = s->prompts[i];
    }
    s->n_prompts = w;
}

void prompts_free_all(server *s)
{
    for (size_t i = s->n_prompts; i-- > 0;)
        reg_free(s->prompts[i]);
    free(s->prompts);
    s->prompts = NULL;
    s->n_prompts = 0;
}

cJSON *prompts_list(server *s, const cJSON *params, int *code, char *msg, size_t msgsz)
{
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(params, "cursor");
    if (cur && !cJSON_IsNull(cur)) {
        *code = -32602; /* one page holds every prompt */
        snprintf(msg, msgsz, "prompts/list: invalid cursor");
        return NULL;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(res, "prompts");
    for (size_t i = 0; i < s->n_prompts; i++) {
        const prompt_reg *r = s->prompts[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", r->name);
        if (r->title)
            cJSON_AddStringToObject(o, "title", r->title);
        if (r->description)
            cJSON_AddStringToObject(o, "description", r->description);
        cJSON *args = cJSON_AddArrayToObject(o, "arguments");
        for (size_t k = 0; k < r->n_args; k++) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddStringToObject(a, "name", r->args[k].name);
            if (r->args[k].description)
                cJSON_AddStringToObject(a, "description", r->args[k].description);
            cJSON_AddBoolToObject(a, "required", r->args[k].required);
            cJSON_AddItemToArray(args, a);
        }
        cJSON_AddItemToArray(arr, o);
    }
    return res;
}

static const prompt_reg *find_prompt(server *s, const char *name)
{
    for (size_t i = 0; i < s->n_prompts; i++)
        if (!strcmp(s->prompts[i]->name, name))
            return s->prompts[i];
    return NULL;
}

cJSON *prompts_get(server *s, const cJSON *params, int *code, char *msg, size_t msgsz)
{
    *code = -32602;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
    if (!cJSON_IsString(name)) {
        snprintf(msg, msgsz, "prompts/get: params.name must be a string");
        return NULL;
    }
    const prompt_reg *r = find_prompt(s, name->valuestring);
    if (!r) {
        snprintf(msg, msgsz, "unknown prompt '%.200s' (prompts/list shows them)",
                 name->valuestring);
        return NULL;
    }
    if (args && !cJSON_IsNull(args) && !cJSON_IsObject(args)) {
        snprintf(msg, msgsz, "prompts/get: params.arguments must be an object of strings");
        return NULL;
    }
    const cJSON *a;
    cJSON_ArrayForEach(a, args)
    {
        bool known = false;
        for (size_t k = 0; k < r->n_args; k++)
            known |= !strcmp(r->args[k].name, a->string);
        if (!known || !cJSON_IsString(a)) {
            snprintf(msg, msgsz, "prompt '%s': argument '%.100s' %s", r->name, a->string,
                     known ? "must be a string" : "is not one of its arguments");
            return NULL;
        }
    }
    for (size_t k = 0; k < r->n_args; k++) {
        if (r->args[k].required && !cJSON_GetObjectItemCaseSensitive(args, r->args[k].name)) {
            snprintf(msg, msgsz, "prompt '%s': missing required argument '%s'", r->name,
                     r->args[k].name);
            return NULL;
        }
    }
    cJSON *empty = NULL;
    if (!cJSON_IsObject(args))
        args = empty = cJSON_CreateObject();
    mcp_prompt pr = {r, cJSON_CreateArray()};
    if (r->owner)
        r->owner->last_error[0] = '\0';
    int rc = r->get(&pr, args, r->user_data);
    cJSON_Delete(empty);
    if (rc != MCP_OK) {
        const char *why = r->owner ? plugin_last_error(r->owner) : "";
        *code = rc == MCP_INVALID ? -32602 : -32603;
        snprintf(msg, msgsz, "prompt '%s' failed: %s", r->name, why && *why ? why : "no message");
        cJSON_Delete(pr.messages);
        return NULL;
    }
    cJSON *res = cJSON_CreateObject();
    if (r->description)
        cJSON_AddStringToObject(res, "description", r->description);
    cJSON_AddItemToObject(res, "messages", pr.messages);
    return res;
}

static int add_message(mcp_prompt *pr, const char *role, cJSON *block)
{
    if (!pr || !role || (strcmp(role, "user") && strcmp(role, "assistant")) ||
        !cJSON_IsObject(block)) {
        cJSON_Delete(block);
        return MCP_INVALID;
    }
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", role);
    cJSON_AddItemToObject(m, "content", block);
    cJSON_AddItemToArray(pr->messages, m);
    return MCP_OK;
}

int prompt_api_text(mcp_prompt *pr, const char *role, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MCP_NOMEM;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", "text");
    cJSON_AddStringToObject(b, "text", text);
    free(text);
    return add_message(pr, role, b);
}

int prompt_api_content(mcp_prompt *pr, const char *role, cJSON *block)
{
    return add_message(pr, role, block);
}

mcp_plugin *prompt_api_plugin(const mcp_prompt *pr)
{
    return pr ? pr->reg->owner : NULL;
}

int prompts_complete(server *s, const char *prompt, const char *arg, const char *prefix,
                     const cJSON *context, cJSON *values, char *msg, size_t msgsz)
{
    const prompt_reg *r = find_prompt(s, prompt);
    if (!r) {
        snprintf(msg, msgsz, "completion/complete: unknown prompt '%.200s'", prompt);
        return MCP_NOTFOUND;
    }
    if (!r->complete)
        return MCP_OK;
    mcp_completion c = {values, 0};
    return r->complete(&c, arg, prefix, context, r->user_data);
}

cJSON *completion_complete(server *s, const cJSON *params, int *code, char *msg, size_t msgsz)
{
    *code = -32602;
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(params, "ref");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ref, "type");
    const cJSON *argument = cJSON_GetObjectItemCaseSensitive(params, "argument");
    const cJSON *aname = cJSON_GetObjectItemCaseSensitive(argument, "name");
    const cJSON *avalue = cJSON_GetObjectItemCaseSensitive(argument, "value");
    const cJSON *context = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(params, "context"), "arguments");
    if (!cJSON_IsString(type) || !cJSON_IsString(aname) || !cJSON_IsString(avalue)) {
        snprintf(msg, msgsz,
                 "completion/complete: needs ref.type, argument.name and "
                 "argument.value strings");
        return NULL;
    }
    cJSON *values = cJSON_CreateArray();
    int rc;
    if (!strcmp(type->valuestring, "ref/prompt")) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(ref, "name");
        if (!cJSON_IsString(n)) {
            cJSON_Delete(values);
            snprintf(msg, msgsz, "completion/complete: ref.name must be a string");
            return NULL;
        }
        rc = prompts_complete(s, n->valuestring, aname->valuestring, avalue->valuestring, context,
                              values, msg, msgsz);
    } else if (!strcmp(type->valuestring, "ref/resource")) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(ref, "uri");
        if (!cJSON_IsString(u)) {
            cJSON_Delete(values);
            snprintf(msg, msgsz, "completion/complete: ref.uri must be a string");
            return NULL;
        }
        rc = resources_complete(s, u->valuestring, aname->valuestring, avalue->valuestring, context,
                                values, msg, msgsz);
    } else {
        cJSON_Delete(values);
        snprintf(msg, msgsz, "completion/complete: unknown ref.type '%.60s'", type->valuestring);
        return NULL;
    }
    if (rc != MCP_OK) {
        cJSON_Delete(values);
        if (rc != MCP_NOTFOUND)
            snprintf(msg, msgsz, "completion/complete failed");
        return NULL;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(res, "completion");
    int n = cJSON_GetArraySize(values);
    cJSON_AddItemToObject(c, "values", values);
    cJSON_AddNumberToObject(c, "total", n);
    cJSON_AddBoolToObject(c, "hasMore", n >= 100);
    return res;
}

int prompt_api_register(mcp_plugin *self, const mcp_prompt_def *def)
{
    if (!self->in_init) {
        plugin_api_set_error(self, "register_prompt is only allowed inside init");
        if (def && def->free_user_data)
            def->free_user_data(def->user_data);
        return MCP_MISUSE;
    }
    char err[512];
    int rc = prompts_register(self->srv, self, def, err, sizeof err);
    if (rc != MCP_OK)
        plugin_api_set_error(self, "%s", err);
    return rc;
}
