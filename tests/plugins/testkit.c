/* testkit.c - a test plugin: a sync tool with structured output, an async
 * tool with progress and cancellation, a failing tool, and a tool whose
 * result breaks its own outputSchema (test builds must reject it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalene_mcp.h"

static const mcp_host_api *api;

static int echo(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    const char *text = cJSON_GetObjectItemCaseSensitive(args, "text")->valuestring;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "text", text);
    cJSON_AddNumberToObject(out, "length", (double)strlen(text));
    api->result_text(call, "%s", text);
    api->result_structured(call, out);
    return MCP_OK;
}

typedef struct slow_run {
    mcp_call *call;
    mcp_plugin *self;
    int steps, done_steps;
    uint64_t step_ms, timer;
} slow_run;

static void slow_tick(void *ud)
{
    slow_run *r = ud;
    r->done_steps++;
    api->call_progress(r->call, r->done_steps, r->steps, "working");
    if (r->done_steps < r->steps) {
        api->timer_start(r->self, r->step_ms, slow_tick, r, &r->timer);
        return;
    }
    api->result_text(r->call, "slept %d steps", r->steps);
    api->call_done(r->call, MCP_OK);
    free(r);
}

static void slow_cancel(mcp_call *call, void *ud)
{
    slow_run *r = ud;
    api->timer_cancel(r->self, r->timer);
    api->log(r->self, MCP_LOG_INFO, "test_slow cancelled after %d steps", r->done_steps);
    api->call_done(call, MCP_ERROR);
    free(r);
}

static int slow(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    slow_run *r = calloc(1, sizeof *r);
    if (!r)
        return MCP_NOMEM;
    r->call = call;
    r->self = api->call_plugin(call);
    r->steps = cJSON_GetObjectItemCaseSensitive(args, "steps")->valueint;
    int ms = cJSON_GetObjectItemCaseSensitive(args, "ms")->valueint;
    r->step_ms = (uint64_t)(ms / r->steps);
    api->call_on_cancel(call, slow_cancel, r);
    if (api->timer_start(r->self, r->step_ms, slow_tick, r, &r->timer) != MCP_OK) {
        free(r);
        return MCP_NOMEM;
    }
    return MCP_ASYNC;
}

static int fail(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    api->result_error(call, "this tool always fails; it exists for tests", "planned failure");
    return MCP_ERROR;
}

static int broken(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "count", "not a number");
    api->result_structured(call, out);
    return MCP_OK;
}

static int testkit_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    const char *fail_init = api->config(self, "fail_init");
    if (fail_init && strcmp(fail_init, "true") == 0) {
        api->set_error(self, "asked to fail by fail_init = true");
        return MCP_ERROR;
    }
    const mcp_tool_def tools[] = {
        {MCP_TOOL_DEF_VERSION, "test_echo", "Echo", "Echoes text back with its length.",
         "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},"
         "\"required\":[\"text\"],\"additionalProperties\":false}",
         "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"},"
         "\"length\":{\"type\":\"integer\"}},\"required\":[\"text\",\"length\"],"
         "\"additionalProperties\":false}",
         MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, echo, NULL, NULL},
        {MCP_TOOL_DEF_VERSION, "test_slow", "Slow",
         "Finishes after ms milliseconds, reporting progress in steps; cancellable.",
         "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\",\"minimum\":1,"
         "\"maximum\":600000},\"steps\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}},"
         "\"required\":[\"ms\",\"steps\"],\"additionalProperties\":false}",
         NULL, MCP_TOOL_READ_ONLY, slow, NULL, NULL},
        {MCP_TOOL_DEF_VERSION, "test_fail", NULL, "Always returns a tool error.",
         "{\"type\":\"object\",\"additionalProperties\":false}", NULL, MCP_TOOL_READ_ONLY, fail,
         NULL, NULL},
        {MCP_TOOL_DEF_VERSION, "test_broken_output", NULL,
         "Returns structuredContent that violates its own outputSchema.",
         "{\"type\":\"object\",\"additionalProperties\":false}",
         "{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\"}},"
         "\"required\":[\"count\"],\"additionalProperties\":false}",
         MCP_TOOL_READ_ONLY, broken, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        int rc = api->register_tool(self, &tools[i]);
        if (rc != MCP_OK)
            return rc;
    }
    return MCP_OK;
}

MCP_PLUGIN("testkit", "1.0", testkit_init, NULL);
