/* call.c - tools/call lifecycle and the result-building host services. */
#include "call.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jschema.h"
#include "plugin.h"

cJSON *envelope_result(const char *id_token, cJSON *result, bool modern)
{
    cJSON *msg = cJSON_CreateObject();
    if (!msg) {
        cJSON_Delete(result);
        return NULL;
    }
    cJSON_AddStringToObject(msg, "jsonrpc", "2.0");
    cJSON_AddRawToObject(msg, "id", id_token);
    if (!result)
        result = cJSON_CreateObject();
    if (modern && result) {
        if (!cJSON_GetObjectItemCaseSensitive(result, "resultType"))
            cJSON_AddStringToObject(result, "resultType", "complete");
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(result, "_meta");
        if (!meta)
            meta = cJSON_AddObjectToObject(result, "_meta");
        cJSON *info = cJSON_AddObjectToObject(meta, "io.modelcontextprotocol/serverInfo");
        cJSON_AddStringToObject(info, "name", SMCP_NAME);
        cJSON_AddStringToObject(info, "version", SMCP_VERSION);
    }
    cJSON_AddItemToObject(msg, "result", result);
    return msg;
}

cJSON *envelope_error(const char *id_token, int code, const char *message, cJSON *data)
{
    cJSON *msg = cJSON_CreateObject();
    if (!msg) {
        cJSON_Delete(data);
        return NULL;
    }
    cJSON_AddStringToObject(msg, "jsonrpc", "2.0");
    if (id_token) /* MCP types the error id as optional: omit it, never null */
        cJSON_AddRawToObject(msg, "id", id_token);
    cJSON *err = cJSON_AddObjectToObject(msg, "error");
    cJSON_AddNumberToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", message);
    if (data)
        cJSON_AddItemToObject(err, "data", data);
    return msg;
}

mcp_call *call_new(server *s, tool *t, const char *id_token, const cJSON *id_value,
                   const cJSON *progress_token, bool modern, int log_level)
{
    mcp_call *c = calloc(1, sizeof *c);
    mcp_call **nc = realloc(s->calls, (s->n_calls + 1) * sizeof *nc);
    if (!c || !nc) {
        free(c);
        if (nc)
            s->calls = nc;
        return NULL;
    }
    s->calls = nc;
    c->srv = s;
    c->tool = t;
    c->id_token = strdup(id_token);
    c->id_value = cJSON_Duplicate(id_value, 1);
    if (cJSON_IsNumber(progress_token)) {
        /* cJSON prints doubles with 15 significant digits when that reads
         * back "close enough": keep an integer token's exact digits (the
         * caller passes only integers within 2^53) */
        char num[32];
        /* cJSON_IsNumber(NULL) is false (opaque to the analyzer) */
        // NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
        snprintf(num, sizeof num, "%.0f", progress_token->valuedouble);
        c->progress_token = cJSON_CreateRaw(num);
    } else {
        c->progress_token = progress_token ? cJSON_Duplicate(progress_token, 1) : NULL;
    }
    c->modern = modern;
    c->log_level = log_level;
    c->content = cJSON_CreateArray();
    if (!c->id_token || !c->content) {
        free(c->id_token);
        cJSON_Delete(c->id_value);
        cJSON_Delete(c->progress_token);
        cJSON_Delete(c->content);
        free(c);
        return NULL;
    }
    s->calls[s->n_calls++] = c;
    return c;
}

static void call_free(mcp_call *c)
{
    server *s = c->srv;
    for (size_t i = 0; i < s->n_calls; i++) {
        if (s->calls[i] == c) {
            memmove(&s->calls[i], &s->calls[i + 1], (s->n_calls - i - 1) * sizeof *s->calls);
            s->n_calls--;
            break;
        }
    }
    if (s->current_call == c)
        s->current_call = NULL;
    free(c->id_token);
    cJSON_Delete(c->id_value);
    cJSON_Delete(c->progress_token);
    cJSON_Delete(c->content);
    cJSON_Delete(c->structured);
    free(c->error_text);
    free(c->error_hint);
    free(c);
}

static void add_text(cJSON *content, const char *text)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", "text");
    cJSON_AddStringToObject(b, "text", text);
    cJSON_AddItemToArray(content, b);
}

