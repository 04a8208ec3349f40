'use strict';
// identity's list of withdrawn tokens: read whole or not at all, looked up by a token's handle and its subject's digest.
const test = require('node:test');
const assert = require('node:assert');
const { Withdrawals, ListUnreadable, WithdrawalsUnknown, parseWithdrawals, validFrom, digestOf } = require('../src/withdrawals');

const HANDLE = '3f2a9c0d5e7b41a8b6c4d2e0f1a3b5c7';
const OTHER = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b';
const LIST = {
  as_of: '2026-12-06T12:00:00+00:00',
  withdrawn: [{ handle: HANDLE, tokens_valid_from: 1765000100 }],
  revoked: [{ subject_digest: digestOf('liu.yang'), tokens_valid_from: 1765000000 }],
};

test('a token is looked up by its handle and by its subject, and the later withdrawal counts', () => {
  const listed = parseWithdrawals(LIST);
  assert.strictEqual(validFrom(listed, 'zhou.min', HANDLE), 1765000100);
  assert.strictEqual(validFrom(listed, 'liu.yang', undefined), 1765000000); // a token without a handle
  assert.strictEqual(validFrom(listed, 'liu.yang', HANDLE), 1765000100);
  assert.strictEqual(validFrom(listed, 'zhou.min', OTHER), null);
  assert.strictEqual(validFrom(listed, 'zhou.min', 42), null); // a claim that is no handle: by digest alone
});

test('a list from an identity before handles names every withdrawal by digest', () => {
  const listed = parseWithdrawals({ revoked: LIST.revoked });
  assert.strictEqual(validFrom(listed, 'liu.yang', HANDLE), 1765000000);
});

test('a list with any entry out of shape is refused whole', () => {
  const broken = [
    null,
    [],
    { withdrawn: [] },
    { revoked: {} },
    { revoked: [{ subject_digest: 'ab12', tokens_valid_from: 1 }] },
    { revoked: [], withdrawn: [{ handle: 'short', tokens_valid_from: 1 }] },
    { revoked: [], withdrawn: [{ handle: HANDLE, tokens_valid_from: '1765000100' }] },
    { revoked: [], withdrawn: null },
    { revoked: [null] },
  ];
  for (const document of broken) assert.throws(() => parseWithdrawals(document), ListUnreadable, JSON.stringify(document));
});

test('the list is read again once it is old, and while it cannot be read the one last read holds', async () => {
  let now = 0;
  const answers = [LIST, new Error('connect ECONNREFUSED'), { revoked: [] }];
  const warnings = [];
  const read = async () => {
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const withdrawals = new Withdrawals(new URL('http://identity/list'), 30, { read, clock: () => now, warn: (w) => warnings.push(w) });

  assert.strictEqual(await withdrawals.validFrom('zhou.min', HANDLE), 1765000100);
  now = 31; // old: read again, but identity is down
  assert.strictEqual(await withdrawals.validFrom('zhou.min', HANDLE), 1765000100);
  assert.match(warnings[0], /ECONNREFUSED/);
  now = 35; // asked again at most every 10 seconds
  assert.strictEqual(await withdrawals.validFrom('zhou.min', HANDLE), 1765000100);
  assert.strictEqual(answers.length, 1);
  now = 42;
  assert.strictEqual(await withdrawals.validFrom('zhou.min', HANDLE), null);
});

test('requests that find the list old at once wait for one read of it', async () => {
  let reads = 0;
  const read = async () => {
    reads += 1;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return LIST;
  };
  const withdrawals = new Withdrawals(new URL('http://identity/list'), 30, { read, clock: () => 0 });

  const found = await Promise.all([1, 2, 3].map(() => withdrawals.validFrom('liu.yang', undefined)));

  assert.deepStrictEqual(found, [1765000000, 1765000000, 1765000000]);
  assert.strictEqual(reads, 1);
});

test('before any list was read no token is taken: the agency answers retry later until it reads one', async () => {
  let now = 0;
  let down = true;
  const read = async () => {
    if (down) throw new Error('HTTP 500');
    return LIST;
  };
  const withdrawals = new Withdrawals(new URL('http://identity/list'), 30, { read, clock: () => now });

  await assert.rejects(withdrawals.validFrom('zhou.min', OTHER), WithdrawalsUnknown);
  down = false;
  now = 5; // asked again at most every 10 seconds: still nothing read
  await assert.rejects(withdrawals.validFrom('zhou.min', OTHER), WithdrawalsUnknown);
  now = 11;
  assert.strictEqual(await withdrawals.validFrom('zhou.min', HANDLE), 1765000100);
  assert.strictEqual(await withdrawals.validFrom('zhou.min', OTHER), null);
});
