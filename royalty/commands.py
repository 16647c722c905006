"""`flask royalty close --period 2026-11`: the month's statements, as head office's button issues them."""
import click
from flask import Flask
from flask.cli import AppGroup

from royalty import service

royalty_cli = AppGroup("royalty", help="Royalty statements.")


@royalty_cli.command("close")
@click.option("--period", required=True, metavar="YYYY-MM", help="The month to close, e.g. 2026-11.")
def close_command(period):
    """Issue the month's statement of every franchise that has none yet (running it again changes nothing)."""
    try:
        result = service.close_month(period)
    except service.RoyaltyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{result.period}: {result.issued} statements issued, {result.already} issued before")


def register(app: Flask) -> None:
    app.cli.add_command(royalty_cli)
