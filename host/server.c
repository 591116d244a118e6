/* server.c - MCP dispatch for both protocol eras, logging, start/stop. */
#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "core_tools.h"
#include "jschema.h"
#include "plugin.h"
#include "prompts.h"
#include "resources.h"
#include "sections.h"
#include "profile.h"
#include "profile_access.h"
#include "store.h"
#include "tools.h"

#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CAPS "io.modelcontextprotocol/clientCapabilities"
#define META_LOGLEVEL "io.modelcontextprotocol/logLevel"

/* RPC error codes */
enum {
    E_PARSE = -32700,
    E_INVALID_REQUEST = -32600,
    E_METHOD = -32601,
    E_PARAMS = -32602,
    E_INTERNAL = -32603,
    E_UNSUPPORTED_VERSION = -32022
};

static const char *const legacy_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                              "2024-11-05", NULL};

/* how long a modern client may cache lists: the tool set never changes
 * while the process runs */
#define LIST_TTL_MS 300000

static const char *const instructions =
    "scalene-mcp profiles Python programs with Scalene (CPU, memory, GPU per line) and keeps "
    "every profile. Typical loop: profile_script (or profile_code for a snippet) returns a "
    "profile_id; then ask focused questions with that id (get_cpu_hotspots, "
    "get_memory_hotspots, get_bottlenecks, get_memory_leaks, get_function_summary, "
    "analyze_profile); after changing the code, profile again and call compare_profiles with "
    "both ids. Results are short text first with structured data beside it; use top_n and "
    "file filters rather than asking for everything.";

/* ------------------------------------------------------------------ */
/* output and logging                                                  */
/* ------------------------------------------------------------------ */

void server_send(server *s, const cJSON *msg)
{
    if (s->out_fd < 0)
        return;
    if (rpc_write(s->out_fd, msg) < 0) {
        /* the client is gone: nothing more can be said */
        close(s->out_fd);
        s->out_fd = -1;
        s->stdin_open = false;
        s->shutting_down = true;
        loop_stop(s->loop);
    }
}

void server_log(server *s, mcp_call *call, int level, const char *logger, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (level >= s->cfg.log_level)
        fprintf(stderr, "scalene-mcp: %s: %s: %s\n", config_log_level_name(level), logger, msg);
    int wanted = -1;
    if (call && call->modern)
        wanted = call->log_level;
    else if (!call || !call->modern)
        wanted = s->legacy_session ? s->legacy_log_level : -1;
    if (wanted < 0 || level < wanted || s->out_fd < 0)
        return;
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "jsonrpc", "2.0");
    cJSON_AddStringToObject(n, "method", "notifications/message");
    cJSON *p = cJSON_AddObjectToObject(n, "params");
    cJSON_AddStringToObject(p, "level", config_log_level_name(level));
    cJSON_AddStringToObject(p, "logger", logger);
    cJSON_AddStringToObject(p, "data", msg);
    server_send(s, n);
    cJSON_Delete(n);
}

static void send_error(server *s, const char *id_token, int code, const char *message, cJSON *data)
{
    cJSON *m = envelope_error(id_token, code, message, data);
    if (m) {
        server_send(s, m);
        cJSON_Delete(m);
    }
}

static void send_result(server *s, const char *id_token, cJSON *result, bool modern)
{
    cJSON *m = envelope_result(id_token, result, modern);
    if (m) {
        server_send(s, m);
        cJSON_Delete(m);
    }
}

/* ------------------------------------------------------------------ */
/* request context                                                     */
/* ------------------------------------------------------------------ */

typedef struct req {
    const char *id; /* raw token */
    const cJSON *id_value;
    const char *method;
    const cJSON *params; /* object or NULL */
    const cJSON *meta;   /* params._meta or NULL */
    bool modern;
    int log_level; /* modern: from _meta; -1 none */
} req;

static cJSON *capabilities(const server *s)
{
    (void)s;
    cJSON *caps = cJSON_CreateObject();
    cJSON *tools = cJSON_AddObjectToObject(caps, "tools");
    cJSON_AddFalseToObject(tools, "listChanged");
    cJSON *res = cJSON_AddObjectToObject(caps, "resources");
    cJSON_AddFalseToObject(res, "subscribe");
    cJSON_AddFalseToObject(res, "listChanged");
    cJSON *pr = cJSON_AddObjectToObject(caps, "prompts");
    cJSON_AddFalseToObject(pr, "listChanged");
    cJSON_AddObjectToObject(caps, "completions");
    cJSON_AddObjectToObject(caps, "logging");
    return caps;
}

