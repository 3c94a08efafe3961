"""The Celery + Redis baseline of make bench, from Debian's python3-celery,
python3-redis and redis-server: redis on an ephemeral loopback port in a temp
directory, a `python3 -m celery` worker with 2 prefork processes, acks_late,
prefetch 4 and results stored in Redis; tasks are a no-op and a /bin/true
subprocess. Every process started here is stopped by stop()."""
import gc
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CeleryBaseline:
    def __init__(self):
        self.procs = []
        self.tmp = None
        self.app = None

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="scanfleet-bench-celery-")
        port = free_port()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", self.tmp,
             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=open(os.path.join(self.tmp, "redis.log"), "w"), stderr=subprocess.STDOUT)
        self.procs.append(self.redis)
        url = f"redis://127.0.0.1:{port}/0"

        def redis_up():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False
        harness.wait_until(redis_up, 20, "redis-server")
        env = dict(os.environ, BENCH_BROKER=url,
                   PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "celery_tasks", "worker", "--pool", "prefork",
             "--concurrency", "2", "--prefetch-multiplier", "4", "--loglevel", "WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=HERE, env=env, stdout=open(os.path.join(self.tmp, "celery.log"), "w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(self.worker)
        os.environ["BENCH_BROKER"] = url
        sys.path.insert(0, HERE)
        import celery_tasks
        self.tasks = celery_tasks
        # The worker is ready once it answers a task.
        harness.wait_until(lambda: self._ping(), 60, "the celery worker")

    def _ping(self):
        try:
            return self.tasks.noop.delay().get(timeout=1) == 0
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def _rate(self, task, count):
        start = time.monotonic()
        results = [task.delay() for _ in range(count)]
        for result in results:
            if result.get(timeout=300) != 0:
                raise RuntimeError("a celery task failed")
        return count / (time.monotonic() - start)

    def noop_rate(self, count):
        return self._rate(self.tasks.noop, count)

    def subprocess_rate(self, count):
        return self._rate(self.tasks.run_true, count)

    def stop(self):
        gc.collect()  # AsyncResults talk to redis when collected: before it stops
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM) if proc is getattr(self, "worker", None) \
                        else proc.terminate()
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                if proc is getattr(self, "worker", None):
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()
                proc.wait()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
