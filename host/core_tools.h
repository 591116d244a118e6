/* core_tools.h - the host's own MCP tools: profiling (profile_script,
 * profile_code) and the stored-profile tools (list_profiles, get_profile,
 * get_file_details, delete_profile). */
#ifndef SMCP_CORE_TOOLS_H
#define SMCP_CORE_TOOLS_H

#include <stddef.h>

#include "server.h"

/* Registers the stored-profile tools (owner: the host). */
int store_tools_register(server *s, char *err, size_t errsz);
/* Registers profile_script and profile_code and sets up the runner. */
int run_tools_register(server *s, char *err, size_t errsz);
/* Profiling runs queued or running (shutdown waits for them to end). */
size_t run_tools_active(const server *s);
/* Frees what run_tools_register set up (after in-flight calls ended). */
void run_tools_free(server *s);

#endif
