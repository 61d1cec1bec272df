/*
 * supportbot web chat. A help-center page adds one tag:
 *   <script src="https://bot.example.com/widget.js" data-title="Help"></script>
 * and gets a chat launcher and panel that talk to the server the script came from (or data-server).
 * Plain JavaScript, no build step. The panel lives in a shadow root, so the page's styles don't reach
 * it and its styles don't leak out. The conversation's signed token is kept in localStorage, so the
 * conversation survives page loads; the messages themselves stay on the server.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__supportbotWidget) return;
  window.__supportbotWidget = true;

  const server = (script.dataset.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  let title = script.dataset.title || "Help";
  // The widget's words, in English until the server sends them in the page's language (the message catalog's [widget]).
  const labels = {
    placeholder: "Ask a question…", send: "Send", stop: "Stop", new_conversation: "New conversation",
    talk_to_person: "Talk to a person", sources: "Sources",
    helpful: "Helpful", not_helpful: "Not helpful", open_chat: "Open chat: {title}", close_chat: "Close chat",
    conversation: "Conversation", your_question: "Your question", you_said: "You said:", assistant_said: "Assistant:",
    source: "Source {number}: {title}", was_it_helpful: "Was this answer helpful?", feedback_thanks: "Thanks for the feedback.",
    continue_with_bot: "Continue with the bot", with_person: "Our support team has this conversation and will follow up.",
    handoff_failed: "I couldn't reach our support team just now, so no one has been notified. I'll keep answering here; "
      + "please contact support directly if you need a person.",
    offline: "Can't reach the help desk right now. Check your connection and try again.",
    server_status: "The help desk answered {status}.",
    too_many_requests: "You've asked a lot in a short time. Please wait a minute and try again.",
    busy: "The help desk is busy right now. Please try again in a few seconds.",
    error: "Sorry, something went wrong while answering. Please try again in a moment.",
    stopped: "Answer stopped.",
  };
  // A label with its {names} filled in ("Open chat: {title}").
  const say = (key, values = {}) => labels[key].replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
  // Pages write <html lang="zh_CN"> as well as the standard "zh-CN".
  const pageLanguage = (document.documentElement.lang || navigator.language || "en").replaceAll("_", "-");
  // No "Talk to a person" until the server says someone can be reached: a chat must not offer a person no one would tell.
  let personReachable = false;
  const TOKEN_HEADER = "X-Conversation-Token";
  const tokenKey = `supportbot:${server}:token`;
  const openKey = `supportbot:${server}:open`;

  const storage = {
    get: (key) => { try { return localStorage.getItem(key); } catch { return null; } },
    set: (key, value) => { try { localStorage.setItem(key, value); } catch { /* private mode: this page only */ } },
    drop: (key) => { try { localStorage.removeItem(key); } catch { /* nothing kept */ } },
  };

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
    }
    node.append(...children);
    return node;
  }

  const safeUrl = (url) => typeof url === "string" && /^https?:\/\//i.test(url);

  // --- the DOM --------------------------------------------------------------------------------

  const host = el("div", { id: "supportbot-widget" });
  const root = host.attachShadow({ mode: "open" });
  const launcher = el("button", {
    class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "supportbot-panel",
    "aria-label": say("open_chat", { title }), text: title,
  });
  const messages = el("ol", { class: "messages", "aria-live": "polite", "aria-label": labels.conversation });
  const status = el("p", { class: "status", role: "status" });
  const input = el("textarea", { id: "supportbot-input", rows: "2", maxlength: "4000", placeholder: labels.placeholder });
  const send = el("button", { type: "submit", class: "send", text: labels.send });
  // In Send's place while an answer streams: it closes the stream, and the server stops generating (the stored answer is
  // what was said, marked interrupted).
  const stopButton = el("button", { type: "button", class: "stop", text: labels.stop, hidden: true });
  const newButton = el("button", { type: "button", class: "new", text: labels.new_conversation });
  const personButton = el("button", { type: "button", class: "person", text: labels.talk_to_person });
  const footer = el("footer", { hidden: true }, personButton);
  const resumeButton = el("button", { type: "button", class: "resume", text: labels.continue_with_bot });
  const banner = el("div", { class: "handoff", hidden: true }, el("p", { class: "handoff-text" }), resumeButton);
  const closeButton = el("button", { type: "button", class: "close", "aria-label": labels.close_chat, text: "×" });
  const questionLabel = el("label", { for: "supportbot-input", class: "visually-hidden", text: labels.your_question });
  const form = el("form", { class: "composer" }, questionLabel, input, send, stopButton);
  const panel = el("section", { id: "supportbot-panel", class: "panel", role: "dialog", "aria-label": title, hidden: true },
    el("header", {}, el("h2", { text: title }), newButton, closeButton),
    messages, banner, status, form, footer);
  root.append(el("link", { rel: "stylesheet", href: `${server}/widget.css` }), launcher, panel);

  // --- talking to the server ------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // A refusal the customer can only wait out, and a failure on the server's side, are said in the page's language: the
  // server's message is written for developers ("over 30 a minute per ip") or in the configured English. Others are
  // about the request itself, and keep its message.
  const waitRefusals = { 429: "too_many_requests", 503: "busy" };
  const refusal = (status, payload) => (status in waitRefusals ? labels[waitRefusals[status]]
    : status >= 500 ? labels.error
    : (payload.error && payload.error.message) || say("server_status", { status }));

  // Thrown when the customer stopped the answer (Stop, or New conversation while it streamed).
  class Stopped extends Error {}

  async function call(method, path, body, token = storage.get(tokenKey), signal = undefined) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers[TOKEN_HEADER] = token;
    let response;
    try {
      response = await fetch(server + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch {
      if (signal && signal.aborted) throw new Stopped();
      throw new ApiError(0, labels.offline);
    }
    if (!response.ok) {
      const payload = await response.json().catch(() => ({}));
      throw new ApiError(response.status, refusal(response.status, payload));
    }
    return response;
  }

  let loaded = false; // whether the panel shows the conversation the stored token names
  let setupLoaded = Promise.resolve(); // the page's words: a conversation shown after a reload waits for them

  async function loadSetup() {
    let setup;
    try {
      setup = await (await call("GET", `/v1/widget/setup?lang=${encodeURIComponent(pageLanguage)}`, undefined, null)).json();
    } catch {
      return; // English stays, and no person is offered
    }
    // An older server sends fewer words, and an empty one would blank a button: English stays for those.
    for (const [key, text] of Object.entries(setup.labels || {})) if (typeof text === "string" && text) labels[key] = text;
    personReachable = setup.handoff;
    showPersonButton();
    if (!script.dataset.title && labels.title) {
      title = labels.title;
      launcher.textContent = title;
      panel.setAttribute("aria-label", title);
      panel.querySelector("h2").textContent = title;
    }
    launcher.setAttribute("aria-label", say("open_chat", { title }));
    messages.setAttribute("aria-label", labels.conversation);
    input.placeholder = labels.placeholder;
    questionLabel.textContent = labels.your_question;
    send.textContent = labels.send;
    stopButton.textContent = labels.stop;
    newButton.textContent = labels.new_conversation;
    personButton.textContent = labels.talk_to_person;
    resumeButton.textContent = labels.continue_with_bot;
    closeButton.setAttribute("aria-label", labels.close_chat);
  }

  async function newToken() {
    const session = await (await call("POST", "/v1/sessions", {}, null)).json();
    storage.set(tokenKey, session.conversation_token);
    loaded = true; // a new conversation: nothing to load
    return session.conversation_token;
  }

  // --- rendering ------------------------------------------------------------------------------

  // Answers quote help-center pages written in Markdown: "**$35 to $1,000**" is shown in bold.
  function appendWithBold(node, text) {
    for (const [index, part] of text.split(/\*\*(\S(?:.*?\S)?)\*\*/).entries()) {
      if (index % 2) node.append(el("strong", { text: part }));
      else if (part) node.append(document.createTextNode(part));
    }
  }

  // A page's web links ("See [Start a return](https://...)") as links, the rest with its bold.
  const LINK = /\[([^\[\]\n]+)\]\((https?:\/\/[^\s()]+)\)/;

  function appendWithLinks(node, text) {
    const parts = text.split(new RegExp(LINK.source, "g"));
    for (let index = 0; index < parts.length; index += 3) {
      if (parts[index]) appendWithBold(node, parts[index]);
      if (index + 2 < parts.length) {
        node.append(el("a", { class: "link", href: parts[index + 2], target: "_blank", rel: "noopener", text: parts[index + 1].replaceAll("**", "") }));
      }
    }
  }

  // Inline code ("`Authorization`", "`a \\| b`" in a table cell) as code, as written: no bold, link or citation in it.
  const CODE_SPAN = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/;

  // Bold holding code ("**Run `make`**"): found with the code hidden, as no stretch of text outside code holds both marks.
  const BOLD = /\*\*(?=\S)(.+?)(?<=\S)\*\*/g;
  const CODE_HIDDEN = "\uE000";

  function renderInline(node, text, byNumber) {
    const hidden = text.replace(new RegExp(CODE_SPAN.source, "g"), (code) => code.replace(/[^\n]/g, CODE_HIDDEN));
    let at = 0;
    for (const bold of hidden.matchAll(BOLD)) {
      if (!bold[1].includes(CODE_HIDDEN)) continue;  // bold without code: shown where its text is (appendWithBold)
      renderCodeAndText(node, text.slice(at, bold.index), byNumber);
      const strong = el("strong");
      renderCodeAndText(strong, text.slice(bold.index + 2, bold.index + bold[0].length - 2), byNumber);
      node.append(strong);
      at = bold.index + bold[0].length;
    }
    renderCodeAndText(node, text.slice(at), byNumber);
  }

  function renderCodeAndText(node, text, byNumber) {
    const parts = text.split(new RegExp(CODE_SPAN.source, "g"));
    for (let index = 0; index < parts.length; index += 3) {
      if (parts[index]) renderCited(node, parts[index], byNumber);
      if (index + 2 < parts.length) node.append(el("code", { class: "inline", text: parts[index + 2] }));
    }
  }

  // Text with its citation markers linked to the sources that have a page (none while it streams), bold as bold.
  function renderCited(node, text, byNumber) {
    for (const part of text.split(/(\[\d+\])/)) {
      const match = /^\[(\d+)\]$/.exec(part);
      const source = match && byNumber.get(Number(match[1]));
      if (source && safeUrl(source.url)) {
        node.append(el("a", {
          class: "citation", href: source.url, target: "_blank", rel: "noopener",
          "aria-label": say("source", { number: source.number, title: source.title || source.path }), text: part,
        }));
      } else if (part) {
        appendWithLinks(node, part);
      }
    }
  }

  // Answers quote a help-center page's table as a Markdown table: a header row, a delimiter row ("| --- | --- |"),
  // then its rows. It is shown as a table, each cell rendered as text is.
  const DELIMITER_ROW = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
  // A pipe a cell holds is escaped ("`a \| b`"), as in GitHub's tables, and shown as itself.
  const cellsOf = (line) => line.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "").split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll("\\|", "|"));

  function renderTable(header, rows, byNumber) {
    const line = (cells, tag) => el("tr", {}, ...cells.map((cell) => {
      const node = el(tag, tag === "th" ? { scope: "col" } : {});
      renderInline(node, cell, byNumber);
      return node;
    }));
    const body = el("tbody", {}, ...rows.map((row) => line(row, "td")));
    // A table that names no columns has a header of empty cells ("|  |  |"): no header row is shown.
    const table = header.some((cell) => cell) ? el("table", {}, el("thead", {}, line(header, "th")), body) : el("table", {}, body);
    return el("div", { class: "table" }, table);
  }

  // A fenced code block ("```" ... "```") the answer quotes: shown as code, as written.
  const FENCE = /^\s{0,3}(`{3,}(?!.*`)|~{3,})/; // "``` x ```" on one line is inline code (CommonMark)
  // What closes a block (CommonMark): its fence's kind, at least as long, and nothing else on the line ("```bash" is code).
  const closes = (line, mark) => new RegExp(`^\\s{0,3}${mark[0]}{${mark.length},}\\s*$`).test(line);

  function renderCode(lines) {
    const mark = FENCE.exec(lines[0])[1];
    const closed = lines.length > 1 && closes(lines[lines.length - 1], mark);
    return el("pre", { class: "code" }, el("code", { text: lines.slice(1, closed ? -1 : undefined).join("\n") }));
  }

  // The answer: its text with citations and bold, its tables as tables and its code as code.
  function renderText(node, text, sources) {
    const byNumber = new Map(sources.map((source) => [source.number, source]));
    node.replaceChildren();
    const lines = text.split("\n");
    let prose = [];
    const flush = () => {
      while (prose.length && !prose[prose.length - 1].trim()) prose.pop(); // the blank line before a table
      if (prose.length) renderInline(node, prose.join("\n"), byNumber);
      prose = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const fence = FENCE.exec(lines[i]);
      if (fence) {
        flush();
        let end = i + 1;
        while (end < lines.length && !closes(lines[end], fence[1])) end++;
        node.append(renderCode(lines.slice(i, end + 1)));
        i = end;
        continue;
      }
      if (!(lines[i].includes("|") && i + 1 < lines.length && DELIMITER_ROW.test(lines[i + 1]))) {
        if (prose.length || lines[i].trim()) prose.push(lines[i]); // not the blank line after a table
        continue;
      }
      flush();
      const rows = [];
      let next = i + 2;
      for (; next < lines.length && lines[next].includes("|"); next++) rows.push(cellsOf(lines[next]));
      node.append(renderTable(cellsOf(lines[i]), rows, byNumber));
      i = next - 1;
    }
    flush();
  }

  function renderSources(sources) {
    const list = el("ol", { class: "sources", "aria-label": labels.sources });
    for (const source of sources) {
      const name = source.title || source.path || source.id;
      const label = safeUrl(source.url)
        ? el("a", { href: source.url, target: "_blank", rel: "noopener", text: name })
        : el("span", { text: name });
      list.append(el("li", { "data-number": String(source.number) }, el("span", { class: "number", text: `[${source.number}] ` }), label));
    }
    return list;
  }

  function feedbackButtons(messageId) {
    const box = el("div", { class: "feedback", role: "group", "aria-label": labels.was_it_helpful });
    const rate = async (rating, button) => {
      for (const other of box.querySelectorAll("button")) other.disabled = true;
      try {
        await call("POST", "/v1/feedback", { message_id: messageId, rating });
        button.setAttribute("aria-pressed", "true");
        status.textContent = labels.feedback_thanks;
      } catch (error) {
        for (const other of box.querySelectorAll("button")) other.disabled = false;
        status.textContent = error.message;
      }
    };
    const up = el("button", { type: "button", class: "up", "aria-label": labels.helpful, "aria-pressed": "false", text: "👍" });
    const down = el("button", { type: "button", class: "down", "aria-label": labels.not_helpful, "aria-pressed": "false", text: "👎" });
    up.addEventListener("click", () => rate("up", up));
    down.addEventListener("click", () => rate("down", down));
    box.append(up, down);
    return box;
  }

  function addMessage(role, text = "") {
    const body = el("div", { class: "text" });
    body.textContent = text;
    const item = el("li", { class: `message ${role}` },
      el("span", { class: "visually-hidden", text: role === "user" ? labels.you_said : labels.assistant_said }), body);
    messages.append(item);
    messages.scrollTop = messages.scrollHeight;
    return item;
  }

  // A line of the widget's own under an answer ("Answer stopped."), in the page's language.
  function addNote(item, text) {
    item.querySelector(".text").after(el("p", { class: "note", text }));
  }

  function finishAnswer(item, text, details) {
    const sources = details.sources || [];
    // A failed answer is kept as the bot's apology alone, in the question's language or the team's configured words:
    // the widget says it in the page's language (the catalog's widget.error, which a team's catalog may replace).
    const failed = details.kind === "error";
    if (failed) {
      item.classList.add("error");
      item.querySelector(".text").textContent = labels.error;
    } else {
      renderText(item.querySelector(".text"), text, sources);
    }
    if (details.interrupted) addNote(item, labels.stopped); // stopped, or cut off: what was said, as the conversation keeps it
    if (sources.length && !failed) item.append(renderSources(sources));
    if (details.message_id != null) item.append(feedbackButtons(details.message_id));
    messages.scrollTop = messages.scrollHeight;
  }

  // Offered while a person can be reached and the conversation is not with one already.
  function showPersonButton() {
    footer.hidden = !banner.hidden || !personReachable;
  }

  function showHandoff(active, message) {
    banner.hidden = !active;
    banner.querySelector(".handoff-text").textContent = message || labels.with_person;
    input.disabled = active;
    send.disabled = active;
    showPersonButton();
  }

  // --- what the customer does -----------------------------------------------------------------

  async function loadConversation() {
    if (loaded || !storage.get(tokenKey)) return;
    loaded = true;
    await setupLoaded;
    try {
      const conversation = await (await call("GET", "/v1/conversation")).json();
      messages.replaceChildren();
      for (const message of conversation.messages) {
        const item = addMessage(message.role, message.content);
        if (message.role === "assistant") finishAnswer(item, message.content, { ...message, message_id: message.id });
      }
      showHandoff(conversation.in_handoff);
    } catch (error) {
      if (error.status === 401) storage.drop(tokenKey); // expired: the next question starts a new conversation
      else status.textContent = error.message;
    }
  }

  // The text an answer has shown so far: kept when the customer stops it or the stream breaks off.
  const shownSoFar = new WeakMap();

  async function streamAnswer(question, item, signal) {
    const response = await call("POST", "/v1/chat/completions", {
      model: "supportbot", stream: true, messages: [{ role: "user", content: question }],
    }, storage.get(tokenKey), signal);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const textNode = item.querySelector(".text");
    let buffered = "";
    let text = "";
    let finished = false;
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {  // stopped, or the connection broke mid-answer (the server stopped, the network went)
        if (signal.aborted) throw new Stopped();
        throw new ApiError(0, labels.error);
      }
      const { value, done } = chunk;
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const line = buffered.slice(0, end).trim();
        buffered = buffered.slice(end + 2);
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") continue;
        const event = JSON.parse(data);
        if (event.error) throw new ApiError(500, labels.error); // the server failed after the stream began
        const piece = event.choices && event.choices[0].delta.content;
        if (piece) {
          text += piece;
          shownSoFar.set(item, text);
          renderText(textNode, text, []);
          messages.scrollTop = messages.scrollHeight;
        }
        if (event.supportbot) {
          finished = true;
          storage.set(tokenKey, event.supportbot.conversation_token);
          finishAnswer(item, text, event.supportbot);
          if (event.supportbot.kind === "handoff") showHandoff(true, text); // asked for a person in words: as the button does
        }
      }
    }
    if (!finished) throw new ApiError(0, labels.error); // the stream ended before the answer did
  }

  let answering = null; // the AbortController of the answer streaming now

  function showAnswering(active) {
    send.hidden = active;
    stopButton.hidden = !active;
    if (active) messages.setAttribute("aria-busy", "true");
    else messages.removeAttribute("aria-busy");
  }

  async function ask(question) {
    addMessage("user", question);
    const item = addMessage("assistant");
    item.classList.add("pending");
    const controller = new AbortController();
    answering = controller;
    showAnswering(true);
    send.disabled = true;
    status.textContent = "";
    try {
      if (!storage.get(tokenKey)) await newToken();
      if (controller.signal.aborted) throw new Stopped();
      try {
        await streamAnswer(question, item, controller.signal);
      } catch (error) {
        if (error.status !== 401) throw error;
        await newToken(); // the token expired: continue in a new conversation
        await streamAnswer(question, item, controller.signal);
      }
    } catch (error) {
      const shown = shownSoFar.get(item);
      if (error instanceof Stopped) {
        addNote(item, labels.stopped); // what was said stays, as the conversation keeps it
      } else if (shown && error.status === 0) {
        item.classList.add("error"); // the stream broke off: what was said stays (kept as interrupted), then why it ended
        addNote(item, error.message);
      } else {
        item.classList.add("error");
        item.querySelector(".text").textContent = error.message;
        if (error.status === 409) showHandoff(true);
      }
    } finally {
      item.classList.remove("pending");
      if (answering === controller) {
        answering = null;
        showAnswering(false);
        send.disabled = input.disabled;
      }
    }
  }

  function stopAnswer() {
    if (answering) answering.abort();
    input.focus();
  }

  // A new conversation: the next question opens one (POST /v1/sessions); the old one stays on the server, with the team
  // too if it was handed to them.
  function newConversation() {
    if (answering) answering.abort();
    storage.drop(tokenKey);
    loaded = true; // nothing to load until the next question opens the conversation
    messages.replaceChildren();
    status.textContent = "";
    showHandoff(false);
    input.focus();
  }

  async function askForPerson() {
    personButton.disabled = true;
    try {
      if (!storage.get(tokenKey)) await newToken();
      const answer = await (await call("POST", "/v1/handoff", { page: location.href })).json();
      addMessage("assistant", answer.message);
      // Not handed off: the message says no one can be reached and where else to turn, so the button goes.
      personReachable = answer.in_handoff;
      showHandoff(answer.in_handoff, answer.message);
    } catch (error) {
      // The server failed or was not reached: no one was told, and the customer hears so in the page's language.
      status.textContent = error.status === 0 || error.status >= 500 ? labels.handoff_failed : error.message;
    } finally {
      personButton.disabled = false;
    }
  }

  async function backToBot() {
    try {
      await call("DELETE", "/v1/handoff");
      showHandoff(false);
      input.focus();
    } catch (error) {
      status.textContent = error.message;
    }
  }

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    storage.set(openKey, open ? "1" : "0");
    if (open) {
      loadConversation();
      input.focus();
    } else {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", () => setOpen(panel.hidden));
  closeButton.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") setOpen(false); });
  personButton.addEventListener("click", askForPerson);
  stopButton.addEventListener("click", stopAnswer);
  newButton.addEventListener("click", newConversation);
  resumeButton.addEventListener("click", backToBot);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question || send.disabled) return;
    input.value = "";
    ask(question);
  });

  const mount = () => {
    document.body.append(host);
    setupLoaded = loadSetup();
    if (storage.get(openKey) === "1") {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      loadConversation();
    }
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
