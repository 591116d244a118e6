/* server.h - the host's state and the MCP request dispatcher.
 *
 * One server per process. It owns the config, the event loop, the plugins,
 * the tool registry, the store and every in-flight call. Everything runs on
 * the loop's thread. */
#ifndef SMCP_SERVER_H
#define SMCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "loop.h"
#include "rpc.h"
#include "scalene_mcp.h"

typedef struct tool tool;
typedef struct store store;

#define SMCP_NAME "scalene-mcp"
#define SMCP_MODERN_VERSION "2026-07-28"
#define SMCP_LEGACY_LATEST "2025-11-25"

struct mcp_plugin; /* defined in plugin.h */

typedef struct server {
    config cfg;
    loop *loop;
    int out_fd; /* the protocol channel (a dup of the original stdout) */
    rpc_reader reader;
    bool stdin_open;
    bool shutting_down;
    int exit_code;

    /* plugins in load order */
    struct mcp_plugin **plugins;
    size_t n_plugins;

    /* tools in registration order: host tools first, then each plugin's */
    tool **tools;
    size_t n_tools;

    /* analyze_profile sections, in registration order */
    struct section_reg **sections;
    size_t n_sections;

    /* resources and prompts, in registration order */
    struct resource_reg **resources;
    size_t n_resources;
    struct prompt_reg **prompts;
    size_t n_prompts;

    /* storage */
    const mcp_storage_vtab *storage_vt;
    struct mcp_plugin *storage_owner;
    store *store;

    /* legacy (2025-11-25 era) session: set by initialize */
    bool legacy_session;
    char legacy_version[16];
    int legacy_log_level; /* -1: client has not asked for log messages */

    /* in-flight tools/call requests (async ones and the one being run) */
    mcp_call **calls;
    size_t n_calls;
    mcp_call *current_call; /* the call whose handler is running, if any */

    /* opaque data of host subsystems (core tools, runner) */
    void *core;
} server;

/* Initializes from an already loaded config (taken by the server). */
int server_init(server *s, config *cfg, int out_fd, char *err, size_t errsz);
/* Runs until stdin EOF or SIGTERM, then cleans up in-flight work. */
int server_run(server *s, int in_fd);
void server_free(server *s);

/* Handles one protocol line (exposed for the fuzzer and unit tests). */
void server_handle_line(server *s, char *line, size_t len);

/* Sends a message (borrowed) on the protocol channel. */
void server_send(server *s, const cJSON *msg);

/* Logs to stderr and, when the client asked for this level, as
 * notifications/message. `call` may be NULL (modern-era logs then go to
 * stderr only, since 2026-07-28 ties log messages to a request). */
void server_log(server *s, mcp_call *call, int level, const char *logger, const char *fmt, ...)
    MCP_PRINTF(5, 6);

/* The services table handed to every plugin. */
const mcp_host_api *server_host_api(void);

#endif
