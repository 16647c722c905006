"""`flask demo`: a plausible network at any scale."""
import time

import click
from flask import Flask

from core.audit import set_actor
from demo import builder as demo


@click.command("demo")
@click.option("--workers", default=2000, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--franchises", default=12, show_default=True, type=click.IntRange(1, 1000))
@click.option("--clients", default=40, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--months", default=3, show_default=True, type=click.IntRange(0, 36),
              help="Months of past shifts, ratings and royalty statements.")
@click.option("--seed", default=42, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when demo data is already there.")
def demo_command(workers, franchises, clients, months, seed, if_empty):
    """Generate a plausible network: regions, franchises, users, workers, clients, sites, months of shifts."""
    set_actor(None, label="demo")
    if if_empty and demo.has_demo_data():
        click.echo("Demo data already present.")
        return
    started = time.perf_counter()
    try:
        counts = demo.generate(workers=workers, franchises=franchises, clients=clients, seed=seed, echo=click.echo,
                               months=months)
    except demo.DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    click.echo(f"Demo data in {time.perf_counter() - started:.1f} s: {summary}.")
    click.echo(f"Logins (password {demo.DEMO_PASSWORD}):")
    for email, role, _where in demo.DEMO_USERS:
        click.echo(f"  {role:<11} {email}")


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
