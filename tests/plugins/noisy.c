/* noisy.c - a badly behaved plugin that writes to stdout from init and from
 * its tool. The host points fd 1 at stderr, so none of it may reach the
 * protocol stream. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scalene_mcp.h"

static const mcp_host_api *api;

static void scribble(const char *where)
{
    /* buffered stdio, flushed stdio, and a raw write to fd 1 */
    printf("noisy: printf from %s (not JSON)\n", where);
    fputs("noisy: fputs from ", stdout);
    fputs(where, stdout);
    fputs("\n", stdout);
    fflush(stdout);
    char line[128];
    int n = snprintf(line, sizeof line, "noisy: write(1) from %s {\"jsonrpc\":\n", where);
    if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) < 0) {
        /* nothing to do: the point is only that it never reaches the client */
    }
}

static int noisy_print(mcp_call *call, const cJSON *args, void *ud)
{
    (void)args;
    (void)ud;
    scribble("the noisy_print tool");
    api->result_text(call, "printed to stdout");
    return MCP_OK;
}

static int noisy_init(mcp_plugin *self, const mcp_host_api *host)
{
    api = host;
    scribble("init");
    const mcp_tool_def def = {
        MCP_TOOL_DEF_VERSION,
        "noisy_print",
        NULL,
        "Writes junk to stdout (tests that the host keeps it off the protocol).",
        "{\"type\":\"object\",\"additionalProperties\":false}",
        NULL,
        MCP_TOOL_READ_ONLY,
        noisy_print,
        NULL,
        NULL};
    return api->register_tool(self, &def);
}

static void noisy_shutdown(mcp_plugin *self)
{
    (void)self;
    scribble("shutdown");
}

MCP_PLUGIN("noisy", "1.0", noisy_init, noisy_shutdown);
