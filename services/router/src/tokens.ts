export const ROUTING_POLICY = Symbol('omni.routing-policy');
