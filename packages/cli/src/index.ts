// The CLI package's public surface: the entry (main.ts) and the training plan helpers the tests and
// integrators call directly. The one-file bundle is built from main.ts, not from here, so running a
// command does not load the training and bundle code these re-exports pull in.
export type { Command, CommandContext } from "./context.js";
export { main, processContext, REPORT_BUG_LINE, reportFailure } from "./main.js";
export {
  checkLedger,
  expandJobSet,
  ncclEnv,
  planTraining,
  provenanceSums,
  RECIPE_SHA_ANNOTATION,
  type TrainingPlan,
  torchrunCommand,
} from "./train/plan.js";
export { readinessOfPlan } from "./commands/train.js";
