"""``crmhub`` command line: the same pipeline as the Airflow DAG, plus matching alone and the demo systems."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmhub.demo_part import DemoPartMissing, demo_module
from hub.db import SchemaOutOfDateError
from schemas import ConfigError, load_config

if TYPE_CHECKING:
    from hub.store import HubStore


def _store(args: argparse.Namespace, *, upgrade: bool = False) -> HubStore:
    from hub.store import HubStore

    return HubStore(load_config(args.config).database_url, upgrade=upgrade)


def cmd_sync(args: argparse.Namespace) -> int:
    from crmhub.summary import format_run_summary
    from hub.erasure_queue import ErasureQueue
    from hub.parked_pushes import ParkedPushes
    from hub.pipeline import SyncPipeline
    from hub.push_preflight import PushConfigError
    from hub.sync_lock import SyncAlreadyRunning

    config = load_config(args.config)
    pipeline = SyncPipeline(config)
    try:
        summary = pipeline.run(
            run_id=args.run_id,
            full_refresh=args.full_refresh,
            rematch_all=args.rematch_all,
            wait_seconds=args.wait,
        )
    except SyncAlreadyRunning as exc:
        print(f"crmhub sync: {exc}", file=sys.stderr)
        return 3
    except PushConfigError as exc:  # a push field the target cannot take: stop before any work
        print(f"crmhub sync: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2, default=str))
    else:
        store = pipeline.store
        waiting = ErasureQueue(store).waiting()
        print(
            format_run_summary(
                store.runlog.run_steps(summary.run_id),
                store.runlog.counts(),
                waiting,
                ParkedPushes(store).list(),
            )
        )
    problems = summary.problems()
    for problem in problems:
        print(f"FAILED {problem}", file=sys.stderr)
    return 1 if problems else 0


def cmd_summary(args: argparse.Namespace) -> int:
    from crmhub.summary import format_run_summary
    from hub.erasure_queue import ErasureQueue
    from hub.parked_pushes import ParkedPushes

    store = _store(args)
    print(
        format_run_summary(
            store.runlog.run_steps(args.run_id),
            store.runlog.counts(),
            ErasureQueue(store).waiting(),
            ParkedPushes(store).list(),
        )
    )
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from crmhub.explain import format_explanation
    from matching import match_frame, read_flat_csv
    from schemas import MatchingConfig

    matching = load_config(args.config).matching if args.config else MatchingConfig()
    if args.match_threshold or args.review_threshold:
        matching = MatchingConfig(
            match_threshold=args.match_threshold or matching.match_threshold,
            review_threshold=args.review_threshold or matching.review_threshold,
        )
    result = match_frame(read_flat_csv(args.input), config=matching)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.write(out)
    stats = result.stats
    print(
        f"{stats.get('records')} records, {stats.get('candidate_pairs')} candidate pairs, "
        f"decisions {stats.get('pairs_by_decision')}, {result.clusters['cluster_id'].n_unique()} clusters"
    )
    print(f"wrote {out / 'clusters.csv'} and {out / 'pairs.csv'}")
    if args.explain:
        print(format_explanation(result, args.explain))
    return 0


def cmd_sources_serve(args: argparse.Namespace) -> int:
    run = demo_module("run")
    DEFAULT_PORTS, start_local_sources = run.DEFAULT_PORTS, run.start_local_sources

    data_dir = Path(args.data_dir)
    ports = dict(DEFAULT_PORTS)
    if args.erp_port:
        ports["erp"] = args.erp_port
    if args.webshop_port:
        ports["webshop"] = args.webshop_port
    local = start_local_sources(
        data_dir,
        records=args.records,
        seed=args.seed,
        ports=ports,
        host=args.host,
        public_host=args.public_host,
        extra=args.all,
        processes=True,  # each system its own interpreter, as real ones are
        latency=args.latency_ms / 1000,
    )
    tryton = _start_tryton(data_dir / "tryton") if args.tryton else None
    if tryton is not None:
        local.connections["crmhub_tryton"] = tryton.connection()
    env_file = data_dir / "connections.env"
    local.write_env_file(env_file)
    for name, server in local.servers.items():
        print(f"{name:<10} serving on {server.url}")
    if tryton is not None:
        print(f"{'tryton':<10} serving on {tryton.url} (Tryton 7.0 LTS, database crm)")
    print(f"connections for Airflow written to {env_file} (source it: . {env_file})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    local.stop()
    if tryton is not None:
        tryton.stop()
    return 0


def _start_tryton(data_dir: Path) -> Any:  # sources.tryton.TrytonServer (the demo part)
    """The real Tryton ERP (``sources.tryton``), seeded with ``parties.json`` on its first start."""
    tryton = demo_module("tryton")
    PARTIES, TrytonServer = tryton.PARTIES, tryton.TrytonServer

    server = TrytonServer(data_dir).start()
    if server.created:
        server.seed(json.loads(PARTIES.read_text(encoding="utf-8")))
    return server


def cmd_sources_show(args: argparse.Namespace) -> int:
    system_class = demo_module("run").system_class

    system = system_class(args.system)(Path(args.data_dir) / args.system)
    record = system.inspect(args.source_id)
    print(json.dumps(record, indent=2, ensure_ascii=False, default=str))
    return 0 if record is not None else 1


def cmd_demo_evidence(args: argparse.Namespace) -> int:
    from crmhub.demo import pushback_evidence

    print(pushback_evidence(_store(args), Path(args.data_dir)))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from hub.analytics import build_report, format_report

    report = build_report(_store(args), period=args.period)
    if args.json:
        print(json.dumps(asdict(report), indent=2, default=str, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    """Forget the person in the hub, then erase them at every source right away (the publish step
    retries whatever is left). Exit code 3: erased in the hub, but some source still holds them."""
    from crmhub.summary import format_erasures
    from hub.erasure import erase_person
    from hub.erasure_queue import ErasureQueue
    from hub.pipeline import SyncPipeline
    from hub.source_erasure import carry_out_everywhere

    pipeline = SyncPipeline(load_config(args.config))
    report = erase_person(pipeline.store, args.golden_id, actor=args.actor, reason=args.reason)
    records = report.source_records + report.quarantined_records
    print(
        f"erased golden records {', '.join(report.golden_ids)} and {len(records)} source records from the hub"
    )
    if report.storage is not None:
        print(f"store: {report.storage.detail}")
    queue = ErasureQueue(pipeline.store)
    if not args.queue_only:
        outcome = carry_out_everywhere(queue, pipeline.config.enabled_sources, pipeline.connector)
        for name, stats in outcome.items():
            print(f"  {name:<12} {format_erasures(stats)}")
    waiting = [w for w in queue.waiting() if w.key in set(records)]
    if waiting:
        print(f"{len(waiting)} erasure(s) PENDING at the sources (retried by every publish step):")
        for item in waiting:
            print(f"  {item.key}: {item.status}: {item.reason}")
        return 3
    print("erased at every source")
    return 0


def cmd_erasures(args: argparse.Namespace) -> int:
    """List erasures still waiting at a source, or record that a person carried one out by hand."""
    from hub.erasure_queue import ErasureQueue
    from schemas import RecordKey

    queue = ErasureQueue(_store(args))
    if args.done:
        system, _, source_id = args.done.partition(":")
        if not (source_id and args.actor):
            print("crmhub erasures --done needs SYSTEM:ID and --actor", file=sys.stderr)
            return 2
        if not queue.confirm(RecordKey(system, source_id), args.actor, args.note):
            print(f"no erasure of {args.done}", file=sys.stderr)
            return 1
        print(f"{args.done}: erasure recorded as carried out by {args.actor}")
        return 0
    waiting = queue.waiting()
    for item in waiting:
        print(f"{item.erased_at:%Y-%m-%d %H:%M} {str(item.key):<24} {item.status:<11} {item.reason}")
    print(f"{len(waiting)} erasure(s) pending at the sources" if waiting else "no erasure is pending")
    return 0


def cmd_db_compact(args: argparse.Namespace) -> int:
    from hub.erasure import TOUCHED_TABLES
    from hub.storage_compaction import compact_storage

    report = compact_storage(_store(args).engine, TOUCHED_TABLES, full=args.full)
    print(report.detail)
    return 0 if report.done else 1


def cmd_changes(args: argparse.Namespace) -> int:
    for event in _store(args).outbox.changes_since(args.since, limit=args.limit):
        related = f" ({event['related_id']})" if event["related_id"] else ""
        when = f"{event['at']:%Y-%m-%d %H:%M:%S}"
        print(f"{event['seq']:>8} {when} {event['change']:<7} {event['golden_id']}{related}")
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    for row in _store(args).staging.quarantine(args.source):
        print(f"{row.source_system}:{row.source_id or '?'}  {row.reason}")
    return 0


def cmd_parked(args: argparse.Namespace) -> int:
    from hub.parked_pushes import ParkedPushes

    for push in ParkedPushes(_store(args)).list(args.source):
        print(f"{push.source_system}:{push.source_id}  golden {push.golden_id}  {push.reason}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    _store(args, upgrade=True).close()  # the one place the CLI migrates (see README: schema upgrades)
    print("hub store is at the latest schema revision")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from crmhub.local_secrets import InsecureSecretError
    from webapp.standalone import serve

    try:
        serve(load_config(args.config), host=args.host, port=args.port)
    except InsecureSecretError as refused:
        print(f"crmhub serve: refusing to start: {refused}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmhub", description=__doc__)
    parser.add_argument("--config", help="YAML configuration (default: $CRMHUB_CONFIG or config/crmhub.yaml)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sync", help="pull every source, match, merge and push back (no Airflow needed)")
    p.add_argument(
        "--full-refresh", action="store_true", help="ignore the stored cursors and pull everything"
    )
    p.add_argument(
        "--rematch-all",
        action="store_true",
        help="retrain the matching model and re-match every record (default: only what changed)",
    )
    p.add_argument("--run-id", help="name of this run in the run log")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="when another sync is running, wait this long for it (default: exit 3 at once)",
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("summary", help="what the last (or a given) sync run did")
    p.add_argument("--run-id")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("match", help="match a flat CSV file alone and write clusters.csv and pairs.csv")
    p.add_argument("input", help="UTF-8 CSV: source_system,source_id,record_type,given_name,...")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--match-threshold", type=float)
    p.add_argument("--review-threshold", type=float)
    p.add_argument("--explain", type=int, default=0, metavar="N", help="print the explanation of N pairs")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser(
        "report", help="analytical CRM: source overlap, new customers, retention, lifetime value"
    )
    p.add_argument("--period", choices=["month", "quarter", "year"], default="quarter")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "erase", help="erase a person on request (GDPR art. 17) in the hub and at every source"
    )
    p.add_argument("golden_id")
    p.add_argument("--actor", required=True, help="who asked / carried it out (kept in the audit log)")
    p.add_argument("--reason", default="GDPR art. 17 request", help="kept in the audit log: no personal data")
    p.add_argument(
        "--queue-only",
        action="store_true",
        help="only queue the deletes to the sources (the next publish step carries them out)",
    )
    p.set_defaults(func=cmd_erase)

    p = sub.add_parser("erasures", help="erasures still pending at a source, and why")
    p.add_argument("--done", metavar="SYSTEM:ID", help="record that a person erased this record by hand")
    p.add_argument("--actor", help="who carried it out (with --done)")
    p.add_argument("--note", default="erased by hand in the system", help="how (with --done)")
    p.set_defaults(func=cmd_erasures)

    p = sub.add_parser("db-compact", help="rewrite the store's files so no deleted value lingers")
    p.add_argument("--full", action="store_true", help="PostgreSQL: VACUUM FULL (locks each table)")
    p.set_defaults(func=cmd_db_compact)

    p = sub.add_parser("changes", help="the golden-record change feed (outbox) after a sequence number")
    p.add_argument("--since", type=int, default=0)
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=cmd_changes)

    p = sub.add_parser("quarantine", help="list quarantined source rows and why")
    p.add_argument("--source")
    p.set_defaults(func=cmd_quarantine)

    p = sub.add_parser("parked", help="list values left out of pushes because a source cannot hold them")
    p.add_argument("--source")
    p.set_defaults(func=cmd_parked)

    p = sub.add_parser("demo-evidence", help="show one merged customer read back from every local system")
    p.add_argument("--data-dir", default="var/sources")
    p.set_defaults(func=cmd_demo_evidence)

    p = sub.add_parser("serve", help="serve the steward workbench and golden-record API")
    p.add_argument("--host", default="127.0.0.1", help="default loopback only; 0.0.0.0 behind a TLS proxy")
    p.add_argument("--port", type=int, default=8600)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db-upgrade", help="migrate the hub store to the latest schema")
    p.set_defaults(func=cmd_db_upgrade)

    sources = sub.add_parser("sources", help="the local demo source systems").add_subparsers(
        dest="sources_command", required=True
    )
    p = sources.add_parser("serve", help="seed and serve the local ERP, web shop, legacy DB and CSV export")
    p.add_argument("--data-dir", default="var/sources")
    p.add_argument("--records", type=int, default=400)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--erp-port", type=int)
    p.add_argument("--webshop-port", type=int)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    p.add_argument("--public-host", help="host name the connectors use (default: the bound address)")
    p.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="each HTTP answer waits this long, as across a WAN (default: none, loopback speed)",
    )
    p.add_argument(
        "--tryton",
        action="store_true",
        help="also a real Tryton 7.0 ERP (needs .venv-tryton: scripts/tryton-venv.sh)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="also Salesforce, SuiteCRM, vTiger, Odoo and Shopify (config/crmhub-all.yaml)",
    )
    p.set_defaults(func=cmd_sources_serve)
    p = sources.add_parser("show", help="read one record back from a local source system")
    p.add_argument(
        "system",
        choices=[
            "erp",
            "webshop",
            "legacy_db",
            "legacy_csv",
            "salesforce",
            "suitecrm",
            "vtiger",
            "odoo",
            "shopify",
        ],
    )
    p.add_argument("source_id")
    p.add_argument("--data-dir", default="var/sources")
    p.set_defaults(func=cmd_sources_show)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:  # a typo in the YAML: say which, without a traceback, before any work
        print(f"crmhub: {exc}", file=sys.stderr)
        return 2
    except (SchemaOutOfDateError, DemoPartMissing) as exc:  # needs `crmhub db-upgrade` / the demo part
        print(f"crmhub: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
