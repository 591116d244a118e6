/* conformance.c - the fixtures the MCP conformance suite
 * (@modelcontextprotocol/conformance) calls by fixed name: tools, resources,
 * a resource template, prompts and completion values. Only
 * tests/conf/conformance.ini loads it; it is never installed or loaded by
 * default. The names and texts follow the scenario descriptions of the suite
 * (docs/conformance.md lists which scenario uses which fixture).
 *
 * Not here, on purpose: test_sampling, test_elicitation*, the MRTR
 * test_input_required_result_* tools, test_streaming_elicitation,
 * test_trigger_*_change and test_missing_capability. scalene-mcp sends no
 * server-to-client requests, has no subscriptions and never needs a client
 * capability, so those scenarios are expected failures
 * (tests/conformance/expected-failures.yml). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalene_mcp.h"

static const mcp_host_api *api;
static mcp_plugin *me;

/* ------------------------------------------------------------------ */
/* media                                                               */
/* ------------------------------------------------------------------ */

/* A 1x1 red PNG (8-bit RGB; IHDR, one zlib-compressed IDAT row, IEND). */
static const unsigned char red_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
    0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78,
    0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0xf7, 0x03, 0x41,
    0x43, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

/* A WAV file: 16 samples of silence, PCM 8 kHz, mono, 8 bit. */
#define WAV_SAMPLES 16
static unsigned char wav[44 + WAV_SAMPLES];

static unsigned char *put_le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        *p++ = (unsigned char)(v >> (8 * i));
    return p;
}

static void build_wav(void)
{
    unsigned char *p = wav;
    memcpy(p, "RIFF", 4);
    p = put_le(p + 4, 36 + WAV_SAMPLES, 4);
    memcpy(p, "WAVEfmt ", 8);
    p = put_le(p + 8, 16, 4); /* fmt chunk size */
    p = put_le(p, 1, 2);      /* PCM */
    p = put_le(p, 1, 2);      /* channels */
    p = put_le(p, 8000, 4);   /* sample rate */
    p = put_le(p, 8000, 4);   /* byte rate */
    p = put_le(p, 1, 2);      /* block align */
    p = put_le(p, 8, 2);      /* bits per sample */
    memcpy(p, "data", 4);
    p = put_le(p + 4, WAV_SAMPLES, 4);
    memset(p, 0x80, WAV_SAMPLES); /* 8-bit PCM silence */
}

/* Base64 of n bytes, malloc'd (NULL when out of memory). */
static char *b64(const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* {"type": type, "data": base64(d), "mimeType": mime} */
static cJSON *media_block(const char *type, const char *mime, const unsigned char *d, size_t n)
{
    char *data = b64(d, n);
    if (!data)
        return NULL;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", type);
    cJSON_AddStringToObject(b, "data", data);
    cJSON_AddStringToObject(b, "mimeType", mime);
    free(data);
    return b;
}

static cJSON *image_block(void)
{
    return media_block("image", "image/png", red_png, sizeof red_png);
}

/* {"type":"resource","resource":{uri, mimeType, text}} */
static cJSON *embedded_text(const char *uri, const char *mime, const char *text)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", "resource");
    cJSON *r = cJSON_AddObjectToObject(b, "resource");
    cJSON_AddStringToObject(r, "uri", uri);
    cJSON_AddStringToObject(r, "mimeType", mime);
    cJSON_AddStringToObject(r, "text", text);
    return b;
}

static int add_block(mcp_call *call, cJSON *block)
{
    if (!block)
        return MCP_NOMEM;
    return api->result_content(call, block);
}

/* ------------------------------------------------------------------ */
/* tools                                                               */
/* ------------------------------------------------------------------ */

static int t_simple_text(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    return api->result_text(call, "This is a simple text response for testing.");
}

static int t_image(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    return add_block(call, image_block());
}

static int t_audio(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    return add_block(call, media_block("audio", "audio/wav", wav, sizeof wav));
}

static int t_embedded(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    return add_block(call, embedded_text("test://embedded-resource", "text/plain",
                                         "This is an embedded resource content."));
}

