"""Write a complete nginx.conf for the portal from the template ``deploy/nginx.conf``.

Standard library only (run it with the system's python3 on the proxy machine)::

    python3 deploy/nginx_conf.py --listen 80 --upstream 10.0.0.11:8000 --upstream 10.0.0.12:8000 \\
        --static /srv/portal/static --state /var/cache/nginx/portal --logs /var/log/nginx \\
        > /etc/nginx/nginx.conf

Tests and benchmarks import :func:`render` (``importlib`` from this path) or run the script, then
start ``nginx -p DIR -c DIR/nginx.conf -e stderr -g 'daemon off; pid DIR/nginx.pid;'``.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
#: Debian's libnginx-mod-http-lua (and the NDK it needs, loaded first), for --versioned-by-redis.
LUA_MODULES = (
    Path("/usr/lib/nginx/modules/ndk_http_module.so"),
    Path("/usr/lib/nginx/modules/ngx_http_lua_module.so"),
)
LUA_FILE = Path(__file__).resolve().parent / "portal_version.lua"
# An IP address (nginx would need a `resolver` to look a name up from Lua), port, database.
REDIS_ADDRESS = re.compile(
    r"^(?P<host>[0-9.]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})(?:/(?P<db>\d{1,2}))?$"
)
#: How long a page keyed by the data version is kept (a publish makes a new key, not a stale one).
VERSIONED_FOR = "10m"
PLACEHOLDER = re.compile(r"\$\{(PORTAL_NGINX_[A-Z_]+)\}")


def brotli_available() -> bool:
    """Debian's libnginx-mod-http-brotli-static is installed."""
    return BROTLI_MODULE.is_file()


def lua_available() -> bool:
    """Debian's libnginx-mod-http-lua is installed."""
    return all(path.is_file() for path in LUA_MODULES)


def parse_redis(address: str) -> tuple[str, int, int]:
    """``IP:PORT[/DB]`` (an IPv6 address in brackets) → (host as nginx's Lua takes it, port, db)."""
    match = REDIS_ADDRESS.match(address)
    valid = match is not None and 0 < int(match["port"]) < 65536
    if match is not None and valid:
        try:
            ipaddress.ip_address(match["host"].strip("[]"))
        except ValueError:
            valid = False
    if match is None or not valid:
        raise ValueError(
            f"--versioned-by-redis {address}: give IP:PORT or IP:PORT/DB (e.g. 10.0.0.20:6379/0)"
        )
    return match["host"], int(match["port"]), int(match["db"] or 0)


