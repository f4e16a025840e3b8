import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { ApiFailure, ServiceApi, type SealSlot, type Signature, ticketInfo } from './api.js';
import { LiveSocketController } from './socket-controller.js';
import { stringsFor, type Strings } from './i18n.js';
import type { BrowserVerdict, SealVerdict } from './verdict.js';
import { DEFAULT_MAX_PDF_BYTES, DEFAULT_VERIFY_TIMEOUT_MS, verifyInWorker } from './verify.js';

/**
 * `<infoplus-signature>`: the signature control of an InfoPlus-style form. Shows each seal of a
 * Signature unsigned (with a stamp action for the user whose ticket it holds) or signed (seal image,
 * signer, time, comment, PDF link, delete, verify), follows changes live over the service's
 * WebSocket, and verifies the PDF's signatures in the browser.
 *
 * Attributes: service, signature-id, ticket, seal, locale (zh-CN | en), readonly, mode (popup |
 * redirect), form (id of a <form> whose fields are the data for generating the document).
 * Events: signature-change, seal-signed, seal-removed, verify-result, error.
 */
export class InfoplusSignature extends LitElement {
  static override properties = {
    service: { type: String },
    signatureId: { type: String, attribute: 'signature-id' },
    ticket: { type: String },
    seal: { type: String },
    locale: { type: String },
    readonly: { type: Boolean, reflect: true },
    mode: { type: String },
    form: { type: String },
    template: { type: String },
    createUrl: { type: String, attribute: 'create-url' },
    signature: { state: true },
    status: { state: true },
    progress: { state: true },
    busy: { state: true },
    verdict: { state: true },
  };

  // Reactive properties are declared, not initialised as class fields: a class field would shadow
  // Lit's accessor under standard (define) semantics.
  declare service: string;
  declare signatureId: string;
  declare ticket: string;
  declare seal: string | null;
  declare locale: string;
  declare readonly: boolean;
  declare mode: 'popup' | 'redirect';
  declare form: string;
  /** Without a signature-id: the template to create the document from, through `create-url`. */
  declare template: string;
  /** The engine's endpoint that creates the Signature: POST {template, data} → {signatureId, ticket}. */
  declare createUrl: string;
  declare signature: Signature | null;
  declare status: string;
  declare progress: string;
  declare busy: boolean;
  declare verdict: BrowserVerdict | null;
  /** Form data for generating the document on first click (instead of the `form` attribute). */
  data: Record<string, unknown> | null = null;
  /** verify(): the verifier worker is stopped after this long (VERIFY_TIMEOUT). */
  verifyTimeout = DEFAULT_VERIFY_TIMEOUT_MS;
  /** verify(): a larger PDF is not downloaded (VERIFY_TOO_LARGE). */
  maxPdfBytes = DEFAULT_MAX_PDF_BYTES;

  constructor() {
    super();
    this.service = '';
    this.signatureId = '';
    this.ticket = '';
    this.seal = null;
    this.locale = 'zh-CN';
    this.readonly = false;
    this.mode = 'popup';
    this.form = '';
    this.template = '';
    this.createUrl = '';
    this.signature = null;
    this.status = '';
    this.progress = '';
    this.busy = false;
    this.verdict = null;
  }

  private readonly live = new LiveSocketController<{ type?: string; signature?: Signature; stage?: string }>(this, {
    url: () => (this.signatureId && this.ticket ? this.api.eventsUrl(this.signatureId) : null),
    onMessage: (message) => {
      if (message.type === 'signature' && message.signature) {
        this.apply(message.signature);
        if (message.signature.uri) this.progress = '';
      } else if (message.type === 'progress' && message.stage) {
        this.progress = this.t.progress[message.stage] ?? message.stage;
        this.announce(this.progress);
      }
    },
    // Catch up on what happened while disconnected.
    onReconnect: () => void this.refresh(),
  });

  /** The live-push socket is open. */
  get connected(): boolean {
    return this.live.connected;
  }

  /** The status line shows a failed S1 read, cleared by the next successful one. */
  private refreshFailed = false;
  /** The last announced summary ("2 处盖章，已完成 1 处"): announced again only when it changes. */
  private lastSummary = '';
  /** A seal whose action had the focus when its state flipped: its section takes the focus. */
  private focusSeal: number | null = null;
  private readonly onMessage = (event: MessageEvent) => {
    // Only the service's signing page may say a seal was applied; anything else is ignored.
    if (event.origin !== new URL(this.service || window.location.origin, window.location.href).origin) return;
    if (event.data?.type === 'infoplus-signature:signed' && event.data.signatureId === this.signatureId) void this.refresh();
  };