static char *full_instructions(const server *s)
{
    char *out = NULL;
    if (asprintf(&out, "%s%s%s", instructions, s->cfg.instructions_extra ? "\n" : "",
                 s->cfg.instructions_extra ? s->cfg.instructions_extra : "") < 0)
        return NULL;
    return out;
}

static cJSON *server_info(void)
{
    cJSON *info = cJSON_CreateObject();
    cJSON_AddStringToObject(info, "name", SMCP_NAME);
    cJSON_AddStringToObject(info, "title", "Scalene profiler");
    cJSON_AddStringToObject(info, "version", SMCP_VERSION);
    cJSON_AddStringToObject(info, "description",
                            "Profile Python programs with Scalene and query the profiles");
    return info;
}

static void add_cache_hints(cJSON *result, const req *r)
{
    if (!r->modern)
        return;
    cJSON_AddNumberToObject(result, "ttlMs", LIST_TTL_MS);
    cJSON_AddStringToObject(result, "cacheScope", "public");
}

/* ------------------------------------------------------------------ */
/* methods                                                             */
/* ------------------------------------------------------------------ */

static void m_initialize(server *s, const req *r)
{
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(r->params, "protocolVersion");
    if (!cJSON_IsString(pv)) {
        send_error(s, r->id, E_PARAMS, "initialize: params.protocolVersion must be a string", NULL);
        return;
    }
    const char *chosen = SMCP_LEGACY_LATEST;
    for (size_t i = 0; legacy_versions[i]; i++)
        if (strcmp(pv->valuestring, legacy_versions[i]) == 0)
            chosen = legacy_versions[i];
    s->legacy_session = true;
    snprintf(s->legacy_version, sizeof s->legacy_version, "%s", chosen);
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "protocolVersion", chosen);
    cJSON_AddItemToObject(res, "capabilities", capabilities(s));
    cJSON_AddItemToObject(res, "serverInfo", server_info());
    char *ins = full_instructions(s);
    if (ins)
        cJSON_AddStringToObject(res, "instructions", ins);
    free(ins);
    send_result(s, r->id, res, false);
}

static void m_discover(server *s, const req *r)
{
    cJSON *res = cJSON_CreateObject();
    cJSON *v = cJSON_AddArrayToObject(res, "supportedVersions");
    cJSON_AddItemToArray(v, cJSON_CreateString(SMCP_MODERN_VERSION));
    for (size_t i = 0; legacy_versions[i]; i++)
        cJSON_AddItemToArray(v, cJSON_CreateString(legacy_versions[i]));
    cJSON_AddItemToObject(res, "capabilities", capabilities(s));
    char *ins = full_instructions(s);
    if (ins)
        cJSON_AddStringToObject(res, "instructions", ins);
    free(ins);
    cJSON_AddNumberToObject(res, "ttlMs", LIST_TTL_MS);
    cJSON_AddStringToObject(res, "cacheScope", "public");
    send_result(s, r->id, res, true);
}

/* Cursor: "t" + offset in hex + "." + the count of tools, so a cursor from
 * another configuration is refused instead of silently misread. */
static bool parse_cursor(const char *c, size_t n_tools, size_t *offset)
{
    /* strtoul, not sscanf: an out-of-range number is an error, not UB */
    char *end;
    if (c[0] != 't' || !isxdigit((unsigned char)c[1]))
        return false;
    errno = 0;
    unsigned long off = strtoul(c + 1, &end, 16);
    if (errno || *end != '.' || !isxdigit((unsigned char)end[1]))
        return false;
    unsigned long count = strtoul(end + 1, &end, 16);
    if (errno || *end)
        return false;
    if (count != n_tools || off == 0 || off >= n_tools)
        return false;
    *offset = off;
    return true;
}

