import { InvalidCidrError, IpAllowlist } from './ip-allowlist.js';

describe('IpAllowlist', () => {
  it('allows everything when empty', () => {
    const list = new IpAllowlist([]);
    expect(list.allowsAll).toBe(true);
    for (const ip of ['203.0.113.9', '::1', '::ffff:10.0.0.1', undefined]) expect(list.allows(ip)).toBe(true);
  });

  it('matches IPv4 CIDRs up to their boundaries', () => {
    const list = new IpAllowlist(['192.0.2.0/24', '198.51.100.7/32', '10.0.0.0/8']);
    expect(list.allowsAll).toBe(false);
    for (const ip of ['192.0.2.0', '192.0.2.255', '198.51.100.7', '10.0.0.0', '10.255.255.255']) {
      expect([ip, list.allows(ip)]).toEqual([ip, true]);
    }
    for (const ip of ['192.0.1.255', '192.0.3.0', '198.51.100.6', '198.51.100.8', '9.255.255.255', '11.0.0.0']) {
      expect([ip, list.allows(ip)]).toEqual([ip, false]);
    }
  });

  it('matches IPv6 CIDRs up to their boundaries, whatever the notation', () => {
    const list = new IpAllowlist(['2001:db8:abcd::/48', '::1/128']);
    for (const ip of ['2001:db8:abcd::', '2001:db8:abcd:ffff:ffff:ffff:ffff:ffff', '2001:0db8:abcd:0012::1', '::1']) {
      expect([ip, list.allows(ip)]).toEqual([ip, true]);
    }
    for (const ip of ['2001:db8:abcc:ffff:ffff:ffff:ffff:ffff', '2001:db8:abce::', '::2', '127.0.0.1']) {
      expect([ip, list.allows(ip)]).toEqual([ip, false]);
    }
  });

  it('treats an IPv4-mapped IPv6 client as the IPv4 address it is', () => {
    const list = new IpAllowlist(['127.0.0.0/8', '203.0.113.5']);
    expect(list.allows('::ffff:127.0.0.1')).toBe(true);
    expect(list.allows('::ffff:7f00:1')).toBe(true);
    expect(list.allows('::FFFF:203.0.113.5')).toBe(true);
    expect(list.allows('::ffff:203.0.113.6')).toBe(false);
    expect(list.allows('::ffff:128.0.0.1')).toBe(false);
  });

  it('treats a mapped range in the configuration as the IPv4 range it is', () => {
    const list = new IpAllowlist(['::ffff:192.0.2.0/120']);
    expect(list.allows('192.0.2.200')).toBe(true);
    expect(list.allows('::ffff:192.0.2.1')).toBe(true);
    expect(list.allows('192.0.3.1')).toBe(false);
  });

  it('keeps IPv4 and IPv6 apart: 0.0.0.0/0 is every IPv4 client, ::/0 every IPv6 one', () => {
    const v4 = new IpAllowlist(['0.0.0.0/0']);
    expect(v4.allows('203.0.113.1')).toBe(true);
    expect(v4.allows('::ffff:203.0.113.1')).toBe(true);
    expect(v4.allows('2001:db8::1')).toBe(false);
    const v6 = new IpAllowlist(['::/0']);
    expect(v6.allows('2001:db8::1')).toBe(true);
    expect(v6.allows('203.0.113.1')).toBe(false);
  });

  it('accepts a bare address as a single host and ignores surrounding spaces', () => {
    const list = new IpAllowlist([' 203.0.113.5 ', '2001:db8::5']);
    expect(list.allows('203.0.113.5')).toBe(true);
    expect(list.allows('203.0.113.4')).toBe(false);
    expect(list.allows('2001:db8::5')).toBe(true);
    expect(list.allows('2001:db8::4')).toBe(false);
  });

  it('ignores an IPv6 zone id', () => {
    expect(new IpAllowlist(['fe80::/10']).allows('fe80::1%eth0')).toBe(true);
  });

  it('refuses what is not an address when the list is not empty', () => {
    const list = new IpAllowlist(['0.0.0.0/0', '::/0']);
    for (const ip of [undefined, '', 'localhost', '127.1', '0x7f.0.0.1', '2130706433', '1.2.3.4/32']) {
      expect([ip, list.allows(ip)]).toEqual([ip, false]);
    }
  });

  it('throws at construction on an invalid entry, naming it and the list', () => {
    for (const bad of [
      '10.0.0.0/33',
      '2001:db8::/129',
      '10.0.0/8',
      '010.0.0.0/8',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      'example.com',
      '',
      '10.0.0.0/0x8',
    ]) {
      expect(() => new IpAllowlist(['127.0.0.1/32', bad], 'WEBHOOK_GH_ALLOWED_IPS')).toThrow(InvalidCidrError);
    }
    expect(() => new IpAllowlist(['10.0.0.0/33'], 'WEBHOOK_GH_ALLOWED_IPS')).toThrow(
      'WEBHOOK_GH_ALLOWED_IPS: "10.0.0.0/33" is not a CIDR',
    );
  });
});
