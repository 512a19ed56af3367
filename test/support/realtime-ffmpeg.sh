#!/bin/sh
# An ffmpeg that reads its input no faster than real time (-readrate 1), as on a box at its
# limit: a run makes one segment per segment length, so a request can be caught waiting.
case " $* " in
  *" -version "*) exec ffmpeg "$@" ;;
esac
exec ffmpeg -readrate 1 "$@"
