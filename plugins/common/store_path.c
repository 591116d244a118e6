/* store_path.c - storage data paths (see store_path.h). */
#include "store_path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *store_strdup(const char *a)
{
    size_t n = strlen(a) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, a, n) : NULL;
}

char *store_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 1);
    if (p) {
        memcpy(p, a, na);
        memcpy(p + na, b, nb + 1);
    }
    return p;
}

bool store_errno_full(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EFBIG;
}

char *store_resolve_path(const mcp_host_api *api, mcp_plugin *owner, const char *plugin,
                         const char *key, const char *configured, const char *rel, const char *what)
{
    const char *home = getenv("HOME");
    if (configured) {
        if (strncmp(configured, "~/", 2) != 0)
            return store_strdup(configured);
        if (!home || !home[0]) {
            api->set_error(owner, "%s = %s: HOME is not set, so ~ cannot be expanded", key,
                           configured);
            return NULL;
        }
        return store_join(home, configured + 1);
    }
    char *tail = store_join("/scalene-mcp", rel);
    if (!tail) {
        api->set_error(owner, "out of memory");
        return NULL;
    }
    char *path = NULL;
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && xdg[0] == '/') { /* the XDG spec ignores relative values */
        path = store_join(xdg, tail);
    } else if (home && home[0]) {
        char *share = store_join(home, "/.local/share");
        path = share ? store_join(share, tail) : NULL;
        free(share);
    } else {
        api->set_error(owner,
                       "cannot choose %s: neither XDG_DATA_HOME nor HOME is set; set %s in "
                       "[plugin.%s]",
                       what, key, plugin);
    }
    free(tail);
    return path;
}

int store_mkdirs(const mcp_host_api *api, mcp_plugin *owner, const char *dir, const char *role,
                 const char *not_dir)
{
    char *p = store_strdup(dir);
    if (!p) {
        api->set_error(owner, "out of memory");
        return MCP_NOMEM;
    }
    int rc = MCP_OK;
    for (char *c = p + 1;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char saved = *c;
        *c = '\0';
        struct stat st;
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            int err = errno;
            api->set_error(owner, "cannot create directory %s: %s", p, strerror(err));
            rc = store_errno_full(err) ? MCP_FULL : MCP_IO;
            break;
        }
        if (stat(p, &st) != 0) {
            api->set_error(owner, "cannot use directory %s: %s", p, strerror(errno));
            rc = MCP_IO;
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            api->set_error(owner, "cannot use %s as %s: %s", p, role, not_dir);
            rc = MCP_IO;
            break;
        }
        *c = saved;
        if (!saved)
            break;
    }
    free(p);
    return rc;
}
