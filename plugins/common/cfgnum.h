/* cfgnum.h - numeric keys of a plugin's [plugin.NAME] config section, read
 * strictly and range-checked, with a message that names the key. */
#ifndef SMCP_CFGNUM_H
#define SMCP_CFGNUM_H

#include <stdbool.h>
#include <stdint.h>

#include "scalene_mcp.h"

#define CFGNUM_MAX_DIGITS 10

/* `text` as an unsigned integer in [min, max]: 1 to CFGNUM_MAX_DIGITS
 * decimal digits and nothing else (strtoull alone would accept " 12",
 * "+12" and "-1"). */
bool cfgnum_parse(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Reads config key `key` of plugin `self` into *out when it is set (left
 * alone when not). A bad value sets the plugin error
 * `KEY = "VALUE": expected WHAT from MIN to MAX` and returns MCP_INVALID. */
int cfgnum_read(const mcp_host_api *api, mcp_plugin *self, const char *key, uint64_t min,
                uint64_t max, const char *what, uint64_t *out);

#endif
