/** A payload as the console shows it. */
export interface ShownPayload {
  readonly kind: 'json' | 'text' | 'bytes';
  /** Pretty JSON, the text itself, or a hex dump (16 bytes a line, with offsets). */
  readonly text: string;
  /** Its size in bytes: of the JSON text, of the UTF-8 text, of the bytes. */
  readonly size: number;
  /** Whether `text` shows only the first bytes. */
  readonly truncated: boolean;
}

const UTF8 = new TextEncoder();

/** At most this many bytes are shown as hex: 256 lines. */
const MOST_HEX_BYTES = 4096;

/** `00000010  68 65 6c 6c 6f …`: the offset, then the bytes of each line of 16. */
function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const line = [...bytes.subarray(offset, offset + 16)].map((byte) => byte.toString(16).padStart(2, '0'));
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${line.join(' ')}`);
  }
  return lines.join('\n');
}

/** How the console shows a payload as the client decoded it: an object, a string or bytes. */
export function formatPayload(payload: unknown): ShownPayload {
  if (payload instanceof Uint8Array) {
    const shown = payload.subarray(0, MOST_HEX_BYTES);
    return {
      kind: 'bytes',
      text: hexDump(shown),
      size: payload.byteLength,
      truncated: shown.byteLength < payload.byteLength,
    };
  }
  if (typeof payload === 'string') {
    return { kind: 'text', text: payload, size: UTF8.encode(payload).byteLength, truncated: false };
  }
  return {
    kind: 'json',
    text: JSON.stringify(payload, null, 2),
    size: UTF8.encode(JSON.stringify(payload)).byteLength,
    truncated: false,
  };
}

/** `512 B`, `1.5 kB`, `2.0 MB` (1 kB = 1024 bytes). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${String(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `—` (none), `850 ms`, `12 s`, `3 min 4 s`, `2 h 5 min`, `3 d 4 h`. */
export function formatAge(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${String(Math.round(ms))} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${String(s)} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${String(min)} min ${String(s % 60)} s`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${String(h)} h ${String(min % 60)} min`;
  return `${String(Math.floor(h / 24))} d ${String(h % 24)} h`;
}
