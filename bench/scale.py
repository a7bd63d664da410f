"""Budget day at city scale: the portal on PostgreSQL and Redis, one and two app servers, nginx in
front, against hello-world Flask on the same gunicorn settings.

    .venv/bin/python bench/scale.py [--quick] [--duration N] [--long N] [--items N]
        [--database-url URL] [--redis-url URL]

Everything runs with the repository's own files: gunicorn.conf.py for every gunicorn (the portal's
servers and hello world alike; only the address is given, and the access log is off for both) and
deploy/nginx.conf written by deploy/nginx_conf.py. It prints, as ratios to hello world's req/s:

- the home page, an area page, the API and the proposals list on **one** app server (each address
  asked again and again: served from the response cache in the app);
- the same through nginx with its cache off, in front of **one** and of **two** app servers
  (alternately, three runs of each per page, medians compared; CPU per request is summed over
  both servers): with every server on every CPU, and with each server pinned to a CPU of its own
  (``taskset``; gunicorn.conf.py sizes its workers by the CPUs it may use), as if each ran on a
  machine of its own — the comparison the target is judged on, since on one machine a second
  server sharing the same CPUs adds workers, not capacity;
- the same from **nginx's cache** (in front of two servers) in both shipped modes: revalidating
  every request with ``If-None-Match`` (the app answers 304 and nginx sends the stored body), and
  keyed by the data version nginx reads from Redis (``--versioned-by-redis``: no app request);
- a **never-seen** proposals list: a new valid filter combination for each request
  (bench/never_seen.lua), on one server;
- **1,000 concurrent connections** through nginx (each cache mode, two servers) for ``--long``
  seconds (30), which must see no error at all.

Targets: in-process cached ≥ 0.8× hello world; nginx cache (keyed by the data version) ≥ 2×; never-seen proposals ≥ 0.15×;
two servers ≥ one; 1,000 connections with zero errors. The database is a schema of its own in
``--database-url`` (dropped at the end), Redis the database number of ``--redis-url`` (its data
version keys are reset). Never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import (
    OUT,
    ROOT,
    BenchError,
    clear_portal_settings,
    preflight,
    run_bench,
    source_fingerprint,
    write_report,
)
from bench.lib.cpu import cpu_busy_share
from bench.lib.nginx import Nginx, start_nginx
from bench.lib.servers import Server, Servers
from bench.lib.wrk import CONNECTIONS, WARMUP_S, WrkResult, measure, wrk

GUNICORN_CONF = ROOT / "gunicorn.conf.py"
NEVER_SEEN = ROOT / "bench" / "never_seen.lua"
PAGES = {
    "home": "/zh/?year=2024",
    "area": "/zh/areas/education?year=2024",
    "api": "/api/v1/areas?year=2024",
    "proposals": "/zh/proposals",
}
TARGETS = {"cached": 0.8, "nginx_cache": 2.0, "never_seen": 0.15}
#: One server against two: this many alternate runs of each, per page (their medians compared).
ROUNDS = 3
MANY = 1000
#: How long a request of the 1,000-connection run may take before wrk counts it as an error (a
#: browser waits far longer; wrk's own default is 2 s).
MANY_TIMEOUT_S = 10
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"


# -- set-up --------------------------------------------------------------------------------------


def redis_address(url: str) -> str:
    """``redis://127.0.0.1:6379/7`` → ``127.0.0.1:6379/7``, as ``--versioned-by-redis`` takes it."""
    parts = urlsplit(url)
    database = parts.path.strip("/") or "0"
    return f"{parts.hostname}:{parts.port or 6379}/{database}"


def create_database(url: str) -> None:
    """Create *url*'s database if the server does not have it yet (a fresh machine)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            found = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        raise BenchError(f"cannot reach or create the database of {url}: {error}") from error
    finally:
        server.dispose()


def create_schema(base_url: str) -> tuple[str, str]:
    """A new schema in *base_url*'s database; returns (its name, the URL that uses it)."""
    from sqlalchemy import create_engine, text

    schema = f"scale_{uuid.uuid4().hex[:10]}"
    create_database(base_url)
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        raise BenchError(f"cannot create a schema in {base_url}: {error}") from error
    finally:
        admin.dispose()
    separator = "&" if "?" in base_url else "?"
    return schema, f"{base_url}{separator}options=-csearch_path%3D{schema}"