static void m_tools_list(server *s, const req *r)
{
    size_t total = tools_enabled_count(s), offset = 0;
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(r->params, "cursor");
    if (cur && !cJSON_IsNull(cur)) {
        if (!cJSON_IsString(cur) || !parse_cursor(cur->valuestring, total, &offset)) {
            send_error(s, r->id, E_PARAMS,
                       "tools/list: invalid cursor (use the nextCursor of a previous page)", NULL);
            return;
        }
    }
    size_t page = s->cfg.tools_page_size ? s->cfg.tools_page_size : total;
    cJSON *res = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(res, "tools");
    size_t idx = 0, emitted = 0;
    for (size_t i = 0; i < s->n_tools && emitted < page; i++) {
        if (!s->tools[i]->enabled)
            continue;
        if (idx++ < offset)
            continue;
        cJSON_AddItemToArray(arr, tool_to_json(s->tools[i]));
        emitted++;
    }
    if (offset + emitted < total) {
        char next[64];
        snprintf(next, sizeof next, "t%zx.%zx", offset + emitted, total);
        cJSON_AddStringToObject(res, "nextCursor", next);
    }
    add_cache_hints(res, r);
    send_result(s, r->id, res, r->modern);
}

static void m_tools_call(server *s, const req *r)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(r->params, "name");
    if (!cJSON_IsString(name)) {
        send_error(s, r->id, E_PARAMS, "tools/call: params.name must be a string", NULL);
        return;
    }
    tool *t = tools_find(s, name->valuestring);
    if (!t) {
        char msg[512];
        tool *off = tools_find_any(s, name->valuestring);
        snprintf(msg, sizeof msg,
                 off ? "tool '%.200s' is disabled in the [tools] section of the configuration"
                     : "unknown tool '%.200s' (tools/list shows the available tools)",
                 name->valuestring);
        send_error(s, r->id, E_PARAMS, msg, NULL);
        return;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(r->params, "arguments");
    cJSON *empty = NULL;
    if (!args || cJSON_IsNull(args))
        args = empty = cJSON_CreateObject();
    const cJSON *ptok = r->meta ? cJSON_GetObjectItemCaseSensitive(r->meta, "progressToken") : NULL;
    if (ptok && !cJSON_IsString(ptok) && !cJSON_IsNumber(ptok))
        ptok = NULL;
    /* cJSON keeps numbers as doubles: a token that is not an integer within
     * 2^53 (exclusive) may be sent back altered, so it gets no progress */
    if (cJSON_IsNumber(ptok) &&
        /* cJSON_IsNumber(NULL) is false (opaque to the analyzer) */
        // NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
        !(fabs(ptok->valuedouble) < 9007199254740992.0 &&
          ptok->valuedouble == floor(ptok->valuedouble)))
        ptok = NULL;
    mcp_call *c = call_new(s, t, r->id, r->id_value, ptok, r->modern, r->log_level);
    if (!c) {
        send_error(s, r->id, E_INTERNAL, "out of memory", NULL);
        cJSON_Delete(empty);
        return;
    }
    char why[1024];
    if (!jschema_validate(t->input_schema, args, "argument", why, sizeof why)) {
        /* SEP-1303: argument problems are tool errors the model can fix */
        call_api_result_error(c, "check the tool's inputSchema in tools/list",
                              "invalid arguments for %s: %s", t->name, why);
        call_api_done(c, MCP_INVALID);
    } else {
        call_run(c, args);
    }
    cJSON_Delete(empty);
}

static void m_ping(server *s, const req *r)
{
    send_result(s, r->id, cJSON_CreateObject(), false);
}

static void m_set_level(server *s, const req *r)
{
    const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(r->params, "level");
    int n = cJSON_IsString(lvl) ? config_log_level_from_name(lvl->valuestring) : -1;
    if (n < 0) {
        send_error(s, r->id, E_PARAMS,
                   "logging/setLevel: params.level must be one of debug, info, notice, warning, "
                   "error, critical, alert, emergency",
                   NULL);
        return;
    }
    s->legacy_log_level = n;
    send_result(s, r->id, cJSON_CreateObject(), false);
}

/* Methods implemented elsewhere: they build a result or an error. */
typedef cJSON *(*build_fn)(server *s, const cJSON *params, int *code, char *msg, size_t msgsz);

static void answer_built(server *s, const req *r, build_fn fn, bool cacheable)
{
    int code = E_INTERNAL;
    char msg[1024] = "internal error";
    cJSON *res = fn(s, r->params, &code, msg, sizeof msg);
    if (!res) {
        send_error(s, r->id, code, msg, NULL);
        return;
    }
    if (cacheable)
        add_cache_hints(res, r);
    send_result(s, r->id, res, r->modern);
}

static void m_resources_list(server *s, const req *r)
{
    answer_built(s, r, resources_list, true);
}

