/**
 * The e2e tests' fake Frigate as a program, for the Frigate compose file's test run: it stands in
 * for the `frigate` service in a container, on its two ports: the authenticated one (8971: the UI,
 * /api/auth, /vod with a login) and the internal one (5000: /vod without a login).
 * Settings: FAKE_FRIGATE_PORT and FAKE_FRIGATE_INTERNAL_PORT, FAKE_FRIGATE_CAMERAS
 * (comma-separated), FAKE_FRIGATE_TOKEN (a login token of an admin user), RECORDINGS_DIR.
 */
import { startFakeFrigate } from '../support/fake-frigate';
import { startFrigateVodServer } from '../support/frigate-vod-server';

async function main(): Promise<void> {
  const cameras = (process.env.FAKE_FRIGATE_CAMERAS ?? 'front').split(',');
  const frigate = await startFakeFrigate({
    cameras,
    users: { [process.env.FAKE_FRIGATE_TOKEN ?? 'admin-token']: { username: 'admin', role: 'admin', allowedCameras: cameras } },
    recordingsDir: process.env.RECORDINGS_DIR,
    port: Number(process.env.FAKE_FRIGATE_PORT ?? 5000),
  });
  const internal = await startFrigateVodServer(cameras, {
    recordingsDir: process.env.RECORDINGS_DIR,
    port: Number(process.env.FAKE_FRIGATE_INTERNAL_PORT ?? 5000),
  });
  process.stdout.write(`fake Frigate on ${frigate.origin}, its internal port on ${internal.origin}\n`);
  process.on('SIGTERM', () => void Promise.all([frigate.close(), internal.close()]).then(() => process.exit(0)));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
