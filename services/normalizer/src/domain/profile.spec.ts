import { profileOf } from './profile';

describe('profileOf', () => {
  it('maps CRM attributes onto the canonical profile', () => {
    const profile = profileOf({
      attributes: {
        tier: 'vip',
        lifetimeValue: { amount: 1234.5, currency: 'EUR' },
        openOrders: [{ orderId: 'o-1' }, { orderId: 'o-2' }],
        cart: { items: 3, value: { amount: 89.9, currency: 'EUR' } },
        preferredChannel: 'whatsapp',
      },
      locale: 'es-MX',
      timezone: 'America/Mexico_City',
    });
    expect(profile).toMatchObject({
      tier: 'vip', lifetimeValue: 1234.5, lifetimeValueCurrency: 'EUR', openOrders: 2, cartItems: 3, cartValue: 89.9,
      cartCurrency: 'EUR', preferredChannel: 'whatsapp', language: 'es-MX', timezone: 'America/Mexico_City',
    });
  });

  it('leaves unknown attributes empty', () => {
    expect(profileOf({ attributes: {}, locale: null, timezone: null })).toMatchObject({ tier: '', openOrders: 0, cartItems: 0, language: '' });
  });
});
