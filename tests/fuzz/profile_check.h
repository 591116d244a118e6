/* profile_check.h - oracles shared by the profile fuzz targets. */
#ifndef SMCP_FUZZ_PROFILE_CHECK_H
#define SMCP_FUZZ_PROFILE_CHECK_H

#include "profile.h"

/* Aborts (FUZZ_CHECK) unless `p` keeps every invariant profile.h promises
 * "whatever the input was", and walks every accessor. */
void fuzz_check_profile(const mcp_profile *p);

/* Aborts unless decode(encode(p)) succeeds and encodes to the same bytes. */
void fuzz_check_roundtrip(const mcp_profile *p);

#endif
