// Lists the tools of an MCP server over stdio (initialize, then tools/list) and prints
// {package, version, tools} as one JSON line: how tool-descriptions-real.jsonl and
// tool-descriptions-real-dev.jsonl were made (docs/BENCHMARKS.md, "Tool definitions joined").
// Run only on packages from the registry you mean to read, with dummy credentials:
//   node mcp-tools-list.mjs node_modules/@modelcontextprotocol/server-filesystem /tmp
// Each tool became a row {text: description, label: 0, source: package@version, role,
// kind: 'real <package>', category: tool name, tool: {name, description, parameters:
// inputSchema}}; packages sorted by name, alternately held out (frozen) and dev.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
const [pkgDir, ...args] = process.argv.slice(2);
const pj = JSON.parse(readFileSync(pkgDir + '/package.json'));
const bin = typeof pj.bin === 'string' ? pj.bin : Object.values(pj.bin)[0];
const env = { ...process.env, GITHUB_PERSONAL_ACCESS_TOKEN: 'x', GITLAB_PERSONAL_ACCESS_TOKEN: 'x', SLACK_BOT_TOKEN: 'x', SLACK_TEAM_ID: 'x', BRAVE_API_KEY: 'x', GOOGLE_MAPS_API_KEY: 'x', NOTION_TOKEN: 'x', FIRECRAWL_API_KEY: 'fc-x', EXA_API_KEY: 'x', TAVILY_API_KEY: 'x', FIGMA_API_KEY: 'x' };
const child = spawn('node', [pkgDir + '/' + bin, ...args], { env, stdio: ['pipe', 'pipe', 'ignore'] });
let buf = '';
const send = (m) => child.stdin.write(JSON.stringify(m) + '\n');
child.stdout.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    let m; try { m = JSON.parse(line); } catch { continue; }
    if (m.id === 1) { send({ jsonrpc: '2.0', method: 'notifications/initialized' }); send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }); }
    if (m.id === 2) { console.log(JSON.stringify({ package: pj.name, version: pj.version, tools: m.result.tools })); child.kill(); process.exit(0); }
  }
});
send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'list', version: '1' } } });
setTimeout(() => { console.error('timeout ' + pj.name); child.kill(); process.exit(1); }, 20000);
