import { describe, expect, it } from 'vitest';
import type { Language } from '../i18n/i18n';
import { ApiError, createApiClient, isSameOriginPath, parseErrorBody } from './client';

interface SentRequest {
  url: string;
  init: RequestInit;
}

/** A fetch that records what it was asked and answers from a script. */
function scriptedFetch(answer: (request: SentRequest) => Response | Promise<Response>) {
  const sent: SentRequest[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const request = { url: String(input), init };
    sent.push(request);
    return answer(request);
  };
  return { fetchImpl: fetchImpl as typeof fetch, sent };
}

const jsonResponse = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function clientWith(
  answer: (request: SentRequest) => Response | Promise<Response>,
  language: Language = 'vi',
) {
  const { fetchImpl, sent } = scriptedFetch(answer);
  return { api: createApiClient({ language: () => language, fetch: fetchImpl }), sent };
}

const delegate = { id: 'u_1', username: 'daibieu01', display_name: 'Đại biểu 01', role: 'user' };

describe('parseErrorBody', () => {
  it('keeps the code and the server message of a documented error body', () => {
    const error = parseErrorBody(
      401,
      '{"code":"invalid_credentials","message":"Sai tên đăng nhập hoặc mật khẩu."}',
      'vi',
    );
    expect(error).toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      message: 'Sai tên đăng nhập hoặc mật khẩu.',
    });
  });

  it('knows the storage faults: a database that is away and a full disk', () => {
    const away = parseErrorBody(503, '{"code":"storage_unavailable","message":"Thử lại sau."}', 'vi');
    expect(away).toMatchObject({ status: 503, code: 'storage_unavailable', message: 'Thử lại sau.' });
    const full = parseErrorBody(507, '{"code":"storage_full","message":"Đĩa đầy."}', 'vi');
    expect(full).toMatchObject({ status: 507, code: 'storage_full', message: 'Đĩa đầy.' });
  });

  it('keeps the message of an error code this client does not know yet', () => {
    const error = parseErrorBody(423, '{"code":"meeting_locked","message":"Cuộc họp đã khóa."}', 'vi');
    expect(error).toMatchObject({ status: 423, code: 'unexpected_response', message: 'Cuộc họp đã khóa.' });
  });

  it('explains a non-json answer, such as a proxy error page, with its status', () => {
    const error = parseErrorBody(502, '<html>Bad Gateway</html>', 'en');
    expect(error.code).toBe('unexpected_response');
    expect(error.message).toContain('status 502');
  });

  it('treats json without a message as unexpected', () => {
    expect(parseErrorBody(500, '{"code":"internal"}', 'vi').code).toBe('unexpected_response');
    expect(parseErrorBody(500, 'null', 'vi').code).toBe('unexpected_response');
  });
});

describe('isSameOriginPath', () => {
  it('accepts absolute paths on this origin', () => {
    expect(isSameOriginPath('/api/v1/documents/d_1/file')).toBe(true);
  });

  it('rejects other origins and protocol-relative addresses', () => {
    expect(isSameOriginPath('https://example.org/a.pdf')).toBe(false);
    expect(isSameOriginPath('//example.org/a.pdf')).toBe(false);
    expect(isSameOriginPath('/\\example.org/a.pdf')).toBe(false);
    expect(isSameOriginPath('api/v1/x')).toBe(false);
  });
});

