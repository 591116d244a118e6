/* rpc.h - newline-delimited JSON-RPC framing: line reader with a size cap,
 * the raw top-level id scan, and the single protocol writer. */
#ifndef SMCP_RPC_H
#define SMCP_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Called for each complete line (without '\n' or a trailing '\r'); `line` is
 * borrowed for the call and NUL-terminated. Empty lines are skipped. */
typedef void (*rpc_line_fn)(void *ud, char *line, size_t len);
/* Called once for a line longer than the cap; its bytes are dropped. */
typedef void (*rpc_oversize_fn)(void *ud, size_t dropped_so_far);

typedef struct rpc_reader {
    char *buf;
    size_t len, cap, max_line;
    bool discarding; /* inside an oversize line: drop until '\n' */
    size_t discarded;
    bool first_line; /* a UTF-8 BOM may lead the first line */
    rpc_line_fn on_line;
    rpc_oversize_fn on_oversize;
    void *ud;
} rpc_reader;

void rpc_reader_init(rpc_reader *r, size_t max_line, rpc_line_fn on_line,
                     rpc_oversize_fn on_oversize, void *ud);
void rpc_reader_free(rpc_reader *r);
/* Feeds bytes; calls back for every line completed. Returns -1 on OOM. */
int rpc_reader_feed(rpc_reader *r, const char *data, size_t n);
/* At EOF: a final line without '\n' is still delivered. */
void rpc_reader_finish(rpc_reader *r);

enum rpc_id_kind {
    RPC_ID_NONE = 0, /* no top-level "id" member */
    RPC_ID_STRING,   /* token is the JSON string including quotes */
    RPC_ID_INTEGER,  /* token is the integer as written */
    RPC_ID_INVALID   /* null, float, object, array, bool, or unreadable */
};

/* Finds the first top-level "id" member of the JSON object text `json` and
 * copies its raw token into out (NUL-terminated) when it is a string or an
 * integer of at most outsz-1 chars. Never reads past len. */
enum rpc_id_kind rpc_scan_id(const char *json, size_t len, char *out, size_t outsz);

/* True when the bytes are valid UTF-8 (no overlongs, no surrogates). */
bool rpc_utf8_valid(const char *s, size_t len);

/* Writes `msg` compact, as one line, to fd with a single write where
 * possible. Returns 0, or -1 on a write failure (EPIPE: client gone).
 * `msg` is borrowed. */
int rpc_write(int fd, const cJSON *msg);

#endif