  private get t(): Strings {
    return stringsFor(this.locale);
  }

  private get api(): ServiceApi {
    return new ServiceApi(this.service || window.location.origin, () => this.ticket);
  }

  private get user() {
    return ticketInfo(this.ticket);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('message', this.onMessage);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('message', this.onMessage);
  }

  protected override updated(changed: PropertyValues): void {
    if (this.focusSeal !== null) {
      const section = this.renderRoot.querySelector<HTMLElement>(`section[data-index="${this.focusSeal}"]`);
      this.focusSeal = null;
      // The button that had the focus is gone; keep keyboard users where they were.
      section?.focus({ preventScroll: true });
    }
    if ((changed.has('signatureId') || changed.has('ticket') || changed.has('service')) && this.signatureId && this.ticket) {
      this.verdict = null;
      void this.refresh();
      this.live.open();
    }
  }

  /** Reads the Signature again (S1). */
  async refresh(): Promise<void> {
    try {
      this.apply(await this.api.signature(this.signatureId));
      if (this.refreshFailed) this.status = '';
      this.refreshFailed = false;
    } catch (error) {
      this.fail(error);
      this.refreshFailed = true;
    }
  }

  /** Files the control shows (seal images, the PDF), fetched with the ticket header as blob: URLs. */
  private readonly fileUrls = new Map<string, string>();

  private loadFiles(signature: Signature): void {
    const wanted = new Set<string>();
    for (const index of this.indexes(signature)) {
      const slot = signature.seals[index];
      if (!slot?.signature) continue;
      if (slot.image) wanted.add(slot.image);
      if (signature.uri) wanted.add(signature.uri);
    }
    for (const [uri, url] of this.fileUrls) {
      if (wanted.has(uri)) continue;
      if (url) URL.revokeObjectURL(url);
      this.fileUrls.delete(uri);
    }
    for (const uri of wanted) {
      if (this.fileUrls.has(uri)) continue;
      this.fileUrls.set(uri, '');
      this.api.objectUrl(uri).then(
        (url) => {
          if (this.fileUrls.get(uri) !== '') return URL.revokeObjectURL(url);
          this.fileUrls.set(uri, url);
          this.requestUpdate();
        },
        () => this.fileUrls.delete(uri),
      );
    }
  }

  private apply(next: Signature): void {
    const previous = this.signature;
    this.signature = next;
    this.loadFiles(next);
    if (previous && previous.id === next.id) {
      const focused = (this.renderRoot as ShadowRoot | undefined)?.activeElement?.closest?.('section[data-index]');
      next.seals.forEach((slot, index) => {
        const before = previous.seals[index];
        if (Boolean(slot.signature) !== Boolean(before?.signature) && focused?.getAttribute('data-index') === String(index))
          this.focusSeal = index;
        if (slot.signature && !before?.signature) this.emit('seal-signed', { index, seal: slot, signature: next });
        if (!slot.signature && before?.signature) this.emit('seal-removed', { index, signature: next });
      });
    }
    if (!previous || previous.version !== next.version || previous.uri !== next.uri) this.verdict = null;
    this.emit('signature-change', { signature: next });
    const summary = this.summary(next);
    if (summary !== this.lastSummary) this.announce(summary);
    this.lastSummary = summary;
  }

  private summary(signature: Signature): string {
    const shown = this.indexes(signature);
    const signed = shown.filter((i) => signature.seals[i]?.signature).length;
    return this.t.seals(shown.length, signed);
  }

  private indexes(signature: Signature): number[] {
    if (this.seal !== null && this.seal !== '' && this.seal !== undefined) {
      const index = Number(this.seal);
      return Number.isInteger(index) && index >= 0 && index < signature.seals.length ? [index] : [];
    }
    return signature.seals.map((_, i) => i);
  }

  /** May the ticket's user stamp this slot, as far as the page can tell (the service re-checks everything). */
  private mayStamp(slot: SealSlot): boolean {
    const account = this.user?.account;
    if (!account || this.readonly) return false;
    if (slot.signer?.account && slot.signer.account !== account) return false;
    const signers = slot.permission?.signers ?? [];
    return signers.length === 0 || signers.includes(account);
  }

