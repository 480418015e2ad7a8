#!/usr/bin/env node
// The published entry point: runs the compiled CLI (built by `npm run build`, which `prepare` calls on install).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
