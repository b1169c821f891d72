import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from '../router/routes';
import { liveControls } from './permissions';

describe('liveControls', () => {
  it('gives a delegate check in, speaking and voting, but no console', () => {
    expect(liveControls('delegate')).toMatchObject({
      checkIn: true,
      requestFloor: true,
      vote: true,
      chairConsole: false,
      markAttendance: false,
      present: false,
      bigScreen: false,
      sendSecretaryRequests: true,
    });
  });

  it('gives the chair everything, including a ballot', () => {
    expect(liveControls('chair')).toMatchObject({
      vote: true,
      chairConsole: true,
      runVotes: true,
      present: true,
    });
  });

  it('lets the secretary run the meeting but not vote or ask to speak', () => {
    expect(liveControls('secretary')).toMatchObject({
      vote: false,
      requestFloor: false,
      chairConsole: true,
      markAttendance: true,
      sendSecretaryRequests: false,
    });
  });

  it('sends a remote point to its big screen, with nothing to press', () => {
    expect(liveControls('remote_point')).toEqual({
      checkIn: false,
      requestFloor: false,
      vote: false,
      chairConsole: false,
      markAttendance: false,
      runVotes: false,
      present: false,
      bigScreen: true,
      sendSecretaryRequests: false,
    });
  });

  it('lets an observer listen and ask to speak, not vote', () => {
    expect(liveControls('observer')).toMatchObject({ vote: false, requestFloor: true, chairConsole: false });
    expect(liveControls(null).checkIn).toBe(false);
  });
});

describe('live routes', () => {
  it('reads and writes the chair console and the big screen', () => {
    expect(parseRoute('#/meetings/m_1/chair')).toEqual({ screen: 'chair', meetingId: 'm_1' });
    expect(parseRoute('#/meetings/m_1/screen')).toEqual({ screen: 'big_screen', meetingId: 'm_1' });
    expect(hrefFor({ screen: 'chair', meetingId: 'm_1' })).toBe('#/meetings/m_1/chair');
    expect(hrefFor({ screen: 'big_screen', meetingId: 'm 1' })).toBe('#/meetings/m%201/screen');
  });
});
