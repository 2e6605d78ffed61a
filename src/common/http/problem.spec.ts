import { clip, clipDetail, PROBLEM_LIMITS, ProblemException, Problems } from './problem.js';

describe('clip', () => {
  it('keeps text within the bound and marks a cut with an ellipsis, the result at the bound', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    expect(clip('abcd', 3)).toHaveLength(3);
    expect(clipDetail(undefined)).toBeUndefined();
    expect(clipDetail('x'.repeat(PROBLEM_LIMITS.detail + 5))).toHaveLength(PROBLEM_LIMITS.detail);
  });
});

describe('Problems.invalidFields', () => {
  it('lists each field and joins the messages into the detail', () => {
    const { problem } = Problems.invalidFields([
      { field: 'name', message: 'name is required', code: 'isNotEmpty' },
      { field: 'email', message: 'email is invalid' },
    ]);
    expect(problem).toMatchObject({
      type: 'validation-error',
      status: 400,
      detail: 'name is required; email is invalid',
    });
    expect(problem.errors?.map((e) => e.field)).toEqual(['name', 'email']);
    expect(problem.extensions).toBeUndefined();
  });

  it('bounds the answer: at most PROBLEM_LIMITS.errors listed, the rest counted; long names and messages clipped', () => {
    const errors = Array.from({ length: PROBLEM_LIMITS.errors + 7 }, (_, i) => ({
      field: `f${i}`.padEnd(PROBLEM_LIMITS.field + 50, 'x'),
      message: 'm'.repeat(PROBLEM_LIMITS.message + 50),
      params: { property: 'the full name' },
    }));
    const { problem } = Problems.invalidFields(errors);
    expect(problem.errors).toHaveLength(PROBLEM_LIMITS.errors);
    expect(problem.extensions).toEqual({ errorsOmitted: 7 });
    const [first] = problem.errors!;
    expect(first.field).toHaveLength(PROBLEM_LIMITS.field);
    expect(first.message).toHaveLength(PROBLEM_LIMITS.message);
    // The localised message names the clipped property too.
    expect(first.params).toEqual({ property: first.field });
    expect(problem.detail!.length).toBeLessThanOrEqual(PROBLEM_LIMITS.detail);
  });

  it('keeps a given detail', () => {
    expect(Problems.invalidFields([{ field: 'a', message: 'm' }], 'one detail').problem.detail).toBe('one detail');
  });
});

describe('Problems', () => {
  it('maps each case to its type and status', () => {
    const cases: [ProblemException, string, number][] = [
      [Problems.notFound('user', 'u1'), 'resource-not-found', 404],
      [Problems.preconditionFailed(), 'precondition-failed', 412],
      [Problems.conflict('taken'), 'conflict', 409],
      [Problems.badRequest('bad'), 'bad-request', 400],
      [Problems.badRequest('bad', [{ field: 'a', message: 'm' }]), 'validation-error', 400],
      [Problems.unauthorized({ 'WWW-Authenticate': 'Bearer' }), 'unauthorized', 401],
      [Problems.forbidden('users:write'), 'forbidden', 403],
      [Problems.notAcceptable(['application/json', 'text/csv']), 'not-acceptable', 406],
      [Problems.unsupportedMediaType(['application/json']), 'unsupported-media-type', 415],
    ];
    for (const [error, type, status] of cases) {
      expect(error).toBeInstanceOf(ProblemException);
      expect([error.problem.type, error.problem.status, error.getStatus()]).toEqual([type, status, status]);
    }
    expect(Problems.notFound('user', 'u1').problem.params).toEqual({ resource: 'user', id: 'u1' });
    expect(Problems.notAcceptable(['application/json', 'text/csv']).problem.params).toEqual({
      types: 'application/json, text/csv',
    });
    expect(Problems.unauthorized({ 'WWW-Authenticate': 'Bearer' }).problem.headers).toEqual({
      'WWW-Authenticate': 'Bearer',
    });
  });

  it('names each unknown field with code whitelistValidation', () => {
    const { problem } = Problems.unknownFields(['x', 'y'], (f) => `property ${f} should not exist`);
    expect(problem.errors).toEqual([
      { field: 'x', message: 'property x should not exist', code: 'whitelistValidation', params: undefined },
      { field: 'y', message: 'property y should not exist', code: 'whitelistValidation', params: undefined },
    ]);
  });
});
