/* test_scalene_cmd.c - argv, environment and warnings per Scalene version
 * (pure: no Scalene is run here; test_runner.c runs the real ones). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scalene_cmd.h"

#define S(lit) ((char *)(lit)) /* literals into char * fields */

static pyenv_info v24 = {.python = S("/py/bin/python"),
                         .version = S("2.4.0"),
                         .major = 2,
                         .minor = 4,
                         .patch = 0,
                         .package_dir = S("/pk/scalene"),
                         .preload_lib = S("/pk/scalene/libscalene.so")};
static pyenv_info v22 = {.python = S("/py/bin/python"),
                         .version = S("2.2.1"),
                         .major = 2,
                         .minor = 2,
                         .patch = 1,
                         .package_dir = S("/pk/scalene"),
                         .preload_lib = S("/pk/scalene/libscalene.so")};
static pyenv_info v1516 = {.python = S("/usr/bin/python3"),
                           .version = S("1.5.16"),
                           .major = 1,
                           .minor = 5,
                           .patch = 16,
                           .package_dir = S("/usr/lib/python3/dist-packages/scalene"),
                           .preload_lib = S("/usr/lib/python3/dist-packages/scalene/"
                                            "libscalene.cpython-311-x86_64-linux-gnu.so"),
                           .debian_patched = true};

static char *base_env[] = {S("PATH=/usr/bin:/bin"),  S("HOME=/home/u"),
                           S("TMPDIR=/var/tmp"),     S("PYTHONMALLOC=malloc"),
                           S("OPENAI_API_KEY=sk-1"), S("AWS_SECRET_ACCESS_KEY=a"),
                           S("GH_TOKEN=g"),          S("TOKENIZERS_PARALLELISM=false"),
                           S("LANG=C.UTF-8"),        NULL};

static scalene_opts opts;
static scalene_cmd cmd;
static char err[512];

static void setup(void)
{
    scalene_opts_init(&opts);
    opts.script = "/w/prog.py";
    memset(&cmd, 0, sizeof cmd);
    err[0] = '\0';
}

static void teardown(void)
{
    scalene_cmd_free(&cmd);
}

static int build_full(const pyenv_info *py, bool fast, bool secrets, char **env)
{
    scalene_cmd_free(&cmd);
    scalene_cmd_input in = {.opts = &opts,
                            .py = py,
                            .outfile = "/d/profile.json",
                            .tmpdir = "/d/tmp",
                            .base_env = env,
                            .run_tag = "42-1",
                            .pass_secrets = secrets,
                            .fast_start = fast};
    return scalene_cmd_build(&in, &cmd, err, sizeof err);
}

static int build(const pyenv_info *py)
{
    return build_full(py, false, false, base_env);
}

static void assert_argv(char **got, const char *const *want)
{
    size_t i = 0;
    for (; want[i]; i++) {
        ck_assert_msg(got[i] != NULL, "argv ends at %zu, want '%s'", i, want[i]);
        ck_assert_str_eq(got[i], want[i]);
    }
    ck_assert_msg(got[i] == NULL, "extra argv[%zu] = '%s'", i, got[i]);
}

static int argv_count(char **argv, const char *a)
{
    int n = 0;
    for (size_t i = 0; argv[i]; i++)
        n += !strcmp(argv[i], a);
    return n;
}

static const char *env_val(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; envp[i]; i++)
        if (!strncmp(envp[i], name, n) && envp[i][n] == '=')
            return envp[i] + n + 1;
    return NULL;
}

static bool has_warning(const char *needle)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, cmd.warnings) if (strstr(w->valuestring, needle)) return true;
    return false;
}

/* ---- argv per version ---- */

