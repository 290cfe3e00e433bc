# Prism en español (Fluent). Cada ID de en-US/prism.ftl está aquí; si falta alguna, vale el inglés.
app-name = Prism
demo-lineup-title = Canales de demostración

## Guide: channel list and grid
filter-all = Todos los canales
filter-favourites = Favoritos
filter-recent = Vistos hace poco
no-favourites = Aún no hay favoritos: pulsa F en un canal
no-channels = No hay canales
no-recent = Aún no has visto nada
nothing-scheduled = Sin información de la guía
locked-programmes = Bloqueado (el PIN muestra qué hay)
playing-marker = (en curso)
guide-title = Guía de TV
search-prompt = Buscar: { $query }
programme-search = Buscar programas: { $query }
no-programmes = Ningún programa coincide
programme-search-keys = OK: ver o recordar  ·  Ctrl+R: grabar  ·  Esc: cerrar

## Zap banner
banner-now = Ahora  { $start }-{ $stop }  { $title }
banner-next = Después { $start }  { $title }

## Programme details (I)
rating = Calificación { $rating }

## Radio: the card of a channel with sound and no picture
radio-label = Radio
radio-now = Suena ahora  { $start }-{ $stop }  { $title }

## Volume and status
volume = Volumen { $percent } %  { $bar }
muted = Silenciado
paused = En pausa
subtitles-on = Subtítulos activados
tracks-title = Sonido y subtítulos
group-hidden = { $group } (oculto: H lo muestra)
mapping-title = Guía de { $channel }
mapping-now = Ahora de { $guide }, { $pass }
pass-manual = tu elección
pass-id = por su tvg-id
pass-id-folded = por su tvg-id (sin contar mayúsculas ni puntuación)
pass-tvg-name = por su tvg-name
pass-name = por su nombre
mapping-none = Ningún canal de la guía coincide.
mapping-search = Buscar en la guía: { $query }
mapping-no-hits = Ningún canal de la guía tiene esas palabras.
mapping-automatic = Asignación automática
mapping-automatic-again = Asignación automática (olvidar mi elección)
mapping-hint = Escribe para buscar   Arriba/Abajo elegir   Enter usar   Esc volver
tracks-sound = Sonido
tracks-subtitles = Subtítulos
tracks-no-sound = El stream aún no ha indicado ninguno.
tracks-no-subtitles = No hay pistas de subtítulos.
tracks-show-subtitles = Mostrar subtítulos
tracks-hint = Arriba/Abajo elegir   OK seleccionar   A o Esc cerrar
subtitles-off = Subtítulos desactivados
buffering = Cargando { $percent } %
connecting = Conectando con { $channel }…
lineup-failed = No se pudieron cargar los canales: { $error }
    { $next }

## Loading channels and guides
loading-demo = Preparando los canales de demostración…
encoding-demo = Creando los canales de demostración (solo la primera vez): { $done } de { $count } listos
encoding-first-demo = Creando el primero de { $count } canales de demostración (solo la primera vez, uno o dos segundos)…
loading-playlist = Descargando la lista de canales…
loading-guide = Descargando la guía { $number } de { $count }…
loading-xtream-login = Iniciando sesión en { $server }…
progress-bytes = { $done } de { $total } MB
progress-bytes-unknown = { $done } MB
loading-line = { $stage }  { $bytes }  ({ $seconds } s)
refreshing = Actualizando canales: { $line }
lineup-summary = { $channels ->
        [one] 1 canal
       *[other] { $channels } canales
    }, { $guided ->
        [0] sin guía
       *[other] guía para { $guided }
    }, de { $source }
refresh-failed = No se pudieron actualizar los canales: { $error }
    Siguen los que ya estaban cargados.

## Playback problems: what failed, then what Prism does next
playback-failed = { $channel }: { $message }
    { $next }
retrying = Nuevo intento en { $seconds } s (intento { $attempt })
trying-backup = Probando el stream de reserva { $source }
gave-up = Pulsa OK para reintentar, o elige otro canal
lineup-fix = Pulsa S para abrir los ajustes y elegir de dónde vienen los canales

