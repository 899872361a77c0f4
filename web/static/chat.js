// The chat without reloads. Each question goes to the conversation's turns on the server
// (created on the first question); the answer comes back as the server-rendered, escaped
// HTML of the turn. The address becomes /?c=ID, so a reload, the Back button after opening
// a citation, or a shared link show the same conversation.
(function () {
  "use strict";
  const form = document.getElementById("ask");
  if (!form) return;
  const box = form.querySelector("#question");
  const button = form.querySelector("button[type=submit]");
  const conversation = document.getElementById("conversation");
  const kept = form.querySelector("input[name=c]");
  const label = button.textContent;

  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  function setPending(pending) {
    button.disabled = pending;
    button.textContent = pending ? form.dataset.asking : label;
    form.setAttribute("aria-busy", pending ? "true" : "false");
    conversation.classList.toggle("pending", pending);
  }

  function showError(message) {
    let error = document.querySelector("p.error");
    if (!error) {
      error = document.createElement("p");
      error.className = "error";
      error.setAttribute("role", "alert");
      form.before(error);
    }
    error.textContent = message;
  }

  async function errorOf(response) {
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const message = page.querySelector(".error-message");
    return message ? message.textContent : response.statusText;
  }

  // The conversation's id: the page's, or a new one on the first question.
  async function conversationId() {
    if (kept.value) return kept.value;
    const response = await fetch("/conversations", {
      method: "POST",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(await errorOf(response));
    kept.value = (await response.json()).id;
    return kept.value;
  }

  async function post(id, body) {
    return fetch("/conversations/" + encodeURIComponent(id) + "/turns", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/html" },
      body: JSON.stringify(body),
    });
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const question = box.value.trim();
    if (!question) return;
    const body = { question: question };
    const data = new FormData(form);
    for (const name of ["since", "until", "source"]) {
      if (data.get(name)) body[name] = data.get(name);
    }
    setPending(true);
    try {
      let response = await post(await conversationId(), body);
      if (response.status === 404) {
        kept.value = ""; // expired meanwhile: start again
        response = await post(await conversationId(), body);
      }
      if (!response.ok) {
        showError(await errorOf(response));
        return;
      }
      const html = await response.text();
      document.querySelectorAll("p.error, p.notice").forEach((e) => e.remove());
      conversation.querySelectorAll(".empty").forEach((e) => e.remove());
      conversation.insertAdjacentHTML("beforeend", html);
      history.replaceState(null, "", "/?c=" + encodeURIComponent(kept.value));
      form.querySelector(".new-chat").hidden = false;
      box.value = "";
      conversation.lastElementChild.scrollIntoView({ block: "nearest", behavior: "smooth" });
    } catch (error) {
      showError(error.message || String(error));
    } finally {
      setPending(false);
      box.focus();
    }
  });
})();
