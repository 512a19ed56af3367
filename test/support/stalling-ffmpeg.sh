#!/bin/sh
# An ffmpeg that hangs instead of transcoding (as one stuck on a dead network mount would):
# it answers the start-up `-version` probe, then never writes a segment.
case " $* " in
  *" -version "*) exec ffmpeg "$@" ;;
esac
exec sleep 600
