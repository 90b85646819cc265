/*
 * AI Shop chat widget: vanilla JS, no framework, no CDN.
 *
 * Reads Server-Sent Events from a POST with fetch (EventSource can only GET, and messages do not
 * belong in URLs). Events: token (append text), reset (drop a draft the agent abandoned for a tool
 * call), status (what the assistant is doing, or the visitor's place in line while other customers'
 * turns are answered), replace (a checked or corrected text), done (final text, product cards, a
 * pending order card and, on the storefront, the cart after the turn: cartCount for the header badge
 * and inCart for the cards), error. All text is inserted as text, never as HTML;
 * only the cards come as HTML, rendered by the server from the storefront's own templates.
 *
 * The same file drives the storefront widget (a toggle + floating panel on every page) and the
 * owner's chat page (data-inline="true"); endpoints come from data- attributes on #chat-widget.
 */
(function () {
  "use strict";

  var root = document.getElementById("chat-widget");
  if (!root) return;

  var inline = root.dataset.inline === "true";
  var toggle = document.getElementById("chat-toggle");
  var panel = document.getElementById("chat-panel");
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var sendButton = form.querySelector("button[type=submit]");
  var busy = false;
  var loaded = false;
  var OPEN_KEY = "aishop-chat-open";
  var flash = document.getElementById("flash"); // the toast region, kept clear of the toggle and panel

  function headers() {
    var h = { "Content-Type": "application/json", "Accept": "text/event-stream" };
    if (root.dataset.csrf) h["X-CSRF-Token"] = root.dataset.csrf;
    return h;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function bubble(role, text) {
    var el = document.createElement("div");
    el.className = "chat-msg chat-msg--" + role;
    var body = document.createElement("p");
    body.className = "chat-msg__text";
    body.textContent = text || "";
    el.appendChild(body);
    if (role === "user") {
      var who = document.createElement("span");
      who.className = "visually-hidden";
      who.textContent = "You said: ";
      body.insertBefore(who, body.firstChild);
    }
    log.appendChild(el);
    scrollDown();
    return el;
  }

  function setText(el, text) {
    el.querySelector(".chat-msg__text").textContent = text;
  }

  function addHtml(el, html) {
    var holder = document.createElement("div");
    if (!html) return holder;
    holder.className = "chat-msg__extra";
    holder.innerHTML = html; // server-rendered from our templates (autoescaped)
    el.appendChild(holder);
    if (window.htmx) window.htmx.process(holder);
    return holder;
  }

  function setStatus(el, text) {
    var status = el.querySelector(".chat-msg__status");
    if (!status) {
      status = document.createElement("p");
      status.className = "chat-msg__status";
      el.appendChild(status);
    }
    status.textContent = text || "";
    status.hidden = !text;
  }

  // The header badge shows what the chat just did to the cart (added, removed, ordered: emptied).
  function setCartCount(count) {
    if (typeof count !== "number") return;
    var badge = document.getElementById("cart-count");
    if (badge) badge.textContent = String(count);
  }

  // Every card in the log shows "In cart" (and a link to the cart) for the products in the cart and
  // the Add button for the others, whichever reply it came with.
  function markInCart(ids) {
    if (!Array.isArray(ids)) return;
    var cards = log.querySelectorAll(".chat-card[data-product-id]");
    for (var i = 0; i < cards.length; i++) {
      cards[i].classList.toggle("is-in-cart", ids.indexOf(cards[i].dataset.productId) !== -1);
    }
  }

  function markOneInCart(productId) {
    var cards = log.querySelectorAll(".chat-card[data-product-id]");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].dataset.productId === productId) cards[i].classList.add("is-in-cart");
    }
  }

  function disableActions() {
    var buttons = log.querySelectorAll("[data-chat-confirm], [data-chat-decline]");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    form.setAttribute("aria-busy", value ? "true" : "false");
  }

  // Parse an SSE stream from a fetch response, calling onEvent(name, data) per event.
  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (result) {
        if (result.done) return;
        buffer += decoder.decode(result.value, { stream: true });
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(function (block) {
          var name = "message";
          var data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) name = line.slice(7);
            else if (line.indexOf("data: ") === 0) data += line.slice(6);
          });
          if (data) {
            try { onEvent(name, JSON.parse(data)); } catch (e) { /* ignore a malformed event */ }
          }
        });
        return pump();
      });
    }
    return pump();
  }

  function run(url, payload) {
    if (busy) return;
    setBusy(true);
    var reply = bubble("assistant", "");
    reply.setAttribute("aria-busy", "true");
    setStatus(reply, "Thinking…");
    var text = "";
    var finished = false;

    function finish() {
      reply.removeAttribute("aria-busy");
      reply.classList.remove("chat-msg--waiting");
      setStatus(reply, "");
      setBusy(false);
      scrollDown();
    }

    fetch(url, { method: "POST", headers: headers(), body: JSON.stringify(payload), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.detail || "The assistant could not answer (" + response.status + ").");
          });
        }
        return readEvents(response, function (name, data) {
          if (name === "token") {
            reply.classList.remove("chat-msg--waiting");
            text += data.text;
            setStatus(reply, "");
            setText(reply, text);
          } else if (name === "reset") {
            text = "";
            setText(reply, "");
          } else if (name === "status") {
            // A place in line (position >= 1) while other customers' answers are written.
            reply.classList.toggle("chat-msg--waiting", data.position > 0);
            setStatus(reply, data.text);
          } else if (name === "cards") {
            // The products found, before the model has written a word about them.
            addHtml(reply, data.cardsHtml).classList.add("chat-msg__early");
            markInCart(data.inCart);
          } else if (name === "replace") {
            text = data.text;
            setText(reply, text);
          } else if (name === "done") {
            finished = true;
            // With a summary card, the card is the summary: keep only the reply's first line.
            setText(reply, data.actionHtml ? data.reply.split("\n")[0] : data.reply);
            reply.querySelectorAll(".chat-msg__early").forEach(function (early) { early.remove(); });
            if (data.actionHtml || data.pendingAction) disableActions();
            addHtml(reply, data.cardsHtml);
            addHtml(reply, data.actionHtml);
            setCartCount(data.cartCount);
            markInCart(data.inCart);
          } else if (name === "error") {
            finished = true;
            setText(reply, data.message);
            reply.classList.add("chat-msg--error");
          }
          scrollDown();
        });
      })
      .catch(function (error) {
        finished = true;
        setText(reply, error.message || "The assistant is not reachable. Please try again.");
        reply.classList.add("chat-msg--error");
      })
      .then(function () {
        if (!finished) setText(reply, text || "The answer was interrupted. Please try again.");
        finish();
      });
  }

  function send(message) {
    message = (message || "").trim();
    if (!message || busy) return;
    bubble("user", message);
    input.value = "";
    autosize();
    run(root.dataset.streamUrl, { message: message });
  }

  function loadHistory() {
    if (loaded || !root.dataset.historyUrl) return;
    loaded = true;
    fetch(root.dataset.historyUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (body) {
        (body.messages || []).forEach(function (m) {
          var el = bubble(m.role === "user" ? "user" : "assistant", m.actionHtml ? m.text.split("\n")[0] : m.text);
          addHtml(el, m.cardsHtml);
          addHtml(el, m.actionHtml);
        });
        setCartCount(body.cartCount);
        markInCart(body.inCart);
      })
      .catch(function () { loaded = false; });
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }

  function open(focus) {
    panel.hidden = false;
    if (flash && !inline) flash.classList.add("flash-region--chat-open");
    if (toggle) toggle.setAttribute("aria-expanded", "true");
    try { sessionStorage.setItem(OPEN_KEY, "1"); } catch (e) { /* private mode */ }
    loadHistory();
    if (focus) input.focus();
  }

  function close() {
    panel.hidden = true;
    if (flash) flash.classList.remove("flash-region--chat-open");
    if (toggle) {
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
    try { sessionStorage.removeItem(OPEN_KEY); } catch (e) { /* private mode */ }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(input.value);
    }
  });
  input.addEventListener("input", autosize);

  // A card's own Add button (htmx posts the storefront form; the badge updates out of band): once
  // it succeeded, the card says "In cart" instead of offering the button again.
  root.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!event.detail.successful || !form || !form.closest) return;
    var card = form.closest(".chat-card[data-product-id]");
    if (card && form.matches(".add-to-cart")) markOneInCart(card.dataset.productId);
  });

  root.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var confirmButton = target.closest("[data-chat-confirm]");
    var declineButton = target.closest("[data-chat-decline]");
    if (confirmButton || declineButton) {
      var id = (confirmButton || declineButton).getAttribute(confirmButton ? "data-chat-confirm" : "data-chat-decline");
      disableActions();
      bubble("user", confirmButton ? "Confirm" : "Cancel");
      run(root.dataset.confirmUrl, { action_id: id, decision: confirmButton ? "confirm" : "cancel" });
      return;
    }
    if (target.closest("[data-chat-close]")) {
      close();
      return;
    }
    var suggestion = target.closest("[data-chat-suggest]");
    if (suggestion) {
      send(suggestion.textContent);
      return;
    }
    if (target.closest("[data-chat-reset]")) {
      if (busy) return;
      fetch(root.dataset.resetUrl, { method: "POST", headers: headers(), credentials: "same-origin" }).then(function () {
        var items = log.querySelectorAll(".chat-msg:not(.chat-msg--intro)");
        for (var i = 0; i < items.length; i++) items[i].remove();
        input.focus();
      });
    }
  });

  if (inline) {
    loadHistory();
    return;
  }

  toggle.hidden = false;
  if (flash) flash.classList.add("flash-region--above-chat");
  toggle.addEventListener("click", function () {
    if (panel.hidden) open(true);
    else close();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
  });
  // The panel stays open across page changes in this tab.
  try {
    if (sessionStorage.getItem(OPEN_KEY) === "1") open(false);
  } catch (e) { /* private mode */ }
})();
