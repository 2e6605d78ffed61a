import type { IncomingMessage } from 'node:http';
import { originForm } from './route-scope.js';

const target = (url: string) => originForm({ url } as IncomingMessage);

describe('originForm (RFC 9112 §3.2.2 absolute-form → origin-form)', () => {
  it('keeps an origin-form target as it is', () => {
    expect(target('/api/v1/users?offset=0')).toBe('/api/v1/users?offset=0');
  });

  it('drops scheme and authority of an absolute-form target, whatever their case', () => {
    expect(target('http://gateway.test/api/v1/users?fields=name')).toBe('/api/v1/users?fields=name');
    expect(target('HTTPS://user@gateway.test:8443/oauth/token')).toBe('/oauth/token');
  });

  it('an authority alone means the root path', () => {
    expect(target('http://gateway.test')).toBe('/');
    expect(target('http://gateway.test?x=1')).toBe('/?x=1');
  });

  it('leaves what is not http(s) absolute-form to the router (asterisk-form, other schemes)', () => {
    expect(target('*')).toBe('*');
    expect(target('ftp://gateway.test/api/v1/users')).toBe('ftp://gateway.test/api/v1/users');
  });
});
