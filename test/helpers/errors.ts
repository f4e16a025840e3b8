import { httpFailureOf } from '../../src/http/error-status.js';

/** What the HTTP layer answers for a thrown error (status, ecode, message, entities), with the error as `thrown`. */
export function answerOf(error: unknown) {
  const failure = httpFailureOf(error);
  if (!failure) throw error;
  return { ...failure, thrown: error };
}
