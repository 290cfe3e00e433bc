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
locked-programmes = Locked (the PIN shows what is on)
playing-marker = (playing)
guide-title = TV guide
search-prompt = Search: { $query }
programme-search = Search programmes: { $query }
no-programmes = No programme matches
programme-search-keys = OK: watch or remind  ·  Ctrl+R: record  ·  Esc: close

## Zap banner
banner-now = Now  { $start }-{ $stop }  { $title }
banner-next = Next { $start }  { $title }

## Programme details (I)
rating = Rated { $rating }

## Radio: the card of a channel with sound and no picture
radio-label = Radio
radio-now = Now playing  { $start }-{ $stop }  { $title }

## Volume and status
volume = Volume { $percent }%  { $bar }
muted = Muted
paused = Paused
subtitles-on = Subtitles on
tracks-title = Sound and subtitles
group-hidden = { $group } (hidden: H shows it)
mapping-title = Guide for { $channel }
mapping-now = Now from { $guide }, { $pass }
pass-manual = your choice
pass-id = matched by its tvg-id
pass-id-folded = matched by its tvg-id (case and punctuation aside)
pass-tvg-name = matched by its tvg-name
pass-name = matched by its name
mapping-none = No guide channel matched it.
mapping-search = Search the guide: { $query }
mapping-no-hits = No guide channel has those words.
mapping-automatic = Automatic matching
mapping-automatic-again = Automatic matching (forget my choice)
mapping-hint = Type to search   Up/Down choose   Enter use it   Esc back
tracks-sound = Sound
tracks-subtitles = Subtitles
tracks-no-sound = None told by the stream yet.
tracks-no-subtitles = No subtitle tracks.
tracks-show-subtitles = Show subtitles and captions
tracks-hint = Up/Down choose   OK select   A or Esc close
subtitles-off = Subtitles off
buffering = Buffering { $percent }%
connecting = Connecting to { $channel }...
lineup-failed = Could not load the channels: { $error }
    { $next }

## Loading channels and guides
loading-demo = Preparing the demo channels...
encoding-demo = Making the demo channels (first start only): { $done } of { $count } ready
encoding-first-demo = Making the first of { $count } demo channels (first start only, a second or two)...
loading-playlist = Downloading the channel list...
loading-guide = Downloading TV guide { $number } of { $count }...
loading-xtream-login = Signing in to { $server }...
progress-bytes = { $done } of { $total } MB
progress-bytes-unknown = { $done } MB
loading-line = { $stage }  { $bytes }  ({ $seconds } s)
refreshing = Updating channels: { $line }
lineup-summary = { $channels ->
        [one] 1 channel
       *[other] { $channels } channels
    }, { $guided ->
        [0] no guide
       *[other] guide for { $guided }
    }, from { $source }
refresh-failed = Could not update the channels: { $error }
    Still showing the ones loaded before.

## Playback problems: what failed, then what Prism does next
playback-failed = { $channel }: { $message }
    { $next }
retrying = Retrying in { $seconds } s (attempt { $attempt })
trying-backup = Trying backup stream { $source }
gave-up = Press OK to try again, or choose another channel
lineup-fix = Press S to open the settings and choose where channels come from

## Settings screen
settings-title = Settings
setting-source = Channels from
source-demo = Demo channels (built in)
source-playlist = Playlist (M3U file or URL)
source-xtream = Xtream Codes login
setting-playlist = Playlist file or URL
setting-server = Server
setting-username = Username
setting-password = Password
setting-guides = TV guides (XMLTV)
setting-refresh = Refresh channels
refresh-never = Only when Prism starts
refresh-hours = Every { $hours } hours
load-channels = Load channels
empty-field = (empty: press OK to type)
need-playlist = Type a playlist file or URL first
need-xtream = Fill in server, username and password first
no-such-file = No such file: { $path }
load-failed = Could not load these channels: { $error }
    Nothing was changed; the channels from before are still on.
settings-hint = Up/Down choose   Left/Right change   OK edit   Back close
settings-hint-editing = Type, then OK to finish   Delete clears   Back undoes the change