  private boundForm(): HTMLFormElement | null {
    const form = this.form
      ? ((this.getRootNode() as Document | ShadowRoot).getElementById?.(this.form) ?? document.getElementById(this.form))
      : null;
    return form instanceof HTMLFormElement ? form : null;
  }

  private formData(): Record<string, unknown> {
    if (this.data) return this.data;
    const form = this.boundForm();
    if (!form) return {};
    const data: Record<string, unknown> = {};
    for (const element of Array.from(form.elements) as Array<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) {
      if (!element.name || element.disabled) continue;
      if (element instanceof HTMLInputElement && element.type === 'checkbox') data[element.name] = element.checked;
      else if (element instanceof HTMLInputElement && element.type === 'number')
        data[element.name] = element.value === '' ? undefined : Number(element.value);
      else data[element.name] = element.value;
    }
    return data;
  }

  private async stamp(index: number): Promise<void> {
    if (!this.signature || this.busy) return;
    this.busy = true;
    this.status = '';
    // Open the window inside the click, before any await: browsers block pop-ups opened later.
    const popup = this.mode === 'popup' ? window.open('', `infoplus-sign-${this.signatureId}-${index}`, 'width=760,height=860') : null;
    try {
      if (!this.signature.uri) {
        this.progress = this.t.progress.queued;
        this.apply(await this.api.generate(this.signatureId, this.formData()));
        this.progress = '';
      }
      if (this.mode === 'redirect') {
        window.location.assign(this.api.signingUrl(this.signatureId, index, this.locale, window.location.href));
        return;
      }
      if (!popup) {
        this.showError(this.t.popupBlocked);
        return;
      }
      popup.location.href = this.api.signingUrl(this.signatureId, index, this.locale);
      popup.focus();
    } catch (error) {
      popup?.close();
      this.progress = '';
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  /**
   * No Signature yet: the engine's `create-url` makes it from the template and the form data (the
   * engine holds the service credentials, the page never does) and returns its id and a ticket;
   * then the seal is stamped as usual.
   */
  private async createAndStamp(): Promise<void> {
    if (this.busy) return;
    const popup = this.mode === 'popup' ? window.open('', `infoplus-sign-new-${Date.now()}`, 'width=760,height=860') : null;
    this.busy = true;
    this.status = '';
    try {
      this.progress = this.t.progress.converting;
      const response = await fetch(this.createUrl, {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ template: this.template, data: this.formData() }),
      });
      const envelope = await response.json().catch(() => ({}));
      const created = envelope?.entities?.[0] ?? envelope;
      if (!response.ok || !created?.signatureId || !created?.ticket)
        throw new ApiFailure(response.status, envelope?.ecode ?? 'CREATE_FAILED', envelope?.error ?? `HTTP ${response.status}`);
      this.progress = '';
      this.ticket = created.ticket;
      this.signatureId = created.signatureId;
      this.emit('signature-created', { signatureId: created.signatureId });
      const index = Number(this.seal ?? 0) || 0;
      if (this.mode === 'redirect') {
        window.location.assign(this.api.signingUrl(this.signatureId, index, this.locale, window.location.href));
        return;
      }
      if (!popup) return this.showError(this.t.popupBlocked);
      popup.location.href = this.api.signingUrl(this.signatureId, index, this.locale);
    } catch (error) {
      popup?.close();
      this.progress = '';
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  private async removeSeal(index: number): Promise<void> {
    if (!this.signature || this.busy || !window.confirm(this.t.removeConfirm)) return;
    this.busy = true;
    this.status = '';
    try {
      this.apply(await this.api.removeSeal(this.signatureId, index));
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Verifies the current PDF in this browser; resolves with
   * `{valid, seals:[{index, valid, intact, modifiedAfterSigning, signer, signedAt, …}]}` and fires `verify-result`.
   */
  async verify(): Promise<BrowserVerdict> {
    this.status = this.t.verifying;
    try {
      const signature = this.signature ?? (await this.api.signature(this.signatureId));
      const shown = new Set(this.indexes(signature));
      if (!signature.uri || ![...shown].some((index) => signature.seals[index]?.signature)) {
        // Nothing signed here yet: nothing to download, nothing valid.
        const empty: BrowserVerdict = { valid: false, seals: [] };
        this.verdict = empty;
        this.status = this.t.noDocument;
        this.announce(this.t.noDocument);
        this.emit('verify-result', empty);
        return empty;
      }
      const [pdf, server] = await Promise.all([
        this.api.pdf(signature.uri, this.maxPdfBytes),
        this.api.serverVerdict(signature.id).catch(() => null),
      ]);
      const trusted = new Map<number, boolean>();
      for (const entry of server?.signatures ?? []) if (typeof entry.sealIndex === 'number') trusted.set(entry.sealIndex, entry.trusted);
      const all = await verifyInWorker(pdf, signature.seals, trusted, this.verifyTimeout);
      // The verdict of this control is about the seals it shows (`seal` attribute), each of which
      // also says whether anything changed in the document after it was applied.
      const byIndex = new Map(
        (server?.signatures ?? [])
          .filter((entry) => typeof entry.sealIndex === 'number')
          .map((entry) => [entry.sealIndex as number, entry]),
      );
      const seals = all.seals
        .filter((s) => shown.has(s.index))
        .map((s) => ({ ...s, revocation: byIndex.get(s.index)?.revocation, timestamped: byIndex.get(s.index)?.timestamped }));
      const verdict: BrowserVerdict = { valid: seals.length > 0 && seals.every((s) => s.valid), seals };
      this.verdict = verdict;
      this.status = '';
      this.announce(verdict.valid ? this.t.valid : this.t.invalid);
      this.emit('verify-result', verdict);
      return verdict;
    } catch (error) {
      this.status = '';
      this.fail(error);
      throw error;
    }
  }

  private fail(error: unknown): void {
    const message = this.describe(error);
    this.showError(message);
    this.emit('error', {
      message,
      code: error instanceof ApiFailure ? error.ecode : 'ERROR',
      status: error instanceof ApiFailure ? error.status : 0,
    });
  }

  /** A failure in words a clerk understands (never a stack trace); the code stays in the `error` event. */
  private describe(error: unknown): string {
    const t = this.t.errors;
    if (!(error instanceof ApiFailure)) return t.generic;
    if (error.ecode === 'NETWORK') return t.network;
    if (error.ecode === 'TEMPLATE_DATA_INVALID') return t.formInvalid(this.invalidFields(error.entities));
    const known = t.byCode[error.ecode];
    if (known) return known;
    if (error.status === 401) return t.ticket;
    if (error.status === 403) return t.forbidden;
    // The service's own messages are English sentences: fine for `en`, not for a Chinese clerk.
    if (this.locale === 'en' && error.message && !/^HTTP \d+$/.test(error.message)) return error.message;
    return t.genericCode(error.ecode);
  }

  /** The labels of the form fields named by `{path: "$.days"}` entities (falling back to the names). */
  private invalidFields(entities: unknown[]): string {
    const form = this.boundForm();
    const names = new Set<string>();
    for (const entity of entities) {
      const path = typeof (entity as { path?: unknown })?.path === 'string' ? (entity as { path: string }).path : '';
      const name = /^\$\.([^.[]+)/.exec(path)?.[1];
      if (name) names.add(name);
    }
    const labels = [...names].map((name) => {
      const field = form?.elements.namedItem(name);
      const label = field instanceof HTMLElement ? (field as HTMLInputElement).labels?.[0] : undefined;
      // The label's own text, not the text of the control inside it (a <textarea>'s content).
      const text = label
        ? Array.from(label.childNodes)
            .filter((node) => node.nodeType === Node.TEXT_NODE)
            .map((node) => node.textContent ?? '')
            .join('')
            .trim()
        : '';
      return text || name;
    });
    return labels.join(this.locale === 'en' ? ', ' : '、') || '—';
  }

  private showError(message: string): void {
    this.status = message;
    this.announce(message);
  }

  private announce(text: string): void {
    const live = this.renderRoot?.querySelector?.('[aria-live]');
    if (live) live.textContent = text;
  }

  private emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  override render() {
    const t = this.t;
    const signature = this.signature;
    return html`
      <div class="root" part="root" lang=${this.locale}>
        <div class="live" aria-live="polite" role="status"></div>
        ${
          signature
            ? this.indexes(signature).map((index) => this.renderSeal(signature, index))
            : !this.signatureId && this.template && this.createUrl
              ? html`<section class="seal unsigned" part="seal seal-unsigned" data-state="unsigned" data-index=${this.seal ?? '0'}>
                <div class="image placeholder" part="image" aria-hidden="true"></div>
                <div class="details"><button part="button stamp" class="stamp" type="button" @click=${() => this.createAndStamp()} aria-disabled=${this.busy ? 'true' : 'false'}>${t.stamp}</button></div>
              </section>`
              : html`<p class="muted">${t.loading}</p>`
        }
        ${this.progress ? html`<p class="progress" part="progress">${this.progress}</p>` : nothing}
        ${this.status ? html`<p class="status" part="status" role="alert">${this.status}</p>` : nothing}
        ${signature && !this.connected && this.signatureId ? html`<p class="muted offline" part="offline">${t.offline}</p>` : nothing}
      </div>
    `;
  }

  private renderSeal(signature: Signature, index: number) {
    const t = this.t;
    const slot = signature.seals[index];
    const name = slot.description || slot.placeHolder || `#${index + 1}`;
    if (slot.signature) {
      const verdict = this.verdict?.seals.find((v) => v.index === index);
      const last = signature.revisions?.at(-1);
      const canRemove = !this.readonly && slot.signedBy?.account === this.user?.account && last?.sealIndex === index;
      return html`
        <section class="seal signed" part="seal seal-signed" tabindex="-1" aria-label=${`${t.signed}: ${slot.sealName ?? name}`} data-state="signed" data-index=${index}>
          <div class="image" part="image">${slot.image && this.fileUrls.get(slot.image) ? html`<img src=${this.fileUrls.get(slot.image)!} alt=${slot.sealName ?? t.seal} width="96" height="96" />` : nothing}</div>
          <div class="details">
            <p class="state ok" part="state">${t.signed}</p>
            <dl>
              <dt>${t.seal}</dt><dd>${slot.sealName ?? ''}</dd>
              <dt>${t.signer}</dt><dd>${slot.signedBy?.name || slot.signedBy?.account || ''}</dd>
              <dt>${t.time}</dt><dd>${slot.signedAt ? new Date(slot.signedAt).toLocaleString(this.locale) : ''}</dd>
              ${slot.comment ? html`<dt>${t.comment}</dt><dd>${slot.comment}</dd>` : nothing}
            </dl>
            ${verdict ? this.renderVerdict(verdict) : nothing}
            <div class="actions">
              <a part="button link" href=${this.fileUrls.get(signature.uri) || nothing} target="_blank" rel="noopener">${t.viewPdf}</a>
              <button part="button" type="button" @click=${() => (this.busy ? undefined : this.verify().catch(() => undefined))} aria-disabled=${this.busy ? 'true' : 'false'}>${t.verify}</button>
              ${canRemove ? html`<button part="button danger" class="danger" type="button" @click=${() => this.removeSeal(index)} aria-disabled=${this.busy ? 'true' : 'false'}>${t.remove}</button>` : nothing}
            </div>
          </div>
        </section>
      `;
    }
    const state = slot.state && slot.state !== 'unsigned' ? slot.state : 'unsigned';
    const mine = this.mayStamp(slot);
    const waitingFor = slot.signer?.name || slot.signer?.account || (slot.permission?.signers ?? []).join('、');
    const stateText: Record<string, string> = {
      pending: t.pending,
      refused: t.refused,
      failed: t.failed,
      expired: t.expired,
      cancelled: t.cancelled,
    };
    return html`
      <section class="seal unsigned" part="seal seal-unsigned" tabindex="-1" aria-label=${name} data-state=${state} data-index=${index}>
        <div class="image placeholder" part="image" aria-hidden="true"></div>
        <div class="details">
          <p class="name">${name}</p>
          ${state !== 'unsigned' ? html`<p class="state" part="state">${stateText[state] ?? state}${slot.stateReason && state !== 'pending' ? html`：${slot.stateReason}` : nothing}</p>` : nothing}
          ${
            mine && state !== 'pending'
              ? html`<button part="button stamp" class="stamp" type="button" aria-label=${t.stampLabel(name)} @click=${() => this.stamp(index)} aria-disabled=${this.busy ? 'true' : 'false'}>${state === 'unsigned' ? t.stamp : t.retry}</button>`
              : state === 'unsigned'
                ? html`<p class="muted" part="waiting">${waitingFor ? t.waitingFor(waitingFor) : this.user ? t.waiting : t.notYours}</p>`
                : nothing
          }
        </div>
      </section>
    `;
  }

  /** Revocation and timestamp state in words: "印章证书已吊销（2026-12-01，密钥泄露）". */
  private revocationWords(verdict: SealVerdict): string {
    const t = this.t;
    const parts: string[] = [];
    const revocation = verdict.revocation;
    if (revocation?.status === 'revoked') {
      parts.push(t.revoked((revocation.revokedAt ?? '').slice(0, 10), revocation.reason ?? 'unspecified'));
      if (verdict.trusted) parts.push(t.revokedAfter);
    } else if (revocation?.status === 'good') parts.push(t.revocationGood);
    else if (revocation?.status === 'unknown') parts.push(t.revocationUnknown);
    if (verdict.timestamped) parts.push(t.timestamped);
    return parts.map((part) => ` · ${part}`).join('');
  }

  private renderVerdict(verdict: SealVerdict) {
    const t = this.t;
    const text = !verdict.found ? t.notFound : verdict.modifiedAfterSigning ? t.modified : verdict.valid ? t.valid : t.invalid;
    return html`<p class="verdict ${verdict.valid ? 'ok' : 'bad'}" part="verdict" data-valid=${String(verdict.valid)}>
      ${text}${verdict.trusted === undefined ? nothing : html` · ${verdict.trusted ? t.trusted : t.untrusted}`}${this.revocationWords(verdict)}
    </p>`;
  }

  static override styles = css`
    :host {
      display: block;
      font: var(--infoplus-signature-font, 14px/1.5 system-ui, 'Noto Sans CJK SC', sans-serif);
      color: var(--infoplus-signature-color, #1f2328);
      --accent: var(--infoplus-signature-accent, #b42318);
    }
    .root { display: grid; gap: 0.75rem; }
    .seal {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: flex-start;
      padding: 0.75rem;
      border: 1px solid var(--infoplus-signature-border, #d0d7de);
      border-radius: var(--infoplus-signature-radius, 8px);
      background: var(--infoplus-signature-background, #fff);
      min-width: 0;
    }
    .image { width: 96px; height: 96px; flex: none; }
    .image img { width: 96px; height: 96px; object-fit: contain; display: block; }
    .placeholder { border: 2px dashed #d0d7de; border-radius: 50%; box-sizing: border-box; }
    .details { flex: 1 1 12rem; min-width: 0; }
    .name { margin: 0 0 0.5rem; font-weight: 600; overflow-wrap: anywhere; }
    .state { margin: 0 0 0.25rem; font-weight: 600; }
    .state.ok { color: #1a7f37; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 0.1rem 0.75rem; margin: 0 0 0.5rem; }
    dt { color: #57606a; }
    dd { margin: 0; overflow-wrap: anywhere; }
    .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; }
    button, a[part~='button'] {
      font: inherit;
      border-radius: 6px;
      padding: 0.35rem 0.9rem;
      border: 1px solid #d0d7de;
      background: #f6f8fa;
      color: inherit;
      cursor: pointer;
      text-decoration: none;
    }
    button.stamp { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
    button.danger { color: #b42318; }
    /* Busy buttons stay focusable (aria-disabled, not disabled): a disabled button would drop the keyboard focus. */
    button[aria-disabled='true'] { opacity: 0.6; cursor: progress; }
    section:focus { outline: none; }
    section:focus-visible { outline: 3px solid var(--infoplus-signature-focus, #0969da); outline-offset: 2px; }
    button:focus-visible, a:focus-visible { outline: 3px solid var(--infoplus-signature-focus, #0969da); outline-offset: 2px; }
    .muted { color: #57606a; margin: 0; }
    .progress { margin: 0; color: #0969da; }
    .status { margin: 0; color: #b42318; }
    .verdict { margin: 0 0 0.5rem; font-weight: 600; }
    .verdict.ok { color: #1a7f37; }
    .verdict.bad { color: #b42318; }
    .live { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;
}

if (!customElements.get('infoplus-signature')) customElements.define('infoplus-signature', InfoplusSignature);

declare global {
  interface HTMLElementTagNameMap {
    'infoplus-signature': InfoplusSignature;
  }
}
