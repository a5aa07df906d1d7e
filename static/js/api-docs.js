// Starts Swagger UI on /api/docs/ with the schema the page names (data-schema-url); an own file, not an inline
// script, so the site's Content-Security-Policy holds on this page as on every other.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    deepLinking: true,
    persistAuthorization: false,
  });
})();
