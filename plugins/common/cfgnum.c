/* cfgnum.c - numeric config keys (see cfgnum.h). */
#include "cfgnum.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool cfgnum_parse(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    size_t n = strlen(text);
    if (n == 0 || n > CFGNUM_MAX_DIGITS || strspn(text, "0123456789") != n)
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    if (errno || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int cfgnum_read(const mcp_host_api *api, mcp_plugin *self, const char *key, uint64_t min,
                uint64_t max, const char *what, uint64_t *out)
{
    const char *v = api->config(self, key);
    if (!v || cfgnum_parse(v, min, max, out))
        return MCP_OK;
    api->set_error(self, "%s = \"%s\": expected %s from %llu to %llu", key, v, what,
                   (unsigned long long)min, (unsigned long long)max);
    return MCP_INVALID;
}
