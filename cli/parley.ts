#!/usr/bin/env node
// The `parley` command (`npx parley`, `npm start`, `deno task start`): reads the settings from the
// environment and the options, prints them for --help, else starts the default server. This is
// the one place that reads the environment; the library takes everything as arguments.
// `parley recording ...` runs a recordings command instead (cli/recording.ts).
import process from "node:process";
import { cliSettings, helpText } from "./settings.ts";

if (process.argv[2] === "recording") {
  const { recordingCommand } = await import("./recording.ts");
  process.exit(await recordingCommand(process.argv.slice(3)));
}

let settings;
try {
  settings = cliSettings(process.env, process.argv.slice(2));
} catch (error) {
  console.error(`parley: ${(error as Error).message}`);
  process.exit(2);
}
if (settings.help) {
  process.stdout.write(helpText());
} else {
  // Loaded only now: the server and its plugins take a moment to import, which --help need not wait for.
  const { serveDefault } = await import("./serve.ts");
  await serveDefault(settings);
}
