export { router, routerWith, RouterConfig } from './router';
export type { Clock } from './clock';
