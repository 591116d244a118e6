// Small helpers shared by the Node client tests (no test framework: each test
// is a script that exits 0 on success and 1 with a message on the first
// failed check).
import { createRequire } from "node:module";

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

export function checkProgress(values, total, what) {
  check(values.length >= 3, `${what}: at least 3 progress notifications`, values);
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
