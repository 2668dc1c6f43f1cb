"""Summarises issues fetched with gh."""
import json
import os
import subprocess

import requests


def issues(repo):
    out = subprocess.run(["gh", "issue", "list", "--repo", repo, "--json", "title"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def labels(repo):
    token = os.environ["GH_TOKEN"]
    r = requests.get(f"https://api.github.com/repos/{repo}/labels", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return [l["name"] for l in r.json()]
