// All gradient cases, by op name. Add the file of a new op family here.

import { GradCases } from './types.js';
import { coreCases } from './core.js';
import { nnCases } from './nn.js';
import { scanCases } from './scan.js';
import { elementwiseCases } from './elementwise.js';
import { reduceCases } from './reduce.js';
import { shapeCases } from './shape.js';
import { lruCases } from './lru.js';
import { attentionCases } from './attention.js';
import { ssdCases } from './ssd.js';

export const allCases: GradCases = { ...coreCases, ...nnCases, ...scanCases, ...elementwiseCases, ...reduceCases, ...shapeCases, ...lruCases, ...attentionCases, ...ssdCases };
