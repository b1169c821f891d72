// Which live controls each meeting role sees. The server decides what is
// allowed; these only keep buttons that would be refused off the screen.

import type { MeetingRole } from '../api/types';

export interface LiveControls {
  /** "Điểm danh" on one's own device. */
  checkIn: boolean;
  /** "Đăng ký phát biểu" / "Rút đăng ký". */
  requestFloor: boolean;
  /** The vote card's option buttons. */
  vote: boolean;
  /** The chair console ("Chủ trì"): follow, speakers, votes, announcements. */
  chairConsole: boolean;
  /** Marking others present / absent / late. */
  markAttendance: boolean;
  /** Opening and closing votes. */
  runVotes: boolean;
  /** "Trình bày trang này" in the reader. */
  present: boolean;
  /** The big screen of a remote point is the default landing. */
  bigScreen: boolean;
  /** "Gửi yêu cầu cho thư ký" (the secretaries are who receive them). */
  sendSecretaryRequests: boolean;
}

export function liveControls(role: MeetingRole | null): LiveControls {
  const staff = role === 'chair' || role === 'secretary';
  return {
    checkIn: role === 'chair' || role === 'delegate' || role === 'secretary' || role === 'observer',
    requestFloor: role === 'chair' || role === 'delegate' || role === 'observer',
    vote: role === 'chair' || role === 'delegate',
    chairConsole: staff,
    markAttendance: staff,
    runVotes: staff,
    present: staff,
    bigScreen: role === 'remote_point',
    sendSecretaryRequests: role === 'chair' || role === 'delegate' || role === 'observer',
  };
}
