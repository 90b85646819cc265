/*
 * AI Shop storefront: progressive enhancement only. Every page works without
 * this file (and without htmx); it just smooths a few rough edges.
 */
(function () {
  "use strict";

  var narrow = window.matchMedia("(max-width: 859.98px)");

  // The catalog filters are a <details> sent closed, so that on phones they do
  // not push the results below the fold (and nothing moves once the page is
  // shown); on wide screens CSS shows them as a sidebar anyway. Opening them
  // there too tells assistive technology they are expanded, and shows them in
  // browsers without ::details-content. Narrowing the window leaves them as they are.
  function syncFilters() {
    if (narrow.matches) return;
    var panels = document.querySelectorAll("details[data-collapse-narrow]");
    for (var i = 0; i < panels.length; i++) panels[i].open = true;
  }

  // Catalog filters: a change of any field but the search box (which has its
  // own delayed keyup trigger) asks htmx for new results ("filters-change" in
  // the form's hx-trigger: an htmx event filter would need eval, which the
  // Content-Security-Policy refuses).
  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field && field.form;
    if (!form || form.id !== "catalog-filters" || field.id === "filter-q") return;
    form.dispatchEvent(new CustomEvent("filters-change", { bubbles: true }));
  });

  // Wide screens: the summary acts as a heading, not as a toggle.
  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("details[data-collapse-narrow] > summary");
    if (summary && !narrow.matches) event.preventDefault();
  });

  // Forms that create something (checkout) are sent once, even on a double click.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-submit-once]")) return;
    if (form.dataset.submitted === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "true";
    form.setAttribute("aria-busy", "true");
    // Disable after the submit so the clicked button's value is still sent.
    window.setTimeout(function () {
      var buttons = form.querySelectorAll("button[type=submit]");
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    }, 0);
  });

  // A page restored from the back/forward cache must not keep a locked form.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    var forms = document.querySelectorAll("form[data-submitted]");
    for (var i = 0; i < forms.length; i++) {
      delete forms[i].dataset.submitted;
      forms[i].removeAttribute("aria-busy");
      var buttons = forms[i].querySelectorAll("button[type=submit]");
      for (var j = 0; j < buttons.length; j++) buttons[j].disabled = false;
    }
  });

  // Catalog filters: leave empty fields out of the URL that htmx requests and
  // pushes (?q=&max_price=... becomes ?category=tea), as the server ignores them.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || elt.id !== "catalog-filters" || event.detail.verb !== "get") return;
    var params = event.detail.parameters;
    var empty = [];
    if (typeof params.forEach === "function") {
      params.forEach(function (value, key) { if (value === "") empty.push(key); });
    } else {
      Object.keys(params).forEach(function (key) { if (params[key] === "") empty.push(key); });
    }
    empty.forEach(function (key) { params.delete ? params.delete(key) : delete params[key]; });
  });

  // Close buttons on toasts (toasts only ever arrive through htmx, so JS is on).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-dismiss-toast]");
    if (!button) return;
    var toast = button.closest(".toast");
    if (toast) toast.remove();
  });

  // Toasts belong to the moment: keep them out of htmx's history snapshots so
  // Back does not replay an old "Added to cart".
  document.addEventListener("htmx:beforeHistorySave", function () {
    var region = document.getElementById("flash");
    if (region) region.replaceChildren();
  });

  // htmx drops 5xx answers and network failures silently: say something.
  function showProblem(text) {
    var region = document.getElementById("flash");
    if (!region) return;
    var box = document.createElement("div");
    box.className = "toast toast--error";
    var p = document.createElement("p");
    p.className = "toast__text";
    p.textContent = text;
    box.appendChild(p);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("data-dismiss-toast", "");
    close.setAttribute("aria-label", "Dismiss message");
    close.textContent = "\u00d7";
    box.appendChild(close);
    region.replaceChildren(box);
  }
  document.addEventListener("htmx:responseError", function () {
    showProblem("Sorry, something went wrong on our side. Please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    showProblem("We could not reach the shop. Check your connection and try again.");
  });

  // Search suggestions (header combobox). The server sends plain links with
  // role="option"; this adds what a listbox needs: aria-expanded, arrow keys
  // with aria-activedescendant, Enter on the active option, Escape to close.
  var searchInput = null;
  var suggestionBox = null;
  function suggestionOptions() {
    return suggestionBox ? suggestionBox.querySelectorAll("[role=option]") : [];
  }
  function setActive(index) {
    var options = suggestionOptions();
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    if (index >= 0 && index < options.length) {
      searchInput.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      searchInput.removeAttribute("aria-activedescendant");
    }
  }
  function activeIndex() {
    var options = suggestionOptions();
    for (var i = 0; i < options.length; i++) {
      if (options[i].getAttribute("aria-selected") === "true") return i;
    }
    return -1;
  }
  function closeSuggestions() {
    if (!suggestionBox) return;
    suggestionBox.replaceChildren();
    searchInput.setAttribute("aria-expanded", "false");
    searchInput.removeAttribute("aria-activedescendant");
  }
  function initSuggestions() {
    searchInput = document.getElementById("site-search-q");
    suggestionBox = document.getElementById("search-suggestions");
    if (!searchInput || !suggestionBox) return;
    searchInput.addEventListener("keydown", function (event) {
      var options = suggestionOptions();
      var index = activeIndex();
      if (event.key === "ArrowDown" && options.length) {
        event.preventDefault();
        setActive(index + 1 >= options.length ? 0 : index + 1);
      } else if (event.key === "ArrowUp" && options.length) {
        event.preventDefault();
        setActive(index <= 0 ? options.length - 1 : index - 1);
      } else if (event.key === "Enter" && index >= 0) {
        event.preventDefault();
        window.location.href = options[index].href;
      } else if (event.key === "Escape" && options.length) {
        event.preventDefault();
        closeSuggestions();
      }
    });
    // Clicking an option must not blur the input first (the list would close).
    suggestionBox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    searchInput.addEventListener("blur", function () { window.setTimeout(closeSuggestions, 150); });
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== suggestionBox) return;
      var open = suggestionOptions().length > 0 && document.activeElement === searchInput;
      if (!open) suggestionBox.replaceChildren();
      searchInput.setAttribute("aria-expanded", open ? "true" : "false");
      searchInput.removeAttribute("aria-activedescendant");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initSuggestions);
  } else {
    initSuggestions();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncFilters);
  } else {
    syncFilters();
  }
  if (narrow.addEventListener) {
    narrow.addEventListener("change", syncFilters);
  }
})();
