import type { ReactiveController, ReactiveControllerHost } from 'lit';

const FIRST_RETRY_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

export interface LiveSocketOptions<M> {
  /** The socket's address, or null while there is nothing to listen to. */
  url(): string | null;
  onMessage(message: M): void;
  /** After a drop, just before listening again: catch up on what was missed. */
  onReconnect(): void;
}

/**
 * A WebSocket of JSON messages that follows its host's life: closed when the host leaves the page,
 * reopened with jittered exponential backoff whenever it drops. `connected` is host state.
 */
export class LiveSocketController<M> implements ReactiveController {
  connected = false;
  private socket: WebSocket | null = null;
  private retryDelay = FIRST_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: LiveSocketOptions<M>,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.disposed = false;
  }

  hostDisconnected(): void {
    this.disposed = true;
    this.close();
  }

  /** (Re)opens the socket at the current `url()`. */
  open(): void {
    this.close();
    const url = this.options.url();
    if (this.disposed || !url) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.setConnected(true);
      this.retryDelay = FIRST_RETRY_MS;
    });
    socket.addEventListener('message', (event) => {
      let message: M;
      try {
        message = JSON.parse(String(event.data)) as M;
      } catch {
        return;
      }
      this.options.onMessage(message);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setConnected(false);
      this.scheduleReconnect();
    });
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.setConnected(false);
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.host.requestUpdate();
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.retryTimer) return;
    const delay = this.retryDelay * (0.75 + Math.random() * 0.5);
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.options.onReconnect();
      this.open();
    }, delay);
  }
}
