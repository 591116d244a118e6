/* sections.h - analyze_profile: the host's summary plus one section per
 * registered analyzer (plugins contribute through api->register_section),
 * then the most urgent recommendations of all sections. */
#ifndef SMCP_SECTIONS_H
#define SMCP_SECTIONS_H

#include <stddef.h>

#include "scalene_mcp.h"
#include "server.h"

struct mcp_plugin;

int sections_register(server *s, struct mcp_plugin *owner, const mcp_section_def *def, char *err,
                      size_t errsz);
void sections_unregister_owner(server *s, struct mcp_plugin *owner);
void sections_free_all(server *s);

/* Registers the analyze_profile tool. */
int analyze_tool_register(server *s, char *err, size_t errsz);

/* Host-API members. */
int section_api_register(mcp_plugin *self, const mcp_section_def *def);
int section_api_text(mcp_section *sec, const char *fmt, ...) MCP_PRINTF(2, 3);
int section_api_data(mcp_section *sec, cJSON *value);
int section_api_recommend(mcp_section *sec, int severity, const char *file, uint32_t line,
                          const char *text);
const cJSON *section_api_args(const mcp_section *sec);
mcp_plugin *section_api_plugin(const mcp_section *sec);

#endif
