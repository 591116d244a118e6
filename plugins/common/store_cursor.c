/* store_cursor.c - list cursors and query checks (see store_cursor.h). */
#include "store_cursor.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store_record.h"

char *store_cursor_encode(const mcp_host_api *api, const char *prefix, int64_t ms, const char *id)
{
    size_t n = STORE_CURSOR_PREFIX_LEN + STORE_CURSOR_MS_DIGITS + 1 + strlen(id) + 1;
    char *c = api->alloc(n);
    if (c)
        snprintf(c, n, "%.3s%016" PRIx64 ".%s", prefix, (uint64_t)ms, id);
    return c;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool store_cursor_decode(const char *prefix, const char *text, int64_t *ms, const char **id)
{
    if (strncmp(text, prefix, STORE_CURSOR_PREFIX_LEN) != 0)
        return false;
    const char *p = text + STORE_CURSOR_PREFIX_LEN;
    uint64_t v = 0;
    for (unsigned i = 0; i < STORE_CURSOR_MS_DIGITS; i++, p++) {
        int d = hex_digit(*p);
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    if (*p++ != '.' || !store_id_valid(p))
        return false;
    *ms = (int64_t)v;
    *id = p;
    return true;
}

int store_list_check(const mcp_host_api *api, mcp_plugin *owner, const mcp_list_query *q,
                     unsigned max_limit, const char *prefix, int64_t *ms, const char **id)
{
    *ms = 0;
    *id = NULL;
    if (!q || q->limit < 1 || q->limit > max_limit) {
        api->set_error(owner, "list limit must be 1..%u, got %u", max_limit, q ? q->limit : 0);
        return MCP_INVALID;
    }
    if (q->cursor && !store_cursor_decode(prefix, q->cursor, ms, id)) {
        api->set_error(owner, "malformed cursor: expected a next_cursor from a previous list");
        return MCP_INVALID;
    }
    return MCP_OK;
}