describe('createApiClient', () => {
  it('sends the login as json with the session cookie policy and the ui language', async () => {
    const { api, sent } = clientWith(() => jsonResponse(200, { user: delegate }), 'en');
    const user = await api.login('daibieu01', 'demo');
    expect(user.display_name).toBe('Đại biểu 01');
    const [request] = sent;
    expect(request?.url).toBe('/api/v1/auth/login');
    expect(request?.init.method).toBe('POST');
    expect(request?.init.credentials).toBe('same-origin');
    expect(JSON.parse(String(request?.init.body))).toEqual({ username: 'daibieu01', password: 'demo' });
    const headers = new Headers(request?.init.headers);
    expect(headers.get('Accept-Language')).toBe('en');
    expect(headers.get('Content-Type')).toBe('application/json');
  });

  it('names this device at login, so that an administrator can wipe it', async () => {
    const { fetchImpl, sent } = scriptedFetch(() => jsonResponse(200, { user: delegate }));
    const api = createApiClient({ language: () => 'vi', fetch: fetchImpl, deviceId: () => 'web-00aa' });
    await api.login('daibieu01', 'demo');
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({
      username: 'daibieu01',
      password: 'demo',
      device_id: 'web-00aa',
    });
  });

  it('tells the app of an ended session and of a remote wipe, and of nothing else', async () => {
    const lost: string[] = [];
    const answers = [
      jsonResponse(401, { code: 'unauthenticated', message: 'Hết phiên.' }),
      jsonResponse(401, { code: 'device_wipe_requested', message: 'Xóa máy.' }),
      jsonResponse(401, { code: 'invalid_credentials', message: 'Sai mật khẩu.' }),
      jsonResponse(403, { code: 'forbidden', message: 'Không được.' }),
    ];
    const { fetchImpl } = scriptedFetch(() => answers.shift() ?? jsonResponse(200, {}));
    const api = createApiClient({
      language: () => 'vi',
      fetch: fetchImpl,
      onSessionLost: (code) => lost.push(code),
    });
    await expect(api.me()).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(api.listMeetings()).rejects.toMatchObject({ code: 'device_wipe_requested' });
    await expect(api.login('daibieu01', 'sai')).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(api.listUsers()).rejects.toMatchObject({ code: 'forbidden' });
    expect(lost).toEqual(['unauthenticated', 'device_wipe_requested']);
  });

  it('throws the server error of a wrong password as an ApiError', async () => {
    const { api } = clientWith(() =>
      jsonResponse(401, { code: 'invalid_credentials', message: 'Sai mật khẩu.' }),
    );
    const failure = api.login('daibieu01', 'sai');
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      message: 'Sai mật khẩu.',
    });
  });

  it('reports a dropped connection in the ui language', async () => {
    const { api } = clientWith(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.me()).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
      message: expect.stringContaining('WiFi'),
    });
  });

  it('lets an aborted request stay an abort', async () => {
    const { api } = clientWith(() => {
      throw new DOMException('aborted', 'AbortError');
    });
    await expect(api.fetchDocument('/api/v1/documents/d_1/file')).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('unwraps the meetings list', async () => {
    const summary = {
      id: 'm_1',
      title: 'Họp',
      starts_at: '2026-11-23T08:00:00+07:00',
      place: 'P',
      state: 'published',
      my_role: 'delegate',
    };
    const { api, sent } = clientWith(() => jsonResponse(200, { meetings: [summary] }));
    expect(await api.listMeetings()).toEqual([summary]);
    expect(sent[0]?.url).toBe('/api/v1/meetings');
  });

  it('escapes the meeting id in the path', async () => {
    const { api, sent } = clientWith(() =>
      jsonResponse(404, { code: 'not_found', message: 'Không tìm thấy.' }),
    );
    await expect(api.getMeeting('m/../x')).rejects.toMatchObject({ code: 'not_found' });
    expect(sent[0]?.url).toBe('/api/v1/meetings/m%2F..%2Fx');
  });

  it('returns the pdf bytes of a document', async () => {
    const { api, sent } = clientWith(
      () => new Response(new Uint8Array([0x25, 0x50, 0x44, 0x46]), { status: 200 }),
    );
    const bytes = await api.fetchDocument('/api/v1/documents/d_1/file');
    expect([...bytes]).toEqual([0x25, 0x50, 0x44, 0x46]);
    expect(new Headers(sent[0]?.init.headers).get('Accept')).toBe('application/pdf');
    expect(sent[0]?.init.cache).toBe('no-store');
  });

  it('asks the server, not the HTTP cache, for a document, naming the device', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const api = createApiClient({
      language: () => 'vi',
      deviceId: () => 'web-0a1b2c',
      fetch: (input, init) => {
        sent.push({ url: String(input), init: init ?? {} });
        return Promise.resolve(new Response(new Uint8Array([0x25]), { status: 200 }));
      },
    });
    await api.fetchDocument('/api/v1/documents/d_1/versions/2/file');
    expect(sent[0]?.init.cache).toBe('no-store');
    expect(new Headers(sent[0]?.init.headers).get('X-Phonghop-Device')).toBe('web-0a1b2c');
  });

  it('refuses to fetch a document from another origin', async () => {
    const { api, sent } = clientWith(() => new Response('x'));
    await expect(api.fetchDocument('https://elsewhere.example/a.pdf')).rejects.toBeInstanceOf(ApiError);
    expect(sent).toHaveLength(0);
  });

  it('treats a 204 logout as success', async () => {
    const { api } = clientWith(() => new Response(null, { status: 204 }));
    await expect(api.logout()).resolves.toBeUndefined();
  });
});

