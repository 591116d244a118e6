// Client test (d): the MCP Inspector CLI (@modelcontextprotocol/inspector,
// needs Node >= 22.19) against scalene-mcp, in one protocol era:
//
//   node inspector_cli.mjs legacy|modern SERVER CONFIG REAL_CONFIG
//
// Runs the real `mcp-inspector --cli` command line (one process per call, as
// a person would) and checks its JSON output: the era's protocol version was
// negotiated, tools/list (with --strict schema lint) offers the test tools,
// tools/call test_echo returns the text and structuredContent, test_fail exits
// 5 (isError), an unknown tool exits 5 (tool_not_found).
//
// Part 2, against REAL_CONFIG (real plugins, real Scalene 2.4.0) rewritten to
// a private sqlite store in a temp directory (each Inspector call starts its
// own server, so profiles must outlive the process): tools/list --strict
// offers profile_script and the analyzers; tools/call profile_script
// (--tool-args-json) on cpu_hot.py returns a profile_id, its structuredContent
// validated with ajv against the listed outputSchema; analyze_profile on it;
// resources/list offers and resources/read returns its summary (text/plain and
// application/json); prompts/list and prompts/get optimize_script.
// Not covered here: progress and cancellation. The Inspector CLI runs one
// request per process and has no option to request progress or to cancel a
// call (killing it only closes the server's stdin), so the SDK tests cover
// those.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { ANALYZE_SECTIONS, check, checkRealConfig, compileSchema, log, REAL_TOOLS, run, usage, WORKLOADS } from "./lib.mjs";

const [era, server, baseConfig, realBase] = usage(process.argv.slice(2), ["legacy|modern", "SERVER", "CONFIG", "REAL_CONFIG"]);
let config = baseConfig;
if (era !== "legacy" && era !== "modern") {
  process.stderr.write(`unknown era ${era}\n`);
  process.exit(2);
}
const require = createRequire(import.meta.url);
const inspectorDir = path.dirname(require.resolve("@modelcontextprotocol/inspector/package.json"));
const inspectorBin = path.join(inspectorDir, require("@modelcontextprotocol/inspector/package.json").bin["mcp-inspector"]);

// The server's own `--config` would be taken by the Inspector (it has a
// --config option too), so the target comes first and `--` separates the
// Inspector's options: mcp-inspector --cli SERVER --config INI -- OPTIONS.
function inspector(...opts) {
  const args = [inspectorBin, "--cli", server, "--config", config, "--", "--protocol-era", era, "--format", "json", ...opts];
  log(`$ mcp-inspector ${args.slice(1).join(" ")}`);
  const r = spawnSync(process.execPath, args, {
    encoding: "utf8",
    timeout: 60000,
    env: { ...process.env, MCP_CATALOG_PATH: path.join(process.env.TMPDIR || "/tmp", `smcp-inspector-${process.pid}.json`) },
  });
  if (r.error) throw r.error;
  if (r.stderr.trim()) log(`stderr: ${r.stderr.trim().split("\n").slice(-15).join("\n    ")}`);
  // --format json: {"result": ...} on stdout, or {"error": {code, message}}
  // as the last line of stderr.
  const parse = (text) => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  const out = parse(r.stdout);
  const errLine = r.stderr.trim().split("\n").pop() || "";
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json: out?.result, error: parse(errLine)?.error };
}

