"""Suggestions and proposals at scale: the list, a filtered search and the statistics page with the
curated items (about 60) and with 50,000 generated ones, served by gunicorn and loaded with wrk.

    .venv/bin/python bench/proposals.py [--quick] [--duration N] [--items N] [--rounds N]

Uses bench/lib/ (databases, servers, wrk, CPU accounting), as bench/run.py does. Each page is measured twice:
*cached* (the same URL again and again: what a popular page costs, served from the response cache
keyed by data version and day) and *uncached* (the same URLs on a second server whose response
cache holds nothing, PORTAL_PAGE_CACHE_SIZE=0, so every response is rendered: SQL, templates and
all; unknown query parameters no longer bypass the cache, so they cannot be used). The target is
large ÷ curated req/s ≥ 0.8 for every page in both modes. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from types import SimpleNamespace
from typing import Any

# Run as a script, Python puts bench/ first on the path; the repository is needed instead (the
# bench package and the portal).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib
from bench.lib.databases import setup_curated
from bench.lib.servers import Server, Servers, server_env
from bench.lib.wrk import measure

TODAY = "2026-11-26"
PAGES = {
    "list": "/zh/proposals",
    "search": "/zh/proposals?q=%E6%89%98%E8%82%B2&year=2025&status=closed",  # q=托育
    "stats": "/zh/proposals/stats",
}
TARGET = 0.8
OUT = lib.OUT / "proposals.json"


TOPICS = [
    ("托育服务", "childcare", "21007"),
    ("普惠幼儿园", "childcare", "2050201"),
    ("义务教育学位", "education", "2050202"),
    ("职业技能培训", "employment", "20807"),
    ("社区卫生服务", "healthcare", "21003"),
    ("老年助餐", "elderly-care", "2081006"),
    ("保障性租赁住房", "housing", "22101"),
    ("城乡低保", "social-assistance", "20819"),
]


# -- the large database ----------------------------------------------------------------------------


def generated_item(
    n: int, rng: random.Random
) -> tuple[dict[str, Any], list[Any], list[dict[str, Any]]]:
    """One generated item: its columns (without derived ones), its events and its replies."""
    from portal.proposals.models import EventKind, HandlingRole, ItemKind
    from portal.proposals.timeline import EventFacts

    year = rng.choice((2024, 2025, 2026))  # the curated years: the same pages, only more items
    topic, area, code = TOPICS[rng.randrange(len(TOPICS))]
    kind = ItemKind.SUGGESTION if rng.random() < 0.7 else ItemKind.PROPOSAL
    role = rng.choices(list(HandlingRole), weights=(60, 25, 10, 5))[0]
    assigned = date(year, 3, 10) + timedelta(days=rng.randrange(0, 200 if year == 2026 else 60))
    if assigned > date(2026, 11, 20):
        assigned = date(2026, 11, 20)
    events = [EventFacts(EventKind.ASSIGNED, assigned)]
    replies = []
    fate = rng.random()
    if fate > 0.08 or year < 2026:
        if rng.random() < 0.85:
            events.append(
                EventFacts(EventKind.MET, assigned + timedelta(days=rng.randrange(10, 40)))
            )
        replied = assigned + timedelta(days=rng.randrange(20, 100))
        if replied < date(2026, 11, 26):
            cls = None if role == HandlingRole.CO else rng.choice("AAABBCD")
            events.append(EventFacts(EventKind.REPLIED, replied, 1, {"reply_class": cls}))
            replies.append(
                {
                    "round": 1,
                    "replied_on": replied,
                    "reply_class": cls,
                    "summary": f"关于{topic}的答复摘要：已安排资金{rng.randrange(100, 2000)}万元，第{n}件。",
                    "text": f"关于{topic}的答复全文。我局会同有关部门认真研究，逐项落实。第{n}件。",
                }
            )
            if role != HandlingRole.CO:
                mode = rng.choice(("full", "full", "full", "summary", "withheld", None))
                if mode:
                    events.append(
                        EventFacts(
                            EventKind.PUBLISHED,
                            replied + timedelta(days=10),
                            1,
                            {"mode": mode, "round": 1},
                        )
                    )
                if rng.random() < 0.9:
                    handling, result = rng.choice(
                        (
                            ("satisfied", "satisfied"),
                            ("satisfied", "basic"),
                            ("basic", "basic"),
                            ("basic", "dissatisfied"),
                        )
                    )
                    events.append(
                        EventFacts(
                            EventKind.FEEDBACK,
                            replied + timedelta(days=12),
                            1,
                            {"handling": handling, "result": result},
                        )
                    )
            if rng.random() < 0.6:
                events.append(EventFacts(EventKind.CLOSED, replied + timedelta(days=60)))
    item = {
        "sample": True,
        "session_label": f"基准测试会议{year}",
        "session_label_en": f"Benchmark session {year}",
        "number": f"{n:06d}",
        "kind": kind,
        "year": year,
        "title": f"关于加强{topic}的{'建议' if kind == ItemKind.SUGGESTION else '提案'}（第{n}件）",
        "title_en": f"On {area} ({n})",
        "body": f"建议加大{topic}投入，完善政策，加强绩效评价。",
        "body_en": "",
        "role": role,
        "other_units": "",
        "other_units_en": "",
        "areas": area,
        "budget_codes": code,
    }
    return item, events, replies


def add_large_items(app: Any, count: int) -> dict[str, float]:
    """Insert *count* generated items with their derived columns, computed by the portal's own
    :func:`~portal.proposals.timeline.derive` and search-text function (bulk inserts: the ORM path
    would take minutes for no extra truth)."""
    from sqlalchemy import func, insert, select

    from portal.datasets.services import bump_data_version
    from portal.db import get_session
    from portal.proposals.models import (
        ItemArea,
        ProposalEvent,
        ProposalItem,
        ReplyClass,
        SearchGram,
        Submitter,
    )
    from portal.proposals.rules import rules, working_calendar
    from portal.proposals.search import grams
    from portal.proposals.services import public_search_text
    from portal.proposals.timeline import derive

    rng = random.Random(20261126)
    started = time.perf_counter()
    with app.app_context():
        session = get_session()
        follow = set(session.scalars(select(ReplyClass.code).where(ReplyClass.follow_up)))
        lead_ids = list(session.scalars(select(Submitter.id)))
        lead_names = {s.id: s.name for s in session.scalars(select(Submitter))}
        first_id = (session.scalar(select(func.max(ProposalItem.id))) or 0) + 1
        items, areas, events, postings = [], [], [], []
        for n in range(count):
            item_id = first_id + n
            item, facts, replies = generated_item(n + 1, rng)
            derived = derive(item["role"], facts, follow, rules(), working_calendar())
            lead = lead_ids[n % len(lead_ids)]
            shape = SimpleNamespace(
                number=item["number"],
                session_label=item["session_label"],
                title=item["title"],
                title_en=item["title_en"],
                body=item["body"],
                lead_submitter=SimpleNamespace(name=lead_names[lead]),
                cosigners=[],
            )
            text = public_search_text(
                shape,  # type: ignore[arg-type]
                [SimpleNamespace(summary_en="", text_en="", **r) for r in replies],  # type: ignore[misc]
                derived,
                [],
            )
            items.append(
                {
                    "id": item_id,
                    "lead_submitter_id": lead,
                    **item,
                    **derived.columns(),
                    "search_text": text,
                }
            )
            areas.append({"item_id": item_id, "area": item["areas"]})
            postings += [{"gram": g, "item_id": item_id} for g in grams(text)]
            for seq, fact in enumerate(facts, 1):
                events.append(
                    {
                        "item_id": item_id,
                        "seq": seq,
                        "kind": fact.kind,
                        "occurred_on": fact.on,
                        "round": fact.round,
                        "details": json.dumps(dict(fact.details), ensure_ascii=False),
                        "actor": "bench",
                    }
                )
        generated = time.perf_counter()
        tables = (
            (items, ProposalItem),
            (areas, ItemArea),
            (events, ProposalEvent),
            (postings, SearchGram),
        )
        for rows, model in tables:
            for chunk in range(0, len(rows), 5000):
                session.execute(insert(model), rows[chunk : chunk + 5000])
        bump_data_version(session)
        session.commit()
        inserted = time.perf_counter()
        total = session.scalar(select(func.count()).select_from(ProposalItem))
    return {
        "items_generated": count,
        "items_total": int(total or 0),
        "events": len(events),
        "search_grams": len(postings),
        "generate_s": round(generated - started, 2),
        "insert_s": round(inserted - generated, 2),
    }


# -- measuring -------------------------------------------------------------------------------------


def check(server: Server, dataset: str, expected_items: int) -> int:
    """Every page answers; returns how many items the measured search finds."""
    import urllib.request

    with urllib.request.urlopen(server.base_url + "/api/v1/proposals", timeout=30) as response:
        total = json.loads(response.read())["total"]
    if total != expected_items:
        raise lib.BenchError(f"[{dataset}] the API lists {total} items, not {expected_items}")
    for path in PAGES.values():
        with urllib.request.urlopen(server.base_url + path, timeout=60) as response:
            if response.status != 200:
                raise lib.BenchError(f"[{dataset}] {path} answered {response.status}")
    query = PAGES["search"].split("?", 1)[1]
    with urllib.request.urlopen(f"{server.base_url}/api/v1/proposals?{query}", timeout=30) as found:
        return int(json.loads(found.read())["total"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="3 s per measurement")
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.duration = 3
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    lib.preflight()
    lib.OUT.mkdir(parents=True, exist_ok=True)
    lib.clear_portal_settings()
    secret = os.urandom(32).hex()
    workdir = Path(tempfile.mkdtemp(prefix="proposals-", dir=lib.OUT))
    servers = Servers({}, workdir)
    runs: list[dict[str, Any]] = []
    info: dict[str, Any] = {}
    try:
        paths = {"curated": workdir / "curated.sqlite3", "large": workdir / "large.sqlite3"}
        counts = {}
        for name, path in paths.items():
            started = time.perf_counter()
            app = setup_curated(path, secret)
            info[name] = {"setup_s": round(time.perf_counter() - started, 2)}
            if name == "large":
                print(f"[large] generating {args.items:,} items…", flush=True)
                info[name].update(add_large_items(app, args.items))
                print(f"[large] {info[name]}", flush=True)
            with app.app_context():
                from sqlalchemy import func, select

                from portal.db import get_session
                from portal.proposals.models import ProposalItem

                counts[name] = int(
                    get_session().scalar(select(func.count()).select_from(ProposalItem)) or 0
                )
            app.extensions["portal.db"].engine.dispose()
        portals: dict[str, Server] = {}
        uncached: dict[str, Server] = {}  # the same data, no response cache
        for name, path in paths.items():
            servers.env = {**server_env(path, secret), "PORTAL_TODAY": TODAY}
            portals[name] = servers.start(f"portal-{name}", "portal:create_app()", "/healthz")
            servers.env = {**servers.env, "PORTAL_PAGE_CACHE_SIZE": "0"}
            uncached[name] = servers.start(
                f"portal-{name}-uncached", "portal:create_app()", "/healthz"
            )
            info[name]["search_total"] = check(portals[name], name, counts[name])
        print(f"items: curated {counts['curated']:,}, large {counts['large']:,}", flush=True)
        for round_no in range(1, args.rounds + 1):
            for page, page_path in PAGES.items():
                for mode in ("cached", "uncached"):
                    for name in portals:
                        server = portals[name] if mode == "cached" else uncached[name]
                        result = measure(server, page_path, args.duration)
                        runs.append(
                            {
                                "round": round_no,
                                "page": page,
                                "mode": mode,
                                "dataset": name,
                                **asdict(result),
                            }
                        )
                        print(
                            f"[round {round_no}] {page:<6} {mode:<8} {name:<7} {result.rps:>7,.0f} req/s  "
                            f"p99 {result.p99_ms:7.2f} ms  {result.server_cpu_us:>7,.0f} CPU µs/req",
                            flush=True,
                        )
    except lib.BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        servers.stop_all()
        if not args.keep_db:
            shutil.rmtree(workdir, ignore_errors=True)

    rows = []
    for page in PAGES:
        for mode in ("cached", "uncached"):
            rps = {
                name: median(
                    r["rps"]
                    for r in runs
                    if (r["page"], r["mode"], r["dataset"]) == (page, mode, name)
                )
                for name in ("curated", "large")
            }
            p99 = {
                name: median(
                    r["p99_ms"]
                    for r in runs
                    if (r["page"], r["mode"], r["dataset"]) == (page, mode, name)
                )
                for name in ("curated", "large")
            }
            ratio = rps["large"] / rps["curated"]
            rows.append(
                {
                    "page": page,
                    "path": PAGES[page],
                    "mode": mode,
                    "rps": rps,
                    "p99_ms": p99,
                    "ratio": round(ratio, 3),
                    "pass": ratio >= TARGET,
                }
            )
    print()
    print(
        f"{'page':<7} {'mode':<9} {'curated req/s':>14} {'large req/s':>12} {'large÷curated':>14}  {'p99 curated/large ms':>22}"
    )
    for row in rows:
        print(
            f"{row['page']:<7} {row['mode']:<9} {row['rps']['curated']:>14,.0f} {row['rps']['large']:>12,.0f} "
            f"{row['ratio']:>14.3f} {'PASS' if row['pass'] else 'MISS'}  "
            f"{row['p99_ms']['curated']:>9.2f} / {row['p99_ms']['large']:.2f}"
        )
    by_key = {(r["page"], r["mode"]): r for r in rows}
    same_size = round(
        by_key[("search", "uncached")]["rps"]["large"]
        / by_key[("list", "uncached")]["rps"]["curated"],
        3,
    )
    print(
        f"\nsearch matches: curated {info['curated']['search_total']:,}, large "
        f"{info['large']['search_total']:,}. A page of 20 matches against the curated list page "
        f"(also 20 items), both uncached: {same_size:.3f}"
    )
    missed = [r for r in rows if not r["pass"]]
    print(
        f"\ntarget: large ({args.items:,} generated items) ÷ curated req/s ≥ {TARGET}: "
        + ("all met" if not missed else f"{len(missed)} missed")
    )
    OUT.write_text(
        json.dumps(
            {
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "today": TODAY,
                "databases": info,
                "results": rows,
                "uncached_search_large_vs_list_curated": same_size,
                "runs": runs,
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
