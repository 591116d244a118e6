#!/usr/bin/env python3
"""A small MCP client (standard library only) that shows what scalene-mcp does.

It starts the server, speaks MCP over its stdin/stdout (newline-delimited
JSON-RPC 2.0, protocol 2025-11-25), lists the tools and, when the server offers
`profile_script`, profiles a script with a progress token and asks the
analysis tools about the result.

    python3 scripts/mcp_demo_client.py --server build/scalene-mcp \
        --script examples/demo/hot_loop.py [--config FILE] [-- SCRIPT ARGS]

Exit status: 0 on success, 1 on a protocol error (bad JSON on stdout, an
error response, a reply to an unknown id, progress that does not increase or
arrives after the response, the server exiting early or not at stdin EOF), 2
on bad usage, 3 when a tool reports an error.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

PROTOCOL_VERSION = "2025-11-25"
KNOWN_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")


class ProtocolError(Exception):
    """The server broke the protocol (or went away)."""


class ToolFailed(Exception):
    """A tool answered with isError: true."""


def say(msg: str = "") -> None:
    print(msg, flush=True)


class StdioClient:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the server's log lines go to our stderr
            env=env,
        )
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.next_id = 1
        self.progress: dict[Any, list[float]] = {}  # active progress tokens
        self.on_progress: dict[Any, Callable[[dict], None]] = {}
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line:
                continue
            try:
                self.inbox.put(json.loads(line))
            except json.JSONDecodeError:
                self.inbox.put(ProtocolError(f"server wrote a line that is not JSON: {line[:200]!r}"))
        self.inbox.put(EOFError())

    def _send(self, msg: dict) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(msg, separators=(",", ":")) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError as e:
            raise ProtocolError("the server closed its stdin (it exited?)") from e

    def notify(self, method: str, params: dict | None = None) -> None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)

    def request(self, method: str, params: dict | None = None, timeout: float = 60.0) -> dict:
        rid = self.next_id
        self.next_id += 1
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProtocolError(f"no answer to {method} (id {rid}) within {timeout:.0f} s")
            try:
                item = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if isinstance(item, EOFError):
                code = self.proc.poll()
                raise ProtocolError(f"the server closed stdout while {method} was pending (exit status {code})")
            if isinstance(item, Exception):
                raise item
            if not isinstance(item, dict) or item.get("jsonrpc") != "2.0":
                raise ProtocolError(f"not a JSON-RPC 2.0 message: {item!r}"[:300])
            if "method" in item:
                self._incoming(item)
                continue
            if item.get("id") != rid:
                raise ProtocolError(f"response for an unknown id {item.get('id')!r} (waiting for {rid})")
            if "error" in item:
                err = item["error"]
                raise ProtocolError(f"{method} failed: JSON-RPC error {err.get('code')}: {err.get('message')}")
            if not isinstance(item.get("result"), dict):
                raise ProtocolError(f"{method}: response without a result object: {item!r}"[:300])
            return item["result"]

    def _incoming(self, msg: dict) -> None:
        method = msg["method"]
        params = msg.get("params") or {}
        if "id" in msg:  # a request from the server
            if method == "ping":
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": {}})
            else:
                err = {"code": -32601, "message": f"demo client does not support {method}"}
                self._send({"jsonrpc": "2.0", "id": msg["id"], "error": err})
            return
        if method == "notifications/progress":
            token = params.get("progressToken")
            if token not in self.progress:
                raise ProtocolError(f"progress for a token that is not active: {msg!r}"[:300])
            seen = self.progress[token]
            value = params.get("progress")
            if not isinstance(value, (int, float)) or (seen and value <= seen[-1]):
                raise ProtocolError(f"progress must increase: {value!r} after {seen[-1:]!r}")
            seen.append(value)
            if token in self.on_progress:
                self.on_progress[token](params)
        elif method == "notifications/message":
            data = params.get("data")
            text = data if isinstance(data, str) else json.dumps(data)
            print(f"  [server log {params.get('level', '?')}] {text}", file=sys.stderr)
        # other notifications (list_changed, ...) need nothing from a demo

    def call_tool(
        self, name: str, arguments: dict, timeout: float = 60.0, progress: Callable[[dict], None] | None = None
    ) -> dict:
        params: dict[str, Any] = {"name": name, "arguments": arguments}
        token = None
        if progress is not None:
            token = f"demo-{self.next_id}"
            params["_meta"] = {"progressToken": token}
            self.progress[token] = []
            self.on_progress[token] = progress
        try:
            result = self.request("tools/call", params, timeout)
        finally:
            if token is not None:
                self.progress.pop(token, None)  # anything later for it is an error
                self.on_progress.pop(token, None)
        if not isinstance(result.get("content"), list):
            raise ProtocolError(f"tools/call {name}: result has no content array")
        return result

    def close(self, grace: float = 5.0) -> None:
        """Close stdin; the server must exit by itself."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise ProtocolError(f"the server did not exit within {grace:.0f} s of stdin EOF") from None
        # Drain what is left: anything but the end of stdout is unexpected.
        while True:
            try:
                item = self.inbox.get(timeout=2)
            except queue.Empty:
                break
            if isinstance(item, EOFError):
                break
            if isinstance(item, Exception):
                raise item
            if isinstance(item, dict) and "method" in item:
                self._incoming(item)
            else:
                raise ProtocolError(f"unexpected message after the last response: {item!r}"[:300])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def text_of(result: dict) -> str:
    return "\n".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")


def first_line(s: str | None) -> str:
    return (s or "").strip().split("\n")[0]


