/* plugin.h - loading plugins and the per-plugin side of the host API. */
#ifndef SMCP_PLUGIN_H
#define SMCP_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "scalene_mcp.h"
#include "server.h"

typedef struct plugin_timer plugin_timer;

struct mcp_plugin {
    server *srv;
    const plugin_conf *conf; /* borrowed from srv->cfg */
    const mcp_plugin_decl *decl;
    void *dl;
    char *path;
    char last_error[1024];
    char taken_error[1024]; /* last_error as handed out by plugin_take_error */
    bool in_init;
    const mcp_storage_vtab *storage; /* registered backend, if any */
    plugin_timer *timers;            /* pending timers, cancelled at unload */
};

/* Loads every configured plugin (or the bundled default set), runs their
 * init in config order, then selects the configured storage backend.
 * Returns 0, or -1 with err set (start-up must fail). Optional plugins that
 * fail are logged and skipped. */
int plugins_load_all(server *s, char *err, size_t errsz);
/* Unloads in reverse order (close the store first). */
void plugins_unload_all(server *s);

const char *plugin_name(const struct mcp_plugin *p);
/* The plugin's last set_error text ("" if none). */
const char *plugin_last_error(const struct mcp_plugin *p);

/* The store front's store_take_error_fn: the plugin's pending error text
 * (borrowed until the next take), then forgotten; NULL when none. */
const char *plugin_take_error(mcp_plugin *p);

/* The host-API members implemented here. */
void plugin_api_log(mcp_plugin *self, int level, const char *fmt, ...) MCP_PRINTF(3, 4);
void plugin_api_set_error(mcp_plugin *self, const char *fmt, ...) MCP_PRINTF(2, 3);
const char *plugin_api_config(mcp_plugin *self, const char *key);
const char *plugin_api_last_error(mcp_plugin *self);
int plugin_api_register_tool(mcp_plugin *self, const mcp_tool_def *def);
int plugin_api_register_storage(mcp_plugin *self, const mcp_storage_vtab *vt);
int plugin_api_timer_start(mcp_plugin *self, uint64_t delay_ms, mcp_timer_fn fn, void *user_data,
                           uint64_t *timer_id);
void plugin_api_timer_cancel(mcp_plugin *self, uint64_t timer_id);

#endif
