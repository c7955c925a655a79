// Child-process entry of the CLI from its sources, for tests that need a process of their own.
import { main } from "../packages/cli/src/index.ts";

process.exitCode = await main(process.argv.slice(2));
