"use strict";
document.addEventListener("DOMContentLoaded", () => {
  if (SB.token()) { location.assign("/console/instances"); return; }
  SB.$("token").focus();
  SB.$("signin").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const t = SB.$("token").value.trim();
    SB.signIn(t);
    const res = await SB.call("GET", "/api/instance/list");
    if (!res.ok) {
      sessionStorage.clear();
      SB.say(SB.errorOf(res), true);
      SB.$("token").focus();
      return;
    }
    location.assign("/console/instances");
  });
});
