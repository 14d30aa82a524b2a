import { request as httpRequest, Agent } from 'node:http';

/** An answer as it came over the wire: raw header casing kept. */
export interface WireResponse {
  readonly status: number;
  /** Header values by lowercase name. */
  readonly headers: Readonly<Record<string, string>>;
  /** Header names exactly as the server wrote them. */
  readonly headerNames: readonly string[];
  readonly body: Buffer;
  readonly text: string;
  /** The body parsed as JSON; the type is the caller's claim. */
  json<T = unknown>(): T; // eslint-disable-line @typescript-eslint/no-unnecessary-type-parameters
}

export interface WireRequest {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  readonly body?: string | Uint8Array;
  /** Leave out the default Authorization header. */
  readonly anonymous?: boolean;
  /** Aborts the request: its connection is destroyed. */
  readonly signal?: AbortSignal;
}

export const TOKEN = 'DEFAULT_TOKEN';

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/**
 * Sends one request with node:http, so that tests control every header and byte, and see the
 * header names as the server wrote them.
 */
export function send(baseUrl: string, options: WireRequest = {}): Promise<WireResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string | number> = {
    ...(options.anonymous ? {} : { Authorization: TOKEN }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname,
        port,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers,
        agent,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: flat,
            headerNames: res.rawHeaders.filter((_, index) => index % 2 === 0),
            body,
            text,
            json: <T>() => JSON.parse(text) as T, // eslint-disable-line @typescript-eslint/no-unnecessary-type-parameters
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A client bound to one server and one node id, for the common cases. */
export function nodeClient(baseUrl: string, node: string) {
  const as = (headers: Record<string, string | number> = {}) => ({
    'Scirocco-Node-Source': node,
    ...headers,
  });
  return {
    node,
    send: (options: WireRequest = {}) => send(baseUrl, { ...options, headers: as(options.headers) }),
    push: (
      destination: string,
      body: string | Uint8Array | object,
      headers: Record<string, string | number> = {},
    ) => {
      const isBytes = body instanceof Uint8Array;
      const isText = typeof body === 'string';
      return send(baseUrl, {
        method: 'POST',
        path: '/messageQueue',
        headers: as({
          'Scirocco-Node-Destination': destination,
          'Content-Type': isBytes ? 'application/octet-stream' : isText ? 'text/plain' : 'application/json',
          ...headers,
        }),
        body: isBytes || isText ? body : JSON.stringify(body),
      });
    },
    pull: () => send(baseUrl, { path: '/messageQueue', headers: as() }),
    ack: (id: string) => send(baseUrl, { method: 'PATCH', path: `/messageQueue/${id}/ack`, headers: as() }),
    show: (id: string) => send(baseUrl, { path: `/messages/${id}`, headers: as() }),
    list: (query = '') => send(baseUrl, { path: `/messages${query}`, headers: as() }),
    update: (id: string, body: string, contentType = 'application/json') =>
      send(baseUrl, {
        method: 'PATCH',
        path: `/messages/${id}`,
        headers: as({ 'Content-Type': contentType }),
        body,
      }),
    remove: (id: string) => send(baseUrl, { method: 'DELETE', path: `/messages/${id}`, headers: as() }),
    removeAll: () => send(baseUrl, { method: 'DELETE', path: '/messages', headers: as() }),
  };
}
