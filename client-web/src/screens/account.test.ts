import { describe, expect, it } from 'vitest';
import { describeUserAgent } from './account';

describe('describeUserAgent', () => {
  it('names the browser and the system of common tablets and computers', () => {
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Linux; Android 13; SM-X205) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
        '?',
      ),
    ).toBe('Chrome · Android');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/604.1',
        '?',
      ),
    ).toBe('Safari · iOS');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
        '?',
      ),
    ).toBe('Firefox · Windows');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0',
        '?',
      ),
    ).toBe('Edge · Windows');
  });

  it('says the device is unknown when nothing was sent', () => {
    expect(describeUserAgent(null, 'Thiết bị không rõ')).toBe('Thiết bị không rõ');
    expect(describeUserAgent('curl/8.0', 'Thiết bị không rõ')).toBe('Thiết bị không rõ');
  });
});
