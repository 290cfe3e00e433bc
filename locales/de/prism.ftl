# Prism auf Deutsch (Fluent). Jede ID aus en-US/prism.ftl steht hier; fehlt eine, gilt Englisch.
app-name = Prism
demo-lineup-title = Demo-Sender

## Guide: channel list and grid
filter-all = Alle Sender
filter-favourites = Favoriten
filter-recent = Zuletzt gesehen
no-favourites = Noch keine Favoriten: F auf einem Sender drücken
no-channels = Keine Sender
no-recent = Noch nichts gesehen
nothing-scheduled = Keine Programminformationen
locked-programmes = Gesperrt (mit der PIN sichtbar)
playing-marker = (läuft)
guide-title = TV-Programm
search-prompt = Suche: { $query }
programme-search = Sendungen suchen: { $query }
no-programmes = Keine Sendung passt
programme-search-keys = OK: ansehen oder erinnern  ·  Strg+R: aufnehmen  ·  Esc: schließen

## Zap banner
banner-now = Jetzt  { $start }-{ $stop }  { $title }
banner-next = Danach { $start }  { $title }

## Programme details (I)
rating = Freigegeben ab { $rating }

## Radio: the card of a channel with sound and no picture
radio-label = Radio
radio-now = Es läuft  { $start }-{ $stop }  { $title }

## Volume and status
volume = Lautstärke { $percent } %  { $bar }
muted = Stumm
paused = Pausiert
subtitles-on = Untertitel an
tracks-title = Ton und Untertitel
group-hidden = { $group } (ausgeblendet: H zeigt sie)
mapping-title = Programm für { $channel }
mapping-now = Jetzt von { $guide }, { $pass }
pass-manual = deine Wahl
pass-id = über die tvg-id zugeordnet
pass-id-folded = über die tvg-id zugeordnet (ohne Groß-/Kleinschreibung und Satzzeichen)
pass-tvg-name = über den tvg-name zugeordnet
pass-name = über den Namen zugeordnet
mapping-none = Kein Programmsender passt dazu.
mapping-search = Im Programm suchen: { $query }
mapping-no-hits = Kein Programmsender enthält diese Wörter.
mapping-automatic = Automatisch zuordnen
mapping-automatic-again = Automatisch zuordnen (meine Wahl vergessen)
mapping-hint = Tippen zum Suchen   Auf/Ab wählen   Enter übernehmen   Esc zurück
tracks-sound = Ton
tracks-subtitles = Untertitel
tracks-no-sound = Der Stream hat noch keine genannt.
tracks-no-subtitles = Keine Untertitelspuren.
tracks-show-subtitles = Untertitel und Einblendungen zeigen
tracks-hint = Auf/Ab wählen   OK übernehmen   A oder Esc schließen
subtitles-off = Untertitel aus
buffering = Puffern { $percent } %
connecting = Verbinde mit { $channel } …
lineup-failed = Die Sender konnten nicht geladen werden: { $error }
    { $next }

## Loading channels and guides
loading-demo = Die Demo-Sender werden vorbereitet …
encoding-demo = Die Demo-Sender entstehen (nur beim ersten Start): { $done } von { $count } fertig
encoding-first-demo = Der erste von { $count } Demo-Sendern entsteht (nur beim ersten Start, ein, zwei Sekunden) …
loading-playlist = Die Senderliste wird geladen …
loading-guide = TV-Programm { $number } von { $count } wird geladen …
loading-xtream-login = Anmeldung bei { $server } …
progress-bytes = { $done } von { $total } MB
progress-bytes-unknown = { $done } MB
loading-line = { $stage }  { $bytes }  ({ $seconds } s)
refreshing = Sender werden aktualisiert: { $line }
lineup-summary = { $channels ->
        [one] 1 Sender
       *[other] { $channels } Sender
    }, { $guided ->
        [0] kein Programm
       *[other] Programm für { $guided }
    }, aus { $source }
refresh-failed = Die Sender konnten nicht aktualisiert werden: { $error }
    Die zuvor geladenen bleiben.

