export { windowPolicy } from './window-policy';
