export { assignment } from './assignment';
