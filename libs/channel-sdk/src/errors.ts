/** Thrown by `inspect`/`parse` when a body is not the provider's shape; gateways answer 400. */
export class MalformedPayloadError extends Error {
  constructor(
    message: string,
    /** JSON pointer-ish location of the problem, e.g. 'entry[0].messaging'. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'MalformedPayloadError';
  }
}