## Lumen, the mascot
tiles-no-pip = There's no picture-in-picture on.
tiles-no-multiview = Multi-view isn't on.
tiles-nothing-playing = Nothing is playing yet.
tiles-one-channel = There's only one channel here.
layout-no-file = There's no layout file: write one at { $file }.
tiles-failed = Could not show several channels: { $why }
ack-layout = { $name }.
ack-pictures = { $count ->
    [one] One picture.
    [2] Two pictures: the one you watched before is in the corner.
   *[other] { $count } channels at once.
}
broadcast-streaming = Live: streaming to { $target }
broadcast-recording = Recording the screen to { $target }
broadcast-ended = Off air after { $time }
broadcast-not-streaming = Not streaming.
broadcast-not-recording = The screen isn't being recorded.
broadcast-no-window = There is no window to broadcast.
broadcast-reconnecting = Stream lost: { $why }. Trying again in { $seconds } s.
broadcast-failed = Broadcast stopped: { $why }
broadcast-label-live = LIVE
broadcast-label-rec = REC
broadcast-label-reconnecting = RECONNECTING
ack-broadcast-stream = We're live.
ack-broadcast-file = Recording the show, with me in it.
ack-broadcast-off = { $minutes ->
    [0] Stopped.
    [one] Stopped after a minute.
   *[other] Stopped after { $minutes } minutes.
}
layout-now = Layout: { $name }
setting-language = Language
language-system = The system's
language-voice-stays = Lumen speaks English (no voice for this language is installed).
welcome-title = Welcome to Prism
welcome-demo = These are Prism's demo channels, made on this computer. Here is what the keys do:
welcome-zap = change channel
welcome-list = the channel list
welcome-guide = the TV guide
welcome-volume = louder, quieter, mute
welcome-talk = hold it and talk to Lumen ("put on the news", "what's on next?")
welcome-settings = settings
welcome-fullscreen = full screen
welcome-playlist = Your own channels: add a playlist file or URL, or an Xtream login, in the settings.
welcome-voice-ready = Lumen's voice models are installed: she is listening when you hold V.
welcome-voice-off = Voice is off until its models are installed: Settings → Voice and chat → Voice models, or run `prism models install`.
welcome-hint = OK: add your playlist now   ·   Back: start watching
open-title = Add these channels?
open-explain = They are added to your sources. The channel on now keeps playing while they load, and if they do not.
open-hint = OK: add   ·   Back: not now
open-loading = Loading { $source }…
settings-problems = Parts of settings.toml could not be read; the rest is in use. The file stays as you wrote it (a copy is kept as settings.toml.broken when settings change):
settings-used = line { $line }, { $key }: { $message }. Using { $used }.
settings-unset = line { $line }, { $key }: { $message }. Left unset.
settings-syntax = line { $line } is not TOML ({ $message }) and was skipped.
settings-unknown = line { $line }: "{ $key }" is not a setting Prism knows; ignored.
settings-problems-more = …and { $count } more in the log.
layout-bad = { $file }: { $error }
layout-image-bad = The layout's picture { $file } could not be shown: { $error }
layout-unknown = there is no layout "{ $id }"
layout-kept = { $why }. Keeping { $name }.
lumen-refused = Could not use that avatar: { $error }
    ({ $keeps })
lumen-keeping = keeping { $name }
lumen-stand-in = showing Lumen instead
lumen-clip-refused = Could not play that animation: { $error }
setting-avatar = Mascot avatar (a VRM file)
avatar-lumen = Lumen, Prism's own (OK to type a file)

