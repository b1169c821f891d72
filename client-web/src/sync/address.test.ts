import { describe, expect, it } from 'vitest';
import {
  isRelayedEphemeral,
  reconnectIntervalMilliseconds,
  syncDatabaseName,
  syncPeerId,
  syncSocketUrl,
} from './address';

describe('syncSocketUrl', () => {
  it('uses the page origin, ws over http and wss over https', () => {
    expect(syncSocketUrl('http://10.0.0.5:8080/#/meetings/1', 'web-ab')).toBe(
      'ws://10.0.0.5:8080/sync?device_id=web-ab',
    );
    expect(syncSocketUrl('https://hop.ubnd.local/?x=1#/m', 'web-ab')).toBe(
      'wss://hop.ubnd.local/sync?device_id=web-ab',
    );
  });
});

describe('syncPeerId', () => {
  it('is the id the server binds to the socket', () => {
    expect(syncPeerId('user-1', 'web-ab')).toBe('u/user-1/d/web-ab');
  });
});

describe('reconnectIntervalMilliseconds', () => {
  it('spreads retries between 3 and 7 seconds', () => {
    expect(reconnectIntervalMilliseconds(() => 0)).toBe(3_000);
    expect(reconnectIntervalMilliseconds(() => 0.5)).toBe(5_000);
    expect(reconnectIntervalMilliseconds(() => 0.999_999)).toBe(7_000);
  });
});

describe('syncDatabaseName', () => {
  it('keeps each user apart', () => {
    expect(syncDatabaseName('a')).not.toBe(syncDatabaseName('b'));
  });
});

describe('isRelayedEphemeral', () => {
  const own = 'u/u_1/d/web-a';
  it('holds back ink in progress received from someone else', () => {
    expect(isRelayedEphemeral({ type: 'ephemeral', senderId: 'u/u_2/d/web-b' }, own)).toBe(true);
  });
  it('sends our own ephemeral messages and every other message', () => {
    expect(isRelayedEphemeral({ type: 'ephemeral', senderId: own }, own)).toBe(false);
    expect(isRelayedEphemeral({ type: 'ephemeral' }, own)).toBe(false);
    expect(isRelayedEphemeral({ type: 'sync', senderId: 'u/u_2/d/web-b' }, own)).toBe(false);
  });
});
