/* plugin.c - dlopen loader, ABI checks, plugin-facing host services. */
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prompts.h"
#include "resources.h"
#include "sections.h"
#include "tools.h"

/* Loaded when the INI file declares no [plugin.NAME] section. */
static const char *const bundled_plugins[] = {"memory",     "sqlite", "file",  "hotspots",
                                              "functions",  "gpu",    "leaks", "bottlenecks",
                                              "comparator", NULL};

struct plugin_timer {
    plugin_timer *next;
    mcp_plugin *owner;
    uint64_t loop_id;
    mcp_timer_fn fn;
    void *ud;
};

const char *plugin_name(const struct mcp_plugin *p)
{
    return p->conf ? p->conf->name : "?";
}

const char *plugin_last_error(const struct mcp_plugin *p)
{
    return p->last_error;
}

void plugin_api_log(mcp_plugin *self, int level, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    server_log(self->srv, self->srv->current_call, level, plugin_name(self), "%s", msg);
}

void plugin_api_set_error(mcp_plugin *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->last_error, sizeof self->last_error, fmt, ap);
    va_end(ap);
}

const char *plugin_api_last_error(mcp_plugin *self)
{
    return self->last_error;
}

const char *plugin_api_config(mcp_plugin *self, const char *key)
{
    if (!self->conf || !key)
        return NULL;
    /* the plugin's section is ours to mark as read */
    plugin_conf *pc = (plugin_conf *)self->conf;
    for (size_t i = pc->n_kv; i-- > 0;) {
        if (strcmp(pc->kv[i].key, key) == 0) {
            pc->kv[i].used = true;
            return pc->kv[i].value;
        }
    }
    return NULL;
}

int plugin_api_register_tool(mcp_plugin *self, const mcp_tool_def *def)
{
    if (!self->in_init) {
        plugin_api_set_error(self, "register_tool is only allowed inside init");
        if (def && def->free_user_data)
            def->free_user_data(def->user_data);
        return MCP_MISUSE;
    }
    char err[512];
    int rc = tools_register(self->srv, self, def, err, sizeof err);
    if (rc != MCP_OK)
        plugin_api_set_error(self, "%s", err);
    return rc;
}

int plugin_api_register_storage(mcp_plugin *self, const mcp_storage_vtab *vt)
{
    if (!self->in_init) {
        plugin_api_set_error(self, "register_storage is only allowed inside init");
        return MCP_MISUSE;
    }
    if (!vt || vt->version < 1 || !vt->name || !vt->open || !vt->put || !vt->get || !vt->list ||
        !vt->del || !vt->count || !vt->retain || !vt->close) {
        plugin_api_set_error(self, "storage vtable incomplete (version, name and every method of "
                                   "version 1 are required)");
        return MCP_INVALID;
    }
    server *s = self->srv;
    for (size_t i = 0; i < s->n_plugins; i++) {
        const mcp_storage_vtab *o = s->plugins[i]->storage;
        if (o && strcmp(o->name, vt->name) == 0) {
            plugin_api_set_error(self, "storage backend '%s' is already registered by %s", vt->name,
                                 plugin_name(s->plugins[i]));
            return MCP_EXISTS;
        }
    }
    if (self->storage) {
        plugin_api_set_error(self, "a plugin registers at most one storage backend");
        return MCP_MISUSE;
    }
    self->storage = vt;
    return MCP_OK;
}

