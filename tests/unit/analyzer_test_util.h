/* analyzer_test_util.h - what the analyzer plugins' unit suites (hotspots,
 * functions, gpu, bottlenecks, leaks, comparator) share: the suite's
 * in-process host, Scalene fixtures (as stored profiles or as JSON to edit
 * into synthetic ones) and checked access to tool answers. */
#ifndef SMCP_ANALYZER_TEST_UTIL_H
#define SMCP_ANALYZER_TEST_UTIL_H

#include <stdbool.h>

#include "host_harness.h"

/* The suite's host: set by each suite's setup, freed by harness_teardown. */
extern harness *h;

void harness_teardown(void);

/* $SMCP_FIXTURES, or tests/fixtures when unset or empty. */
const char *fixtures(void);
/* The directory fixture `name` of Scalene `version` ran in (its source is
 * there). Static storage, valid for the next three calls. */
const char *fixture_run_dir(const char *version, const char *name);

/* The parsed JSON of file `path` (asserted readable and valid). */
cJSON *load_json(const char *path);
/* load_json of fixture `rel` (a path under fixtures()). */
cJSON *fixture_doc(const char *rel);
/* Stores `doc` (kept; the caller still owns it) as profile `id` run in
 * `cwd`, through a temporary file. */
void add_doc(const cJSON *doc, const char *cwd, const char *id);

/* Members of an answer's structuredContent, asserted present and typed. */
const cJSON *json_get(const cJSON *o, const char *k);
double json_num(const cJSON *o, const char *k);
const char *json_str(const cJSON *o, const char *k);

bool ends_with(const char *s, const char *suffix);

/* Calls a tool that must succeed (and so was validated against its
 * outputSchema by the test-build host) and answer structuredContent. */
cJSON *ok_call(const char *tname, const char *args);
/* Calls a tool that must answer a tool error containing `needle`. */
void expect_error(const char *tname, const char *args, const char *needle);

#endif
