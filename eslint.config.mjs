// The project's JS lint and format gate (run by scripts/test.sh through tests/e2e's
// node_modules): ESLint's recommended rules and the house format (@stylistic: 2-space indent,
// double quotes, semicolons, trailing commas on multi-line lists, lines up to 160) over the
// package template, the demo store, the browser benchmark page, the scripts and the browser
// tests. Generated code (pkg/, www/pkg/) and dependencies are left out.
import js from "./tests/e2e/node_modules/@eslint/js/src/index.js";
import stylistic from "./tests/e2e/node_modules/@stylistic/eslint-plugin/dist/index.js";
import globals from "./tests/e2e/node_modules/globals/index.js";

export default [
  { ignores: ["pkg/**", "www/pkg/**", "**/node_modules/**", "target/**", "examples/vite-app/dist/**", "fuzz/**"] },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    plugins: { "@stylistic": stylistic },
    rules: {
      "@stylistic/indent": ["error", 2, { SwitchCase: 1 }],
      "@stylistic/quotes": ["error", "double", { avoidEscape: true, allowTemplateLiterals: "always" }],
      "@stylistic/semi": ["error", "always"],
      "@stylistic/comma-dangle": ["error", "always-multiline"],
      "@stylistic/max-len": ["error", { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreComments: false }],
      "@stylistic/no-trailing-spaces": "error",
      "@stylistic/eol-last": "error",
      "@stylistic/no-multiple-empty-lines": ["error", { max: 1, maxEOF: 0 }],
      "@stylistic/comma-spacing": "error",
      "@stylistic/keyword-spacing": "error",
      "@stylistic/space-before-blocks": "error",
      "@stylistic/space-infix-ops": "error",
      "@stylistic/arrow-spacing": "error",
      "@stylistic/brace-style": ["error", "1tbs", { allowSingleLine: true }],
      "@stylistic/key-spacing": "error",
    },
  },
];
