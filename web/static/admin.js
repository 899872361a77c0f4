// Admin actions with the bearer token typed into the page (never stored).
(function () {
  "use strict";
  const status = document.getElementById("status");
  const token = document.getElementById("token");
  const bar = document.getElementById("progress");
  const barText = document.getElementById("progress-text");
  let following = null; // the timer of the next status poll, while an update runs

  // The response goes to the status box unless `quiet` (the upload list has its own place).
  async function call(method, path, body, quiet) {
    const response = await fetch(path, {
      method: method,
      headers: { Authorization: "Bearer " + token.value, Accept: "application/json" },
      body: body,
    });
    const data = await response.json();
    if (!quiet || !response.ok) status.textContent = JSON.stringify(data, null, 2);
    if (response.ok && method !== "GET") follow(300);
    return response.ok ? data : null;
  }

  // The running update as a bar: texts embedded / total, rate and time left.
  function showProgress(data) {
    const running = data.state === "queued" || data.state === "running";
    const progress = data.progress;
    bar.hidden = !progress && !running;
    if (!progress || (running && !progress.texts_total)) {
      bar.removeAttribute("value"); // indeterminate while the texts are being counted
      barText.textContent = running ? data.kind + ": " + data.state : barText.dataset.idle;
      return running;
    }
    bar.max = Math.max(progress.texts_total, 1);
    bar.value = progress.texts_embedded;
    let line = data.kind + ": " + data.state + " — " + progress.texts_embedded + " / " +
      progress.texts_total + " " + barText.dataset.texts + " (" + progress.percent + " %)";
    if (progress.texts_per_second) line += ", " + progress.texts_per_second + " /s";
    if (running && progress.eta_seconds !== null) {
      line += ", ~" + Math.ceil(progress.eta_seconds) + " s " + barText.dataset.left;
    }
    barText.textContent = line;
    return running;
  }

  async function follow(delay) {
    clearTimeout(following);
    following = setTimeout(async function () {
      const response = await fetch("/admin/status", {
        headers: { Authorization: "Bearer " + token.value, Accept: "application/json" },
      });
      if (!response.ok) return;
      const data = await response.json();
      status.textContent = JSON.stringify(data, null, 2);
      if (showProgress(data)) follow(1000);
    }, delay);
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
  token.addEventListener("change", function () {
    follow(0);
  });
  document.getElementById("rebuild").addEventListener("click", function () {
    call("POST", "/admin/rebuild");
  });
})();
