#!/usr/bin/env node
// Writes the Centrifugo compatibility table from the config loader's own tables (built into
// dist/ first): COMPATIBILITY.md as a whole, and the summary between the compat-table markers
// in README.md. test/config/compat-table.test.ts fails while either is stale.
//
// Usage: npm run compat-table
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { compatibilityDocument, compatibilityRows, compatibilitySummary, withSummary } = await import(join(root, 'dist/src/config/compat.js'));

const rows = compatibilityRows();
writeFileSync(join(root, 'COMPATIBILITY.md'), compatibilityDocument(rows));
const readme = join(root, 'README.md');
writeFileSync(readme, withSummary(readFileSync(readme, 'utf8'), compatibilitySummary(rows)));
process.stdout.write(`compat-table: ${rows.length} Centrifugo keys written to COMPATIBILITY.md and README.md\n`);
