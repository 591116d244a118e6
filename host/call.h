/* call.h - one tools/call in flight: its result being built, progress,
 * cancellation, and the single response it owes. */
#ifndef SMCP_CALL_H
#define SMCP_CALL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "scalene_mcp.h"
#include "server.h"
#include "tools.h"

struct mcp_call {
    server *srv;
    tool *tool;
    char *id_token;        /* the request id exactly as sent (raw JSON token) */
    cJSON *id_value;       /* parsed id, to match notifications/cancelled */
    cJSON *progress_token; /* NULL: the client asked for no progress */
    double last_progress;
    bool sent_progress;
    bool modern;   /* 2026-07-28 request: resultType + _meta on the result */
    int log_level; /* modern: level asked in _meta; -1 none */
    bool async;    /* the handler returned MCP_ASYNC */
    bool done;     /* response sent (or suppressed) */
    bool cancelled;
    mcp_cancel_fn on_cancel;
    void *on_cancel_ud;
    /* the result being built */
    cJSON *content;    /* array */
    cJSON *structured; /* may be NULL */
    bool is_error;
    char *error_text;
    char *error_hint;
    /* Set by call_run_capture: the CallToolResult goes here instead of to
     * the client (NULL when the tool broke its outputSchema). */
    cJSON **capture;
};

/* Creates a call for `t` (borrowed) answering request id `id_token`. */
mcp_call *call_new(server *s, tool *t, const char *id_token, const cJSON *id_value,
                   const cJSON *progress_token, bool modern, int log_level);
/* Runs the handler and, unless it went async, sends the response and frees
 * the call. */
void call_run(mcp_call *c, const cJSON *args);
/* Runs a synchronous tool for the host itself (a resource read, a prompt)
 * and returns its CallToolResult (caller frees), or NULL with err set when
 * the tool failed to build one or is asynchronous. */
cJSON *call_run_capture(server *s, tool *t, const cJSON *args, char *err, size_t errsz);
/* Client cancelled: no response will be sent. */
void call_cancel(mcp_call *c);
/* Finds an in-flight call by the id given in notifications/cancelled. */
mcp_call *call_find(server *s, const cJSON *request_id);

/* Host-API members. */
int call_api_result_text(mcp_call *call, const char *fmt, ...) MCP_PRINTF(2, 3);
int call_api_result_structured(mcp_call *call, cJSON *value);
int call_api_result_content(mcp_call *call, cJSON *block);
int call_api_result_error(mcp_call *call, const char *hint, const char *fmt, ...) MCP_PRINTF(3, 4);
void call_api_done(mcp_call *call, int rc);
void call_api_progress(mcp_call *call, double progress, double total, const char *message);
bool call_api_cancelled(const mcp_call *call);
void call_api_on_cancel(mcp_call *call, mcp_cancel_fn fn, void *user_data);
mcp_plugin *call_api_plugin(const mcp_call *call);

/* Builds the JSON-RPC envelope for a result: adds id, and in the modern era
 * resultType and serverInfo _meta. Takes `result`. */
cJSON *envelope_result(const char *id_token, cJSON *result, bool modern);
cJSON *envelope_error(const char *id_token, int code, const char *message, cJSON *data);

#endif
