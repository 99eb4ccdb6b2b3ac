// Writes docs/uplink-batch.schema.json from the zod definition in @smartcharge/protocol.
// Run with `npm run docs:schema` after changing the protocol; a test fails while they differ.
import { writeFile } from 'node:fs/promises';
import { uplinkBatchJsonSchema } from '@smartcharge/protocol';

const target = new URL('../docs/uplink-batch.schema.json', import.meta.url);
await writeFile(target, `${JSON.stringify(uplinkBatchJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
