import { pgliteBackend } from '../support/backends.js';
import { verifyDriftSuite } from './verify-drift.suite.js';

verifyDriftSuite(pgliteBackend);
