// CRM Hub data steward workbench: decision buttons, confirmations and keyboard shortcuts (no build step).
// Every state change is a POST with the page's CSRF token; pages themselves only read.
(function () {
  "use strict";
  const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
  const base = meta("crmhub-base");
  const csrf = meta("crmhub-csrf");
  const flash = document.getElementById("flash");
  const help = document.getElementById("help");
  const confirmBox = document.getElementById("confirm");
  let busy = false;

  // What a decision did, in words; the answer's golden records follow as links.
  const DONE = {
    merge: "Merged into one golden record",
    keep_apart: "Kept apart",
    remove: "Removed: it stands alone in",
    move: "Moved into",
    same: "Saved: same customer",
    not_same: "Saved: not the same customer",
    unmerge: "Unmerged",
    field_override: "Saved: field value",
  };

  // The answer as text and links built with textContent: names come from the sources, never as HTML.
  function say(text, isError, golden) {
    flash.replaceChildren(document.createTextNode(text));
    (golden || []).forEach((ref, i) => {
      flash.append(i ? ", " : " → golden record ");
      const link = document.createElement("a");
      link.href = ref.href;
      link.textContent = ref.name || ref.golden_id;
      link.className = "golden-link";
      flash.append(link);
      if (ref.name) flash.append(` (${ref.golden_id})`);
    });
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

  function answer(path, body, data) {
    if (path === "/steward/undo") return { text: data.undone ? `Undone: ${data.undone.kind}` : "Nothing to undo" };
    return { text: DONE[body.kind || body.action] || `Saved: ${body.kind || body.action}`, golden: data.golden };
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
      sessionStorage.setItem("crmhub-flash", JSON.stringify(answer(path, body, data)));
      window.location.reload();
    } catch (error) {
      say(`Network error: ${error}`, true);
      busy = false;
    }
  }

  // A button with data-confirm (remove or move a member: a split downstream) asks first; Enter on the
  // focused "Yes" confirms, Esc or "Cancel" gives focus back to the button.
  let pending = null;
  function ask(button) {
    pending = button;
    document.getElementById("confirm-text").textContent = button.dataset.confirm;
    confirmBox.showModal();
    document.getElementById("confirm-yes").focus();
  }
  function decide(button) {
    post(button.dataset.path || "/steward/decisions", withReason(JSON.parse(button.dataset.decision)));
  }
  document.getElementById("confirm-yes").addEventListener("click", () => {
    confirmBox.close();
    if (pending) decide(pending);
  });
  document.getElementById("confirm-no").addEventListener("click", () => confirmBox.close());
  confirmBox.addEventListener("close", () => {
    if (pending && !busy) pending.focus();
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.act");
    // a review-cluster button names its own endpoint (data-path); a pair button posts a decision
    if (button && !button.disabled) (button.dataset.confirm ? ask(button) : decide(button));
    if (event.target.closest("#btn-undo:not([disabled])")) post("/steward/undo");
  });

  const click = (id) => { const el = document.getElementById(id); if (el && !el.disabled) el.click(); };
  const follow = (id) => { const el = document.getElementById(id); if (el) window.location.href = el.href; };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (help.open || confirmBox.open) return; // a dialog takes its own keys (Enter, Tab, Esc)
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "select", "textarea"].includes(tag)) return;
    const actions = {
      s: () => click("btn-same"),
      n: () => click("btn-not-same"),
      j: () => follow("next"),
      k: () => follow("prev"),
      u: () => click("btn-undo"),
      x: () => follow("skip"),
      "?": () => help.showModal(),
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

  const stored = sessionStorage.getItem("crmhub-flash");
  if (stored) {
    sessionStorage.removeItem("crmhub-flash");
    const said = JSON.parse(stored);
    say(said.text, false, said.golden);
  }
})();
