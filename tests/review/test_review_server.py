"""The review server over HTTP, as a real process: the token guards every request, it listens on
127.0.0.1 unless --host says otherwise, a decision for a face outside the queue is refused, and
decisions posted at once from several clients are all stored, each exactly once."""
import csv
import json
import os
import sqlite3
import threading
import urllib.error
import urllib.request

import pytest

from reviewsite import Server, ferdata, require_binary, sample_workspace, stored


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_binary()
    workspace, dataset, suspects, faces = sample_workspace(tmp_path_factory.mktemp("review-server"))
    server = Server(workspace, "suspects", "--file", suspects, "--annotator", "ann")
    yield server, workspace, faces
    server.stop()


def request(url, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Review-Token"] = token
    data = None if body is None else json.dumps(body).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_requests_without_the_token_get_403(site):
    server, _, faces = site
    for path in ["/", "/api/state", f"/api/face/{faces[0][0]}", f"/api/neighbours/{faces[0][0]}"]:
        assert request(server.base + path)[0] == 403, path
        assert request(server.base + path, token="0" * 32)[0] == 403, path
        assert request(server.base + path + "?token=wrong")[0] == 403, path
    assert request(server.base + "/api/decisions", {"ids": [str(faces[0][0])], "label": "sad"})[0] == 403
    assert request(server.base + "/api/undo", {})[0] == 403
    assert request(server.base + "/api/state", token=server.token)[0] == 200
    status, page = request(server.url)
    assert status == 200 and b"<title>ferdata review</title>" in page


def test_it_listens_on_loopback_only(site):
    server, _, _ = site
    host, port = server.base.removeprefix("http://").rsplit(":", 1)
    assert host == "127.0.0.1"
    # The listening socket's local address in the kernel's table: 127.0.0.1, not 0.0.0.0.
    with open("/proc/net/tcp") as f:
        listening = [line.split()[1] for line in f.readlines()[1:] if line.split()[3] == "0A"]
    assert f"0100007F:{int(port):04X}" in listening, listening


def test_a_decision_outside_the_queue_or_with_an_unknown_label_is_refused(site):
    server, workspace, faces = site
    before = len(stored(workspace))
    status, body = request(server.base + "/api/decisions", {"ids": ["12345"], "label": "sad"}, token=server.token)
    assert status == 400 and b"not in queue" in body
    status, body = request(server.base + "/api/decisions", {"ids": [str(faces[0][0]), "999"], "label": "sad"}, token=server.token)
    assert status == 400, "one bad id refuses the whole batch"
    status, body = request(server.base + "/api/decisions", {"ids": [str(faces[0][0])], "label": "contempt"}, token=server.token)
    assert status == 400 and b"unknown label" in body
    assert len(stored(workspace)) == before


def test_decisions_from_several_clients_are_each_stored_once(site):
    server, workspace, faces = site
    before = len(stored(workspace))
    ids = [str(face[0]) for face in faces]
    failures = []

    def client(number):
        for i in range(50):
            label = ["angry", "happy", "sad", "unusable"][(number + i) % 4]
            status, body = request(server.base + "/api/decisions", {"ids": [ids[(number * 7 + i) % len(ids)]], "label": label},
                                   token=server.token)
            if status != 200:
                failures.append((status, body))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    rows = stored(workspace)
    assert len(rows) - before == 400
    assert len({row[4] for row in rows[before:]}) == 400, "each post is its own batch"
    status, body = request(server.base + "/api/state", token=server.token)
    assert json.loads(body)["done"] == len({row[0] for row in rows if not row[3]})


def test_a_conflicts_queue_shows_each_group_with_its_neighbours(tmp_path):
    require_binary()
    from reviewsite import ferdata
    workspace = str(tmp_path)
    ferdata("ingest", os.path.join(os.path.dirname(__file__), "..", "..", "samples", "faces.csv"), "--workspace", workspace, "--quiet")
    ferdata("dedup", "--threshold", "1", "--workspace", workspace, "--quiet")
    server = Server(workspace, "conflicts", "--annotator", "ann")
    try:
        state = json.loads(request(server.base + "/api/state", token=server.token)[1])
        assert state["queue"] == "conflicts@0002-dedup" and state["dataset"] == "0001-ingest"
        groups = {}
        for item in state["items"]:
            groups.setdefault(item["neighbours"], []).append(item)
        assert groups and all(key.startswith("group:") and len(members) >= 2 for key, members in groups.items())
        assert all(len({member["given"] for member in members}) > 1 for members in groups.values()), "only groups whose labels differ"
        key, members = next(iter(groups.items()))
        answer = json.loads(request(server.base + f"/api/neighbours/{members[-1]['id']}", token=server.token)[1])
        assert answer["key"] == key
        assert [face["id"] for face in answer["faces"]] == [members[-1]["id"]] + [m["id"] for m in members[:-1]]
        assert [face["given"] for face in answer["faces"]] == [members[-1]["given"]] + [m["given"] for m in members[:-1]]
    finally:
        server.stop()


def test_one_request_naming_a_face_twice_is_refused(site):
    server, workspace, faces = site
    before = len(stored(workspace))
    status, body = request(server.base + "/api/decisions", {"ids": [str(faces[0][0]), str(faces[0][0])], "label": "sad"},
                           token=server.token)
    assert status == 400 and b"given twice" in body
    assert len(stored(workspace)) == before


def test_every_answer_carries_a_policy_that_forbids_inline_script(site):
    server, _, faces = site
    status, page = request(server.url)
    assert status == 200 and b"<script>" not in page and b"<style>" not in page and b'<script src="/review.js">' in page
    for path in ["/", "/api/state", "/review.js", "/review.css", f"/api/face/{faces[0][0]}"]:
        url = server.base + path + ("" if path.startswith("/review.") else "?token=" + server.token)
        with urllib.request.urlopen(url, timeout=30) as response:
            policy = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy, path
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
    # The style and script are the same for every session and need no token; nothing else does.
    assert request(server.base + "/review.js")[0] == 200 and request(server.base + "/review.css")[0] == 200


def rewrite_suspects(source, target, column, value, row=0):
    with open(source, newline="") as f:
        rows = list(csv.reader(f))
    rows[row + 1][rows[0].index(column)] = value
    with open(target, "w", newline="") as f:
        csv.writer(f).writerows(rows)


@pytest.mark.parametrize("column,value", [
    ("score", "nan"), ("score", "inf"), ("score", "-inf"), ("score", "0.5e"),
    ("given", '<img src=x onerror="fetch(\'/api/decisions\')">'), ("likely", "<script>alert(1)</script>"), ("likely", "contempt"),
])
def test_a_suspects_file_with_values_that_are_no_class_or_number_is_refused_at_load(tmp_path, column, value):
    """NaN, infinities and markup in a suspects file are a one-line error naming the line and column,
    before anything is stored or served; the store holds no queue afterwards."""
    require_binary()
    workspace, _, suspects, _ = sample_workspace(tmp_path / "workspace")
    bad = os.path.join(workspace, "bad-suspects.csv")
    rewrite_suspects(suspects, bad, column, value, row=2)
    result = ferdata("review", "suspects", "--file", bad, "--workspace", workspace, "--port", "0", check=False)
    assert result.returncode == 1 and "bad-data-row" in result.stderr and f":4 ({column})" in result.stderr, result.stderr
    assert not os.path.exists(os.path.join(workspace, "review", "decisions.sqlite")) or not stored_queues(workspace)


def stored_queues(workspace):
    connection = sqlite3.connect(os.path.join(workspace, "review", "decisions.sqlite"))
    try:
        return connection.execute("SELECT name FROM queue").fetchall()
    finally:
        connection.close()


def test_a_stored_queue_whose_suspects_file_changed_is_refused_until_replaced(tmp_path):
    """A newer suspects.csv for the same queue is a queue-changed error, not the stored queue served in
    silence; --new-queue replaces it and keeps the decisions made."""
    require_binary()
    workspace, _, suspects, faces = sample_workspace(tmp_path / "workspace")
    server = Server(workspace, "suspects", "--file", suspects, "--annotator", "ann")
    try:
        status, _ = request(server.base + "/api/decisions", {"ids": [str(faces[0][0])], "label": "sad"}, token=server.token)
        assert status == 200
    finally:
        server.stop()
    newer = os.path.join(workspace, "suspects-newer.csv")
    rewrite_suspects(suspects, newer, "score", "0.99", row=5)
    refused = ferdata("review", "suspects", "--file", newer, "--workspace", workspace, "--port", "0", check=False)
    assert refused.returncode == 1 and "queue-changed" in refused.stderr and "--new-queue" in refused.stderr, refused.stderr
    server = Server(workspace, "suspects", "--file", newer, "--annotator", "ann", "--new-queue")
    try:
        status, body = request(server.base + "/api/state", token=server.token)
        state = json.loads(body)
        assert status == 200 and state["items"][5]["score"] == 0.99
        assert state["decisions"] == {str(faces[0][0]): "sad"}, "decisions are kept"
    finally:
        server.stop()
