/* fuzz_scalene.c - fuzz target: Scalene's JSON (profile_parse_scalene).
 *
 * Input: a Scalene JSON document, as Scalene 1.5.x or 2.x writes it.
 * Oracles: the sanitizers, the model invariants of profile.h on every
 * profile the parser accepts, a bounded warnings list, and an exact
 * round trip through our stored format. */
#include <string.h>

#include "fuzz.h"
#include "profile.h"
#include "profile_check.h"
#include "rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *warnings = cJSON_CreateArray();
    if (!warnings)
        return 0;
    mcp_profile *p = NULL;
    char err[512];
    /* alternate: no cwd, and a cwd the recorded paths may be inside */
    const char *cwd = (size & 1) ? NULL : "/home/user/project";
    int rc = profile_parse_scalene((const char *)data, size, cwd, &p, warnings, err, sizeof err);
    if (rc != MCP_OK) {
        FUZZ_CHECK(p == NULL, "error %d but a profile", rc);
        FUZZ_CHECK(rc == MCP_NOTFOUND || rc == MCP_INVALID || rc == MCP_NOMEM,
                   "unexpected result %d", rc);
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "err not terminated");
    } else {
        FUZZ_CHECK(p != NULL, "MCP_OK without a profile");
        FUZZ_CHECK(cJSON_GetArraySize(warnings) <= PROFILE_MAX_WARNINGS + 1, "%d warnings",
                   cJSON_GetArraySize(warnings));
        const cJSON *w;
        cJSON_ArrayForEach(w, warnings)
        {
            FUZZ_CHECK(cJSON_IsString(w), "a warning that is not a string");
            FUZZ_CHECK(rpc_utf8_valid(w->valuestring, strlen(w->valuestring)), "warning not UTF-8");
        }
        fuzz_check_profile(p);
        fuzz_check_roundtrip(p);
        /* what the runner does next: attach metadata, then store */
        profile_meta m;
        profile_get_meta(p, &m);
        m.id = "fuzz_1";
        m.label = "fuzz";
        m.cwd = "/home/user";
        m.scalene_version = "2.3.0";
        if (profile_set_meta(p, &m) == MCP_OK) {
            fuzz_check_profile(p);
            fuzz_check_roundtrip(p);
        }
        profile_free(p);
    }
    cJSON_Delete(warnings);
    return 0;
}
