import { FeatureModule } from '../../common/resource/module-manifest.js';
import { IntegrationsModule } from '../integrations/index.js';
import { GeocodeController } from './geocode.controller.js';
import { GEOCODE_MESSAGES } from './geocode.messages.js';
import { GeocodeService } from './geocode.service.js';
import { MapsClient } from './maps.client.js';

/** `/api/v1/geocode` through the maps service (maps.integration.ts), cached by normalised address. */
@FeatureModule({
  manifest: { messages: GEOCODE_MESSAGES },
  imports: [IntegrationsModule],
  controllers: [GeocodeController],
  providers: [MapsClient, GeocodeService],
})
export class GeocodeModule {}
