// Admin actions with the bearer token typed into the page (never stored).
(function () {
  "use strict";
  const status = document.getElementById("status");
  const token = document.getElementById("token");

  async function call(method, path, body) {
    const response = await fetch(path, {
      method: method,
      headers: { Authorization: "Bearer " + token.value, Accept: "application/json" },
      body: body,
    });
    status.textContent = JSON.stringify(await response.json(), null, 2);
    if (response.ok && method !== "GET") setTimeout(poll, 500);
  }

  function poll() {
    call("GET", "/admin/status");
  }

  document.getElementById("upload").addEventListener("click", function () {
    const data = new FormData();
    for (const file of document.getElementById("files").files) data.append("files", file);
    call("POST", "/admin/articles", data);
  });
  document.getElementById("delete").addEventListener("click", function () {
    const id = document.getElementById("article-id").value.trim();
    if (id) call("DELETE", "/admin/articles/" + encodeURIComponent(id));
  });
  document.getElementById("rebuild").addEventListener("click", function () {
    call("POST", "/admin/rebuild");
  });
})();
