"""Audit the installed (pinned) dependencies with pip-audit, in CI and by hand.

Fails on a known vulnerability. When no vulnerability database can be reached (this machine's
network has only the package registries), says so and skips instead of failing or, worse,
reporting "no known vulnerabilities" for packages it never checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def main() -> int:
    try:
        run = subprocess.run(
            [str(PIP_AUDIT), "--local", "--format", "json", "--progress-spinner", "off"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        print("pip-audit: skipped — the vulnerability database did not answer within 5 minutes.")
        return 0
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        unreachable = ("ConnectionError", "NameResolutionError", "Max retries", "timed out")
        if any(word in run.stderr for word in unreachable):
            print("pip-audit: skipped — no vulnerability database is reachable from here.")
            return 0
        print(run.stdout, run.stderr, sep="\n", file=sys.stderr)
        return run.returncode or 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"pip-audit: {dependency['name']} {dependency['version']}: {ids}")
    audited = [d for d in dependencies if "skip_reason" not in d]
    if vulnerable:
        return 1
    if not audited:
        print(
            f"pip-audit: skipped — none of the {len(dependencies)} dependencies could be looked up "
            "(no vulnerability database is reachable from here)."
        )
        return 0
    skipped = len(dependencies) - len(audited)
    print(f"pip-audit: no known vulnerability in {len(audited)} dependencies ({skipped} skipped).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
