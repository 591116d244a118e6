// Small helpers shared by the Node client tests (no test framework: each test
// is a script that exits 0 on success and 1 with a message on the first
// failed check).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const Ajv = require("ajv");
const Ajv2020 = require("ajv/dist/2020");

let checks = 0;
const started = Date.now();

export function log(...args) {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(2)}s] ${args.join(" ")}\n`);
}

export function check(cond, what, detail) {
  checks++;
  if (!cond) {
    const extra = detail === undefined ? "" : `: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`;
    throw new Error(`check failed: ${what}${extra}`);
  }
  log(`ok ${checks} - ${what}`);
}

export function usage(argv, names) {
  if (argv.length < names.length) {
    process.stderr.write(`usage: ${process.argv[1]} ${names.join(" ")}\n`);
    process.exit(2);
  }
  return argv.slice(0, names.length);
}

// Run main(); print a summary; exit 0/1. A hard deadline guards against a
// server that never answers (the SDK timeouts are 60 s).
export function run(name, main, deadlineMs = 120000) {
  const timer = setTimeout(() => {
    process.stderr.write(`FAIL ${name}: still running after ${deadlineMs} ms\n`);
    process.exit(1);
  }, deadlineMs);
  timer.unref();
  main().then(
    () => {
      process.stderr.write(`PASS ${name}: ${checks} checks\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`FAIL ${name}: ${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A validator for the schema's dialect: 2020-12 unless it names draft-07.
export function compileSchema(schema) {
  const dialect = typeof schema.$schema === "string" ? schema.$schema : "";
  const AjvClass = /draft-0[4-7]/.test(dialect) ? Ajv : Ajv2020;
  const ajv = new AjvClass({ strict: false, allErrors: true });
  return ajv.compile(schema);
}

// Shape checks every tool must pass, whatever client listed it.
export function checkToolShapes(tools) {
  const names = tools.map((t) => t.name);
  check(new Set(names).size === names.length, "tool names are unique", names);
  for (const t of tools) {
    check(/^[A-Za-z0-9_.-]{1,128}$/.test(t.name), `tool name ${t.name} is valid`);
    check(typeof t.description === "string" && t.description.length > 0, `${t.name} has a description`);
    check(t.inputSchema && t.inputSchema.type === "object", `${t.name} inputSchema is an object schema`, t.inputSchema);
    compileSchema(t.inputSchema); // throws on a schema ajv cannot compile
    if (t.outputSchema !== undefined) {
      check(t.outputSchema.type === "object", `${t.name} outputSchema root is type object`, t.outputSchema);
      compileSchema(t.outputSchema);
    }
  }
}

export const TEST_TOOLS = ["test_echo", "test_slow", "test_fail"];

// When CMake says which page size the INI sets (SMCP_EXPECT_PAGE_SIZE), every
// tools/list page but the last must be full and none larger.
export function checkPageSizes(sizes) {
  const want = Number(process.env.SMCP_EXPECT_PAGE_SIZE || 0);
  if (!want) return;
  const ok = sizes.every((n, i) => (i < sizes.length - 1 ? n === want : n >= 1 && n <= want));
  check(ok, `tools/list pages hold ${want} tools each (the last at most ${want})`, sizes);
}

export function textOf(result) {
  return (result.content || [])
    .filter((c) => c.type === "text")
    .map((c) => c.text)
    .join("\n");
}

// The checks on a test_echo result, shared by the SDK tests.
export function checkEcho(result, tool, input) {
  check(result.isError !== true, "test_echo is not an error", result);
  check(textOf(result).includes(input), "test_echo text content contains the input", result.content);
  check(result.structuredContent && typeof result.structuredContent === "object", "test_echo has structuredContent", result);
  check(result.structuredContent.text === input, "structuredContent.text echoes the input", result.structuredContent);
  check(result.structuredContent.length === input.length, "structuredContent.length is the input length", result.structuredContent);
  check(tool.outputSchema !== undefined, "test_echo declares an outputSchema");
  const validate = compileSchema(tool.outputSchema);
  check(validate(result.structuredContent), "structuredContent validates against outputSchema (ajv)", validate.errors);
  // And the schema really constrains: a wrong shape must not validate.
  check(!validate({ text: 42, length: "x" }), "outputSchema rejects a wrongly typed object");
}

export function checkProgress(values, total, what, atLeast = 3) {
  check(values.length >= atLeast, `${what}: at least ${atLeast} progress notification(s)`, values);
  for (let i = 1; i < values.length; i++) {
    check(values[i] > values[i - 1], `${what}: progress ${values[i]} > ${values[i - 1]}`);
  }
  if (total !== undefined && total !== null) {
    check(values[values.length - 1] <= total, `${what}: progress never exceeds total ${total}`, values);
  }
}

// Record every JSON-RPC message a transport sends and receives, in order, so
// that tests judge the wire rather than SDK bookkeeping (the SDKs dispatch
// notifications a microtask later than responses, so their own "unknown
// progress token" errors also fire for a correct server).
export function tapTransport(transport) {
  const wire = [];
  const send = transport.send.bind(transport);
  transport.send = (msg, opts) => {
    wire.push({ dir: "out", at: Date.now(), msg });
    return send(msg, opts);
  };
  let handler;
  const wrapped = (msg, extra) => {
    wire.push({ dir: "in", at: Date.now(), msg });
    return handler(msg, extra);
  };
  Object.defineProperty(transport, "onmessage", {
    configurable: true,
    get: () => (handler ? wrapped : undefined),
    set: (h) => {
      handler = h;
    },
  });
  return wire;
}

const isResponse = (m) => m && !("method" in m) && ("result" in m || "error" in m);

// The outgoing request of `method` (and tool `name`) sent last.
export function lastRequest(wire, method, name) {
  for (let i = wire.length - 1; i >= 0; i--) {
    const { dir, msg } = wire[i];
    if (dir === "out" && msg.method === method && msg.id !== undefined && (name === undefined || msg.params?.name === name)) return msg;
  }
  throw new Error(`no ${method} ${name ?? ""} request on the wire`);
}

// Whole-session wire checks: every incoming message is JSON-RPC 2.0, every
// response answers a request we sent, and no request is answered twice.
export function checkWire(wire) {
  const sent = new Set(wire.filter((w) => w.dir === "out" && w.msg.id !== undefined && w.msg.method).map((w) => JSON.stringify(w.msg.id)));
  const answered = new Set();
  const problems = [];
  let incoming = 0;
  for (const { dir, msg } of wire) {
    if (dir !== "in") continue;
    incoming++;
    if (msg.jsonrpc !== "2.0") problems.push({ problem: "not JSON-RPC 2.0", msg });
    if (!isResponse(msg)) continue;
    const id = JSON.stringify(msg.id);
    if (!sent.has(id)) problems.push({ problem: "response to an id never sent", msg });
    if (answered.has(id)) problems.push({ problem: "second response to one request", msg });
    answered.add(id);
  }
  check(problems.length === 0, `wire: ${incoming} incoming messages, all JSON-RPC 2.0, each response answers one request once`, problems);
}

// Progress for one request as seen on the wire: values in order, and whether
// any arrived after its response.
export function progressOnWire(wire, request) {
  const token = request.params?._meta?.progressToken;
  check(token !== undefined, `request ${request.id} carried a progressToken`, request.params);
  const values = [];
  let total;
  let responded = false;
  let afterResponse = 0;
  for (const { dir, msg } of wire) {
    if (dir !== "in") continue;
    if (msg.method === "notifications/progress" && msg.params?.progressToken === token) {
      values.push(msg.params.progress);
      total = msg.params.total;
      if (responded) afterResponse++;
    } else if (isResponse(msg) && msg.id === request.id) {
      responded = true;
    }
  }
  return { token, values, total, responded, afterResponse };
}

// Messages for `request` (its response, progress for its token) that arrived
// after the response to `barrier`, a request sent after the cancellation: the
// server reads stdin in order, so anything later ignored the cancellation.
export function lateForRequest(wire, request, barrier) {
  const token = request.params?._meta?.progressToken;
  const at = wire.findIndex(({ dir, msg }) => dir === "in" && isResponse(msg) && msg.id === barrier.id);
  check(at >= 0, `the barrier request ${barrier.id} was answered`);
  return wire.slice(at + 1).filter(
    ({ dir, msg }) =>
      dir === "in" &&
      ((isResponse(msg) && msg.id === request.id) ||
        (msg.method === "notifications/progress" && token !== undefined && msg.params?.progressToken === token)),
  );
}

export function cancelSent(wire, request) {
  return wire.some(
    ({ dir, msg }) => dir === "out" && msg.method === "notifications/cancelled" && msg.params?.requestId === request.id,
  );
}

// ---------------------------------------------------------------------------
// The full real session: the real server with the real plugins and real
// Scalene (the INI tests/conf/client-real.ini.in makes), driven by whichever
// SDK the caller wraps. Shared by ts_sdk_v1.mjs and ts_sdk_v2.mjs.

export const WORKLOADS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "workloads");
export const REAL_TOOLS = [
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
];
export const ANALYZE_SECTIONS = ["## CPU hotspots", "## Memory hotspots", "## Bottlenecks", "## Functions", "## Memory leaks"];

// Tell the caller early when the INI does not point at an interpreter that
// exists: every profiling check would fail with a less obvious message.
export function checkRealConfig(config) {
  const ini = readFileSync(config, "utf8");
  const m = /^\s*python\s*=\s*(\S+)/m.exec(ini);
  check(m, `${config} sets [scalene] python`);
  let ok = true;
  try {
    readFileSync(m[1]).length;
  } catch {
    ok = false;
  }
  check(ok, `[scalene] python ${m[1]} exists (run scripts/setup.sh)`);
}

// The structuredContent of `result` validates against `tool`'s outputSchema.
export function checkStructured(result, tool, what) {
  check(result.isError !== true, `${what} is not an error`, result.content);
  check(result.structuredContent && typeof result.structuredContent === "object", `${what} has structuredContent`, result);
  check(tool && tool.outputSchema, `${tool?.name} declares an outputSchema`);
  const validate = compileSchema(tool.outputSchema);
  check(validate(result.structuredContent), `${what}: structuredContent validates against ${tool.name}'s outputSchema (ajv)`, validate.errors);
  return result.structuredContent;
}

