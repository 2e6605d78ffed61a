export interface GeocodeResult {
  address: string;
  lat: number;
  lng: number;
}

interface Place extends GeocodeResult {
  aliases: string[];
}

/** A small fixed gazetteer: the maps sandbox only knows these places (and their aliases). */
const PLACES: Place[] = [
  { address: '東京都千代田区丸の内1丁目', lat: 35.681236, lng: 139.767125, aliases: ['東京駅', 'Tokyo Station'] },
  {
    address: '東京都新宿区西新宿2-8-1',
    lat: 35.689487,
    lng: 139.691706,
    aliases: ['東京都庁', 'Tokyo Metropolitan Government Building'],
  },
  { address: '東京都港区芝公園4-2-8', lat: 35.658581, lng: 139.745433, aliases: ['東京タワー', 'Tokyo Tower'] },
  {
    address: '東京都墨田区押上1-1-2',
    lat: 35.710063,
    lng: 139.8107,
    aliases: ['東京スカイツリー', 'Tokyo Skytree'],
  },
  { address: '大阪府大阪市北区梅田3-1-1', lat: 34.702485, lng: 135.495951, aliases: ['大阪駅', 'Osaka Station'] },
  { address: '京都府京都市東山区清水1-294', lat: 34.994856, lng: 135.785046, aliases: ['清水寺', 'Kiyomizu-dera'] },
  {
    address: '北海道札幌市北区北6条西4丁目',
    lat: 43.068661,
    lng: 141.350755,
    aliases: ['札幌駅', 'Sapporo Station'],
  },
  {
    address: '福岡県福岡市博多区博多駅中央街1-1',
    lat: 33.589886,
    lng: 130.420685,
    aliases: ['博多駅', 'Hakata Station'],
  },
  {
    address: '1600 Pennsylvania Avenue NW, Washington, DC 20500',
    lat: 38.897676,
    lng: -77.03653,
    aliases: ['White House'],
  },
  { address: '10 Downing Street, London SW1A 2AA', lat: 51.503364, lng: -0.127625, aliases: [] },
  {
    address: '5 Avenue Anatole France, 75007 Paris',
    lat: 48.85837,
    lng: 2.294481,
    aliases: ['Eiffel Tower', 'Tour Eiffel'],
  },
  {
    address: 'Bennelong Point, Sydney NSW 2000',
    lat: -33.856784,
    lng: 151.215297,
    aliases: ['Sydney Opera House'],
  },
];

/**
 * Normal form used for matching: Unicode NFKC (full-width letters, digits and the ideographic
 * space become ASCII), lower case, runs of whitespace collapsed, spaces around commas dropped.
 */
export function normaliseAddress(input: string): string {
  return input
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*,\s*/g, ',')
    .trim();
}

const INDEX = new Map<string, GeocodeResult>();
for (const place of PLACES) {
  const result: GeocodeResult = { address: place.address, lat: place.lat, lng: place.lng };
  for (const name of [place.address, ...place.aliases]) INDEX.set(normaliseAddress(name), result);
}

/** Deterministic lookup; `undefined` when the address is not in the gazetteer. */
export function geocode(address: string): GeocodeResult | undefined {
  const hit = INDEX.get(normaliseAddress(address));
  return hit ? { ...hit } : undefined;
}

/** Every canonical address, for documentation and tests. */
export function knownAddresses(): string[] {
  return PLACES.map((p) => p.address);
}
