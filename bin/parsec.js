#!/usr/bin/env node
// The compiled CLI; `npm run build` (run by `npm ci` via prepare) produces it.
import '../dist/src/cli/main.js';