static void timer_fire(loop *l, void *ud)
{
    (void)l;
    plugin_timer *t = ud;
    mcp_plugin *p = t->owner;
    for (plugin_timer **pp = &p->timers; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    mcp_timer_fn fn = t->fn;
    void *fud = t->ud;
    free(t);
    fn(fud);
}

int plugin_api_timer_start(mcp_plugin *self, uint64_t delay_ms, mcp_timer_fn fn, void *user_data,
                           uint64_t *timer_id)
{
    plugin_timer *t = calloc(1, sizeof *t);
    if (!t || !fn) {
        free(t);
        plugin_api_set_error(self, fn ? "out of memory" : "timer callback is NULL");
        return fn ? MCP_NOMEM : MCP_INVALID;
    }
    t->owner = self;
    t->fn = fn;
    t->ud = user_data;
    t->loop_id = loop_timer_start(self->srv->loop, delay_ms, timer_fire, t);
    if (!t->loop_id) {
        free(t);
        return MCP_NOMEM;
    }
    t->next = self->timers;
    self->timers = t;
    if (timer_id)
        *timer_id = t->loop_id;
    return MCP_OK;
}

void plugin_api_timer_cancel(mcp_plugin *self, uint64_t timer_id)
{
    for (plugin_timer **pp = &self->timers; *pp; pp = &(*pp)->next) {
        if ((*pp)->loop_id == timer_id) {
            plugin_timer *t = *pp;
            *pp = t->next;
            loop_timer_cancel(self->srv->loop, t->loop_id);
            free(t);
            return;
        }
    }
}

static void cancel_timers(mcp_plugin *p)
{
    while (p->timers) {
        plugin_timer *t = p->timers;
        p->timers = t->next;
        loop_timer_cancel(p->srv->loop, t->loop_id);
        free(t);
    }
}

/* Undoes everything a plugin did; safe at any stage of loading. */
static void plugin_unload(mcp_plugin *p)
{
    if (p->decl && p->decl->shutdown && !p->in_init)
        p->decl->shutdown(p);
    tools_unregister_owner(p->srv, p);
    sections_unregister_owner(p->srv, p);
    resources_unregister_owner(p->srv, p);
    prompts_unregister_owner(p->srv, p);
    cancel_timers(p);
    /* SMCP_NO_DLCLOSE keeps plugin code mapped so leak reports can name it. */
    const char *keep = getenv("SMCP_NO_DLCLOSE");
    if (p->dl && !(keep && *keep == '1'))
        dlclose(p->dl);
    free(p->path);
    free(p);
}

/* dlopen maps the segments a shared object declares: one that ends past
 * the end of the file (a truncated copy, a full disk during install) raises
 * SIGBUS when the loader touches it, and the server dies instead of
 * refusing the plugin. Anything else odd is left to dlopen to explain. */
static int check_elf_extent(const char *path, off_t size, char *err, size_t errsz)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    ElfW(Ehdr) eh;
    int rc = 0;
    unsigned long long end = 0;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh &&
        !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
        eh.e_ident[EI_CLASS] == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) &&
        eh.e_phentsize == sizeof(ElfW(Phdr))) {
        end = (unsigned long long)eh.e_phoff + (unsigned long long)eh.e_phnum * sizeof(ElfW(Phdr));
        for (unsigned i = 0; i < eh.e_phnum && end <= (unsigned long long)size; i++) {
            ElfW(Phdr) ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) !=
                (ssize_t)sizeof ph)
                break;
            if (ph.p_type == PT_LOAD && (unsigned long long)ph.p_offset + ph.p_filesz > end)
                end = (unsigned long long)ph.p_offset + ph.p_filesz;
        }
        if (end > (unsigned long long)size) {
            snprintf(err, errsz,
                     "%s: truncated or damaged shared object (it declares data up to byte %llu, "
                     "the file has %lld bytes)",
                     path, end, (long long)size);
            rc = -1;
        }
    }
    close(fd);
    return rc;
}

static int check_file(const char *path, char *err, size_t errsz)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errsz, "%s: not a regular file", path);
        return -1;
    }
    if (st.st_mode & S_IWOTH) {
        snprintf(err, errsz, "%s: refusing a plugin file writable by other users (chmod o-w)",
                 path);
        return -1;
    }
    return check_elf_extent(path, st.st_size, err, errsz);
}

