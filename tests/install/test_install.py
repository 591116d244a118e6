#!/usr/bin/env python3
"""Install the build into a temporary prefix, build the example plugin out
of tree against that prefix only (pkg-config), load it from an INI file and
call its tool on a real profile through the installed binary.

usage: test_install.py BUILD_DIR SOURCE_DIR [PYTHON_WITH_SCALENE]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


class Session:
    def __init__(self, argv, env):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  env=env, text=True)
        self.next_id = 0

    def request(self, method, params=None):
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.p.stdin.write(json.dumps(msg) + "\n")
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise AssertionError(f"server closed stdout during {method}")
            resp = json.loads(line)
            if resp.get("id") == self.next_id:
                if "error" in resp:
                    raise AssertionError(f"{method}: {resp['error']}")
                return resp["result"]

    def call(self, tool, args):
        return self.request("tools/call", {"name": tool, "arguments": args})

    def close(self):
        self.p.stdin.close()
        assert self.p.wait(timeout=60) == 0, "server exit status"


def main():
    build, source = sys.argv[1], sys.argv[2]
    python = sys.argv[3] if len(sys.argv) > 3 else ""
    tmp = tempfile.mkdtemp(prefix="smcp-install-")
    try:
        prefix = os.path.join(tmp, "prefix")
        run(["cmake", "--install", build, "--prefix", prefix])
        binary = os.path.join(prefix, "bin", "scalene-mcp")
        pcs = [os.path.join(d, f) for d, _, fs in os.walk(prefix) for f in fs
               if f == "scalene-mcp.pc"]
        assert pcs, "no scalene-mcp.pc installed"
        assert os.path.exists(os.path.join(prefix, "include", "scalene_mcp.h"))
        assert os.path.exists(os.path.join(prefix, "etc", "scalene-mcp", "scalene-mcp.ini"))

        # the example builds against the installed prefix only
        exdir = os.path.join(tmp, "example")
        shutil.copytree(os.path.join(source, "examples", "file_shares"), exdir)
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
        run(["make", "-C", exdir], env=env)
        plugin = os.path.join(exdir, "file_shares.so")
        assert os.path.exists(plugin)

        # the installed binary finds its bundled plugins and default INI alone
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(tmp, "xdg"),
                   XDG_DATA_HOME=os.path.join(tmp, "data"), HOME=tmp)
        env.pop("SCALENE_MCP_CONFIG", None)
        out = run([binary, "--check-config"], env=env, capture_output=True, text=True).stdout
        assert "scalene-mcp.ini" in out and "plugin:" in out, out

        ini = os.path.join(tmp, "example.ini")
        with open(ini, "w") as f:
            f.write("[storage]\nbackend = memory\n[plugin.memory]\n"
                    f"[plugin.file_shares]\npath = {plugin}\nmin_percent = 0.5\n")
        out = run([binary, "--config", ini, "--list-tools"], env=env, capture_output=True,
                  text=True).stdout
        assert "file_shares\tfile_shares" in out, out

        s = Session([binary, "--config", ini], env)
        s.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "install-test", "version": "1"}})
        tools = [t["name"] for t in s.request("tools/list")["tools"]]
        assert "file_shares" in tools and "profile_script" in tools, tools
        missing = s.call("file_shares", {"profile_id": "pnothere"})
        assert missing.get("isError") and "no profile" in missing["content"][0]["text"], missing
        if python:
            code = ("def spin(n):\n    t = 0\n    for i in range(n):\n        t += i % 7\n"
                    "    return t\nprint(spin(4_000_000))\n")
            r = s.call("profile_code", {"code": code, "python": python, "timeout": 120})
            assert not r.get("isError"), r
            pid = r["structuredContent"]["profile_id"]
            shares = s.call("file_shares", {"profile_id": pid})
            assert not shares.get("isError"), shares
            files = shares["structuredContent"]["files"]
            assert files and files[0]["cpu_percent"] > 50, files
            analysis = s.call("analyze_profile", {"profile_id": pid})
            assert "CPU and memory per file" in analysis["content"][0]["text"], analysis
        else:
            print("no Scalene interpreter given: skipped the real profile", file=sys.stderr)
        s.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("install test passed")


if __name__ == "__main__":
    main()
