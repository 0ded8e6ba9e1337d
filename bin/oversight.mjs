#!/usr/bin/env node
// The `oversight` command. The sources are TypeScript; tsx compiles them on load, so the CLI, the
// tests and the service all run the same files with no separate build step.
import { register } from 'tsx/esm/api';

register();
if (process.argv[2] === 'evaluate' && process.argv.includes('--input')) {
  // Offline evaluation is spawned per scoring run: load only that command, not every part.
  const { mainOfflineEvaluate } = await import('../cli/commands/evaluate.ts');
  await mainOfflineEvaluate(process.argv);
} else {
  const { main } = await import('../cli/main.ts');
  await main(process.argv);
}
