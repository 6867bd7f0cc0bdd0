"""`.env.example` lists every UCJ_* variable the code reads, and nothing the code does not read."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ucj.config import PROJECT_ROOT

CODE_DIRS = ("src", "dags", "plugins")
VARIABLE = re.compile(r"UCJ_[A-Z0-9]+(?:_[A-Z0-9]+)*")
LISTED = re.compile(r"^#?\s*(UCJ_[A-Z0-9_]+)=", re.MULTILINE)


def variables_in_code() -> dict[str, str]:
    """Variable name -> first ``file:line`` where the code names it as a whole string literal
    (``os.environ.get("UCJ_X")``, ``_path("UCJ_X", …)``, ``{"UCJ_PGHOST": …}``); names inside
    docstrings, help texts and f-strings are prose, not reads."""
    found: dict[str, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and VARIABLE.fullmatch(node.value):
                    found.setdefault(node.value, f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    return found


def variables_in_example(path: Path) -> set[str]:
    return set(LISTED.findall(path.read_text(encoding="utf-8")))


def test_the_scan_finds_the_code_s_variables() -> None:
    """Guards the scan itself: variables read in three different ways are found."""
    found = variables_in_code()
    assert {"UCJ_WAREHOUSE_URL", "UCJ_REPORTS_DIR", "UCJ_PGHOST", "UCJ_ALERT_SMTP_HOST"} <= set(found)


def test_every_variable_the_code_reads_is_in_the_env_example() -> None:
    listed = variables_in_example(PROJECT_ROOT / ".env.example")
    missing = {name: where for name, where in variables_in_code().items() if name not in listed}
    assert not missing, "add to .env.example (commented out, with its default and what it does): " + ", ".join(
        f"{name} ({where})" for name, where in sorted(missing.items())
    )


def test_the_env_example_lists_no_variable_the_code_does_not_read() -> None:
    stale = variables_in_example(PROJECT_ROOT / ".env.example") - set(variables_in_code())
    assert not stale, f"no code reads these any more; remove them from .env.example: {sorted(stale)}"


def test_the_warehouse_url_of_the_example_is_the_owner_s() -> None:
    """The migrations run as the URL's user; the loader and transformer roles are derived from it."""
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    urls = re.findall(r"^#?\s*UCJ_WAREHOUSE_URL=(\S+)", text, re.MULTILINE)
    assert urls and all(re.match(r"postgresql://ucj_owner[:@]", url) for url in urls), urls
