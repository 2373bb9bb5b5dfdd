// embed.js: forum's comment widget for other sites' pages, served at /embed.js.
//
//   <div data-forum-thread data-url="https://blog.example/post/1" data-title="Post 1"></div>
//   <script src="https://forum.example/embed.js" async></script>
//
// Each [data-forum-thread] element gets a shadow root holding the thread and a comment
// form, so the page's CSS and ours never meet. Everything goes through the JSON API v1 of
// the forum that served this file (CORS, no cookies); an author's edit token is kept in
// this site's localStorage so they can add a source later. Plain DOM, no eval, no inline
// handlers or styles, so it runs under a strict Content-Security-Policy on the host page.
(() => {
  "use strict";
  if (window.forumEmbed) {
    window.forumEmbed.scan();
    return;
  }
  const script =
    document.currentScript || document.querySelector("script[src*='/embed.js']");
  if (!script) return;
  const FORUM = new URL(script.src).origin;
  const API = `${FORUM}/api/v1`;
  const STORE = `forum-embed:${FORUM}:`;
  const KEEP_MS = 8 * 86400e3; // a little over the default source window; forum decides
  const MAX_OWNED = 50;

  const DARK = `--a:var(--forum-accent,#7db7ff);--on-a:var(--forum-on-accent,#0d1117);
--bg:var(--forum-bg,#16181c);--fg:var(--forum-fg,#e8e9ec);--mu:var(--forum-muted,#a9afba);
--ln:var(--forum-line,#343842);--card:var(--forum-card,#1d2026);--err:var(--forum-error,#ff8a80);
color-scheme:dark`;
  const CSS = `
:host{all:initial;display:block}
:host([hidden]){display:none}
.forum{--a:var(--forum-accent,#0b5cad);--on-a:var(--forum-on-accent,#fff);
--bg:var(--forum-bg,#fdfdfc);--fg:var(--forum-fg,#1d1f23);--mu:var(--forum-muted,#555b66);
--ln:var(--forum-line,#d9dce1);--card:var(--forum-card,#fff);--err:var(--forum-error,#b00020);
--r:var(--forum-radius,6px);color-scheme:light;
font:var(--forum-font-size,1rem)/1.55
var(--forum-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);
color:var(--fg);background:var(--bg);padding:1em;border-radius:var(--r)}
@media (prefers-color-scheme:dark){.forum:not([data-theme=light]){${DARK}}}
.forum[data-theme=dark]{${DARK}}
*,::before,::after{box-sizing:border-box}
h2{font-size:1.25em;line-height:1.3;margin:0 0 .5em}
h3{font-size:1em;margin:0 0 .25em}
a{color:var(--a)}
:focus-visible,li:focus{outline:3px solid var(--a);outline-offset:2px}
ol{list-style:none;margin:0;padding:0}
.replies{margin-left:1em;padding-left:.75em;border-left:2px solid var(--ln)}
.replies .replies .replies .replies{margin-left:0}
li{margin:.75em 0}
article,form{background:var(--card);border:1px solid var(--ln);border-radius:var(--r);
padding:.6em .9em}
p{margin:0}
.meta,.foot,.hint,.check{color:var(--mu);font-size:.875em}
.author{font-weight:600;color:var(--fg);margin-right:.5em}
.body{overflow-wrap:anywhere}
.body p,.body ul,.body ol,.body pre{margin:.4em 0}
.body ol{list-style:decimal;padding-left:1.5em}
.body pre{overflow-x:auto}
blockquote{margin:.5em 0;padding-left:.75em;border-left:3px solid var(--ln);color:var(--mu)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
.badge{display:inline-block;margin:.25em 0;padding:.1em .5em;border-radius:4px;font-size:.875em;
background:#fff4ce;color:#5c4400;border:1px solid #e0c35c}
.badge.mine{background:none;color:var(--fg);border:1px dashed var(--mu)}
.sources{font-size:.875em;margin:.25em 0;padding-left:1.2em;list-style:disc}
.actions{display:flex;gap:1em;align-items:center;font-size:.875em;margin-top:.25em}
button{font:inherit;cursor:pointer}
.link{background:none;border:0;padding:0;color:var(--a);text-decoration:underline}
button[type=submit]{font-weight:600;color:var(--on-a);background:var(--a);border:0;
border-radius:4px;padding:.45em 1em}
button:disabled{opacity:.6;cursor:progress}
.more{display:block;width:100%;margin:.75em 0;padding:.5em;color:var(--a);background:var(--card);
border:1px solid var(--ln);border-radius:var(--r);font-weight:600}
form{margin:.75em 0}
.field{display:flex;flex-direction:column;gap:.25em;margin:.5em 0}
label{font-weight:600}
input,textarea{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--mu);
border-radius:4px;padding:.45em;width:100%}
[aria-invalid=true]{border:2px solid var(--err)}
.error{color:var(--err);font-weight:600;margin:.25em 0}
.error:empty,.status:empty{display:none}
.status{margin:.5em 0}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

  let sheet = null;
  function style(root) {
    // A constructed sheet is shared by every widget and needs no 'unsafe-inline' style.
    try {
      sheet = sheet || new CSSStyleSheet();
      if (!sheet.cssRules.length) sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch {
      root.append(h("style", { text: CSS }));
    }
  }

  // ------------------------------------------------------------------ small helpers

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value == null) continue;
      if (key === "text") el.textContent = value;
      else el.setAttribute(key, value === true ? "" : value);
    }
    return add(el, ...children);
  }

  // Like append, but conditional children (false, null, undefined) add nothing.
  function add(el, ...children) {
    el.append(...children.filter((c) => c != null && c !== false));
    return el;
  }

  // Comment HTML comes sanitised by forum's bleach allow-list when it was stored; a
  // <template> parses it inert (no scripts run, nothing loads) before it is inserted.
  function sanitised(html) {
    const template = document.createElement("template");
    template.innerHTML = html || "";
    return template.content;
  }

  function load(key, fallback) {
    try {
      const value = localStorage.getItem(STORE + key);
      return value === null ? fallback : JSON.parse(value);
    } catch {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      localStorage.setItem(STORE + key, JSON.stringify(value));
    } catch {
      // Storage can be off; the widget works, only memory across visits is lost.
    }
  }

  // Comment id -> {t: edit token, at: posted (ms), ns: flagged as needing a source}.
  function owned() {
    const now = Date.now();
    const kept = Object.entries(load("own", {})).filter(([, o]) => o && now - o.at < KEEP_MS);
    return Object.fromEntries(kept.sort((a, b) => a[1].at - b[1].at).slice(-MAX_OWNED));
  }

  function own(id, record) {
    save("own", { ...owned(), [id]: record });
  }

  async function api(method, path, body, token) {
    const headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers["X-Edit-Token"] = token;
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
        mode: "cors",
        credentials: "omit",
      });
    } catch {
      const message = "The comment server could not be reached, or it does not serve this site.";
      throw { status: 0, message };
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw {
        status: response.status,
        message: error.message || `The comment server answered ${response.status}.`,
        field: error.field,
      };
    }
    return data;
  }

  // The remembered name follows into every form on the page still showing the old one.
  function rememberAuthor(name) {
    const previous = load("author", "");
    save("author", name);
    for (const widget of widgets) {
      for (const input of widget.root.querySelectorAll(".comment-form [name=author]")) {
        if (input.value === previous) input.value = name;
      }
    }
  }

  const widgets = [];
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function visibleCount(nodes) {
    return nodes.reduce((n, c) => n + (c.removed ? 0 : 1) + visibleCount(c.replies || []), 0);
  }

  // ------------------------------------------------------------------ one widget

  class Widget {
    constructor(host) {
      this.host = host;
      this.ref = host.dataset.thread || "";
      const canonical = document.querySelector("link[rel=canonical]");
      this.url =
        host.dataset.url || (canonical && canonical.href) || location.origin + location.pathname;
      this.title = (host.dataset.title || document.title || this.url).slice(0, 300);
      // Top-level comments fetched at a time, each with all its replies (the API's limit).
      this.pageSize = Math.min(200, Math.max(1, parseInt(host.dataset.pageSize, 10) || 100));
      this.thread = null;
      this.nodes = new Map();
      this.postedHere = 0; // comments posted here since the last page came
      this.ownRoots = []; // top-level comments posted here, shown last until pages catch up
      this.root = host.attachShadow({ mode: "open" });
      style(this.root);
      this.heading = h("h2", { id: "heading", text: "Comments" });
      this.status = h("p", { class: "status", role: "status", "aria-live": "polite" });
      this.list = h("ol", { class: "comments", "aria-labelledby": "heading" });
      this.main = h("div");
      this.section = h(
        "section",
        { class: "forum", "aria-labelledby": "heading", "data-theme": host.dataset.theme },
        this.heading,
        this.status,
        this.main,
      );
      this.root.append(this.section);
      this.root.addEventListener("click", (event) => this.click(event));
      this.root.addEventListener("submit", (event) => this.submit(event));
      this.load();
    }

    say(message) {
      this.status.textContent = message;
    }

    async load() {
      this.main.replaceChildren();
      this.say("Loading comments…");
      try {
        let id = /^\d+$/.test(this.ref) ? this.ref : null;
        if (!id) {
          const query = this.ref ? { slug: this.ref } : { url: this.url };
          try {
            id = (await api("GET", `/threads/lookup?${new URLSearchParams(query)}`)).id;
          } catch (error) {
            if (error.status !== 404 || this.ref) throw error;
          }
        }
        this.thread = id ? await api("GET", `/threads/${id}?limit=${this.pageSize}`) : null;
        this.postedHere = 0;
      } catch (error) {
        this.say(`Comments could not be loaded. ${error.message}`);
        const retry = { type: "button", class: "link", "data-retry": true, text: "Try again" };
        this.main.append(h("button", retry));
        return;
      }
      this.say("");
      this.render();
    }

    render() {
      const comments = this.thread ? this.thread.comments : [];
      this.mine = owned();
      this.nodes.clear();
      this.list.replaceChildren(...comments.map((node) => this.item(node)));
      this.main.replaceChildren(this.list);
      if (this.thread && this.thread.next_cursor) this.main.append(this.moreButton());
      this.count();
      if (!comments.length) this.main.append(h("p", { class: "empty", text: "No comments yet." }));
      if (!this.thread || this.thread.open) this.main.append(this.form(null));
      else this.main.append(h("p", { text: "This discussion is closed." }));
      if (this.thread) {
        const href = `${FORUM}/t/${encodeURIComponent(this.thread.slug)}`;
        const link = h("a", { href, text: "Open this discussion on the forum" });
        this.main.append(h("p", { class: "foot" }, link));
      }
    }

    count() {
      // With pages still to come, the server's count (as of the last page) says more.
      let n = visibleCount(this.thread ? this.thread.comments : []);
      if (this.thread && this.thread.next_cursor) {
        n = Math.max(n, (this.thread.comment_count || 0) + this.postedHere);
      }
      this.heading.textContent = n ? `${n} comment${n === 1 ? "" : "s"}` : "Comments";
    }

    moreButton() {
      const attrs = { type: "button", class: "more", "data-more": true };
      return h("button", { ...attrs, text: "Show more comments" });
    }

    async more(button) {
      button.disabled = true;
      this.say("Loading more comments…");
      let page;
      try {
        const { next_cursor: cursor } = this.thread;
        const query = new URLSearchParams({ limit: this.pageSize, cursor });
        page = await api("GET", `/threads/${this.thread.id}?${query}`);
      } catch (error) {
        this.say(`More comments could not be loaded. ${error.message}`);
        button.disabled = false;
        return;
      }
      // Comments posted here since are already shown, after everything loaded so far:
      // new ones from the page go before them, and those from the page are not repeated.
      const anchor = this.ownRoots.find((li) => li.isConnected) || null;
      const shown = page.comments.filter((node) => !this.nodes.has(String(node.id)));
      for (const node of shown) {
        this.thread.comments.push(node);
        this.list.insertBefore(this.item(node), anchor);
      }
      this.thread.next_cursor = page.next_cursor;
      this.thread.comment_count = page.comment_count;
      this.postedHere = 0;
      if (page.next_cursor) button.disabled = false;
      else button.remove();
      this.count();
      this.say(`${shown.length} more comment${shown.length === 1 ? "" : "s"} shown.`);
      const first = shown.length && this.root.getElementById(`c${shown[0].id}`);
      if (first) first.focus();
    }

    item(node) {
      this.nodes.set(String(node.id), node);
      const id = node.id;
      const li = h("li", { class: "comment", id: `c${id}`, "data-id": id, tabindex: "-1" });
      const article = h("article", { "aria-labelledby": `c${id}-by` });
      li.append(article);
      if (node.removed) {
        article.append(h("p", { class: "meta", id: `c${id}-by`, text: "[removed]" }));
      } else {
        const mine = this.mine[id];
        const sources = node.sources || [];
        const unsourced = mine && mine.ns && !sources.length;
        add(
          article,
          h(
            "p",
            { class: "meta" },
            h("span", { class: "author", id: `c${id}-by`, text: node.author }),
            h("time", { datetime: node.created_at, text: when.format(new Date(node.created_at)) }),
            node.edited_at && " (edited)",
          ),
          node.source_requested &&
            h(
              "p",
              { class: "badge", role: "note" },
              h("strong", { text: "Source requested" }),
              node.moderator_note && `: ${node.moderator_note}`,
            ),
          !node.source_requested &&
            unsourced &&
            h(
              "p",
              { class: "badge mine", role: "note" },
              h("strong", { text: "Needs source" }),
              ": this seems to state a fact. Add a link so readers can check it " +
                "(only you see this).",
            ),
          h("div", { class: "body" }, sanitised(node.html)),
          sources.length > 0 &&
            h(
              "ul",
              { class: "sources", "aria-label": "Sources added by the author" },
              ...sources.map((s) => this.source(s)),
            ),
          mine && (node.source_requested || unsourced) && sources.length < 5 && this.sourceForm(id),
          (!this.thread || this.thread.open) &&
            h(
              "div",
              { class: "actions" },
              h(
                "button",
                { type: "button", class: "link", "data-reply": id, "aria-expanded": "false" },
                "Reply",
                h("span", { class: "vh", text: ` to ${node.author}` }),
              ),
            ),
        );
      }
      if (node.replies && node.replies.length) {
        li.append(h("ol", { class: "replies" }, ...node.replies.map((reply) => this.item(reply))));
      }
      return li;
    }

    source(s) {
      const web = /^https?:\/\//i.test(s.url); // forum only stores web links; never a script
      return h(
        "li",
        null,
        "Source: ",
        web ? h("a", { href: s.url, rel: "nofollow ugc noopener", text: s.url }) : s.url,
        h("span", { class: "check", text: s.reachable ? " (answered)" : " (did not answer)" }),
      );
    }

    field(prefix, name, label, attrs) {
      const id = `${prefix}-${name}`;
      const input = h(name === "text" ? "textarea" : "input", { id, name, ...attrs });
      return h("p", { class: "field" }, h("label", { for: id }, ...label), input);
    }

    form(parentId) {
      const prefix = parentId ? `reply-${parentId}` : "new";
      const form = h(
        "form",
        {
          class: "comment-form",
          id: prefix,
          "aria-labelledby": `${prefix}-title`,
          "data-parent": parentId,
        },
        h("h3", { id: `${prefix}-title`, text: parentId ? "Your reply" : "Add a comment" }),
        this.field(prefix, "author", ["Name ", h("span", { class: "hint", text: "(optional)" })], {
          maxlength: 80,
          autocomplete: "name",
        }),
        this.field(prefix, "text", [parentId ? "Reply" : "Comment"], {
          required: true,
          maxlength: 10000,
          rows: 4,
          "aria-describedby": `${prefix}-hint`,
        }),
        h("p", {
          class: "hint",
          id: `${prefix}-hint`,
          text:
            "*emphasis*, **strong**, [link](https://…), > quote, `code`. " +
            "Comments are checked for unsourced claims.",
        }),
        h("p", { class: "error", "aria-live": "assertive" }),
        h(
          "p",
          { class: "actions" },
          h("button", { type: "submit", text: parentId ? "Post reply" : "Post comment" }),
          parentId &&
            h("button", { type: "button", class: "link", "data-cancel": parentId, text: "Cancel" }),
        ),
      );
      form.elements.author.value = load("author", "");
      return form;
    }

    sourceForm(id) {
      const prefix = `source-${id}`;
      return h(
        "form",
        { class: "source-form", "data-source": id, "aria-label": "Add a source" },
        this.field(prefix, "url", ["Link to your source"], {
          type: "url",
          required: true,
          maxlength: 2000,
          placeholder: "https://",
        }),
        this.field(prefix, "note", ["Note ", h("span", { class: "hint", text: "(optional)" })], {
          maxlength: 500,
        }),
        h("p", { class: "error", "aria-live": "assertive" }),
        h("button", { type: "submit", text: "Add source" }),
      );
    }

    click(event) {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.hasAttribute("data-retry")) this.load();
      if (button.hasAttribute("data-more")) this.more(button);
      if (button.dataset.reply) this.openReply(button);
      if (button.dataset.cancel) this.closeReply(button.dataset.cancel, true);
    }

    openReply(button) {
      const id = button.dataset.reply;
      const li = this.root.getElementById(`c${id}`);
      let form = this.root.getElementById(`reply-${id}`);
      if (!form) {
        form = this.form(id);
        li.querySelector(":scope > article").after(form);
      }
      button.setAttribute("aria-expanded", "true");
      button.setAttribute("aria-controls", form.id);
      form.elements.text.focus();
    }

    closeReply(id, refocus) {
      this.root.getElementById(`reply-${id}`)?.remove();
      const button = this.root.querySelector(`[data-reply="${id}"]`);
      if (!button) return;
      button.setAttribute("aria-expanded", "false");
      if (refocus) button.focus();
    }

    async submit(event) {
      const form = event.target;
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      if (button.disabled) return;
      this.fail(form, null);
      button.disabled = true;
      try {
        if (form.dataset.source) await this.addSource(form);
        else await this.post(form);
      } catch (error) {
        this.fail(form, error);
      } finally {
        button.disabled = false;
      }
    }

    fail(form, error) {
      form.querySelector(".error").textContent = error ? error.message : "";
      for (const field of form.querySelectorAll("[aria-invalid]")) {
        field.removeAttribute("aria-invalid");
      }
      const wrong = error && error.field && form.elements[error.field];
      if (wrong && wrong.focus) {
        wrong.setAttribute("aria-invalid", "true");
        wrong.focus();
      }
    }

    async post(form) {
      const text = form.elements.text.value;
      const author = form.elements.author.value.trim();
      if (!text.trim()) throw { message: "Write your comment first.", field: "text" };
      const parentId = form.dataset.parent ? Number(form.dataset.parent) : null;
      const created = !this.thread;
      if (created) {
        // The page's first comment creates its thread (forum checks the page's site).
        const thread = await api("POST", "/threads", { url: this.url, title: this.title });
        this.thread = { ...thread, open: true, comments: [] };
      }
      const body = { text, ...(author && { author }), ...(parentId && { parent_id: parentId }) };
      const posted = await api("POST", `/threads/${this.thread.id}/comments`, body);
      rememberAuthor(author);
      form.elements.text.value = "";
      if (posted.pending) {
        this.say(posted.message || "Thank you. Your comment will appear once it is approved.");
        if (parentId) this.closeReply(parentId, true);
        return;
      }
      own(posted.id, { t: posted.edit_token, at: Date.now(), ns: !!posted.needs_source });
      this.mine = owned();
      const { id, parent_id, author: name, html, created_at } = posted;
      const node = { id, parent_id, author: name, html, created_at, sources: [], replies: [] };
      const parent = parentId && this.nodes.get(String(parentId));
      (parent ? parent.replies : this.thread.comments).push(node);
      if (parent) {
        this.closeReply(parentId, false);
        const li = this.root.getElementById(`c${parentId}`);
        let replies = li.querySelector(":scope > ol.replies");
        if (!replies) li.append((replies = h("ol", { class: "replies" })));
        replies.append(this.item(node));
      } else if (created) {
        this.render(); // adds the link to the new thread too
      } else {
        const li = this.item(node);
        this.list.append(li);
        this.ownRoots.push(li);
        this.main.querySelector(".empty")?.remove();
      }
      this.postedHere += 1;
      this.count();
      this.say(
        posted.needs_source
          ? "Your comment is posted. It seems to state a fact: add a link to your source below it."
          : "Your comment is posted.",
      );
      this.root.getElementById(`c${posted.id}`).focus();
    }

    async addSource(form) {
      const id = form.dataset.source;
      const mine = owned()[id];
      if (!mine) throw { message: "This browser can no longer add a source to this comment." };
      const body = { url: form.elements.url.value.trim(), note: form.elements.note.value };
      const result = await api("POST", `/comments/${id}/sources`, body, mine.t);
      own(id, { ...mine, ns: result.needs_source });
      this.mine = owned();
      const node = this.nodes.get(String(id));
      node.sources = result.sources;
      node.source_requested = result.source_requested;
      const li = this.root.getElementById(`c${id}`);
      li.replaceWith(this.item(node));
      this.say("Your source is added.");
      this.root.getElementById(`c${id}`).focus();
    }
  }

  // ------------------------------------------------------------------ start

  function mount(element) {
    if (!element.shadowRoot) widgets.push(new Widget(element));
    return element;
  }

  function scan() {
    for (const element of document.querySelectorAll("[data-forum-thread]")) mount(element);
  }

  window.forumEmbed = { mount, scan };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
