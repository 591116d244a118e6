/*
 * rules.h - the bottleneck rule library (documented in docs/analyzers.md).
 *
 * A rule looks at what one source line does (its text, with string contents
 * and comments removed), where it sits (inside a loop or not, from pysrc) and
 * the numbers Scalene measured for it, and either fires with a sentence of
 * evidence or stays quiet. Specific rules (string concatenation, regex,
 * I/O, allocation, numeric loops) come first; generic fallbacks explain a
 * costly line no specific rule recognised.
 */
#ifndef SMCP_BN_RULES_H
#define SMCP_BN_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pysrc.h"

enum bn_rule_id {
    BN_STR_CONCAT_IN_LOOP = 0,
    BN_REGEX_IN_LOOP,
    BN_IO_IN_LOOP,
    BN_ALLOC_IN_LOOP,
    BN_PYTHON_NUMERIC_LOOP,
    /* generic fallbacks */
    BN_SLEEPING,
    BN_SYSTEM_TIME,
    BN_MEMORY_COPY,
    BN_LARGE_ALLOCATION,
    BN_ALLOCATION_CHURN,
    BN_NATIVE_DOMINATED,
    BN_GPU_HEAVY,
    BN_PYTHON_TIME,
    BN_HOT_LINE,
    BN_N_RULES
};

#define BN_N_SPECIFIC 5 /* rules before BN_SLEEPING */

typedef struct bn_rule_def {
    const char *id;             /* stable id, e.g. "str_concat_in_loop" */
    const char *title;          /* short human title */
    const char *recommendation; /* what to do */
} bn_rule_def;

extern const bn_rule_def bn_rules[BN_N_RULES];

/* Severity dimensions and their thresholds (the unit's share of the run in
 * percent for CPU; MB; MB/s). Index: 0 critical .. 3 low; a value below the
 * low threshold is not a problem in that dimension. */
enum { BN_SEV_CRITICAL = 0, BN_SEV_HIGH, BN_SEV_MEDIUM, BN_SEV_LOW, BN_SEV_NONE };
extern const double bn_cpu_thresholds[4];
extern const double bn_peak_thresholds[4];
extern const double bn_alloc_thresholds[4];
extern const double bn_copy_thresholds[4];
extern const double bn_gpu_thresholds[4];
extern const double bn_gpu_mem_thresholds[4];

/* Severity of `v` against thresholds t (BN_SEV_NONE when below t[3]). */
int bn_severity_of(double v, const double t[4]);

/* What the rules see of one line of a unit (a line, or a loop whose samples
 * Scalene spread over its lines). Percentages are the unit's, 0..100 of the
 * run; the text is the line's. */
typedef struct bn_line_input {
    const pysrc *src;
    uint32_t lineno;
    const char *text;
    pysrc_ctx ctx;
    bool in_loop;         /* inside a loop body (or a comprehension for numeric) */
    uint32_t loop_header; /* the loop's header line, 0 when unknown */
    bool loop_unknown;    /* the source is sparse: no loop context */
} bn_line_input;

typedef struct bn_metrics_input {
    double cpu, python, native, system; /* % of the run */
    double malloc_mb, peak_mb, copy_mb_s;
    int64_t mallocs;
    double gpu_percent, gpu_peak_mb;
    bool gpu_on;
    double total_malloc_mb; /* the whole profile's, for shares */
    /* CPU contention: when the machine was busy, Scalene counts the time a
     * line waited for a CPU as system time, on every line. sys_base is the
     * typical system/CPU ratio of lines that do no I/O, sleep or allocation
     * (bn_system_baseline); contended when their median system share >= 50%. */
    double sys_base;
    bool contended;
} bn_metrics_input;

/* The line's system-to-CPU ratio (system / (python + native)). */
double bn_sys_ratio(const bn_metrics_input *m);

/* True when the line's system time is more than contention explains:
 * always when not contended, else ratio >= 2 x the baseline. */
bool bn_system_excess(const bn_metrics_input *m);

/* True when the line's code is one of those the contention baseline uses:
 * no I/O, sleep, wait, import or allocating call. */
bool bn_baseline_line(const char *text);

/* Tests the specific rules (BN_STR_CONCAT_IN_LOOP..BN_PYTHON_NUMERIC_LOOP)
 * on one line. For each that fires, sets fired[id] and writes its evidence
 * into ev[id] (size evsz). Returns the number that fired. */
int bn_match_specific(const bn_line_input *in, const bn_metrics_input *m, bool fired[BN_N_RULES],
                      char ev[][256]);

/* Tests the generic rules on the unit's first line of interest (text may be
 * ""), ordered by which severity dimension is worst. Writes ids in firing
 * order to order[] (at most BN_N_RULES) with their evidence; returns how
 * many. BN_PYTHON_TIME or BN_HOT_LINE always fires when nothing else does. */
int bn_match_generic(const char *text, const bn_metrics_input *m, int order[BN_N_RULES],
                     char ev[][256]);

/* Severity of a unit: the worst over its dimensions. */
int bn_unit_severity(const bn_metrics_input *m);

/* ---- text classifiers (exposed for tests) ---- */

/* The target of an augmented string concatenation `NAME += rhs` or
 * `NAME = NAME + rhs` (NAME may be dotted); false when the line is not one.
 * rhs gets the right-hand side's code. */
bool bn_concat_target(const char *code, char *name, size_t namesz, const char **rhs);

/* 1: the expression is string-typed, 0: not a string (number, list, ...),
 * -1: unknown. `text` is original text (literals included). */
int bn_expr_is_string(const char *text);

/* What the last assignment to `name` before line `before` (in lines
 * first..before-1) says about its type: 1 str, 0 not str, -1 unknown;
 * *at gets the line. */
int bn_var_init_is_string(const pysrc *src, const char *name, uint32_t first, uint32_t before,
                          uint32_t *at);

/* The re.* call with a literal pattern in `text`, e.g. "re.compile"; NULL. */
const char *bn_regex_literal_call(const char *text);

/* The first I/O call in `code` ("print(", "open(", ...); NULL when none. */
const char *bn_io_call(const char *code);

/* Like bn_io_call, but a method call on a receiver that `src` shows was
 * made by io.StringIO()/io.BytesIO() (in lines first..before-1) is not I/O. */
const char *bn_io_call_in(const char *code, const pysrc *src, uint32_t first, uint32_t before);

/* The first allocating call or construct in `code`; NULL when none. */
const char *bn_alloc_call(const char *code);

/* True when `code` does arithmetic on values (operators or numeric
 * built-ins) and names no string, I/O or regex operation, nor an array
 * library (np., numpy., torch., ...: already vectorized per call). */
bool bn_is_numeric(const char *code, int n_strings);

#endif