def pick_property(tool: dict, candidates: tuple[str, ...], contains: str | None = None) -> str | None:
    props = (tool.get("inputSchema") or {}).get("properties") or {}
    for name in candidates:
        if name in props:
            return name
    if contains:
        for name in props:
            if contains in name:
                return name
    return None


def find_profile_id(result: dict) -> str | None:
    sc = result.get("structuredContent")
    if isinstance(sc, dict):
        for key in ("profile_id", "id", "profileId"):
            if isinstance(sc.get(key), (str, int)):
                return str(sc[key])
        for value in sc.values():
            if isinstance(value, dict) and isinstance(value.get("profile_id"), (str, int)):
                return str(value["profile_id"])
    m = re.search(r"profile[ _]?id\W+([A-Za-z0-9][A-Za-z0-9_.:-]*)", text_of(result), re.IGNORECASE)
    return m.group(1) if m else None


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def demo(client: StdioClient, script: Path, script_args: list[str], timeout: float) -> None:
    init = client.request(
        "initialize",
        {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "scalene-mcp-demo", "version": "0.1.0"},
        },
    )
    version = init.get("protocolVersion")
    if version not in KNOWN_VERSIONS:
        raise ProtocolError(f"initialize: unexpected protocolVersion {version!r}")
    info = init.get("serverInfo") or {}
    if not info.get("name"):
        raise ProtocolError("initialize: serverInfo.name is missing")
    client.notify("notifications/initialized")
    say(f"Connected to {info.get('name')} {info.get('version', '')} (MCP {version}).")
    if init.get("instructions"):
        say(textwrap.fill(first_line(init["instructions"]), width=100, initial_indent="  ", subsequent_indent="  "))

    tools: list[dict] = []
    cursor = None
    while True:
        page = client.request("tools/list", {"cursor": cursor} if cursor else {})
        if not isinstance(page.get("tools"), list):
            raise ProtocolError("tools/list: no tools array")
        tools += page["tools"]
        cursor = page.get("nextCursor")
        if not cursor:
            break
    say(f"\nThe server offers {len(tools)} tool(s):")
    for t in tools:
        title = t.get("title") or (t.get("annotations") or {}).get("title")
        label = f"{t['name']} ({title})" if title and title != t["name"] else t["name"]
        desc = first_line(t.get("description"))
        desc = desc.split(". ")[0].rstrip(".")
        say(f"  - {label}: {desc[:117] + '...' if len(desc) > 120 else desc}")
    by_name = {t["name"]: t for t in tools}

    if "profile_script" not in by_name:
        say("\nProfiling is not available yet in this build (no profile_script tool); nothing more to show.")
        return

    tool = by_name["profile_script"]
    path_arg = pick_property(tool, ("script_path", "script", "path", "file"), "path") or "script_path"
    args: dict[str, Any] = {path_arg: str(script)}
    if script_args:
        args[pick_property(tool, ("script_args", "args")) or "script_args"] = script_args
    if pick_property(tool, ("label",)):
        args["label"] = "demo"
    say(f"\nProfiling {script} with profile_script ...")

    def on_progress(p: dict) -> None:
        total = p.get("total")
        frac = f"{p['progress']:g}/{total:g}" if isinstance(total, (int, float)) else f"{p['progress']:g}"
        print(f"  progress {frac}{': ' + p['message'] if p.get('message') else ''}", file=sys.stderr, flush=True)

    started = time.monotonic()
    result = client.call_tool("profile_script", args, timeout=timeout, progress=on_progress)
    say(f"profile_script answered in {time.monotonic() - started:.1f} s:")
    say(indent(text_of(result)))
    if result.get("isError"):
        raise ToolFailed("profile_script reported an error (above)")

    pid = find_profile_id(result)
    if pid is None:
        say("\n(no profile id in the result: skipping the analysis tools)")
        return
    for name in ("get_cpu_hotspots", "analyze_profile"):
        if name not in by_name:
            say(f"\n({name} is not available yet in this build)")
            continue
        t = by_name[name]
        a: dict[str, Any] = {pick_property(t, ("profile_id", "id"), "profile") or "profile_id": pid}
        if pick_property(t, ("top_n",)):
            a["top_n"] = 5
        say(f"\n{name}({json.dumps(a)}):")
        r = client.call_tool(name, a)
        say(indent(text_of(r)))
        if r.get("isError"):
            raise ToolFailed(f"{name} reported an error (above)")


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", default=str(root / "build" / "scalene-mcp"), help="server binary")
    ap.add_argument("--config", help="INI file passed to the server as --config")
    ap.add_argument("--script", default=str(root / "examples" / "demo" / "hot_loop.py"), help="script to profile")
    ap.add_argument("--timeout", type=float, default=300, help="seconds to wait for profile_script")
    ap.add_argument("script_args", nargs="*", help="arguments for the profiled script (after --)")
    opts = ap.parse_args()

    server = Path(opts.server)
    if not (server.is_file() and os.access(server, os.X_OK)):
        print(f"demo: no server binary at {server} (run scripts/setup.sh)", file=sys.stderr)
        return 2
    script = Path(opts.script).resolve()
    if not script.is_file():
        print(f"demo: no such script {script}", file=sys.stderr)
        return 2
    argv = [str(server)] + (["--config", opts.config] if opts.config else [])
    client = StdioClient(argv, dict(os.environ))
    try:
        demo(client, script, opts.script_args, opts.timeout)
        client.close()
    except ProtocolError as e:
        client.kill()
        print(f"demo: protocol error: {e}", file=sys.stderr)
        return 1
    except ToolFailed as e:
        client.kill()
        print(f"demo: {e}", file=sys.stderr)
        return 3
    except BaseException:
        client.kill()
        raise
    say("\nDone: the server exited cleanly at the end of its input.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
