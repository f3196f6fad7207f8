import { hmacSha1Signature, oauth1AuthorizationHeader, percentEncode, signatureBaseString } from './auth';

/**
 * The worked example of X's "Creating a signature" page
 * (https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signature, also
 * docs.x.com/fundamentals/authentication/oauth-1-0a/creating-a-signature). The page's base string
 * uses api.twitter.com; the newer docs.x.com copy shows api.x.com in the URL, which would sign to a
 * different value, so the original URL is used here. Expected signature hCtSmYh+iHYCEqBWrE7C7hYmtUk=
 * (also re-computed with node:crypto from the published base string and signing key).
 */
const example = {
  method: 'POST',
  url: 'https://api.twitter.com/1.1/statuses/update.json',
  query: [['include_entities', 'true']] as Array<[string, string]>,
  form: [['status', 'Hello Ladies + Gentlemen, a signed OAuth request!']] as Array<[string, string]>,
  credentials: {
    consumerKey: 'xvz1evFS4wEEPTGEFPHBog',
    consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
    token: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb',
    tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
  },
  nonce: 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg',
  timestampSeconds: 1318622958,
};

const publishedBaseString =
  'POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521';

describe('OAuth 1.0a', () => {
  it('builds the published signature base string', () => {
    const params: Array<[string, string]> = [
      ...example.form,
      ...example.query,
      ['oauth_consumer_key', example.credentials.consumerKey],
      ['oauth_nonce', example.nonce],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', String(example.timestampSeconds)],
      ['oauth_token', example.credentials.token],
      ['oauth_version', '1.0'],
    ];
    expect(signatureBaseString('post', example.url, params)).toBe(publishedBaseString);
  });

  it('signs it to the published value', () => {
    expect(hmacSha1Signature(publishedBaseString, example.credentials.consumerSecret, example.credentials.tokenSecret)).toBe(
      'hCtSmYh+iHYCEqBWrE7C7hYmtUk=',
    );
  });

  it('builds the Authorization header with every value encoded, in sorted order', () => {
    const header = oauth1AuthorizationHeader(
      { method: example.method, url: example.url, query: example.query, form: example.form },
      example.credentials,
      { nonce: example.nonce, timestampSeconds: example.timestampSeconds },
    );
    expect(header).toBe(
      'OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", ' +
        'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", ' +
        'oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0"',
    );
  });

  it('signs a query string that is already in the URL the same as one passed separately', () => {
    const context = { nonce: example.nonce, timestampSeconds: example.timestampSeconds };
    const inUrl = oauth1AuthorizationHeader({ method: 'POST', url: `${example.url}?include_entities=true`, form: example.form }, example.credentials, context);
    const separate = oauth1AuthorizationHeader({ method: 'POST', url: example.url, query: example.query, form: example.form }, example.credentials, context);
    expect(inUrl).toBe(separate);
  });

  it('normalises the base URI: lower-case host, default port dropped, query removed', () => {
    expect(signatureBaseString('GET', 'HTTPS://API.X.COM:443/2/users/me?x=1', [])).toBe('GET&https%3A%2F%2Fapi.x.com%2F2%2Fusers%2Fme&');
    expect(signatureBaseString('GET', 'http://127.0.0.1:8080/a', [])).toBe('GET&http%3A%2F%2F127.0.0.1%3A8080%2Fa&');
  });

  it('percent-encodes per RFC 3986 (reserved sub-delims and UTF-8)', () => {
    expect(percentEncode("Ladies + Gentlemen!*'()~-._")).toBe('Ladies%20%2B%20Gentlemen%21%2A%27%28%29~-._');
    expect(percentEncode('☃')).toBe('%E2%98%83');
  });
});