START_TEST(argv_2x_defaults)
{
    const char *args[] = {"a b", "-o", "x"};
    opts.script_args = args;
    opts.n_script_args = 3;
    ck_assert_int_eq(build(&v24), 0);
    assert_argv(cmd.argv, (const char *const[]){
                              "/py/bin/python", "-m", "scalene", "run", "--outfile=/d/profile.json",
                              "--no-stacks", "--memory", "--cpu-sampling-rate=0.01",
                              "--cpu-percent-threshold=1", "--malloc-threshold=100", "/w/prog.py",
                              "---", "a b", "-o", "x", NULL});
    ck_assert_str_eq(cmd.cwd, "/w");
    ck_assert_int_eq(cJSON_GetArraySize(cmd.warnings), 0);
    ck_assert(!cmd.fast_start);
}
END_TEST

START_TEST(argv_15_defaults)
{
    opts.script = "sub/prog.py";
    opts.cwd = "/w";
    ck_assert_int_eq(build(&v1516), 0);
    assert_argv(cmd.argv, (const char *const[]){
                              "/usr/bin/python3", "-m", "scalene", "--json", "--cli",
                              "--outfile=/d/profile.json", "--program-path=/w/sub", "--memory",
                              "--cpu-sampling-rate=0.01", "--cpu-percent-threshold=1",
                              "--malloc-threshold=100", "sub/prog.py", "---", NULL});
    ck_assert_str_eq(cmd.cwd, "/w");
}
END_TEST

/* --no-browser from 1.5.29, --program-path before 1.5.23 */
START_TEST(argv_15_version_gates)
{
    pyenv_info v = v1516;
    v.debian_patched = false;
    v.patch = 22;
    ck_assert_int_eq(build(&v), 0);
    ck_assert_int_eq(argv_count(cmd.argv, "--program-path=/w"), 1);
    ck_assert_int_eq(argv_count(cmd.argv, "--no-browser"), 0);
    v.patch = 23;
    ck_assert_int_eq(build(&v), 0);
    ck_assert_int_eq(argv_count(cmd.argv, "--program-path=/w"), 0);
    ck_assert_int_eq(argv_count(cmd.argv, "--no-browser"), 0);
    v.patch = 29;
    ck_assert_int_eq(build(&v), 0);
    ck_assert_int_eq(argv_count(cmd.argv, "--no-browser"), 1);
    ck_assert_int_eq(argv_count(cmd.argv, "--json"), 1);
    ck_assert_int_eq(argv_count(cmd.argv, "--cli"), 1);
}
END_TEST

START_TEST(argv_module_mode)
{
    opts.script = NULL;
    opts.module = "pkg.sub.cli";
    opts.cwd = "/proj";
    const char *args[] = {"7"};
    opts.script_args = args;
    opts.n_script_args = 1;
    ck_assert_int_eq(build(&v24), 0);
    size_t n = 0;
    while (cmd.argv[n])
        n++;
    ck_assert_str_eq(cmd.argv[n - 4], "-m");
    ck_assert_str_eq(cmd.argv[n - 3], "pkg.sub.cli");
    ck_assert_str_eq(cmd.argv[n - 2], "---");
    ck_assert_str_eq(cmd.argv[n - 1], "7");
    ck_assert_str_eq(cmd.cwd, "/proj");
    /* 1.5.x module mode: no --program-path (the cwd is the default) */
    ck_assert_int_eq(build(&v1516), 0);
    for (size_t i = 0; cmd.argv[i]; i++)
        ck_assert_msg(strncmp(cmd.argv[i], "--program-path", 14), "%s", cmd.argv[i]);
}
END_TEST

START_TEST(argv_separator_always_last_before_args)
{
    ck_assert_int_eq(build(&v24), 0);
    size_t n = 0;
    while (cmd.argv[n])
        n++;
    ck_assert_str_eq(cmd.argv[n - 1], "---");
    ck_assert_int_eq(argv_count(cmd.argv, "---"), 1);
}
END_TEST

START_TEST(argv_script_starting_with_dash)
{
    opts.script = "-weird.py";
    opts.cwd = "/w";
    ck_assert_int_eq(build(&v24), 0);
    ck_assert_int_eq(argv_count(cmd.argv, "./-weird.py"), 1);
}
END_TEST

