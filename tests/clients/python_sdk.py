"""Client test (c): the Python `mcp` package (ClientSession + stdio_client)
drives scalene-mcp over stdio (legacy era, protocol 2025-11-25).

    .venv/bin/python python_sdk.py SERVER CONFIG

Checks: initialize (version, serverInfo, tools capability), paged tools/list,
tool shapes, test_echo with structuredContent validated by jsonschema against
outputSchema, argument validation and test_fail as isError, unknown tool as
-32602, test_slow with a progress callback (>= 3 increasing values), a
cancelled test_slow (notifications/cancelled; nothing arrives for it after the
next ping; the server keeps answering), close.
"""

from __future__ import annotations

import os
import re
import sys
import time

import anyio
import jsonschema
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import McpError

TEST_TOOLS = ("test_echo", "test_slow", "test_fail")
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


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} SERVER CONFIG", file=sys.stderr)
        sys.exit(2)

    async def with_deadline() -> None:
        with anyio.fail_after(120):
            await main(sys.argv[1], sys.argv[2])

    try:
        anyio.run(with_deadline)
    except BaseException as e:  # noqa: BLE001 - report anything, including timeouts
        import traceback

        traceback.print_exc()
        print(f"FAIL python_sdk: {e!r}", file=sys.stderr)
        sys.exit(1)
    print(f"PASS python_sdk: {CHECKS} checks", file=sys.stderr)
