/** Thrown by a pure parser when the text is not what its command prints. */
export class ParseError extends Error {
  readonly code = 'MP_PARSE';
  constructor(
    readonly probe: string,
    message: string,
  ) {
    super(`${probe}: ${message}`);
    this.name = 'ParseError';
  }
}