/* ---- metric flags: any of --cpu-only/--memory/--gpu disables the others ---- */

START_TEST(metric_flag_table)
{
    static const struct {
        bool memory, gpu;
        const char *flags[3];
    } rows[] = {
        {true, true, {"--memory", "--gpu", NULL}},
        {true, false, {"--memory", NULL, NULL}},
        {false, true, {"--gpu", NULL, NULL}},
        {false, false, {"--cpu-only", NULL, NULL}},
    };
    const pyenv_info *versions[] = {&v24, &v22, &v1516};
    const char *all[] = {"--memory", "--gpu", "--cpu-only", "--cpu"};
    for (size_t v = 0; v < 3; v++) {
        for (size_t i = 0; i < 4; i++) {
            opts.memory = rows[i].memory;
            opts.gpu = rows[i].gpu;
            ck_assert_int_eq(build(versions[v]), 0);
            for (size_t k = 0; k < 4; k++) {
                bool want = false;
                for (size_t j = 0; j < 3 && rows[i].flags[j]; j++)
                    want |= !strcmp(rows[i].flags[j], all[k]);
                ck_assert_msg(argv_count(cmd.argv, all[k]) == (want ? 1 : 0),
                              "%s memory=%d gpu=%d flag %s", versions[v]->version, rows[i].memory,
                              rows[i].gpu, all[k]);
            }
        }
    }
}
END_TEST

START_TEST(stacks_per_version)
{
    ck_assert_int_eq(build(&v24), 0); /* 2.3+: on by default, so turned off */
    ck_assert_int_eq(argv_count(cmd.argv, "--no-stacks"), 1);
    ck_assert_int_eq(argv_count(cmd.argv, "--stacks"), 0);
    ck_assert_int_eq(build(&v22), 0); /* 2.0-2.2: off by default, no --no-stacks */
    ck_assert_int_eq(argv_count(cmd.argv, "--no-stacks"), 0);
    ck_assert_int_eq(argv_count(cmd.argv, "--stacks"), 0);
    opts.stacks = true;
    ck_assert_int_eq(build(&v24), 0);
    ck_assert_int_eq(argv_count(cmd.argv, "--stacks"), 1);
    ck_assert_int_eq(argv_count(cmd.argv, "--no-stacks"), 0);
    ck_assert_int_eq(build(&v22), 0);
    ck_assert_int_eq(argv_count(cmd.argv, "--stacks"), 1);
    ck_assert_int_eq(build(&v1516), 0); /* 1.5.x has no stacks: warned, not passed */
    ck_assert_int_eq(argv_count(cmd.argv, "--stacks"), 0);
    ck_assert(has_warning("stacks:"));
}
END_TEST

START_TEST(every_valued_option)
{
    opts.cpu_sampling_rate = 0.005;
    opts.cpu_percent_threshold = 2.5;
    opts.malloc_threshold = 7;
    opts.profile_only = "-lib,app";
    opts.profile_exclude = "test_";
    opts.profile_all = true;
    opts.reduced_profile = true;
    opts.use_virtual_time = true;
    const pyenv_info *versions[] = {&v24, &v1516};
    for (size_t v = 0; v < 2; v++) {
        ck_assert_int_eq(build(versions[v]), 0);
        ck_assert_int_eq(argv_count(cmd.argv, "--cpu-sampling-rate=0.005"), 1);
        ck_assert_int_eq(argv_count(cmd.argv, "--cpu-percent-threshold=2.5"), 1);
        ck_assert_int_eq(argv_count(cmd.argv, "--malloc-threshold=7"), 1);
        ck_assert_int_eq(argv_count(cmd.argv, "--profile-only=-lib,app"), 1);
        ck_assert_int_eq(argv_count(cmd.argv, "--profile-exclude=test_"), 1);
        ck_assert_int_eq(argv_count(cmd.argv, "--profile-all"), 1);
        ck_assert_int_eq(argv_count(cmd.argv, "--reduced-profile"), 1);
        ck_assert_int_eq(argv_count(cmd.argv, "--use-virtual-time"), 1);
        ck_assert(cmd.filter.cpu_percent_threshold == 2.5);
        ck_assert_int_eq(cmd.filter.malloc_threshold, 7);
        ck_assert(cmd.filter.reduced_profile);
    }
}
END_TEST

