// Issue 9 items 5 and 6: every string input is well-formed Unicode, lengths count code points as the document
// says, control characters are refused, filters take the rules of the properties they match, and `fields`/`sort`
// are read exactly as sent. Raw JSON text is sent (inject) so a lone surrogate escape reaches the parser as is.
import type { OpenAPIObject } from '@nestjs/swagger';
import { bearer } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { servedDocument } from './support/openapi.js';

describe('string rules (code points, well-formed Unicode, no control characters) in one place', () => {
  let t: TestApp;
  let auth: string;
  let document: OpenAPIObject;

  beforeAll(async () => {
    t = await startTestApp();
    auth = bearer(await t.token());
    document = await servedDocument(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  async function send(method: 'GET' | 'POST', url: string, json?: string) {
    const res = await t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method,
        url,
        payload: json,
        headers: { authorization: auth, ...(json ? { 'content-type': 'application/json' } : {}) },
      });
    return {
      status: res.statusCode,
      type: String(res.headers['content-type']),
      body: res.json<Record<string, unknown>>(),
    };
  }

  function expectFieldError(res: Awaited<ReturnType<typeof send>>, field: string, code: string): void {
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([expect.objectContaining({ field, code })]);
  }

  describe('item 5: a lone UTF-16 surrogate is a 400, never a URIError 500', () => {
    it.each([
      ['users: email', '/api/v1/users', '{"name":"a","email":"\\ud800@example.com"}', 'email'],
      ['users: name', '/api/v1/users', '{"name":"\\udfff","email":"a@example.com"}', 'name'],
      ['email-messages: to', '/api/v1/email-messages', '{"to":"\\ud800@example.com","subject":"s","text":"t"}', 'to'],
      [
        'email-messages: text',
        '/api/v1/email-messages',
        '{"to":"a@example.com","subject":"s","text":"x\\ud83d"}',
        'text',
      ],
    ])('%s', async (_name, url, json, field) => {
      expectFieldError(await send('POST', url, json), field, 'isWellFormed');
    });

    it('in a property name and in a path parameter (percent-encoded invalid UTF-8)', async () => {
      expectFieldError(await send('POST', '/api/v1/users', '{"\\ud800":1}'), '(property name)', 'isWellFormed');
      const res = await send('GET', '/api/v1/users/%ED%A0%80');
      expect(res.status).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
    });
  });

  describe('item 6: names refuse NUL, ESC, CR/LF-only values; lengths count code points', () => {
    it.each([
      ['NUL', 'a\\u0000b', 'matches'],
      ['ESC', '\\u001b[31mred', 'matches'],
      ['CR/LF only', '\\r\\n', 'matches'],
      ['spaces only', '   ', 'isNotEmpty'],
      ['a byte order mark', '\\ufeffname', 'matches'],
      ['a right-to-left override', 'abc\\u202egpj.exe', 'matches'],
      ['100 letters + 100 variation selectors (200 code points)', 'a\\ufe0f'.repeat(100), 'maxLength'],
    ])('name with %s → 400 %s', async (_what, name, code) => {
      expectFieldError(await send('POST', '/api/v1/users', `{"name":"${name}","email":"n@example.com"}`), 'name', code);
    });

    it('100 code points pass, whatever their script; 101 do not (emoji: 2 UTF-16 units, 1 code point)', async () => {
      const ok = await send('POST', '/api/v1/users', `{"name":"${'😀'.repeat(100)}","email":"emoji@example.com"}`);
      expect(ok.status).toBe(201);
      const over = await send('POST', '/api/v1/users', `{"name":"${'😀'.repeat(101)}","email":"emoji2@example.com"}`);
      expectFieldError(over, 'name', 'maxLength');
    });

    it('multi-line text keeps TAB/LF/CR but refuses NUL and ESC', async () => {
      const base = '{"to":"m@example.com","subject":"s","text":';
      expectFieldError(await send('POST', '/api/v1/email-messages', `${base}"a\\u0000"}`), 'text', 'matches');
      expectFieldError(await send('POST', '/api/v1/email-messages', `${base}"\\u001b"}`), 'text', 'matches');
      expectFieldError(await send('POST', '/api/v1/email-messages', `${base}"\\r\\n\\t"}`), 'text', 'isNotEmpty');
    });

    it('filters are validated with the rules of the properties they match', async () => {
      expectFieldError(await send('GET', '/api/v1/users?email=notanemail'), 'email', 'isEmail');
      expectFieldError(await send('GET', '/api/v1/users?name=a%00b'), 'name', 'matches');
      expectFieldError(await send('GET', `/api/v1/users?name=${'x'.repeat(101)}`), 'name', 'maxLength');
      expectFieldError(await send('GET', '/api/v1/email-messages?to=nobody'), 'to', 'isEmail');
      expectFieldError(await send('GET', '/api/v1/sms-messages?to=12345'), 'to', 'matches');
      expectFieldError(await send('GET', '/api/v1/payments?userId=a%20b'), 'userId', 'matches');
      expect((await send('GET', '/api/v1/users?email=a%40example.com')).status).toBe(200);
    });

    it.each([
      ['fields', 'a BOM', '%EF%BB%BFname'],
      ['fields', 'a leading space', '%20name'],
      ['fields', 'an empty name', 'name,,email'],
      ['sort', 'a BOM', '%EF%BB%BFname'],
      ['sort', 'a trailing space', 'name%20'],
    ])('%s with %s is refused, not trimmed', async (param, _what, value) => {
      expectFieldError(
        await send('GET', `/api/v1/users?${param}=${value}`),
        param,
        param === 'fields' ? 'isFieldList' : 'isSortList',
      );
    });
  });

  describe('problems quote client input: escaped, bounded, one line (as ProblemDto documents)', () => {
    it('an unknown property named with a newline, an empty name and a 5,000-character name', async () => {
      const key = 'k'.repeat(5000);
      const res = await send('POST', '/api/v1/users', `{"name":"a","email":"q@example.com","a\\nb":1,"":2,"${key}":3}`);
      expect(res.status).toBe(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['a\\u{a}b', '""']));
      for (const field of fields) expect([...field].length).toBeLessThanOrEqual(200);
      expect(String(res.body.detail)).not.toMatch(/[\n\r]/);
    });

    it('a path id with a control character is a 400, not echoed raw in a 404', async () => {
      expectFieldError(await send('GET', '/api/v1/users/a%0Ab'), 'userId', 'matches');
    });
  });

  it('the document states the rules the server applies (pattern, code points) for bodies and filters alike', () => {
    const schemas = document.components!.schemas as Record<
      string,
      { properties: Record<string, Record<string, unknown>> }
    >;
    const name = schemas.CreateUserDto.properties.name;
    expect(name).toMatchObject({ maxLength: 100, minLength: 1, type: 'string' });
    expect(String(name.description)).toMatch(/code points/);
    const pattern = new RegExp(String(name.pattern), 'u');
    expect(pattern.test('山田 太郎')).toBe(true);
    for (const bad of ['a\u0000b', '\r\n', '   ', '\ufeffx', '\ud800']) expect(pattern.test(bad)).toBe(false);
    const list = document.paths['/api/v1/users'].get!.parameters as unknown as {
      name: string;
      schema: Record<string, unknown>;
    }[];
    expect(list.find((p) => p.name === 'name')?.schema.pattern).toBe(name.pattern);
    expect(list.find((p) => p.name === 'email')?.schema).toMatchObject({ format: 'email', maxLength: 254 });
  });
});
