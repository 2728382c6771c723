/**
 * Orders strings by UTF-16 code unit: the same order on every machine and in every locale, and
 * free at start-up (the first localeCompare sets up an ICU collator: ~10 ms of every run's tail).
 */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
