import type { Request } from 'express';
import type { Logger } from 'pino';
import type { Principal } from './auth/principal.js';

/** Per-request state the middleware attaches. */
export interface RequestState {
  id: string;
  log: Logger;
  principal: Principal | null;
}

export function stateOf(req: Request): RequestState {
  return (req as Request & { state: RequestState }).state;
}

export function setState(req: Request, state: RequestState): void {
  (req as Request & { state: RequestState }).state = state;
}
