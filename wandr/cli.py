"""The `wandr` command line: run the local stack, upload like a tenant, follow the pipeline.

wandr up            start the local stack (prints URLs and the demo login), serve until Ctrl-C
wandr down          stop the stack that `wandr up` started
wandr upload FILE   presigned upload through the API, multipart above 64 MB, progress bar
wandr status        uploads and workflow executions with their state and error
wandr sql "SELECT"  Athena (Trino) SQL over the lake, run locally on DuckDB
wandr corsight pull pull new events from a tenant's Corsight server
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from wandr.client import ApiError, WandrClient, kind_for
from wandr.resources import Resources

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Wandr: visitor analytics for malls and facilities.",
)
corsight_app = typer.Typer(no_args_is_help=True, help="Corsight API pulls.")
app.add_typer(corsight_app, name="corsight")
console = Console()

DEMO_ROWS = 60_000
DEMO_INSIGHTS = 3_000


def _state() -> dict[str, Any]:
    from wandr.localstack.stack import read_state

    try:
        return read_state()
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _use_stack_environment(state: dict[str, Any]) -> None:
    """Point boto3 (and everything built on it) at the running local stack."""
    from wandr.localstack.stack import point_at

    point_at(state["endpoint_url"], Resources())


def _client(state: dict[str, Any], user: str | None, password: str | None) -> WandrClient:
    users = state.get("identities", {}).get("users", [])
    default = next((u for u in users if u.get("role") == "admin"), users[0] if users else {})
    client = WandrClient(state["api_url"])
    client.login(user or default["username"], password or default["password"])
    return client


def _print_login(state: dict[str, Any]) -> None:
    table = Table(title="Demo logins", show_lines=False)
    for column in ("username", "password", "tenant", "role"):
        table.add_column(column)
    for user in state.get("identities", {}).get("users", []):
        table.add_row(user["username"], user["password"], user["tenant"], user["role"])
    console.print(table)


@app.command()
def up(
    demo: Annotated[bool, typer.Option(help="load the generated 30-day demo data")] = True,
    port: Annotated[int, typer.Option(help="HTTP port for the API and dashboard")] = 8080,
    moto_port: Annotated[int, typer.Option(help="port of the moto server")] = 5055,
    rows: Annotated[int, typer.Option(help="demo camera events to generate")] = DEMO_ROWS,
    corsight_fake: Annotated[
        bool, typer.Option(help="also serve a fake Corsight API for the demo tenant's pulls")
    ] = False,
) -> None:
    """Start the local stack, print its URLs and the demo login, serve until Ctrl-C."""
    from wandr.localstack.stack import LocalStack

    # The handlers' structured INFO logs are for CloudWatch; on a terminal they bury the URLs.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    stack = LocalStack(moto_port=moto_port, http_port=port)
    with console.status("starting the local stack (moto, workflows, API)..."):
        stack.start()
    state = stack.describe()
    console.print(f"[green]Wandr local stack is up[/green] (pid {state['pid']})")
    console.print(f"  dashboard  {state['dashboard_url']}")
    console.print(f"  API        {state['api_url']}  (OpenAPI: {state['api_url']}/openapi.json)")
    console.print(f"  AWS (moto) {state['endpoint_url']}")
    _print_login(state)
    fake = _start_fake_corsight() if corsight_fake else None
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        if demo:
            _load_demo(state, rows)
            console.print(f"[green]demo data loaded[/green]: open {state['dashboard_url']}")
        console.print("serving; Ctrl-C (or `wandr down`) stops")
        while not stopped.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if fake:
            fake.stop()
        stack.stop()
        console.print("local stack stopped")


def _start_fake_corsight() -> Any:
    """A fake Corsight server with seeded events, registered as the demo tenant's source."""
    from wandr.corsight import fake_server
    from wandr.corsight.pull import save_settings

    fake = fake_server.start(2_000, seed=7)
    save_settings("demo", fake.secret())
    console.print(f"  Corsight (fake) {fake.url}  pull: `wandr corsight pull --tenant demo`")
    return fake


def _load_demo(state: dict[str, Any], rows: int) -> None:
    from wandr import demo_data

    client = _client(state, None, None)
    folder = Path(tempfile.mkdtemp(prefix="wandr-demo-"))
    with console.status(f"generating {rows:,} demo camera events..."):
        csv_path = demo_data.write_events_csv(folder / "demo-camera-events.csv", rows, seed=7)
        json_path = demo_data.write_insight_json(
            folder / "demo-insight.json", DEMO_INSIGHTS, seed=7
        )
    for path in (csv_path, json_path):
        upload = _upload_with_progress(client, Path(path), None)
        final = client.wait(upload["upload_id"], timeout=600)
        _print_upload_outcome(final)