run(`inspector.${era}`, async () => {
  const version = spawnSync(process.execPath, [inspectorBin, "--version"], { encoding: "utf8" });
  log(`inspector ${version.stdout.trim()} on node ${process.version}`);

  const init = inspector("--method", "initialize");
  const wantVersion = era === "modern" ? "2026-07-28" : "2025-11-25";
  check(init.status === 0, "--method initialize exits 0", { status: init.status, stdout: init.stdout.slice(0, 1000) });
  check(init.json?.protocolVersion === wantVersion, `the ${era} era negotiated ${wantVersion}`, init.json);
  check(init.json?.serverInfo?.name, "the server identified itself", init.json);
  check(init.json?.capabilities?.tools, "the server advertises tools", init.json);

  const list = inspector("--method", "tools/list", "--strict");
  check(list.status === 0, "tools/list --strict exits 0 (no error-severity schema problems)", {
    status: list.status,
    stdout: list.stdout.slice(0, 2000),
  });
  check(list.json && Array.isArray(list.json.tools), "tools/list prints a JSON object with a tools array", list.stdout.slice(0, 500));
  const names = list.json.tools.map((t) => t.name);
  log(`tools: ${names.join(", ")}`);
  for (const name of ["test_echo", "test_slow", "test_fail"]) check(names.includes(name), `tools/list offers ${name}`);
  const echoTool = list.json.tools.find((t) => t.name === "test_echo");
  check(echoTool.inputSchema?.properties?.text, "test_echo's inputSchema has a `text` property", echoTool.inputSchema);

  const text = `inspector ${era} says hi`;
  const call = inspector("--method", "tools/call", "--tool-name", "test_echo", "--tool-args-json", JSON.stringify({ text }));
  check(call.status === 0, "tools/call test_echo exits 0", { status: call.status, stdout: call.stdout.slice(0, 2000) });
  const result = call.json;
  check(result && Array.isArray(result.content), "tools/call prints a result with content[]", call.stdout.slice(0, 500));
  const texts = result.content.filter((c) => c.type === "text").map((c) => c.text);
  check(texts.some((t) => t.includes(text)), "test_echo's text content contains the input", texts);
  check(result.isError !== true, "test_echo is not an error", result);
  check(result.structuredContent?.text === text, "structuredContent.text echoes the input", result.structuredContent);
  check(result.structuredContent?.length === text.length, "structuredContent.length is the input length", result.structuredContent);

  const fail = inspector("--method", "tools/call", "--tool-name", "test_fail");
  check(fail.status === 5, "tools/call test_fail exits 5 (isError result)", { status: fail.status, stdout: fail.stdout.slice(0, 1000) });
  check(fail.error?.code === "tool_is_error", "the Inspector reports tool_is_error", fail.error);
  check(fail.json?.isError === true && fail.json.content?.some((c) => c.type === "text" && c.text), "test_fail's result has isError and a text", fail.json);

  const unknown = inspector("--method", "tools/call", "--tool-name", "no_such_tool_xyz");
  check(unknown.status === 5, "tools/call of an unknown tool exits 5", { status: unknown.status });
  check(unknown.error?.code === "tool_not_found", "the Inspector reports tool_not_found", unknown.error);

  // Part 2: the real server with real Scalene and a private sqlite store.
  checkRealConfig(realBase);
  const tmp = mkdtempSync(path.join(os.tmpdir(), `smcp-inspector-${era}-`));
  try {
    const ini = readFileSync(realBase, "utf8");
    check(/^backend\s*=\s*memory\s*$/m.test(ini), "REAL_CONFIG selects the memory backend (rewritten to sqlite here)");
    config = path.join(tmp, "real.ini");
    writeFileSync(
      config,
      ini.replace(/^backend\s*=\s*memory\s*$/m, "backend = sqlite") + `\n[plugin.sqlite]\ndb_path = ${path.join(tmp, "profiles.db")}\n`,
    );

    const rl = inspector("--method", "tools/list", "--strict");
    check(rl.status === 0, "real: tools/list --strict exits 0", { status: rl.status, stdout: rl.stdout.slice(0, 2000) });
    const tools = Object.fromEntries((rl.json?.tools || []).map((t) => [t.name, t]));
    for (const n of REAL_TOOLS) check(tools[n], `real: tools/list offers ${n}`, Object.keys(tools));

    const cpuHot = path.join(WORKLOADS, "cpu_hot.py");
    const t0 = Date.now();
    const prof = inspector(
      "--method",
      "tools/call",
      "--tool-name",
      "profile_script",
      "--tool-args-json",
      JSON.stringify({ script: cpuHot, script_args: ["1.0"], label: `inspector-${era}` }),
    );
    log(`real: profile_script took ${Date.now() - t0} ms`);
    check(prof.status === 0, "real: tools/call profile_script exits 0", { status: prof.status, stdout: prof.stdout.slice(0, 2000) });
    const sc = prof.json?.structuredContent;
    check(sc && typeof sc.profile_id === "string" && sc.outcome === "ok", "real: profile_script returns a profile_id, outcome ok", sc);
    const vProf = compileSchema(tools.profile_script.outputSchema);
    check(vProf(sc), "real: profile_script structuredContent validates against its outputSchema (ajv)", vProf.errors);
    const id = sc.profile_id;
    const uri = `scalene://profile/${id}/summary`;
    check(prof.json.content.some((c) => c.type === "resource_link" && c.uri === uri), "real: profile_script links the summary resource");

    const an = inspector("--method", "tools/call", "--tool-name", "analyze_profile", "--tool-args-json", JSON.stringify({ profile_id: id }));
    check(an.status === 0, "real: tools/call analyze_profile on the stored profile exits 0 (a new server process)", {
      status: an.status,
      stdout: an.stdout.slice(0, 1000),
    });
    const anText = an.json.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");
    for (const sec of ANALYZE_SECTIONS) check(anText.includes(sec), `real: analyze_profile has the section "${sec}"`);
    const vAn = compileSchema(tools.analyze_profile.outputSchema);
    check(vAn(an.json.structuredContent), "real: analyze_profile structuredContent validates (ajv)", vAn.errors);

    const rlist = inspector("--method", "resources/list");
    check(rlist.status === 0, "real: resources/list exits 0", { status: rlist.status });
    check(rlist.json?.resources?.some((r) => r.uri === uri), `real: resources/list offers ${uri}`, rlist.json);

    const rr = inspector("--method", "resources/read", "--uri", uri);
    check(rr.status === 0, "real: resources/read exits 0", { status: rr.status, stdout: rr.stdout.slice(0, 1000) });
    const plain = rr.json?.contents?.find((c) => c.mimeType === "text/plain");
    const json = rr.json?.contents?.find((c) => c.mimeType === "application/json");
    check(plain?.text?.includes(`Profile ${id}`), "real: resources/read gives the text/plain summary", rr.json);
    check(json && JSON.parse(json.text).profile_id === id, "real: resources/read gives the application/json summary", json);

    const pl = inspector("--method", "prompts/list");
    check(pl.status === 0, "real: prompts/list exits 0", { status: pl.status });
    check(pl.json?.prompts?.some((p) => p.name === "optimize_script"), "real: prompts/list offers optimize_script", pl.json);
    const pg = inspector("--method", "prompts/get", "--prompt-name", "optimize_script", "--prompt-args", `script=${cpuHot}`);
    check(pg.status === 0, "real: prompts/get optimize_script exits 0", { status: pg.status, stdout: pg.stdout.slice(0, 1000) });
    const ptext = (pg.json?.messages || []).map((m) => m.content?.text || "").join("\n");
    check(ptext.includes("profile_script") && ptext.includes(cpuHot), "real: the prompt mentions profile_script and the script", ptext.slice(0, 300));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
