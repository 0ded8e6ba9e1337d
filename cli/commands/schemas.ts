import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { EVENT_SCHEMAS, TOPICS, DlqMessage, Flag } from '../../contracts/index.ts';

/** JSON Schema documents for the platform team, generated from the zod contracts. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    [`${TOPICS.usage}.schema.json`]: z.toJSONSchema(EVENT_SCHEMAS.usage, { io: 'input' }),
    [`${TOPICS.outputs}.schema.json`]: z.toJSONSchema(EVENT_SCHEMAS.outputs, { io: 'input' }),
    [`${TOPICS.feedback}.schema.json`]: z.toJSONSchema(EVENT_SCHEMAS.feedback, { io: 'input' }),
    [`${TOPICS.dlq}.schema.json`]: z.toJSONSchema(DlqMessage),
    ['flag.schema.json']: z.toJSONSchema(Flag),
  };
}

export function registerSchemas(program: Command): void {
  program
    .command('schemas')
    .description('write the event contracts as JSON Schema files')
    .option('--out <dir>', 'output directory', 'contracts/json-schema')
    .action((opts: { out: string }) => {
      mkdirSync(opts.out, { recursive: true });
      for (const [name, schema] of Object.entries(jsonSchemas())) {
        writeFileSync(join(opts.out, name), JSON.stringify(schema, null, 2) + '\n');
        console.error(`wrote ${join(opts.out, name)}`);
      }
    });
}
