"""The teacher's label step against a loopback server with a fixed latency per request.

    python bench/teacher.py --rows 10000 --rows 100000     # prints a table

The server is a lean asyncio HTTP/1.1 server in its own process (keep-alive, one
fixed chat completion), so that the client, not the server, is what is measured.
The bound is concurrency / latency answers per second (32 / 0.05 s = 640/s). Memory
is the label process's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
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
OUT = ROOT / "bench" / "out" / "teacher"
DIMENSIONS = [
    "agency",
    "progress",
    "collective_benefit",
    "connection",
    "innovation",
    "justice",
    "resilience",
    "wonder",
]


def serve(port_queue, latency: float) -> None:
    answer = json.dumps(dict.fromkeys(DIMENSIONS, 5))
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
            "usage": {"prompt_tokens": 140, "completion_tokens": 33, "total_tokens": 173},
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


def build(work: Path, url: str, concurrency: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from distillgen.compile import build_project

    specs = work / "specs"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT / "specs" / "data", specs / "data")
    text = (ROOT / "specs" / "uplifting.yaml").read_text(encoding="utf-8")
    text = re.sub(r"base_url: \S+", f"base_url: {url}", text)
    text = re.sub(r"concurrency: \d+", f"concurrency: {concurrency}", text)
    text = re.sub(r"budget: [\d.]+", "budget: 100000.0", text)
    (specs / "uplifting.yaml").write_text(text, encoding="utf-8")
    build_project(specs / "uplifting.yaml", work / "project")
    return work / "project"


def label(project: Path, rows: int) -> tuple[float, float, float]:
    """(seconds, peak RSS MiB, CPU seconds) of `python -m pipeline.teacher label`."""
    source = OUT / f"unlabelled-{rows}.jsonl"
    text = "Residents pooled their savings to build a solar microgrid for the clinic. " * 3
    with open(source, "w", encoding="utf-8") as handle:
        for i in range(rows):
            handle.write(json.dumps({"id": f"r{i}", "title": f"Article {i}", "content": text}))
            handle.write("\n")
    shutil.rmtree(project / "work", ignore_errors=True)
    code = (
        "import resource, runpy, sys\n"
        "sys.argv = ['teacher', 'label', sys.argv[1], '--override']\n"
        "try:\n"
        "    runpy.run_module('pipeline.teacher', run_name='__main__')\n"
        "finally:\n"
        "    r = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    hwm = [x.split()[1] for x in open('/proc/self/status') if x.startswith('VmHWM')]\n"
        "    print('usage', hwm[0], r.ru_utime + r.ru_stime, file=sys.stderr)\n"
    )
    env = {**os.environ, "GEMINI_API_KEY": "bench"}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(source)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if "labelled ->" not in proc.stdout:
        raise RuntimeError(proc.stdout + proc.stderr)
    source.unlink()
    _, hwm, cpu = proc.stderr.strip().splitlines()[-1].split()
    return seconds, int(hwm) / 1024, float(cpu)


def bench_teacher(report, rows: list[int], latency: float = 0.05, concurrency: int = 32):
    OUT.mkdir(parents=True, exist_ok=True)
    ports = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(ports, latency), daemon=True
    )
    server.start()
    try:
        url = f"http://127.0.0.1:{ports.get(timeout=30)}/v1"
        project = build(OUT / "work", url, concurrency)
        bound = concurrency / latency
        report.add(
            f"`make label` (generated uplifting project, `--override`) against a loopback "
            f"server answering after a fixed {latency * 1000:.0f} ms, concurrency {concurrency}: "
            f"the bound is {bound:,.0f} answers/s (target: at least 0.8 of it, memory flat). "
            "Whole process: start-up, counting the rows, asking, checking every answer with "
            "the parser and row checks, writing the labelled file."
        )
        report.add()
        report.add(
            "| rows | time | answers/s | ratio to the bound | peak RSS | client CPU per answer |"
        )
        report.add("| --- | --- | --- | --- | --- | --- |")
        for n in rows:
            seconds, rss, cpu = label(project, n)
            report.add(
                f"| {n:,} | {seconds:.1f} s | {n / seconds:,.0f}/s | {n / seconds / bound:.2f} "
                f"| {rss:.0f} MiB | {cpu / n * 1000:.2f} ms |"
            )
    finally:
        server.terminate()


class _Print:
    def add(self, text: str = "") -> None:
        print(text, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append")
    args = parser.parse_args(argv)
    bench_teacher(_Print(), args.rows or [10_000, 100_000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