/* Builds the CallToolResult. Returns NULL (and sets *rpc_err) when the
 * result breaks the tool's own outputSchema in a test build. */
static cJSON *build_result(mcp_call *c, char *rpc_err, size_t errsz)
{
    cJSON *r = cJSON_CreateObject();
    if (!r)
        return NULL;
    if (c->is_error) {
        char msg[4096];
        snprintf(msg, sizeof msg, "%s%s%s", c->error_text ? c->error_text : "tool failed",
                 c->error_hint ? "\nHint: " : "", c->error_hint ? c->error_hint : "");
        cJSON *content = cJSON_CreateArray();
        add_text(content, msg);
        cJSON_AddItemToObject(r, "content", content);
        cJSON_AddTrueToObject(r, "isError");
        return r;
    }
    if (c->structured && cJSON_GetArraySize(c->content) == 0) {
        char *txt = cJSON_PrintUnformatted(c->structured);
        if (txt) {
            add_text(c->content, txt);
            cJSON_free(txt);
        }
    }
#ifdef SMCP_TEST_HOOKS
    if (c->tool->output_schema) {
        char why[1024];
        if (!c->structured) {
            snprintf(rpc_err, errsz,
                     "tool '%s' declares an outputSchema but returned no "
                     "structuredContent",
                     c->tool->name);
            cJSON_Delete(r);
            return NULL;
        }
        if (!jschema_validate(c->tool->output_schema, c->structured, "structuredContent", why,
                              sizeof why)) {
            snprintf(rpc_err, errsz,
                     "tool '%s' returned structuredContent that violates its "
                     "outputSchema: %s",
                     c->tool->name, why);
            cJSON_Delete(r);
            return NULL;
        }
    }
#else
    (void)rpc_err;
    (void)errsz;
#endif
    cJSON_AddItemToObject(r, "content", c->content);
    c->content = NULL;
    if (c->structured) {
        cJSON_AddItemToObject(r, "structuredContent", c->structured);
        c->structured = NULL;
    }
    return r;
}

static void finish(mcp_call *c, int rc)
{
    if (c->done)
        return;
    c->done = true;
    if (c->capture) {
        if (rc != MCP_OK && !c->is_error) {
            const char *why = c->tool->owner ? plugin_last_error(c->tool->owner) : "";
            c->is_error = true;
            c->error_text = strdup(why && *why ? why : "tool failed");
        }
        char rpc_err[1536];
        *c->capture = build_result(c, rpc_err, sizeof rpc_err);
    } else if (!c->cancelled) {
        if (rc != MCP_OK && !c->is_error) {
            const char *why = c->tool->owner ? plugin_last_error(c->tool->owner) : "";
            char buf[256];
            if (!why || !*why) {
                snprintf(buf, sizeof buf, "tool '%s' failed (code %d)", c->tool->name, rc);
                why = buf;
            }
            c->is_error = true;
            c->error_text = strdup(why);
        }
        char rpc_err[1536];
        cJSON *result = build_result(c, rpc_err, sizeof rpc_err);
        cJSON *msg = result ? envelope_result(c->id_token, result, c->modern)
                            : envelope_error(c->id_token, -32603, rpc_err, NULL);
        if (!result)
            server_log(c->srv, NULL, MCP_LOG_ERROR, "tools", "%s", rpc_err);
        if (msg) {
            server_send(c->srv, msg);
            cJSON_Delete(msg);
        }
    }
    call_free(c);
}

void call_run(mcp_call *c, const cJSON *args)
{
    server *s = c->srv;
    if (c->tool->owner)
        c->tool->owner->last_error[0] = '\0';
    mcp_call *prev = s->current_call;
    s->current_call = c;
    int rc = c->tool->handler(c, args, c->tool->user_data);
    s->current_call = prev;
    if (rc == MCP_ASYNC) {
        c->async = true;
        return;
    }
    finish(c, rc);
}

