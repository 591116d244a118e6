#!/usr/bin/env node
// run.mjs - runs the MCP conformance suite (@modelcontextprotocol/conformance)
// against scalene-mcp for one protocol revision.
//
// The suite tests servers over Streamable HTTP only, and scalene-mcp speaks
// stdio only, so the server runs behind the stdio-to-HTTP bridge supergateway,
// which is forced onto 127.0.0.1 by a preload (loopback-only.cjs) and checked
// to listen there only. 2025-11-25 runs the bridge stateful (one server
// process per HTTP session, the initialize handshake); 2026-07-28 runs it
// stateless (one server process per POST, which also shows the server keeps no
// state between requests).
//
//   node run.mjs --spec-version 2025-11-25 --server build/scalene-mcp \
//       --config build/tests/conf/conformance.ini \
//       --expected-failures tests/conformance/expected-failures-2025-11-25.yml \
//       [--out DIR] [--scenario NAME] [--node-modules DIR] [--timeout-ms N]
//
// Exit 0 only when every scenario the suite runs passes except those listed
// in the expected-failures file, no listed entry passes (a stale entry fails
// the run, so the list stays honest), every listed scenario actually ran,
// every entry gives a reason, the bridge listened on loopback only, and no
// server process was left behind. What each expected failure stands for:
// docs/conformance.md.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const MODERN = "2026-07-28";

function die(msg) {
  console.error(`FAIL conformance: ${msg}`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = {
    nodeModules: path.join(here, "..", "clients", "node_modules"),
    timeoutMs: 150000,
  };
  const names = {
    "--spec-version": "spec",
    "--server": "server",
    "--config": "config",
    "--expected-failures": "expected",
    "--out": "out",
    "--scenario": "scenario",
    "--node-modules": "nodeModules",
    "--timeout-ms": "timeoutMs",
  };
  for (let i = 0; i < argv.length; i++) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) die(`bad argument '${argv[i]}' (see the top of ${path.basename(import.meta.url)})`);
    opts[key] = argv[++i];
  }
  for (const k of ["spec", "server", "config", "expected"])
    if (!opts[k]) die(`--${k === "spec" ? "spec-version" : k === "expected" ? "expected-failures" : k} is required`);
  opts.timeoutMs = Number(opts.timeoutMs);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// ------------------------------------------------------------ prerequisites
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19))
  die(`Node ${process.versions.node} is too old (>= 22.19 needed): run scripts/setup.sh and use .tools/node22/bin/node`);
const gatewayJs = path.join(opts.nodeModules, "supergateway", "dist", "index.js");
const conformanceJs = path.join(opts.nodeModules, "@modelcontextprotocol", "conformance", "dist", "index.js");
for (const f of [gatewayJs, conformanceJs])
  if (!fs.existsSync(f)) die(`${f} is missing: run scripts/setup.sh`);
for (const f of [opts.server, opts.config, opts.expected])
  if (!fs.existsSync(f)) die(`${f} does not exist`);
const stateful = opts.spec < MODERN;

// ------------------------------------------------------------ expected failures
// Entries are "- scenario" or "- scenario:check-id", each with a "# reason".
function readExpected(file) {
  const entries = [];
  let section = null;
  fs.readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    const top = /^([A-Za-z]+):\s*(#.*)?$/.exec(line);
    if (top) {
      section = top[1];
      return;
    }
    const m = /^\s+-\s+(\S+)\s*(?:#\s*(.*))?$/.exec(line);
    if (!m) return;
    if (section !== "server") die(`${file}:${i + 1}: entries belong under 'server:'`);
    if (!m[2] || !m[2].trim()) die(`${file}:${i + 1}: '${m[1]}' has no '# reason'`);
    const [scenario, check] = m[1].split(/:(.*)/s);
    entries.push({ scenario, check: check || null, reason: m[2].trim(), line: i + 1 });
  });
  return entries;
}
const expected = readExpected(opts.expected);

// ------------------------------------------------------------ output directory
const OWNED = ".scalene-mcp-conformance";
let outDir = opts.out;
let tempOut = false;
if (!outDir) {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), "smcp-conformance-"));
  tempOut = true;
} else if (fs.existsSync(outDir)) {
  // only a directory this script made (or an empty one) is cleared
  if (!fs.existsSync(path.join(outDir, OWNED)) && fs.readdirSync(outDir).length > 0)
    die(`--out ${outDir} is not empty and was not made by this script`);
  fs.rmSync(outDir, { recursive: true, force: true });
}
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, OWNED), "results of tests/conformance/run.mjs\n");

// ------------------------------------------------------------ helpers
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

// Listening TCP sockets on `port` from /proc/net/tcp{,6}: their local
// addresses as hex, or null when /proc is not there.
function listeners(port) {
  const out = [];
  let seen = false;
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text;
    try {
      text = fs.readFileSync(f, "utf8");
    } catch {
      continue;
    }
    seen = true;
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== "0A") continue; // 0A = LISTEN
      const [addr, p] = cols[1].split(":");
      if (parseInt(p, 16) === port) out.push(addr);
    }
  }
  return seen ? out : null;
}
const LOOPBACK = new Set(["0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"]);

