/* profile_access.h - stored profiles as parsed models: open through the
 * store's LRU cache, save new ones, and the SDK's profile_* services. */
#ifndef SMCP_PROFILE_ACCESS_H
#define SMCP_PROFILE_ACCESS_H

#include <stddef.h>

#include "profile.h"
#include "server.h"

/* Opens profile `id` (borrowed) for reading. MCP_OK and *out pinned until
 * profiles_release; MCP_INVALID for a malformed id, MCP_NOTFOUND for an
 * unknown one, MCP_CORRUPT/MCP_VERSION for unreadable stored data; `err`
 * says which in words an agent can act on. */
int profiles_open(server *s, const char *id, const mcp_profile **out, char *err, size_t errsz);
void profiles_release(server *s, const mcp_profile *p);

/* Stores `p` (its meta.id must be set and new) and caches it. Takes `p`
 * in every case (freed on failure). */
int profiles_save(server *s, mcp_profile *p, char *err, size_t errsz);

/* The small JSON object shown in listings for `p` (new tree). */
cJSON *profiles_listing_meta(const mcp_profile *p);

/* Host-API members. */
int profile_api_open(mcp_plugin *self, const char *id, const mcp_profile **out);
void profile_api_release(mcp_plugin *self, const mcp_profile *p);

#endif
