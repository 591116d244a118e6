/* prompts.h - MCP prompts registered by plugins or the host. Like
 * resources.h: results are new objects, or NULL with *code and msg set. */
#ifndef SMCP_PROMPTS_H
#define SMCP_PROMPTS_H

#include <stddef.h>

#include "scalene_mcp.h"
#include "server.h"

struct mcp_plugin;

int prompts_register(server *s, struct mcp_plugin *owner, const mcp_prompt_def *def, char *err,
                     size_t errsz);
void prompts_unregister_owner(server *s, struct mcp_plugin *owner);
void prompts_free_all(server *s);

cJSON *prompts_list(server *s, const cJSON *params, int *code, char *msg, size_t msgsz);
cJSON *prompts_get(server *s, const cJSON *params, int *code, char *msg, size_t msgsz);
int prompts_complete(server *s, const char *prompt, const char *arg, const char *prefix,
                     const cJSON *context, cJSON *values, char *msg, size_t msgsz);

/* completion/complete (both ref kinds). */
cJSON *completion_complete(server *s, const cJSON *params, int *code, char *msg, size_t msgsz);

/* Host-API members. */
int prompt_api_register(mcp_plugin *self, const mcp_prompt_def *def);
int prompt_api_text(mcp_prompt *pr, const char *role, const char *fmt, ...) MCP_PRINTF(3, 4);
int prompt_api_content(mcp_prompt *pr, const char *role, cJSON *block);
mcp_plugin *prompt_api_plugin(const mcp_prompt *pr);

/* The host's own resources (stored profiles) and prompts (workflows). */
int host_content_register(server *s, char *err, size_t errsz);

#endif