## Playback problems: what failed, then what Prism does next
playback-failed = { $channel }: { $message }
    { $next }
retrying = Neuer Versuch in { $seconds } s (Versuch { $attempt })
trying-backup = Ersatz-Stream { $source } wird versucht
gave-up = OK für einen neuen Versuch, oder einen anderen Sender wählen
lineup-fix = S öffnet die Einstellungen: dort wählst du, woher die Sender kommen

## Settings screen
settings-title = Einstellungen
setting-source = Sender aus
source-demo = Demo-Sender (eingebaut)
source-playlist = Playlist (M3U-Datei oder URL)
source-xtream = Xtream-Codes-Zugang
setting-playlist = Playlist-Datei oder URL
setting-server = Server
setting-username = Benutzername
setting-password = Passwort
setting-guides = TV-Programme (XMLTV)
setting-refresh = Sender aktualisieren
refresh-never = Nur beim Start von Prism
refresh-hours = Alle { $hours } Stunden
load-channels = Sender laden
empty-field = (leer: OK zum Tippen)
need-playlist = Zuerst eine Playlist-Datei oder URL eingeben
need-xtream = Zuerst Server, Benutzername und Passwort eingeben
no-such-file = Datei nicht gefunden: { $path }
load-failed = Diese Sender konnten nicht geladen werden: { $error }
    Nichts wurde geändert; die bisherigen Sender laufen weiter.
settings-hint = Auf/Ab wählen   Links/Rechts ändern   OK bearbeiten   Zurück schließen
settings-hint-editing = Tippen, dann OK   Entf leert   Zurück macht die Änderung rückgängig

