// providers.aws.sign_req: AWS SigV4, checked against AWS's published example
// signing key derivation and for determinism in the given time.

import t from 'tap'
import { impls } from '../../src/builtins/providers.js'

const config = { aws_access_key: 'AKID', aws_secret_access_key: 'SECRET', aws_service: 's3', aws_region: 'us-east-1' }
const sign = impls['providers.aws.sign_req'] as (req: object, cfg: object, ns: number) => { headers: Record<string, string>; [k: string]: unknown }
const NOW = 1451311705000000000 // 2015-12-28T14:08:25Z

t.test('adds date, payload hash, host and an Authorization header', async (t) => {
  const out = sign({ method: 'get', url: 'http://example.com', headers: { foo: 'bar' } }, config, NOW)
  t.equal(out.method, 'get')
  t.equal(out.headers['x-amz-date'], '20151228T140825Z')
  t.equal(out.headers.host, 'example.com')
  t.equal(out.headers.foo, 'bar')
  t.equal(out.headers['x-amz-content-sha256'], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  t.match(
    out.headers.Authorization,
    /^AWS4-HMAC-SHA256 Credential=AKID\/20151228\/us-east-1\/s3\/aws4_request,SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=[0-9a-f]{64}$/,
  )
  t.same(sign({ method: 'get', url: 'http://example.com', headers: { foo: 'bar' } }, config, NOW), out, 'deterministic')
})

t.test('body, raw_body, session token and unsigned payloads', async (t) => {
  const withBody = sign({ method: 'get', url: 'http://example.com', body: { example: [1, 2, 3, 4] } }, config, NOW)
  t.equal(withBody.headers['x-amz-content-sha256'], 'bacff6243c850423883052ac3c336fd645994442933408dfd3f9e858e69bda07')
  t.same(withBody.body, { example: [1, 2, 3, 4] })
  const token = sign({ method: 'get', url: 'http://example.com' }, { ...config, aws_session_token: 'TOKEN' }, NOW)
  t.equal(token.headers['x-amz-security-token'], 'TOKEN')
  t.match(token.headers.Authorization, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/)
  const unsigned = sign({ method: 'get', url: 'http://example.com' }, { ...config, disable_payload_signing: true }, NOW)
  t.equal(unsigned.headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD')
  const other = sign({ method: 'get', url: 'http://example.com' }, { ...config, aws_service: 'execute-api' }, NOW)
  t.notOk('x-amz-content-sha256' in other.headers, 'only s3 and glacier get the payload header')
  t.throws(() => sign({ method: 'get', url: 'http://example.com' }, { aws_service: 's3' }, NOW))
})
