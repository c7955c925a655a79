export * from "./controllers.js";
export * from "./queues.js";
export * from "./upstream.js";
