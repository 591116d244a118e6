/* resources.h - MCP resources: fixed resources and URI templates registered
 * by plugins or the host, plus the stored profiles as listable resources.
 * Each function returns a new result object, or NULL with *code (a JSON-RPC
 * error code) and msg set. */
#ifndef SMCP_RESOURCES_H
#define SMCP_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "scalene_mcp.h"
#include "server.h"

struct mcp_plugin;

/* One completion/complete being answered (resources and prompts). */
struct mcp_completion {
    cJSON *values; /* array of strings, borrowed from the caller */
    size_t total;  /* values offered, including those past the cap */
};

int resources_register(server *s, struct mcp_plugin *owner, const mcp_resource_def *def, char *err,
                       size_t errsz);
void resources_unregister_owner(server *s, struct mcp_plugin *owner);
void resources_free_all(server *s);

cJSON *resources_list(server *s, const cJSON *params, int *code, char *msg, size_t msgsz);
cJSON *resources_templates_list(server *s, const cJSON *params, int *code, char *msg, size_t msgsz);
/* `modern` picks the not-found code: -32602 (2026-07-28) or -32002. */
cJSON *resources_read(server *s, const cJSON *params, bool modern, int *code, char *msg,
                      size_t msgsz);
/* completion/complete for ref/resource: fills `values` (an array). */
int resources_complete(server *s, const char *uri, const char *arg, const char *prefix,
                       const cJSON *context, cJSON *values, char *msg, size_t msgsz);

/* Matches `uri` against an RFC 6570 level-1 template ({var}, and {+var}
 * which may span '/'); on a match returns an object of the decoded
 * variables (new), else NULL. Exposed for tests and the fuzzer. */
cJSON *resources_match_template(const char *tmpl, const char *uri);

/* Host-API members. */
int resource_api_register(mcp_plugin *self, const mcp_resource_def *def);
int resource_api_read_text(mcp_read *rd, const char *uri, const char *mime, const char *text);
int resource_api_read_blob(mcp_read *rd, const char *uri, const char *mime, const void *data,
                           size_t len);
int resource_api_complete_value(mcp_completion *c, const char *value);
mcp_plugin *resource_api_read_plugin(const mcp_read *rd);

#endif
