// Every sentence the UI shows, in Vietnamese first and English second.
//
// The Vietnamese table defines the keys; the English one is typed against
// it, so a key missing in English fails `tsc`, not a delegate's screen.
// Words follow the vocabulary in CONTEXT.md (cuộc họp, chương trình họp,
// tài liệu, đại biểu, thư ký, chủ trì, điểm cầu, mật). Error texts say what
// to do next, not what went wrong inside.

export const vi = {
  'app.title': 'Phòng họp không giấy',

  'header.logout': 'Đăng xuất',
  'header.switchLanguage': 'English',
  'header.switchLanguageLabel': 'Chuyển giao diện sang tiếng Anh',
  'header.offline': 'Mất kết nối mạng. Tài liệu đang mở vẫn đọc được.',

  'login.title': 'Đăng nhập',
  'login.intro': 'Dùng tài khoản do văn phòng cấp cho bạn.',
  'login.username': 'Tên đăng nhập',
  'login.password': 'Mật khẩu',
  'login.submit': 'Đăng nhập',
  'login.submitting': 'Đang đăng nhập…',
  'login.missingFields': 'Hãy nhập cả tên đăng nhập và mật khẩu.',
  'login.sessionExpired': 'Phiên làm việc đã hết hạn. Hãy đăng nhập lại.',

  'meetings.title': 'Cuộc họp của tôi',
  'meetings.today': 'Hôm nay',
  'meetings.upcoming': 'Sắp tới',
  'meetings.past': 'Đã qua',
  'meetings.empty': 'Bạn chưa có cuộc họp nào. Khi thư ký mời bạn dự họp, cuộc họp sẽ hiện ở đây.',
  'meetings.yourRole': 'Vai trò: {role}',

  'meeting.backToList': 'Cuộc họp của tôi',
  'meeting.time': 'Thời gian',
  'meeting.place': 'Địa điểm',
  'meeting.yourRole': 'Vai trò của bạn',
  'meeting.videoLink': 'Mở liên kết họp trực tuyến',
  'meeting.agenda': 'Chương trình họp',
  'meeting.agendaEmpty': 'Chương trình họp chưa có nội dung. Thư ký sẽ cập nhật trước giờ họp.',
  'meeting.presenter': 'Trình bày: {name}',

  'document.confidential': 'Mật',
  'document.version': 'bản {version}',

  'reader.backToAgenda': 'Chương trình họp',
  'reader.previous': 'Trang trước',
  'reader.next': 'Trang sau',
  'reader.pageOf': 'Trang {page}/{count}',
  'reader.goToPage': 'Đến trang',
  'reader.go': 'Đến',
  'reader.pageOutOfRange': 'Tài liệu có {count} trang. Hãy nhập số từ 1 đến {count}.',
  'reader.zoomIn': 'Phóng to',
  'reader.zoomOut': 'Thu nhỏ',
  'reader.loading': 'Đang mở tài liệu…',
  'reader.confidentialNotice': 'Tài liệu mật: không chụp, không sao chép, không chia sẻ.',
  'reader.watermark': '{name} · {time} · MẬT',
  'reader.documentNotInMeeting':
    'Không tìm thấy tài liệu này trong cuộc họp. Hãy quay lại chương trình họp và chọn lại tài liệu.',
  'reader.openFailed': 'Không mở được tài liệu này. Hãy thử lại; nếu vẫn lỗi, báo thư ký cuộc họp.',

  'role.chair': 'Chủ trì',
  'role.secretary': 'Thư ký',
  'role.delegate': 'Đại biểu',
  'role.observer': 'Khách mời',
  'role.remote_point': 'Điểm cầu',

  'state.draft': 'Bản nháp',
  'state.published': 'Đã công bố',
  'state.in_session': 'Đang họp',
  'state.closed': 'Đã kết thúc',
  'state.cancelled': 'Đã hủy',

  'common.loading': 'Đang tải…',
  'common.retry': 'Thử lại',

  'error.network': 'Không kết nối được máy chủ. Hãy kiểm tra mạng (WiFi) rồi thử lại.',
  'error.unexpected':
    'Máy chủ trả lời bất thường (mã {status}). Hãy thử lại sau ít phút; nếu vẫn lỗi, báo quản trị viên.',

  'notFound.title': 'Không có trang này',
  'notFound.back': 'Về danh sách cuộc họp',
} as const;

export type MessageKey = keyof typeof vi;

export const en: Record<MessageKey, string> = {
  'app.title': 'Paperless meeting room',

  'header.logout': 'Log out',
  'header.switchLanguage': 'Tiếng Việt',
  'header.switchLanguageLabel': 'Switch the interface to Vietnamese',
  'header.offline': 'Offline. The open document can still be read.',

  'login.title': 'Log in',
  'login.intro': 'Use the account your office gave you.',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.submitting': 'Logging in…',
  'login.missingFields': 'Enter both your username and your password.',
  'login.sessionExpired': 'Your session has ended. Please log in again.',

  'meetings.title': 'My meetings',
  'meetings.today': 'Today',
  'meetings.upcoming': 'Upcoming',
  'meetings.past': 'Past',
  'meetings.empty': 'You have no meetings yet. When a secretary invites you, the meeting appears here.',
  'meetings.yourRole': 'Role: {role}',

  'meeting.backToList': 'My meetings',
  'meeting.time': 'Time',
  'meeting.place': 'Place',
  'meeting.yourRole': 'Your role',
  'meeting.videoLink': 'Open the video conference link',
  'meeting.agenda': 'Agenda',
  'meeting.agendaEmpty': 'The agenda has no items yet. The secretary will add them before the meeting.',
  'meeting.presenter': 'Presented by {name}',

  'document.confidential': 'Confidential',
  'document.version': 'version {version}',

  'reader.backToAgenda': 'Agenda',
  'reader.previous': 'Previous page',
  'reader.next': 'Next page',
  'reader.pageOf': 'Page {page}/{count}',
  'reader.goToPage': 'Go to page',
  'reader.go': 'Go',
  'reader.pageOutOfRange': 'This document has {count} pages. Enter a number from 1 to {count}.',
  'reader.zoomIn': 'Zoom in',
  'reader.zoomOut': 'Zoom out',
  'reader.loading': 'Opening the document…',
  'reader.confidentialNotice': 'Confidential document: do not photograph, copy or share.',
  'reader.watermark': '{name} · {time} · CONFIDENTIAL',
  'reader.documentNotInMeeting':
    'This document is not part of the meeting. Go back to the agenda and choose it again.',
  'reader.openFailed':
    'This document could not be opened. Try again; if it still fails, tell the meeting secretary.',

  'role.chair': 'Chair',
  'role.secretary': 'Secretary',
  'role.delegate': 'Delegate',
  'role.observer': 'Guest',
  'role.remote_point': 'Remote point',

  'state.draft': 'Draft',
  'state.published': 'Published',
  'state.in_session': 'In session',
  'state.closed': 'Closed',
  'state.cancelled': 'Cancelled',

  'common.loading': 'Loading…',
  'common.retry': 'Try again',

  'error.network': 'Cannot reach the server. Check the network (WiFi) and try again.',
  'error.unexpected':
    'The server gave an unexpected answer (status {status}). Try again in a few minutes; if it persists, tell your administrator.',

  'notFound.title': 'This page does not exist',
  'notFound.back': 'Back to my meetings',
};