cJSON *call_run_capture(server *s, tool *t, const cJSON *args, char *err, size_t errsz)
{
    char why[1024];
    if (!jschema_validate(t->input_schema, args, "argument", why, sizeof why)) {
        snprintf(err, errsz, "%s", why);
        return NULL;
    }
    mcp_call *c = call_new(s, t, "0", NULL, NULL, false, -1);
    if (!c) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    cJSON *result = NULL;
    c->capture = &result;
    call_run(c, args);
    bool still_running = false; /* a finished call is freed: compare, never dereference */
    for (size_t i = 0; i < s->n_calls; i++)
        still_running |= s->calls[i] == c;
    if (still_running) {
        /* an asynchronous tool cannot answer inline: drop its result later */
        c->capture = NULL;
        call_cancel(c);
        snprintf(err, errsz, "tool '%s' is asynchronous", t->name);
        return NULL;
    }
    if (!result)
        snprintf(err, errsz, "tool '%s' returned a result that breaks its outputSchema", t->name);
    return result;
}

void call_cancel(mcp_call *c)
{
    if (c->cancelled || c->done)
        return;
    c->cancelled = true;
    if (c->on_cancel) {
        mcp_cancel_fn fn = c->on_cancel;
        c->on_cancel = NULL;
        fn(c, c->on_cancel_ud);
    }
}

mcp_call *call_find(server *s, const cJSON *request_id)
{
    for (size_t i = 0; i < s->n_calls; i++) {
        const cJSON *v = s->calls[i]->id_value;
        if (cJSON_IsString(request_id) && cJSON_IsString(v) &&
            strcmp(request_id->valuestring, v->valuestring) == 0)
            return s->calls[i];
        if (cJSON_IsNumber(request_id) && cJSON_IsNumber(v) &&
            request_id->valuedouble == v->valuedouble)
            return s->calls[i];
    }
    return NULL;
}

int call_api_result_text(mcp_call *call, const char *fmt, ...)
{
    if (!call || call->done)
        return MCP_MISUSE;
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MCP_NOMEM;
    add_text(call->content, text);
    free(text);
    return MCP_OK;
}

int call_api_result_structured(mcp_call *call, cJSON *value)
{
    if (!call || call->done) {
        cJSON_Delete(value);
        return MCP_MISUSE;
    }
    cJSON_Delete(call->structured);
    call->structured = value;
    return MCP_OK;
}

int call_api_result_content(mcp_call *call, cJSON *block)
{
    if (!call || call->done) {
        cJSON_Delete(block);
        return MCP_MISUSE;
    }
    if (!cJSON_IsObject(block) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(block, "type"))) {
        cJSON_Delete(block);
        return MCP_INVALID;
    }
    cJSON_AddItemToArray(call->content, block);
    return MCP_OK;
}

int call_api_result_error(mcp_call *call, const char *hint, const char *fmt, ...)
{
    if (!call || call->done)
        return MCP_MISUSE;
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MCP_NOMEM;
    free(call->error_text);
    free(call->error_hint);
    call->error_text = text;
    call->error_hint = hint ? strdup(hint) : NULL;
    call->is_error = true;
    return MCP_OK;
}

void call_api_done(mcp_call *call, int rc)
{
    if (call)
        finish(call, rc);
}

void call_api_progress(mcp_call *call, double progress, double total, const char *message)
{
    if (!call || call->done || call->cancelled || !call->progress_token || !isfinite(progress))
        return;
    if (call->sent_progress && progress <= call->last_progress)
        return;
    call->sent_progress = true;
    call->last_progress = progress;
    cJSON *msg = cJSON_CreateObject();
    cJSON_AddStringToObject(msg, "jsonrpc", "2.0");
    cJSON_AddStringToObject(msg, "method", "notifications/progress");
    cJSON *p = cJSON_AddObjectToObject(msg, "params");
    cJSON_AddItemToObject(p, "progressToken", cJSON_Duplicate(call->progress_token, 1));
    cJSON_AddNumberToObject(p, "progress", progress);
    if (total > 0 && isfinite(total))
        cJSON_AddNumberToObject(p, "total", total);
    if (message)
        cJSON_AddStringToObject(p, "message", message);
    server_send(call->srv, msg);
    cJSON_Delete(msg);
}

bool call_api_cancelled(const mcp_call *call)
{
    return call && call->cancelled;
}

void call_api_on_cancel(mcp_call *call, mcp_cancel_fn fn, void *user_data)
{
    if (!call)
        return;
    call->on_cancel = fn;
    call->on_cancel_ud = user_data;
}

mcp_plugin *call_api_plugin(const mcp_call *call)
{
    return call && call->tool ? call->tool->owner : NULL;
}
