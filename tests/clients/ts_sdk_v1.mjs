// Client test (a): the official TypeScript SDK 1.x (@modelcontextprotocol/sdk,
// legacy era, protocol 2025-11-25) drives scalene-mcp over stdio.
//
//   node ts_sdk_v1.mjs SERVER CONFIG REAL_CONFIG
//
// Part 1 runs against CONFIG (the test plugin: test_echo, test_slow,
// test_fail). Part 2 runs a full real session against REAL_CONFIG (the real
// plugins, real Scalene 2.4.0): see realSession() in lib.mjs.
//
// Checks: initialize, paged tools/list (cursor loop), tool shapes, test_echo
// with structuredContent validated by ajv against outputSchema, argument
// validation as isError, test_fail as isError, unknown tool as JSON-RPC
// -32602, test_slow with onprogress (>= 3 increasing values), cancellation
// through AbortController (the call rejects, no late response or progress
// reaches the client, ping still answers), close (server exits on stdin EOF).
// Part 2: tools/list offers profile_script and the analyzers; profile_script
// on cpu_hot.py with progress; analyze_profile (summary, sections, ajv against
// outputSchema); a second run and compare_profiles; resources/list,
// resources/templates/list, resources/read (text/plain + application/json);
// prompts/list, prompts/get optimize_script; completion/complete of a profile
// id; profile_script on endless.py aborted once running: the call rejects,
// ping answers, list_profiles shows its partial profile (outcome cancelled).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError, ErrorCode, LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
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

const [server, config, realConfig] = usage(process.argv.slice(2), ["SERVER", "CONFIG", "REAL_CONFIG"]);

