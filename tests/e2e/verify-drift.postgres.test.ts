import { postgresBackend } from '../support/backends.js';
import { verifyDriftSharedSuite, verifyDriftSuite } from './verify-drift.suite.js';

verifyDriftSuite(postgresBackend);
verifyDriftSharedSuite();
