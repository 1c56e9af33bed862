import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L210 domain-constraint', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L210',
      ['ALTER DOMAIN positive ADD CONSTRAINT pos CHECK (VALUE > 0);', 'ALTER DOMAIN app.positive SET NOT NULL;', 'ALTER DOMAIN positive ADD CHECK (VALUE > 0);'],
      [
        'ALTER DOMAIN positive ADD CONSTRAINT pos CHECK (VALUE > 0) NOT VALID;',
        'ALTER DOMAIN positive VALIDATE CONSTRAINT pos;',
        'ALTER DOMAIN positive DROP NOT NULL;',
        // A domain of this file: no column uses it yet.
        'CREATE DOMAIN positive AS int;\nALTER DOMAIN positive ADD CONSTRAINT pos CHECK (VALUE > 0);',
      ],
    );
  });
});
