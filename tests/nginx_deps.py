"""Install what tests/test_nginx.py needs when it is missing: Debian's nginx, its brotli_static
module and its Lua module. Run by ``make test`` before pytest (CI starts from a fresh machine);
prints what it did."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGES = {
    "nginx-light": Path("/usr/sbin/nginx"),
    "libnginx-mod-http-brotli-static": Path(
        "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
    ),
    # --versioned-by-redis (deploy/portal_version.lua); brings the NDK module it needs
    "libnginx-mod-http-lua": Path("/usr/lib/nginx/modules/ngx_http_lua_module.so"),
}


def main() -> int:
    missing = [name for name, path in PACKAGES.items() if not path.exists()]
    if not missing:
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(
            f"the nginx test needs: {' '.join(missing)} (apt-get install them); it will be skipped"
        )
        return 0
    print(f"installing {' '.join(missing)} for the nginx test …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    # Debian starts the packaged nginx on port 80 after installing it; the test runs its own.
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
        print("could not install them; the nginx test will be skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
