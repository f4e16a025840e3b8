import WebSocket from 'ws';

export interface Subscription {
  ws: WebSocket;
  messages: any[];
  /** The next message (queued ones first). */
  next(): Promise<any>;
  /** Messages until one matches, inclusive. */
  until(match: (message: any) => boolean, timeoutMs?: number): Promise<any[]>;
}

/** Opens a WebSocket and collects its JSON messages. */
export function subscribe(url: string, headers: Record<string, string> = {}): Promise<Subscription> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: any[] = [];
    const queue: any[] = [];
    const waiters: Array<(message: any) => void> = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      messages.push(message);
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    });
    const next = () => new Promise<any>((r) => (queue.length ? r(queue.shift()) : waiters.push(r)));
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        next,
        async until(match, timeoutMs = 30_000) {
          const seen: any[] = [];
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const message = await Promise.race([
              next(),
              new Promise((_, rej) =>
                setTimeout(
                  () => rej(new Error(`no matching message in ${timeoutMs} ms; saw ${JSON.stringify(seen).slice(0, 500)}`)),
                  Math.max(1, deadline - Date.now()),
                ),
              ),
            ]);
            seen.push(message);
            if (match(message)) return seen;
          }
        },
      }),
    );
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
