#!/usr/bin/env python3
"""Container health check for both shopscribe roles (stdlib only).

HEALTHCHECK_URL         page that must answer 200 (default: streams /metrics on 6066)
HEALTHCHECK_READY_FILE  if set, this file must exist (the worker writes it once its model
                        is loaded and it holds partitions: SHOPSCRIBE_WORKER__READY_FILE)
"""

import os
import sys
import urllib.request

url = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:6066/metrics")
ready_file = os.environ.get("HEALTHCHECK_READY_FILE")

if ready_file and not os.path.exists(ready_file):
    print(f"not ready: {ready_file} missing")
    sys.exit(1)
try:
    with urllib.request.urlopen(url, timeout=4) as response:
        if response.status != 200:
            print(f"{url}: HTTP {response.status}")
            sys.exit(1)
except Exception as exc:  # noqa: BLE001 - any failure is unhealthy
    print(f"{url}: {exc}")
    sys.exit(1)
sys.exit(0)
