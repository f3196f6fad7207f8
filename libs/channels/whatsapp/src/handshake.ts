import { answerVerifyTokenChallenge, type WebhookReply, type WebhookRequest } from '@omni/channel-sdk';

/**
 * Meta's subscription check, as for Messenger (docs/channels/protocols.md): `hub.mode=subscribe` and
 * our verify token → 200 with the bare `hub.challenge`; anything else with `hub.*` → 403.
 */
export function answerWhatsAppHandshake(request: WebhookRequest, verifyToken: string): WebhookReply | undefined {
  return answerVerifyTokenChallenge(request, {
    verifyToken,
    modeParam: 'hub.mode',
    tokenParam: 'hub.verify_token',
    challengeParam: 'hub.challenge',
    expectedMode: 'subscribe',
  });
}