def _upload_with_progress(client: WandrClient, path: Path, kind: str | None) -> dict[str, Any]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(path.name, total=path.stat().st_size)
        return client.upload(
            path,
            kind or kind_for(path),  # type: ignore[arg-type]
            progress=lambda n: progress.advance(task, n),
        )


def _print_upload_outcome(upload: dict[str, Any]) -> None:
    colour = {"succeeded": "green", "failed": "red"}.get(upload["status"], "yellow")
    console.print(
        f"[{colour}]{upload['status']}[/{colour}] {upload['filename']} "
        f"({upload['upload_id']})" + (f": {upload['error']}" if upload["error"] else "")
    )
    report = upload.get("report") or {}
    counts = {k: v for k, v in report.items() if isinstance(v, int | float)}
    if counts:
        console.print("  " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@app.command()
def down() -> None:
    """Stop the local stack that `wandr up` started."""
    state = _state()
    try:
        os.kill(int(state["pid"]), signal.SIGTERM)
    except ProcessLookupError:
        console.print("the local stack was not running")
        return
    console.print(f"stopping the local stack (pid {state['pid']})")


@app.command()
def upload(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[str | None, typer.Option(help="csv | insight | video")] = None,
    wait: Annotated[bool, typer.Option(help="wait for processing to finish")] = True,
    user: Annotated[str | None, typer.Option(help="username (default: demo admin)")] = None,
    password: Annotated[str | None, typer.Option(help="password")] = None,
) -> None:
    """Upload files through presigned URLs exactly as a tenant's browser does."""
    state = _state()
    client = _client(state, user, password)
    failed = False
    for path in files:
        try:
            record = _upload_with_progress(client, path, kind)
        except (ApiError, ValueError) as exc:
            console.print(f"[red]{path.name}: {exc}[/red]")
            failed = True
            continue
        if wait:
            record = client.wait(record["upload_id"], timeout=1800)
        _print_upload_outcome(record)
        failed = failed or record["status"] == "failed"
    raise typer.Exit(1 if failed else 0)


@app.command()
def status(
    limit: Annotated[int, typer.Option(help="how many uploads and executions")] = 20,
    user: Annotated[str | None, typer.Option()] = None,
    password: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Uploads (through the API) and workflow executions (Step Functions API)."""
    state = _state()
    client = _client(state, user, password)
    uploads = Table(title="Uploads")
    for column in ("upload", "file", "kind", "status", "updated", "error"):
        uploads.add_column(column, overflow="fold")
    for item in client.list_uploads(limit):
        uploads.add_row(
            item["upload_id"],
            item["filename"],
            item["kind"],
            item["status"],
            item.get("updated_at") or "",
            item.get("error") or "",
        )
    console.print(uploads)
    _use_stack_environment(state)
    from wandr import aws

    sfn = aws.client("stepfunctions")
    resources = Resources()
    executions = Table(title="Workflow executions")
    for column in ("workflow", "execution", "status", "started", "error"):
        executions.add_column(column, overflow="fold")
    for name in (resources.ingest_state_machine, resources.vision_state_machine):
        arn = resources.state_machine_arn(name)
        for execution in sfn.list_executions(stateMachineArn=arn, maxResults=limit)["executions"]:
            detail = sfn.describe_execution(executionArn=execution["executionArn"])
            error = " ".join(filter(None, (detail.get("error"), detail.get("cause"))))
            executions.add_row(
                name,
                execution["name"][:24],
                execution["status"],
                str(execution["startDate"])[:19],
                error,
            )
    console.print(executions)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="Athena (Trino) SQL")],
    lake: Annotated[
        str | None, typer.Option(help="a local lake folder instead of the running stack's")
    ] = None,
) -> None:
    """Run analysts' Athena SQL locally: sqlglot transpiles it, DuckDB runs it on the lake."""
    from wandr import sql as lake_sql
    from wandr.lake import Lake

    if lake is None:
        _use_stack_environment(_state())
        target = Lake.s3(Resources().lake_bucket)
    else:
        target = Lake.local(lake)
    started = time.perf_counter()
    columns, rows = lake_sql.run(query, target)
    table = Table(show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    console.print(f"{len(rows)} rows in {time.perf_counter() - started:.2f} s")


@corsight_app.command("pull")
def corsight_pull(
    tenant: Annotated[str, typer.Option(help="the tenant whose Corsight server to pull")],
) -> None:
    """Pull new events from the tenant's Corsight server into the raw bucket now."""
    from wandr.corsight import pull

    _use_stack_environment(_state())
    result = pull.run_pull(tenant)
    console.print(result)


if __name__ == "__main__":
    app()