static int t_multiple(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    int rc = api->result_text(call, "Multiple content types test:");
    if (rc == MCP_OK)
        rc = add_block(call, image_block());
    if (rc == MCP_OK)
        rc = add_block(call, embedded_text("test://mixed-content-resource", "application/json",
                                           "{\"test\":\"data\",\"value\":123}"));
    return rc;
}

static int t_error(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    api->result_error(call, NULL, "This tool intentionally returns an error for testing");
    return MCP_ERROR;
}

/* 2026-07-28 diagnostic: logs once; the host sends it as a notification only
 * when the request's _meta asked for a log level. */
static int t_logging_tool(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    api->log(me, MCP_LOG_INFO, "Diagnostic trace logging activated");
    return api->result_text(call, "Logging evaluated");
}

/* An asynchronous tool that does one step every STEP_MS on a timer: the
 * logging tool logs, the progress tool reports 0, 50, 100 of 100. */
#define STEP_MS 50

typedef struct stepper {
    mcp_call *call;
    int step;
    bool progress; /* else logging */
    uint64_t timer;
} stepper;

static const char *const log_steps[] = {"Tool execution started", "Tool processing data",
                                        "Tool execution completed"};

static void step(void *ud)
{
    stepper *st = ud;
    if (st->progress)
        api->call_progress(st->call, 50.0 * st->step, 100, NULL);
    else
        api->log(me, MCP_LOG_INFO, "%s", log_steps[st->step]);
    if (++st->step < 3 && api->timer_start(me, STEP_MS, step, st, &st->timer) == MCP_OK)
        return;
    if (st->step < 3) {
        api->set_error(me, "cannot start a timer");
        api->call_done(st->call, MCP_ERROR);
    } else {
        api->result_text(st->call, st->progress ? "Tool with progress executed successfully"
                                                : "Tool with logging executed successfully");
        api->call_done(st->call, MCP_OK);
    }
    free(st);
}

static void step_cancel(mcp_call *call, void *ud)
{
    stepper *st = ud;
    api->timer_cancel(me, st->timer);
    api->call_done(call, MCP_ERROR);
    free(st);
}

static int start_steps(mcp_call *call, bool progress)
{
    stepper *st = calloc(1, sizeof *st);
    if (!st)
        return MCP_NOMEM;
    st->call = call;
    st->progress = progress;
    api->call_on_cancel(call, step_cancel, st);
    if (api->timer_start(me, 1, step, st, &st->timer) != MCP_OK) {
        free(st);
        api->set_error(me, "cannot start a timer");
        return MCP_ERROR;
    }
    return MCP_ASYNC;
}

static int t_with_logging(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    return start_steps(call, false);
}

static int t_with_progress(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    return start_steps(call, true);
}

