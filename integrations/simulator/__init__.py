"""The channel simulator: a real HTTP server speaking the five channels' APIs, with faults on demand.

Run it with `python -m integrations.simulator --port 8765 --seed 1`. Control endpoints under
`/_control/` (faults, requests, listings, records, orders, reset) are described in `server.py`.
"""
