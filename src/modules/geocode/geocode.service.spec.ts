import { normaliseAddress } from './geocode.service.js';

describe('normaliseAddress (the geocode cache key)', () => {
  it.each([
    ['Tokyo Station', 'tokyo station'],
    ['  Tokyo   Station  ', 'tokyo station'],
    ['ＴＯＫＹＯ\u3000Station', 'tokyo station'],
    ['東京都千代田区丸の内１丁目', '東京都千代田区丸の内1丁目'],
    ['Tokyo\tStation\n', 'tokyo station'],
  ])('%j → %j', (input, expected) => {
    expect(normaliseAddress(input)).toBe(expected);
  });

  it('keeps different addresses apart', () => {
    expect(normaliseAddress('Osaka Station')).not.toBe(normaliseAddress('Tokyo Station'));
  });
});