// Our processes carry this variable (supergateway and every server it starts).
const marker = `SMCP_CONFORMANCE_RUN=${randomBytes(8).toString("hex")}`;
function markedPids() {
  const pids = [];
  let dirs = [];
  try {
    dirs = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return pids;
  }
  for (const d of dirs) {
    try {
      if (fs.readFileSync(`/proc/${d}/environ`, "latin1").split("\0").includes(marker)) pids.push(Number(d));
    } catch {
      /* gone, or not ours */
    }
  }
  return pids.filter((p) => p !== process.pid);
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

// ------------------------------------------------------------ run
const problems = [];
const port = await freePort();
const url = `http://127.0.0.1:${port}/mcp`;
const gatewayLog = path.join(outDir, "supergateway.log");
const logFd = fs.openSync(gatewayLog, "w");
const env = { ...process.env, [marker.split("=")[0]]: marker.split("=")[1] };
const gwArgs = [
  "--require", path.join(here, "loopback-only.cjs"), gatewayJs,
  "--stdio", `${shq(path.resolve(opts.server))} --config ${shq(path.resolve(opts.config))}`,
  "--outputTransport", "streamableHttp",
  "--port", String(port),
  "--healthEndpoint", "/healthz",
  "--logLevel", "info",
];
if (stateful) gwArgs.push("--stateful");
console.log(`conformance ${opts.spec}: supergateway (${stateful ? "stateful" : "stateless"}) on ${url}`);
const gateway = spawn(process.execPath, gwArgs, { stdio: ["pipe", logFd, logFd], env, detached: true });
fs.closeSync(logFd);
let gatewayExited = false;
gateway.on("exit", () => (gatewayExited = true));

async function stopGateway() {
  if (!gatewayExited) {
    gateway.kill("SIGTERM");
    if (!(await waitExit(gateway, 10000))) {
      problems.push("supergateway did not exit within 10 s of SIGTERM");
      try {
        process.kill(-gateway.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      await waitExit(gateway, 2000);
    }
  }
  // supergateway stops its servers before it exits; give stragglers a moment
  let left = markedPids();
  for (let i = 0; left.length && i < 20; i++) {
    await sleep(100);
    left = markedPids();
  }
  if (left.length) {
    problems.push(`processes left behind: ${left.join(", ")}`);
    for (const p of left) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
}

let healthy = false;
for (let i = 0; i < 150 && !gatewayExited; i++) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    if (res.ok) {
      healthy = true;
      break;
    }
  } catch {
    /* not up yet */
  }
  await sleep(100);
}
if (!healthy) {
  await stopGateway();
  die(`supergateway did not come up on port ${port}:\n${fs.readFileSync(gatewayLog, "utf8").slice(-2000)}`);
}
const addrs = listeners(port);
if (addrs === null) console.log("note: /proc/net/tcp is not readable; loopback binding not verified");
else if (addrs.length === 0 || addrs.some((a) => !LOOPBACK.has(a))) {
  await stopGateway();
  die(`supergateway must listen on 127.0.0.1 only; listening addresses (hex): ${addrs.join(", ") || "none"}`);
} else console.log(`supergateway listens on 127.0.0.1:${port} only`);

const confArgs = [
  conformanceJs, "server", "--url", url,
  "--spec-version", opts.spec,
  "--expected-failures", path.resolve(opts.expected),
  "-o", outDir,
];
// "all" adds the scenarios the suite still marks pending, json-schema-2020-12 among them
if (opts.scenario) confArgs.push("--scenario", opts.scenario);
else confArgs.push("--suite", "all");
const t0 = Date.now();
const conf = spawn(process.execPath, confArgs, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
let output = "";
conf.stdout.on("data", (d) => {
  output += d;
  process.stdout.write(d);
});
conf.stderr.on("data", (d) => {
  output += d;
  process.stderr.write(d);
});
const killer = setTimeout(() => {
  problems.push(`the suite did not finish within ${opts.timeoutMs} ms`);
  conf.kill("SIGKILL");
}, opts.timeoutMs);
const confCode = await new Promise((resolve) => conf.on("close", (code, sig) => resolve(code ?? (sig ? 128 : 1))));
clearTimeout(killer);
const seconds = ((Date.now() - t0) / 1000).toFixed(1);
await stopGateway();

// ------------------------------------------------------------ verdict
const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
const ran = new Set([...plain.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]));
if (opts.scenario) ran.add(opts.scenario);
if (!opts.scenario)
  for (const e of expected)
    if (!ran.has(e.scenario))
      problems.push(`${path.basename(opts.expected)}:${e.line}: '${e.scenario}' did not run at ${opts.spec}; remove the entry`);

// Tally from the saved results: a scenario passes when none of its checks
// is a FAILURE or a WARNING (the suite's baseline counts both as failing).
const tally = { SUCCESS: 0, FAILURE: 0, WARNING: 0, SKIPPED: 0, INFO: 0 };
let scenPass = 0;
let scenFail = 0;
for (const d of fs.readdirSync(outDir)) {
  const f = path.join(outDir, d, "checks.json");
  if (!d.startsWith("server-") || !fs.existsSync(f)) continue;
  const checks = JSON.parse(fs.readFileSync(f, "utf8"));
  for (const c of checks) tally[c.status] = (tally[c.status] ?? 0) + 1;
  if (checks.some((c) => c.status === "FAILURE" || c.status === "WARNING")) scenFail++;
  else scenPass++;
}
if (confCode !== 0) problems.push(`the suite exited with status ${confCode} (unexpected failures or stale expected-failure entries above)`);

const line = `${opts.spec} (${stateful ? "stateful" : "stateless"} bridge, ${seconds} s): ` +
  `${scenPass + scenFail} scenarios, ${scenPass} passed, ${scenFail} failed or warned; ` +
  `checks: ${tally.SUCCESS} passed, ${tally.FAILURE} failed, ${tally.WARNING} warned, ${tally.SKIPPED} skipped; ` +
  `${expected.length} expected-failure entries (${path.basename(opts.expected)})`;
if (tempOut) fs.rmSync(outDir, { recursive: true, force: true });
else console.log(`results: ${outDir}`);
if (problems.length) {
  for (const p of problems) console.error(`  - ${p}`);
  die(line);
}
console.log(`PASS conformance ${line}`);
