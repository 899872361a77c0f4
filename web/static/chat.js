// The chat without reloads: fetch /ask for the server-rendered (escaped) answer fragment.
(function () {
  "use strict";
  const form = document.getElementById("ask");
  if (!form) return;
  const box = form.querySelector("#question");
  const button = form.querySelector("button[type=submit]");
  const conversation = document.getElementById("conversation");
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

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const question = box.value.trim();
    if (!question) return;
    const history = Array.from(form.querySelectorAll("input[name=history]"), (i) => i.value);
    const body = { question: question, history: history.slice(-5) };
    const data = new FormData(form);
    for (const name of ["since", "until", "source"]) {
      if (data.get(name)) body[name] = data.get(name);
    }
    setPending(true);
    try {
      const response = await fetch("/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/html" },
        body: JSON.stringify(body),
      });
      const html = await response.text();
      if (!response.ok) {
        const page = new DOMParser().parseFromString(html, "text/html");
        const message = page.querySelector(".error-message");
        showError(message ? message.textContent : response.statusText);
        return;
      }
      document.querySelectorAll("p.error").forEach((e) => e.remove());
      conversation.querySelectorAll(".empty").forEach((e) => e.remove());
      conversation.insertAdjacentHTML("beforeend", html);
      const asked = document.createElement("input");
      asked.type = "hidden";
      asked.name = "history";
      asked.value = question;
      form.prepend(asked);
      box.value = "";
      conversation.lastElementChild.scrollIntoView({ block: "nearest", behavior: "smooth" });
    } catch (error) {
      showError(String(error));
    } finally {
      setPending(false);
      box.focus();
    }
  });
})();
