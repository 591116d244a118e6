/* anacommon.h - small pieces every bundled analyzer needs: arguments,
 * opening a profile with a helpful error, finding a file by the names a user
 * gives it, least-squares fits over Scalene's footprint samples. */
#ifndef SMCP_ANACOMMON_H
#define SMCP_ANACOMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "scalene_mcp.h"

int ana_arg_int(const cJSON *args, const char *key, int dflt);
double ana_arg_num(const cJSON *args, const char *key, double dflt);
const char *ana_arg_str(const cJSON *args, const char *key, const char *dflt);

/* Opens profile `id` for the call's plugin; on failure makes the call a
 * tool error with a hint and returns the error code. */
int ana_open_profile(const mcp_host_api *api, mcp_call *call, const char *id,
                     const mcp_profile **out);

/* The index of the file `query` names (exact path, exact display path, then
 * a path suffix starting after a '/'); on no or several matches makes the
 * call a tool error listing the files and returns -1. */
long ana_find_file(const mcp_host_api *api, mcp_call *call, const mcp_profile *p,
                   const char *query);

/* Least squares of mb over t_sec: slope (MB/s) and r2 (0..1; 0 when the
 * points do not determine a line). Returns false with fewer than 2 points
 * or no time spread. */
bool ana_fit(const mcp_sample *s, size_t n, double *slope, double *r2);

/* Share of consecutive steps that do not go down by more than `tol` MB. */
double ana_monotonic(const mcp_sample *s, size_t n, double tol);

#endif
