/// The review page: plain HTML, CSS and JavaScript, served by the binary (no framework, no CDN: it
/// works on a machine with no network). The script reads the session token from the page's URL and
/// sends it with every request. Style and script are files of their own (`/review.css`,
/// `/review.js`), so the page's Content-Security-Policy can forbid every inline script and style.
enum ReviewPage {
    /// The page's style and script: path, content type and text. The same for every session, they are
    /// served without the token.
    static let assets: [(path: String, contentType: String, text: String)] = [
        ("/review.css", "text/css; charset=utf-8", css), ("/review.js", "text/javascript; charset=utf-8", script),
    ]

    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ferdata review</title>
<link rel="stylesheet" href="/review.css">
</head>
<body>
<header>
  <h1 id="title">ferdata review</h1>
  <span id="counter">loading…</span>
  <span id="keys"><b>1</b>-<b>7</b> <span id="classkeys"></span> · <b>0</b> unusable · <b>Enter</b> accept suggestion ·
    <b>arrows</b> move · <b>Shift</b>+arrows/click select · <b>u</b> undo · <b>n</b> neighbours · <b>Esc</b> clear</span>
</header>
<div id="message" role="alert"></div>
<div id="done">Every face of this queue has a decision.</div>
<main id="grid"></main>
<aside id="neighbours"></aside>
<script src="/review.js"></script>
</body>
</html>
"""#

    static let css = #"""
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f4f4f2; color: #222; }
  header { position: sticky; top: 0; z-index: 2; background: #222; color: #eee; padding: 8px 16px; display: flex;
           flex-wrap: wrap; gap: 6px 20px; align-items: baseline; }
  header h1 { font-size: 16px; margin: 0; }
  #counter { font-weight: 600; color: #fff; }
  #keys { color: #bbb; font-size: 12px; }
  #keys b { color: #fff; font-weight: 600; }
  #message { padding: 6px 16px; display: none; background: #b3261e; color: #fff; }
  #message.shown { display: block; }
  #grid { display: grid; grid-template-columns: repeat(auto-fill, 172px); gap: 10px; padding: 14px 16px; }
  figure { margin: 0; padding: 6px; background: #fff; border: 2px solid #ddd; border-radius: 6px; cursor: pointer; }
  figure img { width: 160px; height: 160px; display: block; background: #ccc; object-fit: contain; }
  figcaption { font-size: 12px; margin-top: 4px; min-height: 48px; }
  figure.current { border-color: #e8710a; box-shadow: 0 0 0 3px #e8710a55; }
  figure.selected { background: #dbe8ff; border-color: #3367d6; }
  figure[data-state="saved"] .decision { color: #137333; font-weight: 600; }
  figure[data-state="saving"] .decision { color: #888; }
  figure[data-state="error"] .decision { color: #b3261e; font-weight: 600; }
  .given { color: #555; }
  .suggested { color: #3367d6; }
  #neighbours { display: none; position: fixed; right: 12px; bottom: 12px; max-width: 560px; max-height: 60vh; overflow: auto;
                background: #fff; border: 2px solid #222; border-radius: 6px; padding: 8px; z-index: 3; }
  #neighbours.shown { display: block; }
  #neighbours img { width: 96px; height: 96px; }
  #neighbours figure { display: inline-block; margin: 2px; padding: 2px; border-width: 1px; }
  #done { padding: 8px 16px; font-weight: 600; color: #137333; display: none; }
  #done.shown { display: block; }
"""#

    static let script = #"""
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
let state = null;        // the server's /api/state
let cursor = 0;          // index of the current face
let anchor = null;       // where a shift-selection started
const selection = new Set();
let chain = Promise.resolve();   // requests go one after another, in key order
let pending = 0;

function api(path, options = {}) {
  options.headers = Object.assign({ "X-Review-Token": token, "Content-Type": "application/json" }, options.headers || {});
  return fetch(path, options).then(async response => {
    if (!response.ok) throw new Error((await response.text()) || response.statusText);
    return response.json();
  });
}

function showMessage(text) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.classList.toggle("shown", text !== "");
}

function card(index) { return document.getElementById("grid").children[index]; }

// Captions are built from text nodes: a queue's values come from files anyone may have written, and
// none of them is ever parsed as markup.
function fillCaption(element, index) {
  const item = state.items[index];
  const decision = state.decisions[item.id];
  const line = (className, text) => {
    const div = document.createElement("div");
    div.className = className;
    div.textContent = text;
    return div;
  };
  const lines = [line("given", "given: " + (item.given || "—"))];
  if (item.suggested) {
    const score = typeof item.score === "number" && isFinite(item.score) ? " " + item.score.toFixed(2) : "";
    lines.push(line("suggested", "suggested: " + item.suggested + score));
  }
  lines.push(line("decision", decision ? "→ " + decision : ""));
  element.replaceChildren(...lines);
}

function render() {
  const grid = document.getElementById("grid");
  grid.textContent = "";
  state.items.forEach((item, index) => {
    const figure = document.createElement("figure");
    figure.dataset.id = item.id;
    figure.dataset.index = index;
    figure.dataset.state = state.decisions[item.id] ? "saved" : "open";
    figure.dataset.decision = state.decisions[item.id] || "";
    const image = document.createElement("img");
    image.loading = "lazy";
    image.alt = "face " + item.id;
    image.src = `/api/face/${item.id}?token=${encodeURIComponent(token)}`;
    const text = document.createElement("figcaption");
    fillCaption(text, index);
    figure.append(image, text);
    figure.addEventListener("click", event => {
      if (event.shiftKey) selectRange(anchor == null ? cursor : anchor, index);
      else { selection.clear(); anchor = null; }
      moveTo(index);
    });
    grid.append(figure);
  });
  document.getElementById("classkeys").textContent =
    state.labels.slice(0, 7).map((label, i) => `${i + 1} ${label}`).join(", ");
  document.getElementById("title").textContent = `ferdata review · ${state.queue} · ${state.annotator}`;
  moveTo(Math.min(state.resume, state.items.length - 1));
  updateCounter();
}

function updateCounter() {
  const done = Object.keys(state.decisions).length;
  const left = state.items.length - done;
  document.getElementById("counter").textContent = `${done} done · ${left} left`;
  document.body.dataset.done = done;
  document.body.dataset.pending = pending;
  document.getElementById("done").classList.toggle("shown", left === 0);
}

function refreshCard(index, cardState) {
  const item = state.items[index];
  const figure = card(index);
  figure.dataset.state = cardState || (state.decisions[item.id] ? "saved" : "open");
  figure.dataset.decision = state.decisions[item.id] || "";
  fillCaption(figure.querySelector("figcaption"), index);
  figure.classList.toggle("selected", selection.has(index));
}

function moveTo(index) {
  if (!state.items.length) return;
  index = Math.max(0, Math.min(state.items.length - 1, index));
  const old = card(cursor);
  if (old) old.classList.remove("current");
  cursor = index;
  card(cursor).classList.add("current");
  card(cursor).scrollIntoView({ block: "nearest" });
  document.body.dataset.cursor = cursor;
  state.items.forEach((_, i) => card(i).classList.toggle("selected", selection.has(i)));
  if (document.getElementById("neighbours").classList.contains("shown")) showNeighbours();
}

function selectRange(from, to) {
  anchor = from;
  selection.clear();
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) selection.add(i);
}

function columns() {
  const grid = document.getElementById("grid");
  const top = grid.children[0] ? grid.children[0].offsetTop : 0;
  let count = 0;
  for (const child of grid.children) { if (child.offsetTop !== top) break; count++; }
  return Math.max(1, count);
}

function nextOpen(after) {
  for (let i = after + 1; i < state.items.length; i++) if (!state.decisions[state.items[i].id]) return i;
  for (let i = 0; i <= after; i++) if (!state.decisions[state.items[i].id]) return i;
  return after;
}

// Sends a decision for the selection (or the current face), moves on at once, and marks the faces
// saved only when the server answers that the store holds them.
function decide(label) {
  const indexes = selection.size ? [...selection].sort((a, b) => a - b) : [cursor];
  const ids = indexes.map(i => state.items[i].id);
  indexes.forEach(i => refreshCard(i, "saving"));
  selection.clear();
  anchor = null;
  pending++;
  updateCounter();
  const last = indexes[indexes.length - 1];
  chain = chain.then(() => api("/api/decisions", { method: "POST", body: JSON.stringify({ ids, label }) })
    .then(answer => {
      answer.saved.forEach(saved => { state.decisions[saved.id] = saved.label; });
      indexes.forEach(i => refreshCard(i, "saved"));
      showMessage("");
    })
    .catch(error => {
      indexes.forEach(i => refreshCard(i, "error"));
      showMessage("Not saved: " + error.message);
    })
    .finally(() => { pending--; updateCounter(); }));
  // Move to the next face without a decision, counting the ones just sent as decided.
  const sent = new Set(ids);
  let next = last;
  for (let i = last + 1; i < state.items.length; i++) {
    if (!state.decisions[state.items[i].id] && !sent.has(state.items[i].id)) { next = i; break; }
  }
  moveTo(next === last ? Math.min(last + 1, state.items.length - 1) : next);
}

function undo() {
  pending++;
  updateCounter();
  chain = chain.then(() => api("/api/undo", { method: "POST", body: "{}" })
    .then(answer => {
      const indexes = [];
      answer.saved.forEach(saved => {
        if (saved.label) state.decisions[saved.id] = saved.label; else delete state.decisions[saved.id];
        const index = state.items.findIndex(item => item.id === saved.id);
        if (index >= 0) { indexes.push(index); refreshCard(index); }
      });
      if (indexes.length) moveTo(Math.min(...indexes));
      showMessage(answer.saved.length ? "" : "Nothing to undo.");
    })
    .catch(error => showMessage("Undo failed: " + error.message))
    .finally(() => { pending--; updateCounter(); }));
}

function showNeighbours() {
  const panel = document.getElementById("neighbours");
  const item = state.items[cursor];
  api(`/api/neighbours/${item.id}`).then(answer => {
    panel.textContent = "";
    const title = document.createElement("div");
    title.textContent = answer.key ? `${answer.key}: ${answer.faces.length} face(s)` : "No duplicate group or subject known for this face.";
    panel.append(title);
    answer.faces.forEach(face => {
      const figure = document.createElement("figure");
      const image = document.createElement("img");
      image.src = `/api/face/${face.id}?token=${encodeURIComponent(token)}`;
      const text = document.createElement("figcaption");
      text.textContent = face.given || "—";
      figure.append(image, text);
      panel.append(figure);
    });
    panel.classList.add("shown");
  }).catch(error => showMessage("Neighbours: " + error.message));
}

document.addEventListener("keydown", event => {
  if (!state || event.ctrlKey || event.metaKey || event.altKey) return;
  const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns(), ArrowDown: columns() };
  if (event.key in moves) {
    event.preventDefault();
    const target = Math.max(0, Math.min(state.items.length - 1, cursor + moves[event.key]));
    if (event.shiftKey) selectRange(anchor == null ? cursor : anchor, target);
    else { selection.clear(); anchor = null; }
    moveTo(target);
    return;
  }
  const digit = event.code && event.code.startsWith("Digit") ? event.code.slice(5) : event.key;
  if (/^[1-7]$/.test(digit)) { event.preventDefault(); decide(state.labels[Number(digit) - 1]); return; }
  if (digit === "0") { event.preventDefault(); decide(state.labels[7]); return; }
  if (event.key === "Enter") {
    event.preventDefault();
    const suggested = state.items[cursor].suggested;
    if (suggested) decide(suggested); else showMessage("This face has no suggestion to accept.");
    return;
  }
  if (event.key === "u" || event.key === "U") { event.preventDefault(); undo(); return; }
  if (event.key === "n" || event.key === "N") {
    event.preventDefault();
    const panel = document.getElementById("neighbours");
    if (panel.classList.contains("shown")) panel.classList.remove("shown"); else showNeighbours();
    return;
  }
  if (event.key === "Escape") {
    document.getElementById("neighbours").classList.remove("shown");
    selection.clear(); anchor = null; moveTo(cursor);
  }
});

api("/api/state").then(answer => {
  state = answer;
  render();
  document.body.dataset.ready = "true";
}).catch(error => showMessage("Cannot load the queue: " + error.message));
"""#

}
