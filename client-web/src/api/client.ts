// The one place the client talks HTTP to the phonghop server.
//
// Every call goes to the page's own origin with the session cookie
// (`credentials: 'same-origin'`) and asks for messages in the UI language
// (`Accept-Language`). Every failure, from a 401 to a dropped WiFi, comes
// out as one `ApiError` whose `message` a delegate can act on.

import { translate, type Language } from '../i18n/i18n';
import type {
  AgendaItem,
  AgendaOrderEntry,
  AuditLogEntry,
  AuditLog,
  ChangePasswordRequest,
  DocumentReads,
  DocumentReadsReport,
  CreateAgendaItemRequest,
  CreateMeetingRequest,
  DeviceInfo,
  DeviceList,
  DocumentInfo,
  DocumentVersionList,
  ErrorCode,
  LoginRequest,
  LoginResponse,
  Meeting,
  MeetingAction,
  MeetingList,
  MeetingRole,
  MeetingSummary,
  Participant,
  ParticipantList,
  RecordStatus,
  SessionInfo,
  SessionList,
  SetAnnotationHiddenRequest,
  UpdateAgendaItemRequest,
  UpdateDocumentRequest,
  UpdateMeetingRequest,
  User,
  UserAccount,
  UserList,
  BackupStatus,
  CreateUserRequest,
  CreatedUser,
  ImportPreview,
  ImportResult,
  OneTimePassword,
  OrgRole,
  ResetPasswordRequest,
  SetUserRoleRequest,
} from './types';

/** Codes the client gives failures that never reached, or never came back
 * from, the server's error handling. */
export type ClientErrorCode =
  /** The request did not get an answer: offline, DNS, server down. */
  | 'network_error'
  /** An answer that is not the documented JSON (a proxy's HTML page, a
   * truncated body, an error code newer than this client). */
  | 'unexpected_response';

export type ApiErrorCode = ErrorCode | ClientErrorCode;

const knownErrorCodes: ReadonlySet<string> = new Set<ErrorCode>([
  'bad_request',
  'unauthenticated',
  'invalid_credentials',
  'account_disabled',
  'too_many_attempts',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_document',
  'tool_missing',
  'conversion_unavailable',
  'storage_unavailable',
  'storage_full',
  'device_wipe_requested',
  'signing_certificate_missing',
  'signature_invalid',
  'import_file_unreadable',
  'import_too_large',
  'import_rows_invalid',
  'internal',
]);

/** A failed API call. `message` is ready to show; `code` is for deciding
 * what to do (for example `unauthenticated` sends the user to log in). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status, or 0 when no answer came back. */
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Builds the `ApiError` for a failed response from its status and body
 * text. The server's own `message` is kept whenever the body has one, even
 * with a code this client does not know yet. */
export function parseErrorBody(status: number, bodyText: string, language: Language): ApiError {
  const unexpected = () =>
    new ApiError(status, 'unexpected_response', translate(language, 'error.unexpected', { status }));
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return unexpected();
  }
  if (typeof body !== 'object' || body === null) return unexpected();
  const { code, message } = body as { code?: unknown; message?: unknown };
  if (typeof message !== 'string' || message.trim() === '') return unexpected();
  const knownCode =
    typeof code === 'string' && knownErrorCodes.has(code) ? (code as ErrorCode) : 'unexpected_response';
  return new ApiError(status, knownCode, message);
}

/** Whether `url` stays on the page's origin: a path such as
 * `/api/v1/documents/d_1/file`, not `//host/…` nor `https://…`. Document
 * URLs come from the server; checking them keeps every request this client
 * makes on its own origin, as the CSP `connect-src 'self'` demands anyway. */
export function isSameOriginPath(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\');
}

export interface ApiClientOptions {
  /** The UI language at the moment of each call. */
  language: () => Language;
  /** Injected in tests; the browser's `fetch` otherwise. */
  fetch?: typeof fetch;
  /** This device's id, sent with document downloads: the server records
   * it with every read of a confidential document, and at login, so that
   * an administrator can wipe the device. */
  deviceId?: () => string;
  /** Told of every answer that ends the user's time on this device: 401
   * `unauthenticated` (expired, revoked) or `device_wipe_requested` (an
   * administrator's remote wipe). The app wipes the device
   * (`wipe/wipe.ts`); the call still fails with the `ApiError`. */
  onSessionLost?: (code: 'unauthenticated' | 'device_wipe_requested') => void;
}

