/* faulty_store.h - a storage vtable that wraps another one and fails a
 * chosen call on demand, for tests (a fault-injecting shim, in the manner
 * of SQLite's test VFS). A failing call does nothing but fail: it never
 * reaches the wrapped backend, so the store stays as it was. */
#ifndef SMCP_FAULTY_STORE_H
#define SMCP_FAULTY_STORE_H

#include "scalene_mcp.h"

typedef enum faulty_method {
    FAULTY_ANY = 0, /* in faulty_arm: whichever method comes */
    FAULTY_OPEN,
    FAULTY_PUT,
    FAULTY_GET,
    FAULTY_LIST,
    FAULTY_DEL,
    FAULTY_COUNT,
    FAULTY_RETAIN,
    FAULTY_N_METHODS
} faulty_method;

typedef struct faulty faulty;

/* `inner` and `api` are borrowed until faulty_free; api->set_error is how
 * an injected failure reports its message. NULL when out of memory. */
faulty *faulty_new(const mcp_storage_vtab *inner, const mcp_host_api *api);
/* Stores opened through the wrapper must be closed first. */
void faulty_free(faulty *f);

/* The wrapper's vtable (name "faulty"); borrowed until faulty_free. */
const mcp_storage_vtab *faulty_vtab(faulty *f);

/* Makes the `nth` call (1 = the next) of `method` from now return `rc`,
 * once. `message` (copied; NULL = none) is passed to api->set_error first.
 * Arming again replaces the previous plan. */
void faulty_arm(faulty *f, faulty_method method, unsigned nth, int rc, const char *message);
void faulty_disarm(faulty *f);

/* Calls of `method` (FAULTY_ANY: of all methods but close) that reached
 * the wrapper, failed or not. */
unsigned faulty_calls(const faulty *f, faulty_method method);

#endif
