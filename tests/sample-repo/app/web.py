"""A tiny HTTP front end. INTENTIONALLY VULNERABLE: never deploy."""
import os
import random
import subprocess
import telnetlib
import tempfile

import yaml
from flask import Flask, request

from app import db

app = Flask(__name__)
SECRET_KEY = "s3cr3t-dev-key"


@app.route("/lookup")
def lookup():
    name = request.args.get("name", "")
    out = subprocess.check_output(
        "grep %s /var/orders/index" % name,
        shell=True,
    )
    return out


@app.route("/ping")
def ping():
    host = request.args.get("host", "localhost")
    os.system("ping -c 1 " + host)
    return "ok"


@app.route("/calc")
def calc():
    expr = request.args.get("expr", "0")
    return str(eval(expr))


@app.route("/import", methods=["POST"])
def import_orders():
    config = yaml.load(request.data)
    scratch = tempfile.mktemp()
    with open(scratch, "w") as f:
        f.write(str(config))
    return scratch


@app.route("/coupon")
def coupon():
    return str(random.randint(100000, 999999))


@app.route("/legacy")
def legacy():
    conn = telnetlib.Telnet("legacy.internal", 23)
    conn.write(b"status\n")
    return conn.read_all()


@app.route("/cart", methods=["POST"])
def cart():
    items = db.load_cart(request.data)
    try:
        total = sum(item.price for item in items)
    except Exception:
        pass
    return str(locals().get("total", 0))


def archive(name):
    subprocess.call("tar czf /tmp/%s.tgz /var/orders/%s" % (name, name), shell=True); subprocess.call("rm -rf /var/orders/%s" % name, shell=True)


def archive_all(names):
    for name in names:
        subprocess.call("tar czf /tmp/%s.tgz /var/orders/%s" % (name, name), shell=True)


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
