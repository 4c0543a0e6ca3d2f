/* Search filters: closed on a phone so that the results come first, open from 40em where
   they sit beside the results. No framework; without it, "Filtres" opens on a tap. */
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(min-width: 40em)").matches) return;
  Array.prototype.forEach.call(document.querySelectorAll("details[data-open-wide]"), function (details) {
    details.open = true;
  });
})();
