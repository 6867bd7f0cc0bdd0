"""The Airflow plugin stays cheap to load: every Airflow process (each task, for its template
context) imports plugins/, and only the API server needs the FastAPI app."""

from __future__ import annotations

import json
import subprocess
import sys

from ucj.config import PROJECT_ROOT

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("ucj_reports", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
plugin = module.UcjReportsPlugin()
loaded = {m: m in sys.modules for m in ("plotly", "ucj.report.web", "ucj.report.build", "psycopg")}
views = plugin.external_views
apps = plugin.fastapi_apps  # the API server's first request for the app builds it
print(json.dumps({"before": loaded, "views": views, "prefixes": [a["url_prefix"] for a in apps],
                  "web_after": "ucj.report.web" in sys.modules}))
"""


def test_plugin_imports_nothing_heavy_until_the_api_server_asks():
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(PROJECT_ROOT / "plugins" / "ucj_reports.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["before"] == {"plotly": False, "ucj.report.web": False, "ucj.report.build": False, "psycopg": False}
    assert probe["prefixes"] == ["/ucj"] and probe["web_after"]
    for view in probe["views"]:
        assert not view["href"].startswith(("/", "http")), view  # relative to the UI's base URL
        assert view["href"].startswith("ucj/") and view["destination"] == "nav"
