// All gradient cases, by op name. Add the file of a new op family here.

import { GradCases } from './types.js';
import { coreCases } from './core.js';
import { nnCases } from './nn.js';
import { scanCases } from './scan.js';

export const allCases: GradCases = { ...coreCases, ...nnCases, ...scanCases };