def drop_schema(base_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def setup_portal(url: str, redis_url: str, secret: str, items: int) -> dict[str, Any]:
    """Migrate, load data/ (and *items* generated proposals), and reset the data version in Redis."""
    import redis

    from portal import create_app
    from portal.cli import setup_database
    from portal.freshness import PENDING_KEY, VERSION_KEY

    keys = redis.Redis.from_url(redis_url)
    keys.delete(VERSION_KEY, PENDING_KEY)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "REDIS_URL": redis_url})
    started = time.perf_counter()
    with app.app_context():
        setup_database(Path(app.config["DATA_DIR"]), log=lambda _message: None)
    info: dict[str, Any] = {"setup_s": round(time.perf_counter() - started, 1)}
    if items:
        from bench.proposals import add_large_items

        info["items"] = add_large_items(app, items)
    app.extensions["portal.db"].dispose()
    return info


def server_env(url: str, redis_url: str, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        PORTAL_DATABASE_URL=url,
        PORTAL_REDIS_URL=redis_url,
        PORTAL_SECRET_KEY=secret,
        PORTAL_TRUSTED_HOSTS="127.0.0.1",
        PORTAL_TRUSTED_PROXIES="127.0.0.1",
        PORTAL_ACCESS_LOG="",  # off for the portal and hello world alike
    )
    return env


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def check(base_url: str, label: str, *, cached_by_nginx: bool = False) -> None:
    """Every page answers 200 (and, through nginx's cache, comes from it the second time)."""
    for page, path in PAGES.items():
        fetch(base_url + path)
        status, headers, body = fetch(base_url + path)
        if status != 200:
            raise BenchError(f"[{label}] {page} {path} answered {status}: {body[:300]!r}")
        cache_status = headers.get("X-Cache-Status", "")
        if cached_by_nginx and cache_status not in ("HIT", "REVALIDATED"):
            raise BenchError(f"[{label}] {page} not served from nginx's cache ({cache_status!r})")


# -- measuring ----------------------------------------------------------------------------------


def row(
    label: str, page: str, result: WrkResult, hello: float, hello_cpu_us: float | None = None
) -> dict[str, Any]:
    """*hello_cpu_us*: hello world's CPU time per request, for a setup whose every request is
    served by the one server measured (CPU per request depends far less than req/s on what else
    the machine is doing)."""
    return {
        "setup": label,
        "page": page,
        **asdict(result),
        "ratio": round(result.rps / hello, 3),
        "cpu_ratio": round(hello_cpu_us / result.server_cpu_us, 3) if hello_cpu_us else None,
    }


