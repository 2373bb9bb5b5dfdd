// forum.js: progressive enhancement for thread pages. Without it every form still works
// as a plain POST; with it replies open inline, comments appear without a reload, the
// preview follows the text, and the name is remembered in this browser.

const NAME_KEY = "forum:author";
const PREVIEW_DELAY_MS = 300;

function rememberedName() {
  try {
    return localStorage.getItem(NAME_KEY) || "";
  } catch {
    return "";
  }
}

function rememberName(name) {
  try {
    if (name) localStorage.setItem(NAME_KEY, name);
    else localStorage.removeItem(NAME_KEY);
  } catch {
    // Storage can be disabled; the form works without it.
  }
}

function fragmentToElement(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

function showError(form, message) {
  form.querySelector(".form-error").textContent = message;
  form.querySelector(".form-status").textContent = "";
}

// What went right (held for a moderator, shown out of its place), not in the error's red.
function showStatus(form, message) {
  form.querySelector(".form-error").textContent = "";
  form.querySelector(".form-status").textContent = message;
}

async function postForm(form, url) {
  const response = await fetch(url || form.action, {
    method: "POST",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(new FormData(form)),
    credentials: "same-origin",
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { response, data };
}

// A new top-level comment is the thread's newest: first when the page lists the newest
// first, else last. The list says when that place is on another page of the thread.
const UNTIL_RELOAD = "it is shown here until you reload.";
const ELSEWHERE = {
  newest: `Your comment is posted. Its place is at the top of the first page; ${UNTIL_RELOAD}`,
  oldest: `Your comment is posted. Its place is after the comments on the next pages; ${UNTIL_RELOAD}`,
};

function insertComment(li, parentId) {
  if (!parentId) {
    const list = document.querySelector("#comments");
    if (list.dataset.sort === "newest") list.prepend(li);
    else list.append(li);
    document.querySelector(".discussion .empty")?.remove();
    return "newElsewhere" in list.dataset ? ELSEWHERE[list.dataset.sort] || "" : "";
  }
  const parent = document.getElementById(`c${parentId}`);
  let replies = parent.querySelector(":scope > ol.replies");
  if (!replies) {
    replies = document.createElement("ol");
    replies.className = "replies";
    parent.append(replies);
  }
  replies.append(li);
  return "";
}

async function submitComment(event) {
  const form = event.target;
  event.preventDefault();
  showError(form, "");
  const author = form.querySelector("[name=author]").value.trim();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const { response, data } = await postForm(form);
    if (response.status === 202 && data?.pending) {
      rememberName(author);
      form.querySelector("textarea[name=text]").value = "";
      showStatus(form, data.message);
      return;
    }
    if (response.status !== 201 || !data) {
      const message = data?.error?.message || `Posting failed (${response.status}).`;
      showError(form, message);
      return;
    }
    rememberName(author);
    const li = fragmentToElement(data.fragment);
    const note = insertComment(li, data.parent_id);
    enhanceComment(li);
    if (form.classList.contains("inline-reply")) {
      form.remove();
    } else {
      form.reset();
      form.querySelector("[name=author]").value = author;
      const preview = form.querySelector(".preview");
      preview.hidden = true;
      preview.replaceChildren();
    }
    if (note) showStatus(form, note);
    li.tabIndex = -1;
    li.focus();
    history.replaceState(null, "", `#c${data.id}`);
  } catch {
    showError(form, "The comment could not be sent. Check your connection and try again.");
  } finally {
    button.disabled = false;
  }
}

function enhancePreview(form) {
  const textarea = form.querySelector("textarea[name=text]");
  const preview = form.querySelector(".preview");
  const previewUrl = document.body.dataset.previewUrl || "/preview";
  let timer = null;
  // Each request gets a number; only the answer to the latest one may be shown, and
  // posting the form makes every earlier answer stale.
  let latest = 0;
  form.addEventListener("submit", () => {
    clearTimeout(timer);
    latest += 1;
  });
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    const request = ++latest;
    timer = setTimeout(async () => {
      if (!textarea.value.trim()) {
        preview.hidden = true;
        preview.replaceChildren();
        return;
      }
      const body = new URLSearchParams({
        csrf_token: form.querySelector("[name=csrf_token]").value,
        text: textarea.value,
      });
      try {
        const response = await fetch(previewUrl, {
          method: "POST",
          headers: { Accept: "application/json" },
          body,
          credentials: "same-origin",
        });
        if (!response.ok || request !== latest) return;
        const data = await response.json();
        if (request !== latest) return;
        const label = document.createElement("p");
        label.className = "preview-label";
        label.textContent = "Preview";
        // `html` is the server's bleach-sanitised rendering, the same as a stored comment.
        const content = document.createElement("div");
        content.className = "preview-body";
        content.innerHTML = data.html;
        preview.replaceChildren(label, content);
        preview.hidden = false;
      } catch {
        // The preview is a convenience; posting still works.
      }
    }, PREVIEW_DELAY_MS);
  });
}

function enhanceForm(form) {
  const author = form.querySelector("[name=author]");
  if (author && !author.value) author.value = rememberedName();
  form.addEventListener("submit", submitComment);
  enhancePreview(form);
}

function openReplyForm(link) {
  const li = link.closest("li.comment");
  const id = li.dataset.id;
  const existing = document.getElementById(`reply-${id}`);
  if (existing) {
    existing.querySelector("textarea").focus();
    return;
  }
  const source = document.getElementById("comment-form");
  if (!source) return;
  const form = source.cloneNode(true);
  form.id = `reply-${id}`;
  form.classList.add("inline-reply");
  for (const el of form.querySelectorAll("[id]")) {
    el.id = el.id.replace("comment-form", `reply-${id}`);
  }
  for (const el of form.querySelectorAll("label[for]")) {
    el.htmlFor = el.htmlFor.replace("comment-form", `reply-${id}`);
  }
  form.querySelector("textarea").setAttribute("aria-describedby", `reply-${id}-help`);
  form.querySelector("[name=parent_id]").value = id;
  form.querySelector("textarea").value = "";
  form.querySelector(".form-error").textContent = "";
  form.querySelector(".form-status").textContent = "";
  const preview = form.querySelector(".preview");
  preview.hidden = true;
  preview.replaceChildren();
  const who = li.querySelector(".author")?.textContent || "this comment";
  form.querySelector(".form-heading").textContent = `Reply to ${who}`;
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "link-button cancel";
  cancel.textContent = "Cancel";
  cancel.addEventListener("click", () => {
    form.remove();
    link.focus();
  });
  form.querySelector("button[type=submit]").after(" ", cancel);
  li.querySelector(":scope > article").after(form);
  enhanceForm(form);
  form.querySelector("textarea").focus();
}

function enhanceComment(root) {
  for (const link of root.querySelectorAll("a.reply-link")) {
    link.addEventListener("click", (event) => {
      if (!document.getElementById("comment-form")) return; // sub-thread page: follow it
      event.preventDefault();
      openReplyForm(link);
    });
  }
}

for (const form of document.querySelectorAll("form.comment-form")) enhanceForm(form);
enhanceComment(document);
