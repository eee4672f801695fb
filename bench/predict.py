"""make predict's engines: the server path against a loopback server with a fixed
latency, and the local transformers path batched against one prompt at a time.

    python bench/predict.py --rows 10000 --rows 116674   # server path, prints a table
    python bench/predict.py --local                      # local batched vs one at a time

Server path: the generated poetry project (seed 000's 21 fields; the tiny local
tokenizer measures the prompts) predicts seed-000-shaped rows (the sample poems,
repeated with new ids) against bench/teacher.py's lean asyncio server, which answers
every request after a fixed latency with one full 21-field answer. The bound is
concurrency / latency rows per second (64 / 0.02 s = 3,200/s). The whole process is
timed (start-up, reading, checking, rendering, measuring every prompt with the
tokenizer, asking, parsing, writing JSONL and CSV, checkpoints). Memory: the predict
process's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "predict"
sys.path.insert(0, str(ROOT / "bench"))


def serve(port_queue, latency: float, answer: str) -> None:
    import asyncio

    payload = json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 400, "completion_tokens": 120, "total_tokens": 520},
        }
    ).encode()
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(payload)).encode()
        + b"\r\n\r\n"
    )

    async def handle(reader, writer):
        try:
            while True:
                headers = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", headers).group(1))
                await reader.readexactly(length)
                await asyncio.sleep(latency)
                writer.write(head + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, AttributeError):
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_queue.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def build(work: Path, max_new_tokens: int | None = None, backend: str | None = None) -> Path:
    sys.path.insert(0, str(ROOT))
    from distillgen.compile import build_project
    from distillgen.ir import Overrides
    from distillgen.tiny import build_tiny_model

    model = work / "model"
    if not model.exists():
        texts = (ROOT / "specs" / "data" / "poetry.jsonl").read_text(encoding="utf-8").splitlines()
        build_tiny_model(model, texts)
    project = work / f"project-{backend or 'mlx'}"
    shutil.rmtree(project, ignore_errors=True)
    overrides = Overrides(model_base=str(model), max_new_tokens=max_new_tokens, backend=backend)
    build_project(ROOT / "specs" / "poetry.yaml", project, overrides)
    return project


def corpus(path: Path, rows: int) -> Path:
    poems = [json.loads(x) for x in (ROOT / "specs" / "data" / "poetry.jsonl").open()]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            p = poems[i % len(poems)]
            # A title of its own: every prompt is new (the client asks a repeated one once).
            row = {"id": f"poem-{i}", "title": f"{p['title']} ({i})", "author": p["author"]}
            row |= {"year": p["year"], "poem": p["poem"], "source": "bench", "lines": 14}
            handle.write(json.dumps(row) + "\n")
    return path


USAGE = (
    "import resource, runpy, sys\n"
    "sys.argv = ['predict', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('pipeline.predict', run_name='__main__')\n"
    "finally:\n"
    "    r = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    hwm = [x.split()[1] for x in open('/proc/self/status') if x.startswith('VmHWM')]\n"
    "    print('usage', hwm[0], r.ru_utime + r.ru_stime, file=sys.stderr)\n"
)


def predict(project: Path, args: list) -> tuple[float, float, float, str]:
    """(seconds, peak RSS MiB, CPU seconds, stdout) of `python -m pipeline.predict`."""
    env = {**os.environ, "OPENAI_API_KEY": "bench", "PYTHONPATH": ""}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", USAGE, *map(str, args)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 3, 4):
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-3000:])
    _, hwm, cpu = proc.stderr.strip().splitlines()[-1].split()
    return seconds, int(hwm) / 1024, float(cpu), proc.stdout


def _answer(project: Path) -> str:
    """One full, valid 21-field answer (the first sample poem's labels)."""
    code = (
        "import json, sys\n"
        "from pipeline.labels import render_completion\n"
        "row = json.loads(open(sys.argv[1]).readline())\n"
        "print(json.dumps(render_completion(row['labels'])))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "specs" / "data" / "poetry.jsonl")],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    return json.loads(out.stdout)


BARE = """
import asyncio, json, sys, time
import aiohttp

url, n, concurrency = sys.argv[1] + "/chat/completions", int(sys.argv[2]), int(sys.argv[3])
body = json.dumps({"model": "m", "messages": [{"role": "user", "content": sys.argv[4]}]})
headers = {"Content-Type": "application/json"}


async def main():
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        left = iter(range(n))

        async def worker():
            for _ in left:
                async with session.post(url, data=body, headers=headers) as r:
                    json.loads(await r.read())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        print(n / (time.perf_counter() - started))


asyncio.run(main())
"""


def bare_client(url: str, n: int, concurrency: int, prompt: str) -> float:
    """Requests per second of a bare aiohttp client (one process, no openai client, no
    reading, rendering, parsing or writing) against the same server: what one client
    core of this host can ask at all, measured in the same run."""
    proc = subprocess.run(
        [sys.executable, "-c", BARE, url, str(n), str(concurrency), prompt],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(proc.stdout.strip())


def server_table(report, rows: list[int], latency: float = 0.02, concurrency: int = 64):
    OUT.mkdir(parents=True, exist_ok=True)
    project = build(OUT / "work")
    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=serve, args=(ports, latency, _answer(project)), daemon=True)
    server.start()
    try:
        url = f"http://127.0.0.1:{ports.get(timeout=30)}/v1"
        bound = concurrency / latency
        report.add(
            f"`make predict` (generated poetry project, seed 000's 21 fields) against a loopback "
            f"server answering after a fixed {latency * 1000:.0f} ms with {concurrency} requests "
            f"in flight: the bound is {bound:,.0f} rows/s (goal: at least 0.8 of it, memory "
            "flat). Whole process: start-up, reading and checking every row, rendering and "
            "measuring every prompt with the tokenizer, asking, parsing, writing JSONL and CSV, "
            "fsynced checkpoints every 1,000 rows."
        )
        report.add()
        report.add("| rows | time | rows/s | ratio to the bound | peak RSS | client CPU per row |")
        report.add("| --- | --- | --- | --- | --- | --- |")
        rates = []
        for n in rows:
            source = corpus(OUT / f"corpus-{n}.jsonl", n)
            out = OUT / f"out-{n}"
            shutil.rmtree(out, ignore_errors=True)
            args = [source, "--server", url, "--concurrency", concurrency, "--out", out]
            seconds, rss, cpu, _ = predict(project, args)
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            assert summary["answered"] == n, summary
            report.add(
                f"| {n:,} | {seconds:.1f} s | {n / seconds:,.0f}/s | {n / seconds / bound:.2f} "
                f"| {rss:.0f} MiB | {cpu / n * 1000:.3f} ms |"
            )
            rates.append((n, n / seconds))
            source.unlink()
            shutil.rmtree(out)
        prompt = json.loads((ROOT / "specs" / "data" / "poetry.jsonl").open().readline())["poem"]
        bare = bare_client(url, 20_000, concurrency, prompt)
        report.add(
            f"| bare aiohttp client, 20,000 requests (the host's one-core bound) | "
            f"{20_000 / bare:.1f} s | {bare:,.0f}/s | {bare / bound:.2f} | - | - |"
        )
        report.add()
        report.add(
            "The predict rows against the bare client's rate: "
            + ", ".join(f"{n:,} rows {rate / bare:.2f}" for n, rate in rates)
            + "."
        )
    finally:
        server.terminate()


def local_table(report, rows: int = 512, batch: int = 16, max_new_tokens: int = 32):
    """Batched against one at a time, by the marginal rate: each batch size predicts
    ``rows`` and then 2 x ``rows`` rows; the difference of the two whole-process times is
    the time of ``rows`` more rows, with the start-up (imports, loading the model) taken
    out. The files of every run are compared with batch size 1's."""
    OUT.mkdir(parents=True, exist_ok=True)
    project = build(OUT / "work", max_new_tokens=max_new_tokens, backend="peft")
    model = OUT / "work" / "model"
    report.add(
        f"Local transformers engine (`--engine local`, the tiny random model, CPU, greedy, "
        f"{max_new_tokens} new tokens at most): batches of {batch} with left padding against "
        f"one prompt at a time. Each predicts {rows:,} rows and then {2 * rows:,}; the "
        f"difference of the two whole-process times is what {rows:,} more rows cost, with "
        "the start-up (imports, loading the model) taken out."
    )
    report.add()
    report.add(
        f"| batch size | {rows:,} rows | {2 * rows:,} rows | marginal rows/s | speed-up "
        "| same files |"
    )
    report.add("| --- | --- | --- | --- | --- | --- |")
    results = {}
    for size in (1, batch):
        results[size] = []
        for n in (rows, 2 * rows):
            source = corpus(OUT / f"local-{n}.jsonl", n)
            out = OUT / f"local-{size}-{n}"
            shutil.rmtree(out, ignore_errors=True)
            args = [source, "--engine", "local", "--model", model, "--batch-size", size]
            seconds, _, _, _ = predict(project, [*args, "--out", out])
            results[size].append((seconds, (out / "predictions.jsonl").read_bytes()))
    base = rows / (results[1][1][0] - results[1][0][0])
    for size, runs in results.items():
        (short, data_short), (long, data_long) = runs
        rate = rows / (long - short)
        same = "yes" if (data_short, data_long) == (results[1][0][1], results[1][1][1]) else "no"
        report.add(
            f"| {size} | {short:.1f} s | {long:.1f} s | {rate:.2f}/s | {rate / base:.2f}x "
            f"| {same} |"
        )


class _Print:
    def add(self, text: str = "") -> None:
        print(text, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args(argv)
    if args.local:
        local_table(_Print())
    else:
        server_table(_Print(), args.rows or [10_000, 116_674])
    return 0


if __name__ == "__main__":
    sys.exit(main())
