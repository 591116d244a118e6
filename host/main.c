/* main.c - command line, stdout protection, start-up. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "plugin.h"
#include "server.h"
#include "tools.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: scalene-mcp [--config FILE] [--check-config | --list-tools]\n"
            "\n"
            "An MCP server (stdio, JSON-RPC) that profiles Python programs with Scalene.\n"
            "Start it from an MCP client; it speaks protocol on stdin/stdout and logs on stderr.\n"
            "\n"
            "  --config FILE   INI configuration (else $SCALENE_MCP_CONFIG, then\n"
            "                  $XDG_CONFIG_HOME/scalene-mcp/config.ini, then the installed\n"
            "                  default, then built-in defaults)\n"
            "  --check-config  load the configuration and plugins, print what would be\n"
            "                  served, and exit (status 0 when everything loads)\n"
            "  --list-tools    print the enabled tools and exit\n"
            "  --version       print the version and exit\n"
            "  --help          this text\n");
}

static void print_summary(const server *s, bool tools_only)
{
    if (!tools_only) {
        printf("config: %s\n", s->cfg.source ? s->cfg.source : "(built-in defaults)");
        printf("plugin_dir: %s\n", s->cfg.plugin_dir);
        printf("storage: %s (plugin %s)\n", s->storage_vt->name, plugin_name(s->storage_owner));
        for (size_t i = 0; i < s->n_plugins; i++)
            printf("plugin: %s %s (%s)\n", plugin_name(s->plugins[i]),
                   s->plugins[i]->decl->version ? s->plugins[i]->decl->version : "",
                   s->plugins[i]->path);
    }
    for (size_t i = 0; i < s->n_tools; i++) {
        const tool *t = s->tools[i];
        if (tools_only && !t->enabled)
            continue;
        printf(tools_only ? "%s\t%s\n" : "tool: %s (%s)%s\n", t->name,
               t->owner ? plugin_name(t->owner) : "host",
               (!tools_only && !t->enabled) ? " [disabled]" : "");
    }
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    bool check = false, list = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (!strncmp(argv[i], "--config=", 9)) {
            config_path = argv[i] + 9;
        } else if (!strcmp(argv[i], "--check-config")) {
            check = true;
        } else if (!strcmp(argv[i], "--list-tools")) {
            list = true;
        } else if (!strcmp(argv[i], "--version")) {
            printf("scalene-mcp %s (plugin ABI %d.%d)\n", SMCP_VERSION, MCP_ABI_MAJOR,
                   MCP_ABI_MINOR);
            return 0;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "scalene-mcp: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    /* Stdout is the protocol: keep a private descriptor for it and point fd 1
     * at stderr, so a stray printf anywhere cannot corrupt the stream. */
    int out_fd = -1;
    if (!check && !list) {
        fflush(stdout);
        out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (out_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
            perror("scalene-mcp: cannot set up the protocol channel");
            return 1;
        }
    }
    /* Profiled programs' descendants that escape their process group are
     * reparented to us, so a run's cleanup can still find and end them. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    char err[4096];
    config cfg;
    if (config_load(&cfg, config_path, err, sizeof err) < 0) {
        fprintf(stderr, "scalene-mcp: configuration error: %s\n", err);
        config_free(&cfg);
        return 1;
    }
    server s;
    if (server_init(&s, &cfg, out_fd, err, sizeof err) < 0) {
        fprintf(stderr, "scalene-mcp: start-up failed: %s\n", err);
        server_free(&s);
        return 1;
    }
    int rc = 0;
    if (check || list)
        print_summary(&s, list);
    else
        rc = server_run(&s, STDIN_FILENO);
    server_free(&s);
    if (out_fd >= 0)
        close(out_fd);
    return rc;
}
