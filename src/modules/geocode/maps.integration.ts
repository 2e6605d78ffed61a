import { ApiKeyAuth } from '../../gateway/index.js';
import { defineIntegration } from '../integrations/index.js';

/** The maps service: an API key. */
export const MAPS_INTEGRATION = defineIntegration({
  name: 'maps',
  position: 40,
  settings: (integrations) => integrations.maps,
  auth: (maps) => new ApiKeyAuth(maps.apiKey),
});
