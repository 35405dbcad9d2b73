// The Bootstrap the pages use: `make css` writes static/vendor/bootstrap/bootstrap.subset.css
// from the full vendored bootstrap.min.css and every template and script (issue 11, page weight).
// Class names built from data (alert-{{ message.tags }}, outcome-{{ kind }}, ...) are kept by
// the safelist; add a pattern here when a template starts building one.
module.exports = {
  css: ["static/vendor/bootstrap/bootstrap.min.css"],
  content: [
    "templates/jinja2/**/*.html",
    "static/js/*.js",
  ],
  safelist: {
    standard: [/^alert-/, /^text-bg-/, /^is-/, /^outcome-/, /^kind-/, /^change-/],
  },
  keyframes: false,
  fontFace: false,
  variables: false,
};
