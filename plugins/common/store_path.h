/* store_path.h - where a persistent storage backend keeps its data: the
 * configured path (a leading "~/" is $HOME) or the XDG data directory, and
 * creating the directories on the way. */
#ifndef SMCP_STORE_PATH_H
#define SMCP_STORE_PATH_H

#include <stdbool.h>

#include "scalene_mcp.h"

/* malloc'd copies; NULL when out of memory. */
char *store_strdup(const char *a);
char *store_join(const char *a, const char *b);

/* errno values that mean the disk or a file size limit is full. */
bool store_errno_full(int e);

/* The data path: `configured` (the value of key `key` in
 * [plugin.PLUGIN]; NULL when not set) with "~/" expanded, else $XDG_DATA_HOME/scalene-mcp<rel>,
 * else $HOME/.local/share/scalene-mcp<rel>. `what` names the path in the error
 * ("a database file"). malloc'd; NULL with the owner's error set. */
char *store_resolve_path(const mcp_host_api *api, mcp_plugin *owner, const char *plugin,
                         const char *key, const char *configured, const char *rel,
                         const char *what);

/* Creates every missing directory of `dir` with mode 0700. An existing
 * non-directory on the way is refused with "cannot use PATH as ROLE:
 * NOT_DIR" (role "the store directory", not_dir "it is not a directory").
 * MCP_OK, MCP_NOMEM, MCP_FULL or MCP_IO (the owner's error set). */
int store_mkdirs(const mcp_host_api *api, mcp_plugin *owner, const char *dir, const char *role,
                 const char *not_dir);

#endif
