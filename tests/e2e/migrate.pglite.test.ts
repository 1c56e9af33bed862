import { pgliteBackend } from '../support/backends.js';
import { migrateSuite } from './migrate.suite.js';

migrateSuite(pgliteBackend);
