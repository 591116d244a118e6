// Client test (d): the MCP Inspector CLI (@modelcontextprotocol/inspector,
// needs Node >= 22.19) against scalene-mcp, in one protocol era:
//
//   node inspector_cli.mjs legacy|modern SERVER CONFIG
//
// Runs the real `mcp-inspector --cli` command line (one process per call, as
// a person would) and checks its JSON output: the era's protocol version was
// negotiated, tools/list (with --strict schema lint) offers the test tools,
// tools/call test_echo returns the text and structuredContent, test_fail exits
// 5 (isError), an unknown tool exits 5 (tool_not_found).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { check, log, run, usage } from "./lib.mjs";

const [era, server, config] = usage(process.argv.slice(2), ["legacy|modern", "SERVER", "CONFIG"]);
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
});
