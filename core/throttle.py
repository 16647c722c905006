"""Token buckets in the queue's Redis, shared by every worker and process (outgoing SMS use one).

A bucket holds up to ``burst`` tokens and refills at ``rate`` a second; a caller takes one
token or learns how long to wait for it. The arithmetic runs as one Lua script on Redis's
own clock, so two workers can never take the same token.
"""
import time

from core import queue

MAX_WAIT_SECONDS = 30.0  # a job never sleeps longer than this at once; it asks again

# KEYS[1] the bucket; ARGV rate/s, burst. Returns 0 when a token was taken, else the wait in microseconds.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens, stamp = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, stamp = burst, now end
tokens = math.min(burst, tokens + (now - stamp) * rate / 1000000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
"""


def take(key: str, rate: float, burst: int) -> float:
    """Take one token of bucket key if there is one (return 0.0), else return the seconds until there will be."""
    script = queue.connection().register_script(_TAKE)
    return int(script(keys=[f"artel:bucket:{key}"], args=[rate, max(1, burst)])) / 1_000_000


def wait_for_token(key: str, rate: float, burst: int) -> float:
    """Block until bucket key gives the caller a token (rate 0: no limit); return the seconds waited."""
    if rate <= 0:
        return 0.0
    waited = 0.0
    while (pause := take(key, rate, burst)) > 0:
        pause = min(pause, MAX_WAIT_SECONDS)
        time.sleep(pause)
        waited += pause
    return waited
