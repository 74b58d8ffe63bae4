// CRM Hub data steward workbench: decision buttons and keyboard shortcuts (no build step).
// Every state change is a POST with the page's CSRF token; pages themselves only read.
(function () {
  "use strict";
  const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
  const base = meta("crmhub-base");
  const csrf = meta("crmhub-csrf");
  const flash = document.getElementById("flash");
  let busy = false;

  function say(text, isError) {
    flash.textContent = text;
    flash.className = isError ? "error" : "ok";
    flash.hidden = false;
  }

  // FastAPI's 422 lists every problem: say where each one is ("same.left: Field required").
  function problem(detail) {
    if (!Array.isArray(detail)) return detail;
    return detail.map((e) => `${(e.loc || []).filter((p) => p !== "body").join(".")}: ${e.msg}`).join("; ");
  }

  function withReason(body) {
    const box = document.getElementById("decision-comment");
    const comment = box ? box.value.trim() : "";
    return comment ? { ...body, comment } : body;
  }

  async function post(path, body) {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(base + path, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body || {}),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        say(`Refused (${response.status}): ${problem(data.detail) || response.statusText}`, true);
        busy = false;
        return;
      }
      sessionStorage.setItem("crmhub-flash", path === "/steward/undo"
        ? (data.undone ? `Undone: ${data.undone.kind}` : "Nothing to undo")
        : `Saved: ${body.kind || body.action}` + (data.golden_ids ? ` → ${data.golden_ids.join(", ")}` : ""));
      window.location.reload();
    } catch (error) {
      say(`Network error: ${error}`, true);
      busy = false;
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.act");
    // a review-cluster button names its own endpoint (data-path); a pair button posts a decision
    if (button && !button.disabled) post(button.dataset.path || "/steward/decisions", withReason(JSON.parse(button.dataset.decision)));
    if (event.target.closest("#btn-undo:not([disabled])")) post("/steward/undo");
  });

  const click = (id) => { const el = document.getElementById(id); if (el && !el.disabled) el.click(); };
  const follow = (id) => { const el = document.getElementById(id); if (el) window.location.href = el.href; };
  const help = document.getElementById("help");

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "select", "textarea"].includes(tag)) return;
    const actions = {
      s: () => click("btn-same"),
      n: () => click("btn-not-same"),
      j: () => follow("next"),
      k: () => follow("prev"),
      u: () => click("btn-undo"),
      x: () => follow("skip"),
      m: () => click("btn-move"),
      r: () => click("btn-remove"),
      "?": () => (help.open ? help.close() : help.showModal()),
      "/": () => document.getElementById("search-box").focus(),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // focus lands on the first decision button, so Tab / Enter work from the first key press
  const first = document.querySelector("[data-autofocus]");
  if (first) first.focus();

  const pending = sessionStorage.getItem("crmhub-flash");
  if (pending) {
    sessionStorage.removeItem("crmhub-flash");
    say(pending, false);
  }
})();
