import { loggedRequest } from './nest-wiring';

describe('loggedRequest', () => {
  it('masks credential headers and query parameters, keeps the rest readable', () => {
    const logged = loggedRequest({
      id: 1,
      method: 'GET',
      url: '/dashboard/r1?token=s3cr3t-value&view=1',
      query: { token: 's3cr3t-value', view: '1' },
      headers: {
        host: '127.0.0.1:3000',
        authorization: 'Bearer s3cr3t-value',
        cookie: 'sousvide_dashboard=abc',
        accept: 'text/html',
      },
    });
    expect(logged).toEqual({
      id: 1,
      method: 'GET',
      url: '/dashboard/r1?token=***&view=1',
      headers: {
        host: '127.0.0.1:3000',
        authorization: '***',
        cookie: '***',
        accept: 'text/html',
      },
    });
    expect(JSON.stringify(logged)).not.toContain('s3cr3t');
  });
});