describe('createApiClient: the secretary console calls', () => {
  const meeting = {
    id: 'm_1',
    title: 'Họp',
    starts_at: '2026-12-01T08:00:00+07:00',
    place: 'P',
    state: 'draft',
    my_role: 'secretary',
    video_link: null,
    agenda: [],
    sync_documents: [],
    hidden_annotations: [],
  };

  it('creates a meeting with a json body', async () => {
    const { api, sent } = clientWith(() => jsonResponse(201, meeting));
    const request = { title: 'Họp', starts_at: '2026-12-01T08:00:00+07:00', place: 'P' };
    expect(await api.createMeeting(request)).toEqual(meeting);
    expect(sent[0]?.url).toBe('/api/v1/meetings');
    expect(sent[0]?.init.method).toBe('POST');
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual(request);
  });

  it('sends a state change to its own path and shows a conflict in the server words', async () => {
    const { api, sent } = clientWith(() =>
      jsonResponse(409, {
        code: 'conflict',
        message: 'Không thể chuyển cuộc họp từ "dự thảo" sang "đang họp".',
      }),
    );
    await expect(api.changeMeetingState('m_1', 'start')).rejects.toMatchObject({
      code: 'conflict',
      message: 'Không thể chuyển cuộc họp từ "dự thảo" sang "đang họp".',
    });
    expect(sent[0]?.url).toBe('/api/v1/meetings/m_1/start');
    expect(sent[0]?.init.method).toBe('POST');
  });

  it('puts the complete agenda order', async () => {
    const { api, sent } = clientWith(() => jsonResponse(200, meeting));
    await api.reorderAgenda('m_1', [
      { id: 'a_2', parent_id: null },
      { id: 'a_1', parent_id: 'a_2' },
    ]);
    expect(sent[0]?.url).toBe('/api/v1/meetings/m_1/agenda/order');
    expect(sent[0]?.init.method).toBe('PUT');
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({
      items: [
        { id: 'a_2', parent_id: null },
        { id: 'a_1', parent_id: 'a_2' },
      ],
    });
  });

  it('sets and removes participants, taking 204 as success', async () => {
    const { api, sent } = clientWith(() => new Response(null, { status: 204 }));
    await api.setParticipant('m_1', 'u_7', 'delegate');
    await api.removeParticipant('m_1', 'u_7');
    expect(sent.map((request) => `${request.init.method} ${request.url}`)).toEqual([
      'PUT /api/v1/meetings/m_1/participants/u_7',
      'DELETE /api/v1/meetings/m_1/participants/u_7',
    ]);
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({ role: 'delegate' });
  });

  it('clears an agenda item presenter with null', async () => {
    const { api, sent } = clientWith(() => jsonResponse(200, {}));
    await api.updateAgendaItem('m_1', 'a_1', { presenter: null });
    expect(sent[0]?.init.method).toBe('PATCH');
    expect(String(sent[0]?.init.body)).toBe('{"presenter":null}');
  });

  it('marks a document confidential with a patch', async () => {
    const { api, sent } = clientWith(() => jsonResponse(200, { id: 'd_1', confidential: true }));
    expect(await api.updateDocument('d_1', { confidential: true })).toMatchObject({ confidential: true });
    expect(`${sent[0]?.init.method} ${sent[0]?.url}`).toBe('PATCH /api/v1/documents/d_1');
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({ confidential: true });
  });

  it('unwraps users, participants and audit entries', async () => {
    const { api, sent } = clientWith((request) => {
      if (request.url.endsWith('/users')) return jsonResponse(200, { users: [{ id: 'u_1' }] });
      if (request.url.endsWith('/participants'))
        return jsonResponse(200, { participants: [{ user_id: 'u_1' }] });
      return jsonResponse(200, { entries: [{ seq: 1 }] });
    });
    expect(await api.listUsers()).toEqual([{ id: 'u_1' }]);
    expect(await api.listParticipants('m_1')).toEqual([{ user_id: 'u_1' }]);
    expect(await api.auditLog('m_1')).toEqual([{ seq: 1 }]);
    expect(sent.map((request) => request.url)).toEqual([
      '/api/v1/users',
      '/api/v1/meetings/m_1/participants',
      '/api/v1/meetings/m_1/audit',
    ]);
  });
});