export interface ApiClient {
  login(username: string, password: string): Promise<User>;
  logout(): Promise<void>;
  /** Confirms an administrator's remote wipe once this device removed
   * everything of the account (`POST /auth/device-wiped`); ends the session. */
  confirmDeviceWiped(): Promise<void>;
  /** The logged-in user; throws `ApiError` with code `unauthenticated`
   * when there is no session. */
  me(): Promise<User>;
  /** Changes the caller's own password; their other sessions end. */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  /** The caller's own live sessions, newest first. */
  listSessions(): Promise<SessionInfo[]>;
  /** Ends one of the caller's own sessions. */
  endSession(sessionId: string): Promise<void>;
  listMeetings(): Promise<MeetingSummary[]>;
  getMeeting(meetingId: string): Promise<Meeting>;
  /** The PDF bytes of a document, kept in memory only (a confidential
   * document must never be written to the tablet). Always from the
   * server, never from the browser's HTTP cache (`cache: 'no-store'`): a
   * document marked confidential after an earlier download must come
   * stamped for its reader, and the offline pack is read before this is
   * called. */
  fetchDocument(url: string, signal?: AbortSignal): Promise<Uint8Array>;
  /** Every version of a document with its page fingerprints (what the
   * carry-over of annotations compares). */
  documentVersions(documentId: string, signal?: AbortSignal): Promise<DocumentVersionList>;

  // The secretary's console. Each call answers what the server answered,
  // so a screen can redraw from it without fetching the meeting again.
  listUsers(): Promise<UserAccount[]>;
  /** The devices an account has used (administrators, and the owner). */
  listDevices(userId: string): Promise<DeviceInfo[]>;
  /** Asks for a remote wipe of one device of an account (administrators). */
  wipeDevice(userId: string, deviceId: string): Promise<void>;
  /** The last backup (administrators). */
  backupStatus(): Promise<BackupStatus>;
  /** Adds an account (administrators); without a password the answer
   * carries the one-time password the server made, shown once. */
  createUser(request: CreateUserRequest): Promise<CreatedUser>;
  setUserDisabled(userId: string, disabled: boolean): Promise<UserAccount>;
  setUserRole(userId: string, role: OrgRole): Promise<UserAccount>;
  /** Resets an account's password to a one-time one the server makes
   * and answers once; the user must choose their own at the next login. */
  resetPassword(userId: string): Promise<string>;
  /** What importing a list of officials (CSV or XLSX) would do; changes
   * nothing. */
  previewImport(file: Blob): Promise<ImportPreview>;
  /** Imports the list: every account or none. */
  importUsers(file: Blob): Promise<ImportResult>;
  createMeeting(request: CreateMeetingRequest): Promise<Meeting>;
  updateMeeting(meetingId: string, request: UpdateMeetingRequest): Promise<Meeting>;
  /** Publish, start, close or cancel; `conflict` when the state machine
   * does not allow it from the current state. */
  changeMeetingState(meetingId: string, action: MeetingAction): Promise<Meeting>;
  listParticipants(meetingId: string): Promise<Participant[]>;
  setParticipant(meetingId: string, userId: string, role: MeetingRole): Promise<void>;
  removeParticipant(meetingId: string, userId: string): Promise<void>;
  /** Hides a stroke or note of a shared layer, or shows it again (the
   * meeting's chair and secretary). */
  setAnnotationHidden(meetingId: string, request: SetAnnotationHiddenRequest): Promise<void>;
  createAgendaItem(meetingId: string, request: CreateAgendaItemRequest): Promise<AgendaItem>;
  updateAgendaItem(meetingId: string, itemId: string, request: UpdateAgendaItemRequest): Promise<AgendaItem>;
  deleteAgendaItem(meetingId: string, itemId: string): Promise<void>;
  /** Sends the complete new order of the agenda. */
  reorderAgenda(meetingId: string, items: AgendaOrderEntry[]): Promise<Meeting>;
  updateDocument(documentId: string, request: UpdateDocumentRequest): Promise<DocumentInfo>;
  auditLog(meetingId: string): Promise<AuditLogEntry[]>;
  /** Who has read each confidential document (the meeting's staff). */
  documentReads(meetingId: string): Promise<DocumentReads[]>;
  /** The meeting's record (biên bản) as a PDF, made by the server from the
   * attendance, speakers, votes and minutes. */
  meetingRecord(meetingId: string): Promise<Blob>;
  /** Signs the closed meeting's record with the caller's certificate held
   * by the server (`POST …/record/sign`). */
  signRecord(meetingId: string): Promise<RecordStatus>;
}