static int check_decl(const mcp_plugin_decl *d, const plugin_conf *pc, char *err, size_t errsz)
{
    if (d->abi_major != MCP_ABI_MAJOR || d->abi_minor > MCP_ABI_MINOR) {
        snprintf(err, errsz,
                 "ABI mismatch: plugin built for SDK ABI %u.%u, this host speaks %u.%u "
                 "(rebuild the plugin against this host's scalene_mcp.h)",
                 d->abi_major, d->abi_minor, (unsigned)MCP_ABI_MAJOR, (unsigned)MCP_ABI_MINOR);
        return -1;
    }
    if (d->decl_size < offsetof(mcp_plugin_decl, shutdown) + sizeof d->shutdown) {
        snprintf(err, errsz, "descriptor too small (%u bytes)", d->decl_size);
        return -1;
    }
    if (!d->name || strcmp(d->name, pc->name) != 0) {
        snprintf(err, errsz, "descriptor name '%s' does not match the section [plugin.%s]",
                 d->name ? d->name : "(null)", pc->name);
        return -1;
    }
    if (!d->init) {
        snprintf(err, errsz, "descriptor has no init function");
        return -1;
    }
    return 0;
}

static void warn_unused_keys(server *s, const plugin_conf *pc)
{
    for (size_t i = 0; i < pc->n_kv; i++)
        if (!pc->kv[i].used)
            server_log(s, NULL, MCP_LOG_WARNING, "config",
                       "%s:%d: unknown key '%s' in [plugin.%s] (the plugin did not read it)",
                       s->cfg.source ? s->cfg.source : "(built-in)", pc->kv[i].line, pc->kv[i].key,
                       pc->name);
}

static int plugin_load(server *s, const plugin_conf *pc, char *err, size_t errsz)
{
    mcp_plugin *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    p->srv = s;
    p->conf = pc;
    p->path = config_plugin_path(&s->cfg, pc);
    char why[1024];
    if (!p->path || check_file(p->path, why, sizeof why) < 0) {
        snprintf(err, errsz, "plugin %s: cannot load: %s", pc->name, p->path ? why : "no path");
        plugin_unload(p);
        return -1;
    }
    p->dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        snprintf(err, errsz, "plugin %s: cannot load %s: %s", pc->name, p->path, dlerror());
        plugin_unload(p);
        return -1;
    }
    p->decl = dlsym(p->dl, MCP_PLUGIN_SYMBOL);
    if (!p->decl) {
        snprintf(err, errsz,
                 "plugin %s: %s has no symbol '%s' (not a scalene-mcp plugin? declare it with "
                 "MCP_PLUGIN())",
                 pc->name, p->path, MCP_PLUGIN_SYMBOL);
        plugin_unload(p);
        return -1;
    }
    if (check_decl(p->decl, pc, why, sizeof why) < 0) {
        snprintf(err, errsz, "plugin %s (%s): %s", pc->name, p->path, why);
        p->decl = NULL; /* never call into a plugin that failed the checks */
        plugin_unload(p);
        return -1;
    }
    mcp_plugin **np = realloc(s->plugins, (s->n_plugins + 1) * sizeof *np);
    if (!np) {
        snprintf(err, errsz, "out of memory");
        plugin_unload(p);
        return -1;
    }
    s->plugins = np;
    s->plugins[s->n_plugins++] = p;
    p->in_init = true;
    int rc = p->decl->init(p, server_host_api());
    p->in_init = false;
    if (rc != MCP_OK) {
        snprintf(err, errsz, "plugin %s: init failed: %s", pc->name,
                 p->last_error[0] ? p->last_error : "(no message)");
        s->n_plugins--;
        p->in_init = true; /* init failed: shutdown is not owed */
        plugin_unload(p);
        return -1;
    }
    warn_unused_keys(s, pc);
    server_log(s, NULL, MCP_LOG_DEBUG, "plugins", "loaded %s %s from %s", pc->name,
               p->decl->version ? p->decl->version : "", p->path);
    return 0;
}

