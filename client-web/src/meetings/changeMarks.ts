// Which agenda items and documents changed since the delegate last looked,
// per meeting, kept on the device so that the marks survive a trip to the
// reader and back, or a reload. An item is marked until it is seen: its
// document opened, or the notice dismissed with "Đã xem".

/** The part of `localStorage` the marks use (a map in tests). */
export interface MarkStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface Marks {
  items: string[];
  documents: string[];
}

const key = (meetingId: string) => `phonghop.changes.${meetingId}`;
const noMarks = (): Marks => ({ items: [], documents: [] });

function parse(text: string | null): Marks {
  if (text === null) return noMarks();
  try {
    const value = JSON.parse(text) as Partial<Marks>;
    const strings = (list: unknown) =>
      Array.isArray(list) ? list.filter((entry): entry is string => typeof entry === 'string') : [];
    return { items: strings(value.items), documents: strings(value.documents) };
  } catch {
    return noMarks();
  }
}

export class ChangeMarks {
  /** Without storage (private browsing that refuses it) marks live as long
   * as the page. */
  private readonly memory = new Map<string, Marks>();

  constructor(private readonly storage: MarkStorage | undefined) {}

  get(meetingId: string): Marks {
    const remembered = this.memory.get(meetingId);
    if (remembered) return remembered;
    let text: string | null = null;
    try {
      text = this.storage?.getItem(key(meetingId)) ?? null;
    } catch {
      text = null;
    }
    const marks = parse(text);
    this.memory.set(meetingId, marks);
    return marks;
  }

  /** Marks items and documents as changed (on top of those not seen yet). */
  add(meetingId: string, items: readonly string[], documents: readonly string[]): void {
    const marks = this.get(meetingId);
    this.set(meetingId, {
      items: [...new Set([...marks.items, ...items])],
      documents: [...new Set([...marks.documents, ...documents])],
    });
  }

  /** The delegate opened a document: its mark and its item's go. */
  seenDocument(meetingId: string, documentId: string, itemId: string | null): void {
    const marks = this.get(meetingId);
    this.set(meetingId, {
      items: marks.items.filter((id) => id !== itemId),
      documents: marks.documents.filter((id) => id !== documentId),
    });
  }

  /** "Đã xem": every mark of the meeting goes. */
  seenAll(meetingId: string): void {
    this.set(meetingId, noMarks());
  }

  private set(meetingId: string, marks: Marks): void {
    this.memory.set(meetingId, marks);
    try {
      if (marks.items.length === 0 && marks.documents.length === 0) this.storage?.removeItem(key(meetingId));
      else this.storage?.setItem(key(meetingId), JSON.stringify(marks));
    } catch {
      // A full or refused storage keeps the marks for this page only.
    }
  }
}