static void m_templates_list(server *s, const req *r)
{
    answer_built(s, r, resources_templates_list, true);
}

static void m_resources_read(server *s, const req *r)
{
    int code = E_INTERNAL;
    char msg[1024] = "internal error";
    cJSON *res = resources_read(s, r->params, r->modern, &code, msg, sizeof msg);
    if (!res) {
        /* not found (-32602 modern, -32002 legacy): data names the URI */
        const cJSON *uri = cJSON_GetObjectItemCaseSensitive(r->params, "uri");
        cJSON *data = NULL;
        if (cJSON_IsString(uri) && (code == E_PARAMS || code == -32002)) {
            data = cJSON_CreateObject();
            cJSON_AddStringToObject(data, "uri", uri->valuestring);
        }
        send_error(s, r->id, code, msg, data);
        return;
    }
    add_cache_hints(res, r);
    send_result(s, r->id, res, r->modern);
}

static void m_prompts_list(server *s, const req *r)
{
    answer_built(s, r, prompts_list, true);
}

static void m_prompts_get(server *s, const req *r)
{
    answer_built(s, r, prompts_get, false);
}

static void m_complete(server *s, const req *r)
{
    answer_built(s, r, completion_complete, false);
}

typedef void (*method_fn)(server *s, const req *r);

typedef struct method_entry {
    const char *name;
    method_fn fn;
    bool legacy_only; /* removed in 2026-07-28 */
} method_entry;

static const method_entry methods[] = {
    {"server/discover", m_discover, false},
    {"tools/list", m_tools_list, false},
    {"tools/call", m_tools_call, false},
    {"resources/list", m_resources_list, false},
    {"resources/templates/list", m_templates_list, false},
    {"resources/read", m_resources_read, false},
    {"prompts/list", m_prompts_list, false},
    {"prompts/get", m_prompts_get, false},
    {"completion/complete", m_complete, false},
    {"ping", m_ping, true},
    {"logging/setLevel", m_set_level, true},
    {NULL, NULL, false},
};

/* Legacy-era methods that 2026-07-28 removed and answers with -32601. */
static bool removed_in_modern(const char *m)
{
    return !strcmp(m, "initialize") || !strcmp(m, "ping") || !strcmp(m, "logging/setLevel") ||
           !strcmp(m, "resources/subscribe") || !strcmp(m, "resources/unsubscribe");
}

static void dispatch(server *s, const req *r)
{
    for (size_t i = 0; methods[i].name; i++) {
        if (strcmp(methods[i].name, r->method) == 0) {
            methods[i].fn(s, r);
            return;
        }
    }
    char msg[300];
    snprintf(msg, sizeof msg, "method not found: '%.200s'", r->method);
    send_error(s, r->id, E_METHOD, msg, NULL);
}

static bool modern_checks(server *s, req *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->meta, META_VERSION);
    if (strcmp(v->valuestring, SMCP_MODERN_VERSION) != 0) {
        cJSON *data = cJSON_CreateObject();
        cJSON *sup = cJSON_AddArrayToObject(data, "supported");
        cJSON_AddItemToArray(sup, cJSON_CreateString(SMCP_MODERN_VERSION));
        cJSON_AddStringToObject(data, "requested", v->valuestring);
        char msg[200];
        snprintf(msg, sizeof msg, "unsupported protocol version '%.60s' (supported: %s)",
                 v->valuestring, SMCP_MODERN_VERSION);
        send_error(s, r->id, E_UNSUPPORTED_VERSION, msg, data);
        return false;
    }
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r->meta, META_CAPS))) {
        send_error(s, r->id, E_PARAMS,
                   "params._meta[\"" META_CAPS "\"] is required (an object; {} for none)", NULL);
        return false;
    }
    if (removed_in_modern(r->method)) {
        char msg[200];
        snprintf(msg, sizeof msg, "method '%s' does not exist in protocol %s", r->method,
                 SMCP_MODERN_VERSION);
        send_error(s, r->id, E_METHOD, msg, NULL);
        return false;
    }
    const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(r->meta, META_LOGLEVEL);
    if (lvl) {
        int n = cJSON_IsString(lvl) ? config_log_level_from_name(lvl->valuestring) : -1;
        if (n < 0) {
            send_error(s, r->id, E_PARAMS, "params._meta[\"" META_LOGLEVEL "\"]: unknown level",
                       NULL);
            return false;
        }
        r->log_level = n;
    }
    return true;
}

