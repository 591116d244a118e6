"""Client test (c): the Python `mcp` package (ClientSession + stdio_client)
drives scalene-mcp over stdio (legacy era, protocol 2025-11-25).

    .venv/bin/python python_sdk.py SERVER CONFIG REAL_CONFIG

Part 1 runs against CONFIG (the test plugin: test_echo, test_slow,
test_fail). Part 2 runs a full session against REAL_CONFIG (the real plugins,
real Scalene 2.4.0): see real_session().

Checks: initialize (version, serverInfo, tools capability), paged tools/list,
tool shapes, test_echo with structuredContent validated by jsonschema against
outputSchema, argument validation and test_fail as isError, unknown tool as
-32602, test_slow with a progress callback (>= 3 increasing values), a
cancelled test_slow (notifications/cancelled; nothing arrives for it after the
next ping; the server keeps answering), close.

Part 2: tools/list offers profile_script and the analyzers; profile_script on
cpu_hot.py with a progress callback (>= 1 strictly increasing value, all
before the result); analyze_profile (summary and every section, jsonschema
against outputSchema); a second run and compare_profiles (schema, both ids);
resources/list, resources/templates/list, resources/read of
scalene://profile/{id}/summary (text/plain and application/json);
prompts/list, prompts/get optimize_script; completion/complete of a profile
id prefix; profile_script on endless.py cancelled (notifications/cancelled)
once Scalene runs: the call does not complete, ping answers, nothing arrives
for it afterwards, list_profiles shows its partial profile (outcome
cancelled) within 10 s.
"""

from __future__ import annotations

import os
import re
import sys
import time

import json
from pathlib import Path

import anyio
import jsonschema
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import McpError

TEST_TOOLS = ("test_echo", "test_slow", "test_fail")
WORKLOADS = Path(__file__).resolve().parent.parent / "workloads"
REAL_TOOLS = (
    "profile_script",
    "profile_code",
    "list_profiles",
    "get_profile",
    "analyze_profile",
    "get_cpu_hotspots",
    "get_memory_hotspots",
    "get_function_summary",
    "get_gpu_hotspots",
    "get_bottlenecks",
    "get_memory_leaks",
    "compare_profiles",
)
ANALYZE_SECTIONS = ("## CPU hotspots", "## Memory hotspots", "## Bottlenecks", "## Functions", "## Memory leaks")
T0 = time.monotonic()
CHECKS = 0


def log(msg: str) -> None:
    print(f"[{time.monotonic() - T0:.2f}s] {msg}", file=sys.stderr, flush=True)


class CheckFailed(Exception):
    pass


def check(cond: object, what: str, detail: object = None) -> None:
    global CHECKS
    CHECKS += 1
    if not cond:
        raise CheckFailed(f"check failed: {what}" + ("" if detail is None else f": {detail!r}"))
    log(f"ok {CHECKS} - {what}")


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def validator_for(schema: dict) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


