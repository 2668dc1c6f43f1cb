// Reads files as OpenClaw's gateway reads a /v1/responses input_file, for
// sanitizer's TestInputFileReadingsMatchTheGateway: one JSON line per case on
// stdin ({"mediaType", "data": base64}), one on stdout ({"ok", "text"} or
// {"ok": false, "error"}). OC_DIST is the package's dist directory.
import { readdirSync, readFileSync } from "node:fs";

const dist = process.env.OC_DIST;
const file = readdirSync(dist).find((n) => /^input-files-.*\.mjs$/.test(n));
const mod = await import(dist + "/" + file);
// The chunk's exports are minified; find them by what they do.
const extract = Object.values(mod).find((f) => f.name === "extractFileContentFromSource");
const limitsOf = Object.values(mod).find((f) => f.name === "resolveInputFileLimits");
if (!extract || !limitsOf) throw new Error(`${file}: extractFileContentFromSource or resolveInputFileLimits not found`);
const limits = limitsOf();
for (const line of readFileSync(0, "utf8").split("\n").filter(Boolean)) {
  const c = JSON.parse(line);
  try {
    const r = await extract({ source: { type: "base64", data: c.data, mediaType: c.mediaType, filename: "f" }, limits });
    console.log(JSON.stringify({ ok: true, text: r.text }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e?.message ?? e) }));
  }
}
