import { ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, ProblemException } from '@omni/service-kit';
import { ContactError } from '../domain/contacts';

/** A read of a merged contact: answered 308 to the same URL on the surviving contact. */
export class ContactMoved extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`contact ${from} was merged into ${to}`);
  }
}

@Catch(ContactMoved)
export class ContactMovedFilter implements ExceptionFilter {
  catch(moved: ContactMoved, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const location = req.originalUrl.replace(moved.from, moved.to);
    res
      .status(308)
      .location(location)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify({ type: 'https://omni.dev/problems/contact-merged', title: 'Contact merged', status: 308, detail: moved.message, mergedInto: moved.to }));
  }
}

/** The HTTP answer to a domain error about a contact. */
export function problemOf(err: unknown): unknown {
  if (!(err instanceof ContactError)) return err;
  switch (err.kind) {
    case 'not-found':
      return new ProblemException(404, 'Not found', err.message);
    case 'erased':
      return new ProblemException(410, 'Gone', err.message);
    case 'merged':
      return new ProblemException(409, 'Contact merged', err.message);
    case 'conflict':
      return new ProblemException(409, 'Conflict', err.message);
  }
}

/** Runs `work`, turning contact errors into problem+json answers. */
export async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw problemOf(err);
  }
}
