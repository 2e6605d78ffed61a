import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

export class InvalidCidrError extends Error {
  constructor(
    readonly entry: string,
    label: string,
  ) {
    super(
      `${label}: "${entry}" is not a CIDR (expected e.g. 203.0.113.0/24, 2001:db8::/32, or a single address; ` +
        'IPv4 in dotted decimal without leading zeros)',
    );
    this.name = 'InvalidCidrError';
  }
}

/** `::ffff:a.b.c.d` and its ranges become IPv4, so one rule covers both forms of the same client. */
function normalise([address, bits]: Range): Range {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

/** ipaddr.js alone also reads "010.1.1.1" (octal) or "167772161" as IPv4; only the usual forms count here. */
function parseAddress(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

function parseEntry(entry: string): Range | undefined {
  const [host, prefix, ...rest] = entry.split('/');
  const address = rest.length === 0 ? parseAddress(host) : undefined;
  if (!address) return undefined;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (prefix === undefined) return normalise([address, max]);
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return undefined;
  return normalise([address, Number(prefix)]);
}

/**
 * Client addresses allowed to call a webhook source. An empty list allows every address. Entries are CIDRs
 * (a bare address is a single host); an invalid entry throws at construction, so bad config fails at start-up.
 */
export class IpAllowlist {
  private readonly ranges: readonly Range[];

  constructor(entries: readonly string[], label = 'IP allowlist') {
    this.ranges = entries.map((raw) => {
      const entry = raw.trim();
      const range = parseEntry(entry);
      if (!range) throw new InvalidCidrError(entry, label);
      return range;
    });
  }

  get allowsAll(): boolean {
    return this.ranges.length === 0;
  }

  /** False for anything that is not an IP address (e.g. an undefined socket address), unless the list is empty. */
  allows(ip: string | undefined): boolean {
    if (this.allowsAll) return true;
    const parsed = ip === undefined ? undefined : parseAddress(ip);
    if (!parsed) return false;
    const [address] = normalise([parsed, parsed.kind() === 'ipv4' ? 32 : 128]);
    return this.ranges.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  }
}