def median_run(runs: list[WrkResult]) -> WrkResult:
    """The run with the median req/s (of an odd number of runs)."""
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def print_row(r: dict[str, Any]) -> None:
    cpu = f", hello's CPU ÷ its CPU per request {r['cpu_ratio']:.3f}" if r["cpu_ratio"] else ""
    print(
        f"  {r['setup']:<22} {r['page']:<10} {r['rps']:>8,.0f} req/s  p99 {r['p99_ms']:7.2f} ms  "
        f"{r['ratio']:6.3f}× hello{cpu}",
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    preflight()
    for needed in (
        GUNICORN_CONF,
        ROOT / "deploy" / "nginx.conf",
        ROOT / "deploy" / "nginx_conf.py",
    ):
        if not needed.exists():
            raise BenchError(f"{needed} is missing")
    OUT.mkdir(parents=True, exist_ok=True)
    clear_portal_settings()
    secret = os.urandom(32).hex()
    source_before = source_fingerprint()
    workdir = Path(tempfile.mkdtemp(prefix="scale-", dir=OUT))
    servers = Servers({}, workdir)
    proxies: list[Nginx] = []
    rows: list[dict[str, Any]] = []
    hello_runs: list[WrkResult] = []
    schema, url = create_schema(args.database_url)
    print(
        f"scale bench: {args.duration} s per run (+{WARMUP_S} s warm-up), wrk -c{CONNECTIONS}; "
        f"gunicorn -c gunicorn.conf.py; {os.cpu_count()} CPUs; schema {schema}; {args.redis_url}",
        flush=True,
    )
    try:
        info = setup_portal(url, args.redis_url, secret, args.items)
        print(f"database ready in {info['setup_s']} s", flush=True)
        servers.env = server_env(url, args.redis_url, secret)
        hello = servers.start("hello", "bench.hello:app", "/", config=GUNICORN_CONF)
        first = servers.start("portal-1", "portal:create_app()", "/healthz", config=GUNICORN_CONF)
        second = servers.start("portal-2", "portal:create_app()", "/healthz", config=GUNICORN_CONF)
        upstream = [first.base_url.removeprefix("http://"), second.base_url.removeprefix("http://")]
        via_one = start_nginx("nginx-one", workdir, upstream[:1], cache=False)
        via_two = start_nginx("nginx-two", workdir, upstream, cache=False)
        cache = start_nginx("nginx-cache", workdir, upstream, cache=True)
        versioned = start_nginx(
            "nginx-versioned", workdir, upstream, versioned_by_redis=redis_address(args.redis_url)
        )
        proxies += [via_one, via_two, cache, versioned]
        # Two more servers, each on a CPU of its own, as if on machines of their own: what
        # adding a server adds (the pair above shares every CPU, so a second server there adds
        # workers, not CPU).
        pinned = [
            servers.start(
                f"portal-cpu{cpu}",
                "portal:create_app()",
                "/healthz",
                config=GUNICORN_CONF,
                cpus=str(cpu),
            )
            for cpu in sorted(os.sched_getaffinity(0))[:2]
        ]
        if len(pinned) < 2:
            raise BenchError("the scale bench needs at least 2 CPUs")
        pinned_upstream = [p.base_url.removeprefix("http://") for p in pinned]
        via_one_cpu = start_nginx("nginx-one-cpu", workdir, pinned_upstream[:1], cache=False)
        via_two_cpus = start_nginx("nginx-two-cpus", workdir, pinned_upstream, cache=False)
        proxies += [via_one_cpu, via_two_cpus]
        check(first.base_url, "one server")
        check(via_two.base_url, "two servers")
        check(cache.base_url, "nginx cache", cached_by_nginx=True)
        check(versioned.base_url, "nginx versioned cache", cached_by_nginx=True)

        load_before = os.getloadavg()
        others_busy = cpu_busy_share()
        print(
            f"CPU busy with other processes before measuring: {others_busy:.0%} of "
            f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f}",
            flush=True,
        )

        def hello_rps() -> float:
            result = measure(hello, "/", args.duration)
            hello_runs.append(result)
            print(
                f"  {'hello world':<22} {'/':<10} {result.rps:>8,.0f} req/s, "
                f"{result.server_cpu_us:,.0f} CPU µs/req",
                flush=True,
            )
            return result.rps

        def hello_cpu_us() -> float:
            return (hello_runs[-1].server_cpu_us + hello_runs[-2].server_cpu_us) / 2

        setups: list[tuple[str, Server, str | None]] = [
            ("one server", first, None),
            ("nginx cache → two", first, cache.base_url),
            ("nginx versioned → two", first, versioned.base_url),
        ]
        for label, server, base_url in setups:
            before = hello_rps()
            results = [
                (page, measure(server, path, args.duration, base_url=base_url))
                for page, path in PAGES.items()
            ]
            after = hello_rps()
            cpu = hello_cpu_us() if base_url is None else None  # else: nginx's CPU is not counted
            for page, result in results:
                rows.append(row(label, page, result, (before + after) / 2, cpu))
                print_row(rows[-1])

        # One server against two, behind nginx without its cache: alternately, ROUNDS times per
        # page, and the median of each (the machine's speed drifts over minutes, and both setups
        # share its CPUs with nginx and wrk). CPU per request is summed over both servers. First
        # with every server on every CPU, then with each server on a CPU of its own.
        comparisons = [
            ("", (first, via_one), (first, second, via_two)),
            (", one CPU each", (pinned[0], via_one_cpu), (pinned[0], pinned[1], via_two_cpus)),
        ]
        for suffix, (alone, via_alone), (one_of_two, other, via_both) in comparisons:
            before = hello_rps()
            compared = []
            for page, path in PAGES.items():
                runs: dict[str, list[WrkResult]] = {"one": [], "two": []}
                for _round in range(ROUNDS):
                    runs["one"].append(
                        measure(alone, path, args.duration, base_url=via_alone.base_url)
                    )
                    runs["two"].append(
                        measure(
                            one_of_two,
                            path,
                            args.duration,
                            base_url=via_both.base_url,
                            also=(other,),
                        )
                    )
                compared.append((page, median_run(runs["one"]), median_run(runs["two"])))
            after = hello_rps()
            for page, one, two in compared:
                for label, result in (
                    (f"nginx → one server{suffix}", one),
                    (f"nginx → two servers{suffix}", two),
                ):
                    rows.append(row(label, page, result, (before + after) / 2))
                    print_row(rows[-1])

        before = hello_rps()
        never = measure(first, "/zh/proposals", args.duration, script=NEVER_SEEN)
        after = hello_rps()
        rows.append(row("one server", "never-seen", never, (before + after) / 2, hello_cpu_us()))
        print_row(rows[-1])

        many_runs: dict[str, WrkResult] = {}
        for label, proxy in (("revalidating", cache), ("versioned", versioned)):
            print(
                f"{MANY} connections through nginx ({label} cache, two servers) for {args.long} s…",
                flush=True,
            )
            many = wrk(
                proxy.base_url + PAGES["home"],
                args.long,
                connections=MANY,
                threads=2,
                allow_errors=True,
                timeout_s=MANY_TIMEOUT_S,
            )
            many_runs[label] = many
            print(
                f"  {many.requests:,} requests, {many.rps:,.0f} req/s, p99 {many.p99_ms:.0f} ms; "
                f"errors: {many.socket_errors or 'none'} (timeout {MANY_TIMEOUT_S} s), "
                f"non-2xx/3xx {many.non_2xx}",
                flush=True,
            )
        many_errors = {
            label: sum(many.socket_errors.values()) + many.non_2xx
            for label, many in many_runs.items()
        }
        load_after = os.getloadavg()
    finally:
        for proxy in proxies:
            proxy.stop()
        servers.stop_all()
        drop_schema(args.database_url, schema)
        shutil.rmtree(workdir, ignore_errors=True)  # the servers' and nginx's logs and cache

    evaluation = evaluate(rows, many_errors)
    print()
    print(table(rows))
    print()
    for line in evaluation["lines"]:
        print(line)
    write_report(
        "scale.json",
        settings={
            "duration_s": args.duration,
            "warmup_s": WARMUP_S,
            "wrk_connections": CONNECTIONS,
            "gunicorn": "gunicorn.conf.py (its workers: 2 × CPUs + 1, sync), access log off",
            "many_connections": MANY,
            "many_duration_s": args.long,
            "many_timeout_s": MANY_TIMEOUT_S,
            "items_generated": args.items,
            "one_against_two_rounds": ROUNDS,
        },
        source=(source_before, source_fingerprint()),
        busy_before=others_busy,
        load=(load_before[0], load_after[0]),
        database=info,
        hello=[asdict(h) for h in hello_runs],
        results=rows,
        many_connections={
            label: {**asdict(many), "errors": many_errors[label]}
            for label, many in many_runs.items()
        },
        targets=TARGETS,
        missed=evaluation["missed"],
    )
    return 0