## Settings screen
settings-title = Ajustes
setting-source = Canales de
source-demo = Canales de demostración (incluidos)
source-playlist = Lista (archivo M3U o URL)
source-xtream = Cuenta Xtream Codes
setting-playlist = Archivo o URL de la lista
setting-server = Servidor
setting-username = Usuario
setting-password = Contraseña
setting-guides = Guías de TV (XMLTV)
setting-refresh = Actualizar canales
refresh-never = Solo al abrir Prism
refresh-hours = Cada { $hours } horas
load-channels = Cargar canales
empty-field = (vacío: pulsa OK para escribir)
need-playlist = Primero escribe un archivo o una URL de lista
need-xtream = Primero completa servidor, usuario y contraseña
no-such-file = No existe el archivo: { $path }
load-failed = No se pudieron cargar estos canales: { $error }
    No se cambió nada; los canales de antes siguen.
settings-hint = Arriba/Abajo elegir   Izquierda/Derecha cambiar   OK editar   Atrás cerrar
settings-hint-editing = Escribe y pulsa OK   Supr borra   Atrás deshace el cambio

## Lumen, the mascot
tiles-no-pip = No hay imagen en imagen.
tiles-no-multiview = La multivista no está activa.
tiles-nothing-playing = Aún no se reproduce nada.
tiles-one-channel = Aquí solo hay un canal.
layout-no-file = No hay archivo de diseño: crea uno en { $file }.
tiles-failed = No se pudieron mostrar varios canales: { $why }
ack-layout = { $name }.
ack-pictures = { $count ->
    [one] Una imagen.
    [2] Dos imágenes: el canal que veías antes está en la esquina.
   *[other] { $count } canales a la vez.
}
broadcast-streaming = En directo: emitiendo a { $target }
broadcast-recording = Grabando la pantalla en { $target }
broadcast-ended = Fuera del aire tras { $time }
broadcast-not-streaming = No se está emitiendo.
broadcast-not-recording = La pantalla no se está grabando.
broadcast-no-window = No hay ventana que emitir.
broadcast-reconnecting = Se perdió la emisión: { $why }. Nuevo intento en { $seconds } s.
broadcast-failed = Emisión detenida: { $why }
broadcast-label-live = EN VIVO
broadcast-label-rec = REC
broadcast-label-reconnecting = RECONECTANDO
ack-broadcast-stream = Estamos en directo.
ack-broadcast-file = Grabo el programa, conmigo dentro.
ack-broadcast-off = { $minutes ->
    [0] Detenido.
    [one] Detenido tras un minuto.
   *[other] Detenido tras { $minutes } minutos.
}
layout-now = Diseño: { $name }
setting-language = Idioma
language-system = El del sistema
language-voice-stays = Lumen habla inglés (no hay voz para este idioma).
welcome-title = Bienvenido a Prism
welcome-demo = Estos son los canales de demostración de Prism, creados en este ordenador. Esto hacen las teclas:
welcome-zap = cambiar de canal
welcome-list = la lista de canales
welcome-guide = la guía de TV
welcome-volume = más alto, más bajo, silencio
welcome-talk = mantenla pulsada y habla con Lumen (en inglés: «put on the news», «what's on next?»)
welcome-settings = ajustes
welcome-fullscreen = pantalla completa
welcome-playlist = Tus propios canales: añade un archivo o una URL de lista, o una cuenta Xtream, en los ajustes.
welcome-voice-ready = Los modelos de voz de Lumen están instalados: te escucha mientras mantienes V.
welcome-voice-off = La voz está desactivada hasta instalar sus modelos: Ajustes → Voz y chat → Modelos de voz, o ejecuta `prism models install`.
welcome-hint = OK: añadir tu lista ahora   ·   Atrás: empezar a ver
open-title = ¿Añadir estos canales?
open-explain = Se añaden a tus fuentes. El canal actual sigue mientras cargan, y también si no cargan.
open-hint = OK: añadir   ·   Atrás: ahora no
open-loading = Cargando { $source }…
settings-problems = Partes de settings.toml no se pudieron leer; el resto se usa. El archivo queda como lo escribiste (se guarda una copia como settings.toml.broken cuando cambien los ajustes):
settings-used = línea { $line }, { $key }: { $message }. Se usa { $used }.
settings-unset = línea { $line }, { $key }: { $message }. Queda sin valor.
settings-syntax = la línea { $line } no es TOML ({ $message }) y se omitió.
settings-unknown = línea { $line }: «{ $key }» no es un ajuste que Prism conozca; se ignora.
settings-problems-more = …y { $count } más en el registro.
layout-bad = { $file }: { $error }
layout-image-bad = No se pudo mostrar la imagen { $file } del diseño: { $error }
layout-unknown = no existe el diseño «{ $id }»
layout-kept = { $why }. Se mantiene { $name }.
lumen-refused = No se puede usar ese avatar: { $error }
    ({ $keeps })
lumen-keeping = se mantiene { $name }
lumen-stand-in = se muestra Lumen en su lugar
lumen-clip-refused = No se puede reproducir esa animación: { $error }
setting-avatar = Avatar de la mascota (un archivo VRM)
avatar-lumen = Lumen, la de Prism (OK para escribir un archivo)

## Voice and chat settings
voice-page = Voz y chat  >
playback-page = Imagen y sonido  >
playback-settings-title = Imagen y sonido
channels-page = <  Canales y guía
companion-page = Compañía  >
companion-settings-title = Lumen, modo compañía y subtítulos
setting-companion = Lumen ve la tele contigo (C)
setting-chattiness = Habla
chattiness-off = Nunca (reacciones en silencio)
chattiness-reactions = Solo cuando pasa algo
chattiness-chatty = De vez en cuando
setting-cooldown = Entre comentarios, al menos
cooldown-seconds = { $seconds } segundos
setting-subtitles = Subtítulos (T)
setting-audio-language = Idioma del sonido
setting-more-playlists = Más fuentes: listas o enlaces Xtream, combinados
setting-picture-size = Tamaño de imagen
picture-best = Lo mejor que tenga el canal
picture-lines = Hasta { $lines } líneas
setting-data-saver = Ahorro de datos (1,5 Mbit/s)
setting-behind-live = Empezar por detrás del directo
setting-timeshift = Pausar y rebobinar la TV en directo
buffer-hours = { $hours ->
    [one] La última hora
   *[other] Las últimas { $hours } horas
}
buffer-minutes = Los últimos { $minutes } minutos
setting-reminder-switches = Los recordatorios cambian de canal solos
setting-record-early = Las grabaciones de la guía empiezan antes en
setting-record-late = …y terminan después en
padding-minutes = { $minutes ->
        [one] 1 minuto
       *[other] { $minutes } minutos
    }
behind-live-edge = En pleno directo
setting-subtitle-language = Idioma de subtítulos
language-stream = El del canal
switch-on = Sí
switch-off = No
voice-settings-title = Voz y chat
setting-whisper = Modelo de reconocimiento de voz (más grande oye mejor, responde más lento)
setting-stt-threads = Hilos del reconocimiento de voz
threads-auto = Automático
setting-chat = Lumen piensa con
chat-local = el modelo local, en este ordenador
chat-server = un servidor compatible con OpenAI
setting-llm-file = Modelo local (un archivo GGUF)
llm-file-default = SmolLM2-135M-Instruct, el predeterminado (OK para escribir un archivo)
setting-endpoint = Dirección del servidor (Ollama, servidor de llama.cpp, vLLM)
setting-server-model = Modelo del servidor
setting-api-key = Clave de API
setting-stream-server = Servidor de emisión (F9)
setting-stream-key = Clave de emisión
setting-stream-size = Tamaño de emisión
api-key-none = ninguna (OK para escribir una)
setting-models = Modelos de voz
# Voice: the microphone indicator and what Lumen says about herself.
voice-off = Los comandos de voz están desactivados.
voice-commands-off = Los comandos de voz están desactivados: { $why }
chat-off = El chat está desactivado: { $why }
lumen-voice-off = La voz de Lumen está desactivada: { $why }
voice-restarting = Reiniciando { $what }…
worker-died = { $message }. Reinicio en { $seconds } s.
worker-back = { $what } ha vuelto.
voice-heard-nothing = No he oído nada. Mantén V mientras hablas.
voice-not-caught = No lo he entendido.
not-a-command-chat-off = «{ $text }» no es un comando de TV, y el chat está desactivado.
voice-listening = Escuchando…
voice-waking = Lumen se está despertando…
voice-thinking = { $heard } Pensando…
# What Lumen says when the model has given nothing yet, so the wait is not silence.
voice-thinking-aloud = Mmm.
voice-try-again = { $error }. Inténtalo de nuevo en un momento.
# What Lumen says after a spoken command, from what the TV did.
ack-channel-numbered = Canal { $number }, { $name }.
ack-channel = { $name }.
ack-no-channel-number = Aquí no hay canal { $number }.
ack-no-previous = No hay canal anterior al que volver.
ack-no-channel = No encontré ese canal.
ack-programme = { $title }, en { $channel }.
ack-nothing-on = Ahora no hay nada con { $what }.
ack-louder = Más alto.
ack-quieter = Más bajo.
ack-volume = Volumen { $percent }.
ack-muted = Silenciado.
ack-unmuted = Vuelve el sonido.
ack-guide = Aquí está la guía.
ack-subtitles-on = Subtítulos activados.
ack-subtitles-off = Subtítulos desactivados.
ack-audio-track = Sonido: { $track }.
ack-subtitle-track = Subtítulos: { $track }.
ack-no-audio-track = Este canal no tiene sonido en { $language }.
ack-no-subtitle-track = Este canal no tiene subtítulos en { $language }.
ack-favourite-added = { $name } está ahora en tus favoritos.
ack-favourite-already = { $name } ya es un favorito.
ack-favourite-removed = { $name } ya no está en tus favoritos.
ack-favourite-not = { $name } no es uno de tus favoritos.
ack-on-now = Ahora: { $title }.
ack-on-channel-now = Ahora en { $channel }: { $title }.
ack-on-next = Después en { $channel }: { $title }, { $when }.
ack-channel-missing = No tienes { $channel } en esta lista.
ack-guide-empty = La guía no tiene nada de { $channel } para entonces.
ack-when-now = { $title } está ahora en { $channel }.
ack-when = { $title } es en { $channel } { $when }.
ack-when-none = No encuentro { $title } en la guía.
ack-reminder-set = Te lo recordaré: { $title } en { $channel } { $when }.
ack-reminder-off = El recordatorio de { $title } está desactivado.
ack-reminder-none = No encuentro { $title } entre lo que queda en la guía.
ack-reminder-started = Ese programa ya empezó: no hace falta recordatorio.
reminder-soon = Recordatorio: { $title } empieza en un minuto en { $channel }.
reminder-now = Recordatorio: { $title } empieza en { $channel }.
reminder-now-ok = Recordatorio: { $title } empieza en { $channel }. OK para verlo.
reminder-now-stay = Recordatorio: { $title } empieza ahora en { $channel }.
reminder-mark = Recordatorio puesto
catchup-playing = Del archivo: { $title } ({ $time }). Atrás para el directo.
no-programme-now = La guía no tiene nada ahora para empezar desde el principio.
no-programme-then = La guía no tiene programa en ese momento.
ack-catchup = { $title }, desde el principio.
at-time = a las { $time }
tomorrow-at = mañana a las { $time }
day-at = el { $day } a las { $time }
ack-live = En directo.
ack-behind-live = { $time } por detrás del directo.
ack-seek-to = En { $time }.
timeshift-off = Pausar y rebobinar la TV en directo está desactivado (Ajustes, Streams).
timeshift-nothing = No se reproduce nada que pausar o rebobinar.
timeshift-unavailable = Este canal no se puede rebobinar: Prism no puede almacenar su stream.
timebar-live = EN VIVO
timebar-behind = { $time } por detrás del directo
timebar-paused = En pausa
timebar-buffer = { $time } almacenados
timebar-archive = { $position } de { $length }
record-nothing = No hay nada en directo que grabar.
record-none = No se está grabando nada.
record-saved = Grabación guardada ({ $time }): { $path }
record-failed = La grabación falló: { $why }
record-interrupted = Una grabación se cortó la última vez que se cerró Prism; se reproduce hasta ese punto: { $path }
ack-recording = Grabando.
ack-recording-already = Ya estoy grabando.
ack-recording-stopped = Grabación detenida tras { $time }.
rec-badge = REC { $time }
rec-timer = REC { $title }
rec-timers = REC { $title } +{ $more }
rec-saving = Guardando la grabación…
missed = { $minutes ->
    [one] En ese minuto: { $said }
   *[other] En esos { $minutes } minutos: { $said }
}
missed-no-captions = Los subtítulos de este canal no están almacenados, así que no sé qué se dijo en esos { $minutes } minutos.
missed-show-me = Di «show me» para verlo.
moment-none = No hay ningún momento al que volver: primero pregunta qué te perdiste.
missed-nothing = No te has perdido nada: estás en directo.
replay-failed = { $title } no se pudo reproducir ({ $why }); de vuelta al directo.
recording-missing = No hay ninguna grabación llamada { $name }.
ack-replaying = Reproduciendo { $name }.
recordings-title = Grabaciones
recordings-none = Aún no hay grabaciones. R graba el canal que ves, o un programa de la guía.
recordings-hint = OK reproduce · Supr borra · Atrás cierra
recordings-hint-timer = Supr cancela la grabación · Atrás cierra
recordings-confirm = ¿Borrar { $name }? OK lo borra, Atrás lo conserva.
recordings-recording = grabando ahora
recordings-cut = cortada
# Companion mode.
companion-quiet = Vale, me quedo callada.
sources-page = Fuentes: { $on } de { $total } activas  >
sources-settings-title = Fuentes
source-channels = Activa · { $channels ->
    [one] 1 canal
   *[other] { $channels } canales
}
source-failed = Activa · no cargó: { $error }
every-source-off = Todas las fuentes están desactivadas (Ajustes › Fuentes).
ack-locked = Ese canal está bloqueado. Escribe el PIN.
group-locked = { $group } (bloqueado: P)
pin-title = Canal bloqueado
pin-enter = Escribe el PIN para ver { $channel }.
pin-choose = Elige un PIN (de 4 a 8 cifras) para los canales bloqueados.
pin-unlock-group = Escribe el PIN para desbloquear grupos.
pin-wrong = PIN incorrecto. Inténtalo otra vez.
pin-invalid = Un PIN tiene de 4 a 8 cifras.
pin-hint = Cifras y luego OK  ·  Atrás cancela
timer-last-connection = Mientras graba, todas las conexiones que permite tu proveedor ({ $limit ->
        [one] una conexión
       *[other] { $limit } conexiones
    }) están en uso: solo se pueden ver los canales que se graban.
timer-over = { $title } ya terminó: no queda nada que grabar.
timer-already = { $title } ya está programado para grabarse.
timer-connections = { $title } no se puede grabar: tu proveedor permite { $limit ->
        [one] una conexión
       *[other] { $limit } conexiones
    } a la vez, y { $with } estaría grabando entonces.
timer-no-channel = { $channel } ya no está en tu lista de canales.
timer-switched = Cambiado a { $channel } para grabarlo: tu proveedor permite { $limit ->
        [one] una conexión
       *[other] { $limit } conexiones
    } a la vez.
timer-started = Grabando { $title } en { $channel }.
timer-done = { $title } grabado ({ $time }).
timer-failed = La grabación de { $title } falló: { $why }
timer-missed = { $title } no se grabó: Prism estaba cerrado mientras se emitía.
timer-interrupted = La grabación de { $title } se cortó al cerrarse Prism.
timer-mark = Programado para grabar
ack-timer-set = Grabaré { $title } en { $channel } { $when }.
ack-timer-off = { $title } no se grabará.
ack-timer-none = No encontré { $title } en la guía para grabarlo.
recordings-cancel = ¿Cancelar la grabación de { $name }? OK la cancela, Atrás la conserva.
missed-offer = Te saltaste { $minutes ->
        [one] un minuto
       *[other] { $minutes } minutos
    }. Pregúntame qué te perdiste.
away-started = Estuviste fuera de { $channel } { $minutes ->
        [one] un minuto
       *[other] { $minutes } minutos
    }: { $ended } terminó, y { $started } empezó a las { $time }.
away-still-on = Estuviste fuera de { $channel } { $minutes ->
        [one] un minuto
       *[other] { $minutes } minutos
    }; { $title } sigue en emisión.
away-start-over = Di «start over» para verlo desde el principio.
behind-offer = Vas { $minutes ->
        [one] un minuto
       *[other] { $minutes } minutos
    } por detrás del directo. Pregúntame qué te perdiste, o di «go live».
pair-panel = Mando en el móvil: escanea el código, o abre { $url } en el móvil y escribe
pair-done = Un móvil está vinculado: ya puede controlar Prism.
pair-no-code = No hay código de vinculación en la TV: pide uno y vuelve a intentarlo.
pair-wrong-code = Ese no es el código de la TV.
pair-lan-plain = El control desde otros dispositivos está activado. La conexión no está cifrada: úsalo solo en una red de confianza.
remote-page = Mando y emisión  >
remote-settings-title = Control remoto y emisión
setting-remote-lan = Desde otros dispositivos de la red
remote-lan-on = Sí (sin cifrar)
pair-phone = Vincular un móvil (muestra un código en la TV)
new-token = Token nuevo (móviles y agentes vuelven a vincularse)
new-token-done = Hay un token nuevo: los móviles y agentes vinculados antes deben vincularse de nuevo.