def render(
    *,
    listen: str,
    upstreams: Sequence[str],
    static: Path | str,
    state: Path | str,
    logs: Path | str,
    server_name: str = "_",
    user: str | None = "www-data",
    brotli: bool | None = None,
    cache_max_size: str = "2g",
    tls_cert: str | None = None,
    tls_key: str | None = None,
    fresh_for: int = 0,
    versioned_by_redis: str | None = None,
) -> str:
    """The nginx.conf text. *upstreams*: ``host:port`` of each app server; *user*: the workers'
    account when nginx starts as root (None: no ``user`` directive); *brotli*: serve ``.br`` files
    (None: when the module is installed); *fresh_for*: seconds a stored page is sent without
    asking the app (0: revalidated before each use, so a publish is seen by the next request);
    *versioned_by_redis*: ``host:port[/db]`` of the app's Redis, whose data version keys the
    cache (a stored page is sent without asking the app, a publish is seen by the next request;
    needs Debian's libnginx-mod-http-lua)."""
    if not upstreams:
        raise ValueError("at least one app server (--upstream host:port) is needed")
    if brotli is None:
        brotli = brotli_available()
    for path in (static, state, logs):
        if not Path(path).is_absolute():
            raise ValueError(f"{path}: give an absolute path")
    servers = ""
    if tls_cert and tls_key:
        listen_lines = (
            f"        listen {listen} ssl http2;\n"
            f"        ssl_certificate {tls_cert};\n"
            f"        ssl_certificate_key {tls_key};\n"
            "        ssl_protocols TLSv1.2 TLSv1.3;\n"
            "        ssl_session_cache shared:portal_tls:10m;"
        )
        servers = (
            "    server {  # plain HTTP: only a redirect to HTTPS\n"
            "        listen 80;\n"
            f"        server_name {server_name};\n"
            "        return 301 https://$host$request_uri;\n"
            "    }\n"
        )
    elif tls_cert or tls_key:
        raise ValueError("--tls-cert and --tls-key go together")
    else:
        listen_lines = f"        listen {listen};"
    if fresh_for < 0:
        raise ValueError("--fresh-for: a number of seconds, 0 or more")
    freshness = (
        f"# --fresh-for {fresh_for}: sent for {fresh_for} s without asking, then revalidated\n"
        "            proxy_ignore_headers X-Accel-Expires Expires Cache-Control;\n"
        f"            proxy_cache_valid 200 304 {fresh_for}s;"
        if fresh_for
        else "# revalidated before each use (X-Accel-Expires: @1 from the app; --fresh-for 0)"
    )
    modules = [BROTLI_MODULE] if brotli else []
    http_lua = key_part = ""
    if versioned_by_redis:
        if fresh_for:
            raise ValueError("--fresh-for and --versioned-by-redis: choose one")
        host, port, db = parse_redis(versioned_by_redis)
        modules += LUA_MODULES
        http_lua = (
            "    # --versioned-by-redis: the data version in Redis keys the cache (portal_version.lua)\n"
            f'    lua_package_path "{LUA_FILE.parent}/?.lua;;";\n'
            "    lua_socket_log_errors off;  # portal_version.lua says it once a minute itself\n"
            "    init_by_lua_block {\n"
            '        require("portal_version").configure({\n'
            f'            host = "{host}", port = {port}, db = {db}, timeout_ms = 100,\n'
            "        })\n"
            "    }\n"
            "    # Only what the app itself marks as shareable (X-Accel-Expires, public with an ETag of\n"
            "    # the data version) is stored: nginx reads no Cache-Control of its own in this mode.\n"
            "    map $upstream_http_x_accel_expires $portal_no_hint {\n"
            '        ""      1;\n'
            "        default 0;\n"
            "    }\n"
        )
        key_part = "$portal_version"
        freshness = (
            f"# --versioned-by-redis {versioned_by_redis}: keyed by Redis's run id, the data\n"
            "            # version and the date in China (pages that change at midnight). No version\n"
            "            # (a publish pending, Redis unreachable): the app answers, nothing is stored.\n"
            '            set $portal_version "";\n'
            "            set $portal_unversioned 1;\n"
            '            rewrite_by_lua_block { require("portal_version").rewrite() }\n'
            "            proxy_cache_bypass $portal_unversioned;\n"
            "            proxy_no_cache $portal_unversioned $portal_no_hint;\n"
            "            # A new version is a new key: the stored page needs no revalidation.\n"
            "            proxy_ignore_headers X-Accel-Expires Expires Cache-Control;\n"
            f"            proxy_cache_valid 200 304 {VERSIONED_FOR};"
        )
    values = {
        "PORTAL_NGINX_LOAD_MODULES": "\n".join(f"load_module {path};" for path in modules),
        "PORTAL_NGINX_HTTP_LUA": http_lua,
        "PORTAL_NGINX_KEY_PART": key_part,
        "PORTAL_NGINX_USER": f"user {user};" if user else "",
        "PORTAL_NGINX_LOGS": str(logs),
        "PORTAL_NGINX_STATE": str(state),
        "PORTAL_NGINX_STATIC": str(Path(static)).rstrip("/"),
        "PORTAL_NGINX_UPSTREAM_SERVERS": "\n        ".join(
            f"server {address} max_fails=3 fail_timeout=10s;" for address in upstreams
        ),
        "PORTAL_NGINX_CACHE_MAX_SIZE": cache_max_size,
        "PORTAL_NGINX_SERVERS": servers,
        "PORTAL_NGINX_LISTEN": listen_lines,
        "PORTAL_NGINX_SERVER_NAME": server_name,
        "PORTAL_NGINX_FRESHNESS": freshness,
        "PORTAL_NGINX_BROTLI": (
            'brotli_static on;  # css/portal.css.br for "Accept-Encoding: br"'
            if brotli
            else "# no brotli_static: apt-get install libnginx-mod-http-brotli-static"
        ),
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], TEMPLATE.read_text())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="80", help="port or address:port (default 80)")
    parser.add_argument(
        "--upstream", action="append", required=True, help="an app server's host:port (repeat)"
    )
    parser.add_argument("--static", required=True, help="the portal's static/ directory")
    parser.add_argument("--state", default="/var/cache/nginx/portal", help="cache and temp files")
    parser.add_argument("--logs", default="/var/log/nginx", help="access.log and error.log")
    parser.add_argument("--server-name", default="_", help="the public host name(s)")
    parser.add_argument(
        "--user", default="www-data", help="workers' account when started as root ('' for none)"
    )
    parser.add_argument("--brotli", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--cache-max-size", default="2g")
    parser.add_argument(
        "--fresh-for",
        type=int,
        default=0,
        help="seconds a stored page is sent without asking the app (default 0: always asks)",
    )
    parser.add_argument(
        "--versioned-by-redis",
        metavar="HOST:PORT[/DB]",
        help="key the cache by the data version in the app's Redis (needs libnginx-mod-http-lua)",
    )
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    args = parser.parse_args(argv)
    text = render(
        listen=args.listen,
        upstreams=args.upstream,
        static=Path(args.static).resolve(),
        state=Path(args.state).resolve(),
        logs=Path(args.logs).resolve(),
        server_name=args.server_name,
        user=args.user or None,
        brotli=args.brotli,
        cache_max_size=args.cache_max_size,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        fresh_for=args.fresh_for,
        versioned_by_redis=args.versioned_by_redis,
    )
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
