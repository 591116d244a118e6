/* store_cursor.h - list() paging cursors of the storage backends and the
 * checks every list() makes on its query.
 *
 * Cursor text: a 3-character backend prefix ("m1.", "f1.", "s1."), 16 hex
 * digits of the last listed record's created_ms, ".", its id. */
#ifndef SMCP_STORE_CURSOR_H
#define SMCP_STORE_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "scalene_mcp.h"

#define STORE_CURSOR_PREFIX_LEN 3u
#define STORE_CURSOR_MS_DIGITS 16u

/* Allocated with api->alloc (the caller frees with api->free); NULL when
 * out of memory. */
char *store_cursor_encode(const mcp_host_api *api, const char *prefix, int64_t ms, const char *id);
/* On success *id points into `text`. */
bool store_cursor_decode(const char *prefix, const char *text, int64_t *ms, const char **id);

/* Checks a list query: limit 1..max_limit and, when it has a cursor, one of
 * this backend's (decoded into *ms and *id; else *ms 0 and *id NULL).
 * MCP_INVALID with the owner's error set otherwise. */
int store_list_check(const mcp_host_api *api, mcp_plugin *owner, const mcp_list_query *q,
                     unsigned max_limit, const char *prefix, int64_t *ms, const char **id);

#endif
