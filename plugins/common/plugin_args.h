/*
 * plugin_args.h - what every bundled analyzer tool does first: read its
 * arguments (already validated against the tool's input schema), open the
 * profile they name and resolve the optional `file` filter. On failure the
 * helpers answer the tool error themselves (isError with a hint), so a tool
 * just returns.
 */
#ifndef SMCP_PLUGIN_ARGS_H
#define SMCP_PLUGIN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scalene_mcp.h"

const char *plugin_arg_str(const cJSON *args, const char *name, const char *dflt);
double plugin_arg_num(const cJSON *args, const char *name, double dflt);
/* The number truncated to int; dflt when absent. */
int plugin_arg_int(const cJSON *args, const char *name, int dflt);
/* The number as a size; negative values read as 0. */
size_t plugin_arg_size(const cJSON *args, const char *name, size_t dflt);
bool plugin_arg_bool(const cJSON *args, const char *name, bool dflt);

/* Opens profile `id` (the value of argument `field`, named in the error)
 * for the call's plugin. On failure answers the tool error with a hint and
 * returns the error code (*out untouched). */
int plugin_open_profile_id(const mcp_host_api *api, mcp_call *call, const char *field,
                           const char *id, const mcp_profile **out);
/* Opens args.profile_id; NULL (error answered) on failure. */
const mcp_profile *plugin_open_profile(const mcp_host_api *api, mcp_call *call, const cJSON *args);
/* Releases a profile opened for the call; NULL is ignored. */
void plugin_close_profile(const mcp_host_api *api, mcp_call *call, const mcp_profile *p);

#define PLUGIN_ALL_FILES SIZE_MAX

/* The file `query` names (absolute path, path relative to the run's
 * directory, display path, or a suffix starting after a '/'; a leading "./"
 * is ignored). On no match or an ambiguous one answers the tool error
 * (listing the candidates) and returns false. */
bool plugin_find_file(const mcp_host_api *api, mcp_call *call, const mcp_profile *p,
                      const char *query, size_t *fi);
/* plugin_find_file for args.file; PLUGIN_ALL_FILES when the argument is
 * absent. */
bool plugin_file_arg(const mcp_host_api *api, mcp_call *call, const mcp_profile *p,
                     const cJSON *args, size_t *fi);

/* Opens args.profile_id and resolves args.file; NULL (error answered,
 * nothing left open) on failure. */
const mcp_profile *plugin_open_profile_file(const mcp_host_api *api, mcp_call *call,
                                            const cJSON *args, size_t *fi);

/* Answers "out of memory while analyzing the profile"; returns MCP_NOMEM. */
int plugin_answer_oom(const mcp_host_api *api, mcp_call *call);

#endif
