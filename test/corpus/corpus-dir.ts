import { pathToFileURL } from 'node:url';

/** The shared corpus of real outputs: $MP_CORPUS_DIR, else ../shared/corpus beside the project. */
export const CORPUS_URL = process.env.MP_CORPUS_DIR
  ? pathToFileURL(`${process.env.MP_CORPUS_DIR.replace(/\/$/, '')}/`)
  : new URL('../../../shared/corpus/', import.meta.url);
