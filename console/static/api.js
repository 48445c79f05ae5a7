"use strict";
// The console's one way to the server: the REST API, with the token from sessionStorage in the
// `token` header. The token never goes into a URL, a cookie or the page itself.
const SB = (() => {
  const key = "switchboard.token";
  const $ = (id) => document.getElementById(id);

  function token() { return sessionStorage.getItem(key); }

  function signIn(t) { sessionStorage.setItem(key, t); }

  function signOut() {
    sessionStorage.removeItem(key);
    location.assign("/console/");
  }

  // say writes to the page's live status region, which screen readers announce.
  function say(message, isError) {
    const s = $("status");
    s.textContent = message || "";
    s.classList.toggle("error", !!isError);
  }

  // call sends one API request and resolves to {status, ok, body, sandbox}. A 401 means the
  // token is gone or wrong: back to the sign-in page.
  async function call(method, path, body) {
    const init = { method, headers: { token: token() || "" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = {};
    try { data = await res.json(); } catch (e) { data = {}; }
    if (res.status === 401 && location.pathname !== "/console/") {
      signOut();
    }
    return { status: res.status, ok: res.ok, body: data, sandbox: res.headers.get("X-Switchboard-Sandbox") === "true" };
  }

  // errorOf is the API's error message, or a generic one.
  function errorOf(res) {
    return (res.body && res.body.error && res.body.error.message) || ("Request failed (" + res.status + ")");
  }

  // requireToken sends a visitor without a token to the sign-in page.
  function requireToken() {
    if (!token()) {
      location.assign("/console/");
      return false;
    }
    return true;
  }

  // cell appends a table cell holding text (never HTML: names come from users).
  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  // fill replaces a table body's rows and labels each cell with its column's heading, so that
  // narrow screens can show every row as a card of "heading: value" lines (console.css).
  function fill(tbody, rows) {
    tbody.replaceChildren(...rows);
    const headings = [...tbody.closest("table").querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of rows) {
      [...row.cells].forEach((td, i) => { if (headings[i]) { td.dataset.label = headings[i]; } });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (token()) { $("nav").hidden = false; }
    $("signout").addEventListener("click", signOut);
  });

  return { $, token, signIn, signOut, say, call, errorOf, requireToken, cell, fill };
})();
