import type { AddressInfo } from 'node:net';
import express from 'express';
import { finalContentType } from './webhook.controller';

describe('webhook replies', () => {
  it('carry the Content-Type Express would give the same reply', async () => {
    const types = [
      'text/plain',
      'text/xml',
      'application/xml',
      'application/json',
      'application/problem+json',
      'text/plain; charset=utf-8',
      'text/plain; charset=ISO-8859-1',
      'Text/HTML',
      'text/plain; format=flowed',
      'application/vnd.api+json; Version=2',
      'text/plain;charset=utf-8',
      'application/json; charset=UTF-8; foo=bar',
      'text/plain; format=flowed; charset=utf-16',
    ];
    const app = express();
    app.get('/:i', (req, res) => void res.status(200).type(types[Number(req.params.i)]!).send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const [i, type] of types.entries()) {
        const response = await fetch(`http://127.0.0.1:${port}/${i}`);
        expect([type, finalContentType(type)]).toEqual([type, response.headers.get('content-type')]);
      }
    } finally {
      server.close();
    }
  });

  it('leave extension shorthands to Express', () => {
    expect(finalContentType('json')).toBeNull();
    expect(finalContentType('')).toBeNull();
  });
});
