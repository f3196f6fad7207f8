import { throwError, type Observable } from 'rxjs';
import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { currentTraceIds, type Logger } from '@omni/observability';

/** RFC 9457 problem details; `errors` lists field problems for validation failures. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: Array<{ field: string; message: string }>;
  trace_id?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An HTTP error with a problem body; throw it from controllers. */
export class ProblemException extends HttpException {
  constructor(status: number, title: string, detail?: string, errors?: ProblemDetails['errors']) {
    super({ title, detail, errors }, status);
  }
}

export function sendProblem(res: Response, req: Request, problem: Omit<ProblemDetails, 'instance' | 'trace_id' | 'type'> & { type?: string }): void {
  const body: ProblemDetails = {
    type: problem.type ?? `https://omni.dev/problems/${slug(problem.title)}`,
    ...problem,
    instance: req.originalUrl?.split('?')[0],
    ...(currentTraceIds().trace_id ? { trace_id: currentTraceIds().trace_id } : {}),
  };
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/(^-|-$)/g, '');
}

/** Every error leaves the service as application/problem+json; 5xx details are not leaked. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // A Kafka handler's error goes back to the transport untouched: it retries, then dead-letters
    // with the original type and message (Nest's default would replace both).
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse() as string | { title?: string; message?: unknown; detail?: string; errors?: ProblemDetails['errors'] };
      const body = typeof response === 'string' ? { message: response } : response;
      const title = body.title ?? HttpStatus[status]?.toString().toLowerCase().replace(/_/g, ' ') ?? 'error';
      const detail = body.detail ?? (typeof body.message === 'string' ? body.message : undefined);
      sendProblem(res, req, { status, title: capitalise(title), detail, errors: body.errors });
      return;
    }
    this.logger.error({ err: { type: (exception as Error)?.name, message: (exception as Error)?.message, stack: (exception as Error)?.stack } }, 'unhandled error');
    sendProblem(res, req, { status: 500, title: 'Internal server error', detail: 'The error was logged with this trace id.' });
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
