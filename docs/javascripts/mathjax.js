// MathJax settings, read by assets/mathjax/tex-svg.js when it loads (see docs/_tools/offline_math.py).
// pymdownx.arithmatex writes each formula as \( … \) or \[ … \] inside an element of class
// "arithmatex": typeset those, and leave the rest of the page (code, tables of numbers) alone.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*",
    processHtmlClass: "arithmatex",
  },
};
