// Start Swagger UI on /api/v1/docs (web/templates/swagger_ui.html) from the settings the page carries,
// as flask-smorest's own page does inline; a file because the Content-Security-Policy allows no inline script.
(function () {
  var node = document.getElementById("swagger-ui-container");
  var config = { url: node.dataset.specUrl, dom_id: "#swagger-ui-container" };
  var extra = JSON.parse(node.dataset.config || "{}");
  for (var key in extra) { config[key] = extra[key]; }
  window.ui = window.SwaggerUIBundle(config);
})();
