import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import { asOfficeError, conversionFailed, crashed, notConvertible, pdfOutput, timedOut } from './errors.js';
import { HEALTH_DOC, HEALTH_EXT } from './health-doc.js';

export interface WorkerConfig {
  index: number;
  sofficeBinary: string;
  python: string;
  /** The converter script (written by the pool into its workDir). */
  scriptPath: string;
  /** `file://` URL of this worker's profile (UserInstallation). */
  profileUrl: string;
  /** Where the job's temp files go. */
  tmpDir: string;
  /** Unique per spawn: soffice listens on the local socket named after it. */
  pipeName: string;
  /** Bound for: soffice up + python connected + health conversion done. */
  startTimeoutMs: number;
  logger: Logger;
  /** A command prefix that takes the network away from soffice (`unshare -n`), or none. */
  isolation?: string[];
}

export type WorkerState = 'new' | 'starting' | 'idle' | 'busy' | 'dead';

interface Reply {
  id?: number;
  ready?: boolean;
  ok?: boolean;
  error?: string;
  kind?: 'input' | 'error' | 'fatal';
  filter?: string;
}

interface Proc {
  label: 'soffice' | 'python';
  child: ChildProcess;
  pid: number | undefined;
  exited: Promise<void>;
}

/** soffice.bin exits with 81 after initialising a new profile and expects to be started again (oosplash does that). */
const EXIT_RESTART = 81;

/**
 * One warm LibreOffice: soffice.bin listening on a named pipe, and one resident python3-uno converter
 * talking to it, each in its own process group (`detached`), both killed with SIGKILL to the group.
 * One job at a time. After a timeout, a crash or a fatal reply the worker is `dead` and must be replaced.
 */
export class OfficeWorker {
  state: WorkerState = 'new';
  /** Documents converted since start (the start's health conversion excluded). */
  conversions = 0;
  /** Called when the worker dies while idle (between jobs); deaths during a job reject that job instead. */
  onIdleDeath?: (reason: string) => void;

  private readonly procs = new Set<Proc>();
  private readonly groups = new Set<number>();
  private soffice?: Proc;
  private python?: Proc;
  private readyWaiter?: { resolve: () => void; reject: (e: Error) => void };
  private pending?: { id: number; resolve: (r: Reply) => void; reject: (e: Error) => void };
  private seq = 0;
  private sofficeRestarts = 0;
  private stderrTail: string[] = [];

  constructor(private readonly config: WorkerConfig) {}

  get index(): number {
    return this.config.index;
  }

