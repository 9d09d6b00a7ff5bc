"""The `autofill` command: serve, seed, forms, keys, clients, signing, audit.

Quick to start: the sub-commands' modules import the engine, the forms and the registries
only inside the commands that use them, so `autofill --help` imports little more than Typer.
"""

from __future__ import annotations

from typing import Any

import typer

from autofill.clients_cli import app as clients_app
from autofill.forms_cli import app as forms_app
from autofill.keys_cli import app as keys_app
from autofill.seed_cli import seed_app
from autofill.signing_cli import audit_app, signing_app

# Plain help text: Rich's help panels alone take longer to draw than the rest of `--help`.
app = typer.Typer(
    help="Autofill: prefill for Vietnamese online service forms.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.callback()
def main() -> None:
    """Autofill: prefill for Vietnamese online service forms."""


@app.command("serve")
def serve(host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    """Serve the HTTP API (options override AUTOFILL_HOST, _PORT, _WORKERS)."""
    from autofill.cli_database import shown_url
    from autofill.config import Settings
    from main import serve as serve_app  # the composition root, loaded only to serve

    overrides: dict[str, Any] = {"host": host, "port": port, "workers": workers}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    typer.echo(f"database: {shown_url(settings.database_url)}", err=True)
    serve_app(settings)


# Sub-commands: each feature adds its Typer app here.
app.add_typer(seed_app, name="seed")
app.add_typer(forms_app, name="forms")
app.add_typer(keys_app, name="keys")
app.add_typer(clients_app, name="clients")
app.add_typer(signing_app, name="signing")
app.add_typer(audit_app, name="audit")


def run() -> None:
    """Entry point of the `autofill` console script."""
    app()


if __name__ == "__main__":
    run()
