"""Floods Prism's control API: N requests from T keep-alive connections, a third each of
JSONRPC.Ping (answered on the listener's thread), Player.GetProperties and PVR.GetChannels
(answered by the frame loop). Run beside the app's `frametimes` autopilot step to see what
the load costs the frames:

    PRISM_SCRIPT="playing;wait 3;frametimes 15;frametimes 30;quit" prism &
    python3 scripts/hub-flood.py $XDG_RUNTIME_DIR/prism/hub.json 10000 16
"""
import json, sys, time, threading, http.client
hub = json.load(open(sys.argv[1])); N = int(sys.argv[2]); T = int(sys.argv[3])
hdr = {"Authorization": "Bearer " + hub["token"], "Content-Type": "application/json"}
methods = [("JSONRPC.Ping", {}), ("Player.GetProperties", {}), ("PVR.GetChannels", {"limit": 50})]
lat = {m: [] for m, _ in methods}; lock = threading.Lock(); errors = [0]
def worker(k):
    c = http.client.HTTPConnection("127.0.0.1", hub["port"])
    for i in range(k, N, T):
        m, p = methods[i % 3]
        body = json.dumps({"jsonrpc": "2.0", "id": i, "method": m, "params": p})
        t = time.perf_counter(); c.request("POST", "/jsonrpc", body, hdr); r = c.getresponse(); d = r.read()
        dt = (time.perf_counter() - t) * 1000
        ok = r.status == 200 and b'"result"' in d
        with lock:
            lat[m].append(dt); errors[0] += not ok
t0 = time.perf_counter()
ts = [threading.Thread(target=worker, args=(k,)) for k in range(T)]
[t.start() for t in ts]; [t.join() for t in ts]
wall = time.perf_counter() - t0
print(f"flood: {N} requests on {T} connections in {wall:.1f} s ({N / wall:.0f}/s), {errors[0]} errors")
for m, v in lat.items():
    v.sort(); print(f"  {m}: n {len(v)} p50 {v[len(v) // 2]:.1f} ms p99 {v[int(len(v) * .99)]:.1f} ms")