  /** Starts both processes and converts the health document; rejects (leaving cleanup to kill()) if that fails. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('worker already started');
    this.state = 'starting';
    const started = Date.now();
    const ready = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    const timer = setTimeout(
      () => this.readyWaiter?.reject(new Error(`LibreOffice did not answer within ${this.config.startTimeoutMs} ms`)),
      this.config.startTimeoutMs,
    );
    try {
      this.spawnSoffice();
      this.spawnPython();
      await ready;
    } finally {
      clearTimeout(timer);
      this.readyWaiter = undefined;
    }
    if (this.state !== 'starting') throw new Error(`worker died while starting: ${this.stderr()}`);
    this.state = 'idle';
    const remaining = Math.max(1000, this.config.startTimeoutMs - (Date.now() - started));
    await this.convert(HEALTH_DOC, HEALTH_EXT, remaining);
    this.conversions = 0;
  }

  /** Converts one document (state must be idle). Throws OfficeError; the worker is `dead` afterwards on timeout or crash. */
  async convert(input: Buffer, ext: string, timeoutMs: number): Promise<Buffer> {
    if (this.state !== 'idle') throw crashed(`worker ${this.index} is ${this.state}`);
    this.state = 'busy';
    const id = ++this.seq;
    const base = path.join(this.config.tmpDir, `w${this.index}-${randomUUID()}`);
    const inPath = base + ext;
    const outPath = `${base}.pdf`;
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await new Promise<Reply>((resolve, reject) => {
        this.pending = { id, resolve, reject };
        timer = setTimeout(() => {
          if (this.pending?.id !== id) return;
          this.pending = undefined;
          reject(timedOut(timeoutMs));
          this.die(`conversion ${id} timed out after ${timeoutMs} ms`);
        }, timeoutMs);
        fs.writeFile(inPath, input).then(
          () => {
            if (this.pending?.id === id) this.python?.child.stdin?.write(`${JSON.stringify({ id, in: inPath, out: outPath })}\n`);
          },
          (error: Error) => {
            if (this.pending?.id !== id) return;
            this.pending = undefined;
            reject(conversionFailed(`cannot write the temp file: ${error.message}`));
          },
        );
      });
      if (!reply.ok) {
        if (reply.kind === 'fatal') {
          this.die(`fatal: ${reply.error}`);
          throw crashed(reply.error);
        }
        throw reply.kind === 'input' ? notConvertible(reply.error) : conversionFailed(reply.error);
      }
      const pdf = pdfOutput(
        await fs.readFile(outPath).catch((error: Error) => {
          throw conversionFailed(`no output: ${error.message}`);
        }),
      );
      this.conversions++;
      return pdf;
    } catch (error) {
      throw asOfficeError(error);
    } finally {
      clearTimeout(timer);
      await Promise.all([fs.rm(inPath, { force: true }), fs.rm(outPath, { force: true })]);
      if (this.state === 'busy') this.state = 'idle';
    }
  }

  /** Resident set size of soffice.bin in MB (from /proc), or undefined. */
  rssMb(): number | undefined {
    const pid = this.soffice?.pid;
    if (pid === undefined) return undefined;
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** Live processes: `{ soffice, python }` pids. */
  processes(): { soffice?: number; python?: number } {
    const alive = (p?: Proc) => (p && this.procs.has(p) ? p.pid : undefined);
    return { soffice: alive(this.soffice), python: alive(this.python) };
  }

  pids(): number[] {
    return [...this.procs].map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** SIGKILL to every process group of this worker; resolves when each child has exited (reaped). */
  async kill(): Promise<void> {
    this.die('stopped', false);
    // Children are unref'd while they run; hold the event loop until each one's exit is seen (reaped).
    for (const proc of this.procs) proc.child.ref();
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.all([...this.procs].map((p) => p.exited));
    // A killed soffice leaves its sockets behind: the --accept pipe and the single-instance pipe, which is
    // named after the MD5 of the profile URL (UTF-16LE, each byte as unpadded hex; desktop/source/app/officeipcthread.cxx).
    const uid = process.getuid?.() ?? 0;
    const md5 = createHash('md5').update(Buffer.from(this.config.profileUrl, 'utf16le')).digest();
    const single = `SingleOfficeIPC_${[...md5].map((b) => b.toString(16)).join('')}`;
    const sockets = ['/tmp', '/var/tmp'].flatMap((dir) =>
      [this.config.pipeName, single].map((name) => path.join(dir, `OSL_PIPE_${uid}_${name}`)),
    );
    await Promise.all(sockets.map((socket) => fs.rm(socket, { force: true })));
  }

  private die(reason: string, notify = true): void {
    if (this.state === 'dead') return;
    const previous = this.state;
    this.state = 'dead';
    this.readyWaiter?.reject(new Error(reason));
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(crashed(reason));
    if (notify) {
      void this.kill();
      if (previous === 'idle') this.onIdleDeath?.(reason);
    }
  }

  private spawnSoffice(): void {
    const args = [
      '--headless',
      '--invisible',
      '--nologo',
      '--nodefault',
      '--norestore',
      '--nolockcheck',
      '--nofirststartwizard',
      `-env:UserInstallation=${this.config.profileUrl}`,
      `--accept=pipe,name=${this.config.pipeName};urp;StarOffice.ComponentContext`,
    ];
    const isolation = this.config.isolation ?? [];
    this.soffice =
      isolation.length > 0
        ? this.spawn('soffice', isolation[0], [...isolation.slice(1), this.config.sofficeBinary, ...args], false)
        : this.spawn('soffice', this.config.sofficeBinary, args, false);
  }

  private spawnPython(): void {
    const proc = this.spawn('python', this.config.python, [this.config.scriptPath, this.config.pipeName, '20'], true);
    this.python = proc;
    proc.child.stdin?.on('error', () => undefined); // EPIPE when python is gone: its exit is handled
    if (proc.child.stdout) {
      readline.createInterface({ input: proc.child.stdout }).on('line', (line) => this.onLine(line));
    }
  }

  private spawn(label: Proc['label'], command: string, args: string[], withStdin: boolean): Proc {
    const env = { ...process.env };
    delete env.PYTHONHOME;
    delete env.PYTHONPATH;
    const child = spawn(command, args, {
      detached: true,
      stdio: [withStdin ? 'pipe' : 'ignore', label === 'python' ? 'pipe' : 'ignore', 'pipe'],
      env,
    });
    let resolveExit!: () => void;
    const proc: Proc = { label, child, pid: child.pid, exited: new Promise<void>((resolve) => (resolveExit = resolve)) };
    this.procs.add(proc);
    if (child.pid !== undefined) this.groups.add(child.pid);
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (!this.procs.delete(proc)) return;
      resolveExit();
      this.onExit(proc, code, signal, error);
    };
    child.on('exit', (code, signal) => finish(code, signal));
    child.on('error', (error) => {
      if (child.pid === undefined) finish(null, null, error);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.stderrTail.push(`${label}: ${line.trim()}`);
      if (this.stderrTail.length > 20) this.stderrTail.splice(0, this.stderrTail.length - 20);
    });
    // Not keeping the event loop alive: if Node exits without close(), python sees EOF and terminates soffice.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    return proc;
  }

  private onExit(proc: Proc, code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    if (proc.label === 'soffice' && code === EXIT_RESTART && this.state === 'starting' && this.sofficeRestarts < 3) {
      this.sofficeRestarts++;
      this.spawnSoffice();
      return;
    }
    if (this.state === 'dead') return;
    const how = error ? error.message : signal ? `killed by ${signal}` : `exit code ${code}`;
    const reason = `${proc.label === 'soffice' ? 'soffice.bin' : 'python converter'} ended (${how})${this.stderrTail.length ? `: ${this.stderr()}` : ''}`;
    this.config.logger.warn({ worker: this.index, pid: proc.pid, state: this.state }, reason);
    this.die(reason);
  }

  private onLine(line: string): void {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      return;
    }
    if (reply.ready !== undefined) {
      if (reply.ready) this.readyWaiter?.resolve();
      else this.readyWaiter?.reject(new Error(reply.error ?? 'the converter could not connect to LibreOffice'));
      return;
    }
    if (this.pending && reply.id === this.pending.id) {
      const pending = this.pending;
      this.pending = undefined;
      pending.resolve(reply);
    }
  }

  private stderr(): string {
    return this.stderrTail.slice(-5).join(' | ');
  }
}
