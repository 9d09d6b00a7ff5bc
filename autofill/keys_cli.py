"""`autofill keys create | list | revoke`: manage API keys against AUTOFILL_DATABASE_URL."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from autofill.config import Settings
from autofill.database import migrate
from autofill.errors import AutofillError
from autofill.trust import keys
from registries.database import make_engine

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
console = Console()


def _engine():  # type: ignore[no-untyped-def]
    engine = make_engine(Settings().database_url)
    migrate(engine)
    return engine


def _fail(exc: AutofillError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc.detail}")
    for problem in exc.problems:
        console.print(f"  {problem.pointer}: {problem.detail}")
    return typer.Exit(code=2)


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="who the key is for")],
    scope: Annotated[list[str], typer.Option(help=f"repeatable; one of {', '.join(keys.SCOPES)}")],
    form: Annotated[list[str] | None, typer.Option(help="repeatable; limit to these forms")] = None,
    rate_limit: Annotated[int | None, typer.Option(help="requests per minute")] = None,
) -> None:
    """Create a key and print its secret (shown this once)."""
    engine = _engine()
    try:
        info, secret = keys.create_key(
            engine, name=name, scopes=scope, form_ids=form or None, rate_limit_per_minute=rate_limit
        )
    except AutofillError as exc:
        raise _fail(exc) from exc
    finally:
        engine.dispose()
    console.print(f"key id {info.id}  scopes {' '.join(info.scopes)}", highlight=False)
    if info.form_ids is not None:
        console.print(f"forms {' '.join(info.form_ids)}", highlight=False)
    console.print("secret (store it now, it is not shown again):")
    typer.echo(secret)


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="include revoked keys")] = False,
) -> None:
    """List keys (never their secrets)."""
    engine = _engine()
    try:
        infos = keys.list_keys(engine, include_revoked=all_)
    finally:
        engine.dispose()
    table = Table()
    table.add_column("id", no_wrap=True, min_width=12)
    for column in ("name", "scopes", "forms", "limit/min"):
        table.add_column(column)
    table.add_column("created", no_wrap=True)
    table.add_column("revoked", no_wrap=True)
    for i in infos:
        table.add_row(
            i.id,
            i.name,
            " ".join(i.scopes),
            "all" if i.form_ids is None else " ".join(i.form_ids),
            "default" if i.rate_limit_per_minute is None else str(i.rate_limit_per_minute),
            i.created_at.strftime("%Y-%m-%d"),
            "" if i.revoked_at is None else i.revoked_at.strftime("%Y-%m-%d"),
        )
    console.print(table)


@app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="the key's id (see `list`)")]) -> None:
    """Revoke a key; running workers stop accepting it within key_cache_seconds."""
    engine = _engine()
    try:
        info = keys.revoke_key(engine, key_id)
    except AutofillError as exc:
        raise _fail(exc) from exc
    finally:
        engine.dispose()
    console.print(f"revoked {info.id} ({info.name})", highlight=False)
