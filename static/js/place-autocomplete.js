/* Place suggestions for inputs marked data-place-autocomplete="<api url>": as the homeowner
   types (2 characters or more), the communes from the API fill the input's <datalist>,
   "Lyon (69)", most populous first. No framework; without this script the field still
   works (the search understands names, postcodes, "Paris 11e"). */
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-place-autocomplete]");
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-place-autocomplete");
    var timer = null;
    var last = "";
    if (!list || !url || !window.fetch) return;
    input.addEventListener("input", function () {
      var query = input.value.trim();
      clearTimeout(timer);
      if (query.length < 2 || query === last || /\(\d/.test(query)) return;
      timer = setTimeout(function () {
        last = query;
        fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (communes) {
            list.textContent = "";
            communes.forEach(function (commune) {
              var option = document.createElement("option");
              option.value = commune.name + " (" + commune.department_code + ")";
              list.appendChild(option);
            });
          })
          .catch(function () { /* the field still works without suggestions */ });
      }, 200);
    });
  });
})();
