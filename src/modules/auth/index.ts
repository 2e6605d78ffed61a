// The auth module's public surface: what other modules may import.
export { Auth } from './auth.decorator.js';
