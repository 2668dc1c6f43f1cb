// Test sample: dangerous calls hidden by aliasing and string building.
const g = globalThis;
const name = 'ev' + 'al';
g[name]('1 + 1');
const cp = require(['child', 'process'].join('_'));
const run = cp[String.fromCharCode(101, 120, 101, 99)];
run(Buffer.from('ZWNobyBoZWxsbw==', 'base64').toString());
const e = eval;
e(atob('MSArIDE='));
