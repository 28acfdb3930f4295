import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codeOf, sdk, type Sdk, type SdkProtocol } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'data-format-api-key-0123456789';
const NOT_JSON = Buffer.from([0x08, 0x96, 0x01, 0xff]).toString('base64');

/**
 * `publication_data_format` as Centrifugo checks it on client and API publishes, with the
 * global `channel.publication_data_format` for namespaces that set none: "" refuses empty
 * data, `json` wants JSON, `json_object` a JSON object, `binary` anything, empty included.
 */
describe('publication data format', () => {
  let server: TestServer;
  const clients: Sdk[] = [];
  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.channel.publicationDataFormat = 'json_object';
        const open = { allowPublishForClient: true, allowSubscribeForClient: true };
        c.channel.namespaces = [
          namespace('obj', open),
          namespace('bin', { ...open, publicationDataFormat: 'binary' }),
          namespace('js', { ...open, publicationDataFormat: 'json' }),
        ];
      }),
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });

  const api = async (body: object): Promise<{ error?: { code: number; message: string } }> => {
    const res = await fetch(`${server.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': KEY }, body: JSON.stringify(body) });
    return (await res.json()) as { error?: { code: number; message: string } };
  };

  it('the server API: a namespace without a format takes the global one', async () => {
    assert.equal((await api({ channel: 'obj:a', data: { n: 1 } })).error, undefined);
    assert.deepEqual((await api({ channel: 'obj:a', data: 5 })).error, { code: 107, message: 'bad request: data is not a JSON object' });
    assert.deepEqual((await api({ channel: 'obj:a', b64data: NOT_JSON })).error, { code: 107, message: 'bad request: data is not valid JSON' });
    assert.equal((await api({ channel: 'js:a', data: 5 })).error, undefined);
    assert.deepEqual((await api({ channel: 'js:a', b64data: NOT_JSON })).error, { code: 107, message: 'bad request: data is not valid JSON' });
    assert.equal((await api({ channel: 'bin:a', b64data: NOT_JSON })).error, undefined);
    assert.equal((await api({ channel: 'bin:a', b64data: '' })).error, undefined, 'binary takes empty data');
    assert.deepEqual((await api({ channel: 'js:a', b64data: '' })).error, { code: 107, message: 'bad request: data is not valid JSON' });
    assert.deepEqual((await api({ channel: 'obj:a', b64data: '' })).error, { code: 107, message: 'bad request: data is not valid JSON' });
  });

  const connected = async (protocol: SdkProtocol): Promise<Sdk> => {
    const c = sdk(protocol, server.url, { token: await connToken('writer') });
    clients.push(c);
    c.connect();
    await c.ready(3000);
    return c;
  };

  it('client publishes over JSON and protobuf are checked the same way', async () => {
    const json = await connected('json');
    assert.deepEqual([await codeOf(json.publish('obj:a', { n: 1 })), await codeOf(json.publish('obj:a', [1])), await codeOf(json.publish('js:a', 'text'))], [0, 107, 0]);
    const proto = await connected('protobuf');
    const bytes = (text: string) => new TextEncoder().encode(text);
    assert.deepEqual(
      [
        await codeOf(proto.publish('obj:a', bytes('{"n":1}'))),
        await codeOf(proto.publish('obj:a', bytes(' [1]'))),
        await codeOf(proto.publish('js:a', Uint8Array.from([0xff, 0x00]))),
        await codeOf(proto.publish('bin:a', Uint8Array.from([0xff, 0x00]))),
        await codeOf(proto.publish('bin:a', new Uint8Array(0))),
      ],
      [0, 107, 107, 0, 0],
    );
  });
});
