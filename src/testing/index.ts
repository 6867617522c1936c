// `stepchart/testing`: tools for testing workflows.
export { TestClock } from "./test-clock.js";
