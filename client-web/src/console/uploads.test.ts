import { describe, expect, it } from 'vitest';
import { acceptedFileTypes, isOfficeFileName, percentSent, uploadStatus } from './uploads';

describe('uploads', () => {
  it('recognises the Office files the server converts', () => {
    expect(isOfficeFileName('bao-cao.DOCX')).toBe(true);
    expect(isOfficeFileName('bang-so-lieu.xlsx')).toBe(true);
    expect(isOfficeFileName('to-trinh.pdf')).toBe(false);
    expect(isOfficeFileName('docx')).toBe(false);
    expect(acceptedFileTypes).toBe('.pdf,.docx,.doc,.odt,.xlsx,.pptx');
  });

  it('counts whole percent sent, safely for unknown totals', () => {
    expect(percentSent(512, 1024)).toBe(50);
    expect(percentSent(1024, 1024)).toBe(100);
    expect(percentSent(10, 0)).toBe(0);
    expect(percentSent(2000, 1000)).toBe(100);
  });

  it('says what the server is doing once every byte is sent', () => {
    expect(uploadStatus({ phase: 'sending', loaded: 1, total: 4 }, 'a.pdf')).toEqual({
      key: 'documentsEditor.uploading',
      params: { percent: 25 },
    });
    expect(uploadStatus({ phase: 'processing' }, 'a.docx')).toEqual({ key: 'documentsEditor.converting' });
    expect(uploadStatus({ phase: 'processing' }, 'a.pdf')).toEqual({ key: 'documentsEditor.checking' });
  });

  it('shows a refusal in the server words', () => {
    expect(uploadStatus({ phase: 'failed', message: 'Máy chủ chưa cài LibreOffice…' }, 'a.docx')).toEqual({
      text: 'Máy chủ chưa cài LibreOffice…',
    });
  });
});
