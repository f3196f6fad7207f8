import { answerVerifyTokenChallenge, type WebhookReply, type WebhookRequest } from '@omni/channel-sdk';

/**
 * Meta's subscription check (docs/channels/protocols.md): `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`
 * → 200 with the bare challenge when the token is ours, else 403. The keys contain dots, so they are
 * read from the query object as-is. Requests with no `hub.*` parameter are not handshakes (undefined).
 */
export function answerMessengerHandshake(request: WebhookRequest, verifyToken: string): WebhookReply | undefined {
  return answerVerifyTokenChallenge(request, {
    verifyToken,
    modeParam: 'hub.mode',
    tokenParam: 'hub.verify_token',
    challengeParam: 'hub.challenge',
    expectedMode: 'subscribe',
  });
}
