// A TCP proxy on loopback in front of a real server, which a test takes down and brings back: a real network
// fault (refused or reset connections) between a client and the server, with nothing mocked on either side.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** How many connections the proxy has seen, by what it did with them. */
export interface ProxyCounts {
  forwarded: number;
  reset: number;
}

/** Forwards connections to `target` until told to refuse them. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  private resetsLeft = 0;
  private marker: string | undefined;
  readonly counts: ProxyCounts = { forwarded: 0, reset: 0 };
  /** `METHOD PATH` of every HTTP/1.1 request forwarded, in order. */
  readonly requests: string[] = [];

  private constructor(
    private readonly target: { host: string; port: number },
    private port: number,
  ) {}

  /** Starts a proxy on a free loopback port for `targetUrl` (`http://HOST:PORT`). */
  static async start(targetUrl: string): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port) }, 0);
    await proxy.listen();
    return proxy;
  }

  /** `http://127.0.0.1:PORT`, the address clients use instead of the target's. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the proxy accepts connections now. */
  get up(): boolean {
    return this.server !== undefined;
  }

  /** Goes down as a crashed server does: open connections are cut and new ones are refused (ECONNREFUSED). */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.open) socket.resetAndDestroy();
    this.open.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Comes back on the same port. */
  async restore(): Promise<void> {
    if (this.server === undefined) await this.listen();
  }

  /** Cuts open connections and resets the next `count` new ones as soon as they are accepted (ECONNRESET), then forwards again. */
  resetNext(count: number): void {
    this.resetsLeft = count;
    for (const socket of this.open) socket.resetAndDestroy();
    this.open.clear();
  }

  /** Goes down (as `refuse`) the moment a client sends bytes containing `marker`, before they reach the target. */
  refuseWhenSent(marker: string): void {
    this.marker = marker;
  }

  /** Stops for good. */
  async close(): Promise<void> {
    await this.refuse();
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private accept(client: Socket): void {
    if (this.resetsLeft > 0) {
      this.resetsLeft -= 1;
      this.counts.reset += 1;
      client.resetAndDestroy();
      return;
    }
    this.counts.forwarded += 1;
    const upstream = connect(this.target.port, this.target.host);
    this.open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.open.delete(client);
      this.open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    // The last bytes of the previous chunk, so that a marker split across two chunks is still seen.
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      tail = text.slice(-256);
      if (this.marker !== undefined && text.includes(this.marker)) {
        this.marker = undefined;
        void this.refuse();
        return;
      }
      for (const match of chunk.toString('latin1').matchAll(/^(GET|PUT|POST|HEAD|DELETE) (\S+) HTTP\/1\.1\r$/gm)) this.requests.push(`${match[1]} ${match[2]}`);
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.pipe(client);
  }
}
