"""Test harness: starts real scanfleet processes on 127.0.0.1 ephemeral ports.

Waits are on conditions with deadlines, never fixed sleeps. Every process the
harness starts is stopped by Fleet.stop(), which tests call in tearDown.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest


class Deadline(Exception):
    pass


# What a sanitizer build's daemon writes to its log when it found a race, a
# memory error, a leak or undefined behaviour (`make test-tsan`, `make
# test-asan`): a test whose fleet logged one fails, even if it saw nothing.
SANITIZER_REPORT = re.compile(
    r"(WARNING|ERROR): (ThreadSanitizer|AddressSanitizer|LeakSanitizer)"
    r"|SUMMARY: UndefinedBehaviorSanitizer")


def sanitizer_reports(directory):
    """(log name, the report's first lines) for each .log in DIRECTORY that
    holds a sanitizer report."""
    reports = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".log"):
            continue
        with open(os.path.join(directory, name), errors="replace") as f:
            text = f.read()
        match = SANITIZER_REPORT.search(text)
        if match:
            start = text.rfind("\n", 0, match.start()) + 1
            reports.append((name, "\n".join(text[start:].splitlines()[:40])))
    return reports


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
        self.sanitizer_reported = set()  # logs whose report failed a stop() already
        self.workers = {}
        self.api = None
        # Every fleet runs as deployed: CurveZMQ, ZAP allowlists and signed
        # messages, with keys generated here. SCANFLEET_IT_INSECURE=1 runs
        # the same tests in --insecure-dev mode.
        self.secure = os.environ.get("SCANFLEET_IT_INSECURE") != "1"
        self.key_dir = os.path.join(self.tmp, "keys")
        self.authorized = os.path.join(self.tmp, "authorized")

    def key(self, name, role=None):
        """Path of NAME.key, generated on first use; role ("workers",
        "clients", "subscribers") also allows it on the controller (the
        controller re-reads its allowlists on SIGHUP)."""
        path = os.path.join(self.key_dir, name + ".key")
        if not os.path.exists(path):
            subprocess.run([self.bin("scanfleet"), "keys", "generate", name, "--out",
                            self.key_dir], check=True, capture_output=True)
        if role:
            os.makedirs(os.path.join(self.authorized, role), exist_ok=True)
            shutil.copy(os.path.join(self.key_dir, name + ".pub"),
                        os.path.join(self.authorized, role, name + ".pub"))
        return path

    def security_args(self, binary, name=None):
        """Flags that give a process its keys (or --insecure-dev)."""
        if not self.secure:
            return ["--insecure-dev"]
        if binary == "scanfleet-controller":
            # The keys the fleet uses are allowed before the controller reads
            # its allowlists; a key added later needs a SIGHUP.
            self.key("worker", "workers")
            self.key("client", "clients")
            return ["--secret-key", self.key("controller"), "--authorized-keys", self.authorized]
        controller_pub = os.path.join(self.key_dir, "controller.pub")
        if binary == "scanfleet-worker":
            # Like a docker-compose fleet scaled from one service: one key.
            return ["--key", self.key(name or "worker", "workers"), "--controller-key",
                    controller_pub]
        return ["--key", self.key(name or "client", "clients"), "--controller-key",
                controller_pub]

    def bin(self, name):
        paths = {"scanfleet-controller": "controller/scanfleet-controller",
                 "scanfleet-worker": "worker/scanfleet-worker",
                 "scanfleet": "controller/cli/scanfleet"}
        return os.path.join(self.build_dir, paths[name])

    def spawn(self, name, args, log_name, key_name=None, **kwargs):
        log = open(os.path.join(self.tmp, log_name), "w")
        self.logs_open.append(log)
        security = self.security_args(name, key_name) if name != "scanfleet" else []
        if name == "scanfleet":  # global options go before the subcommand
            args = [*args[:2], *self.security_args(name, key_name), *args[2:]] \
                if args[:1] == ["--controller"] else [*self.security_args(name, key_name), *args]
        proc = subprocess.Popen([self.bin(name), *security, *args],
                                stdout=kwargs.pop("stdout", log),
                                stderr=log, **kwargs)
        self.procs.append(proc)
        return proc

    def start_controller(self, *extra, ports=None, pools=None):
        """Starts the controller serving `pools` (default: those of the previous
        start, else sast and dast) on ephemeral ports, or on the ports of a
        previous run (ports=self.ports) so that connected workers find it again."""
        endpoints = os.path.join(self.tmp, "endpoints.json")
        if os.path.exists(endpoints):
            os.remove(endpoints)
        p = ports or {"api": 0, "results": 0, "jobs": 0, "events": 0, "replay": 0}
        self.pools = tuple(pools or getattr(self, "pools", ("sast", "dast")))
        self.controller = self.spawn(
                   "scanfleet-controller",
                   ["--api-port", str(p["api"]), "--results-port", str(p["results"]),
                    "--jobs-port", str(p["jobs"]), "--events-port", str(p["events"]),
                    "--replay-port", str(p["replay"]),
                    *[f"--pool={name}" for name in self.pools],
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
                      "jobs": port(doc["jobs"]), "events": port(doc["events"]),
                      "replay": port(doc["replay"])}
        return self.api

    def start_worker(self, worker_id, slots=2, path_prefix=None, extra=(), env_extra=None):
        """Starts a worker; path_prefix puts a directory first on its PATH;
        env_extra adds variables to its environment only."""
        work_dir = os.path.join(self.tmp, "work-" + worker_id)
        env = dict(os.environ)
        env.update(env_extra or {})
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

    def cli(self, *args, check=True, key_name=None):
        out = subprocess.run([self.bin("scanfleet"), "--controller", self.api,
                              *self.security_args("scanfleet", key_name), *args],
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
        self.logs_open = []
        reports = [r for r in sanitizer_reports(self.tmp) if r[0] not in self.sanitizer_reported]
        self.sanitizer_reported.update(name for name, _ in reports)
        if reports:
            raise AssertionError("a sanitizer reported in the fleet's logs:\n" + "\n".join(
                f"--- {name}\n{report}" for name, report in reports))

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


class FleetTestCase(unittest.TestCase):
    """A test with its own Fleet (self.fleet), stopped after each test and
    removed at cleanup; the fleet's logs are printed when the test failed."""
    build_dir = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))

    def setUp(self):
        self.fleet = Fleet(self.build_dir)
        self.addCleanup(self.fleet.cleanup)

    def tearDown(self):
        self.fleet.stop()
        if hasattr(self, "_outcome") and any(
                err for _, err in getattr(self._outcome, "errors", [])):
            print(self.fleet.logs())
