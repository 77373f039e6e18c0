"""The ``modelyard`` command."""

from __future__ import annotations

import typer

from modelyard.cli import audit, db, serve, tokens, users, worker

app = typer.Typer(help="modelyard: a self-hosted ML model platform.", no_args_is_help=True)
app.command("serve")(serve.serve)
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.add_typer(worker.app, name="worker")
