export * from "./serving/index.js";
