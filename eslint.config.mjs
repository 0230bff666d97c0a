// The project's JS lint (run by scripts/test.sh through tests/e2e's node_modules): ESLint's
// recommended rules over the package template, the demo store, the browser benchmark page and
// the browser tests. Generated code (pkg/, www/pkg/) and dependencies are left out.
import js from "./tests/e2e/node_modules/@eslint/js/src/index.js";
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
];