/* Picks the plugin that registered the configured backend; the store front
 * (store.c) opens it. When no backend is named and the default (sqlite) is
 * not loaded, a config that loads exactly one storage plugin gets that one. */
static int select_backend(server *s, char *err, size_t errsz)
{
    mcp_plugin *only = NULL;
    size_t n_storage = 0;
    for (size_t i = 0; i < s->n_plugins; i++) {
        const mcp_storage_vtab *vt = s->plugins[i]->storage;
        if (vt && strcmp(vt->name, s->cfg.backend) == 0) {
            s->storage_vt = vt;
            s->storage_owner = s->plugins[i];
            return 0;
        }
        if (vt) {
            only = s->plugins[i];
            n_storage++;
        }
    }
    if (!s->cfg.backend_set && n_storage == 1) {
        server_log(s, NULL, MCP_LOG_INFO, "config",
                   "[storage] backend not set and no %s plugin loaded: using %s", s->cfg.backend,
                   only->storage->name);
        s->storage_vt = only->storage;
        s->storage_owner = only;
        return 0;
    }
    char have[512] = "";
    for (size_t i = 0; i < s->n_plugins; i++) {
        if (s->plugins[i]->storage) {
            size_t len = strlen(have);
            snprintf(have + len, sizeof have - len, "%s%s", len ? ", " : "",
                     s->plugins[i]->storage->name);
        }
    }
    snprintf(err, errsz,
             "storage backend '%s' ([storage] backend) is not provided by any loaded plugin "
             "(available: %s)",
             s->cfg.backend, have[0] ? have : "none");
    return -1;
}

int plugins_load_all(server *s, char *err, size_t errsz)
{
    config *c = &s->cfg;
    if (!c->plugins_declared) {
        for (size_t i = 0; bundled_plugins[i]; i++) {
            plugin_conf *np = realloc(c->plugins, (c->n_plugins + 1) * sizeof *np);
            if (!np) {
                snprintf(err, errsz, "out of memory");
                return -1;
            }
            c->plugins = np;
            memset(&c->plugins[c->n_plugins], 0, sizeof *np);
            c->plugins[c->n_plugins].name = strdup(bundled_plugins[i]);
            c->plugins[c->n_plugins].enabled = true;
            c->n_plugins++;
        }
    }
    for (size_t i = 0; i < c->n_plugins; i++) {
        const plugin_conf *pc = &c->plugins[i];
        if (!pc->enabled)
            continue;
        char why[2048];
        if (plugin_load(s, pc, why, sizeof why) < 0) {
            if (!pc->optional) {
                snprintf(err, errsz, "%s", why);
                return -1;
            }
            server_log(s, NULL, MCP_LOG_WARNING, "plugins", "%s (optional: skipped)", why);
        }
    }
    /* [tools] entries naming no tool are probably typos */
    for (size_t i = 0; i < c->n_tools; i++)
        if (!tools_find_any(s, c->tools[i].name))
            server_log(s, NULL, MCP_LOG_WARNING, "config", "%s:%d: [tools] names unknown tool '%s'",
                       c->source ? c->source : "", c->tools[i].line, c->tools[i].name);
    return select_backend(s, err, errsz);
}

const char *plugin_take_error(mcp_plugin *p)
{
    if (!p->last_error[0])
        return NULL;
    /* the caller reads it before the plugin runs again: hand out a copy slot */
    memcpy(p->taken_error, p->last_error, sizeof p->taken_error);
    p->last_error[0] = '\0';
    return p->taken_error;
}

void plugins_unload_all(server *s)
{
    for (size_t i = s->n_plugins; i-- > 0;)
        plugin_unload(s->plugins[i]);
    free(s->plugins);
    s->plugins = NULL;
    s->n_plugins = 0;
}
