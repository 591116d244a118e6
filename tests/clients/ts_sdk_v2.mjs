// Client test (b): the TypeScript SDK 2.x client (@modelcontextprotocol/client)
// drives scalene-mcp over stdio in one version-negotiation mode:
//
//   node ts_sdk_v2.mjs legacy|auto|modern SERVER CONFIG REAL_CONFIG
//
// Part 1 runs against CONFIG (the test plugin); part 2 runs a full real
// session against REAL_CONFIG (real plugins, real Scalene 2.4.0), in the same
// negotiation mode: see realSession() in lib.mjs.
//
// legacy: the plain initialize handshake (2025-11-25).
// auto:   server/discover probe first; the server is dual-era, so this must
//         end in the modern era (a fallback to legacy is a failure).
// modern: pinned to 2026-07-28, no fallback.
//
// Checks: the negotiated era and version, paged tools/list, tool shapes,
// test_echo with structuredContent validated by ajv against outputSchema,
// test_fail as isError, unknown tool as -32602, test_slow with onprogress
// (>= 3 increasing values), an aborted test_slow (rejects, nothing arrives for
// it afterwards, the server keeps answering), close.
// Part 2: profile_script with progress, analyze_profile, compare_profiles
// (each validated with ajv against its outputSchema), resources, prompts,
// completion, and an aborted endless profile whose partial profile
// list_profiles then shows (outcome cancelled). The 2026-07-28 era has no
// ping: there the request after the cancellation is list_profiles.
import { Client, ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import {
  cancelSent,
  check,
  checkEcho,
  checkPageSizes,
  checkProgress,
  checkToolShapes,
  checkRealConfig,
  checkWire,
  lastRequest,
  lateForRequest,
  log,
  progressOnWire,
  realSession,
  run,
  sleep,
  tapTransport,
  textOf,
  TEST_TOOLS,
  usage,
} from "./lib.mjs";

const MODERN = "2026-07-28";
const [mode, server, config, realConfig] = usage(process.argv.slice(2), ["legacy|auto|modern", "SERVER", "CONFIG", "REAL_CONFIG"]);
const negotiation = { legacy: { mode: "legacy" }, auto: { mode: "auto" }, modern: { mode: { pin: MODERN } } }[mode];
if (!negotiation) {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
const expectEra = mode === "legacy" ? "legacy" : "modern";

run(`ts_sdk_v2.${mode}`, async () => {
  const transport = new StdioClientTransport({
    command: server,
    args: ["--config", config],
    env: { ...process.env },
    stderr: "inherit",
  });
  const client = new Client({ name: `smcp-test-ts-sdk-v2-${mode}`, version: "2.0.0" }, { versionNegotiation: negotiation });
  client.onerror = (err) => log(`client error (SDK): ${err.message}`);
  const wire = tapTransport(transport);

  await client.connect(transport);
  const era = client.getProtocolEra();
  const version = client.getNegotiatedProtocolVersion();
  log(`negotiated era=${era} version=${version} server=${JSON.stringify(client.getServerVersion())}`);
  check(era === expectEra, `negotiated era is ${expectEra}`, { era, version });
  if (expectEra === "modern") {
    check(version === MODERN, `negotiated version is ${MODERN}`, version);
    const discover = client.getDiscoverResult();
    check(discover && Array.isArray(discover.supportedVersions), "server/discover result has supportedVersions", discover);
    check(discover.supportedVersions.includes(MODERN), `server/discover lists ${MODERN}`, discover.supportedVersions);
  } else {
    check(version === "2025-11-25", "legacy handshake agreed on 2025-11-25", version);
  }
  check(client.getServerVersion()?.name, "server identified itself (serverInfo.name)", client.getServerVersion());
  check(client.getServerCapabilities()?.tools, "server advertises the tools capability", client.getServerCapabilities());

  // tools/list without a cursor: the SDK walks every page itself. The wire
  // shows the pages; when there are several, fetch page 2 again by its cursor.
  const before = wire.length;
  const { tools } = await client.listTools();
  const pages = wire
    .slice(before)
    .filter(({ dir, msg }) => dir === "in" && msg.result && Array.isArray(msg.result.tools))
    .map(({ msg }) => msg.result);
  log(`tools/list: ${tools.length} tools in ${pages.length} page(s): ${tools.map((t) => t.name).join(", ")}`);
  check(pages.length >= 1 && pages[pages.length - 1].nextCursor === undefined, "the last tools/list page has no nextCursor", pages.length);
  check(pages.slice(0, -1).every((p) => typeof p.nextCursor === "string"), "every earlier page has a string nextCursor");
  checkPageSizes(pages.map((p) => p.tools.length));
  if (pages.length > 1) {
    const again = await client.listTools({ cursor: pages[0].nextCursor });
    check(
      JSON.stringify(again.tools.map((t) => t.name)) === JSON.stringify(pages[1].tools.map((t) => t.name)),
      "fetching page 2 by its cursor gives the same tools again",
    );
  }
  for (const name of TEST_TOOLS) check(tools.some((t) => t.name === name), `tools/list offers ${name}`);
  checkToolShapes(tools);
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));

  const input = `hello from the TS SDK v2 (${mode})`;
  const echo = await client.callTool({ name: "test_echo", arguments: { text: input } });
  checkEcho(echo, byName.test_echo, input);

  const fail = await client.callTool({ name: "test_fail", arguments: {} });
  check(fail.isError === true, "test_fail returns isError: true", fail);
  check(textOf(fail).length > 0, "test_fail explains itself in text content");

  let unknownErr;
  try {
    await client.callTool({ name: "no_such_tool_xyz", arguments: {} });
  } catch (e) {
    unknownErr = e;
  }
  check(unknownErr instanceof ProtocolError, "unknown tool rejects with a JSON-RPC error", String(unknownErr));
  check(unknownErr.code === ProtocolErrorCode.InvalidParams, "unknown tool -> -32602", unknownErr.code);

  const progress = [];
  const slow = await client.callTool(
    { name: "test_slow", arguments: { ms: 600, steps: 4 } },
    { onprogress: (p) => progress.push(p.progress) },
  );
  check(slow.isError !== true, "test_slow completes without error", slow);
  check(progress.length >= 1, "onprogress was called", progress);
  const onWire = progressOnWire(wire, lastRequest(wire, "tools/call", "test_slow"));
  checkProgress(onWire.values, onWire.total, "test_slow (wire)");
  check(onWire.afterResponse === 0, "no progress after the response", onWire);
  log(`progress delivered by the SDK: ${JSON.stringify(progress)}; on the wire: ${JSON.stringify(onWire.values)}`);

  // Cancellation through an AbortSignal, after the first progress notification.
  // A request sent after the cancellation is the ordering barrier (the server
  // reads the cancel notification first): ping in legacy; modern has no ping
  // (and the SDK may answer tools/list from its cache), so a test_echo call.
  const barrier = async () => {
    if (expectEra === "legacy") {
      await client.ping();
      return lastRequest(wire, "ping");
    }
    checkEcho(await client.callTool({ name: "test_echo", arguments: { text: "barrier" } }), byName.test_echo, "barrier");
    return lastRequest(wire, "tools/call", "test_echo");
  };
  const ctl = new AbortController();
  const slowMs = 2000;
  const t0 = Date.now();
  let firstProgress;
  const gotProgress = new Promise((r) => (firstProgress = r));
  const pending = client
    .callTool({ name: "test_slow", arguments: { ms: slowMs, steps: 20 } }, { signal: ctl.signal, onprogress: () => firstProgress() })
    .then(
      (r) => ({ ok: true, r }),
      (e) => ({ ok: false, e }),
    );
  await gotProgress;
  const cancelledCall = lastRequest(wire, "tools/call", "test_slow");
  ctl.abort("client test cancels test_slow");
  const outcome = await pending;
  check(!outcome.ok, "the aborted call rejects", outcome.r);
  log(`aborted call rejected with: ${outcome.e}`);
  check(cancelSent(wire, cancelledCall), `the SDK sent notifications/cancelled for request ${cancelledCall.id}`);
  const firstBarrier = await barrier();
  check(true, "server answers right after the cancellation");
  await sleep(Math.max(0, t0 + slowMs + 500 - Date.now()));
  await barrier();
  check(true, "server answers after the cancelled call's deadline");
  const late = lateForRequest(wire, cancelledCall, firstBarrier);
  check(late.length === 0, "no response or progress for the cancelled request after it was cancelled", late);

  const echo2 = await client.callTool({ name: "test_echo", arguments: { text: "still alive" } });
  checkEcho(echo2, byName.test_echo, "still alive");

  await client.close();
  checkWire(wire);

  // Part 2: the real server with real Scalene, same negotiation mode.
  checkRealConfig(realConfig);
  const realTransport = new StdioClientTransport({
    command: server,
    args: ["--config", realConfig],
    env: { ...process.env },
    stderr: "inherit",
  });
  const real = new Client({ name: `smcp-test-ts-sdk-v2-${mode}-real`, version: "2.0.0" }, { versionNegotiation: negotiation });
  real.onerror = (err) => log(`client error (SDK): ${err.message}`);
  const realWire = tapTransport(realTransport);
  await real.connect(realTransport);
  check(real.getProtocolEra() === expectEra, `real: negotiated era is ${expectEra}`, real.getProtocolEra());
  check(real.getServerCapabilities()?.resources && real.getServerCapabilities()?.prompts, "real: server advertises resources and prompts", real.getServerCapabilities());
  check(real.getServerCapabilities()?.completions, "real: server advertises completions", real.getServerCapabilities());
  await realSession({
    name: `ts_sdk_v2.${mode}`,
    client: real,
    wire: realWire,
    ping: expectEra === "legacy",
    call: (params, opts = {}) => real.callTool(params, opts),
  });
  await real.close();
});
