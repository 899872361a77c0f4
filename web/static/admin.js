// Admin actions with the bearer token typed into the page (never stored).
(function () {
  "use strict";
  const status = document.getElementById("status");
  const token = document.getElementById("token");

  // The response goes to the status box unless `quiet` (the upload list has its own place).
  async function call(method, path, body, quiet) {
    const response = await fetch(path, {
      method: method,
      headers: { Authorization: "Bearer " + token.value, Accept: "application/json" },
      body: body,
    });
    const data = await response.json();
    if (!quiet || !response.ok) status.textContent = JSON.stringify(data, null, 2);
    if (response.ok && method !== "GET") setTimeout(poll, 500);
    return response.ok ? data : null;
  }

  // One line per file, built with textContent: a file name is never parsed as HTML.
  function uploadItem(file, rejected) {
    const item = document.createElement("li");
    const what = rejected
      ? "rejected: " + file.reason
      : file.articles.length + " article(s) " + file.articles.join(" ");
    item.textContent = file.name + " (" + file.bytes + " bytes) — " + what + " ";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Delete";
    remove.addEventListener("click", async function () {
      await call("DELETE", "/admin/uploads/" + encodeURIComponent(file.name));
      listUploads();
    });
    item.append(remove);
    return item;
  }

  async function listUploads() {
    const data = await call("GET", "/admin/uploads", undefined, true);
    const list = document.getElementById("uploads");
    list.replaceChildren();
    if (!data) return;
    for (const file of data.uploads) list.append(uploadItem(file, false));
    for (const file of data.rejected) list.append(uploadItem(file, true));
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
  document.getElementById("list-uploads").addEventListener("click", listUploads);
  document.getElementById("rebuild").addEventListener("click", function () {
    call("POST", "/admin/rebuild");
  });
})();
