/* badabi.c - a plugin built for a future ABI major: the host must refuse it
 * without running any of its code. */
#include <stdlib.h>

#include "scalene_mcp.h"

static int badabi_init(mcp_plugin *self, const mcp_host_api *api)
{
    (void)self;
    (void)api;
    abort(); /* never reached: the descriptor check comes first */
}

MCP_EXPORT const mcp_plugin_decl mcp_plugin_entry = {
    MCP_ABI_MAJOR + 7, 0, (uint32_t)sizeof(mcp_plugin_decl), "badabi", "1.0", badabi_init, NULL};
