"""The reference server for the benchmarks: scalene-mcp 0.1.0 from PyPI (the
Python/FastMCP implementation this project replaces), in its own virtual
environment bench/.venv-ref (gitignored), with the same Scalene version as
ours.

How the installed package is started (checked on 0.1.0): its wheel declares
one console script, `scalene-mcp = scalene_mcp.server:main`, which calls
FastMCP's `server.run()` (stdio transport by default). It takes no options.
It serves 7 tools: get_project_root, list_project_files, set_project_context,
profile, analyze, compare_profiles, list_profiles. Its `profile` tool runs
`python -m scalene run --json --outfile F --no-browser ... SCRIPT [--- ARGS]`
with `python` looked up on PATH, so the benchmark puts the reference venv's
bin/ first on PATH (as an activated venv would) and that venv holds the same
Scalene version as our .venv.

    python3 bench/reference.py [--venv DIR] [--scalene VERSION]

installs (or checks) the venv and prints what it found, as JSON.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "scalene-mcp"
VERSION = "0.1.0"
DEFAULT_VENV = os.path.join(HERE, ".venv-ref")
TOOLS_EXPECTED = ["get_project_root", "list_project_files", "set_project_context", "profile",
                  "analyze", "compare_profiles", "list_profiles"]


def _venv_python(venv):
    return os.path.join(venv, "bin", "python")


def installed_versions(venv):
    """{package: version} for the packages that matter, or None when the venv
    is missing or broken."""
    py = _venv_python(venv)
    if not os.path.exists(py):
        return None
    code = ("import importlib.metadata as m, json, platform\n"
            "out = {'python': platform.python_version()}\n"
            "for p in ('scalene-mcp', 'scalene', 'fastmcp', 'mcp', 'pydantic'):\n"
            "    try: out[p] = m.version(p)\n"
            "    except m.PackageNotFoundError: out[p] = None\n"
            "print(json.dumps(out))\n")
    r = subprocess.run([py, "-c", code], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    try:
        return json.loads(r.stdout)
    except ValueError:
        return None


def ensure(venv=DEFAULT_VENV, scalene_version=None, log=sys.stderr):
    """Creates the venv and installs scalene-mcp==0.1.0 (and scalene pinned to
    `scalene_version` when given) unless it already holds them. Returns the
    versions found; raises RuntimeError when installing fails."""
    have = installed_versions(venv)
    want_scalene = scalene_version
    ok = (have is not None and have.get(PACKAGE) == VERSION
          and (not want_scalene or have.get("scalene") == want_scalene))
    if ok:
        return have
    if have is None:
        print(f"reference: creating {venv}", file=log)
        r = subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"python -m venv {venv} failed: {r.stderr.strip()[-500:]}")
    pins = [f"{PACKAGE}=={VERSION}"]
    if want_scalene:
        pins.append(f"scalene=={want_scalene}")
    print(f"reference: pip install {' '.join(pins)}", file=log)
    r = subprocess.run([_venv_python(venv), "-m", "pip", "install", "-q", *pins],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(pins)} failed: {r.stderr.strip()[-800:]}")
    have = installed_versions(venv)
    if not have or have.get(PACKAGE) != VERSION:
        raise RuntimeError(f"{PACKAGE} {VERSION} not importable in {venv} after install")
    return have


def server_command(venv=DEFAULT_VENV):
    """(argv, env) that start the reference server over stdio the way its
    package documents: the console script, with the venv's bin/ first on PATH
    (its profile tool runs `python -m scalene` from PATH)."""
    bindir = os.path.join(venv, "bin")
    env = dict(os.environ)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = venv
    env.pop("PYTHONHOME", None)
    return [os.path.join(bindir, "scalene-mcp")], env


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--venv", default=DEFAULT_VENV)
    ap.add_argument("--scalene", default=None, help="Scalene version to pin (default: any)")
    a = ap.parse_args()
    print(json.dumps(ensure(a.venv, a.scalene), indent=2))


if __name__ == "__main__":
    main()
