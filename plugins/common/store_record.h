/* store_record.h - what every storage backend checks and filters about a
 * record: profile ids, the id hash of its index, and list() query
 * filters. */
#ifndef SMCP_STORE_RECORD_H
#define SMCP_STORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scalene_mcp.h"

#define STORE_ID_MAX 64u

/* An id character: A-Z a-z 0-9 _ -. */
bool store_id_char(char c);
/* The first n bytes of id are a valid id: 1..STORE_ID_MAX id characters. */
bool store_id_valid_len(const char *id, size_t n);
/* id (NUL-terminated, may be NULL) is a valid id. */
bool store_id_valid(const char *id);
/* FNV-1a of the id, for hash indexes. */
uint64_t store_id_hash(const char *id);

/* The record passes the query's label and target_contains filters. */
bool store_query_matches(const mcp_list_query *q, const char *label, const char *target);
/* The record is older than the query's since_ms. */
bool store_query_too_old(const mcp_list_query *q, int64_t created_ms);

#endif