/** The header that names this device on document downloads. */
export const documentDeviceHeader = 'X-Phonghop-Device';

export function createApiClient(options: ApiClientOptions): ApiClient {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));

  async function send(path: string, init: RequestInit & { accept?: string }): Promise<Response> {
    const language = options.language();
    const headers = new Headers(init.headers);
    headers.set('Accept', init.accept ?? 'application/json');
    headers.set('Accept-Language', language);
    let response: Response;
    try {
      response = await fetchImpl(path, { ...init, headers, credentials: 'same-origin' });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError(0, 'network_error', translate(language, 'error.network'));
    }
    if (!response.ok) {
      const bodyText = await response.text().catch(() => '');
      const error = parseErrorBody(response.status, bodyText, language);
      if (error.code === 'unauthenticated' || error.code === 'device_wipe_requested') {
        options.onSessionLost?.(error.code);
      }
      throw error;
    }
    return response;
  }

  async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await send(path, init);
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(
        response.status,
        'unexpected_response',
        translate(options.language(), 'error.unexpected', { status: response.status }),
      );
    }
  }

  const withJson = (method: string, body: unknown): RequestInit => ({
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const meetingPath = (meetingId: string) => `/api/v1/meetings/${encodeURIComponent(meetingId)}`;

  return {
    async login(username, password) {
      const request: LoginRequest = { username, password };
      const deviceId = options.deviceId?.();
      if (deviceId) request.device_id = deviceId;
      const body = await json<LoginResponse>('/api/v1/auth/login', withJson('POST', request));
      return body.user;
    },
    async logout() {
      await send('/api/v1/auth/logout', { method: 'POST' });
    },
    async confirmDeviceWiped() {
      await send('/api/v1/auth/device-wiped', { method: 'POST' });
    },
    me() {
      return json<User>('/api/v1/auth/me');
    },
    async changePassword(currentPassword, newPassword) {
      const request: ChangePasswordRequest = { current_password: currentPassword, new_password: newPassword };
      await send('/api/v1/auth/password', withJson('POST', request));
    },
    async listSessions() {
      return (await json<SessionList>('/api/v1/auth/sessions')).sessions;
    },
    async endSession(sessionId) {
      await send(`/api/v1/auth/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' });
    },
    async listMeetings() {
      return (await json<MeetingList>('/api/v1/meetings')).meetings;
    },
    getMeeting(meetingId) {
      return json<Meeting>(`/api/v1/meetings/${encodeURIComponent(meetingId)}`);
    },
    documentVersions(documentId, signal) {
      return json<DocumentVersionList>(
        `/api/v1/documents/${encodeURIComponent(documentId)}/versions`,
        signal ? { signal } : {},
      );
    },
    async fetchDocument(url, signal) {
      if (!isSameOriginPath(url)) {
        throw new ApiError(0, 'unexpected_response', translate(options.language(), 'reader.openFailed'));
      }
      // `no-store`: the browser's HTTP cache, which the app cannot empty,
      // never holds a document; what is kept is in the pack, where a
      // document marked confidential can be deleted at once. The device id
      // goes with it: the server records it with each confidential copy.
      const headers: Record<string, string> = {};
      const deviceId = options.deviceId?.();
      if (deviceId) headers[documentDeviceHeader] = deviceId;
      const init: RequestInit & { accept: string } = {
        accept: 'application/pdf',
        cache: 'no-store',
        headers,
      };
      if (signal) init.signal = signal;
      const response = await send(url, init);
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') throw error;
        // The connection dropped in the middle of the file.
        throw new ApiError(0, 'network_error', translate(options.language(), 'error.network'));
      }
    },
    async listUsers() {
      return (await json<UserList>('/api/v1/users')).users;
    },
    async listDevices(userId) {
      return (await json<DeviceList>(`/api/v1/users/${encodeURIComponent(userId)}/devices`)).devices;
    },
    async wipeDevice(userId, deviceId) {
      await send(`/api/v1/users/${encodeURIComponent(userId)}/devices/${encodeURIComponent(deviceId)}/wipe`, {
        method: 'POST',
      });
    },
    backupStatus() {
      return json<BackupStatus>('/api/v1/admin/backup');
    },
    createUser(request) {
      return json<CreatedUser>('/api/v1/users', withJson('POST', request));
    },
    setUserDisabled(userId, disabled) {
      return json<UserAccount>(
        `/api/v1/users/${encodeURIComponent(userId)}/${disabled ? 'disable' : 'enable'}`,
        {
          method: 'POST',
        },
      );
    },
    setUserRole(userId, role) {
      const request: SetUserRoleRequest = { role };
      return json<UserAccount>(`/api/v1/users/${encodeURIComponent(userId)}/role`, withJson('POST', request));
    },
    async resetPassword(userId) {
      const request: ResetPasswordRequest = {};
      const answer = await json<OneTimePassword>(
        `/api/v1/users/${encodeURIComponent(userId)}/password`,
        withJson('POST', request),
      );
      return answer.password;
    },
    previewImport(file) {
      return json<ImportPreview>('/api/v1/users/import/preview', {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: file,
      });
    },
    importUsers(file) {
      return json<ImportResult>('/api/v1/users/import', {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: file,
      });
    },
    createMeeting(request) {
      return json<Meeting>('/api/v1/meetings', withJson('POST', request));
    },
    updateMeeting(meetingId, request) {
      return json<Meeting>(meetingPath(meetingId), withJson('PATCH', request));
    },
    changeMeetingState(meetingId, action) {
      return json<Meeting>(`${meetingPath(meetingId)}/${action}`, { method: 'POST' });
    },
    async listParticipants(meetingId) {
      return (await json<ParticipantList>(`${meetingPath(meetingId)}/participants`)).participants;
    },
    async setParticipant(meetingId, userId, role) {
      await send(
        `${meetingPath(meetingId)}/participants/${encodeURIComponent(userId)}`,
        withJson('PUT', { role }),
      );
    },
    async setAnnotationHidden(meetingId, request) {
      await send(`${meetingPath(meetingId)}/hidden-annotations`, withJson('PUT', request));
    },
    async removeParticipant(meetingId, userId) {
      await send(`${meetingPath(meetingId)}/participants/${encodeURIComponent(userId)}`, {
        method: 'DELETE',
      });
    },
    createAgendaItem(meetingId, request) {
      return json<AgendaItem>(`${meetingPath(meetingId)}/agenda`, withJson('POST', request));
    },
    updateAgendaItem(meetingId, itemId, request) {
      return json<AgendaItem>(
        `${meetingPath(meetingId)}/agenda/${encodeURIComponent(itemId)}`,
        withJson('PATCH', request),
      );
    },
    async deleteAgendaItem(meetingId, itemId) {
      await send(`${meetingPath(meetingId)}/agenda/${encodeURIComponent(itemId)}`, { method: 'DELETE' });
    },
    reorderAgenda(meetingId, items) {
      return json<Meeting>(`${meetingPath(meetingId)}/agenda/order`, withJson('PUT', { items }));
    },
    updateDocument(documentId, request) {
      return json<DocumentInfo>(
        `/api/v1/documents/${encodeURIComponent(documentId)}`,
        withJson('PATCH', request),
      );
    },
    async meetingRecord(meetingId) {
      const response = await send(`${meetingPath(meetingId)}/record.pdf`, { accept: 'application/pdf' });
      try {
        return await response.blob();
      } catch {
        throw new ApiError(0, 'network_error', translate(options.language(), 'error.network'));
      }
    },
    signRecord(meetingId) {
      return json<RecordStatus>(`${meetingPath(meetingId)}/record/sign`, { method: 'POST' });
    },
    async auditLog(meetingId) {
      return (await json<AuditLog>(`${meetingPath(meetingId)}/audit`)).entries;
    },
    async documentReads(meetingId) {
      return (await json<DocumentReadsReport>(`${meetingPath(meetingId)}/document-reads`)).documents;
    },
  };
}
