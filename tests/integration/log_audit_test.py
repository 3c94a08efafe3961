"""`scanfleet verify-log` against a real fleet: a real flawfinder scan's events
reach a `scanfleet siem` ECS file sink; the controller signs a checkpoint on
demand; the controller's replay, its database and the SIEM file all verify.
Then copies are tampered with as an attacker would (a line or row deleted, a
field edited, an event inserted, two reordered, and an event altered with the
whole chain after it recomputed) and verify-log names the first seq and what
happened there, exiting 1."""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def chain_next(prev, seq, payload):
    return hashlib.sha256(b"scanfleet.chain.v1\0" + prev + seq.to_bytes(8, "big") +
                          hashlib.sha256(payload).digest()).digest()


class LogAuditTest(harness.FleetTestCase):
    def verify(self, *args):
        """verify-log's exit code and its --json answer."""
        fleet = self.fleet
        out = fleet.cli("verify-log", "--json", *args, check=False)
        self.assertIn(out.returncode, (0, 1), out.stderr)
        return out.returncode, json.loads(out.stdout)

    def assert_tampered(self, args, kind, seq):
        code, answer = self.verify(*args)
        self.assertEqual(code, 1, answer)
        self.assertEqual(answer["problem"]["kind"], kind, answer)
        self.assertEqual(answer["problem"]["seq"], seq, answer)

    def test_replay_database_and_siem_file_verify_and_tampering_is_named(self):
        fleet = self.fleet
        if not fleet.secure:
            self.skipTest("checkpoints are signed: not in --insecure-dev mode")
        fleet.start_controller()
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        fleet.start_worker("w1")
        submitted = fleet.cli("submit", "--repo", repo, "--ref", "main", "--profile", "c",
                              "--wait", "--json")
        findings = json.loads(submitted.stdout)["findings"]
        self.assertGreater(findings, 5)
        sink = os.path.join(fleet.tmp, "siem.jsonl")
        bridge = fleet.spawn("scanfleet", ["--controller", fleet.api, "siem", "--sink",
                                           f"file:{sink}?format=ecs", "--from-seq", "0"],
                             "siem.log")
        # A second bridge forwards findings only: the scan events it leaves out
        # travel as digests, so its file verifies too.
        filtered = os.path.join(fleet.tmp, "findings-only.jsonl")
        filtering = fleet.spawn("scanfleet", ["--controller", fleet.api, "siem", "--sink",
                                              f"file:{filtered}?format=ecs", "--from-seq", "0",
                                              "--topics", "finding."], "siem-filtered.log")
        # A checkpoint covering every event so far; the bridge writes it too.
        code, answer = self.verify("--checkpoint-now")
        self.assertEqual(code, 0, answer)
        self.assertGreaterEqual(answer["checkpoints_verified"], 1, answer)
        head = answer["last_seq"]
        self.assertEqual(answer["covered_through"], head - 1)  # the checkpoint event follows

        def sink_lines():
            if not os.path.exists(sink):
                return []
            with open(sink) as f:
                return [line for line in f.read().splitlines() if line]
        harness.wait_until(lambda: len(sink_lines()) >= head, 30, "the bridge's file")
        def checkpoint_written(path):
            if not os.path.exists(path):
                return False
            with open(path) as f:
                return any('"log.checkpoint"' in line for line in f)
        harness.wait_until(lambda: checkpoint_written(filtered), 30, "the filtered bridge's file")
        for proc in (bridge, filtering):
            proc.terminate()
            proc.wait(timeout=20)
        code, answer = self.verify("--file", filtered)
        self.assertEqual(code, 0, answer)
        self.assertEqual(answer["covered_through"], head - 1, answer)
        with open(filtered) as f:
            topics = [json.loads(line)["event"]["action"] for line in f]
        self.assertEqual(sum(1 for t in topics if t.startswith("finding.")), findings)
        self.assertNotIn("scan.queued", topics)

        code, answer = self.verify("--file", sink)
        self.assertEqual(code, 0, answer)
        self.assertEqual(answer["records"], head)
        self.assertEqual(answer["covered_through"], head - 1)
        database = os.path.join(fleet.tmp, "scanfleet.db")
        code, answer = self.verify("--database", database)
        self.assertEqual(code, 0, answer)
        self.assertEqual(answer["covered_through"], head - 1)

        # The SIEM file, tampered with.
        lines = sink_lines()
        def tampered_file(name, new_lines):
            path = os.path.join(fleet.tmp, name)
            with open(path, "w") as f:
                f.write("\n".join(new_lines) + "\n")
            return ["--file", path]
        seq_of = lambda line: json.loads(line)["scanfleet"]["seq"]
        k = 4  # a finding's line
        self.assert_tampered(tampered_file("deleted.jsonl", lines[:k] + lines[k + 1:]),
                             "deleted", seq_of(lines[k]))
        edited = json.loads(lines[k])
        edited["vulnerability"]["severity"] = "Low" if edited["vulnerability"]["severity"] != \
            "Low" else "Critical"
        self.assert_tampered(tampered_file("edited.jsonl",
                                           lines[:k] + [json.dumps(edited)] + lines[k + 1:]),
                             "altered", seq_of(lines[k]))
        self.assert_tampered(tampered_file("inserted.jsonl",
                                           lines[:k + 1] + [lines[k]] + lines[k + 1:]),
                             "inserted", seq_of(lines[k]))
        self.assert_tampered(tampered_file("reordered.jsonl",
                                           lines[:k] + [lines[k + 1], lines[k]] + lines[k + 2:]),
                             "reordered", seq_of(lines[k]))
        # Cut after the checkpoint's line: still consistent, nothing to name.
        self.assertEqual(self.verify(*tampered_file("prefix.jsonl", lines[:k]))[0], 0)

        # The database, tampered with (copies; the controller keeps running).
        def tampered_db(name, sql_changes):
            path = os.path.join(fleet.tmp, name)
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as source, \
                    sqlite3.connect(path) as copy:
                source.backup(copy)
                sql_changes(copy)
                copy.commit()
            return ["--database", path]
        seq = seq_of(lines[k])
        self.assert_tampered(tampered_db("deleted.db", lambda db: db.execute(
            "DELETE FROM events WHERE seq=?", (seq,))), "deleted", seq)

        def flip_byte(db):
            (payload,) = db.execute("SELECT payload FROM events WHERE seq=?", (seq,)).fetchone()
            payload = bytearray(payload)
            payload[-1] ^= 0x01
            db.execute("UPDATE events SET payload=? WHERE seq=?", (bytes(payload), seq))
        self.assert_tampered(tampered_db("flipped.db", flip_byte), "altered", seq)

        def rewrite(db):
            # An attacker who knows the chain: alter a message in place and
            # recompute every chain hash after it. Only the signed checkpoint
            # can tell, so the range up to it is named.
            rows = db.execute("SELECT seq, payload, chain FROM events WHERE seq>=? ORDER BY seq",
                              (seq,)).fetchall()
            (prev,) = db.execute("SELECT chain FROM events WHERE seq=?", (seq - 1,)).fetchone()
            for row_seq, payload, _ in rows:
                if row_seq == seq:
                    payload = payload.replace(b"strcpy", b"strcpx") if b"strcpy" in payload \
                        else payload[:-1] + bytes([payload[-1] ^ 1])
                prev = chain_next(prev, row_seq, payload)
                db.execute("UPDATE events SET payload=?, chain=? WHERE seq=?",
                           (payload, prev, row_seq))
        self.assert_tampered(tampered_db("rewritten.db", rewrite), "rewritten", head - 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