run("ts_sdk_v1", async () => {
  const transport = new StdioClientTransport({
    command: server,
    args: ["--config", config],
    env: { ...process.env },
    stderr: "inherit",
  });
  const client = new Client({ name: "smcp-test-ts-sdk-v1", version: "1.0.0" }, { capabilities: {} });
  client.onerror = (err) => log(`client error (SDK): ${err.message}`);
  const wire = tapTransport(transport);

  await client.connect(transport);
  const proc = transport._process; // kept to check how the server exits on close
  check(client.getServerVersion()?.name, "initialize returned serverInfo.name", client.getServerVersion());
  check(client.getServerCapabilities()?.tools, "server advertises the tools capability", client.getServerCapabilities());
  log(`server ${JSON.stringify(client.getServerVersion())}, SDK latest protocol ${LATEST_PROTOCOL_VERSION}`);

  await client.ping();
  check(true, "ping answered");

  // tools/list, following nextCursor to the end.
  const tools = [];
  const sizes = [];
  let cursor;
  let pages = 0;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    pages++;
    sizes.push(page.tools.length);
    check(Array.isArray(page.tools), `tools/list page ${pages} has a tools array`);
    tools.push(...page.tools);
    cursor = page.nextCursor;
    check(pages < 100, "tools/list pagination terminates");
  } while (cursor !== undefined);
  log(`tools/list: ${tools.length} tools in ${pages} page(s): ${tools.map((t) => t.name).join(", ")}`);
  checkPageSizes(sizes);
  for (const name of TEST_TOOLS) check(tools.some((t) => t.name === name), `tools/list offers ${name}`);
  checkToolShapes(tools);
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));

  // test_echo: text + structuredContent that matches outputSchema. The SDK
  // itself also validates structuredContent (it cached outputSchema above).
  const input = "hello from the TS SDK v1";
  const echo = await client.callTool({ name: "test_echo", arguments: { text: input } });
  checkEcho(echo, byName.test_echo, input);

  // Argument validation failures are tool errors that name the argument.
  const bad = await client.callTool({ name: "test_echo", arguments: { text: 42 } });
  check(bad.isError === true, "test_echo with text:42 is an isError result", bad);
  check(/text/.test(textOf(bad)), "the error text names the argument `text`", textOf(bad));

  const fail = await client.callTool({ name: "test_fail", arguments: {} });
  check(fail.isError === true, "test_fail returns isError: true", fail);
  check(textOf(fail).length > 0, "test_fail explains itself in text content", fail);

  let unknownErr;
  try {
    await client.callTool({ name: "no_such_tool_xyz", arguments: {} });
  } catch (e) {
    unknownErr = e;
  }
  check(unknownErr instanceof McpError, "unknown tool rejects with a JSON-RPC error", String(unknownErr));
  check(unknownErr.code === ErrorCode.InvalidParams, "unknown tool -> -32602", unknownErr.code);

  // Progress: the SDK adds a progressToken and routes notifications/progress.
  const progress = [];
  let total;
  const slow = await client.callTool({ name: "test_slow", arguments: { ms: 600, steps: 4 } }, undefined, {
    onprogress: (p) => {
      progress.push(p.progress);
      total = p.total;
    },
  });
  check(slow.isError !== true, "test_slow completes without error", slow);
  // What the SDK delivered, then what was on the wire (the SDK drops a
  // progress notification read in the same chunk as the response).
  check(progress.length >= 1, "onprogress was called", progress);
  const onWire = progressOnWire(wire, lastRequest(wire, "tools/call", "test_slow"));
  checkProgress(onWire.values, onWire.total, "test_slow (wire)");
  check(onWire.afterResponse === 0, "no progress after the response", onWire);
  log(`progress delivered by the SDK: ${JSON.stringify(progress)} (total ${total}); on the wire: ${JSON.stringify(onWire.values)}`);

  // Cancellation: abort after the first progress notification. The SDK sends
  // notifications/cancelled and rejects the call. The server must not answer
  // the cancelled request; anything for it that arrives after the ping that
  // follows the cancellation (the server reads both in order) is a bug.
  const ctl = new AbortController();
  const slowMs = 2000;
  const t0 = Date.now();
  let firstProgress;
  const gotProgress = new Promise((r) => (firstProgress = r));
  const pending = client
    .callTool({ name: "test_slow", arguments: { ms: slowMs, steps: 20 } }, undefined, {
      signal: ctl.signal,
      onprogress: () => firstProgress(),
    })
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
  await client.ping();
  const barrier = lastRequest(wire, "ping");
  check(true, "ping answered right after the cancellation");
  // Wait until the slow call would have finished, then ask again.
  await sleep(Math.max(0, t0 + slowMs + 500 - Date.now()));
  await client.ping();
  check(true, "ping answered after the cancelled call's deadline");
  const late = lateForRequest(wire, cancelledCall, barrier);
  check(late.length === 0, "no response or progress for the cancelled request after it was cancelled", late);

  // The server still works after a cancellation.
  const echo2 = await client.callTool({ name: "test_echo", arguments: { text: "still alive" } });
  checkEcho(echo2, byName.test_echo, "still alive");

  // close(): stdin EOF first; the SDK sends SIGTERM only after 2 s.
  await client.close();
  check(proc.exitCode !== null || proc.signalCode !== null, "server process has exited after close");
  check(proc.exitCode === 0, "server exited with status 0 on stdin EOF", { exitCode: proc.exitCode, signal: proc.signalCode });
  checkWire(wire);

  // Part 2: the real server with real Scalene.
  checkRealConfig(realConfig);
  const realTransport = new StdioClientTransport({
    command: server,
    args: ["--config", realConfig],
    env: { ...process.env },
    stderr: "inherit",
  });
  const real = new Client({ name: "smcp-test-ts-sdk-v1-real", version: "1.0.0" }, { capabilities: {} });
  real.onerror = (err) => log(`client error (SDK): ${err.message}`);
  const realWire = tapTransport(realTransport);
  await real.connect(realTransport);
  const realProc = realTransport._process;
  check(real.getServerCapabilities()?.resources && real.getServerCapabilities()?.prompts, "real: server advertises resources and prompts", real.getServerCapabilities());
  check(real.getServerCapabilities()?.completions, "real: server advertises completions", real.getServerCapabilities());
  await realSession({
    name: "ts_sdk_v1",
    client: real,
    wire: realWire,
    ping: true,
    // SDK 1.x: callTool(params, resultSchema, options).
    call: (params, opts = {}) => real.callTool(params, undefined, opts),
  });
  await real.close();
  check(realProc.exitCode === 0, "real: server exited with status 0 on stdin EOF", { exitCode: realProc.exitCode, signal: realProc.signalCode });
});
