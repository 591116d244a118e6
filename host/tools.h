/* tools.h - the tool registry: every MCP tool, from the host or a plugin. */
#ifndef SMCP_TOOLS_H
#define SMCP_TOOLS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "scalene_mcp.h"
#include "server.h"

struct tool {
    char *name, *title, *description;
    cJSON *input_schema;  /* owned */
    cJSON *output_schema; /* owned; NULL when the tool declares none */
    unsigned annotations;
    mcp_tool_fn handler;
    void *user_data;
    void (*free_user_data)(void *);
    struct mcp_plugin *owner; /* NULL for host tools */
    bool enabled;             /* [tools] NAME = false disables it */
};

/* Checks and copies `def` into the registry. On failure writes why into err
 * (naming the other owner for a duplicate) and calls def->free_user_data. */
int tools_register(server *s, struct mcp_plugin *owner, const mcp_tool_def *def, char *err,
                   size_t errsz);
/* Removes (and frees) every tool of `owner`, in reverse order. */
void tools_unregister_owner(server *s, struct mcp_plugin *owner);
void tools_free_all(server *s);

/* Enabled tool by name, or NULL. */
tool *tools_find(server *s, const char *name);
/* Any registered tool by name, enabled or not. */
tool *tools_find_any(server *s, const char *name);
/* Number of enabled tools. */
size_t tools_enabled_count(const server *s);

/* The MCP Tool object for tools/list (new tree, caller frees). */
cJSON *tool_to_json(const tool *t);

#endif
