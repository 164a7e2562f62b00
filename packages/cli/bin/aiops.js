#!/usr/bin/env node
// The `aiops` bin. A committed shim rather than dist/main.js itself: npm links (and chmods) bins at
// install time, before the build has written dist/, so the link must point at a file that exists then.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('aiops is not built yet: run `npm run build` in the repository root first\n');
  process.exit(1);
}
await import(main.href);