/* SEP-1613 / SEP-2106: the schema must reach tools/list unchanged. */
static const char json_schema_2020_12[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
    "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":{"
    "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
    "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"},"
    "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},"
    "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
    "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
    "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},"
    "\"required\":[\"contactMethod\"]},"
    "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
    "\"additionalProperties\":false}";

static int t_json_schema(mcp_call *call, const cJSON *args, void *ud)
{
    (void)ud;
    char *txt = cJSON_PrintUnformatted(args);
    int rc = api->result_text(call, "Received: %s", txt ? txt : "{}");
    cJSON_free(txt);
    return rc;
}

#define NO_ARGS "{\"type\":\"object\",\"additionalProperties\":false}"

static const mcp_tool_def tools[] = {
    {MCP_TOOL_DEF_VERSION, "test_simple_text", NULL, "Returns one text block.", NO_ARGS, NULL,
     MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, t_simple_text, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "test_image_content", NULL, "Returns a 1x1 red PNG image block.",
     NO_ARGS, NULL, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, t_image, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "test_audio_content", NULL, "Returns a short audio/wav block.", NO_ARGS,
     NULL, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, t_audio, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "test_embedded_resource", NULL, "Returns an embedded text resource.",
     NO_ARGS, NULL, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, t_embedded, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "test_multiple_content_types", NULL,
     "Returns text, an image and an embedded resource.", NO_ARGS, NULL,
     MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, t_multiple, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "test_tool_with_logging", NULL,
     "Sends three info log notifications 50 ms apart, then returns.", NO_ARGS, NULL,
     MCP_TOOL_READ_ONLY, t_with_logging, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "test_tool_with_progress", NULL,
     "Reports progress 0, 50 and 100 of 100, 50 ms apart, then returns.", NO_ARGS, NULL,
     MCP_TOOL_READ_ONLY, t_with_progress, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "test_error_handling", NULL, "Always returns a tool error (isError).",
     NO_ARGS, NULL, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, t_error, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "test_logging_tool", NULL,
     "Logs one info message (sent only when the request set a log level).", NO_ARGS, NULL,
     MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, t_logging_tool, NULL, NULL},
    {MCP_TOOL_DEF_VERSION, "json_schema_2020_12_tool", NULL,
     "Tool with JSON Schema 2020-12 features ($defs, $anchor, $ref, allOf/anyOf, if/then/else).",
     json_schema_2020_12, NULL, MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT, t_json_schema, NULL,
     NULL},
};

/* ------------------------------------------------------------------ */
/* resources                                                           */
/* ------------------------------------------------------------------ */

static int r_static_text(mcp_read *rd, const char *uri, const cJSON *vars, void *ud)
{
    (void)vars;
    (void)ud;
    return api->read_text(rd, uri, "text/plain",
                          "This is the content of the static text resource.");
}

static int r_static_binary(mcp_read *rd, const char *uri, const cJSON *vars, void *ud)
{
    (void)vars;
    (void)ud;
    return api->read_blob(rd, uri, "image/png", red_png, sizeof red_png);
}

static int r_watched(mcp_read *rd, const char *uri, const cJSON *vars, void *ud)
{
    (void)vars;
    (void)ud;
    return api->read_text(rd, uri, "text/plain", "Watched resource content");
}

static int r_template(mcp_read *rd, const char *uri, const cJSON *vars, void *ud)
{
    (void)ud;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(vars, "id");
    if (!cJSON_IsString(id)) {
        api->set_error(me, "no {id} in %s", uri);
        return MCP_NOTFOUND;
    }
    cJSON *o = cJSON_CreateObject();
    char data[300];
    snprintf(data, sizeof data, "Data for ID: %.200s", id->valuestring);
    cJSON_AddStringToObject(o, "id", id->valuestring);
    cJSON_AddTrueToObject(o, "templateTest");
    cJSON_AddStringToObject(o, "data", data);
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!txt)
        return MCP_NOMEM;
    int rc = api->read_text(rd, uri, "application/json", txt);
    cJSON_free(txt);
    return rc;
}

/* Offers each candidate that starts with prefix. */
static int complete_from(mcp_completion *c, const char *prefix, const char *const *cands)
{
    size_t n = strlen(prefix);
    for (; *cands; cands++)
        if (strncmp(*cands, prefix, n) == 0) {
            int rc = api->complete_value(c, *cands);
            if (rc != MCP_OK)
                return rc;
        }
    return MCP_OK;
}

static int c_template(mcp_completion *c, const char *name, const char *prefix, const cJSON *context,
                      void *ud)
{
    (void)context;
    (void)ud;
    static const char *const ids[] = {"1", "2", "3", "123", NULL};
    return strcmp(name, "id") == 0 ? complete_from(c, prefix, ids) : MCP_OK;
}

