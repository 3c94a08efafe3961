"""Test harness: starts real scanfleet processes on 127.0.0.1 ephemeral ports.

Waits are on conditions with deadlines, never fixed sleeps. Every process the
harness starts is stopped by Fleet.stop(), which tests call in tearDown.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time


class Deadline(Exception):
    pass


def wait_until(condition, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    delay = 0.01
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Deadline(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(delay)  # polling interval of a condition wait, not a fixed sleep
        delay = min(delay * 2, 0.2)


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.name=test", "-c", "user.email=test@localhost",
                    *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_git_repo(source_dir, dest):
    shutil.copytree(source_dir, dest)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "sample")
    out = subprocess.run(["git", "-C", dest, "rev-parse", "HEAD"], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


class Fleet:
    def __init__(self, build_dir):
        self.build_dir = build_dir
        self.tmp = tempfile.mkdtemp(prefix="scanfleet-it-")
        # A root worker runs scanners as an unprivileged user (--scanner-user),
        # which must be able to reach the work directories inside.
        os.chmod(self.tmp, 0o711)
        self.procs = []
        self.logs_open = []
        self.workers = {}
        self.api = None

    def bin(self, name):
        paths = {"scanfleet-controller": "controller/scanfleet-controller",
                 "scanfleet-worker": "worker/scanfleet-worker",
                 "scanfleet": "controller/cli/scanfleet"}
        return os.path.join(self.build_dir, paths[name])

    def spawn(self, name, args, log_name, **kwargs):
        log = open(os.path.join(self.tmp, log_name), "w")
        self.logs_open.append(log)
        proc = subprocess.Popen([self.bin(name), *args], stdout=kwargs.pop("stdout", log),
                                stderr=log, **kwargs)
        self.procs.append(proc)
        return proc

    def start_controller(self, *extra, ports=None):
        """Starts the controller on ephemeral ports, or on the ports of a previous
        run (ports=self.ports) so that connected workers find it again."""
        endpoints = os.path.join(self.tmp, "endpoints.json")
        if os.path.exists(endpoints):
            os.remove(endpoints)
        p = ports or {"api": 0, "results": 0, "control": 0, "events": 0,
                      "pools": {"sast": 0, "dast": 0}}
        self.controller = self.spawn(
                   "scanfleet-controller",
                   ["--api-port", str(p["api"]), "--results-port", str(p["results"]),
                    "--control-port", str(p["control"]), "--events-port", str(p["events"]),
                    *[f"--pool={name}={port}" for name, port in p["pools"].items()],
                    "--database", os.path.join(self.tmp, "scanfleet.db"),
                    "--endpoints-file", endpoints, "--heartbeat-interval-ms", "200",
                    "--dead-after-missed", "15", "--lease-ms", "3000",
                    "--accept-timeout-ms", "5000", *extra],
                   "controller.log")
        wait_until(lambda: os.path.exists(endpoints), 10, "the controller's endpoints file")
        with open(endpoints) as f:
            doc = json.load(f)
        self.api = doc["api"]
        port = lambda endpoint: int(endpoint.rsplit(":", 1)[1])
        self.ports = {"api": port(doc["api"]), "results": port(doc["results"]),
                      "control": port(doc["control"]), "events": port(doc["events"]),
                      "pools": {name: port(e) for name, e in doc["pools"].items()}}
        return self.api

    def start_worker(self, worker_id, slots=2, path_prefix=None, extra=()):
        """Starts a worker; path_prefix puts a directory first on its PATH."""
        work_dir = os.path.join(self.tmp, "work-" + worker_id)
        env = dict(os.environ)
        if path_prefix:
            env["PATH"] = path_prefix + os.pathsep + env.get("PATH", "")
            # Fake scanners there (mode 0700) write markers into this private
            # tmp; they exercise fault handling, not the sandbox's user switch.
            extra = ("--scanner-user", "self", *extra)
        self.workers[worker_id] = self.spawn(
            "scanfleet-worker",
            ["--controller", self.api, "--id", worker_id, "--slots", str(slots),
             "--work-dir", work_dir, "--heartbeat-interval-ms", "200", *extra],
            worker_id + ".log", env=env)
        return work_dir

    def cli(self, *args, check=True):
        out = subprocess.run([self.bin("scanfleet"), "--controller", self.api, *args],
                             capture_output=True, text=True, timeout=300)
        if check and out.returncode != 0:
            raise AssertionError(f"scanfleet {' '.join(args)} exited {out.returncode}: "
                                 f"{out.stderr}")
        return out

    def cli_json(self, *args):
        return json.loads(self.cli(*args, "--json").stdout)

    def wait_for_workers(self, count, timeout_s=30):
        def alive():
            workers = self.cli_json("workers")
            return sum(1 for w in workers if w["alive"] and w["scanners"]) >= count
        wait_until(alive, timeout_s, f"{count} live workers")

    def logs(self):
        text = []
        for name in sorted(os.listdir(self.tmp)):
            if name.endswith(".log"):
                with open(os.path.join(self.tmp, name), errors="replace") as f:
                    text.append(f"--- {name}\n{f.read()[-4000:]}")
        return "\n".join(text)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self.logs_open:
            log.close()

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
