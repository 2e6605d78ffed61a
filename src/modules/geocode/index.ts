// The geocode module's public surface: what other modules may import.
export { MAPS_INTEGRATION } from './maps.integration.js';
export { GeocodeModule } from './geocode.module.js';
