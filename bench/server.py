"""Launch a server process the way production does (uvicorn, one worker), time its first answer, read its memory."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# The same flags for the service and the baseline: one worker, uvicorn's defaults otherwise (uvloop and httptools
# with uvicorn[standard]); no access log, which would cost the same per request on both and hide the app's own cost.
UVICORN_FLAGS = ["--workers", "1", "--log-level", "warning", "--no-access-log"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def request(port: int, method: str, path: str, body: Any = None, timeout: float = 30.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        payload = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        # The same headers as the load generator's requests (a cache keyed on them sees the same request).
        headers = {"User-Agent": "bench-loadgen", "Accept": "*/*"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _proc_status(pid: int) -> dict[str, str]:
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            out[key] = value.strip()
    return out


def _kib(value: str) -> int:
    return int(value.split()[0])


def children(pid: int) -> list[int]:
    """Direct child processes (uvicorn with --workers > 1 would have them; with one worker there are none)."""
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                kids += [int(p) for p in fh.read().split()]
    except OSError:
        pass
    return kids


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of /proc/<pid>/stat; fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / CLOCK_TICKS


@dataclass
class Server:
    """One uvicorn process serving `target` on a free loopback port."""

    target: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    first_answer_s: float | None = None
    log_path: Path | None = None

    def start(self, log_dir: Path, timeout: float = 60.0) -> Server:
        self.port = free_port()
        self.log_path = log_dir / f"{self.target.replace(':', '_').replace('.', '_')}-{self.port}.log"
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "uvicorn", self.target, "--host", HOST, "--port", str(self.port), *UVICORN_FLAGS]
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed with the process
        started = time.perf_counter()
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        # Time from process start to the first successful answer of GET /health.
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.target} exited with {self.process.returncode}:\n{self.log()}")
            try:
                status, _ = request(self.port, "GET", "/health", timeout=2.0)
                if status == 200:
                    self.first_answer_s = time.perf_counter() - started
                    return self
            except OSError:
                pass
            if time.perf_counter() - started > timeout:
                self.stop()
                raise RuntimeError(f"{self.target} did not answer /health within {timeout:.0f} s:\n{self.log()}")
            time.sleep(0.005)

    def alive(self, timeout: float = 5.0) -> bool:
        """Whether /health answers within `timeout` (a worker whose event loop is blocked does not)."""
        try:
            return request(self.port, "GET", "/health", timeout=timeout)[0] == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path and self.log_path.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        return children(self.pid) or [self.pid]

    def memory(self) -> dict[str, float]:
        """Peak (VmHWM) and current (VmRSS) resident memory of each worker, in MiB; the largest is reported."""
        peaks, current = [], []
        for pid in self.worker_pids():
            status = _proc_status(pid)
            peaks.append(_kib(status["VmHWM"]) / 1024)
            current.append(_kib(status["VmRSS"]) / 1024)
        return {"peak_rss_mib": round(max(peaks), 1), "rss_mib": round(max(current), 1), "workers": len(peaks)}

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in {self.pid, *self.worker_pids()})

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: for a worker that no longer answers (a graceful stop would wait for it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_load(
    port: int, requests: list[dict[str, Any]], *, concurrency: int, duration: float, warmup: float,
    server: Server | None = None,
) -> dict[str, Any]:
    """Run the load generator in its own process against the port; add the server's CPU use over the same time."""
    spec = {"host": HOST, "port": port, "concurrency": concurrency, "duration": duration, "warmup": warmup,
            "requests": requests}
    cpu_before = server.cpu() if server else None
    busy_before = machine_busy_seconds()
    wall = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"], cwd=ROOT, input=json.dumps(spec).encode(), capture_output=True,
        timeout=duration + warmup + 60,
    )
    wall = time.perf_counter() - wall
    busy = machine_busy_seconds() - busy_before
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr.decode(errors='replace')[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    server_cpu = server.cpu() - cpu_before if server is not None and cpu_before is not None else 0.0
    if server is not None:
        result["server_cpu_pct"] = round(100 * server_cpu / wall, 1)
    # Whatever else kept the cores busy meanwhile (PostgreSQL's backends, other processes on the machine).
    result["other_cpu_pct"] = round(max(0.0, 100 * (busy - server_cpu - result["generator_cpu_s"]) / wall), 1)
    return result
