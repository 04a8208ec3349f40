'use strict';
// The token's subject is taken as the contract's AccountId takes the officer it becomes.
const test = require('node:test');
const assert = require('node:assert');
const { isAccountId } = require('../src/auth');

test('a subject the contract would carry as an officer is taken', () => {
  for (const sub of ['zhou.min', 'w'.repeat(200), '周'.repeat(200), '𠀀'.repeat(200)]) assert.ok(isAccountId(sub), sub.slice(0, 10));
});

test('a subject no report could name is refused', () => {
  for (const sub of ['', 'w'.repeat(201), 'wang\nadmin', 'a\u0000b', ' zhou', 'zhou ', 7, null]) assert.ok(!isAccountId(sub), String(sub));
});

// Where JavaScript's `\s` and the contract's WHITESPACE differ, the contract decides (shared/contracts/identifiers.py).
test('a byte order mark around a subject is a character to the contract, not whitespace: taken as the centre takes it', () => {
  for (const sub of ['\ufeffzhou.min', 'zhou.min\ufeff']) assert.ok(isAccountId(sub), JSON.stringify(sub));
});

test('the contract strips U+0085 (a control character too) and its other whitespace around a subject: refused', () => {
  for (const sub of ['\u0085zhou.min', 'zhou.min\u0085', '\u00a0zhou.min', 'zhou.min\u3000', '\u2028zhou.min', 'zhou.min\u205f', '\u3000']) {
    assert.ok(!isAccountId(sub), JSON.stringify(sub));
  }
});

test('whitespace inside a subject is kept by the contract, and so taken', () => {
  for (const sub of ['zhou\u3000min', 'zhou\u2028min', 'zhou min']) assert.ok(isAccountId(sub), JSON.stringify(sub));
});
