"""`python -m integrations.simulator [--host 127.0.0.1] [--port 8765] [--seed 0]`"""

import argparse
import signal
import sys

from integrations.simulator.server import make_server


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description="Outside-marketplace simulator (kmall24, buykorea, amazon, ebay, tmall)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.seed)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(f"channel simulator listening on http://{host}:{port} (seed {args.seed})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
