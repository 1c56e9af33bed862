import { BULKHEAD_VERSION } from '../version.js';
import type { LintResult } from './lint.js';

/** SARIF 2.1.0 of a lint result, for code scanning (GitHub, GitLab, Azure). */
export function lintToSarif(r: LintResult): Record<string, unknown> {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'bulkhead',
            version: BULKHEAD_VERSION,
            informationUri: 'https://github.com/bulkhead/bulkhead',
            rules: r.rules.map((rule) => ({
              id: rule.code,
              name: rule.name,
              shortDescription: { text: rule.rationale },
              help: { text: rule.fix },
              defaultConfiguration: { level: rule.severity === 'error' ? 'error' : 'warning' },
            })),
          },
        },
        results: r.findings.map((f) => ({
          ruleId: f.code,
          level: f.severity === 'error' ? 'error' : 'warning',
          message: { text: `${f.message}. Fix: ${f.fix}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: f.file }, region: { startLine: f.line, startColumn: f.column } } }],
        })),
      },
    ],
  };
}