static const mcp_resource_def resources[] = {
    {MCP_RESOURCE_DEF_VERSION, "test://static-text", NULL, "static-text", "Static text",
     "A fixed text resource.", "text/plain", r_static_text, NULL, NULL, NULL},
    {MCP_RESOURCE_DEF_VERSION, "test://static-binary", NULL, "static-binary", "Static binary",
     "A fixed binary resource (1x1 PNG).", "image/png", r_static_binary, NULL, NULL, NULL},
    {MCP_RESOURCE_DEF_VERSION, NULL, "test://template/{id}/data", "template-data", "Template data",
     "JSON data for any id.", "application/json", r_template, c_template, NULL, NULL},
    {MCP_RESOURCE_DEF_VERSION, "test://watched-resource", NULL, "watched-resource",
     "Watched resource", "A resource clients may want to watch.", "text/plain", r_watched, NULL,
     NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* prompts                                                             */
/* ------------------------------------------------------------------ */

static const char *arg_str(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int p_simple(mcp_prompt *pr, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    return api->prompt_text(pr, "user", "This is a simple prompt for testing.");
}

static int p_args(mcp_prompt *pr, const cJSON *args, void *ud)
{
    (void)ud;
    return api->prompt_text(pr, "user", "Prompt with arguments: arg1='%s', arg2='%s'",
                            arg_str(args, "arg1"), arg_str(args, "arg2"));
}

static int p_embedded(mcp_prompt *pr, const cJSON *args, void *ud)
{
    (void)ud;
    int rc = api->prompt_content(pr, "user",
                                 embedded_text(arg_str(args, "resourceUri"), "text/plain",
                                               "Embedded resource content for testing."));
    if (rc == MCP_OK)
        rc = api->prompt_text(pr, "user", "Please process the embedded resource above.");
    return rc;
}

static int p_image(mcp_prompt *pr, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    cJSON *img = image_block();
    if (!img)
        return MCP_NOMEM;
    int rc = api->prompt_content(pr, "user", img);
    if (rc == MCP_OK)
        rc = api->prompt_text(pr, "user", "Please analyze the image above.");
    return rc;
}

static int c_prompt_args(mcp_completion *c, const char *name, const char *prefix,
                         const cJSON *context, void *ud)
{
    (void)context;
    (void)ud;
    static const char *const arg1[] = {"paris", "park", "party", "hello", NULL};
    static const char *const arg2[] = {"world", "wide", "web", NULL};
    if (strcmp(name, "arg1") == 0)
        return complete_from(c, prefix, arg1);
    if (strcmp(name, "arg2") == 0)
        return complete_from(c, prefix, arg2);
    return MCP_OK;
}

static int c_resource_uri(mcp_completion *c, const char *name, const char *prefix,
                          const cJSON *context, void *ud)
{
    (void)context;
    (void)ud;
    static const char *const uris[] = {"test://static-text", "test://static-binary",
                                       "test://watched-resource", NULL};
    return strcmp(name, "resourceUri") == 0 ? complete_from(c, prefix, uris) : MCP_OK;
}

static const mcp_prompt_arg args_two[] = {
    {"arg1", "First test argument", true},
    {"arg2", "Second test argument", true},
};
static const mcp_prompt_arg args_uri[] = {
    {"resourceUri", "URI of the resource to embed", true},
};

static const mcp_prompt_def prompts[] = {
    {MCP_PROMPT_DEF_VERSION, "test_simple_prompt", "Simple prompt", "A prompt without arguments.",
     NULL, 0, p_simple, NULL, NULL, NULL},
    {MCP_PROMPT_DEF_VERSION, "test_prompt_with_arguments", "Prompt with arguments",
     "A prompt with two required arguments.", args_two, 2, p_args, c_prompt_args, NULL, NULL},
    {MCP_PROMPT_DEF_VERSION, "test_prompt_with_embedded_resource", "Prompt with embedded resource",
     "A prompt that embeds the resource it is given.", args_uri, 1, p_embedded, c_resource_uri,
     NULL, NULL},
    {MCP_PROMPT_DEF_VERSION, "test_prompt_with_image", "Prompt with image",
     "A prompt that carries an image.", NULL, 0, p_image, NULL, NULL, NULL},
};

/* ------------------------------------------------------------------ */

static int conformance_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    me = self;
    if (!MCP_HAS(api, complete_value)) {
        api->set_error(self, "needs a host with SDK ABI 0.3 (resources and prompts)");
        return MCP_VERSION;
    }
    build_wav();
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        int rc = api->register_tool(self, &tools[i]);
        if (rc != MCP_OK)
            return rc;
    }
    for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++) {
        int rc = api->register_resource(self, &resources[i]);
        if (rc != MCP_OK)
            return rc;
    }
    for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
        int rc = api->register_prompt(self, &prompts[i]);
        if (rc != MCP_OK)
            return rc;
    }
    return MCP_OK;
}

MCP_PLUGIN("conformance", "1.0", conformance_init, NULL);
