"""The review page in a real browser (Debian's headless Chromium over WebDriver): keyboard relabels,
an undo, a bulk relabel of a selection, accepting a suggestion; the server killed with SIGKILL
mid-session, a decision tried while it is down (not shown as saved), a restart that resumes at the
right face; then `ferdata relabel` gives the labels and provenance decided. Every wait is for a state
the page reports (its counter and pending requests), never a fixed sleep.

Needs chromium, chromium-driver and selenium (pip), which `make test` installs
(`scripts/ensure-deps --test`); without them the test fails, saying what is missing. FERDATA_SCREENSHOTS=DIR keeps the
screenshot there (docs/images/review-page.png came from it)."""
import csv
import json
import os
import shutil

from reviewsite import CLASSES, Server, card, ferdata, page_state, press, records, sample_workspace, stored, wait_saved, wait_until


def test_review_with_the_keyboard_survives_a_killed_server_and_relabel_applies_it(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys
    workspace, dataset, suspects, faces = sample_workspace(tmp_path / "workspace")
    given = [label for _, label, _ in faces]
    suggested = [CLASSES[(CLASSES.index(label) + 1) % 7] for label in given]
    ids = [record_id for record_id, _, _ in faces]
    arguments = ("suspects", "--file", suspects, "--annotator", "alice")

    server = Server(workspace, *arguments)
    try:
        browser.get(server.url)
        wait_until(browser, "the queue loaded", lambda s: s["ready"] == "true" and s["done"] == "0")
        assert page_state(browser)["cursor"] == "0"
        # n shows the face's neighbours on demand (the sample faces name no subject and no group); Esc closes.
        press(browser, "n")
        wait_until(browser, "the neighbours panel", lambda s: browser.execute_script(
            "const p = document.getElementById('neighbours'); return p.classList.contains('shown') ? p.textContent : '';"
        ).startswith("No duplicate group or subject"))
        press(browser, Keys.ESCAPE)
        assert not browser.execute_script("return document.getElementById('neighbours').classList.contains('shown');")
        # 4 happy, 5 sad, 0 unusable, 7 neutral: each face saved, the next one comes up on its own.
        press(browser, "4", "5", "0", "7")
        wait_saved(browser, 4)
        assert [card(browser, i) for i in range(4)] == [
            {"state": "saved", "decision": d} for d in ("happy", "sad", "unusable", "neutral")]
        assert page_state(browser)["cursor"] == "4"
        # u takes back the last decision and goes back to its face.
        press(browser, "u")
        wait_saved(browser, 3)
        assert page_state(browser)["cursor"] == "3" and card(browser, 3)["decision"] == ""
        # Shift+arrows select faces 3-5; one key relabels all three.
        press(browser, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, shift=True)
        selected = browser.execute_script("return [...document.querySelectorAll('figure.selected')].map(f => Number(f.dataset.index));")
        assert selected == [3, 4, 5]
        screenshot = tmp_path / "review-page.png"
        browser.save_screenshot(str(screenshot))
        press(browser, "1")
        wait_saved(browser, 6)
        assert [card(browser, i)["decision"] for i in (3, 4, 5)] == ["angry"] * 3
        # Enter accepts the suggestion; arrows move past face 7 to decide face 8, then back to 7.
        assert page_state(browser)["cursor"] == "6"
        press(browser, Keys.ENTER)
        wait_saved(browser, 7)
        press(browser, Keys.ARROW_RIGHT, "3")
        wait_saved(browser, 8)
        press(browser, Keys.ARROW_LEFT, Keys.ARROW_LEFT)
        assert page_state(browser)["cursor"] == "7"

        server.kill()
        # A decision while the server is down: the page says it is not saved, and nothing is stored.
        press(browser, "2")
        wait_until(browser, "the failed save reported", lambda s: s["pending"] == "0" and s["message"].startswith("Not saved"))
        assert card(browser, 7)["state"] == "error"
    finally:
        server.stop()

    rows = stored(workspace)
    assert [(record_id, label, undone) for record_id, _, label, undone, _ in rows] == [
        (ids[0], "happy", 0), (ids[1], "sad", 0), (ids[2], "unusable", 0), (ids[3], "neutral", 1),
        (ids[3], "angry", 0), (ids[4], "angry", 0), (ids[5], "angry", 0), (ids[6], suggested[6], 0), (ids[8], "fear", 0)]
    assert len({batch for *_, batch in rows[4:7]}) == 1, "the bulk relabel is one batch"

    server = Server(workspace, *arguments)
    try:
        browser.get(server.url)
        wait_until(browser, "the queue reloaded", lambda s: s["ready"] == "true")
        state = page_state(browser)
        assert state["done"] == "8" and state["cursor"] == "7", f"resumes at the first face without a decision: {state}"
        assert browser.find_element("id", "counter").text == f"8 done · {len(faces) - 8} left"
        press(browser, "6")
        wait_saved(browser, 9)
    finally:
        server.stop()
    if os.environ.get("FERDATA_SCREENSHOTS"):
        shutil.copy(screenshot, os.path.join(os.environ["FERDATA_SCREENSHOTS"], "review-page.png"))

    decided = {ids[0]: "happy", ids[1]: "sad", ids[3]: "angry", ids[4]: "angry", ids[5]: "angry", ids[6]: suggested[6],
               ids[7]: "surprise", ids[8]: "fear"}
    result = json.loads(ferdata("relabel", "--workspace", workspace, "--json").stdout)
    report = result["written"]["report"]
    changed = {i: label for i, label in decided.items() if label != given[ids.index(i)]}
    assert (report["relabelled"], report["removed"], report["confirmed"]) == (len(changed), 1, len(decided) - len(changed))
    relabelled = result["written"]["directory"]
    after = {record_id: (label, flags) for record_id, label, flags in records(relabelled)}
    assert ids[2] not in after, "the unusable face is removed"
    for record_id, label, flags in records(dataset):
        if record_id == ids[2]:
            continue
        expected = decided.get(record_id, label)
        assert after[record_id] == (expected, flags | (4 if record_id in changed else 0)), record_id
    with open(os.path.join(relabelled, "relabelled.csv")) as f:
        lines = list(csv.DictReader(f))
    assert {int(line["record_id"]): (line["original_label"], line["new_label"], line["annotators"]) for line in lines} == {
        i: (given[ids.index(i)], label, "alice") for i, label in changed.items()}
    with open(os.path.join(relabelled, "removed.csv")) as f:
        assert [int(line["record_id"]) for line in csv.DictReader(f)] == [ids[2]]


MARKUP = ['<img src=x onerror=pwned=1>', '<script>pwned=2</script>']  # subjects keep 31 bytes


def test_markup_from_strangers_shows_as_text_and_no_script_runs(browser, tmp_path):
    """A dataset from a manifest whose subject cells hold markup and script, reviewed from a suspects
    file whose extra cells hold more: the neighbours panel shows the cells as text, no script runs,
    and decisions still save. Then markup put into the page by any other way (as a bug in the page
    would) cannot run script either: the server's Content-Security-Policy forbids inline handlers."""
    import zipfile
    from selenium.webdriver.common.keys import Keys
    workspace = os.fspath(tmp_path / "workspace")
    source = tmp_path / "strangers"
    source.mkdir()
    with zipfile.ZipFile(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                      "samples", "foreign.zip")) as archive:
        names = [n for n in sorted(archive.namelist()) if not n.endswith("/")][:4]
        for index, name in enumerate(names):
            (source / f"{index}.png").write_bytes(archive.read(name))
    with open(source / "manifest.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "label", "subject"])
        for index in range(len(names)):
            writer.writerow([f"{index}.png", CLASSES[index], MARKUP[index % 2]])
    ferdata("ingest", os.fspath(source / "manifest.csv"), "--workspace", workspace, "--faces", "none", "--quiet")
    faces = records(os.path.join(workspace, "datasets", "0001-ingest"))
    suspects = os.path.join(workspace, "suspects.csv")
    with open(suspects, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["rank", "record_id", "dataset", "given", "likely", "score", "note"])
        for rank, (record_id, label, _) in enumerate(faces, 1):
            writer.writerow([rank, record_id, "<b>0001-ingest</b>", label, "sad", "0.5", MARKUP[rank % 2]])

    server = Server(workspace, "suspects", "--file", suspects, "--annotator", "mallory")
    try:
        browser.get(server.url)
        wait_until(browser, "the queue loaded", lambda s: s["ready"] == "true" and s["done"] == "0")
        press(browser, "n")
        wait_until(browser, "the neighbours panel with the subject's faces", lambda s: "face(s)" in browser.execute_script(
            "return document.getElementById('neighbours').textContent;"))
        panel = browser.execute_script(
            "const p = document.getElementById('neighbours');"
            " return {text: p.textContent, stray: p.querySelectorAll('script, img[src=\"x\"]').length};")
        assert "subject:" + MARKUP[0] in panel["text"] and panel["stray"] == 0, panel
        press(browser, Keys.ARROW_RIGHT)
        wait_until(browser, "the second face's panel", lambda s: "subject:" + MARKUP[1] in browser.execute_script(
            "return document.getElementById('neighbours').textContent;"))
        assert browser.execute_script("return typeof window.pwned;") == "undefined"
        # Decisions still save.
        press(browser, "4")
        wait_saved(browser, 1)
        assert stored(workspace)[-1][1:3] == ("mallory", "happy")
        # Markup inserted into the page directly: its inline handler is blocked by the policy, while a
        # handler added from script (allowed) proves the error event did fire.
        browser.execute_script(
            "window.errorSeen = false;"
            " document.body.insertAdjacentHTML('beforeend', '<img id=\"probe\" src=\"/no-such-picture\" onerror=\"window.pwned=3\">');"
            " document.getElementById('probe').addEventListener('error', () => { window.errorSeen = true; });")
        from selenium.webdriver.support.ui import WebDriverWait
        WebDriverWait(browser, 60).until(lambda d: d.execute_script("return window.errorSeen;"))
        assert browser.execute_script("return typeof window.pwned;") == "undefined"
        assert browser.execute_script("return typeof window.errorSeen;") == "boolean"
    finally:
        server.stop()
