/* The header's menu (templates/base.html): a native <details>, closed in the HTML so that a
 * phone without JavaScript gets the compact "Menu". From 60em the stylesheet shows the
 * entries anyway; this script also opens the <details> there, so that every browser and
 * assistive technology treats them as shown, and closes it again on a narrow screen. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 60em)");

  function apply() {
    var menu = document.querySelector(".site-menu");
    if (menu) menu.open = wide.matches;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
  else apply();
  if (wide.addEventListener) wide.addEventListener("change", apply);
})();
