// Removes dist/ so that a deleted source or test never survives as a stale compiled file.
import { rmSync } from 'node:fs';
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
