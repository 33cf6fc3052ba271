import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeNetworkError,
  networkFailure,
  parseRetryAfter,
  problemFailure,
} from '../../src/acme/classify.ts';

describe('parseRetryAfter', () => {
  test('seconds and HTTP dates', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120);
    assert.equal(parseRetryAfter(' 5 ', now), 5);
    assert.equal(parseRetryAfter('Tue, 01 Jan 2030 00:10:00 GMT', now), 600);
    assert.equal(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});

describe('problemFailure', () => {
  test('429 and rateLimited are rate-limited with Retry-After', () => {
    const f = problemFailure(
      429,
      { 'retry-after': '3600' },
      { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many certificates (5) already issued' },
      'POST https://ca/new-order',
    );
    assert.equal(f.failureClass, 'rate-limited');
    assert.equal(f.retryAfterSeconds, 3600);
    assert.equal(
      f.message,
      'POST https://ca/new-order: HTTP 429 rateLimited: too many certificates (5) already issued (Retry-After 3600s)',
    );
    assert.equal(
      problemFailure(400, {}, { type: 'urn:ietf:params:acme:error:rateLimited' }, 'x').failureClass,
      'rate-limited',
    );
  });

  test('other problems are ca-error with type, status, detail and subproblems, on one line', () => {
    const f = problemFailure(
      400,
      {},
      {
        type: 'urn:ietf:params:acme:error:rejectedIdentifier',
        detail: 'Error creating new order\n(policy)',
        subproblems: [
          {
            type: 'urn:ietf:params:acme:error:rejectedIdentifier',
            identifier: { value: 'x.local' },
            detail: 'not a public name',
          },
        ],
      },
      'POST u',
    );
    assert.equal(f.failureClass, 'ca-error');
    assert.equal(f.problemType, 'urn:ietf:params:acme:error:rejectedIdentifier');
    assert.equal(f.httpStatus, 400);
    assert.equal(
      f.message,
      'POST u: HTTP 400 rejectedIdentifier: Error creating new order (policy) (x.local: not a public name)',
    );
  });

  test('a non-JSON error page keeps its start', () => {
    const f = problemFailure(502, {}, '<html>Bad Gateway</html>', 'GET u');
    assert.equal(f.message, 'GET u: HTTP 502: <html>Bad Gateway</html>');
  });
});

describe('network errors keep their real cause', () => {
  test('refused, DNS, reset, wrapped causes', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:14000'), {
      code: 'ECONNREFUSED',
    });
    assert.equal(describeNetworkError(refused), 'connect ECONNREFUSED 127.0.0.1:14000');
    const wrapped = new Error('request failed', { cause: refused });
    assert.equal(describeNetworkError(wrapped), 'connect ECONNREFUSED 127.0.0.1:14000');
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND acme.invalid'), { code: 'ENOTFOUND' });
    assert.equal(
      networkFailure(dns, { url: 'https://acme.invalid/dir' }).message,
      'GET https://acme.invalid/dir: getaddrinfo ENOTFOUND acme.invalid',
    );
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    assert.equal(describeNetworkError(tls), 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    const f = networkFailure(new Error('aborted'), {
      url: 'u',
      method: 'post',
      timedOut: true,
      timeoutMs: 2000,
    });
    assert.equal(f.failureClass, 'ca-unreachable');
    assert.equal(f.message, 'POST u: timed out after 2.0s');
  });
});
