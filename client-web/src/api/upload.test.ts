import { describe, expect, it } from 'vitest';
import { newDocumentUrl, newVersionUrl, uploadError } from './upload';

describe('upload requests', () => {
  it('escapes ids in the upload paths', () => {
    expect(newDocumentUrl('m_1', 'a/1')).toBe('/api/v1/meetings/m_1/agenda/a%2F1/documents');
    expect(newVersionUrl('d_1')).toBe('/api/v1/documents/d_1/versions');
  });

  it('keeps the server message of a refused upload as it came', () => {
    const error = uploadError(
      422,
      '{"code":"tool_missing","message":"Máy chủ chưa cài LibreOffice nên chưa chuyển được tệp Office sang PDF."}',
      'vi',
    );
    expect(error).toMatchObject({
      status: 422,
      code: 'tool_missing',
      message: 'Máy chủ chưa cài LibreOffice nên chưa chuyển được tệp Office sang PDF.',
    });
  });

  it('explains a 413 from a proxy that sent no json', () => {
    const error = uploadError(413, '<html>Request Entity Too Large</html>', 'vi');
    expect(error.code).toBe('payload_too_large');
    expect(error.message).toContain('Tệp quá lớn');
  });
});
