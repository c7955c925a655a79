// Child-process entry of the CLI from its sources, for tests that need a process of their own.
import { main } from "@sovereign/cli";

process.exitCode = await main(process.argv.slice(2));
