"""Celery tasks of make bench's baseline (see celery_baseline.py)."""
import os
import subprocess

from celery import Celery

app = Celery("bench", broker=os.environ["BENCH_BROKER"], backend=os.environ["BENCH_BROKER"])
app.conf.update(task_acks_late=True, worker_prefetch_multiplier=4, task_serializer="json",
                result_serializer="json", accept_content=["json"], broker_connection_retry=True,
                broker_connection_retry_on_startup=True)


@app.task
def noop():
    return 0


@app.task
def run_true():
    return subprocess.run(["/bin/true"], check=False).returncode