START_TEST(defaults_pass_no_optional_flags)
{
    ck_assert_int_eq(build(&v24), 0);
    const char *absent[] = {
        "--profile-all", "--reduced-profile", "--use-virtual-time", "--memory-leak-detector",
        "--gpu",         "--cpu-only"};
    for (size_t i = 0; i < sizeof absent / sizeof *absent; i++)
        ck_assert_int_eq(argv_count(cmd.argv, absent[i]), 0);
    for (size_t i = 0; cmd.argv[i]; i++) {
        ck_assert(strncmp(cmd.argv[i], "--profile-only", 14));
        ck_assert(strncmp(cmd.argv[i], "--profile-exclude", 17));
        ck_assert(strncmp(cmd.argv[i], "--allocation-sampling-window", 28));
    }
    ck_assert(!cmd.filter.reduced_profile);
    ck_assert(cmd.filter.cpu_percent_threshold == 1.0);
    ck_assert_int_eq(cmd.filter.malloc_threshold, 100);
}
END_TEST

/* ---- warnings: never dropped silently ---- */

START_TEST(warnings_for_unhonourable_options)
{
    opts.cpu = false;
    opts.memory_leak_detector = false;
    ck_assert_int_eq(build(&v24), 0);
    ck_assert(has_warning("cpu:"));
    ck_assert(has_warning("memory_leak_detector:"));
    ck_assert_int_eq(cJSON_GetArraySize(cmd.warnings), 2);
    scalene_opts_init(&opts);
    opts.script = "/w/prog.py";
    opts.gpu = true;
    ck_assert_int_eq(build(&v1516), 0);
    ck_assert(has_warning("gpu:"));
    ck_assert_int_eq(build(&v24), 0);
    ck_assert(!has_warning("gpu:"));
}
END_TEST

/* ---- validation ---- */

static void expect_error(const pyenv_info *py, const char *field)
{
    ck_assert_int_eq(build(py), -1);
    ck_assert_msg(strstr(err, field) != NULL, "error '%s' does not name '%s'", err, field);
}

START_TEST(rejects_bad_targets)
{
    opts.module = "m";
    expect_error(&v24, "script/module");
    opts.script = NULL;
    opts.module = NULL;
    expect_error(&v24, "script/module");
    const char *bad_modules[] = {"a..b", "1abc", "-x", "a.", ".a", "a b", ""};
    opts.cwd = "/w";
    for (size_t i = 0; i < sizeof bad_modules / sizeof *bad_modules; i++) {
        opts.module = bad_modules[i];
        expect_error(&v24, "module:");
    }
    opts.module = "pkg._priv.m2";
    ck_assert_int_eq(build(&v24), 0);
    opts.cwd = NULL;
    expect_error(&v24, "cwd:");
    opts.module = NULL;
    opts.script = "rel.py";
    expect_error(&v24, "cwd:");
    opts.cwd = "relative/dir";
    expect_error(&v24, "cwd:");
    opts.cwd = "/w";
    opts.script = "";
    expect_error(&v24, "script:");
}
END_TEST

START_TEST(rejects_bad_numbers)
{
    double rates[] = {0, -0.01, 61, NAN, INFINITY};
    for (size_t i = 0; i < 5; i++) {
        opts.cpu_sampling_rate = rates[i];
        expect_error(&v24, "cpu_sampling_rate:");
    }
    opts.cpu_sampling_rate = 0.01;
    opts.cpu_percent_threshold = -1;
    expect_error(&v24, "cpu_percent_threshold:");
    opts.cpu_percent_threshold = 100.5;
    expect_error(&v24, "cpu_percent_threshold:");
    opts.cpu_percent_threshold = 100;
    opts.malloc_threshold = -1;
    expect_error(&v24, "malloc_threshold:");
    opts.malloc_threshold = 0;
    opts.profile_only = "";
    expect_error(&v24, "profile_only:");
    opts.profile_only = NULL;
    opts.profile_exclude = "";
    expect_error(&v24, "profile_exclude:");
}
END_TEST

