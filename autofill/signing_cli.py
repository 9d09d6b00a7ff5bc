"""`autofill signing list | rotate` and `autofill audit checkpoint | verify`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

# The engine, the keys and the audit modules are imported by the commands that use them,
# so that `autofill --help` stays quick (see autofill/cli.py).
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from autofill.config import Settings
    from autofill.trust.signing import SigningConfig


signing_app = typer.Typer(
    help="The keys answers and checkpoints are signed with.", no_args_is_help=True
)
audit_app = typer.Typer(
    help="The audit log's hash chain and signed checkpoints.", no_args_is_help=True
)
console = Console()
PROGRESS_FROM = 50_000  # entries; a shorter walk needs no bar


def _setup() -> tuple[Settings, Engine, SigningConfig]:
    from autofill.config import load_settings
    from autofill.database import migrate
    from autofill.trust.signing import signing_config
    from registries.database import make_engine

    settings = load_settings()
    config = signing_config(settings)
    if config is None:
        console.print(
            "[red]error:[/red] no signing key is configured: set AUTOFILL_SIGNING_KEYS_DIR, "
            "AUTOFILL_SIGNING_KEY_FILE or AUTOFILL_SIGNING_KEY"
        )
        raise typer.Exit(code=2)
    engine = make_engine(settings.database_url)
    migrate(engine)
    return settings, engine, config


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


@signing_app.command("list")
def list_() -> None:
    """List the public keys: the current one, those still published (retired, until the
    time shown), those retired and no longer published."""
    from rich.table import Table

    from autofill.config import load_settings
    from autofill.database import migrate
    from autofill.trust import signing_keys
    from registries.database import make_engine

    settings = load_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    try:
        keys = signing_keys.list_keys(engine)
        current = signing_keys.current_kid(engine)
    finally:
        engine.dispose()
    now = dt.datetime.now(dt.UTC)
    table = Table()
    table.add_column("kid", overflow="fold", min_width=22)  # 43 characters: folded if need be
    table.add_column("status", no_wrap=True, min_width=9)
    for column in ("created", "published until"):
        table.add_column(column, no_wrap=True, min_width=16)
    for key in keys:
        status = (
            "current" if key.kid == current else "published" if key.published(now) else "retired"
        )
        until = "" if key.kid == current else _when(key.not_after)
        table.add_row(key.kid, status, _when(key.created_at), until)
    console.print(table)


@signing_app.command("rotate")
def rotate(
    pem: Annotated[
        Path | None,
        typer.Option(
            help="a P-256 private key (PEM) the servers already hold; default: "
            "generate one into the key directory"
        ),
    ] = None,
) -> None:
    """Sign with a new key from now on; running servers follow within seconds, and the
    old key stays published until what it signed has expired."""
    from autofill.trust import signing_keys
    from autofill.trust.signing import new_key
    from autofill.trust.signing_keys import SigningKeyError

    _, engine, config = _setup()
    try:
        if pem is None:
            key = new_key(config)
        else:
            (key, *_) = signing_keys.parse_private_keys(pem.read_text())
        info = signing_keys.make_current(engine, key, publish_seconds=config.publish_seconds)
    except (SigningKeyError, OSError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    finally:
        engine.dispose()
    console.print(f"now signing with {info.kid}", highlight=False, soft_wrap=True)


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Sign a checkpoint of the audit chain's head now."""
    from autofill.trust.checkpoints import checkpoint_now, list_checkpoints
    from autofill.trust.signing import open_signer
    from autofill.trust.signing_keys import SigningKeyError

    _, engine, config = _setup()
    try:
        signer = open_signer(config, engine)
        written = checkpoint_now(engine, signer)
        newest = list_checkpoints(engine, limit=1)
    except SigningKeyError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    finally:
        engine.dispose()
    if written is not None:
        console.print(
            f"checkpoint {written.number}: entry {written.position}, "
            f"{written.entry_count} entries, signed by {written.kid}",
            highlight=False,
            soft_wrap=True,
        )
    elif newest:
        console.print(f"checkpoint {newest[0].number} already covers entry {newest[0].position}")


@audit_app.command("verify")
def verify(
    database: Annotated[
        str | None,
        typer.Option(
            help="a database URL or SQLite file (a copy will do); default: AUTOFILL_DATABASE_URL"
        ),
    ] = None,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            help="checkpoints exported elsewhere: pages of GET /v1/audit/checkpoints (JSON) "
            "or one JWS a line; held against the log like its own"
        ),
    ] = None,
) -> None:
    """Walk the hash chain and the checkpoints; exit 1 naming what was changed, removed,
    inserted or cut off, 0 when nothing was."""
    from sqlalchemy import inspect

    from autofill.config import load_settings
    from registries.database import make_engine

    url = database if database and "://" in database else None
    if database and url is None:
        url = f"sqlite:///{Path(database).resolve()}"
        if not Path(database).is_file():
            console.print(f"[red]error:[/red] no such file: {database}")
            raise typer.Exit(code=2)
    engine = make_engine(url or load_settings().database_url)
    try:
        if not inspect(engine).has_table("audit_chain_head"):
            console.print("[red]error:[/red] this database has no audit chain (not migrated?)")
            raise typer.Exit(code=2)
        report = _walk(engine, _exported(checkpoints) if checkpoints else [])
    finally:
        engine.dispose()
    for finding in report.findings:
        console.print(
            f"[red]{finding.kind}[/red]: {finding.detail}", highlight=False, soft_wrap=True
        )
    covered = (
        "no checkpoint"
        if report.covered_to is None
        else f"checkpoints to entry {report.covered_to}"
    )
    summary = f"{report.entries} entries, {report.checkpoints} checkpoints ({covered})"
    if report.ok:
        console.print(f"[green]intact[/green]: {summary}", highlight=False)
        return
    console.print(f"[red]TAMPERED[/red]: {summary}", highlight=False)
    raise typer.Exit(code=1)


def _exported(path: Path) -> list[str]:
    """JWS from a file of exported checkpoints (API pages, JSON lines, or bare tokens)."""
    import orjson

    try:
        text = path.read_text()
    except OSError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    tokens: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            tokens.append(line)
            continue
        items = doc.get("items", [doc]) if isinstance(doc, dict) else doc
        tokens.extend(i["jws"] if isinstance(i, dict) else str(i) for i in items)
    return tokens


def _walk(engine: Engine, exported: list[str]):  # type: ignore[no-untyped-def]
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from autofill.trust.audit_verify import count_entries, verify_log

    total = count_entries(engine)
    if total < PROGRESS_FROM:
        return verify_log(engine, exported=exported)
    columns = (
        TextColumn("verifying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("entries", total=total)
        return verify_log(engine, exported=exported, progress=lambda n: progress.advance(task, n))
