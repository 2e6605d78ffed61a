import { loggableUrl } from './logger.js';

describe('loggableUrl (what the access log may keep of a URL)', () => {
  it('keeps a URL without a query string, and harmless parameters', () => {
    expect(loggableUrl('/api/v1/users', false)).toBe('/api/v1/users');
    expect(loggableUrl('/api/v1/users?offset=20&fields=name', false)).toBe('/api/v1/users?offset=20&fields=name');
  });

  it('never keeps the query string of a credentials route (the token endpoint)', () => {
    expect(loggableUrl('/oauth/token?client_secret=s3cret&scope=x', true)).toBe('/oauth/token');
  });

  it('redacts the value of every secret-named parameter anywhere, whatever its spelling', () => {
    const url =
      '/api/v1/users?client_secret=a&password=b&access_token=c&api_key=d&X-Api-Key=e&sig=ok&client%5Fsecret=f&passwd=g&limit=5';
    expect(loggableUrl(url, false)).toBe(
      '/api/v1/users?client_secret=[redacted]&password=[redacted]&access_token=[redacted]&api_key=[redacted]' +
        '&X-Api-Key=[redacted]&sig=ok&client%5Fsecret=[redacted]&passwd=[redacted]&limit=5',
    );
    expect(loggableUrl('/nowhere?token=x', false)).toBe('/nowhere?token=[redacted]');
  });
});
