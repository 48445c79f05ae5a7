"use strict";
// The instance page's webhooks card: the instance's webhooks, a form that creates or updates one
// by label (its signing secret shown once, when the API returns it), a test event per webhook,
// and the delivery log with a button that redelivers the dead events.
(() => {
  const instance = new URLSearchParams(location.search).get("name") || "";
  const route = (r) => r + encodeURIComponent(instance);
  // The event catalogue a webhook may filter on (RyzeAPI §2.5.6).
  const catalogue = ["message.exchange", "message.status", "call.update", "group.flow", "instance.state", "label.update"];

  async function loadWebhooks() {
    const res = await SB.call("GET", route("/api/events/getWebhook/"));
    if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
    SB.fill(SB.$("webhooks"), (res.body.webhooks || []).map((w) => {
      const row = document.createElement("tr");
      row.dataset.label = w.label;
      SB.cell(row, w.label);
      SB.cell(row, w.url);
      SB.cell(row, w.enabled ? "yes" : "no" + (w.disabledReason ? " (" + w.disabledReason + ")" : ""));
      SB.cell(row, w.events.length ? w.events.join(", ") : "all");
      const test = document.createElement("button");
      test.type = "button";
      test.textContent = "Send test event";
      test.setAttribute("aria-label", "Send a test event to webhook " + w.label);
      test.disabled = !w.enabled;
      test.addEventListener("click", () => sendTest(w.label));
      SB.cell(row, "").appendChild(test);
      return row;
    }));
  }

  async function saveWebhook(ev) {
    ev.preventDefault();
    const events = [...document.querySelectorAll("#webhook-events input:checked")].map((b) => b.value);
    const body = { label: SB.$("webhook-label").value.trim(), url: SB.$("webhook-url").value.trim(), enabled: true, events };
    const res = await SB.call("POST", route("/api/events/webhook/"), body);
    if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
    const secret = res.body.webhook && res.body.webhook.secret;
    SB.$("webhook-secret-value").textContent = secret || "";
    SB.$("webhook-secret").hidden = !secret;
    SB.say("Webhook " + body.label + " saved");
    loadWebhooks();
  }

  async function sendTest(label) {
    const res = await SB.call("POST", route("/api/events/test/"), { label });
    SB.say(res.ok ? "Test event queued for " + label : SB.errorOf(res), !res.ok);
    setTimeout(loadDeliveries, 1000);
  }

  async function loadDeliveries() {
    const res = await SB.call("GET", route("/api/events/deliveries/") + "?limit=20");
    if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
    SB.fill(SB.$("deliveries"), (res.body.deliveries || []).map((d) => {
      const row = document.createElement("tr");
      row.dataset.event = d.event;
      row.dataset.status = d.status;
      SB.cell(row, d.event);
      SB.cell(row, d.label);
      SB.cell(row, d.status);
      SB.cell(row, String(d.attempts));
      SB.cell(row, (d.lastStatusCode ? "HTTP " + d.lastStatusCode : "") + (d.lastError ? " " + d.lastError : ""));
      row.appendChild(historyCell(d.history || []));
      return row;
    }));
  }

  // historyCell lists a delivery's recent attempts, oldest first: when, the answer (or the
  // error), how long it took and what the gateway decided next.
  function historyCell(history) {
    const td = document.createElement("td");
    const list = document.createElement("ol");
    list.className = "attempts";
    for (const a of history) {
      const item = document.createElement("li");
      item.dataset.outcome = a.outcome;
      item.textContent = new Date(a.at).toLocaleTimeString() + " " +
        (a.statusCode ? "HTTP " + a.statusCode : "no answer") + " in " + a.latencyMs + " ms" +
        (a.error ? ": " + a.error : "") + " → " + a.outcome;
      list.appendChild(item);
    }
    td.appendChild(list);
    return td;
  }

  async function redeliverDead() {
    const labels = [...document.querySelectorAll("#webhooks tr")].map((r) => r.dataset.label);
    let queued = 0;
    for (const label of labels) {
      const res = await SB.call("POST", route("/api/events/redeliver/"), { label, status: "dead" });
      if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
      queued += res.body.queued || 0;
    }
    SB.say(queued + " dead event(s) queued again");
    loadDeliveries();
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!SB.token()) { return; }
    SB.$("webhook-events").replaceChildren(...catalogue.map((name) => {
      const wrap = document.createElement("div");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = "event-" + name.replace(".", "-");
      box.value = name;
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = name;
      wrap.append(box, label);
      return wrap;
    }));
    SB.$("webhook").addEventListener("submit", saveWebhook);
    SB.$("deliveries-load").addEventListener("click", loadDeliveries);
    SB.$("redeliver-dead").addEventListener("click", redeliverDead);
    loadWebhooks();
    loadDeliveries();
  });
})();