def check_tool_shapes(tools: list[types.Tool]) -> None:
    names = [t.name for t in tools]
    check(len(set(names)) == len(names), "tool names are unique", names)
    for t in tools:
        check(re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", t.name), f"tool name {t.name} is valid")
        check(t.description, f"{t.name} has a description")
        check(t.inputSchema.get("type") == "object", f"{t.name} inputSchema is an object schema", t.inputSchema)
        validator_for(t.inputSchema)
        if t.outputSchema is not None:
            check(t.outputSchema.get("type") == "object", f"{t.name} outputSchema root is type object")
            validator_for(t.outputSchema)


def check_echo(result: types.CallToolResult, tool: types.Tool, text: str) -> None:
    check(not result.isError, "test_echo is not an error", result)
    check(text in text_of(result), "test_echo text content contains the input", result.content)
    sc = result.structuredContent
    check(isinstance(sc, dict), "test_echo has structuredContent", result)
    check(sc.get("text") == text, "structuredContent.text echoes the input", sc)
    check(sc.get("length") == len(text), "structuredContent.length is the input length", sc)
    check(tool.outputSchema is not None, "test_echo declares an outputSchema")
    v = validator_for(tool.outputSchema)
    errors = [e.message for e in v.iter_errors(sc)]
    check(not errors, "structuredContent validates against outputSchema (jsonschema)", errors)
    check(not v.is_valid({"text": 42, "length": "x"}), "outputSchema rejects a wrongly typed object")


async def main(server: str, config: str) -> None:
    # Everything the server sends that the session does not route to a waiting
    # request or progress callback ends up here (notifications, and exceptions
    # such as a response for an unknown request id).
    inbox: list[tuple[float, object]] = []

    async def message_handler(msg: object) -> None:
        inbox.append((time.monotonic(), msg))
        if isinstance(msg, Exception):
            log(f"session error: {msg}")

    params = StdioServerParameters(command=server, args=["--config", config], env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(
            read,
            write,
            message_handler=message_handler,
            client_info=types.Implementation(name="smcp-test-python-sdk", version="1.0.0"),
        ) as session:
            init = await session.initialize()
            log(f"initialize: {init.protocolVersion} {init.serverInfo}")
            check(
                init.protocolVersion == types.LATEST_PROTOCOL_VERSION,
                f"negotiated the SDK's latest version {types.LATEST_PROTOCOL_VERSION}",
                init.protocolVersion,
            )
            check(init.serverInfo.name, "serverInfo.name is set")
            check(init.capabilities.tools is not None, "server advertises the tools capability")

            await session.send_ping()
            check(True, "ping answered")

            tools: list[types.Tool] = []
            sizes: list[int] = []
            cursor = None
            pages = 0
            while True:
                page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
                pages += 1
                tools.extend(page.tools)
                sizes.append(len(page.tools))
                cursor = page.nextCursor
                check(pages < 100, "tools/list pagination terminates")
                if cursor is None:
                    break
            log(f"tools/list: {len(tools)} tools in {pages} page(s): {', '.join(t.name for t in tools)}")
            want = int(os.environ.get("SMCP_EXPECT_PAGE_SIZE") or 0)
            if want:
                full = all(n == want for n in sizes[:-1]) and 1 <= sizes[-1] <= want
                check(full, f"tools/list pages hold {want} tools each (the last at most {want})", sizes)
            for name in TEST_TOOLS:
                check(any(t.name == name for t in tools), f"tools/list offers {name}")
            check_tool_shapes(tools)
            by_name = {t.name: t for t in tools}

            text = "hello from the Python SDK"
            check_echo(await session.call_tool("test_echo", {"text": text}), by_name["test_echo"], text)

            bad = await session.call_tool("test_echo", {"text": 42})
            check(bad.isError, "test_echo with text=42 is an isError result", bad)
            check("text" in text_of(bad), "the error text names the argument `text`", text_of(bad))

            fail = await session.call_tool("test_fail", {})
            check(fail.isError, "test_fail returns isError: true", fail)
            check(text_of(fail), "test_fail explains itself in text content")

            try:
                await session.call_tool("no_such_tool_xyz", {})
                err = None
            except McpError as e:
                err = e
            check(err is not None, "unknown tool raises McpError")
            check(err.error.code == types.INVALID_PARAMS, "unknown tool -> -32602", err.error.code)

            progress: list[float] = []
            totals: list[float | None] = []

            async def on_progress(p: float, total: float | None, message: str | None) -> None:
                progress.append(p)
                totals.append(total)

            slow = await session.call_tool("test_slow", {"ms": 600, "steps": 4}, progress_callback=on_progress)
            check(not slow.isError, "test_slow completes without error", slow)
            check(len(progress) >= 3, "test_slow: at least 3 progress notifications", progress)
            check(all(b > a for a, b in zip(progress, progress[1:])), "test_slow: progress strictly increasing", progress)
            if totals and totals[-1] is not None:
                check(progress[-1] <= totals[-1], "test_slow: progress never exceeds total", (progress, totals))

            # Cancellation. The Python SDK 1.x does not send notifications/cancelled
            # when a waiting call is abandoned, so do what a client does by hand:
            # send the notification for the request id, then stop waiting. The
            # SDK numbers requests 0, 1, 2, ... and uses the id as progressToken.
            slow_ms = 2000
            rid = session._request_id  # the id the next request will get
            first = anyio.Event()

            async def on_first(p: float, total: float | None, message: str | None) -> None:
                first.set()

            outcome: dict[str, object] = {}
            t0 = time.monotonic()
            async with anyio.create_task_group() as tg:
                scope = anyio.CancelScope()

                async def call() -> None:
                    with scope:
                        outcome["result"] = await session.call_tool(
                            "test_slow", {"ms": slow_ms, "steps": 20}, progress_callback=on_first
                        )

                tg.start_soon(call)
                with anyio.fail_after(30):
                    await first.wait()
                cancel_at = time.monotonic()
                await session.send_notification(
                    types.ClientNotification(
                        types.CancelledNotification(
                            params=types.CancelledNotificationParams(requestId=rid, reason="client test cancels test_slow")
                        )
                    )
                )
                scope.cancel()
            check("result" not in outcome, "the cancelled call did not complete", outcome)
            await session.send_ping()
            after_ping = time.monotonic()
            check(True, "ping answered right after the cancellation")
            await anyio.sleep(max(0.0, t0 + slow_ms / 1000 + 0.5 - time.monotonic()))
            await session.send_ping()
            check(True, "ping answered after the cancelled call's deadline")

            def about_rid(msg: object) -> bool:
                if isinstance(msg, Exception):
                    return True  # e.g. "Received response with an unknown request ID"
                root = getattr(msg, "root", None)
                return isinstance(root, types.ProgressNotification) and root.params.progressToken == rid

            late = [m for at, m in inbox if at >= after_ping and about_rid(m)]
            check(not late, "no response or progress for the cancelled request after it was cancelled", late)

            check_echo(await session.call_tool("test_echo", {"text": "still alive"}), by_name["test_echo"], "still alive")

            errors = [m for at, m in inbox if isinstance(m, Exception) and not (cancel_at <= at < after_ping)]
            check(not errors, "no session errors", errors)
    check(True, "session closed")


def check_structured(result: types.CallToolResult, tool: types.Tool, what: str) -> dict:
    check(not result.isError, f"{what} is not an error", text_of(result)[:500])
    sc = result.structuredContent
    check(isinstance(sc, dict), f"{what} has structuredContent", result)
    check(tool.outputSchema is not None, f"{tool.name} declares an outputSchema")
    errors = [e.message for e in validator_for(tool.outputSchema).iter_errors(sc)]
    check(not errors, f"{what}: structuredContent validates against {tool.name}'s outputSchema (jsonschema)", errors[:5])
    return sc


async def real_session(server: str, config: str) -> None:
    """Part 2: the real server, real plugins, real Scalene."""
    ini = Path(config).read_text()
    m = re.search(r"^\s*python\s*=\s*(\S+)", ini, re.M)
    check(m, f"{config} sets [scalene] python")
    check(Path(m.group(1)).exists(), f"[scalene] python {m.group(1)} exists (run scripts/setup.sh)")

    inbox: list[tuple[float, object]] = []

    async def message_handler(msg: object) -> None:
        inbox.append((time.monotonic(), msg))
        if isinstance(msg, Exception):
            log(f"session error: {msg}")

    params = StdioServerParameters(command=server, args=["--config", config], env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(
            read,
            write,
            message_handler=message_handler,
            client_info=types.Implementation(name="smcp-test-python-sdk-real", version="1.0.0"),
        ) as session:
            init = await session.initialize()
            caps = init.capabilities
            check(caps.resources is not None and caps.prompts is not None, "real: server advertises resources and prompts", caps)
            check(caps.completions is not None, "real: server advertises completions", caps)

            tools: list[types.Tool] = []
            cursor = None
            while True:
                page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
                tools.extend(page.tools)
                cursor = page.nextCursor
                if cursor is None:
                    break
            names = [t.name for t in tools]
            log(f"real: tools/list: {', '.join(names)}")
            for name in REAL_TOOLS:
                check(name in names, f"real: tools/list offers {name}")
            check_tool_shapes(tools)
            by_name = {t.name: t for t in tools}
            ann = by_name["analyze_profile"].annotations
            check(ann is not None and ann.readOnlyHint is True, "real: analyze_profile is annotated read-only", ann)

            cpu_hot = str(WORKLOADS / "cpu_hot.py")

            async def profile_once(label: str) -> str:
                progress: list[tuple[float, float | None]] = []

                async def on_progress(p: float, total: float | None, message: str | None) -> None:
                    progress.append((p, total))

                t0 = time.monotonic()
                res = await session.call_tool(
                    "profile_script",
                    {"script": cpu_hot, "script_args": ["1.0"], "label": label},
                    progress_callback=on_progress,
                )
                seen_at_result = len(progress)
                log(f"real: profile_script ({label}) took {time.monotonic() - t0:.2f} s; progress {progress}")
                sc = check_structured(res, by_name["profile_script"], f"real: profile_script {label}")
                pid = sc.get("profile_id")
                check(isinstance(pid, str) and pid, f"real: profile_script {label} returns a profile_id", sc)
                check(sc.get("outcome") == "ok", f"real: profile_script {label} outcome is ok", sc.get("outcome"))
                check(pid in text_of(res), f"real: profile_script {label} text names the profile id")
                links = [c for c in res.content if isinstance(c, types.ResourceLink)]
                check(
                    any(str(c.uri) == f"scalene://profile/{pid}/summary" for c in links),
                    f"real: profile_script {label} links scalene://profile/{{id}}/summary",
                    [str(c.uri) for c in links],
                )
                values = [p for p, _ in progress]
                check(seen_at_result >= 1, f"real: profile_script {label}: >= 1 progress notification before the result", progress)
                check(all(b > a for a, b in zip(values, values[1:])), f"real: profile_script {label}: progress strictly increasing", values)
                total = progress[-1][1]
                check(total is None or values[-1] <= total, f"real: profile_script {label}: progress never exceeds total", progress)
                await anyio.sleep(0.05)
                check(len(progress) == seen_at_result, f"real: profile_script {label}: no progress after the result", progress)
                return pid

            id1 = await profile_once("before")

            an = await session.call_tool("analyze_profile", {"profile_id": id1})
            an_sc = check_structured(an, by_name["analyze_profile"], "real: analyze_profile")
            an_text = text_of(an)
            check(f"Profile {id1}" in an_text and "cpu_hot.py" in an_text, "real: analyze_profile text starts with the summary", an_text[:300])
            for sec in ANALYZE_SECTIONS:
                check(sec in an_text, f'real: analyze_profile text has the section "{sec}"')
            check(an_sc.get("profile_id") == id1, "real: analyze_profile structuredContent.profile_id", an_sc.get("profile_id"))
            check("cpu_hot.py:11" in an_text, "real: analyze_profile names the hot line cpu_hot.py:11", an_text[:600])

            id2 = await profile_once("after")
            check(id2 != id1, "real: the second run got a new profile id", (id1, id2))
            cmp = await session.call_tool("compare_profiles", {"before_id": id1, "after_id": id2})
            cmp_sc = check_structured(cmp, by_name["compare_profiles"], "real: compare_profiles")
            check(cmp_sc.get("before_id") == id1 and cmp_sc.get("after_id") == id2, "real: compare_profiles names both ids", cmp_sc)
            check(isinstance(cmp_sc.get("verdict"), str) and cmp_sc["verdict"], "real: compare_profiles has a verdict", cmp_sc.get("verdict"))
            check(id1 in text_of(cmp) and id2 in text_of(cmp), "real: compare_profiles text names both ids")
            log(f"real: compare verdict {cmp_sc['verdict']}")

            def summary_uri(pid: str) -> str:
                return f"scalene://profile/{pid}/summary"

            resources: list[types.Resource] = []
            cursor = None
            while True:
                page = await session.list_resources(params=types.PaginatedRequestParams(cursor=cursor))
                resources.extend(page.resources)
                cursor = page.nextCursor
                if cursor is None:
                    break
            uris = [str(r.uri) for r in resources]
            for pid in (id1, id2):
                check(summary_uri(pid) in uris, f"real: resources/list offers {summary_uri(pid)}", uris)
            templates = await session.list_resource_templates()
            check(
                any(t.uriTemplate == "scalene://profile/{id}/summary" for t in templates.resourceTemplates),
                "real: resources/templates/list offers scalene://profile/{id}/summary",
                [t.uriTemplate for t in templates.resourceTemplates],
            )
            rr = await session.read_resource(summary_uri(id1))
            by_mime = {c.mimeType: c for c in rr.contents if isinstance(c, types.TextResourceContents)}
            plain, js = by_mime.get("text/plain"), by_mime.get("application/json")
            check(plain is not None and f"Profile {id1}" in plain.text, "real: resources/read gives the text/plain summary", rr.contents)
            check(str(plain.uri) == summary_uri(id1), "real: the contents carry the resource's uri", str(plain.uri))
            check(js is not None, "real: resources/read gives application/json contents", list(by_mime))
            doc = json.loads(js.text)
            check(doc.get("profile_id") == id1 and doc.get("summary", {}).get("outcome") == "ok", "real: the JSON summary parses and names the profile", js.text[:300])

            prompts = await session.list_prompts()
            pnames = [p.name for p in prompts.prompts]
            for name in ("optimize_script", "find_memory_leak", "compare_versions"):
                check(name in pnames, f"real: prompts/list offers {name}", pnames)
            opt = next(p for p in prompts.prompts if p.name == "optimize_script")
            check(any(a.name == "script" and a.required for a in opt.arguments or []), "real: optimize_script takes a required script", opt.arguments)
            got = await session.get_prompt("optimize_script", {"script": cpu_hot})
            check(got.messages, "real: prompts/get optimize_script returns messages", got)
            ptext = "\n".join(m.content.text for m in got.messages if isinstance(m.content, types.TextContent))
            check("profile_script" in ptext, "real: the optimize_script prompt mentions profile_script", ptext[:300])
            check(cpu_hot in ptext, "real: the optimize_script prompt names the script", ptext[:300])

            prefix = id1[: max(4, len(id1) - 4)]
            comp = await session.complete(
                types.ResourceTemplateReference(type="ref/resource", uri="scalene://profile/{id}/summary"),
                {"name": "id", "value": prefix},
            )
            check(id1 in comp.completion.values, f"real: completion/complete offers {id1} for {prefix}", comp.completion)
            check(all(v.startswith(prefix) for v in comp.completion.values), "real: every completion starts with the prefix")

            # Cancel a long profile once Scalene has sampled for 0.5 s (the
            # progress message names the run's state; a cancel while queued or
            # starting, Scalene still importing, leaves no samples, hence no
            # partial profile). As in part 1, the notification is sent by hand
            # (the SDK 1.x does not).
            endless = str(WORKLOADS / "endless.py")
            rid = session._request_id
            running = anyio.Event()
            seen: list[tuple[float, str | None]] = []
            running_since: list[float] = []

            async def on_endless(p: float, total: float | None, message: str | None) -> None:
                seen.append((p, message))
                if not (message or "").startswith("running"):
                    return
                if not running_since:
                    running_since.append(p)
                if p >= running_since[0] + 0.5:
                    running.set()

            outcome: dict[str, object] = {}
            async with anyio.create_task_group() as tg:
                scope = anyio.CancelScope()

                async def call() -> None:
                    with scope:
                        outcome["result"] = await session.call_tool(
                            "profile_script", {"script": endless, "timeout": 60}, progress_callback=on_endless
                        )

                tg.start_soon(call)
                with anyio.fail_after(30):
                    await running.wait()
                log(f"real: cancelling endless.py after progress {seen}")
                cancel_at = time.monotonic()
                await session.send_notification(
                    types.ClientNotification(
                        types.CancelledNotification(
                            params=types.CancelledNotificationParams(requestId=rid, reason="client test cancels the endless profile")
                        )
                    )
                )
                scope.cancel()
            check(seen, "real: endless.py sent progress before the cancellation", seen)
            check("result" not in outcome, "real: the cancelled profile_script did not complete", outcome)
            await session.send_ping()
            after_ping = time.monotonic()
            check(True, "real: ping answered right after the cancellation")

            cancelled = None
            for i in range(40):
                lp = await session.call_tool("list_profiles", {"target": "endless.py"})
                lsc = check_structured(lp, by_name["list_profiles"], "real: list_profiles" if i == 0 else f"real: list_profiles (poll {i})")
                cancelled = next((p for p in lsc["profiles"] if p.get("outcome") == "cancelled"), None)
                if cancelled:
                    break
                await anyio.sleep(0.25)
            check(cancelled, "real: list_profiles shows the cancelled run's partial profile (outcome cancelled) within 10 s")
            log(f"real: cancelled profile {cancelled['profile_id']} listed {time.monotonic() - cancel_at:.2f} s after the cancellation")
            check(cancelled["target"].endswith("endless.py"), "real: the cancelled profile's target is endless.py", cancelled)
            await session.send_ping()

            def about_rid(msg: object) -> bool:
                if isinstance(msg, Exception):
                    return True
                root = getattr(msg, "root", None)
                return isinstance(root, types.ProgressNotification) and root.params.progressToken == rid

            late = [m for at, m in inbox if at >= after_ping and about_rid(m)]
            check(not late, "real: nothing for the cancelled profile_script after the cancellation", late)
            part = await session.read_resource(summary_uri(cancelled["profile_id"]))
            pj = next(c for c in part.contents if c.mimeType == "application/json")
            check(json.loads(pj.text)["summary"]["outcome"] == "cancelled", "real: the partial profile's summary says cancelled")
            errors = [m for at, m in inbox if isinstance(m, Exception) and not (cancel_at <= at < after_ping)]
            check(not errors, "real: no session errors", errors)
    check(True, "real: session closed")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(f"usage: {sys.argv[0]} SERVER CONFIG REAL_CONFIG", file=sys.stderr)
        sys.exit(2)

    async def with_deadline() -> None:
        with anyio.fail_after(120):
            await main(sys.argv[1], sys.argv[2])
            await real_session(sys.argv[1], sys.argv[3])

    try:
        anyio.run(with_deadline)
    except BaseException as e:  # noqa: BLE001 - report anything, including timeouts
        import traceback

        traceback.print_exc()
        print(f"FAIL python_sdk: {e!r}", file=sys.stderr)
        sys.exit(1)
    print(f"PASS python_sdk: {CHECKS} checks", file=sys.stderr)
