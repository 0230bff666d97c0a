export * from "./shelfwise.js";
export { default } from "./shelfwise.js";
export * from "./profile.js";
export * from "./page.js";
export * from "./experiment.js";
export * from "./session.js";
