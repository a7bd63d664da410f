"""Install the Debian packages a group of tests needs when they are missing, so that CI, which
starts from a fresh machine, runs them rather than skipping them. Run by ``make test`` before
pytest (``make browser-deps``, ``make nginx-deps``); prints what it did.

    python tests/debian_deps.py browser|nginx

- **browser**: Debian's Chromium and CJK fonts. Playwright's own browser download cannot work on
  this network, so the browser tests launch Debian's Chromium through ``executable_path``.
- **nginx**: Debian's nginx with its brotli_static and Lua modules, for tests/test_nginx.py.

Without root or apt-get it only says what is missing: the tests that need it are then skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: group → (what needs it, {package: a file it installs})
GROUPS: dict[str, tuple[str, dict[str, Path]]] = {
    "browser": (
        "the browser tests",
        {
            "chromium": Path("/usr/bin/chromium"),
            "fonts-noto-cjk": Path("/usr/share/fonts/opentype/noto"),
        },
    ),
    "nginx": (
        "the nginx test",
        {
            "nginx-light": Path("/usr/sbin/nginx"),
            "libnginx-mod-http-brotli-static": Path(
                "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
            ),
            # --versioned-by-redis (deploy/portal_version.lua); brings the NDK module it needs
            "libnginx-mod-http-lua": Path("/usr/lib/nginx/modules/ngx_http_lua_module.so"),
        },
    ),
}


def ensure(group: str) -> None:
    purpose, packages = GROUPS[group]
    missing = [name for name, path in packages.items() if not path.exists()]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"{purpose} need: {' '.join(missing)} (apt-get install them); skipped until then")
        return
    print(f"installing {' '.join(missing)} for {purpose} …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    # Debian starts a packaged server (nginx on port 80) after installing it; the tests run
    # their own, so nothing is started.
    policy = Path("/usr/sbin/policy-rc.d")
    added_policy = not policy.exists()
    if added_policy:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        result = subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False, env=env)
    finally:
        if added_policy:
            policy.unlink()
    if result.returncode != 0:
        print(f"could not install them; {purpose} will be skipped")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in GROUPS:
        print(f"usage: python tests/debian_deps.py {'|'.join(GROUPS)}", file=sys.stderr)
        return 2
    ensure(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
