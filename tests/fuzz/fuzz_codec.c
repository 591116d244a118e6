/* fuzz_codec.c - fuzz target: the stored-profile reader (profile_decode).
 *
 * Input: a document as a storage backend hands it back (what
 * profile_encode wrote, or anything a damaged or hostile store holds).
 * Oracles: the sanitizers, only the documented result codes, the model
 * invariants of profile.h on every profile the reader accepts, and an exact
 * round trip: encode(decode(encode(p))) == encode(p). */
#include <string.h>

#include "fuzz.h"
#include "profile.h"
#include "profile_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcp_profile *p = NULL;
    char err[512];
    int rc = profile_decode((const char *)data, size, &p, err, sizeof err);
    if (rc != MCP_OK) {
        FUZZ_CHECK(p == NULL, "error %d but a profile", rc);
        FUZZ_CHECK(rc == MCP_CORRUPT || rc == MCP_VERSION || rc == MCP_NOMEM,
                   "unexpected result %d", rc);
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "err not terminated");
        return 0;
    }
    FUZZ_CHECK(p != NULL, "MCP_OK without a profile");
    fuzz_check_profile(p);
    fuzz_check_roundtrip(p);
    profile_free(p);
    return 0;
}