def evaluate(rows: list[dict[str, Any]], many_errors: dict[str, int]) -> dict[str, Any]:
    by = {(r["setup"], r["page"]): r for r in rows}
    lines, missed = [], []

    def verdict(ok: bool, text: str) -> None:
        lines.append(("PASS " if ok else "MISS ") + text)
        if not ok:
            missed.append(text)

    for page in PAGES:
        cached = by[("one server", page)]["ratio"]
        cpu = by[("one server", page)]["cpu_ratio"]
        verdict(
            cached >= TARGETS["cached"],
            f"{page}: one server {cached:.2f}× hello's req/s (≥ 0.8); CPU per request {cpu:.2f}",
        )
        proxied = by[("nginx versioned → two", page)]["ratio"]
        revalidated = by[("nginx cache → two", page)]["ratio"]
        verdict(
            proxied >= TARGETS["nginx_cache"],
            f"{page}: nginx cache keyed by the data version {proxied:.2f}× (≥ 2); "
            f"revalidating each request {revalidated:.2f}×",
        )
        one = by[("nginx → one server, one CPU each", page)]
        two = by[("nginx → two servers, one CPU each", page)]
        shared_one = by[("nginx → one server", page)]
        shared_two = by[("nginx → two servers", page)]
        verdict(
            two["rps"] >= one["rps"],
            f"{page}: two servers {two['rps']:,.0f} req/s ≥ one {one['rps']:,.0f}, each on a CPU "
            f"of its own (medians of {ROUNDS} alternate runs; CPU µs per request "
            f"{two['server_cpu_us']:,.0f} on two, {one['server_cpu_us']:,.0f} on one); sharing "
            f"every CPU: two {shared_two['rps']:,.0f}, one {shared_one['rps']:,.0f}",
        )
    never = by[("one server", "never-seen")]["ratio"]
    verdict(never >= TARGETS["never_seen"], f"never-seen proposals {never:.3f}× hello (≥ 0.15)")
    for label, errors in many_errors.items():
        verdict(errors == 0, f"{MANY} connections ({label} cache): {errors} errors (0)")
    return {"lines": lines, "missed": missed}


def table(rows: list[dict[str, Any]]) -> str:
    header = ["setup", "page", "req/s", "p50 ms", "p99 ms", "÷ hello", "CPU µs/req", "CPU ratio"]
    body = [
        [
            r["setup"],
            r["page"],
            f"{r['rps']:,.0f}",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"{r['ratio']:.3f}",
            f"{r['server_cpu_us']:,.0f}" if r["cpu_ratio"] else "",
            f"{r['cpu_ratio']:.3f}" if r["cpu_ratio"] else "",
        ]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in [header, ["-" * w for w in widths], *body]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 s per run, 10 s with 1,000")
    parser.add_argument(
        "--long", type=int, default=30, help="seconds of the 1,000-connection run (default 30)"
    )
    parser.add_argument(
        "--items", type=int, default=0, help="generated proposals added to the curated ones"
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help="a PostgreSQL database")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="a Redis database of its own")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.long = 3, 10
    return run_bench(run, args)


if __name__ == "__main__":
    sys.exit(main())