## Lumen, the mascot
tiles-no-pip = Es ist kein Bild-im-Bild an.
tiles-no-multiview = Die Mehrfachansicht ist nicht an.
tiles-nothing-playing = Es läuft noch nichts.
tiles-one-channel = Hier gibt es nur einen Sender.
layout-no-file = Es gibt keine Layout-Datei: leg eine unter { $file } an.
tiles-failed = Mehrere Sender konnten nicht gezeigt werden: { $why }
ack-layout = { $name }.
ack-pictures = { $count ->
    [one] Ein Bild.
    [2] Zwei Bilder: der vorherige Sender ist in der Ecke.
   *[other] { $count } Sender auf einmal.
}
broadcast-streaming = Live: Stream an { $target }
broadcast-recording = Der Bildschirm wird aufgenommen: { $target }
broadcast-ended = Sendung beendet nach { $time }
broadcast-not-streaming = Es läuft kein Stream.
broadcast-not-recording = Der Bildschirm wird nicht aufgenommen.
broadcast-no-window = Es gibt kein Fenster zum Senden.
broadcast-reconnecting = Stream verloren: { $why }. Neuer Versuch in { $seconds } s.
broadcast-failed = Sendung abgebrochen: { $why }
broadcast-label-live = LIVE
broadcast-label-rec = REC
broadcast-label-reconnecting = NEU VERBINDEN
ack-broadcast-stream = Wir sind live.
ack-broadcast-file = Ich nehme die Sendung auf, mit mir darin.
ack-broadcast-off = { $minutes ->
    [0] Beendet.
    [one] Nach einer Minute beendet.
   *[other] Nach { $minutes } Minuten beendet.
}
layout-now = Layout: { $name }
setting-language = Sprache
language-system = Wie im System
language-voice-stays = Lumen spricht Englisch (keine Stimme für diese Sprache installiert).
welcome-title = Willkommen bei Prism
welcome-demo = Das sind die Demo-Sender von Prism, auf diesem Computer erzeugt. Das machen die Tasten:
welcome-zap = Sender wechseln
welcome-list = die Senderliste
welcome-guide = das TV-Programm
welcome-volume = lauter, leiser, stumm
welcome-talk = gedrückt halten und mit Lumen sprechen (auf Englisch: „put on the news“, „what's on next?“)
welcome-settings = Einstellungen
welcome-fullscreen = Vollbild
welcome-playlist = Eigene Sender: in den Einstellungen eine Playlist-Datei, eine URL oder einen Xtream-Zugang hinzufügen.
welcome-voice-ready = Lumens Sprachmodelle sind installiert: sie hört zu, solange du V hältst.
welcome-voice-off = Die Sprachsteuerung ist aus, bis ihre Modelle installiert sind: Einstellungen → Sprache und Chat → Sprachmodelle, oder `prism models install` ausführen.
welcome-hint = OK: jetzt eine Playlist hinzufügen   ·   Zurück: fernsehen
open-title = Diese Sender hinzufügen?
open-explain = Sie kommen zu deinen Quellen dazu. Der laufende Sender spielt weiter, während sie laden, und auch, wenn sie nicht laden.
open-hint = OK: hinzufügen   ·   Zurück: jetzt nicht
open-loading = { $source } wird geladen …
settings-problems = Teile von settings.toml waren nicht lesbar; der Rest gilt. Die Datei bleibt, wie du sie geschrieben hast (eine Kopie wird als settings.toml.broken aufbewahrt, sobald sich Einstellungen ändern):
settings-used = Zeile { $line }, { $key }: { $message }. Verwendet wird { $used }.
settings-unset = Zeile { $line }, { $key }: { $message }. Bleibt leer.
settings-syntax = Zeile { $line } ist kein TOML ({ $message }) und wurde übersprungen.
settings-unknown = Zeile { $line }: „{ $key }“ ist keine Einstellung, die Prism kennt; ignoriert.
settings-problems-more = … und { $count } weitere im Protokoll.
layout-bad = { $file }: { $error }
layout-image-bad = Das Bild { $file } des Layouts konnte nicht gezeigt werden: { $error }
layout-unknown = es gibt kein Layout „{ $id }“
layout-kept = { $why }. { $name } bleibt.
lumen-refused = Dieser Avatar ist nicht verwendbar: { $error }
    ({ $keeps })
lumen-keeping = { $name } bleibt
lumen-stand-in = stattdessen ist Lumen zu sehen
lumen-clip-refused = Diese Animation kann nicht abgespielt werden: { $error }
setting-avatar = Maskottchen-Avatar (eine VRM-Datei)
avatar-lumen = Lumen, Prisms eigene (OK, um eine Datei einzugeben)

## Voice and chat settings
voice-page = Sprache und Chat  >
playback-page = Bild und Ton  >
playback-settings-title = Bild und Ton
channels-page = <  Sender und Programm
companion-page = Begleiterin  >
companion-settings-title = Lumen, Begleitmodus und Untertitel
setting-companion = Lumen schaut mit (C)
setting-chattiness = Sie redet
chattiness-off = Nie (stille Reaktionen)
chattiness-reactions = Nur wenn etwas passiert
chattiness-chatty = Ab und zu
setting-cooldown = Zwischen Bemerkungen mindestens
cooldown-seconds = { $seconds } Sekunden
setting-subtitles = Untertitel (T)
setting-audio-language = Tonsprache
setting-more-playlists = Weitere Quellen: Playlists oder Xtream-Links, zusammengeführt
setting-picture-size = Bildgröße
picture-best = Das Beste, was der Sender hat
picture-lines = Bis zu { $lines } Zeilen
setting-data-saver = Datensparmodus (1,5 Mbit/s)
setting-behind-live = Hinter live beginnen
setting-timeshift = Live-TV anhalten und zurückspulen
buffer-hours = { $hours ->
    [one] Die letzte Stunde
   *[other] Die letzten { $hours } Stunden
}
buffer-minutes = Die letzten { $minutes } Minuten
setting-reminder-switches = Erinnerungen schalten selbst um
setting-record-early = Aufnahmen beginnen früher um
setting-record-late = … und enden später um
padding-minutes = { $minutes ->
        [one] 1 Minute
       *[other] { $minutes } Minuten
    }
behind-live-edge = Ganz live
setting-subtitle-language = Untertitelsprache
language-stream = Die des Senders
switch-on = An
switch-off = Aus
voice-settings-title = Sprache und Chat
setting-whisper = Spracherkennungsmodell (größer hört besser, antwortet langsamer)
setting-stt-threads = Threads der Spracherkennung
threads-auto = Automatisch
setting-chat = Lumen denkt mit
chat-local = dem lokalen Modell, auf diesem Computer
chat-server = einem OpenAI-kompatiblen Server
setting-llm-file = Lokales Modell (eine GGUF-Datei)
llm-file-default = SmolLM2-135M-Instruct, das Standardmodell (OK, um eine Datei einzugeben)
setting-endpoint = Serveradresse (Ollama, llama.cpp-Server, vLLM)
setting-server-model = Servermodell
setting-api-key = API-Schlüssel
setting-stream-server = Stream-Server (F9)
setting-stream-key = Stream-Schlüssel
setting-stream-size = Stream-Größe
api-key-none = keiner (OK, um einen einzugeben)
setting-models = Sprachmodelle
# Voice: the microphone indicator and what Lumen says about herself.
voice-off = Sprachbefehle sind aus.
voice-commands-off = Sprachbefehle sind aus: { $why }
chat-off = Der Chat ist aus: { $why }
lumen-voice-off = Lumens Stimme ist aus: { $why }
voice-restarting = { $what } wird neu gestartet …
worker-died = { $message }. Neustart in { $seconds } s.
worker-back = { $what } ist wieder da.
voice-heard-nothing = Ich habe nichts gehört. Halte V, während du sprichst.
voice-not-caught = Das habe ich nicht verstanden.
not-a-command-chat-off = „{ $text }“ ist kein TV-Befehl, und der Chat ist aus.
voice-listening = Ich höre zu …
voice-waking = Lumen wacht auf …
voice-thinking = { $heard } Ich denke nach …
# What Lumen says when the model has given nothing yet, so the wait is not silence.
voice-thinking-aloud = Hmm.
voice-try-again = { $error }. Gleich noch einmal versuchen.
# What Lumen says after a spoken command, from what the TV did.
ack-channel-numbered = Sender { $number }, { $name }.
ack-channel = { $name }.
ack-no-channel-number = Hier gibt es keinen Sender { $number }.
ack-no-previous = Es gibt keinen vorherigen Sender.
ack-no-channel = Diesen Sender habe ich nicht gefunden.
ack-programme = { $title }, auf { $channel }.
ack-nothing-on = Gerade läuft nichts mit { $what }.
ack-louder = Lauter.
ack-quieter = Leiser.
ack-volume = Lautstärke { $percent }.
ack-muted = Stumm.
ack-unmuted = Der Ton ist zurück.
ack-guide = Hier ist das Programm.
ack-subtitles-on = Untertitel an.
ack-subtitles-off = Untertitel aus.
ack-audio-track = Ton: { $track }.
ack-subtitle-track = Untertitel: { $track }.
ack-no-audio-track = Dieser Sender hat keinen Ton auf { $language }.
ack-no-subtitle-track = Dieser Sender hat keine Untertitel auf { $language }.
ack-favourite-added = { $name } ist jetzt ein Favorit.
ack-favourite-already = { $name } ist schon ein Favorit.
ack-favourite-removed = { $name } ist kein Favorit mehr.
ack-favourite-not = { $name } ist keiner deiner Favoriten.
ack-on-now = Jetzt läuft: { $title }.
ack-on-channel-now = Jetzt auf { $channel }: { $title }.
ack-on-next = Danach auf { $channel }: { $title }, { $when }.
ack-channel-missing = { $channel } ist nicht in deiner Senderliste.
ack-guide-empty = Das Programm hat für { $channel } zu der Zeit nichts.
ack-when-now = { $title } läuft jetzt auf { $channel }.
ack-when = { $title } läuft auf { $channel } { $when }.
ack-when-none = Ich finde { $title } nicht im Programm.
ack-reminder-set = Ich erinnere dich: { $title } auf { $channel } { $when }.
ack-reminder-off = Die Erinnerung an { $title } ist aus.
ack-reminder-none = Ich finde { $title } nicht mehr im kommenden Programm.
ack-reminder-started = Die Sendung hat schon begonnen: keine Erinnerung nötig.
reminder-soon = Erinnerung: { $title } beginnt in einer Minute auf { $channel }.
reminder-now = Erinnerung: { $title } beginnt auf { $channel }.
reminder-now-ok = Erinnerung: { $title } beginnt auf { $channel }. OK zum Ansehen.
reminder-now-stay = Erinnerung: { $title } beginnt jetzt auf { $channel }.
reminder-mark = Erinnerung gesetzt
catchup-playing = Aus dem Archiv: { $title } ({ $time }). Zurück für live.
no-programme-now = Das Programm hat jetzt nichts, das von vorn beginnen könnte.
no-programme-then = Das Programm hat dort keine Sendung.
ack-catchup = { $title }, von Anfang an.
at-time = um { $time }
tomorrow-at = morgen um { $time }
day-at = am { $day } um { $time }
ack-live = Live.
ack-behind-live = { $time } hinter live.
ack-seek-to = Bei { $time }.
timeshift-off = Anhalten und Zurückspulen von Live-TV ist aus (Einstellungen, Streams).
timeshift-nothing = Es läuft nichts zum Anhalten oder Zurückspulen.
timeshift-unavailable = Dieser Sender lässt sich nicht zurückspulen: Prism kann seinen Stream nicht puffern.
timebar-live = LIVE
timebar-behind = { $time } hinter live
timebar-paused = Pausiert
timebar-buffer = { $time } gepuffert
timebar-archive = { $position } von { $length }
record-nothing = Es läuft nichts live zum Aufnehmen.
record-none = Es wird nichts aufgenommen.
record-saved = Aufnahme gespeichert ({ $time }): { $path }
record-failed = Die Aufnahme ist fehlgeschlagen: { $why }
record-interrupted = Eine Aufnahme wurde beim letzten Beenden von Prism abgebrochen; sie läuft bis zu dieser Stelle: { $path }
ack-recording = Aufnahme läuft.
ack-recording-already = Die Aufnahme läuft schon.
ack-recording-stopped = Aufnahme nach { $time } beendet.
rec-badge = REC { $time }
rec-timer = REC { $title }
rec-timers = REC { $title } +{ $more }
rec-saving = Die Aufnahme wird gespeichert …
missed = { $minutes ->
    [one] In dieser Minute: { $said }
   *[other] In diesen { $minutes } Minuten: { $said }
}
missed-no-captions = Die Untertitel dieses Senders sind nicht im Puffer, deshalb weiß ich nicht, was in diesen { $minutes } Minuten gesagt wurde.
missed-show-me = Sag „show me“, um es zu sehen.
moment-none = Es gibt keinen Moment zum Zurückgehen: frag erst, was du verpasst hast.
missed-nothing = Du hast nichts verpasst: du schaust live.
replay-failed = { $title } konnte nicht abgespielt werden ({ $why }); zurück zu live.
recording-missing = Es gibt keine Aufnahme namens { $name }.
ack-replaying = { $name } wird abgespielt.
recordings-title = Aufnahmen
recordings-none = Noch nichts aufgenommen. R nimmt den laufenden Sender auf, oder eine Sendung im Programm.
recordings-hint = OK spielt ab · Entf löscht · Zurück schließt
recordings-hint-timer = Entf bricht die Aufnahme ab · Zurück schließt
recordings-confirm = { $name } löschen? OK löscht, Zurück behält.
recordings-recording = wird aufgenommen
recordings-cut = abgebrochen
# Companion mode.
companion-quiet = Gut, ich bin still.
sources-page = Quellen: { $on } von { $total } an  >
sources-settings-title = Quellen
source-channels = An · { $channels ->
    [one] 1 Sender
   *[other] { $channels } Sender
}
source-failed = An · nicht geladen: { $error }
every-source-off = Alle Quellen sind ausgeschaltet (Einstellungen › Quellen).
ack-locked = Dieser Sender ist gesperrt. Gib die PIN ein.
group-locked = { $group } (gesperrt: P)
pin-title = Gesperrter Sender
pin-enter = PIN eingeben, um { $channel } zu sehen.
pin-choose = Wähle eine PIN (4 bis 8 Ziffern) für gesperrte Sender.
pin-unlock-group = PIN eingeben, um Gruppen zu entsperren.
pin-wrong = Falsche PIN. Noch einmal.
pin-invalid = Eine PIN hat 4 bis 8 Ziffern.
pin-hint = Ziffern, dann OK  ·  Zurück bricht ab
timer-last-connection = Während der Aufnahme ist jede Verbindung belegt, die dein Anbieter erlaubt ({ $limit ->
        [one] eine Verbindung
       *[other] { $limit } Verbindungen
    }): nur die aufgenommenen Sender sind zu sehen.
timer-over = { $title } ist vorbei: es gibt nichts mehr aufzunehmen.
timer-already = { $title } wird schon aufgenommen.
timer-connections = { $title } kann nicht aufgenommen werden: dein Anbieter erlaubt { $limit ->
        [one] eine Verbindung
       *[other] { $limit } Verbindungen
    } gleichzeitig, und { $with } würde dann aufgenommen.
timer-no-channel = { $channel } ist nicht mehr in deiner Senderliste.
timer-switched = Zu { $channel } umgeschaltet, um aufzunehmen: dein Anbieter erlaubt { $limit ->
        [one] eine Verbindung
       *[other] { $limit } Verbindungen
    } gleichzeitig.
timer-started = { $title } auf { $channel } wird aufgenommen.
timer-done = { $title } aufgenommen ({ $time }).
timer-failed = Die Aufnahme von { $title } ist fehlgeschlagen: { $why }
timer-missed = { $title } wurde nicht aufgenommen: Prism war während der Sendung geschlossen.
timer-interrupted = Die Aufnahme von { $title } wurde beim Beenden von Prism abgebrochen.
timer-mark = Aufnahme geplant
ack-timer-set = Ich nehme { $title } auf { $channel } { $when } auf.
ack-timer-off = { $title } wird nicht aufgenommen.
ack-timer-none = Ich finde { $title } nicht im Programm zum Aufnehmen.
recordings-cancel = Aufnahme von { $name } abbrechen? OK bricht ab, Zurück behält sie.
missed-offer = Du hast { $minutes ->
        [one] eine Minute
       *[other] { $minutes } Minuten
    } übersprungen. Frag mich, was du verpasst hast.
away-started = Du warst { $minutes ->
        [one] eine Minute
       *[other] { $minutes } Minuten
    } weg von { $channel }: { $ended } ist zu Ende, und { $started } hat um { $time } begonnen.
away-still-on = Du warst { $minutes ->
        [one] eine Minute
       *[other] { $minutes } Minuten
    } weg von { $channel }; { $title } läuft noch.
away-start-over = Sag „start over“, um es von Anfang an zu sehen.
behind-offer = Du bist { $minutes ->
        [one] eine Minute
       *[other] { $minutes } Minuten
    } hinter live. Frag mich, was du verpasst hast, oder sag „go live“.
pair-panel = Handy-Fernbedienung: Code scannen, oder { $url } auf dem Handy öffnen und eingeben
pair-done = Ein Handy ist gekoppelt: es kann Prism jetzt steuern.
pair-no-code = Auf dem Fernseher ist kein Kopplungscode: erst einen anfordern, dann noch einmal.
pair-wrong-code = Das ist nicht der Code auf dem Fernseher.
pair-lan-plain = Die Fernsteuerung von anderen Geräten ist an. Die Verbindung ist nicht verschlüsselt: nur in einem Netz nutzen, dem du vertraust.
remote-page = Fernbedienung und Senden  >
remote-settings-title = Fernsteuerung und Senden
setting-remote-lan = Von anderen Geräten im Netz
remote-lan-on = An (nicht verschlüsselt)
pair-phone = Ein Handy koppeln (zeigt einen Code auf dem Fernseher)
new-token = Neues Token (Handys und Agenten koppeln neu)
new-token-done = Ein neues Token gilt: zuvor gekoppelte Handys und Agenten müssen neu koppeln.
