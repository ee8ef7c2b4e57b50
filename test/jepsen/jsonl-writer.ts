/**
 * Appends lines to a file with bounded buffering: lines are written when the buffer passes
 * `bufferBytesMax`, every `flushIntervalMs`, and on close. A harness that dies loses at most the
 * last interval's lines; the history it leaves is still readable with --pending-as-info.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface JsonlWriterOptions {
  readonly bufferBytesMax?: number;
  readonly flushIntervalMs?: number;
}

const BUFFER_BYTES_MAX_DEFAULT = 64 * 1024;
const FLUSH_INTERVAL_MS_DEFAULT = 200;

export class JsonlWriter {
  private readonly fd: number;
  private readonly bufferBytesMax: number;
  private chunks: string[] = [];
  private bufferedBytes = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private linesWritten = 0;

  constructor(readonly path: string, options: JsonlWriterOptions = {}) {
    this.fd = openSync(path, 'a');
    this.bufferBytesMax = options.bufferBytesMax ?? BUFFER_BYTES_MAX_DEFAULT;
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? FLUSH_INTERVAL_MS_DEFAULT);
    this.timer.unref();
  }

  /** Appends one line (without its newline). */
  writeLine(line: string): void {
    if (this.closed) throw new Error(`JsonlWriter: ${this.path} is closed`);
    this.chunks.push(line, '\n');
    // Approximate (UTF-16 units), which is all a flush threshold needs.
    this.bufferedBytes += line.length + 1;
    this.linesWritten += 1;
    if (this.bufferedBytes >= this.bufferBytesMax) this.flush();
  }

  get lineCount(): number {
    return this.linesWritten;
  }

  flush(): void {
    if (this.chunks.length === 0 || this.closed) return;
    const bytes = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.bufferedBytes = 0;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    closeSync(this.fd);
  }
}