START_TEST(rejects_double_dash_argument)
{
    const char *args[] = {"ok", "--"};
    opts.script_args = args;
    opts.n_script_args = 2;
    expect_error(&v24, "script_args[1]");
    const char *args2[] = {"ok", NULL};
    opts.script_args = args2;
    expect_error(&v24, "script_args[1]");
    const char *fine[] = {"---", "-", "--x", "---y", "", "-m", "--json"};
    opts.script_args = fine;
    opts.n_script_args = 7;
    ck_assert_int_eq(build(&v24), 0);
}
END_TEST

/* ---- environment ---- */

START_TEST(env_inherits_minus_secrets_and_pythonmalloc)
{
    ck_assert_int_eq(build(&v24), 0);
    ck_assert_str_eq(env_val(cmd.envp, "PATH"), "/usr/bin:/bin");
    ck_assert_str_eq(env_val(cmd.envp, "HOME"), "/home/u");
    ck_assert_str_eq(env_val(cmd.envp, "TOKENIZERS_PARALLELISM"), "false");
    ck_assert_str_eq(env_val(cmd.envp, "TMPDIR"), "/d/tmp");
    ck_assert_str_eq(env_val(cmd.envp, SCALENE_CMD_TAG_VAR), "42-1");
    ck_assert_ptr_null(env_val(cmd.envp, "PYTHONMALLOC"));
    ck_assert_ptr_null(env_val(cmd.envp, "OPENAI_API_KEY"));
    ck_assert_ptr_null(env_val(cmd.envp, "AWS_SECRET_ACCESS_KEY"));
    ck_assert_ptr_null(env_val(cmd.envp, "GH_TOKEN"));
    ck_assert_ptr_null(env_val(cmd.envp, "LD_PRELOAD"));
    ck_assert_ptr_null(env_val(cmd.envp, "SCALENE_ALLOCATION_SAMPLING_WINDOW"));
    ck_assert_int_eq(build_full(&v24, false, true, base_env), 0); /* pass_secrets */
    ck_assert_str_eq(env_val(cmd.envp, "OPENAI_API_KEY"), "sk-1");
    ck_assert_str_eq(env_val(cmd.envp, "GH_TOKEN"), "g");
    ck_assert_ptr_null(env_val(cmd.envp, "PYTHONMALLOC"));
}
END_TEST

START_TEST(env_extras_validated_and_applied)
{
    scalene_env_var extra[] = {{"LANG", "fr_FR.UTF-8"}, {"MY_FLAG", "1"}, {"MY_API_KEY", "k"}};
    opts.env = extra;
    opts.n_env = 3;
    ck_assert_int_eq(build(&v24), 0);
    ck_assert_str_eq(env_val(cmd.envp, "LANG"), "fr_FR.UTF-8");
    ck_assert_str_eq(env_val(cmd.envp, "MY_FLAG"), "1");
    ck_assert_str_eq(env_val(cmd.envp, "MY_API_KEY"), "k"); /* given by the call: passed */
    const char *bad_names[] = {
        "1X", "A-B", "", "A=B", "TMPDIR", "PYTHONMALLOC", SCALENE_CMD_TAG_VAR};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        scalene_env_var one[] = {{bad_names[i], "v"}};
        opts.env = one;
        opts.n_env = 1;
        expect_error(&v24, "env");
    }
    scalene_env_var twice[] = {{"A", "1"}, {"A", "2"}};
    opts.env = twice;
    opts.n_env = 2;
    expect_error(&v24, "env.A");
    scalene_env_var preload[] = {{"LD_PRELOAD", "/x.so"}};
    opts.env = preload;
    opts.n_env = 1;
    ck_assert_int_eq(build(&v1516), 0);
    ck_assert(has_warning("LD_PRELOAD"));
}
END_TEST

