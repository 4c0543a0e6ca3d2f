/* Searchable chips for a long <select multiple data-chips> (Eldo design system).
 *
 * Progressive enhancement: without this script the native multi-select works as it is.
 * With it, the select is hidden (it still holds the value the form posts) and replaced by
 * the chosen options as chips, each with a remove button, and a text box that filters the
 * options as one types (a combobox with a listbox: arrows, Enter, Escape; Backspace in the
 * empty box removes the last chip). No dependency.
 */
(function () {
  "use strict";

  var MAX_SHOWN = 8;
  var counter = 0;

  function normalise(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    counter += 1;
    var id = select.id || "chips-" + counter;
    var label = document.querySelector('label[for="' + id + '"]');
    var root = document.createElement("div");
    root.className = "chips";
    var chips = document.createElement("ul");
    chips.className = "chips__list";
    chips.setAttribute("aria-label", (label ? label.textContent.trim() : "Choix") + " : sélection");
    var input = document.createElement("input");
    input.type = "text";
    input.className = "chips__input";
    input.id = id + "-search";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("placeholder", "Tapez pour chercher…");
    var describedBy = select.getAttribute("aria-describedby");
    if (describedBy) input.setAttribute("aria-describedby", describedBy);
    var listbox = document.createElement("ul");
    listbox.className = "chips__listbox";
    listbox.id = id + "-options";
    listbox.setAttribute("role", "listbox");
    listbox.hidden = true;
    input.setAttribute("aria-controls", listbox.id);
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    if (label) label.htmlFor = input.id;
    var active = -1;

    function options() {
      return Array.prototype.filter.call(select.options, function (o) { return o.value !== ""; });
    }

    function renderChips() {
      chips.textContent = "";
      options().filter(function (o) { return o.selected; }).forEach(function (option) {
        var item = document.createElement("li");
        item.className = "chips__chip";
        item.appendChild(document.createTextNode(option.text));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chips__remove";
        remove.setAttribute("aria-label", "Retirer " + option.text);
        remove.textContent = "×";
        remove.addEventListener("click", function () {
          option.selected = false;
          select.dispatchEvent(new Event("change", { bubbles: true }));
          status.textContent = option.text + " retiré";
          renderChips();
          input.focus();
        });
        item.appendChild(remove);
        chips.appendChild(item);
      });
      chips.hidden = !chips.children.length;
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(option) {
      option.selected = true;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      status.textContent = option.text + " ajouté";
      input.value = "";
      renderChips();
      close();
    }

    function highlight(index) {
      var items = listbox.children;
      if (!items.length) return;
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function renderOptions() {
      var query = normalise(input.value.trim());
      listbox.textContent = "";
      active = -1;
      var matches = options().filter(function (o) {
        return !o.selected && (!query || normalise(o.text).indexOf(query) !== -1);
      }).slice(0, MAX_SHOWN);
      matches.forEach(function (option, i) {
        var item = document.createElement("li");
        item.id = id + "-option-" + i;
        item.className = "chips__option";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = option.text;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(option); input.focus(); });
        item._option = option;
        listbox.appendChild(item);
      });
      listbox.hidden = !matches.length;
      input.setAttribute("aria-expanded", matches.length ? "true" : "false");
    }

    input.addEventListener("input", renderOptions);
    input.addEventListener("focus", renderOptions);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); if (listbox.hidden) renderOptions(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && !listbox.hidden) {
        event.preventDefault();  // never submit the form while choosing
        var item = listbox.children[active >= 0 ? active : 0];
        if (item) choose(item._option);
      }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Backspace" && !input.value) {
        var chosen = options().filter(function (o) { return o.selected; });
        if (chosen.length) {
          chosen[chosen.length - 1].selected = false;
          status.textContent = chosen[chosen.length - 1].text + " retiré";
          renderChips();
        }
      }
    });

    select.hidden = true;
    select.tabIndex = -1;
    select.parentNode.insertBefore(root, select);
    root.appendChild(chips);
    root.appendChild(input);
    root.appendChild(listbox);
    root.appendChild(status);
    root.appendChild(select);
    renderChips();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("select[multiple][data-chips]"), enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
