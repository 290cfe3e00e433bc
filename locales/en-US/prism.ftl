# Prism user-facing text (Fluent). English is the reference locale.
app-name = Prism
demo-lineup-title = Demo channels
now-playing = Now: { $title }
up-next = Next: { $title }
nothing-scheduled = No guide information
