import { ExportAdmission, InFlightExport, decideExportAdmission, exportKey } from './export-admission';

const ALICE_A = { key: exportKey('user:alice', 'front', 10, 20), requester: 'user:alice' };
const ALICE_B = { key: exportKey('user:alice', 'front', 30, 40), requester: 'user:alice' };
const BOB_A = { key: exportKey('user:bob', 'front', 10, 20), requester: 'user:bob' };
const CAROL_A = { key: exportKey('user:carol', 'back', 10, 20), requester: 'user:carol' };

describe('decideExportAdmission', () => {
  it.each<[string, InFlightExport[], InFlightExport, ExportAdmission]>([
    ['nothing in flight: starts', [], ALICE_A, { kind: 'start' }],
    ['the same requester and range in flight: joins it', [ALICE_A], ALICE_A, { kind: 'join' }],
    ['joins even when every slot is taken', [ALICE_A, BOB_A], ALICE_A, { kind: 'join' }],
    ['the same requester, another range: refused (one each)', [ALICE_A], ALICE_B, { kind: 'refuse', reason: 'requester-limit' }],
    ['another requester, the same range: an export of its own', [ALICE_A], BOB_A, { kind: 'start' }],
    ['two in flight, a third requester: refused (two in all)', [ALICE_A, BOB_A], CAROL_A, { kind: 'refuse', reason: 'total-limit' }],
  ])('%s', (_name, inFlight, request, expected) => {
    expect(decideExportAdmission(inFlight, request)).toEqual(expected);
  });

  it('follows the limits it is given', () => {
    expect(decideExportAdmission([ALICE_A], ALICE_B, { perRequester: 2, total: 2 })).toEqual({ kind: 'start' });
    expect(decideExportAdmission([ALICE_A, BOB_A], ALICE_B, { perRequester: 2, total: 2 })).toEqual({ kind: 'refuse', reason: 'total-limit' });
  });
});

describe('exportKey', () => {
  it('names a range to the millisecond, as sessions do', () => {
    expect(exportKey('user:alice', 'front', 10, 20)).toBe(exportKey('user:alice', 'front', 10.0001, 20));
    expect(exportKey('user:alice', 'front', 10, 20)).not.toBe(exportKey('user:alice', 'front', 10.001, 20));
    expect(exportKey('user:alice', 'front', 10, 20)).not.toBe(exportKey('user:bob', 'front', 10, 20));
  });
});