static void handle_notification(server *s, const char *method, const cJSON *params)
{
    if (strcmp(method, "notifications/cancelled") == 0) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(params, "requestId");
        mcp_call *c = id ? call_find(s, id) : NULL;
        if (c)
            call_cancel(c);
    }
    /* notifications/initialized and anything unknown: nothing to do */
}

static void handle_request(server *s, req *r)
{
    if (r->params && !cJSON_IsObject(r->params)) {
        send_error(s, r->id, E_PARAMS, "params must be an object", NULL);
        return;
    }
    const cJSON *v = r->meta ? cJSON_GetObjectItemCaseSensitive(r->meta, META_VERSION) : NULL;
    /* the era probe is answered even without _meta; one that names a
     * protocol version is judged like any modern request (-32022, ...) */
    if (strcmp(r->method, "server/discover") == 0 && !v) {
        m_discover(s, r);
        return;
    }
    if (r->meta && !cJSON_IsObject(r->meta)) {
        send_error(s, r->id, E_PARAMS, "params._meta must be an object", NULL);
        return;
    }
    if (v) {
        if (!cJSON_IsString(v)) {
            send_error(s, r->id, E_PARAMS, "params._meta[\"" META_VERSION "\"] must be a string",
                       NULL);
            return;
        }
        r->modern = true;
        if (modern_checks(s, r))
            dispatch(s, r);
        return;
    }
    if (strcmp(r->method, "initialize") == 0) {
        m_initialize(s, r);
        return;
    }
    if (strcmp(r->method, "ping") == 0 || s->legacy_session) {
        dispatch(s, r);
        return;
    }
    send_error(s, r->id, E_PARAMS,
               "no session: send initialize first (2025-11-25 era) or put "
               "params._meta[\"" META_VERSION "\"] on every request (2026-07-28 era)",
               NULL);
}

/* Does a string in this (parsed, so well-formed) JSON text hold an escaped
 * NUL? cJSON ends the C string there: "delete_profile\u0000x" would run as
 * delete_profile, a path would be cut short. Every backslash in valid JSON
 * starts a two-character escape inside a string. */
static bool has_escaped_nul(const char *line, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (line[i] != '\\')
            continue;
        if (line[i + 1] == 'u' && i + 5 < len && !memcmp(line + i + 2, "0000", 4))
            return true;
        i++;
    }
    return false;
}

void server_handle_line(server *s, char *line, size_t len)
{
    if (!rpc_utf8_valid(line, len)) {
        send_error(s, NULL, E_PARSE, "parse error: message is not valid UTF-8", NULL);
        return;
    }
    /* JSON has no raw control characters; cJSON would take any of them (NUL
     * included) as whitespace, where rpc_scan_id would not see the same id */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
            char text[120];
            snprintf(text, sizeof text,
                     "parse error: message is not valid JSON (raw control character 0x%02x at "
                     "byte %zu)",
                     c, i);
            send_error(s, NULL, E_PARSE, text, NULL);
            return;
        }
    }
    const char *end = NULL;
    cJSON *msg = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!msg || (end && (size_t)(end - line) < len &&
                 strspn(end, " \t\r\n") != len - (size_t)(end - line))) {
        cJSON_Delete(msg);
        send_error(s, NULL, E_PARSE, "parse error: message is not valid JSON", NULL);
        return;
    }
    /* a string id may be as long as the line itself */
    char idbuf[256];
    size_t idsz = len < sizeof idbuf ? sizeof idbuf : len + 1;
    char *idtok = idsz == sizeof idbuf ? idbuf : malloc(idsz);
    if (!idtok) {
        cJSON_Delete(msg);
        send_error(s, NULL, E_INTERNAL, "out of memory", NULL);
        return;
    }
    enum rpc_id_kind kind = RPC_ID_NONE;
    if (cJSON_IsObject(msg))
        kind = rpc_scan_id(line, len, idtok, idsz);
    const char *id = (kind == RPC_ID_STRING || kind == RPC_ID_INTEGER) ? idtok : NULL;
    const cJSON *jv = cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    const cJSON *idv = cJSON_GetObjectItemCaseSensitive(msg, "id");
    if (!cJSON_IsObject(msg)) {
        send_error(s, NULL, E_INVALID_REQUEST,
                   cJSON_IsArray(msg) ? "invalid request: batches (JSON arrays) are not supported"
                                      : "invalid request: a message must be a JSON object",
                   NULL);
    } else if (!cJSON_IsString(jv) || strcmp(jv->valuestring, "2.0") != 0) {
        send_error(s, id, E_INVALID_REQUEST, "invalid request: \"jsonrpc\" must be \"2.0\"", NULL);
    } else if (idv && !id) {
        send_error(s, NULL, E_INVALID_REQUEST,
                   "invalid request: \"id\" must be a string or an integer", NULL);
    } else if (!cJSON_IsString(method)) {
        /* a response from the client (we send no requests) or garbage */
        if (!(idv && (cJSON_GetObjectItemCaseSensitive(msg, "result") ||
                      cJSON_GetObjectItemCaseSensitive(msg, "error"))))
            send_error(s, id, E_INVALID_REQUEST, "invalid request: \"method\" must be a string",
                       NULL);
    } else if (has_escaped_nul(line, len)) {
        if (id) /* a notification gets no answer, and is not acted on either */
            send_error(s, id, E_INVALID_REQUEST,
                       "invalid request: a string holds \\u0000 (NUL), which the server cannot "
                       "pass on without cutting it short",
                       NULL);
    } else if (!id) {
        handle_notification(s, method->valuestring,
                            cJSON_GetObjectItemCaseSensitive(msg, "params"));
    } else {
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
        req r = {.id = id,
                 .id_value = idv,
                 .method = method->valuestring,
                 .params = params,
                 .meta = cJSON_IsObject(params) ? cJSON_GetObjectItemCaseSensitive(params, "_meta")
                                                : NULL,
                 .log_level = -1};
        handle_request(s, &r);
    }
    cJSON_Delete(msg);
    if (idtok != idbuf)
        free(idtok);
}

