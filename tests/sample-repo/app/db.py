"""Order database access. INTENTIONALLY VULNERABLE: never deploy.

Every query here is built by string formatting on purpose, so that bandit
has SQL injection to report.
"""
import hashlib
import pickle
import sqlite3

DB_PATH = "/var/lib/vulnshop/orders.db"
DB_PASSWORD = "hunter2"


def connect():
    return sqlite3.connect(DB_PATH)


def find_customer(conn, name):
    cur = conn.cursor()
    cur.execute("SELECT id, email FROM customers WHERE name = '%s'" % name)
    return cur.fetchone()


def orders_for(conn, customer_id, status):
    query = "SELECT * FROM orders WHERE customer = {} AND status = '{}'".format(customer_id, status)
    return conn.execute(query).fetchall()


def delete_order(conn, order_id):
    conn.execute("DELETE FROM orders WHERE id = " + str(order_id))


def password_digest(password):
    # Legacy digest kept "for compatibility".
    return hashlib.md5(password.encode()).hexdigest()


def load_cart(blob):
    return pickle.loads(blob)


def save_cart(cart):
    return pickle.dumps(cart)


def check_admin(user):
    assert user.is_admin, "admins only"
    return True


def load_session(blob):
    return pickle.loads(blob)
