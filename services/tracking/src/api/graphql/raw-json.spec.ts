import express from 'express';
import type { AddressInfo } from 'node:net';
import { sendsRawJson, stringifyWithRawJson, withJsonChunks } from './raw-json';

/** What a client receives when an Express response, after sendsRawJson, is given `body` (as Apollo gives it). */
async function received(body: string): Promise<{ text: string; contentLength: string | null }> {
  const app = express().get('/', (_req, res) => {
    sendsRawJson(res);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.send(body);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { text: await response.text(), contentLength: response.headers.get('content-length') };
  } finally {
    server.close();
  }
}

const chunksOf = (text: string) => [Buffer.from(text.slice(0, 3)), Buffer.from(text.slice(3))];

describe('stringifyWithRawJson and sendsRawJson', () => {
  it('send marked objects as their chunks, and the rest as JSON.stringify would', async () => {
    const columns = { x: 'QUJD', n: [1, 2] };
    const value = { data: { a: [withJsonChunks(columns, chunksOf(JSON.stringify(columns))), 'raw-json-', { b: withJsonChunks({ c: 'é' }, chunksOf('{"c":"é"}')) }], d: 'ü' } };
    const expected = `${JSON.stringify(value)}\n`;
    expect(await received(stringifyWithRawJson(value))).toEqual({ text: expected, contentLength: String(Buffer.byteLength(expected)) });
  });

  it('use the chunks, not the object', async () => {
    expect((await received(stringifyWithRawJson({ data: withJsonChunks({ a: 1 }, [Buffer.from('{"a":2}')]) }))).text).toBe('{"data":{"a":2}}\n');
  });

  it('leave a response without marked objects as Apollo would send it, with its trailing newline', async () => {
    expect(stringifyWithRawJson({ data: null })).toBe('{"data":null}\n');
    expect((await received('{"data":null}\n')).text).toBe('{"data":null}\n');
  });

  it('send a body once: its chunks are dropped when it is sent', async () => {
    const token = stringifyWithRawJson({ data: withJsonChunks({}, [Buffer.from('{}')]) });
    expect((await received(token)).text).toBe('{"data":{}}\n');
    expect((await received(token)).text).toBe(token);
  });
});