/* ------------------------------------------------------------------ */
/* input, lifecycle                                                    */
/* ------------------------------------------------------------------ */

static void on_line(void *ud, char *line, size_t len)
{
    server_handle_line(ud, line, len);
}

static void on_oversize(void *ud, size_t dropped)
{
    server *s = ud;
    char msg[200];
    snprintf(msg, sizeof msg,
             "message of %zu bytes exceeds max_message_bytes (%zu); it was dropped", dropped,
             s->cfg.max_message_bytes);
    send_error(s, NULL, E_INVALID_REQUEST, msg, NULL);
}

static void begin_shutdown(server *s);

static void on_stdin(loop *l, int fd, short revents, void *ud)
{
    (void)l;
    (void)revents;
    server *s = ud;
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
        if (rpc_reader_feed(&s->reader, buf, (size_t)n) < 0)
            server_log(s, NULL, MCP_LOG_ERROR, "rpc", "out of memory reading input");
        return;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    rpc_reader_finish(&s->reader);
    loop_unwatch_fd(s->loop, fd);
    s->stdin_open = false;
    begin_shutdown(s);
}

static void shutdown_deadline(loop *l, void *ud)
{
    (void)ud;
    loop_stop(l);
}

static void check_drained(loop *l, void *ud)
{
    server *s = ud;
    if (s->n_calls == 0 && run_tools_active(s) == 0)
        loop_stop(l);
    else
        loop_timer_start(l, 50, check_drained, s);
}

/* Cancels in-flight work, then stops once every call has finished (their
 * cleanup may need the loop, e.g. to reap a profiled process group). */
static void begin_shutdown(server *s)
{
    if (s->shutting_down && s->n_calls == 0) {
        loop_stop(s->loop);
        return;
    }
    s->shutting_down = true;
    for (size_t i = s->n_calls; i-- > 0;)
        call_cancel(s->calls[i]);
    loop_timer_start(s->loop, 20000, shutdown_deadline, s); /* > the runner's grace */
    check_drained(s->loop, s);
}

static void on_signal(loop *l, int signo, void *ud)
{
    (void)l;
    server *s = ud;
    server_log(s, NULL, MCP_LOG_INFO, "server", "signal %d: shutting down", signo);
    s->exit_code = 0;
    begin_shutdown(s);
}