## Voice and chat settings
voice-page = Voice and chat  >
playback-page = Picture and sound  >
playback-settings-title = Picture and sound
channels-page = <  Channels and guide
companion-page = Companion  >
companion-settings-title = Lumen, companion mode and subtitles
setting-companion = Lumen watches with you (C)
setting-chattiness = She talks
chattiness-off = Never (silent reactions)
chattiness-reactions = Only when something happens
chattiness-chatty = Now and then
setting-cooldown = Between remarks, at least
cooldown-seconds = { $seconds } seconds
setting-subtitles = Subtitles (T)
setting-audio-language = Sound language
setting-more-playlists = More sources: playlists or Xtream links, merged in
setting-picture-size = Picture size
picture-best = Best the channel has
picture-lines = Up to { $lines } lines
setting-data-saver = Data saver (1.5 Mbit/s)
setting-behind-live = Start behind live
setting-timeshift = Pause and rewind live TV
buffer-hours = { $hours ->
    [one] The last hour
   *[other] The last { $hours } hours
}
buffer-minutes = The last { $minutes } minutes
setting-reminder-switches = Reminders switch channel by themselves
setting-record-early = Recordings from the guide start early by
setting-record-late = ...and end late by
padding-minutes = { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    }
behind-live-edge = At the live edge
setting-subtitle-language = Subtitle language
language-stream = The channel's own
switch-on = On
switch-off = Off
voice-settings-title = Voice and chat
setting-whisper = Speech recognition model (larger hears better, answers slower)
setting-stt-threads = Speech recognition threads
threads-auto = Automatic
setting-chat = Lumen thinks with
chat-local = the local model, on this computer
chat-server = an OpenAI-compatible server
setting-llm-file = Local model (a GGUF file)
llm-file-default = SmolLM2-135M-Instruct, the default (OK to type a file)
setting-endpoint = Server address (Ollama, llama.cpp server, vLLM)
setting-server-model = Server model
setting-api-key = API key
setting-stream-server = Stream server (F9)
setting-stream-key = Stream key
setting-stream-size = Stream size
api-key-none = none (OK to type one)
setting-models = Voice models
# Voice: the microphone indicator and what Lumen says about herself.
voice-off = Voice commands are off.
voice-commands-off = Voice commands are off: { $why }
chat-off = Chat is off: { $why }
lumen-voice-off = Lumen's voice is off: { $why }
voice-restarting = Restarting { $what }...
worker-died = { $message }. Restarting in { $seconds } s.
worker-back = { $what } is back.
voice-heard-nothing = I didn't hear anything. Hold V while you speak.
voice-not-caught = I didn't catch that.
not-a-command-chat-off = "{ $text }" isn't a TV command, and chat is off.
voice-listening = Listening...
voice-waking = Lumen is waking up...
voice-thinking = { $heard } Thinking...
# What Lumen says when the model has given nothing yet, so the wait is not silence.
voice-thinking-aloud = Hmm.
voice-try-again = { $error }. Try again in a moment.
# What Lumen says after a spoken command, from what the TV did.
ack-channel-numbered = Channel { $number }, { $name }.
ack-channel = { $name }.
ack-no-channel-number = There's no channel { $number } here.
ack-no-previous = There's no channel to go back to.
ack-no-channel = I couldn't find that channel.
ack-programme = { $title }, on { $channel }.
ack-nothing-on = Nothing with { $what } is on right now.
ack-louder = Louder.
ack-quieter = Quieter.
ack-volume = Volume { $percent }.
ack-muted = Muted.
ack-unmuted = Sound's back.
ack-guide = Here's the guide.
ack-subtitles-on = Subtitles on.
ack-subtitles-off = Subtitles off.
ack-audio-track = Sound: { $track }.
ack-subtitle-track = Subtitles: { $track }.
ack-no-audio-track = This channel has no { $language } sound.
ack-no-subtitle-track = This channel has no { $language } subtitles.
ack-favourite-added = Added { $name } to your favourites.
ack-favourite-already = { $name } is already a favourite.
ack-favourite-removed = Removed { $name } from your favourites.
ack-favourite-not = { $name } isn't one of your favourites.
ack-on-now = On now: { $title }.
ack-on-channel-now = On { $channel } now: { $title }.
ack-on-next = Next on { $channel }: { $title }, { $when }.
ack-channel-missing = You don't have { $channel } in this lineup.
ack-guide-empty = The guide has nothing for { $channel } then.
ack-when-now = { $title } is on { $channel } now.
ack-when = { $title } is on { $channel } { $when }.
ack-when-none = I can't find { $title } in the guide.
ack-reminder-set = I'll remind you: { $title } on { $channel } { $when }.
ack-reminder-off = The reminder for { $title } is off.
ack-reminder-none = I can't find { $title } still to come in the guide.
ack-reminder-started = That programme has started: no reminder needed.
reminder-soon = Reminder: { $title } starts in a minute on { $channel }.
reminder-now = Reminder: { $title } is starting on { $channel }.
reminder-now-ok = Reminder: { $title } is starting on { $channel }. OK to watch.
reminder-now-stay = Reminder: { $title } is starting now on { $channel }.
reminder-mark = Reminder set
catchup-playing = From the archive: { $title } ({ $time }). Back for live.
no-programme-now = The guide has nothing on now to start over.
no-programme-then = The guide has no programme there.
ack-catchup = { $title }, from the start.
at-time = at { $time }
tomorrow-at = tomorrow at { $time }
day-at = on { $day } at { $time }
ack-live = Live.
ack-behind-live = { $time } behind live.
ack-seek-to = At { $time }.
timeshift-off = Pausing and rewinding live TV is off (Settings, Streams).
timeshift-nothing = Nothing is playing to pause or rewind.
timeshift-unavailable = This channel can't be rewound: its stream is not one Prism can buffer.
timebar-live = LIVE
timebar-behind = { $time } behind live
timebar-paused = Paused
timebar-buffer = { $time } buffered
timebar-archive = { $position } of { $length }
record-nothing = Nothing live is playing to record.
record-none = Nothing is being recorded.
record-saved = Recording saved ({ $time }): { $path }
record-failed = The recording failed: { $why }
record-interrupted = A recording was cut short when Prism last stopped; it plays up to that point: { $path }
ack-recording = Recording.
ack-recording-already = Already recording.
ack-recording-stopped = Recording stopped after { $time }.
rec-badge = REC { $time }
rec-timer = REC { $title }
rec-timers = REC { $title } +{ $more }
rec-saving = Saving the recording…
missed = { $minutes ->
    [one] In that minute: { $said }
   *[other] In those { $minutes } minutes: { $said }
}
missed-no-captions = This channel's captions aren't in the buffer, so I can't tell what was said in those { $minutes } minutes.
missed-show-me = Say "show me" to see it.
moment-none = There's no moment to go back to: ask what you missed first.
missed-nothing = You haven't missed anything: you're watching live.
replay-failed = { $title } could not play ({ $why }); back to live.
recording-missing = There's no recording called { $name }.
ack-replaying = Playing { $name }.
recordings-title = Recordings
recordings-none = Nothing recorded yet. R records the channel you are watching, or a programme in the guide.
recordings-hint = OK plays · Delete removes · Back closes
recordings-hint-timer = Delete cancels the recording · Back closes
recordings-confirm = Delete { $name }? OK deletes it, Back keeps it.
recordings-recording = recording now
recordings-cut = cut short
# Companion mode.
companion-quiet = Okay, I'll keep quiet.
sources-page = Sources: { $on } of { $total } on  >
sources-settings-title = Sources
source-channels = On · { $channels ->
    [one] 1 channel
   *[other] { $channels } channels
}
source-failed = On · did not load: { $error }
every-source-off = Every source is switched off (Settings › Sources).
ack-locked = That channel is locked. Enter the PIN.
group-locked = { $group } (locked: P)
pin-title = Locked channel
pin-enter = Enter the PIN to watch { $channel }.
pin-choose = Choose a PIN (4 to 8 digits) for locked channels.
pin-unlock-group = Enter the PIN to unlock groups.
pin-wrong = Wrong PIN. Try again.
pin-invalid = A PIN is 4 to 8 digits.
pin-hint = Digits, then OK  ·  Back to cancel
timer-last-connection = While it records, every connection your provider allows ({ $limit ->
        [one] one connection
       *[other] { $limit } connections
    }) is in use: only the channels being recorded can be watched.
