# Prism user-facing text (Fluent). English is the reference locale: every id lives here.
app-name = Prism
demo-lineup-title = Demo channels

## Guide: channel list and grid
filter-all = All channels
filter-favourites = Favourites
filter-recent = Recently watched
no-favourites = No favourites yet: press F on a channel
no-channels = No channels
no-recent = Nothing watched yet
nothing-scheduled = No guide information
playing-marker = (playing)
guide-title = TV guide
search-prompt = Search: { $query }

## Zap banner
banner-now = Now  { $start }-{ $stop }  { $title }
banner-next = Next { $start }  { $title }

## Volume and status
volume = Volume { $percent }%  { $bar }
muted = Muted
paused = Paused
buffering = Buffering { $percent }%
connecting = Connecting to { $channel }...
preparing = Preparing channels... { $seconds } s
lineup-failed = Could not load channels
    { $error }

## Playback problems: what failed, then what Prism does next
playback-failed = { $channel }: { $message }
    { $next }
retrying = Retrying in { $seconds } s (attempt { $attempt })
trying-backup = Trying backup stream { $source }
gave-up = Press OK to try again, or choose another channel
lineup-fix = Check the playlist and start Prism again
