/* host_harness.h - the real host, in process, for Check suites: load an INI
 * text (plugins and all), put fixture profiles into its store, and call
 * tools as a client would, reading the JSON-RPC answers from a pipe. */
#ifndef SMCP_HOST_HARNESS_H
#define SMCP_HOST_HARNESS_H

#include <cjson/cJSON.h>

#include "server.h"

typedef struct harness harness;

/* Starts a host from `ini` (INI text, after a [server] plugin_dir pointing
 * at the build's bundled plugins; @BUILD@ is replaced by the build
 * directory from $SMCP_BUILD_DIR, @PLUGINS@ by $SMCP_PLUGIN_DIR). Aborts the
 * test on failure with the start-up error. */
harness *harness_new(const char *ini);
void harness_free(harness *h);
server *harness_server(harness *h);

/* Parses a Scalene JSON file (relative paths are under $SMCP_FIXTURES),
 * stores it as profile `id` with `cwd` as its run directory, and returns
 * 0; aborts on failure. */
int harness_add_scalene(harness *h, const char *json_path, const char *cwd, const char *id);

/* Sends tools/call and returns the JSON-RPC response (caller frees with
 * cJSON_Delete); only synchronous tools. `args_json` is JSON text. */
cJSON *harness_call(harness *h, const char *tool_name, const char *args_json);

/* Helpers over a response: the result's first text block ("" when none),
 * its structuredContent (borrowed), whether it is a tool error. */
const char *harness_text(const cJSON *resp);
const cJSON *harness_structured(const cJSON *resp);
int harness_is_error(const cJSON *resp);

#endif
