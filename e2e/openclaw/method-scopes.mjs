// Prints the installed OpenClaw gateway's WebSocket method table, one
// "method<TAB>least-privilege operator scope" line per core method, sorted.
// The scope is empty for node-role methods. caddyplugin/guard/wsfirewall
// embeds this output as methods.tsv; e2e/controlui_test.go runs this script
// against the installed package and fails when the two differ.
//
//   node e2e/openclaw/method-scopes.mjs <openclaw package dir>
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dist = join(process.argv[2], "dist");
// The chunk names carry a content hash; the table lives in the method-scopes
// chunk that defines the core descriptor list.
const chunk = readdirSync(dist).find((f) => /^method-scopes-.*\.mjs$/.test(f) &&
	readFileSync(join(dist, f), "utf8").includes("CORE_GATEWAY_METHOD_SPECS"));
if (!chunk) throw new Error("no method-scopes chunk with CORE_GATEWAY_METHOD_SPECS in " + dist);
const src = readFileSync(join(dist, chunk), "utf8");
const exported = /export \{([^}]*)\}/.exec(src)[1];
const alias = (name) => {
	const m = new RegExp("\\b" + name + " as (\\w+)").exec(exported);
	if (!m) throw new Error(chunk + " no longer exports " + name);
	return m[1];
};
const mod = await import(join(dist, chunk));
const names = mod[alias("listCoreGatewayMethodNames")]();
const scopeOf = mod[alias("resolveLeastPrivilegeOperatorScopesForMethod")];
const lines = [...new Set(names)].sort().map((n) => n + "\t" + (scopeOf(n, {}) ?? []).join(","));
process.stdout.write(lines.join("\n") + "\n");
