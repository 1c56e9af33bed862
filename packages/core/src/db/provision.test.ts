import { describe, expect, it } from 'vitest';
import { ownerRole } from './provision.js';

describe('ownerRole', () => {
  it('is <module>_owner; a name PostgreSQL would cut to 63 bytes keeps 48 characters and a hash, so two long names alike at the start stay two roles', () => {
    expect(ownerRole('billing-api')).toBe('billing_api_owner');
    const a = ownerRole('payments-reconciliation-service-for-european-union-markets-alpha');
    const b = ownerRole('payments-reconciliation-service-for-european-union-markets-alpine');
    expect(a).toMatch(/^payments_reconciliation_service_for_european_uni_[0-9a-f]{8}_owner$/);
    expect(a).toHaveLength(63);
    expect(a).not.toBe(b);
  });
});
