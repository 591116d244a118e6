/* store_record.c - record ids and list filters (see store_record.h). */
#include "store_record.h"

#include <string.h>

bool store_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool store_id_valid_len(const char *id, size_t n)
{
    if (!id || n == 0 || n > STORE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!store_id_char(id[i]))
            return false;
    return true;
}

bool store_id_valid(const char *id)
{
    return id && store_id_valid_len(id, strnlen(id, STORE_ID_MAX + 1));
}

uint64_t store_id_hash(const char *id)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *id; id++) {
        h ^= (unsigned char)*id;
        h *= 1099511628211u;
    }
    return h;
}

bool store_query_matches(const mcp_list_query *q, const char *label, const char *target)
{
    if (q->label && strcmp(label, q->label) != 0)
        return false;
    return !q->target_contains || strstr(target, q->target_contains);
}

bool store_query_too_old(const mcp_list_query *q, int64_t created_ms)
{
    return q->since_ms != 0 && created_ms < q->since_ms;
}
