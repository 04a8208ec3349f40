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
