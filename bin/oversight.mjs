#!/usr/bin/env node
// The `oversight` command. The sources are TypeScript; tsx compiles them on load, so the CLI, the
// tests and the service all run the same files with no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
