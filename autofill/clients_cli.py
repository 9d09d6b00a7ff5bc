"""`autofill clients create | list | revoke`: manage the OAuth clients (portals) that may
ask citizens' consent, against AUTOFILL_DATABASE_URL."""

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
    help="Register, list and revoke OAuth clients (portals).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
console = Console()


def _engine():  # type: ignore[no-untyped-def]
    # A client belongs in the service's database: never create a new one for it.
    return open_database(create=False)[1]


def _fail(exc: AutofillError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc.detail}")
    for problem in exc.problems:
        console.print(f"  {problem.pointer}: {problem.detail}")
    return typer.Exit(code=2)


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="the portal's name, shown on the consent page")],
    redirect_uri: Annotated[list[str], typer.Option(help="repeatable; matched exactly")],
    form: Annotated[list[str] | None, typer.Option(help="repeatable; limit to these forms")] = None,
) -> None:
    """Register a client and print its secret (shown this once)."""
    from autofill.consent import clients
    from autofill.errors import AutofillError

    engine = _engine()
    try:
        info, secret = clients.create_client(
            engine, name=name, redirect_uris=redirect_uri, form_ids=form or None
        )
    except AutofillError as exc:
        raise _fail(exc) from exc
    finally:
        engine.dispose()
    console.print(f"client id {info.client_id}", highlight=False)
    console.print("client secret (store it now, it is not shown again):")
    typer.echo(secret)


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="include revoked clients")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List clients (never their secrets)."""
    from autofill.consent import clients

    engine = _engine()
    try:
        infos = clients.list_clients(engine, include_revoked=all_)
    finally:
        engine.dispose()
    if as_json:
        rows = [
            {
                "client_id": i.client_id,
                "name": i.name,
                "redirect_uris": i.redirect_uris,
                "form_ids": i.form_ids,
                "created_at": i.created_at.isoformat(),
                "revoked_at": None if i.revoked_at is None else i.revoked_at.isoformat(),
            }
            for i in infos
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table()
    table.add_column("client id", no_wrap=True, min_width=16)
    for column in ("name", "redirect URIs", "forms"):
        table.add_column(column, overflow="fold")
    table.add_column("created", no_wrap=True)
    table.add_column("revoked", no_wrap=True)
    for i in infos:
        table.add_row(
            i.client_id,
            i.name,
            " ".join(i.redirect_uris),
            "all" if i.form_ids is None else " ".join(i.form_ids),
            i.created_at.strftime("%Y-%m-%d"),
            "" if i.revoked_at is None else i.revoked_at.strftime("%Y-%m-%d"),
        )
    console.print(table)


@app.command("revoke")
def revoke(client_id: Annotated[str, typer.Argument(help="the client id (see `list`)")]) -> None:
    """Revoke a client; its access tokens stop working at once."""
    from autofill.consent import clients
    from autofill.errors import AutofillError

    engine = _engine()
    try:
        info = clients.revoke_client(engine, client_id)
    except AutofillError as exc:
        raise _fail(exc) from exc
    finally:
        engine.dispose()
    console.print(f"revoked {info.client_id} ({info.name})", highlight=False)