START_TEST(secret_rule)
{
    const char *secret[] = {"OPENAI_API_KEY",
                            "openai_api_key",
                            "ANTHROPIC_BASE_URL",
                            "GEMINI_X",
                            "AWS_REGION",
                            "AZURE_CLIENT_ID",
                            "GOOGLE_APPLICATION_CREDENTIALS",
                            "GH_TOKEN",
                            "GITHUB_TOKEN",
                            "HF_TOKEN",
                            "NPM_AUTHTOKEN",
                            "ACCESS_TOKENS",
                            "DB_PASSWORD",
                            "PGPASSWD",
                            "CLIENT_SECRET",
                            "SSH_AUTH_SOCK",
                            "STRIPE_APIKEY",
                            "MY_PRIVATE_KEY",
                            "DATABASE_URL"};
    const char *plain[] = {
        "PATH",       "HOME",        "TOKENIZERS_PARALLELISM", "LANG", "KEYBOARD",
        "PYTHONPATH", "VIRTUAL_ENV", "GOOGLE_CLOUD_PROJECT",   "USER", "PWD"};
    for (size_t i = 0; i < sizeof secret / sizeof *secret; i++)
        ck_assert_msg(scalene_env_is_secret(secret[i]), "%s should be withheld", secret[i]);
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        ck_assert_msg(!scalene_env_is_secret(plain[i]), "%s should pass", plain[i]);
}
END_TEST

/* ---- start-up fast path ---- */

START_TEST(fast_start_2x)
{
    ck_assert_int_eq(build_full(&v24, true, false, base_env), 0);
    ck_assert(cmd.fast_start);
    ck_assert_str_eq(env_val(cmd.envp, "SCALENE_ALLOCATION_SAMPLING_WINDOW"), "1048576");
    ck_assert_str_eq(env_val(cmd.envp, "LD_LIBRARY_PATH"), "/pk/scalene");
    ck_assert_str_eq(env_val(cmd.envp, "LD_PRELOAD"), "libscalene.so");
    ck_assert_int_eq(argv_count(cmd.argv, "--allocation-sampling-window=1048576"), 1);

    char *env2[] = {S("LD_LIBRARY_PATH=/opt/lib"), S("LD_PRELOAD=/opt/x.so"), NULL};
    ck_assert_int_eq(build_full(&v24, true, false, env2), 0);
    ck_assert_str_eq(env_val(cmd.envp, "LD_LIBRARY_PATH"), "/pk/scalene:/opt/lib");
    ck_assert_str_eq(env_val(cmd.envp, "LD_PRELOAD"), "libscalene.so:/opt/x.so");

    char *env3[] = {S("LD_LIBRARY_PATH=/a:/pk/scalene"), S("LD_PRELOAD=/b.so:libscalene.so"), NULL};
    ck_assert_int_eq(build_full(&v24, true, false, env3), 0);
    ck_assert_str_eq(env_val(cmd.envp, "LD_LIBRARY_PATH"), "/a:/pk/scalene");
    ck_assert_str_eq(env_val(cmd.envp, "LD_PRELOAD"), "/b.so:libscalene.so");

    opts.memory = false; /* CPU only: the window alone */
    ck_assert_int_eq(build_full(&v24, true, false, base_env), 0);
    ck_assert(cmd.fast_start);
    ck_assert_str_eq(env_val(cmd.envp, "SCALENE_ALLOCATION_SAMPLING_WINDOW"), "1048576");
    ck_assert_ptr_null(env_val(cmd.envp, "LD_PRELOAD"));
    ck_assert_ptr_null(env_val(cmd.envp, "LD_LIBRARY_PATH"));
}
END_TEST

