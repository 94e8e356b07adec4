// Makes the CLI runnable: tsc writes dist/src/cli/main.js without the executable bit, and a rebuild
// (npm test, npm start) would otherwise leave `npx mamba-ts` failing with "Permission denied".
import { chmodSync, statSync } from 'node:fs';

const bin = new URL('../dist/src/cli/main.js', import.meta.url);
chmodSync(bin, statSync(bin).mode | 0o111);
