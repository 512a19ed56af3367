import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query, Req, UseFilters, UsePipes } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions, Authenticated, Principal, canAccessCamera, requesterOf } from '@app/auth';
import { ErrorResponseDto, JsonExceptionFilter, createJsonValidationPipe } from '@app/common';
import { CameraParams } from './dto/camera.params';
import { RecordingsQuery } from './dto/recordings-query.dto';
import { CameraListResponse, RecordingsResponse } from './dto/recordings.responses';
import { coverageOf } from './recording-coverage';
import { RECORDING_SOURCE, RecordingSource } from './recording-source.interface';
import { RecordingsLookupLimiter } from './recordings-lookup.limiter';

/** The longest window one recordings request may ask about. */
export const MAX_RECORDINGS_WINDOW_SECONDS = 7 * 86400;
const DEFAULT_WINDOW_SECONDS = 86400;

/** Which cameras exist and when they have recordings: what a player's timeline needs. */
@ApiTags('cameras')
@Controller('cameras')
@UseFilters(JsonExceptionFilter)
@UsePipes(createJsonValidationPipe())
export class CamerasController {
  constructor(
    @Inject(RECORDING_SOURCE) private readonly recordings: RecordingSource,
    @Inject(AUTH_MODULE_OPTIONS) private readonly auth: AuthModuleOptions,
    private readonly limiter: RecordingsLookupLimiter,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Cameras the caller may see' })
  @ApiOkResponse({ type: CameraListResponse })
  async list(@Req() request: { user?: Principal }): Promise<CameraListResponse> {
    const cameras = await this.recordings.listCameras();
    const principal = request.user;
    const visible = this.auth.disabled || !principal ? cameras : cameras.filter((c) => canAccessCamera(principal, c, this.auth.roles));
    return { success: true, cameras: visible };
  }

  @Get(':camera/recordings')
  @Authenticated({ camera: 'param' })
  @ApiOperation({ summary: 'Covered time spans and gaps of a camera in a window (epoch seconds)' })
  @ApiOkResponse({ type: RecordingsResponse })
  @ApiBadRequestResponse({ description: 'Invalid camera name or window', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown camera', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({ description: 'Too many lookups by this user; see Retry-After', type: ErrorResponseDto })
  async recordingsOf(
    @Param() params: CameraParams,
    @Query() query: RecordingsQuery,
    @Req() request: { user?: Principal; ip?: string },
  ): Promise<RecordingsResponse> {
    const before = query.before !== undefined ? Number(query.before) : Math.floor(Date.now() / 1000);
    const after = query.after !== undefined ? Number(query.after) : before - DEFAULT_WINDOW_SECONDS;
    if (!(before > after)) throw new BadRequestException({ success: false, message: 'before must be after after' });
    if (before - after > MAX_RECORDINGS_WINDOW_SECONDS) {
      throw new BadRequestException({
        success: false,
        message: `window of ${Math.round(before - after)} s is longer than the maximum of ${MAX_RECORDINGS_WINDOW_SECONDS} s`,
      });
    }
    return this.limiter.run(requesterOf(request.user, request.ip), `${params.camera}/${after}/${before}`, async () => {
      if (!(await this.recordings.listCameras()).includes(params.camera)) {
        throw new NotFoundException({ success: false, message: `Unknown camera '${params.camera}'` });
      }
      const { periods, unreadable } = await this.recordings.findRecordedPeriods(params.camera, after, before);
      return {
        success: true as const,
        camera: params.camera,
        after,
        before,
        ...coverageOf(periods, after, before),
        unreadable: unreadable.map(({ file, startTime, reason, message }) => ({ file, start: startTime, reason, message })),
      };
    });
  }
}
