/* dup.c - registers a tool name testkit already took; its init must fail
 * naming both plugins, and its first tool must be unregistered again. */
#include "scalene_mcp.h"

static int ok(mcp_call *call, const cJSON *args, void *ud)
{
    (void)call;
    (void)args;
    (void)ud;
    return MCP_OK;
}

static int dup_init(mcp_plugin *self, const mcp_host_api *api)
{
    const char *schema = "{\"type\":\"object\",\"additionalProperties\":false}";
    mcp_tool_def mine = {MCP_TOOL_DEF_VERSION,
                         "dup_own",
                         NULL,
                         "A tool of dup.",
                         schema,
                         NULL,
                         MCP_TOOL_READ_ONLY,
                         ok,
                         NULL,
                         NULL};
    mcp_tool_def taken = {MCP_TOOL_DEF_VERSION,
                          "test_echo",
                          NULL,
                          "Clashes with testkit.",
                          schema,
                          NULL,
                          MCP_TOOL_READ_ONLY,
                          ok,
                          NULL,
                          NULL};
    int rc = api->register_tool(self, &mine);
    if (rc != MCP_OK)
        return rc;
    return api->register_tool(self, &taken);
}

MCP_PLUGIN("dup", "1.0", dup_init, NULL);
