"use strict";
// One instance: its live state, connecting by QR (redrawn as WhatsApp rotates it) or pairing
// code, settings and proxy, and linking groups to a community by ticking them.
const instanceName = new URLSearchParams(location.search).get("name") || "";
const base = (route) => route + encodeURIComponent(instanceName);
let showQR = false;
let lastQR = "";

async function refreshState() {
  const res = await SB.call("GET", "/api/instance/list?instanceName=" + encodeURIComponent(instanceName));
  const inst = res.ok && res.body.instances && res.body.instances[0];
  if (!inst) { SB.say(res.ok ? "Instance not found" : SB.errorOf(res), true); return; }
  SB.$("state").textContent = inst.connection.state;
  SB.$("number").textContent = (inst.connection.numberJid || "").replace(/@.*/, "");
  if (inst.connection.state === "connected") {
    showQR = false;
    SB.$("qr-figure").hidden = true;
    SB.$("pairing-code").hidden = true;
  }
}

// refreshQR asks /connect for the current code; while a login is pending it answers the code
// WhatsApp shows now, so polling it redraws the QR when whatsmeow rotates it.
async function refreshQR() {
  if (!showQR) { return; }
  const res = await SB.call("GET", base("/api/instance/connect/"));
  if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
  if (res.body.qrCodeBase64 && res.body.qrCode !== lastQR) {
    lastQR = res.body.qrCode;
    SB.$("qr").src = res.body.qrCodeBase64;
    SB.$("qr-figure").hidden = false;
  }
  if (!res.body.qrCode) { showQR = false; SB.say(res.body.message || ""); }
}

async function pairingCode(ev) {
  ev.preventDefault();
  const phone = SB.$("phone").value.trim();
  const res = await SB.call("GET", base("/api/instance/connect/") + "?number=" + encodeURIComponent(phone));
  if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
  SB.$("pairing-code-value").textContent = res.body.pairingCode || "";
  SB.$("pairing-code").hidden = !res.body.pairingCode;
}

async function loadSettings() {
  const settings = await SB.call("GET", base("/api/instance/getSettings/"));
  SB.$("settings").textContent = settings.ok ? JSON.stringify(settings.body.settings, null, 2) : SB.errorOf(settings);
  const proxy = await SB.call("GET", base("/api/instance/getProxy/"));
  SB.$("proxy").textContent = proxy.ok ? JSON.stringify(proxy.body.proxy, null, 2) : SB.errorOf(proxy);
}

async function loadGroups() {
  const [groups, communities] = await Promise.all([
    SB.call("GET", base("/api/group/list/") + "?participants=false"),
    SB.call("GET", base("/api/community/list/")),
  ]);
  if (!groups.ok) { SB.say(SB.errorOf(groups), true); return; }
  if (!communities.ok) { SB.say(SB.errorOf(communities), true); return; }
  const select = SB.$("community");
  select.replaceChildren(...(communities.body.communities || []).map((c) => {
    const o = document.createElement("option");
    o.value = c.jid;
    o.textContent = c.name || c.jid;
    return o;
  }));
  const choices = [];
  for (const g of groups.body.groups || []) {
    if (g.isCommunity || g.isDefaultSubGroup) { continue; }
    const id = "g-" + g.jid.replace(/[^0-9a-z]/gi, "");
    const wrap = document.createElement("div");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = id;
    box.value = g.jid;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = (g.name || g.jid) + (g.linkedParentJid ? " (in a community)" : "");
    wrap.append(box, label);
    choices.push(wrap);
  }
  SB.$("group-choices").replaceChildren(...choices);
  SB.$("link").hidden = false;
  SB.say(choices.length + " group(s), " + select.options.length + " communit" + (select.options.length === 1 ? "y" : "ies"));
}

async function linkGroups(ev) {
  ev.preventDefault();
  const groupJid = [...document.querySelectorAll("#group-choices input:checked")].map((b) => b.value);
  const res = await SB.call("POST", base("/api/community/link/"), { communityJid: SB.$("community").value, groupJid });
  SB.$("link-message").textContent = res.body.message || SB.errorOf(res);
  SB.$("link-results").replaceChildren(...(res.body.results || []).map((r) => {
    const li = document.createElement("li");
    li.textContent = r.jid + ": " + r.status + (r.message ? " (" + r.message + ")" : "");
    return li;
  }));
}

document.addEventListener("DOMContentLoaded", () => {
  if (!SB.requireToken()) { return; }
  document.title = instanceName + " · Switchboard";
  document.querySelector("h1").textContent = "Instance " + instanceName;
  SB.$("qr-button").addEventListener("click", () => { showQR = true; lastQR = ""; refreshQR(); });
  SB.$("paircode").addEventListener("submit", pairingCode);
  SB.$("logout").addEventListener("click", async () => {
    const res = await SB.call("DELETE", base("/api/instance/logout/"));
    SB.say(res.ok ? (res.body.message || "Logged out") : SB.errorOf(res), !res.ok);
  });
  SB.$("groups-load").addEventListener("click", loadGroups);
  SB.$("link").addEventListener("submit", linkGroups);
  refreshState();
  loadSettings();
  setInterval(refreshState, 1500);
  setInterval(refreshQR, 4000);
});
