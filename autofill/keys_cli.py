"""`autofill keys create | list | revoke`: manage API keys against AUTOFILL_DATABASE_URL."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from autofill.cli_database import open_database

if TYPE_CHECKING:
    from autofill.errors import AutofillError

app = typer.Typer(
    help="Create, list and revoke API keys.", no_args_is_help=True, rich_markup_mode=None
)
console = Console()


# Spelt out for `--help`, which must not import the trust package (tests keep it in step).
SCOPE_NAMES = "prefill, registry:read, registry:write, forms:write, audit:read, admin"


def _engine():  # type: ignore[no-untyped-def]
    # A key belongs in the service's database: never create a new one for it.
    return open_database(create=False)[1]


def _fail(exc: AutofillError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc.detail}")
    for problem in exc.problems:
        console.print(f"  {problem.pointer}: {problem.detail}")
    return typer.Exit(code=2)


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="who the key is for")],
    scope: Annotated[list[str], typer.Option(help=f"repeatable; one of {SCOPE_NAMES}")],
    form: Annotated[list[str] | None, typer.Option(help="repeatable; limit to these forms")] = None,
    rate_limit: Annotated[int | None, typer.Option(help="requests per minute")] = None,
) -> None:
    """Create a key and print its secret (shown this once)."""
    from autofill.errors import AutofillError
    from autofill.trust import keys

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
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List keys (never their secrets)."""
    from autofill.trust import keys

    engine = _engine()
    try:
        infos = keys.list_keys(engine, include_revoked=all_)
    finally:
        engine.dispose()
    if as_json:
        rows = [
            {
                "id": i.id,
                "name": i.name,
                "scopes": list(i.scopes),
                "form_ids": None if i.form_ids is None else list(i.form_ids),
                "rate_limit_per_minute": i.rate_limit_per_minute,
                "created_at": i.created_at.isoformat(),
                "revoked_at": None if i.revoked_at is None else i.revoked_at.isoformat(),
            }
            for i in infos
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table()
    # The id is what one copies: never cut (the other columns wrap instead).
    table.add_column("id", no_wrap=True, min_width=max([12, *(len(i.id) for i in infos)]))
    for column in ("name", "scopes", "forms", "limit/min"):
        table.add_column(column, overflow="fold")
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
    from autofill.errors import AutofillError
    from autofill.trust import keys

    engine = _engine()
    try:
        info = keys.revoke_key(engine, key_id)
    except AutofillError as exc:
        raise _fail(exc) from exc
    finally:
        engine.dispose()
    console.print(f"revoked {info.id} ({info.name})", highlight=False)
