/** Builds a database with Frigate's `recordings` table, for the frigate-db source tests. */
import Database from 'better-sqlite3';

export interface FrigateRecordingRow {
  id: string;
  camera: string;
  path: string;
  start_time: number;
  end_time: number;
  duration: number;
}

export function writeFrigateDb(path: string, rows: FrigateRecordingRow[]): void {
  const db = new Database(path);
  // Frigate's schema (frigate/models.py, Recordings), column for column.
  db.exec(`CREATE TABLE IF NOT EXISTS "recordings" (
    "id" VARCHAR(30) NOT NULL PRIMARY KEY, "camera" VARCHAR(20) NOT NULL, "path" VARCHAR(255) NOT NULL,
    "start_time" DATETIME NOT NULL, "end_time" DATETIME NOT NULL, "duration" REAL NOT NULL,
    "motion" INTEGER, "objects" INTEGER, "dBFS" INTEGER, "segment_size" REAL NOT NULL DEFAULT 0,
    "regions" INTEGER)`);
  const insert = db.prepare(
    'INSERT INTO recordings (id, camera, path, start_time, end_time, duration) VALUES (@id, @camera, @path, @start_time, @end_time, @duration)',
  );
  db.transaction(() => rows.forEach((row) => insert.run(row)))();
  db.close();
}