// opts:
//   name      test name for messages
//   client    an SDK Client (listTools, callTool via `call`, listResources,
//             readResource, listResourceTemplates, listPrompts, getPrompt,
//             complete, ping)
//   wire      tapTransport(transport) record
//   call      (params, {onprogress, signal}) => Promise<CallToolResult>
//   ping      true when the era has ping (the 2026-07-28 era has none)
// Returns nothing; throws on the first failed check.
export async function realSession({ name, client, wire, call, ping }) {
  // tools/list (follow cursors, whatever the page size).
  const tools = [];
  let cursor;
  let pages = 0;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
    check(++pages < 100, "real: tools/list pagination terminates");
  } while (cursor !== undefined);
  const names = tools.map((t) => t.name);
  log(`real: tools/list: ${names.join(", ")}`);
  for (const n of REAL_TOOLS) check(names.includes(n), `real: tools/list offers ${n}`);
  checkToolShapes(tools);
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  check(byName.analyze_profile.annotations?.readOnlyHint === true, "real: analyze_profile is annotated read-only", byName.analyze_profile.annotations);
  check(byName.profile_script.annotations?.openWorldHint === true, "real: profile_script is annotated open-world", byName.profile_script.annotations);

  // profile_script with progress, twice (the second run feeds compare_profiles).
  const cpuHot = path.join(WORKLOADS, "cpu_hot.py");
  const profileOnce = async (label) => {
    const delivered = [];
    const t0 = Date.now();
    const res = await call(
      { name: "profile_script", arguments: { script: cpuHot, script_args: ["1.0"], label } },
      { onprogress: (p) => delivered.push(p.progress) },
    );
    log(`real: profile_script (${label}) took ${Date.now() - t0} ms; progress delivered: ${JSON.stringify(delivered)}`);
    const sc = checkStructured(res, byName.profile_script, `real: profile_script ${label}`);
    check(typeof sc.profile_id === "string" && sc.profile_id.length > 0, `real: profile_script ${label} returns a profile_id`, sc);
    check(sc.outcome === "ok", `real: profile_script ${label} outcome is ok`, sc.outcome);
    check(textOf(res).includes(sc.profile_id), `real: profile_script ${label} text names the profile id`);
    check(
      (res.content || []).some((c) => c.type === "resource_link" && c.uri === `scalene://profile/${sc.profile_id}/summary`),
      `real: profile_script ${label} links scalene://profile/{id}/summary`,
      res.content?.map((c) => c.type),
    );
    check(delivered.length >= 1, `real: profile_script ${label}: the SDK delivered progress`, delivered);
    const onWire = progressOnWire(wire, lastRequest(wire, "tools/call", "profile_script"));
    checkProgress(onWire.values, onWire.total, `real: profile_script ${label} (wire)`, 1);
    check(onWire.afterResponse === 0, `real: profile_script ${label}: no progress after the response`, onWire);
    return sc.profile_id;
  };
  const id1 = await profileOnce("before");

  // analyze_profile: the summary and every analyzer's section.
  const an = await call({ name: "analyze_profile", arguments: { profile_id: id1 } });
  const anSc = checkStructured(an, byName.analyze_profile, "real: analyze_profile");
  const anText = textOf(an);
  check(anText.includes(`Profile ${id1}`) && anText.includes("cpu_hot.py"), "real: analyze_profile text starts with the summary", anText.slice(0, 300));
  for (const s of ANALYZE_SECTIONS) check(anText.includes(s), `real: analyze_profile text has the section "${s}"`);
  check(anSc.profile_id === id1, "real: analyze_profile structuredContent.profile_id", anSc.profile_id);
  check(anText.includes("cpu_hot.py:11"), "real: analyze_profile names the hot line cpu_hot.py:11", anText.slice(0, 600));

  const id2 = await profileOnce("after");
  check(id2 !== id1, "real: the second run got a new profile id", { id1, id2 });
  const cmp = await call({ name: "compare_profiles", arguments: { before_id: id1, after_id: id2 } });
  const cmpSc = checkStructured(cmp, byName.compare_profiles, "real: compare_profiles");
  check(cmpSc.before_id === id1 && cmpSc.after_id === id2, "real: compare_profiles names both ids in structuredContent", cmpSc);
  check(typeof cmpSc.verdict === "string" && cmpSc.verdict.length > 0, "real: compare_profiles has a verdict", cmpSc.verdict);
  check(textOf(cmp).includes(id1) && textOf(cmp).includes(id2), "real: compare_profiles text names both ids");
  log(`real: compare verdict ${cmpSc.verdict}`);

  // Resources: listed, templated, readable as text and JSON.
  const summaryUri = (id) => `scalene://profile/${id}/summary`;
  const resources = [];
  cursor = undefined;
  pages = 0;
  do {
    const page = await client.listResources(cursor === undefined ? undefined : { cursor });
    resources.push(...page.resources);
    cursor = page.nextCursor;
    check(++pages < 100, "real: resources/list pagination terminates");
  } while (cursor !== undefined);
  for (const id of [id1, id2]) check(resources.some((r) => r.uri === summaryUri(id)), `real: resources/list offers ${summaryUri(id)}`, resources.map((r) => r.uri));
  const templates = await client.listResourceTemplates();
  check(
    templates.resourceTemplates.some((t) => t.uriTemplate === "scalene://profile/{id}/summary"),
    "real: resources/templates/list offers scalene://profile/{id}/summary",
    templates.resourceTemplates.map((t) => t.uriTemplate),
  );
  const read = await client.readResource({ uri: summaryUri(id1) });
  const plain = read.contents.find((c) => c.mimeType === "text/plain");
  const json = read.contents.find((c) => c.mimeType === "application/json");
  check(plain && plain.uri === summaryUri(id1) && plain.text.includes(`Profile ${id1}`), "real: resources/read gives the text/plain summary", read.contents);
  check(json && typeof json.text === "string", "real: resources/read gives application/json contents", read.contents.map((c) => c.mimeType));
  const doc = JSON.parse(json.text);
  check(doc.profile_id === id1 && doc.summary?.outcome === "ok", "real: the JSON summary parses and names the profile", json.text.slice(0, 300));

  // Prompts.
  const prompts = await client.listPrompts();
  const promptNames = prompts.prompts.map((p) => p.name);
  for (const n of ["optimize_script", "find_memory_leak", "compare_versions"]) check(promptNames.includes(n), `real: prompts/list offers ${n}`, promptNames);
  const opt = prompts.prompts.find((p) => p.name === "optimize_script");
  check(opt.arguments?.some((a) => a.name === "script" && a.required === true), "real: optimize_script takes a required `script` argument", opt.arguments);
  const got = await client.getPrompt({ name: "optimize_script", arguments: { script: cpuHot } });
  check(Array.isArray(got.messages) && got.messages.length >= 1, "real: prompts/get optimize_script returns messages", got);
  const promptText = got.messages.map((m) => (m.content?.type === "text" ? m.content.text : "")).join("\n");
  check(promptText.includes("profile_script"), "real: the optimize_script prompt mentions profile_script", promptText.slice(0, 300));
  check(promptText.includes(cpuHot), "real: the optimize_script prompt names the script", promptText.slice(0, 300));

  // completion/complete of the id in the summary template.
  const prefix = id1.slice(0, Math.max(4, id1.length - 4));
  const comp = await client.complete({
    ref: { type: "ref/resource", uri: "scalene://profile/{id}/summary" },
    argument: { name: "id", value: prefix },
  });
  check(comp.completion.values.includes(id1), `real: completion/complete offers ${id1} for the prefix ${prefix}`, comp.completion);
  check(comp.completion.values.every((v) => v.startsWith(prefix)), "real: every completion starts with the prefix", comp.completion.values);

  // Cancel a long profile once Scalene has been sampling for a while: the
  // progress message names the run's state, and a cancel while the run is
  // still queued or starting (Scalene importing, no profiler yet; seconds on a
  // loaded machine) leaves no samples, hence no partial profile to list.
  const barrier = async () => {
    if (ping) {
      await client.ping();
      return lastRequest(wire, "ping");
    }
    await call({ name: "list_profiles", arguments: { limit: 1 } });
    return lastRequest(wire, "tools/call", "list_profiles");
  };
  const endless = path.join(WORKLOADS, "endless.py");
  const ctl = new AbortController();
  let running;
  const isRunning = new Promise((r) => (running = r));
  const progress = [];
  let runningSince;
  const pending = call(
    { name: "profile_script", arguments: { script: endless, timeout: 60 } },
    {
      signal: ctl.signal,
      onprogress: (p) => {
        progress.push(`${p.progress} ${p.message}`);
        if (!/^running/.test(p.message || "")) return;
        if (runningSince === undefined) runningSince = p.progress;
        if (p.progress >= runningSince + 0.5) running();
      },
    },
  ).then(
    (r) => ({ ok: true, r }),
    (e) => ({ ok: false, e }),
  );
  const timedOut = await Promise.race([isRunning.then(() => false), sleep(30000).then(() => true)]);
  check(!timedOut, "real: endless.py reported 0.5 s of running (profiler up) within 30 s", progress);
  log(`real: cancelling endless.py after progress ${JSON.stringify(progress)}`);
  const cancelledCall = lastRequest(wire, "tools/call", "profile_script");
  check(progress.length >= 1, "real: endless.py sent progress before the cancellation", progress);
  const cancelAt = Date.now();
  ctl.abort("client test cancels the endless profile");
  const outcome = await pending;
  check(!outcome.ok, "real: the aborted profile_script rejects", outcome.r);
  check(cancelSent(wire, cancelledCall), `real: notifications/cancelled sent for request ${cancelledCall.id}`);
  const firstBarrier = await barrier();
  check(true, `real: the server answers ${ping ? "ping" : "list_profiles"} right after the cancellation`);

  let cancelled;
  const listProfiles = byName.list_profiles;
  for (let i = 0; i < 40 && !cancelled; i++) {
    const lp = await call({ name: "list_profiles", arguments: { target: "endless.py" } });
    const sc = checkStructured(lp, listProfiles, i === 0 ? "real: list_profiles" : `real: list_profiles (poll ${i})`);
    cancelled = sc.profiles.find((p) => p.outcome === "cancelled");
    if (!cancelled) await sleep(250);
  }
  check(cancelled, "real: list_profiles shows the cancelled run's partial profile (outcome cancelled) within 10 s");
  log(`real: cancelled profile ${cancelled.profile_id} listed ${Date.now() - cancelAt} ms after the cancellation`);
  check(/endless\.py$/.test(cancelled.target), "real: the cancelled profile's target is endless.py", cancelled);
  await barrier();
  const late = lateForRequest(wire, cancelledCall, firstBarrier);
  check(late.length === 0, "real: no response or progress for the cancelled profile_script after the cancellation", late);

  // Its partial profile can be read like any other.
  const part = await client.readResource({ uri: summaryUri(cancelled.profile_id) });
  const partJson = JSON.parse(part.contents.find((c) => c.mimeType === "application/json").text);
  check(partJson.summary?.outcome === "cancelled", `real: ${name}: the cancelled profile's summary says outcome cancelled`, partJson.summary);
  checkWire(wire);
}
