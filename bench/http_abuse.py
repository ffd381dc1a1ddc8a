#!/usr/bin/env python3
"""Slow/idle client and burst measurements against an HTTP(S) server on loopback.

usage: http_abuse.py PORT MODE N SECONDS [--tls] [--spread] [--pid PID]
  MODE slow:  N clients send half a request head, then one byte every 10 s
  MODE idle:  N clients connect and send nothing (with --tls: never a ClientHello)
  MODE burst: N concurrent scrapes of $SCRAPE_PATH (default /metrics), SECONDS = client timeout
Clients come from 127.0.0.1, or with --spread from 127.0.1.1 ... 127.0.4.250 (one address each).
While slow/idle clients hold on, a scraper on 127.0.0.2 GETs /metrics every 0.5 s (5 s timeout)
for SECONDS and the share of 200s is printed. --pid: print the server's RSS and peak RSS.
Example: hv-exporter --libvirt.uri=test:///default --web.listen-address=127.0.0.1:19975 &
         bench/http_abuse.py 19975 slow 1000 40
"""
import asyncio, ssl, sys, time, re

port = int(sys.argv[1]); mode = sys.argv[2]; n = int(sys.argv[3]); seconds = float(sys.argv[4])
tls = "--tls" in sys.argv
spread = "--spread" in sys.argv
pid = None
import os
PATH = os.environ.get("SCRAPE_PATH", "/metrics").encode()
if "--pid" in sys.argv:
    pid = int(sys.argv[sys.argv.index("--pid") + 1])

def ctx():
    if not tls:
        return None
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c

def rss():
    if pid is None:
        return None
    with open(f"/proc/{pid}/status") as f:
        d = dict(l.split(":", 1) for l in f if ":" in l)
    return d["VmRSS"].strip(), d["VmHWM"].strip()

async def hold(i, stop):
    try:
        src = f"127.0.{1 + i // 250}.{1 + i % 250}" if spread else "127.0.0.1"
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0)), 10)
    except Exception:
        return "connect-fail"
    try:
        if mode == "slow":
            w.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            await w.drain()
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), 10)
                except asyncio.TimeoutError:
                    pass
                w.write(b"a")
                await w.drain()
        else:
            await stop.wait()
        return "held"
    except Exception:
        return "closed-by-server"
    finally:
        w.close()

async def scrape(src, timeout=5.0):
    t0 = time.monotonic()
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, ssl=ctx(), local_addr=(src, 0)), timeout)
        w.write(b"GET " + PATH + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = await asyncio.wait_for(r.read(), timeout - (time.monotonic() - t0))
        w.close()
    except asyncio.TimeoutError:
        return "timeout", time.monotonic() - t0
    except (ConnectionResetError, BrokenPipeError):
        return "reset", time.monotonic() - t0
    except ssl.SSLError as e:
        return "tls-error", time.monotonic() - t0
    except OSError as e:
        return f"oserror", time.monotonic() - t0
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    if not m:
        return ("eof-no-status" if not data else "garbage"), time.monotonic() - t0
    status = m.group(1).decode()
    if status == "503":
        status += "+retry-after" if re.search(rb"(?i)\r\nretry-after:", data) else "-no-retry-after"
    return status, time.monotonic() - t0

async def main():
    if mode in ("slow", "idle"):
        stop = asyncio.Event()
        holders = [asyncio.create_task(hold(i, stop)) for i in range(n)]
        await asyncio.sleep(2)
        results = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            results.append(await scrape("127.0.0.2"))
            await asyncio.sleep(0.5)
        stop.set()
        held = await asyncio.gather(*holders)
        ok = sum(1 for s, _ in results if s == "200")
        print(f"{mode} x{n} tls={tls}: scrapes {ok}/{len(results)} ok ({100*ok/max(1,len(results)):.0f}%), "
              f"max latency {max(t for _, t in results):.2f}s; outcomes {dict((k, [s for s,_ in results].count(k)) for k in set(s for s,_ in results))}; "
              f"holders {dict((k, held.count(k)) for k in set(held))}")
    elif mode == "burst":
        before = rss()
        async def one(i):
            src = f"127.0.{1 + i // 250}.{1 + i % 250}" if spread else "127.0.0.1"
            return (await scrape(src, timeout=seconds))[0]
        sampler_stop = asyncio.Event()
        peak = [None]
        async def sampler():
            while not sampler_stop.is_set():
                peak[0] = rss()
                await asyncio.sleep(0.05)
        s = asyncio.create_task(sampler())
        t0 = time.monotonic()
        out = await asyncio.gather(*(one(i) for i in range(n)))
        dt = time.monotonic() - t0
        sampler_stop.set(); await s
        print(f"burst x{n} spread={spread} tls={tls}: {dict((k, out.count(k)) for k in sorted(set(out)))} in {dt:.1f}s; rss before {before} after(rss,hwm) {rss()}")

asyncio.run(main())