timer-over = { $title } is over: there is nothing left to record.
timer-already = { $title } is set to record already.
timer-connections = { $title } can't be recorded: your provider allows { $limit ->
        [one] one connection
       *[other] { $limit } connections
    } at once, and { $with } would be recording then.
timer-no-channel = { $channel } is no longer in your channel list.
timer-switched = Switched to { $channel } to record it: your provider allows { $limit ->
        [one] one connection
       *[other] { $limit } connections
    } at once.
timer-started = Recording { $title } on { $channel }.
timer-done = Recorded { $title } ({ $time }).
timer-failed = Recording { $title } failed: { $why }
timer-missed = { $title } was not recorded: Prism was closed while it was on.
timer-interrupted = Recording { $title } was cut short when Prism stopped.
timer-mark = Set to record
ack-timer-set = I'll record { $title } on { $channel } { $when }.
ack-timer-off = { $title } won't be recorded.
ack-timer-none = I couldn't find { $title } in the guide to record.
recordings-cancel = Cancel the recording of { $name }? OK cancels it, Back keeps it.
missed-offer = You skipped { $minutes ->
        [one] a minute
       *[other] { $minutes } minutes
    }. Ask me what you missed.
away-started = You were away from { $channel } for { $minutes ->
        [one] a minute
       *[other] { $minutes } minutes
    }: { $ended } ended, and { $started } started at { $time }.
away-still-on = You were away from { $channel } for { $minutes ->
        [one] a minute
       *[other] { $minutes } minutes
    }; { $title } is still on.
away-start-over = Say "start over" to watch it from the beginning.
behind-offer = You're { $minutes ->
        [one] a minute
       *[other] { $minutes } minutes
    } behind live. Ask me what you missed, or say "go live".
pair-panel = Phone remote: scan the code, or open { $url } on your phone and enter
pair-done = A phone is paired: it can control Prism now.
pair-no-code = There is no pairing code on the TV: ask for one, then try again.
pair-wrong-code = That is not the code on the TV.
pair-lan-plain = Remote control from other devices is on. The link is not encrypted: use it only on a network you trust.
remote-page = Remote & broadcast  >
remote-settings-title = Remote control and broadcasting
setting-remote-lan = From other devices on the network
remote-lan-on = On (not encrypted)
pair-phone = Pair a phone (shows a code on the TV)
new-token = New token (phones and agents pair again)
new-token-done = A new token is in use: phones and agents paired before must pair again.
