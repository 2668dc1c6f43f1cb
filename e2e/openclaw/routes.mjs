// Routes request targets the way the installed OpenClaw gateway does, with
// its own code: WHATWG URL.parse, then normalizePluginNodeCapabilityScopedUrl
// from dist/plugin-node-capability-*.mjs (the rewrite the HTTP and upgrade
// handlers in dist/server-start-*.mjs apply before routing). Driven by
// e2e/openclaw_routes_test.go:
//   OPENCLAW_DIST   the package's dist directory
//   stdin           a JSON array of request targets
// Prints a JSON array of {target, pathname, rewrittenUrl, malformed}.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dist = process.env.OPENCLAW_DIST;
const file = readdirSync(dist).find((f) => /^plugin-node-capability-[A-Za-z0-9_-]+\.mjs$/.test(f) && !f.includes("-auth-"));
if (!file) throw new Error(`no plugin-node-capability-*.mjs in ${dist}`);
const source = readFileSync(join(dist, file), "utf8");
const alias = source.match(/normalizePluginNodeCapabilityScopedUrl as (\w+)\b/)?.[1];
if (!alias) throw new Error(`${file} does not export normalizePluginNodeCapabilityScopedUrl`);
const mod = await import(pathToFileURL(join(dist, file)).href);
const normalize = mod[alias];
if (typeof normalize !== "function") throw new Error(`${file}: export ${alias} is not a function`);

const targets = JSON.parse(readFileSync(0, "utf8"));
const out = targets.map((target) => {
  // server-start: the pathname the stages match is the rewritten one.
  const r = normalize(target);
  return { target, pathname: r.pathname, rewrittenUrl: r.rewrittenUrl ?? null, malformed: r.malformedScopedPath === true };
});
process.stdout.write(JSON.stringify({ module: file, results: out }));
