/* report.h - the host's rendering of a profile for tool results: the
 * summary text and JSON that profile_script, profile_code and get_profile
 * return, the server-side thresholds Scalene's JSON writer ignores, and
 * per-line JSON. */
#ifndef SMCP_REPORT_H
#define SMCP_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "profile.h"
#include "strbuf.h"

/* Scalene parses --cpu-percent-threshold, --malloc-threshold and
 * --reduced-profile but its JSON writer ignores them; its text report uses
 * the first two to decide which FILES to show (a file is shown when its CPU
 * share reaches the threshold or its allocation samples reach the malloc
 * threshold) and the third to show only lines with activity. Reports here
 * apply them the same way: with reduced_profile, files under the thresholds
 * are left out of listings and inactive lines are never listed. */
typedef struct report_filter {
    double cpu_percent_threshold; /* 1.0 */
    double malloc_threshold;      /* 100 */
    bool reduced_profile;         /* false */
} report_filter;

void report_filter_default(report_filter *f);
bool report_file_shown(const mcp_profile *p, size_t file, const report_filter *f);
/* Any metric or memory sample on the line. */
bool report_line_active(const mcp_prof_line *l);
double report_line_cpu(const mcp_prof_line *l);

/* A hotspot: one line, or a loop region whose lines Scalene gave the same
 * share (2.x spreads a loop's samples evenly over its lines). */
typedef struct report_hot {
    size_t file;
    uint32_t first_line, last_line;
    const mcp_prof_line *line; /* the first line of the entry */
    double cpu;                /* per line of the entry */
    double cpu_total;          /* summed over the entry's lines */
} report_hot;

/* Fills up to `max` hotspots by CPU, highest first, from shown files.
 * Returns how many. */
size_t report_top_cpu(const mcp_profile *p, const report_filter *f, report_hot *out, size_t max);

/* "ok", "program_error", "signaled", "timeout", "cancelled". */
const char *report_outcome(const mcp_prof_summary *sm);

/* Short text: outcome, elapsed, memory, CPU split, files, top lines. */
void report_summary_text(strbuf *b, const mcp_profile *p, const report_filter *f, size_t top_n);
/* The same as JSON (new tree, caller frees); matches REPORT_SUMMARY_SCHEMA. */
cJSON *report_summary_json(const mcp_profile *p, const report_filter *f, size_t top_n);
/* One line with every metric (new tree). */
cJSON *report_line_json(const mcp_prof_line *l);

/* report_summary_json lists at most this many files (the busiest). */
#define REPORT_SUMMARY_MAX_FILES 1000
#define REPORT_SUMMARY_MAX_FILES_STR "1000"

/* JSON Schema text of report_summary_json's object. */
#define REPORT_HOT_SCHEMA                                                                          \
    "{\"type\":\"object\",\"properties\":{\"file\":{\"type\":\"string\"},"                         \
    "\"first_line\":{\"type\":\"integer\"},\"last_line\":{\"type\":\"integer\"},"                  \
    "\"cpu_percent\":{\"type\":\"number\"},\"source\":{\"type\":\"string\"}},"                     \
    "\"required\":[\"file\",\"first_line\",\"last_line\",\"cpu_percent\",\"source\"],"             \
    "\"additionalProperties\":false}"

#define REPORT_SUMMARY_SCHEMA                                                                      \
    "{\"type\":\"object\",\"properties\":{"                                                        \
    "\"profile_id\":{\"type\":\"string\"},\"label\":{\"type\":[\"string\",\"null\"]},"             \
    "\"target\":{\"type\":\"string\"},\"cwd\":{\"type\":\"string\"},"                              \
    "\"python\":{\"type\":\"string\"},\"scalene_version\":{\"type\":\"string\"},"                  \
    "\"created_ms\":{\"type\":\"integer\"},\"outcome\":{\"type\":\"string\",\"enum\":[\"ok\","     \
    "\"program_error\",\"signaled\",\"timeout\",\"cancelled\"]},"                                  \
    "\"exit_status\":{\"type\":\"integer\"},\"term_signal\":{\"type\":\"integer\"},"               \
    "\"partial\":{\"type\":\"boolean\"},\"elapsed_sec\":{\"type\":\"number\"},"                    \
    "\"max_footprint_mb\":{\"type\":\"number\"},\"growth_rate\":{\"type\":\"number\"},"            \
    "\"cpu_python_percent\":{\"type\":\"number\"},\"cpu_native_percent\":{\"type\":\"number\"},"   \
    "\"cpu_system_percent\":{\"type\":\"number\"},\"memory_profiled\":{\"type\":\"boolean\"},"     \
    "\"gpu_profiled\":{\"type\":\"boolean\"},\"stacks\":{\"type\":\"boolean\"},"                   \
    "\"request\":{\"type\":\"object\",\"description\":\"the profiling call's arguments\"},"        \
    "\"files\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"                \
    "\"path\":{\"type\":\"string\"},\"display_path\":{\"type\":\"string\"},"                       \
    "\"cpu_percent\":{\"type\":\"number\"},\"shown\":{\"type\":\"boolean\"}},"                     \
    "\"required\":[\"path\",\"display_path\",\"cpu_percent\",\"shown\"],"                          \
    "\"additionalProperties\":false}},"                                                            \
    "\"files_total\":{\"type\":\"integer\",\"description\":\"present when files lists only "       \
    "the busiest " REPORT_SUMMARY_MAX_FILES_STR " of this many\"},"                                \
    "\"top_lines\":{\"type\":\"array\",\"items\":" REPORT_HOT_SCHEMA "}},"                         \
    "\"required\":[\"profile_id\",\"target\",\"outcome\",\"exit_status\",\"partial\","             \
    "\"elapsed_sec\",\"max_footprint_mb\",\"cpu_python_percent\",\"cpu_native_percent\","          \
    "\"cpu_system_percent\",\"files\",\"top_lines\"],\"additionalProperties\":false}"

#endif
