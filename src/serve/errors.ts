// Errors in OpenAI's shape, {"error": {"message", "type", "param", "code"}}, so that clients (the
// `openai` npm package among them) raise their usual exception classes with our message.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type = status === 429 || status === 503 ? 'server_busy' : status >= 500 ? 'server_error' : 'invalid_request_error',
    /** Seconds, sent as Retry-After (429 and 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 naming the offending field (`param`), as OpenAI does for a bad value. */
export function invalid(param: string, message: string, code: string | null = null): ApiError {
  return new ApiError(400, `${param}: ${message}`, param, code);
}
