import { postgresBackend } from '../support/backends.js';
import { migrateSuite } from './migrate.suite.js';

migrateSuite(postgresBackend);
