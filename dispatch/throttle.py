"""One token bucket in Redis for every outgoing SMS, shared by all workers and processes.

The bucket holds up to ``SMS_BURST`` tokens and refills at ``SMS_RATE_PER_SECOND``; a send
takes one token or learns how long to wait for it. The arithmetic runs as one Lua script
on Redis's own clock, so two workers can never take the same token. Which message goes
first is the queues' business: urgent orders' SMS sit on the ``urgent`` queue, which
every worker drains before the others.
"""
import time

from flask import current_app

from core import queue

KEY = "artel:sms:bucket"
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


def take(rate: float, burst: int) -> float:
    """Take one token if there is one (return 0.0), else return the seconds until there will be."""
    script = queue.connection().register_script(_TAKE)
    return int(script(keys=[KEY], args=[rate, max(1, burst)])) / 1_000_000


def wait_for_token() -> float:
    """Block until the bucket gives this send a token; return the seconds waited."""
    rate = current_app.config["SMS_RATE_PER_SECOND"]
    if rate <= 0:
        return 0.0
    waited = 0.0
    while (pause := take(rate, current_app.config["SMS_BURST"])) > 0:
        pause = min(pause, MAX_WAIT_SECONDS)
        time.sleep(pause)
        waited += pause
    return waited
