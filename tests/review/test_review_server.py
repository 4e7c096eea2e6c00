"""The review server over HTTP, as a real process: the token guards every request, it listens on
127.0.0.1 unless --host says otherwise, a decision for a face outside the queue is refused, and
decisions posted at once from several clients are all stored, each exactly once."""
import json
import os
import threading
import urllib.error
import urllib.request

import pytest

from reviewsite import Server, require_binary, sample_workspace, stored


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