START_TEST(fast_start_15)
{
    char *env2[] = {S("LD_PRELOAD=/opt/x.so"), NULL};
    ck_assert_int_eq(build_full(&v1516, true, false, env2), 0);
    ck_assert(cmd.fast_start);
    ck_assert_str_eq(env_val(cmd.envp, "SCALENE_ALLOCATION_SAMPLING_WINDOW"), "1549351");
    ck_assert_str_eq(env_val(cmd.envp, "LD_PRELOAD"), v1516.preload_lib);
    ck_assert_ptr_null(env_val(cmd.envp, "LD_LIBRARY_PATH"));
    ck_assert_int_eq(argv_count(cmd.argv, "--allocation-sampling-window=1549351"), 1);
}
END_TEST

START_TEST(fast_start_only_where_verified)
{
    ck_assert_int_eq(build_full(&v22, true, false, base_env), 0);
    ck_assert(!cmd.fast_start);
    ck_assert_ptr_null(env_val(cmd.envp, "SCALENE_ALLOCATION_SAMPLING_WINDOW"));
    pyenv_info v = v1516;
    v.patch = 17;
    ck_assert_int_eq(build_full(&v, true, false, base_env), 0);
    ck_assert(!cmd.fast_start);
    v = v24;
    v.free_threaded = true;
    ck_assert_int_eq(build_full(&v, true, false, base_env), 0);
    ck_assert(!cmd.fast_start);
    ck_assert_int_eq(build_full(&v24, false, false, base_env), 0); /* config says no */
    ck_assert(!cmd.fast_start);
    ck_assert_ptr_null(env_val(cmd.envp, "LD_PRELOAD"));
    ck_assert(scalene_fast_start_verified(&v24));
    ck_assert(scalene_fast_start_verified(&v1516));
    ck_assert(!scalene_fast_start_verified(&v22));
}
END_TEST

START_TEST(numbers_are_shortest_and_dotted)
{
    double vals[] = {0.1, 0.001, 2.5, 1e-4, 0.3};
    const char *want[] = {"--cpu-sampling-rate=0.1", "--cpu-sampling-rate=0.001",
                          "--cpu-sampling-rate=2.5", "--cpu-sampling-rate=0.0001",
                          "--cpu-sampling-rate=0.3"};
    for (size_t i = 0; i < 5; i++) {
        opts.cpu_sampling_rate = vals[i];
        ck_assert_int_eq(build(&v24), 0);
        ck_assert_int_eq(argv_count(cmd.argv, want[i]), 1);
    }
}
END_TEST

START_TEST(rejects_incomplete_interpreter)
{
    pyenv_info v = v24;
    v.python = NULL;
    expect_error(&v, "internal");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scalene_cmd");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, argv_2x_defaults);
    tcase_add_test(tc, argv_15_defaults);
    tcase_add_test(tc, argv_15_version_gates);
    tcase_add_test(tc, argv_module_mode);
    tcase_add_test(tc, argv_separator_always_last_before_args);
    tcase_add_test(tc, argv_script_starting_with_dash);
    tcase_add_test(tc, metric_flag_table);
    tcase_add_test(tc, stacks_per_version);
    tcase_add_test(tc, every_valued_option);
    tcase_add_test(tc, defaults_pass_no_optional_flags);
    tcase_add_test(tc, warnings_for_unhonourable_options);
    tcase_add_test(tc, rejects_bad_targets);
    tcase_add_test(tc, rejects_bad_numbers);
    tcase_add_test(tc, rejects_double_dash_argument);
    tcase_add_test(tc, env_inherits_minus_secrets_and_pythonmalloc);
    tcase_add_test(tc, env_extras_validated_and_applied);
    tcase_add_test(tc, secret_rule);
    tcase_add_test(tc, fast_start_2x);
    tcase_add_test(tc, fast_start_15);
    tcase_add_test(tc, fast_start_only_where_verified);
    tcase_add_test(tc, numbers_are_shortest_and_dotted);
    tcase_add_test(tc, rejects_incomplete_interpreter);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
