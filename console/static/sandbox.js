"use strict";
// The sandbox panel: simulated phones scan an instance's QR and own groups.
async function loadInstances() {
  const res = await SB.call("GET", "/api/instance/list");
  if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
  SB.$("scan-instance").replaceChildren(...(res.body.instances || []).map((i) => {
    const o = document.createElement("option");
    o.value = i.name;
    o.textContent = i.name + " (" + i.connection.state + ")";
    return o;
  }));
}

async function scan(ev) {
  ev.preventDefault();
  const name = SB.$("scan-instance").value;
  const connect = await SB.call("GET", "/api/instance/connect/" + encodeURIComponent(name));
  if (!connect.ok || !connect.body.qrCode) {
    SB.say(connect.ok ? (connect.body.message || "No QR code to scan") : SB.errorOf(connect), !connect.ok);
    return;
  }
  const res = await SB.call("POST", "/sandbox/scan", { qrCode: connect.body.qrCode, phone: SB.$("scan-phone").value.trim() });
  SB.say(res.ok ? "Scanned by phone " + res.body.phone : SB.errorOf(res), !res.ok);
  loadInstances();
}

async function createGroup(ev) {
  ev.preventDefault();
  const res = await SB.call("POST", "/sandbox/groups", { name: SB.$("group-name").value.trim(), owner: SB.$("group-owner").value.trim() });
  SB.$("group-created").textContent = res.ok ? "Created group " + res.body.jid : SB.errorOf(res);
}

document.addEventListener("DOMContentLoaded", () => {
  if (!SB.requireToken()) { return; }
  SB.$("scan").addEventListener("submit", scan);
  SB.$("group").addEventListener("submit", createGroup);
  loadInstances();
});
