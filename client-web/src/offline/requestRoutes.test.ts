import { describe, expect, it } from 'vitest';
import { routeRequest } from './requestRoutes';

const origin = 'https://hop.ubnd.local';
const route = (url: string, mode = 'cors', method = 'GET') => routeRequest({ method, url, mode }, origin);

describe('routeRequest', () => {
  it('answers page loads of the app with the cached shell', () => {
    expect(route(`${origin}/`, 'navigate')).toBe('app-shell');
    expect(route(`${origin}/index.html`, 'navigate')).toBe('app-shell');
  });

  it('leaves server pages opened in a tab to the server', () => {
    for (const path of ['/api/v1/meetings', '/healthz', '/readyz', '/metrics', '/ca.pem', '/sync', '/live']) {
      expect(route(`${origin}${path}`, 'navigate')).toBe('network');
    }
  });

  it('serves the built files cache first', () => {
    expect(route(`${origin}/assets/index-abc.js`)).toBe('static');
    expect(route(`${origin}/pdfjs/cmaps/UniGB-UCS2-H.bcmap`)).toBe('static');
    expect(route(`${origin}/icons/icon-192.png`)).toBe('static');
    expect(route(`${origin}/manifest.webmanifest`)).toBe('static');
  });

  it('recognises versioned document files, and only those', () => {
    expect(route(`${origin}/api/v1/documents/d_1/versions/2/file`)).toBe('document');
    expect(route(`${origin}/api/v1/documents/d_1/file`)).toBe('network');
    expect(route(`${origin}/api/v1/documents/d_1/versions/x/file`)).toBe('network');
    // A confidential version is never answered from (or kept in) a cache.
    expect(route(`${origin}/api/v1/documents/d_1/versions/2/confidential`)).toBe('network');
  });

  it('never touches the API, writes, or other origins', () => {
    expect(route(`${origin}/api/v1/meetings/m_1`)).toBe('network');
    expect(route(`${origin}/api/v1/documents/d_1/versions/1/file`, 'cors', 'POST')).toBe('network');
    expect(route('https://elsewhere.example/assets/x.js')).toBe('network');
    expect(route('not a url')).toBe('network');
  });
});
