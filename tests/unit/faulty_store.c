/* faulty_store.c - see faulty_store.h. */
#include "faulty_store.h"

#include <stdlib.h>
#include <string.h>

struct faulty {
    mcp_storage_vtab vt; /* first: open() finds the faulty from its vtable */
    const mcp_storage_vtab *inner;
    const mcp_host_api *api;
    faulty_method armed_method;
    unsigned countdown; /* 0 = disarmed */
    int rc;
    char *message;
    unsigned calls[FAULTY_N_METHODS];
};

typedef struct faulty_store {
    mcp_store base; /* first: the host sees a mcp_store */
    mcp_store *inner;
    faulty *f;
    mcp_plugin *owner;
} faulty_store;

/* Counts the call; true when it is the one to fail (the error is set). */
static bool faulty_fires(faulty *f, faulty_method m, mcp_plugin *owner)
{
    f->calls[m]++;
    if (!f->countdown || (f->armed_method != FAULTY_ANY && f->armed_method != m))
        return false;
    if (--f->countdown)
        return false;
    if (f->message)
        f->api->set_error(owner, "%s", f->message);
    return true;
}

static int faulty_open(const mcp_storage_vtab *vt, mcp_plugin *owner, mcp_store **out)
{
    faulty *f = (faulty *)vt;
    if (faulty_fires(f, FAULTY_OPEN, owner))
        return f->rc;
    faulty_store *s = calloc(1, sizeof *s);
    if (!s)
        return MCP_NOMEM;
    int rc = f->inner->open(f->inner, owner, &s->inner);
    if (rc) {
        free(s);
        return rc;
    }
    s->base.vt = vt;
    s->f = f;
    s->owner = owner;
    *out = &s->base;
    return MCP_OK;
}

static int faulty_put(mcp_store *base, const mcp_record_meta *meta, const char *doc, size_t len)
{
    faulty_store *s = (faulty_store *)base;
    if (faulty_fires(s->f, FAULTY_PUT, s->owner))
        return s->f->rc;
    return s->f->inner->put(s->inner, meta, doc, len);
}

static int faulty_get(mcp_store *base, const char *id, char **doc, size_t *len)
{
    faulty_store *s = (faulty_store *)base;
    if (faulty_fires(s->f, FAULTY_GET, s->owner))
        return s->f->rc;
    return s->f->inner->get(s->inner, id, doc, len);
}

static int faulty_list(mcp_store *base, const mcp_list_query *q, mcp_record_cb cb, void *ctx,
                       char **next_cursor)
{
    faulty_store *s = (faulty_store *)base;
    *next_cursor = NULL;
    if (faulty_fires(s->f, FAULTY_LIST, s->owner))
        return s->f->rc;
    return s->f->inner->list(s->inner, q, cb, ctx, next_cursor);
}

static int faulty_del(mcp_store *base, const char *id)
{
    faulty_store *s = (faulty_store *)base;
    if (faulty_fires(s->f, FAULTY_DEL, s->owner))
        return s->f->rc;
    return s->f->inner->del(s->inner, id);
}

static int faulty_count(mcp_store *base, uint64_t *n)
{
    faulty_store *s = (faulty_store *)base;
    if (faulty_fires(s->f, FAULTY_COUNT, s->owner))
        return s->f->rc;
    return s->f->inner->count(s->inner, n);
}

static int faulty_retain(mcp_store *base, uint64_t max_profiles, int64_t min_created_ms,
                         uint64_t *removed)
{
    faulty_store *s = (faulty_store *)base;
    if (faulty_fires(s->f, FAULTY_RETAIN, s->owner))
        return s->f->rc;
    return s->f->inner->retain(s->inner, max_profiles, min_created_ms, removed);
}

static void faulty_close(mcp_store *base)
{
    faulty_store *s = (faulty_store *)base;
    if (!s)
        return;
    s->f->inner->close(s->inner);
    free(s);
}

faulty *faulty_new(const mcp_storage_vtab *inner, const mcp_host_api *api)
{
    faulty *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->vt = (mcp_storage_vtab){.version = MCP_STORAGE_VTAB_VERSION,
                               .name = "faulty",
                               .open = faulty_open,
                               .put = faulty_put,
                               .get = faulty_get,
                               .list = faulty_list,
                               .del = faulty_del,
                               .count = faulty_count,
                               .retain = faulty_retain,
                               .close = faulty_close};
    f->inner = inner;
    f->api = api;
    return f;
}

void faulty_free(faulty *f)
{
    if (f) {
        free(f->message);
        free(f);
    }
}

const mcp_storage_vtab *faulty_vtab(faulty *f)
{
    return &f->vt;
}

void faulty_arm(faulty *f, faulty_method method, unsigned nth, int rc, const char *message)
{
    faulty_disarm(f);
    f->armed_method = method;
    f->countdown = nth;
    f->rc = rc;
    f->message = message ? strdup(message) : NULL;
}

void faulty_disarm(faulty *f)
{
    free(f->message);
    f->message = NULL;
    f->countdown = 0;
}

unsigned faulty_calls(const faulty *f, faulty_method method)
{
    if (method != FAULTY_ANY)
        return f->calls[method];
    unsigned n = 0;
    for (int m = FAULTY_OPEN; m < FAULTY_N_METHODS; m++)
        n += f->calls[m];
    return n;
}
