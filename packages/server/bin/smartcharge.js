#!/usr/bin/env node
// The `smartcharge` command. Runs the compiled server (npm install builds it; so does npm start).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('smartcharge: the server is not built yet. Run `npm run build` in the project folder.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
