/**
 * The dev sidecar's files: what the files API stores (uploads a message
 * attaches by key, files an agent hands the web chat), in memory and bounded
 * in count and bytes. A full store refuses a new file rather than dropping
 * an old one that a message may still reference.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { HttpError } from "./http-util.js";

/** One stored file. */
export interface StoredFile {
  /** The key the files API names it by (also the `storage_key` sent to the agent). */
  readonly key: string;
  /** The uploaded file name. */
  readonly filename: string;
  /** Its media type. */
  readonly mimeType: string;
  /** Its bytes. */
  readonly data: Uint8Array;
  /** When it was stored. */
  readonly createdAt: Date;
}

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** Most files kept. */
  readonly maxFiles: number;
  /** Most bytes kept over all files. */
  readonly maxFileStoreBytes: number;
}

/** The files of the files API, by key. */
export interface FileStore {
  /** Stores a file under a new key; 507 when the store is full. */
  put(filename: string, mimeType: string, data: Uint8Array): StoredFile;
  /** The file with this key, or undefined. */
  get(key: string): StoredFile | undefined;
  /** Forgets a file; false when there was none. */
  delete(key: string): boolean;
  /** How many files are kept. */
  readonly size: number;
  /** How many bytes are kept. */
  readonly bytes: number;
}

/** Creates an empty in-memory {@link FileStore}. */
export function createFileStore(options: FileStoreOptions): FileStore {
  const files = new Map<string, StoredFile>();
  let bytes = 0;
  return {
    put(filename, mimeType, data) {
      if (files.size >= options.maxFiles) {
        throw new HttpError(
          507,
          "file_store_full",
          `the sidecar keeps at most ${options.maxFiles} files; delete one first`,
        );
      }
      if (bytes + data.length > options.maxFileStoreBytes) {
        throw new HttpError(
          507,
          "file_store_full",
          `the sidecar keeps at most ${options.maxFileStoreBytes} bytes of files; delete one first`,
        );
      }
      const file: StoredFile = {
        key: randomUUID(),
        filename,
        mimeType,
        data,
        createdAt: new Date(),
      };
      files.set(file.key, file);
      bytes += data.length;
      return file;
    },
    get: (key) => files.get(key),
    delete(key) {
      const file = files.get(key);
      if (!file) return false;
      files.delete(key);
      bytes -= file.data.length;
      return true;
    },
    get size() {
      return files.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