static const mcp_host_api host_api = {
    .abi_major = MCP_ABI_MAJOR,
    .abi_minor = MCP_ABI_MINOR,
    .size = sizeof(mcp_host_api),
    .log = plugin_api_log,
    .set_error = plugin_api_set_error,
    .config = plugin_api_config,
    .alloc = malloc,
    .free = free,
    .register_tool = plugin_api_register_tool,
    .register_storage = plugin_api_register_storage,
    .result_text = call_api_result_text,
    .result_structured = call_api_result_structured,
    .result_content = call_api_result_content,
    .result_error = call_api_result_error,
    .call_done = call_api_done,
    .call_progress = call_api_progress,
    .call_cancelled = call_api_cancelled,
    .call_on_cancel = call_api_on_cancel,
    .call_plugin = call_api_plugin,
    .timer_start = plugin_api_timer_start,
    .timer_cancel = plugin_api_timer_cancel,
    .profile_open = profile_api_open,
    .profile_release = profile_api_release,
    .profile_summary = profile_get_summary,
    .profile_file = profile_get_file,
    .profile_line = profile_get_line,
    .profile_function = profile_get_function,
    .profile_leak = profile_get_leak,
    .profile_import = profile_get_import,
    .profile_stack = profile_get_stack,
    .profile_find_line = profile_find_line,
    .register_section = section_api_register,
    .section_text = section_api_text,
    .section_data = section_api_data,
    .section_recommend = section_api_recommend,
    .section_args = section_api_args,
    .section_plugin = section_api_plugin,
    .register_resource = resource_api_register,
    .register_prompt = prompt_api_register,
    .read_text = resource_api_read_text,
    .read_blob = resource_api_read_blob,
    .prompt_text = prompt_api_text,
    .prompt_content = prompt_api_content,
    .complete_value = resource_api_complete_value,
    .read_plugin = resource_api_read_plugin,
    .prompt_plugin = prompt_api_plugin,
    .last_error = plugin_api_last_error,
    .profile_find_file = profile_find_file,
};

const mcp_host_api *server_host_api(void)
{
    return &host_api;
}

int server_init(server *s, config *cfg, int out_fd, char *err, size_t errsz)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    s->out_fd = out_fd;
    s->legacy_log_level = -1;
    s->loop = loop_new();
    if (!s->loop) {
        snprintf(err, errsz, "cannot create the event loop: %s", strerror(errno));
        return -1;
    }
    rpc_reader_init(&s->reader, s->cfg.max_message_bytes, on_line, on_oversize, s);
    if (store_tools_register(s, err, errsz) != MCP_OK ||
        run_tools_register(s, err, errsz) != MCP_OK ||
        analyze_tool_register(s, err, errsz) != MCP_OK)
        return -1;
    if (plugins_load_all(s, err, errsz) < 0 || host_content_register(s, err, errsz) != MCP_OK)
        return -1;
    store_limits lim = {.max_doc_bytes = s->cfg.max_profile_bytes,
                        .max_profiles = s->cfg.max_profiles,
                        .max_age_days = (uint32_t)s->cfg.max_age_days,
                        .cache_entries = s->cfg.cache_profiles};
    char why[1024];
    s->store =
        store_open(s->storage_vt, s->storage_owner, plugin_take_error, &lim, why, sizeof why);
    if (!s->store) {
        snprintf(err, errsz, "storage backend '%s' failed to open: %s", s->storage_vt->name, why);
        return -1;
    }
    return 0;
}

int server_run(server *s, int in_fd)
{
    int fl = fcntl(in_fd, F_GETFL);
    if (fl >= 0)
        fcntl(in_fd, F_SETFL, fl | O_NONBLOCK);
    s->stdin_open = true;
    loop_watch_fd(s->loop, in_fd, POLLIN, on_stdin, s);
    loop_on_signal(s->loop, on_signal, s);
    if (loop_run(s->loop) < 0) {
        server_log(s, NULL, MCP_LOG_ERROR, "server", "event loop failed: %s", strerror(errno));
        return 1;
    }
    return s->exit_code;
}

void server_free(server *s)
{
    /* calls still in flight after the shutdown deadline are dropped */
    while (s->n_calls > 0) {
        mcp_call *c = s->calls[s->n_calls - 1];
        c->cancelled = true;
        call_api_done(c, MCP_ERROR);
    }
    free(s->calls);
    run_tools_free(s);
    if (s->store)
        store_close(s->store);
    s->store = NULL;
    plugins_unload_all(s);
    sections_free_all(s);
    resources_free_all(s);
    prompts_free_all(s);
    tools_free_all(s);
    rpc_reader_free(&s->reader);
    loop_free(s->loop);
    config_free(&s->cfg);
}
