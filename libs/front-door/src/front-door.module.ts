import { Module } from '@nestjs/common';
import { FrontDoorConfigurableModule } from './front-door.module-definition';
import { FrontDoorServer } from './front-door.server';
import { FrigateAuthClient } from './frigate-auth.client';
import { FrigateEventsClient } from './frigate-events.client';
import { FrigateProxy } from './frigate-proxy';
import { VodRequestHandler } from './vod-request.handler';

/**
 * The Frigate front door: put in front of Frigate on its own port (FRONT_DOOR_PORT), it answers
 * Frigate's /vod with H.264 HLS for H.265 recordings and passes everything else to Frigate
 * (FRIGATE_URL), so Frigate's UI and Home Assistant play them unchanged. Needs TranscodeModule
 * and RecordingsModule registered globally.
 */
@Module({
  providers: [FrontDoorServer, FrigateAuthClient, FrigateEventsClient, FrigateProxy, VodRequestHandler],
  exports: [FrontDoorServer],
})
export class FrontDoorModule extends FrontDoorConfigurableModule {}
