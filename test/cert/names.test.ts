/** Name coverage per RFC 6125: SANs only, strict wildcards, IP SANs, case, trailing dot, IDN. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { coversName, domainProblem, normalizeName, subjectAltNames } from '../../src/cert/names.ts';
import { makeCert } from '../helpers/fixtures.ts';

let wild: X509Certificate;
let plain: X509Certificate;
let cnOnly: X509Certificate;
let idn: X509Certificate;
before(async () => {
  wild = new X509Certificate(
    (
      await makeCert({
        sans: ['*.example.com', 'example.net', '192.0.2.10', '2001:db8::1', 'Mixed.Example.Org'],
      })
    ).certPem,
  );
  plain = new X509Certificate((await makeCert({ sans: ['a.example.com'] })).certPem);
  cnOnly = new X509Certificate((await makeCert({ cn: 'cn-only.example', sans: [] })).certPem);
  idn = new X509Certificate((await makeCert({ sans: ['xn--bcher-kva.example'] })).certPem);
});

describe('coversName', () => {
  const cases: [string, string, boolean][] = [
    ['wildcard covers one label', 'www.example.com', true],
    ['wildcard does not cover two labels', 'a.b.example.com', false],
    ['wildcard does not cover the apex', 'example.com', false],
    ['the wildcard itself is covered by the same wildcard SAN', '*.example.com', true],
    ['case-insensitive', 'WWW.EXAMPLE.COM', true],
    ['trailing dot', 'www.example.com.', true],
    ['exact name', 'example.net', true],
    ['exact name, trailing dot and case', 'EXAMPLE.NET.', true],
    ['mixed-case SAN', 'mixed.example.org', true],
    ['other name', 'example.org', false],
    ['IPv4 SAN', '192.0.2.10', true],
    ['other IPv4', '192.0.2.11', false],
    ['IPv6 SAN', '2001:db8::1', true],
    ['IPv6 SAN, other spelling', '2001:0db8:0:0:0:0:0:1', true],
    ['IPv6 SAN, bracketed', '[2001:db8::1]', true],
    ['other IPv6', '2001:db8::2', false],
    ['an IP name is not matched against DNS SANs', '10.0.0.1', false],
    ['an invalid name is never covered', 'not a name', false],
  ];
  for (const [label, name, expected] of cases) {
    test(`${label}: ${name}`, () => {
      assert.equal(coversName(wild, name), expected);
    });
  }

  test('a wildcard name is not covered by a specific SAN below it', () => {
    assert.equal(coversName(plain, '*.example.com'), false);
    assert.equal(coversName(plain, 'a.example.com'), true);
  });

  test('never by the CN alone', () => {
    assert.match(cnOnly.subject, /CN=cn-only.example/);
    assert.equal(coversName(cnOnly, 'cn-only.example'), false);
  });

  test('IDN: the Unicode name matches its punycode SAN', () => {
    assert.equal(coversName(idn, 'bücher.example'), true);
    assert.equal(coversName(idn, 'BÜCHER.example.'), true);
    assert.equal(coversName(idn, 'xn--bcher-kva.example'), true);
    assert.equal(coversName(idn, 'bucher.example'), false);
  });

  test('a partial wildcard SAN is not honoured', async () => {
    const partial = new X509Certificate((await makeCert({ sans: ['w*.example.com'] })).certPem);
    assert.equal(coversName(partial, 'www.example.com'), false);
  });
});

describe('subjectAltNames', () => {
  test('lists DNS and IP SANs in order', () => {
    assert.deepEqual(subjectAltNames(wild).slice(0, 3), ['*.example.com', 'example.net', '192.0.2.10']);
    assert.equal(subjectAltNames(wild)[3], '2001:db8::1');
    assert.equal(subjectAltNames(wild).length, 5);
    assert.deepEqual(subjectAltNames(cnOnly), []);
  });
});

describe('domainProblem / normalizeName', () => {
  const valid: [string, string][] = [
    ['example.com', 'example.com'],
    ['Example.COM.', 'example.com'],
    ['*.example.com', '*.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['localhost', 'localhost'],
    ['_acme-challenge.example.com', '_acme-challenge.example.com'],
    ['192.0.2.1', '192.0.2.1'],
    ['[::1]', '::1'],
    [' padded.example ', 'padded.example'],
  ];
  for (const [name, normal] of valid) {
    test(`valid: ${JSON.stringify(name)}`, () => {
      assert.equal(domainProblem(name), undefined);
      assert.equal(normalizeName(name), normal);
    });
  }
  const invalid: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['has space.example', /not a valid DNS name/],
    ['a..b.example', /not a valid DNS name/],
    ['-lead.example', /not a valid DNS name/],
    ['w*.example.com', /wildcard/],
    ['*.com', /wildcard/],
    ['a.*.example.com', /wildcard/],
    ['*', /wildcard/],
    [`${'x'.repeat(64)}.example`, /not a valid DNS name/],
    [`${'abcdefghi.'.repeat(26)}com`, /longer than 253/],
    ['300.1.1.1', /not a valid DNS name or IP/],
  ];
  for (const [name, message] of invalid) {
    test(`invalid: ${JSON.stringify(name.slice(0, 40))}`, () => {
      assert.match(domainProblem(name) ?? '', message);
      assert.equal(normalizeName(name), undefined);
    });
  }
});
