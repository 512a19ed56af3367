import { buildConcatList } from './ffmpeg-concat-list';

/** The filename token as ffmpeg's concat demuxer reads it (av_get_token: '…' quotes, \ escapes outside them). */
function ffmpegToken(quoted: string): string {
  let out = '';
  for (let i = 0; i < quoted.length; i += 1) {
    const c = quoted[i];
    if (c === '\\' && i + 1 < quoted.length) {
      out += quoted[++i];
    } else if (c === "'") {
      const close = quoted.indexOf("'", i + 1);
      if (close < 0) throw new Error('unterminated quote');
      out += quoted.slice(i + 1, close);
      i = close;
    } else if (/\s/.test(c)) {
      throw new Error(`token ends early at index ${i}: ${quoted}`);
    } else {
      out += c;
    }
  }
  return out;
}

describe('buildConcatList', () => {
  it('starts with the ffconcat header and ends with a newline', () => {
    const text = buildConcatList([]);
    expect(text).toBe('ffconcat version 1.0\n');
  });

  it('writes a file and a duration line per entry', () => {
    expect(
      buildConcatList([
        { path: '/rec/2024-03-10/13/front/05.00.mp4', durationSeconds: 10 },
        { path: '/rec/2024-03-10/13/front/05.10.mp4', durationSeconds: 9.87654321 },
      ]),
    ).toBe(
      [
        'ffconcat version 1.0',
        "file '/rec/2024-03-10/13/front/05.00.mp4'",
        'duration 10.000000',
        "file '/rec/2024-03-10/13/front/05.10.mp4'",
        'duration 9.876543',
        '',
      ].join('\n'),
    );
  });

  it('writes an outpoint only for entries that have one', () => {
    const text = buildConcatList([
      { path: '/rec/a.mp4', durationSeconds: 10 },
      { path: '/rec/b.mp4', durationSeconds: 4.5, outpointSeconds: 4.5 },
      { path: '/rec/c.mp4', durationSeconds: 3, outpointSeconds: 0 },
    ]);
    expect(text).toBe(
      [
        'ffconcat version 1.0',
        "file '/rec/a.mp4'",
        'duration 10.000000',
        "file '/rec/b.mp4'",
        'outpoint 4.500000',
        'duration 4.500000',
        "file '/rec/c.mp4'",
        'outpoint 0.000000',
        'duration 3.000000',
        '',
      ].join('\n'),
    );
    expect(text.match(/^outpoint /gm)).toHaveLength(2);
  });

  it("escapes single quotes as '\\'' so the path cannot leave its quoted string", () => {
    const text = buildConcatList([{ path: "/rec/it's here.mp4", durationSeconds: 1 }]);
    expect(text.split('\n')[1]).toBe("file '/rec/it'\\''s here.mp4'");
  });

  it.each(["/rec/it's.mp4", "/rec/'; file '/etc/passwd", "/rec/''.mp4", '/rec/back\\slash.mp4', '/rec/space and #hash.mp4', "'"])(
    'ffmpeg reads %p back unchanged',
    (path) => {
      const line = buildConcatList([{ path, durationSeconds: 1 }]).split('\n')[1];
      expect(line.startsWith('file ')).toBe(true);
      expect(ffmpegToken(line.slice('file '.length))).toBe(path);
    },
  );

  it.each(['/rec/a\nfile /etc/passwd', '/rec/a\r.mp4', '/rec/\r\n.mp4', '/rec/a\u0000.mp4', '/rec/a\u001b[2J.mp4', '/rec/a\u007f.mp4'])(
    'throws on a path with a control character: %j',
    (path) => {
      expect(() =>
        buildConcatList([
          { path: '/rec/ok.mp4', durationSeconds: 1 },
          { path, durationSeconds: 1 },
        ]),
      ).toThrow(/control character/);
    },
  );
});
