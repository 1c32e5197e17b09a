/** A scripted registry behind an injected `fetch`, for unit specs of the protocol logic. */
export interface SeenRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: Buffer;
}

export type Handler = (request: SeenRequest) => Response | Promise<Response>;

export function fakeFetch(handler: Handler): typeof fetch & { seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const body = await bodyOf(init?.body);
    const request = { method: init?.method ?? 'GET', url, headers: new Headers(init?.headers), body };
    seen.push(request);
    return handler(request);
  };
  return Object.assign(fake, { seen });
}

async function bodyOf(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function empty(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers });
}
