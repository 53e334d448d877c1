"""`shopscribe` command line. Names follow DESIGN.md's CLI contract.

Every subcommand builds one Settings object (SHOPSCRIBE_* env, then flags) and passes it
down; nothing reads the environment after that.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from foundation.settings import DEFAULT_PORT
from shopscribe.options import Backend, Bootstrap, Json, Model, build_settings
from shopscribe.options import embedded as _embedded

app = typer.Typer(
    help="Streaming product copy: Kafka events in, validated descriptions and review summaries out.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)

# -- the parts -------------------------------------------------------------------------
@app.command()
def broker(port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = DEFAULT_PORT,
           storage: Annotated[str, typer.Option(help="memory://tansu/ or s3://bucket/ (needs AWS_* env)")] = "memory://tansu/") -> None:
    """Run the embedded Kafka-protocol broker (Tansu) on 127.0.0.1 and create the topics."""
    from shopscribe.broker import BrokerError, EmbeddedBroker, ensure_topics
    from shopscribe.stack import StopSignals

    settings = build_settings(bootstrap=f"127.0.0.1:{port}")
    try:
        with EmbeddedBroker(port, storage=storage) as embedded:
            created = ensure_topics(settings.kafka, settings.topics)
            with StopSignals() as stop:
                typer.echo(json.dumps({"bootstrap": embedded.bootstrap, "topics_created": created}))
                stop.wait(embedded.check_alive)  # SIGINT or SIGTERM: leave the blocks, stop the broker
    except BrokerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def streams(bootstrap: Bootstrap = None) -> None:
    """Run the Faust streams process (validate, dedupe, debounce, micro-batch)."""
    from streams.service import run_streams

    run_streams(build_settings(bootstrap))


@app.command()
def worker(bootstrap: Bootstrap = None, backend: Backend = None, model: Model = None) -> None:
    """Run the generation worker (consumes generation.requests, publishes results)."""
    from foundation.metrics import Metrics
    from workers.backends import load_backend
    from workers.handler import HandlerConfig, RequestHandler
    from workers.worker import GenerationWorker

    settings = build_settings(bootstrap, backend, model)
    metrics = Metrics("worker")
    server = metrics.serve(settings.worker.metrics_port)  # /metrics while the model loads; /ready 503 until assigned
    generation = load_backend(settings.worker)
    handler = RequestHandler(generation, metrics, HandlerConfig.from_settings(settings.worker))
    loop = GenerationWorker(settings, handler, metrics)
    if server:
        server.ready_when(lambda: loop.ready.is_set() and not loop.stopping.is_set())
    loop.install_signal_handlers()
    try:
        loop.run(ready_file=settings.worker.ready_file)
    finally:
        generation.close()


@app.command()
def up(bootstrap: Bootstrap = None, backend: Backend = None, model: Model = None) -> None:
    """Embedded broker (unless --bootstrap) + streams + worker in the foreground; Ctrl-C stops all."""
    from shopscribe.stack import STOP_GRACE_S, LocalStack, StackError, StopSignals

    settings = build_settings(bootstrap, backend, model)
    work_dir = Path(".shopscribe")
    try:
        with LocalStack(settings, work_dir, embedded=_embedded(bootstrap), fixed_ports=True) as stack, \
                StopSignals() as stop:
            typer.echo(f"shopscribe is up on {settings.kafka.bootstrap}; metrics on :{settings.streams.web_port}/metrics "
                       f"(streams) and :{settings.worker.metrics_port}/metrics (worker); logs in {work_dir}/; "
                       "Ctrl-C or SIGTERM to stop", err=True)
            received = stop.wait(stack.check_alive)
            typer.echo(f"{signal.Signals(received).name}: stopping (up to {STOP_GRACE_S:.0f} s to drain and commit)",
                       err=True)
    except StackError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:  # a second Ctrl-C: the stop killed what was left
        raise typer.Exit(130) from None
    typer.echo("stopped", err=True)


@app.command()
def demo(bootstrap: Bootstrap = None, backend: Backend = None, model: Model = None,
         timeout: Annotated[float, typer.Option(help="Seconds to wait for all results")] = 900) -> None:
    """`up` + feed the bundled sample catalog, show progress, print the results, exit 0."""
    from shopscribe.demo import run_demo

    settings = build_settings(bootstrap, backend, model)
    raise typer.Exit(run_demo(settings, embedded=_embedded(bootstrap), timeout_s=timeout))


# -- tools -----------------------------------------------------------------------------
@app.command()
def produce(kind: Annotated[str, typer.Argument(help="products | reviews")], file: Path,
            bootstrap: Bootstrap = None) -> None:
    """Publish events from a JSON-lines file (each line as is; the key is its `sku`)."""
    from shopscribe.clients import produce_lines

    settings = build_settings(bootstrap)
    topic = {"products": settings.topics.products, "reviews": settings.topics.reviews}.get(kind)
    if topic is None:
        raise typer.BadParameter("KIND must be products or reviews")
    sent, unkeyed = produce_lines(settings, topic, file)
    typer.echo(json.dumps({"topic": topic, "sent": sent, "without_key": unkeyed}))


@app.command()
def tail(topic: str, bootstrap: Bootstrap = None,
         from_beginning: Annotated[bool, typer.Option("--from-beginning")] = False,
         max: Annotated[Optional[int], typer.Option("--max", help="Stop after N messages")] = None,
         timeout: Annotated[Optional[float], typer.Option(help="Stop after S seconds")] = None) -> None:
    """Print messages of TOPIC as JSON lines (reads without a consumer group)."""
    from shopscribe.clients import tail as tail_topic

    settings = build_settings(bootstrap)
    try:
        for message in tail_topic(settings, topic, from_beginning=from_beginning, max_messages=max, timeout_s=timeout):
            typer.echo(json.dumps(message, ensure_ascii=False))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def replay(
    topic: Annotated[str, typer.Argument(help="products | reviews | a topic name")],
    bootstrap: Bootstrap = None, backend: Backend = None, model: Model = None,
    from_beginning: Annotated[bool, typer.Option("--from-beginning", help="Start at the first retained record")] = False,
    from_offset: Annotated[Optional[str], typer.Option("--from-offset", help="N for every partition, or P:N,P:N")] = None,
    from_time: Annotated[Optional[str], typer.Option("--from-time", help="ISO time with zone (broker time index)")] = None,
    until: Annotated[Optional[str], typer.Option(help="End: now (default), an offset (N or P:N,...) or an ISO time")] = None,
    prompt_version: Annotated[Optional[str], typer.Option("--prompt-version", help="Version stamped on the results")] = None,
    batch_size: Annotated[int, typer.Option(help="Prompts per backend call")] = 64,
    rate: Annotated[Optional[float], typer.Option(help="Max events/s (spare the live workers' GPU)")] = None,
    restart: Annotated[bool, typer.Option(help="Ignore offsets an earlier run of this replay committed")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count events and estimate the time")] = False,
    json_out: Json = False,
) -> None:
    """Reprocess a topic range under its own consumer group with a new model/prompt version."""
    from shopscribe.replay_cli import run_replay

    starts = [from_beginning, from_offset is not None, from_time is not None]
    if sum(starts) != 1:
        raise typer.BadParameter("give exactly one of --from-beginning, --from-offset, --from-time")
    settings = build_settings(bootstrap, backend, model)
    report = run_replay(settings, topic, from_beginning=from_beginning, from_offset=from_offset, from_time=from_time,
                        until=until, prompt_version=prompt_version, batch_size=batch_size, rate=rate,
                        restart=restart, dry_run=dry_run, json_out=json_out)
    raise typer.Exit(0 if report else 1)


eval_app = typer.Typer(help="Run a data set through the real pipeline, one result per item.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("descriptions")
def eval_descriptions(data: Annotated[Path, typer.Option(help="JSONL: {id, title, attributes, brand?, category?}")],
                      out: Annotated[Path, typer.Option(help="JSONL: {id, description, method, ...}; OUT.md: side-by-side sample")],
                      bootstrap: Bootstrap = None, backend: Backend = None, model: Model = None,
                      in_process: Annotated[bool, typer.Option("--in-process", help="Through the worker's handler without Kafka (quick A/B of prompts)")] = False,
                      timeout: float = 1800) -> None:
    """Describe each item through the real pipeline (broker, streams, worker) and report
    generated share, dropped sentences, unsupported claims, title echoes, attribute coverage."""
    from shopscribe.evaluation import run_descriptions_eval, write_description_results

    settings = build_settings(bootstrap, backend, model)
    if in_process:
        from shopscribe.description_eval import run_in_process

        items = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]
        report = write_description_results(items, run_in_process(settings, items), out)
    else:
        report = run_descriptions_eval(settings, data, out, embedded=_embedded(bootstrap), timeout_s=timeout)
    typer.echo(json.dumps(report))


@eval_app.command("summaries")
def eval_summaries(data: Annotated[Path, typer.Option(help="JSONL: {id, reviews: [{text, rating?}], summaries?}")],
                   out: Annotated[Path, typer.Option(help="JSONL: {id, summary, pros, cons, method, coverage, ...}")],
                   one_shot: Annotated[bool, typer.Option("--one-shot", help="All reviews of an item in one request (default: rolling, one review at a time)")] = False,
                   min_reviews: Annotated[int, typer.Option("--min-reviews", help="Rolling: reviews per SKU per round (the debounce N)")] = 1,
                   max_wait: Annotated[Optional[float], typer.Option("--max-wait", help="Debounce T in seconds")] = None,
                   bootstrap: Bootstrap = None, backend: Backend = None, model: Model = None,
                   timeout: float = 3600) -> None:
    """Summarise each item's reviews through the real pipeline; ROUGE vs baselines when references exist."""
    from shopscribe.evaluation import run_summaries_eval

    settings = build_settings(bootstrap, backend, model)
    report = run_summaries_eval(settings, data, out, embedded=_embedded(bootstrap), timeout_s=timeout,
                                one_shot=one_shot, min_reviews=min_reviews, max_wait_s=max_wait)
    typer.echo(json.dumps(report))
    raise typer.Exit(0 if report["complete"] == report["items"] else 1)


# -- sub-apps (each in its own module; one registration line each) ---------------------
from shopscribe.dlq import dlq_app  # noqa: E402

app.add_typer(dlq_app, name="dlq")
from shopscribe.bench import bench_app  # noqa: E402

app.add_typer(bench_app, name="bench")
from shopscribe.sinks_cli import search_command, sink_app  # noqa: E402

app.add_typer(sink_app, name="sink")
app.command("search")(search_command)


def main() -> None:
    app(prog_name="shopscribe")


if __name__ == "__main__":
    sys.exit(main())
