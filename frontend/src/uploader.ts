/**
 * Uploading one file: client-side checks, hashing, a presigned POST (small files) or an S3
 * multipart upload with pause/resume (large files and videos), then the pipeline's status
 * until it is done. Bytes go straight to S3; the API only hands out presigned URLs.
 */
import { api, ApiError, errorMessage, type Schemas, unwrap } from "./api/client";
import { sha256Hex } from "./sha256";

export type Kind = "csv" | "insight" | "video";
export type Upload = Schemas["UploadOut"];

const MiB = 1024 * 1024;
export const SINGLE_PART_MAX = 16 * MiB;
export const MAX_BYTES = 5 * 1024 * MiB;
const MANDATORY = ["person_id", "utc_time_started", "utc_time_ended"];
const POLL_MS = 1500;

export interface FileCheck {
  kind?: Kind;
  error?: string;
  notes: string[];
}

function normaliseHeader(name: string): string {
  return name
    .trim()
    .replace(/^\ufeff/, "")
    .replace(/^"|"$/g, "")
    .toLowerCase()
    .replace(/[\s\-.]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** The header check the validator does first, so an obviously wrong file never leaves. */
export function sniffCsvHeader(head: string): string | null {
  const end = head.indexOf("\n");
  if (end < 0) return "the file has a header line and no data rows";
  const line = head.slice(0, end).replace(/\r$/, "");
  const counts = [",", ";", "\t", "|"].map((d) => [d, line.split(d).length - 1] as const);
  const delimiter = counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
  const headers = line.split(delimiter).map(normaliseHeader);
  const missing = MANDATORY.filter(
    (m) =>
      !headers.some((h) => h === m || h === `${m}_readable` || (h.length >= 5 && m.startsWith(h))),
  );
  if (missing.length) {
    return `missing mandatory column(s) ${missing.join(", ")}; the header has ${headers
      .slice(0, 12)
      .join(", ")}`;
  }
  return null;
}

export async function checkFile(file: File): Promise<FileCheck> {
  const name = file.name.toLowerCase();
  const kind: Kind | undefined = name.endsWith(".csv")
    ? "csv"
    : name.endsWith(".json") || name.endsWith(".jsonl")
      ? "insight"
      : name.endsWith(".mp4")
        ? "video"
        : undefined;
  if (!kind) return { error: "Only .csv, .json and .mp4 files can be uploaded.", notes: [] };
  if (file.size === 0) return { kind, error: "The file is empty.", notes: [] };
  if (file.size > MAX_BYTES) return { kind, error: "The file is larger than 5 GB.", notes: [] };
  const head = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
  if (kind === "csv") {
    if (head[0] === 0x50 && head[1] === 0x4b)
      return {
        kind,
        error: "This is a ZIP archive (an Excel workbook?); export it as CSV.",
        notes: [],
      };
    if (head.includes(0)) return { kind, error: "The file is binary, not a CSV.", notes: [] };
    const problem = sniffCsvHeader(new TextDecoder("utf-8").decode(head));
    if (problem) return { kind, error: `Not a camera-event CSV: ${problem}.`, notes: [] };
    return { kind, notes: ["header has the mandatory columns"] };
  }
  if (kind === "insight") {
    const first = new TextDecoder().decode(head.slice(0, 1024)).trimStart()[0];
    if (first !== "[" && first !== "{")
      return { kind, error: "Not a JSON insight report (it must start with [ or {).", notes: [] };
    return { kind, notes: [] };
  }
  const ftyp = new TextDecoder().decode(head.slice(4, 8));
  if (ftyp !== "ftyp") return { kind, error: "Not an MP4 video (no ftyp box).", notes: [] };
  return { kind, notes: [] };
}

export type Phase =
  "hashing" | "starting" | "uploading" | "paused" | "processing" | "succeeded" | "failed" | "error";

export interface TaskState {
  phase: Phase;
  sent: number;
  total: number;
  multipart: boolean;
  upload?: Upload;
  duplicate?: boolean;
  error?: string;
}

interface PutResult {
  etag: string | null;
}

function xhrSend(
  method: string,
  url: string,
  body: Blob | FormData,
  onProgress: (loaded: number) => void,
  register: (xhr: XMLHttpRequest) => void,
): Promise<PutResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    register(xhr);
    xhr.open(method, url);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        // Read ETag only when CORS exposes it (asking for a hidden header logs an error).
        const exposed = /^etag:/im.test(xhr.getAllResponseHeaders());
        resolve({ etag: exposed ? xhr.getResponseHeader("ETag") : null });
      } else reject(new Error(`storage answered ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error("network error while sending to storage"));
    xhr.onabort = () => reject(new DOMException("paused", "AbortError"));
    xhr.send(body);
  });
}

let counter = 0;

export class UploadTask {
  readonly id = `task-${++counter}`;
  state: TaskState;
  private listeners = new Set<() => void>();
  private xhr: XMLHttpRequest | null = null;
  private pausing = false;
  private sha = "";
  private partSize = 0;
  private partCount = 0;
  private stopped = false;

  constructor(
    readonly file: File,
    readonly kind: Kind,
    readonly pinId?: string,
  ) {
    this.state = {
      phase: "hashing",
      sent: 0,
      total: file.size,
      multipart: file.size > SINGLE_PART_MAX,
    };
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getState = () => this.state;

  private set(patch: Partial<TaskState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  async start(): Promise<void> {
    try {
      this.sha = await sha256Hex(this.file, (done) => this.set({ sent: done }));
      this.set({ phase: "starting", sent: 0 });
      if (this.state.multipart) await this.startMultipart();
      else await this.single();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Stop sending after the part in flight is abandoned; `resume` continues where S3 is. */
  pause(): void {
    if (this.state.phase !== "uploading" || !this.state.multipart) return;
    this.pausing = true;
    this.xhr?.abort();
  }

  resume(): void {
    if (this.state.phase !== "paused" || !this.state.upload) return;
    this.pausing = false;
    this.sendParts(this.state.upload.upload_id).catch((e) => this.fail(e));
  }

  dispose(): void {
    this.stopped = true;
    this.xhr?.abort();
    this.listeners.clear();
  }

  private fail(e: unknown): void {
    if (e instanceof DOMException && e.name === "AbortError" && this.pausing) {
      this.set({ phase: "paused" });
      return;
    }
    if (this.stopped) return;
    this.set({ phase: "error", error: errorMessage(e) });
  }

  private base() {
    return {
      filename: this.file.name,
      kind: this.kind,
      size: this.file.size,
      sha256: this.sha,
      content_type: this.file.type || null,
      pin_id: this.pinId ?? null,
      recorded_at: null,
    };
  }

  private async single(): Promise<void> {
    const ticket = await unwrap(api.POST("/uploads", { body: this.base() }));
    this.set({ upload: ticket.upload, duplicate: ticket.duplicate });
    if (ticket.duplicate || !ticket.post) {
      this.set({ sent: this.file.size });
      return this.poll(ticket.upload.upload_id);
    }
    const form = new FormData();
    for (const [k, v] of Object.entries(ticket.post.fields)) form.append(k, v);
    form.append("file", this.file);
    this.set({ phase: "uploading" });
    await xhrSend(
      "POST",
      ticket.post.url,
      form,
      (loaded) => this.set({ sent: Math.min(loaded, this.file.size) }),
      (xhr) => {
        this.xhr = xhr;
      },
    );
    this.set({ sent: this.file.size });
    await this.poll(ticket.upload.upload_id);
  }

  private async startMultipart(): Promise<void> {
    const partSize = Math.max(8 * MiB, Math.ceil(this.file.size / 9000));
    const ticket = await unwrap(
      api.POST("/uploads/multipart", { body: { ...this.base(), part_size: partSize } }),
    );
    this.set({ upload: ticket.upload, duplicate: ticket.duplicate });
    this.partSize = ticket.part_size ?? partSize;
    this.partCount = ticket.part_count ?? Math.ceil(this.file.size / this.partSize);
    if (ticket.duplicate && ticket.upload.status !== "awaiting_upload") {
      this.set({ sent: this.file.size });
      return this.poll(ticket.upload.upload_id);
    }
    await this.sendParts(ticket.upload.upload_id);
  }

  /** Send the parts S3 does not hold yet (all of them the first time), then complete. */
  private async sendParts(uploadId: string): Promise<void> {
    const held = await unwrap(
      api.GET("/uploads/{upload_id}/parts", { params: { path: { upload_id: uploadId } } }),
    );
    this.partSize = held.part_size || this.partSize;
    this.partCount = held.part_count || this.partCount;
    const etags = new Map<number, string>(held.parts.map((p) => [p.part_number, p.etag]));
    let doneBytes = held.parts.reduce((n, p) => n + p.size, 0);
    this.set({ phase: "uploading", sent: doneBytes });
    const missing: number[] = [];
    for (let n = 1; n <= this.partCount; n++) if (!etags.has(n)) missing.push(n);
    for (let i = 0; i < missing.length; i += 20) {
      const batch = missing.slice(i, i + 20);
      const urls = await unwrap(
        api.POST("/uploads/{upload_id}/parts", {
          params: { path: { upload_id: uploadId } },
          body: { part_numbers: batch },
        }),
      );
      for (const part of urls.parts) {
        if (this.pausing) throw new DOMException("paused", "AbortError");
        const start = (part.part_number - 1) * this.partSize;
        const blob = this.file.slice(start, Math.min(this.file.size, start + this.partSize));
        const result = await xhrSend(
          "PUT",
          part.url,
          blob,
          (loaded) => this.set({ sent: doneBytes + loaded }),
          (xhr) => {
            this.xhr = xhr;
          },
        );
        doneBytes += blob.size;
        this.set({ sent: doneBytes });
        if (result.etag) etags.set(part.part_number, result.etag);
      }
    }
    if (etags.size < this.partCount) {
      // Storage did not expose ETag to the browser: ask the API what S3 holds.
      const after = await unwrap(
        api.GET("/uploads/{upload_id}/parts", { params: { path: { upload_id: uploadId } } }),
      );
      for (const p of after.parts) etags.set(p.part_number, p.etag);
    }
    const parts = [...etags.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([part_number, etag]) => ({ part_number, etag }));
    const upload = await unwrap(
      api.POST("/uploads/{upload_id}/complete", {
        params: { path: { upload_id: uploadId } },
        body: { parts },
      }),
    );
    this.set({ upload, sent: this.file.size });
    await this.poll(uploadId);
  }

  private async poll(uploadId: string): Promise<void> {
    this.set({ phase: "processing" });
    while (!this.stopped) {
      let upload: Upload;
      try {
        upload = await unwrap(
          api.GET("/uploads/{upload_id}", { params: { path: { upload_id: uploadId } } }),
        );
      } catch (e) {
        if (e instanceof ApiError && e.status >= 500) {
          await new Promise((r) => setTimeout(r, POLL_MS * 2));
          continue;
        }
        throw e;
      }
      this.set({ upload });
      if (upload.status === "succeeded" || upload.status === "failed") {
        this.set({ phase: upload.status });
        return;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
