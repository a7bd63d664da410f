"""Install what the browser tests need when it is missing: Debian's Chromium and CJK fonts.

Playwright's own browser download cannot work on this network, so the tests launch Debian's
Chromium through ``executable_path``. Run by ``make test`` before pytest; prints what it did."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGES = {
    "chromium": Path("/usr/bin/chromium"),
    "fonts-noto-cjk": Path("/usr/share/fonts/opentype/noto"),
}


def main() -> int:
    missing = [name for name, path in PACKAGES.items() if not path.exists()]
    if not missing:
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(
            f"browser tests need: {' '.join(missing)} (apt-get install them); they will be skipped"
        )
        return 0
    print(f"installing {' '.join(missing)} for the browser tests …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    result = subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False, env=env)
    if result.returncode != 0:
        print("could not install them; the browser tests will be skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
