export { windowPolicy, windowPolicyWith, WindowPolicyConfig } from './window-policy';
export { ManualClock, type Clock } from './domain/clock';
