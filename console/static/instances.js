"use strict";
// The instance list, refreshed every two seconds so states change without a reload.
async function refreshInstances() {
  const res = await SB.call("GET", "/api/instance/list");
  if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
  const body = SB.$("instances");
  const rows = [];
  for (const inst of res.body.instances || []) {
    const row = document.createElement("tr");
    row.dataset.name = inst.name;
    const nameCell = document.createElement("td");
    const link = document.createElement("a");
    link.href = "/console/instance?name=" + encodeURIComponent(inst.name);
    link.textContent = inst.name;
    nameCell.appendChild(link);
    row.appendChild(nameCell);
    const state = SB.cell(row, inst.connection.state);
    state.className = "state state-" + inst.connection.state;
    SB.cell(row, (inst.connection.numberJid || "").replace(/@.*/, ""));
    SB.cell(row, inst.connection.since ? new Date(inst.connection.since).toLocaleString() : "");
    const actions = document.createElement("td");
    const del = document.createElement("button");
    del.type = "button";
    del.textContent = "Delete";
    del.setAttribute("aria-label", "Delete instance " + inst.name);
    del.addEventListener("click", () => deleteInstance(inst.name));
    actions.appendChild(del);
    row.appendChild(actions);
    rows.push(row);
  }
  SB.fill(body, rows);
}

async function deleteInstance(name) {
  if (!confirm("Delete instance " + name + "? Its device is logged out.")) { return; }
  const res = await SB.call("DELETE", "/api/instance/delete/" + encodeURIComponent(name));
  SB.say(res.ok ? "Deleted " + name : SB.errorOf(res), !res.ok);
  refreshInstances();
}

document.addEventListener("DOMContentLoaded", () => {
  if (!SB.requireToken()) { return; }
  SB.$("create").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = SB.$("name").value.trim();
    const res = await SB.call("POST", "/api/instance/new", { name });
    if (!res.ok) { SB.say(SB.errorOf(res), true); return; }
    SB.say("Created " + name);
    SB.$("created-token").textContent = res.body.instance.token;
    SB.$("created").hidden = false;
    SB.$("name").value = "";
    refreshInstances();
  });
  refreshInstances();
  setInterval(refreshInstances, 2000);
});
