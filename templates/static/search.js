// The search page: Pagefind's own interface over the index the build made in pagefind/, beside this site's pages.
(function () {
  "use strict";
  var needsServer = document.getElementById("search-needs-server");
  needsServer.hidden = location.protocol !== "file:";  // an --offline build says so in its HTML, for a reader without scripts
  if (!needsServer.hidden) {
    return;
  }
  var ui = document.querySelector("script[src$='pagefind/pagefind-ui.js']");
  if (typeof PagefindUI === "undefined" || !ui) {
    document.getElementById("search-no-index").hidden = false;
    return;
  }
  // The bundle's folder and the site's root, both under whatever base path the site is served from.
  var bundlePath = new URL(".", ui.src).pathname;
  var search = new PagefindUI({
    element: "#search",
    bundlePath: bundlePath,
    baseUrl: bundlePath.replace(/pagefind\/$/, ""),
    showImages: false,
    showSubResults: true,
    autofocus: true,
    translations: {placeholder: "Search the briefs"}
  });
  // Pagefind's field has only a title; the page's heading names it for assistive technology.
  var field = document.querySelector("#search input");
  if (field) {
    field.setAttribute("aria-labelledby", "search-heading");
  }
  var query = new URLSearchParams(location.search).get("q");
  if (query) {
    search.triggerSearch(query);
  }
})();
